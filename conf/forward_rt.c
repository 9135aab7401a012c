/* Port forwards added at run time (gatewayctl forward add, qemu-args
 * --forward; gatewayd/core/forwards_rt.c): one forward made from
 * gatewayctl's words with the file's rules, and checked against all in
 * force with one pass -- the config's checks for a forward section, and
 * its sorted passes for a whole file, are in forward.c. */
#include "internal.h"
#include "addr.h"
#include "text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int conf_forward_make(const struct gw_network *net, const char *name, const char *proto,
		      const char *port, const char *to, const char *listen, struct gw_forward *f,
		      char *err, size_t errlen)
{
	struct conf_ctx ctx = { .file = NULL, .err = err, .errlen = errlen };
	const char *s[4] = { proto, port, to, listen };
	struct sval *v[4] = { NULL, NULL, NULL, NULL };
	char pfx[NAME_NET_MAX + 16];
	int r = -ENOMEM;

	for (size_t i = 0; i < 4; i++) {
		if (!s[i])
			continue;
		if (!(v[i] = malloc(sizeof(*v[i]) + strlen(s[i]) + 1)))
			goto out;
		v[i]->line = 0;
		strcpy(v[i]->s, s[i]);
	}
	memset(f, 0, sizeof(*f));
	snprintf(pfx, sizeof(pfx), "network \"%s\": ", net->name);
	r = conf_fwd_vals(&ctx, NULL, name, v[0], v[1], v[2], v[3], pfx, net, f);
	f->runtime = true;
out:
	if (r == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	for (size_t i = 0; i < 4; i++)
		free(v[i]);
	return r;
}

/* Where a forward comes from, for a message. */
static void origin_text(const struct gw_conf *c, const struct gw_forward *f, char *buf, size_t len)
{
	if (f->runtime)
		snprintf(buf, len, "added by gatewayctl");
	else
		snprintf(buf, len, "%s line %d", c->path, f->line);
}

static bool forwards_overlap(const struct gw_forward *a, const struct gw_forward *b)
{
	return conf_fwd_same_kind(a, b) && conf_fwd_listen_overlap(a, b) &&
	       a->port_min <= b->port_max && b->port_min <= a->port_max;
}

/* One forward against all: a pass over them, not the sorted passes of
 * conf_forwards_check() (one forward added is n steps either way). */
bool conf_forward_conflict(const struct gw_conf *c, const struct gw_network *net,
			   const struct gw_forward *f, char *why, size_t len)
{
	const struct gw_network *with;

	return conf_forward_conflict_with(c, net, f, why, len, &with);
}

bool conf_forward_conflict_with(const struct gw_conf *c, const struct gw_network *net,
				const struct gw_forward *f, char *why, size_t len,
				const struct gw_network **with)
{
	const struct gw_network *in;
	char o[GW_PATH_MAX + 32], l[INET6_ADDRSTRLEN + 16], pt[16];

	*with = NULL;
	for (size_t k = 0; k < net->fwd.n; k++)
		if (!strcmp(net->fwd.v[k].name, f->name)) {
			origin_text(c, &net->fwd.v[k], o, sizeof(o));
			snprintf(why, len, "network \"%s\" has a forward \"%s\" already (%s)",
				 net->name, f->name, o);
			return true;
		}
	if ((in = conf_forward_listen_net(c, f, true))) {
		*with = in;
		conf_forward_listen_msg(why, len, net, f, in);
		return true;
	}
	if (c->bgp.enabled && f->proto == IPPROTO_TCP && f->port_min <= 179 && 179 <= f->port_max) {
		snprintf(why, len,
			 "network \"%s\": forward \"%s\": tcp port 179 is BGP's, and the bgp "
			 "section makes BIRD listen there: the router's session would reach a "
			 "guest",
			 net->name, f->name);
		return true;
	}
	for (size_t i = 0; i < c->n_networks; i++)
		for (size_t k = 0; k < c->networks[i].fwd.n; k++) {
			const struct gw_forward *g = &c->networks[i].fwd.v[k];

			if (!forwards_overlap(f, g))
				continue;
			conf_fwd_listen_text(f, l, sizeof(l));
			conf_fwd_ports_text(pt, sizeof(pt), f->port_min, f->port_max);
			origin_text(c, g, o, sizeof(o));
			*with = &c->networks[i];
			snprintf(why, len,
				 "network \"%s\": forward \"%s\": %s port%s %s on %s overlaps "
				 "forward \"%s\" of network \"%s\" (%s)",
				 net->name, f->name, f->proto == IPPROTO_TCP ? "tcp" : "udp",
				 f->port_min == f->port_max ? "" : "s", pt, l, g->name,
				 c->networks[i].name, o);
			return true;
		}
	return false;
}

void conf_forward_to_text(const struct gw_forward *f, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], tp[16];

	inet_ntop(f->family, &f->to, a, sizeof(a));
	conf_fwd_ports_text(tp, sizeof(tp), f->to_min, f->to_max);
	snprintf(buf, len, "%s%s%s:%s", f->family == AF_INET6 ? "[" : "", a,
		 f->family == AF_INET6 ? "]" : "", tp);
}
