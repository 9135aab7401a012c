/* A network's mode and addresses beyond its own subnet: routed or isolated
 * instead of NAT, SNAT to fixed addresses, NAT66, traffic allowed from
 * other networks (conf/mode.c). */
#ifndef GW_CONF_MODE_H
#define GW_CONF_MODE_H

/* The network section's keys of this feature (a list of CFG_* entries,
 * each followed by a comma), spliced into conf.c's schema. */
#define CONF_MODE_OPTS

struct gw_net_mode {
	int unused_; /* (being written) */
};

#endif
