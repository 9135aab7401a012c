/* A network's bridge and the global forwarding sysctls: the host changes
 * that apply and the watch's repairs both make. */
#ifndef GW_CORE_BRIDGE_H
#define GW_CORE_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "gatewayd/core/ctx.h"

/* Create (recorded in state_dir first) or adopt n's bridge; its MAC,
 * addresses, IPv6 settings; up. rt->created_bridge says whose it is. */
int bridge_up(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
	      struct gw_net_rt *rt, char *err, size_t errlen);
/* Delete the bridge if gatewayd created it, else remove the addresses it
 * added. */
void bridge_down(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
		 struct gw_net_rt *rt);
/* Remove the addresses n put on its bridge, except those keep (the same
 * network's new config, or NULL) puts there too. */
void bridge_addrs_del(struct gw_ctx *ctx, const struct gw_network *n,
		      const struct gw_network *keep);
/* Forwarding on (IPv6 too if v6); 1 if something had to be written.
 * With u, what was written is noted there to be undone (sysctl_undo()). */
int bridge_forwarding(struct gw_ctx *ctx, const struct gw_conf *conf, bool v6);
struct sysctl_undo;
int bridge_forwarding_undo(struct gw_ctx *ctx, const struct gw_conf *conf, bool v6,
			   struct sysctl_undo *u);

#endif
