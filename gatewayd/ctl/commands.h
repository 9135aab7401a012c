/* gatewayctl's read-only commands (commands.c). Each answers into o (or f
 * for metrics) and returns the exit code (CTL_*). which: a network's index,
 * or -1 for all. */
#ifndef GW_CTL_COMMANDS_H
#define GW_CTL_COMMANDS_H

#include <stdio.h>

#include "gatewayd/ctl/out.h"

struct gw_ctx;

/* NET's index; -1 for NULL (all); -2 when there is no such network. */
long cmd_pick(struct gw_ctx *ctx, const char *net);
int cmd_status(struct out *o, struct gw_ctx *ctx, long which);
int cmd_leases(struct out *o, struct gw_ctx *ctx, long which);
int cmd_forwards(struct out *o, struct gw_ctx *ctx, long which);
int cmd_metrics(FILE *f, struct gw_ctx *ctx);

#endif
