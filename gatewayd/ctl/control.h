/* The control socket: gatewayctl's way in. A stream socket in run_dir;
 * root and the optional "gatewayd" group may connect, only root may
 * change anything. One request line in, "CODE\n" and a body out. */
#ifndef GW_CONTROL_H
#define GW_CONTROL_H

#include <stddef.h>

#include "lib/eloop.h"
#include "gatewayd/ctl/proto.h"

struct control;
struct gw_ctx;

/* Reload as SIGHUP does; 0, or with the reason in err (FILE:LINE: ...)
 * -GW_EREFUSED for an invalid config (CTL_CONFIG) or -errno when applying
 * it failed (CTL_APPLY). Either way nothing changed. */
typedef int (*control_reload_fn)(void *arg, char *err, size_t errlen);

int control_new(struct eloop *loop, struct gw_ctx *ctx, const char *path, control_reload_fn reload,
		void *arg, struct control **out);
void control_free(struct control *c);

#endif
