/* Inside apply: the steps of carrying out a diff (apply_diff.c), shared
 * by start and reload (apply.c). Not for other modules. */
#ifndef GW_APPLY_INT_H
#define GW_APPLY_INT_H

#include <stdbool.h>
#include <stddef.h>

struct gw_ctx;
struct gw_plan;
struct gw_diff;
struct gw_net_rt;

/* The nftables part of a diff, in one transaction: only what changed
 * (counters of the networks that stay keep counting), or both tables
 * anew when the diff says so or the update is refused. 1 if the tables
 * were replaced (the ports map is empty then), 0 if updated. */
int apply_diff_nft(struct gw_ctx *ctx, const struct gw_plan *new, struct gw_diff *d, char *err,
		   size_t errlen);
/* Carry out d (nft already done): dnsmasqs and bridges that go, bridges
 * that come. old_rts is indexed like the old plan, rts like new. strict
 * (start): a bridge that cannot be made fails it all; else it is logged
 * and skipped. */
int apply_diff_run(struct gw_ctx *ctx, const struct gw_plan *new, const struct gw_diff *d,
		   struct gw_net_rt *old_rts, struct gw_net_rt *rts, bool strict, char *err,
		   size_t errlen);
/* The dnsmasqs that come, once the new state is in force. */
int apply_diff_dhcp(struct gw_ctx *ctx, const struct gw_diff *d, bool strict, char *err,
		    size_t errlen);

#endif
