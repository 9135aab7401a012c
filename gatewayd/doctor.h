/* gatewayctl doctor: walk the path a guest's packet takes and say, check
 * by check, what is wrong and how to fix it. */
#ifndef GW_DOCTOR_H
#define GW_DOCTOR_H

#include "gatewayd/out.h"

struct gw_ctx;

/* which: a network index, or -1 for all. Returns the number of FAILs. */
int doctor_run(struct out *o, struct gw_ctx *ctx, long which);

#endif
