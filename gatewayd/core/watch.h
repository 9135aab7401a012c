/* The run-time watch: bring bridges, addresses, sysctls, the ports map
 * and the guards back in line with the desired state (ctx->plan). */
#ifndef GW_CORE_WATCH_H
#define GW_CORE_WATCH_H

#include "gatewayd/core/ctx.h"
#include "gatewayd/host/snapshot.h"

#define WATCH_LINKS    1u
#define WATCH_ADDRS    2u
#define WATCH_AGAIN_MS 100

/* One batch of host events: ctx->snap already brought up to date by
 * host_snap_drain(), ch says what changed (ch->all: everything may have:
 * start, reload, a resync; then guest binding's sets are refilled whole).
 * Computes what the plan in force wants at run time from the snapshot and
 * carries out only the difference; a batch that touched none of our
 * bridges does nothing. */
void watch_host(struct gw_ctx *ctx, const struct host_change *ch);
/* The same with the host as f says it is now (the snapshot's facts). */
void watch_host_facts(struct gw_ctx *ctx, const struct host_facts *f, const struct host_change *ch);

/* Start, reload, tables restored: every network checked and the ports
 * map and guest binding's sets made whole (the binding refilled). */
void watch_links(struct gw_ctx *ctx);
void watch_sysctls(struct gw_ctx *ctx);
void watch_net_release(struct gw_net_rt *rt);

#endif
