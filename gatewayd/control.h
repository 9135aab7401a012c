/* The control socket: gatewayctl's way in. A stream socket in run_dir;
 * root and the optional "gatewayd" group may connect, only root may
 * change anything. One request line in, "CODE\n" and a body out. */
#ifndef GW_CONTROL_H
#define GW_CONTROL_H

#include <stddef.h>

#include "gatewayd/eloop.h"

struct control;
struct gw_ctx;

/* Reload as SIGHUP does; 0, or -errno with the reason (FILE:LINE: ...). */
typedef int (*control_reload_fn)(void *arg, char *err, size_t errlen);

int control_new(struct eloop *loop, struct gw_ctx *ctx, const char *path, control_reload_fn reload,
		void *arg, struct control **out);
void control_free(struct control *c);

/* Exit codes gatewayctl passes on. */
enum {
	CTL_OK = 0,
	CTL_FAIL = 1, /* doctor found a problem; the command failed */
	CTL_USAGE = 2,
	CTL_CONFIG = 3, /* reload: the new config is invalid; nothing changed */
	CTL_DENIED = 4, /* only root may do that */
	CTL_NO_NET = 5, /* no such network */
};

#endif
