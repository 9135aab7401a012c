/* gatewayctl status: each network's bandwidth limits and what they held
 * back (core/shaping.h counts; this file only formats). */
#include "gatewayd/ctl/bandwidth_ctl.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/core/shaping.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void rate_str(const struct gw_bw_dir *d, char *buf, size_t len)
{
	if (!d->rate)
		snprintf(buf, len, "none");
	else
		conf_bw_format_rate(d->rate, buf, len);
}

static void one(struct out *o, const char *name, const struct shaping_stats *st)
{
	char in[32], out[32], c[4][16], line[256];

	rate_str(&st->bw.in, in, sizeof(in));
	rate_str(&st->bw.out, out, sizeof(out));
	snprintf(c[0], sizeof(c[0]), "%" PRIu32, st->in_drops);
	snprintf(c[1], sizeof(c[1]), "%" PRIu32, st->in_overlimits);
	snprintf(c[2], sizeof(c[2]), "%" PRIu32, st->out_drops);
	snprintf(c[3], sizeof(c[3]), "%" PRIu32, st->out_overlimits);
	if (o->json) {
		out_row(o, 8, name, st->bridge ? "bridge" : "port", in, out, c[0], c[1], c[2],
			c[3]);
		return;
	}
	snprintf(line, sizeof(line),
		 "%s %s ingress=%s egress=%s ingress_drops=%s ingress_overlimits=%s "
		 "egress_drops=%s egress_overlimits=%s",
		 st->bridge ? "bridge" : "port", name, in, out, c[0], c[1], c[2], c[3]);
	out_str(o, "bandwidth", line);
}

void bw_ctl_status(struct out *o, struct gw_ctx *ctx, size_t i)
{
	static const char *const cols[8] = { "device",	      "kind",
					     "ingress",	      "egress",
					     "ingress_drops", "ingress_overlimits",
					     "egress_drops",  "egress_overlimits" };
	const struct gw_network *n = &ctx->conf->networks[i];
	const struct gw_net_rt *rt = &ctx->nets[i];
	size_t nd = rt->n_ports + 1;
	char(*names)[IFNAMSIZ];
	struct shaping_stats *st;

	if (!conf_bw_any(&n->bw) && !conf_bw_any(&n->guest_bw))
		return;
	names = calloc(nd, sizeof(*names));
	st = calloc(nd, sizeof(*st));
	if (names && st) {
		snprintf(names[0], sizeof(names[0]), "%s", n->bridge);
		for (size_t k = 0; k < rt->n_ports; k++)
			memcpy(names[k + 1], rt->ports[k], IFNAMSIZ);
		shaping_stats_many(ctx, (const char(*)[IFNAMSIZ])names, nd, st);
	}
	if (o->json) {
		out_list_begin(o, "bandwidth");
		o->ncols = 8;
		for (size_t k = 0; k < 8; k++)
			snprintf(o->cols[k], sizeof(o->cols[k]), "%s", cols[k]);
	}
	for (size_t k = 0; names && st && k < nd; k++)
		if (st[k].shaped && st[k].bridge == (k == 0))
			one(o, names[k], &st[k]);
	if (o->json)
		out_list_end(o);
	free(names);
	free(st);
}
