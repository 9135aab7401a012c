/* gatewayctl status: a network's bandwidth limits, drops and overlimits
 * (bandwidth_ctl.c). */
#ifndef GW_BANDWIDTH_CTL_H
#define GW_BANDWIDTH_CTL_H

#include <stddef.h>

#include "gatewayd/ctl/out.h"

struct gw_ctx;

/* Nothing when the network has no limit. */
void bw_ctl_status(struct out *o, struct gw_ctx *ctx, size_t i);

#endif
