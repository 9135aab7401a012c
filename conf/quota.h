/* A network's connection quota (conf/quota.c): how many tracked
 * connections each guest, and the whole network, may hold in the host's
 * connection tracking table, which every network shares. The rules are
 * nft/quota.c's. */
#ifndef GW_CONF_QUOTA_H
#define GW_CONF_QUOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The network section's keys (spliced into conf.c's schema). */
#define CONF_QUOTA_OPTS SVAL("guest_connections", NULL), SVAL("connections", NULL),

/* A quota can be at most this (nf_conntrack_max is an unsigned int; the
 * kernel's connlimit takes a u32). */
#define GW_QUOTA_MAX 0x7fffffffu

struct gw_quota {
	/* guest_connections not written: a quarter of the host's
	 * nf_conntrack_max, which conf_quota_resolve() fills in at start
	 * (guest stays 0 until then). */
	bool guest_default;
	uint32_t guest;		  /* per guest (its MAC); 0 = none */
	uint32_t net;		  /* the whole network; 0 = none */
	int guest_line, net_line; /* where they were written (0: not) */
	/* connections not written, guest_binding = false: the guests may
	 * send from any MAC, each a guest of its own, so the network is held
	 * as one guest: connections = guest_connections
	 * (conf_quota_resolve()) */
	bool net_default;
};

struct gw_conf;
struct gw_network;
/* The host's nf_conntrack_max is known (ct_max, 0 if it could not be
 * read: then the default is a quarter of 65536): the defaults filled in,
 * and each written value checked against it ("FILE:LINE: ..." in err,
 * -EINVAL). */
int conf_quota_resolve(struct gw_conf *c, unsigned long ct_max, char *err, size_t errlen);
void conf_quota_print(FILE *f, const struct gw_network *net);
bool conf_quota_equal(const struct gw_network *a, const struct gw_network *b);

#endif
