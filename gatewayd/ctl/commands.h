/* gatewayctl's read-only commands (commands.c). Each answers into o (or f
 * for metrics) and returns the exit code (CTL_*). which: a network's index,
 * or -1 for all. */
#ifndef GW_CTL_COMMANDS_H
#define GW_CTL_COMMANDS_H

#include <stdio.h>

#include "gatewayd/ctl/out.h"

struct gw_ctx;
struct ctl_peer;

/* NET's index; -1 for NULL (all); -2 when there is no such network. */
long cmd_pick(struct gw_ctx *ctx, const char *net);
/* NET's index (-1 for NULL: all that p sees) into which, and CTL_OK; or
 * the refusal written into f and its code: to a peer that does not see
 * every network, a network it may not see and one that does not exist
 * get the same words (CTL_DENIED), so names cannot be probed. */
int cmd_pick_seen(struct gw_ctx *ctx, const struct ctl_peer *p, const char *net, long *which,
		  FILE *f);
/* The same, and p must manage it (authz_manages); what: "add a static
 * lease", for the refusal. NET may not be NULL. */
int cmd_pick_managed(struct gw_ctx *ctx, const struct ctl_peer *p, const char *net,
		     const char *what, long *which, FILE *f);
/* The refusal for a network p may not see, or that does not exist. */
int cmd_refuse_net(struct gw_ctx *ctx, const struct ctl_peer *p, const char *net, FILE *f);
/* Each holds the networks p sees (all of them, or which) and nothing
 * of any other. */
int cmd_status(struct out *o, struct gw_ctx *ctx, long which, const struct ctl_peer *p);
int cmd_leases(struct out *o, struct gw_ctx *ctx, long which, const struct ctl_peer *p);
int cmd_forwards(struct out *o, struct gw_ctx *ctx, long which, const struct ctl_peer *p);
int cmd_metrics(FILE *f, struct gw_ctx *ctx, const struct ctl_peer *p);

#endif
