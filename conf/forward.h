/* A network's port forwards: `forward NAME { proto; port; to; listen }`
 * (conf/forward.c). */
#ifndef GW_CONF_FORWARD_H
#define GW_CONF_FORWARD_H

#include <stddef.h>

/* The network section's keys of this feature (a list of CFG_* entries,
 * each followed by a comma), spliced into conf.c's schema. */
#define CONF_FORWARD_OPTS

struct gw_forward;

struct gw_forwards {
	size_t n;
	struct gw_forward *v;
};

#endif
