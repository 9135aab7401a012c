/* The BIRD config fragment gatewayd owns (pure: text from the config and
 * what is live, unit-tested). Per announced network a `protocol direct`
 * on its bridge only -- BIRD itself withdraws the subnet the moment the
 * bridge goes, even with gatewayd dead -- and, for a NAT network's
 * forwards, a `protocol static` of blackhole /32 and /128 routes; per
 * neighbour a `protocol bgp` whose export filter takes only routes of
 * those protocols AND of exactly those prefixes. Protocol names carry the
 * bridge (gatewayd_net_BRIDGE) so that one network coming or going
 * reconfigures its own protocol and leaves the others' sessions and
 * routes alone. */
#ifndef GW_BGP_FRAG_H
#define GW_BGP_FRAG_H

#include <stdbool.h>
#include <stdio.h>

#include "conf/conf.h"

#define BGP_PROTO_PREFIX "gatewayd_bgp_" /* + neighbour name */

/* Does a forward's listen address (AF_INET: 4 bytes, AF_INET6: 16) go
 * without a route of its own? True when it is on the network's uplink
 * (the router reaches it) or no address of this host (the forward cannot
 * answer there, and a route would pull a stranger's traffic here). */
typedef bool bgp_on_uplink_fn(const struct gw_network *n, int family, const void *addr, void *arg);

/* Does the network put anything in the fragment when live? */
bool bgp_net_announces(const struct gw_conf *c, const struct gw_network *n,
		       bgp_on_uplink_fn *on_uplink, void *arg);
/* The fragment. live[i]: networks[i] is to be announced now (its guard
 * holds, nothing refused it). NULL live and stopped: the fragment of a
 * stopped gatewayd (no protocol of ours, BIRD withdraws everything; in
 * include mode bird.conf still includes the file, so it must stay). */
int bgp_frag_write(FILE *f, const struct gw_conf *c, const bool *live, bgp_on_uplink_fn *on_uplink,
		   void *arg);
/* "gw0.5-x" -> "gw0_d5_hx": a bridge name in BIRD symbol characters. */
void bgp_symbol(const char *name, char *buf, size_t len);

#endif
