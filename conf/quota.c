/* A network's connection quota keys: guest_connections (per guest) and
 * connections (the whole network), each a count or "none". Whether a
 * count fits the host's table needs the host: conf_quota_resolve(), at
 * start and at each reload (gatewayd/host/preflight.c), with the lines
 * kept here. */
#include "internal.h"
#include "quota.h"
#include "text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "none" -> 0; a count in 1..GW_QUOTA_MAX; anything else refused. */
static int quota_value(struct conf_ctx *ctx, const struct sval *v, const char *pfx, const char *key,
		       uint32_t *out, int *line)
{
	unsigned long long n;
	char *end;
	char q[96];

	*line = v->line;
	if (!strcmp(v->s, "none")) {
		*out = 0;
		return 0;
	}
	errno = 0;
	n = v->s[0] >= '0' && v->s[0] <= '9' ? strtoull(v->s, &end, 10) : 0;
	if (v->s[0] < '0' || v->s[0] > '9' || errno || *end || n == 0 || n > GW_QUOTA_MAX)
		return conf_fail(ctx, v->line,
				 "%s%s %s: expected a number of connections (1-%u) or \"none\"",
				 pfx, key, conf_text_quote(q, sizeof(q), v->s), GW_QUOTA_MAX);
	*out = (uint32_t)n;
	return 0;
}

int conf_network_quota(struct conf_ctx *ctx, cfg_t *sec, const char *pfx, struct gw_network *net)
{
	struct gw_quota *q = &net->q;
	const struct sval *v;
	int r;

	*q = (struct gw_quota){ .guest_default = true };
	if ((v = sval_get(sec, "guest_connections"))) {
		q->guest_default = false;
		if ((r = quota_value(ctx, v, pfx, "guest_connections", &q->guest, &q->guest_line)) <
		    0)
			return r;
	}
	if ((v = sval_get(sec, "connections")) &&
	    (r = quota_value(ctx, v, pfx, "connections", &q->net, &q->net_line)) < 0)
		return r;
	if (q->guest && q->net && q->guest > q->net)
		return conf_fail(ctx, q->guest_line,
				 "%sguest_connections %u is more than the network's connections %u",
				 pfx, q->guest, q->net);
	return 0;
}

int conf_quota_resolve(struct gw_conf *c, unsigned long ct_max, char *err, size_t errlen)
{
	unsigned long max = ct_max ? ct_max : 65536;

	for (size_t i = 0; i < c->n_networks; i++) {
		struct gw_network *n = &c->networks[i];
		struct gw_quota *q = &n->q;
		const char *key = NULL;
		uint32_t v = 0;
		int line = 0;

		if (q->guest_default) {
			q->guest = (uint32_t)(max / 4 > GW_QUOTA_MAX ? GW_QUOTA_MAX : max / 4);
			/* the network's own cap is the lower bound */
			if (q->net && q->guest > q->net)
				q->guest = q->net;
			if (!q->guest)
				q->guest = 1;
		}
		/* made-up MACs would each be a guest of its own: without a cap
		 * of its own one guest could take the host's whole table */
		q->net_default = !n->guest_binding && !q->net_line;
		if (q->net_default)
			q->net = q->guest;
		if (!ct_max)
			continue;
		if (!q->guest_default && q->guest > ct_max) {
			key = "guest_connections";
			v = q->guest;
			line = q->guest_line;
		} else if (q->net > ct_max) {
			key = "connections";
			v = q->net;
			line = q->net_line;
		}
		if (key) {
			snprintf(err, errlen,
				 "%s:%d: network \"%s\": %s %u is more than the host's whole "
				 "connection table (nf_conntrack_max %lu)",
				 c->path, line, n->name, key, v, ct_max);
			return -EINVAL;
		}
	}
	return 0;
}

void conf_quota_print(FILE *f, const struct gw_network *net)
{
	const struct gw_quota *q = &net->q;

	if (q->guest)
		fprintf(f, "    guest_connections = %u%s\n", q->guest,
			q->guest_default ? " # a quarter of nf_conntrack_max" : "");
	else if (q->guest_default)
		fprintf(f, "    # guest_connections: a quarter of nf_conntrack_max, at start\n");
	else
		fprintf(f, "    guest_connections = none\n");
	if (q->net)
		fprintf(f, "    connections = %u%s\n", q->net,
			q->net_default ? " # guest_binding = false: as one guest" : "");
}

bool conf_quota_equal(const struct gw_network *a, const struct gw_network *b)
{
	return a->q.guest_default == b->q.guest_default && a->q.guest == b->q.guest &&
	       a->q.net == b->q.net;
}
