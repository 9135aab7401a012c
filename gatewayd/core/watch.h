/* The run-time watch: bring bridges, addresses, sysctls, the ports map
 * and the guards back in line with the desired state (ctx->plan). */
#ifndef GW_CORE_WATCH_H
#define GW_CORE_WATCH_H

#include "gatewayd/core/ctx.h"

#define WATCH_LINKS    1u
#define WATCH_ADDRS    2u
#define WATCH_AGAIN_MS 100

void watch_links(struct gw_ctx *ctx);
void watch_addrs(struct gw_ctx *ctx);
void watch_sysctls(struct gw_ctx *ctx);
void watch_net_release(struct gw_net_rt *rt);

#endif
