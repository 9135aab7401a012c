/* The connection quota in gatewayctl's answers (gatewayd/ctl/quota_ctl.c):
 * the caps in force in status, and what the per-guest doctor may ask. */
#ifndef GW_CTL_QUOTA_CTL_H
#define GW_CTL_QUOTA_CTL_H

#include <stdint.h>

#include "conf/conf.h"
#include "gatewayd/ctl/out.h"
#include "nft/counters.h"

/* status: guest_connections and connections in force (0: none; the
 * default resolved, a quarter of nf_conntrack_max). The drops are the
 * counter kind NCTR_QUOTA (quota_dropped_packets), with the others. */
void quota_status(struct out *o, const struct gw_network *n);
/* New connections of the network's guests dropped over a cap so far (the
 * network's quota_NET counter, cs read once by the caller). The kernel
 * does not tell how many connections each guest holds (nft lists a ct
 * count's limit, not its count): doctor can name the quota as a cause
 * when this grows. */
uint64_t quota_dropped(const struct nft_counters *cs, const struct gw_network *n);

#endif
