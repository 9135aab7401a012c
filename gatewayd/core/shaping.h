/* Bandwidth limits in force (conf/bandwidth.h says what is asked): on
 * each network's bridge and on each guest port, traffic control over
 * rtnetlink (lib/tc.h builds the messages). */
#ifndef GW_SHAPING_H
#define GW_SHAPING_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/bandwidth.h"

struct gw_ctx;
struct gw_shaping;
struct host_facts;

/* Make the kernel's shaping equal to the config for the bridges and
 * guest ports in f and ctx->nets[].ports: only what changed is sent (a
 * new port, a rate changed by reload, a limit removed). Logs what fails. */
void shaping_sync(struct gw_ctx *ctx, const struct host_facts *f);
/* Stop: remove what gatewayd added to links that stay (adopted bridges,
 * ports it did not make) and the IFB devices it made. */
void shaping_stop(struct gw_ctx *ctx);
void shaping_free(struct gw_shaping *s);

/* One port's (or bridge's) limits and counters. */
struct shaping_stats {
	bool shaped;		/* has a limit in force (else all zero) */
	bool bridge;		/* a network's bridge, not a guest port */
	struct gw_bandwidth bw; /* in force */
	char leaf[16];		/* "fq_codel" or "bfifo" */
	/* ingress: to the guest (the device's root HTB); egress: from the
	 * guest (its IFB's root HTB) */
	uint64_t in_bytes, out_bytes;
	uint32_t in_drops, in_overlimits, out_drops, out_overlimits;
};
/* 0 and *out filled, -ENOENT when port has no limit, or -errno. */
int shaping_port_stats(struct gw_ctx *ctx, const char *port, struct shaping_stats *out);
/* The same for n devices with one read of the kernel's counters: how
 * many are shaped (out[k].shaped), or -errno (limits filled, counters 0). */
int shaping_stats_many(struct gw_ctx *ctx, const char (*names)[IFNAMSIZ], size_t n,
		       struct shaping_stats *out);

#endif
