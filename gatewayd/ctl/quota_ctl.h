/* The connection quota in gatewayctl's answers (gatewayd/ctl/quota_ctl.c):
 * the caps in force and each guest's drops in status, and what the
 * per-guest doctor may ask. */
#ifndef GW_CTL_QUOTA_CTL_H
#define GW_CTL_QUOTA_CTL_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "gatewayd/ctl/out.h"
#include "nft/counters.h"
#include "nft/quota.h"

/* status: guest_connections and connections in force (0: none; the
 * default resolved, a quarter of nf_conntrack_max); and when the
 * network's quota_NET counter (in cs) has dropped something,
 * quota_dropped_guests: "MAC PACKETS" for each guest that had new
 * connections dropped in the last hour. The network's drops are the
 * counter kind NCTR_QUOTA (quota_dropped_packets), with the others. */
void quota_status(struct out *o, const struct gw_network *n, const struct nft_counters *cs);
/* New connections of the network's guests dropped over a cap so far (the
 * network's quota_NET counter, cs read once by the caller). */
uint64_t quota_dropped(const struct nft_counters *cs, const struct gw_network *n);
/* The per-guest doctor: what guest mac of network n had dropped (in the
 * last hour) over its quota or the network's, from drops read once per
 * request with nft_quota_drops_read() (nft/quota.h). */
uint64_t quota_guest_dropped(const struct nft_quota_drop *drops, size_t n_drops,
			     const struct gw_network *n, const uint8_t mac[6]);
/* The same summed over the MACs of a guest port as status and doctor list
 * them ("52:54:00:12:34:56[,52:54:...]"; anything else in the text is
 * skipped). */
uint64_t quota_macs_dropped(const struct nft_quota_drop *drops, size_t n_drops,
			    const struct gw_network *n, const char *macs);

#endif
