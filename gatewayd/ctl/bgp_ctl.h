/* What status, metrics and doctor say about BGP announcements (the
 * state is gatewayd/core/bgp.c's). */
#ifndef GW_CTL_BGP_H
#define GW_CTL_BGP_H

#include <stddef.h>
#include <stdio.h>

#include "gatewayd/ctl/out.h"

struct gw_ctx;
struct ctl_peer;

/* Inside network i's status object: announce (announced, withdrawn, off)
 * and, when bgp is configured, bgp (the sessions as BIRD last said, or
 * why nothing is announced). */
void bgp_ctl_status(struct out *o, struct gw_ctx *ctx, size_t i);
/* gatewayd_announced{network=...} for the networks peer sees, and
 * gatewayd_bgp_session_established{neighbor=...} (the host's). */
void bgp_ctl_metrics(FILE *f, struct gw_ctx *ctx, const struct ctl_peer *peer);
/* The doctor's check: NULL when bgp is not configured, else "ok",
 * "WARN" or "FAIL" with what and the fix. */
const char *bgp_ctl_check(struct gw_ctx *ctx, char *detail, size_t dlen, const char **fix);

#endif
