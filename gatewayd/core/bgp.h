/* Announcing networks through BIRD (the run-time part; the fragment's
 * text is bgp_frag.c's, the control socket bird.c's). bgp_update() is
 * called wherever what is announced may change -- start, reload, a guard
 * tripping or releasing -- and is cheap when nothing did: the fragment
 * is rebuilt and compared with the one written. A changed fragment is
 * written and BIRD asked to reconfigure; a request while one is in
 * flight waits for it (coalesced: the last fragment wins). BIRD absent:
 * tried again every BGP_RETRY_MS, said in status and doctor. BIRD
 * refusing: tried again with backoff and at every bgp_update(), status
 * recovering once it accepts. */
#ifndef GW_CORE_BGP_H
#define GW_CORE_BGP_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"
#include "gatewayd/host/bird.h"

#define BGP_RETRY_MS   2000 /* BIRD not reachable: asked again */
#define BGP_REFRESH_MS 5000 /* sessions' states read again */
#define BGP_TIMEOUT_MS 5000 /* one request to BIRD */
/* BIRD refused the configuration (the admin's part may be what is
 * broken): asked again after 1 s, 2 s, 4 s ... at most 30 s, and at
 * every bgp_update() */
#define BGP_BACKOFF_MIN_MS 1000
#define BGP_BACKOFF_MAX_MS 30000

struct gw_ctx;
struct gw_network;

void bgp_update(struct gw_ctx *ctx);
/* The same with the host as the watch has it (NULL: read it if a NAT
 * network's forwards need it): no second read per event. */
struct host_facts;
void bgp_update_facts(struct gw_ctx *ctx, const struct host_facts *facts);
/* Stop (and --teardown, with ctx NULL and conf given): the fragment of a
 * stopped gatewayd, BIRD told at once (waiting up to a second: the loop
 * no longer runs). */
void bgp_stop(struct gw_ctx *ctx);
void bgp_teardown(const struct gw_conf *conf);

/* For status, doctor and metrics. */
const char *bgp_net_state(const struct gw_ctx *ctx,
			  const struct gw_network *n); /* announced, withdrawn, off */
/* "" when BIRD answers; otherwise why nothing is announced. */
const char *bgp_problem(const struct gw_ctx *ctx);
size_t bgp_sessions(const struct gw_ctx *ctx, const struct bird_proto **out);

#endif
