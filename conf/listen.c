/* A network's dedicated listen addresses (see listen.h): each a unicast
 * address of the host's kind (outside every network's subnet), in one
 * network only; no forward of another network in the file listens on
 * one of them. */
#include "internal.h"
#include "listen.h"
#include "addr.h"
#include "text.h"

#include <arpa/inet.h>
#include <string.h>

static const char *not_unicast(const struct gw_listen_addr *l)
{
	if (l->family == AF_INET) {
		uint32_t a = ntohl(l->a.a4.s_addr);

		if (!a || (a >> 24) == 127 || (a >> 28) >= 14)
			return "not a unicast address of the host (unspecified, loopback, "
			       "multicast or reserved)";
		return NULL;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(&l->a.a6) || IN6_IS_ADDR_LOOPBACK(&l->a.a6) ||
	    IN6_IS_ADDR_MULTICAST(&l->a.a6) || IN6_IS_ADDR_LINKLOCAL(&l->a.a6) ||
	    IN6_IS_ADDR_V4MAPPED(&l->a.a6))
		return "not a global unicast address (unspecified, loopback, multicast, link-local "
		       "or IPv4-mapped)";
	return NULL;
}

int conf_network_listen(struct conf_ctx *ctx, cfg_t *sec, const char *pfx, struct gw_network *net)
{
	unsigned n = cfg_size(sec, "listen_addresses");
	char q[80];

	net->laddrs.n = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct sval *v = cfg_getnptr(sec, "listen_addresses", i);
		struct gw_listen_addr *l = &net->laddrs.v[net->laddrs.n];
		const char *why;

		conf_text_quote(q, sizeof(q), v->s);
		if (i == GW_LISTEN_ADDRS_MAX)
			return conf_fail(ctx, v->line, "%sat most %d listen_addresses", pfx,
					 GW_LISTEN_ADDRS_MAX);
		memset(l, 0, sizeof(*l));
		l->line = v->line;
		if (inet_pton(AF_INET, v->s, &l->a.a4) == 1)
			l->family = AF_INET;
		else if (inet_pton(AF_INET6, v->s, &l->a.a6) == 1)
			l->family = AF_INET6;
		else
			return conf_fail(ctx, v->line,
					 "%slisten_addresses: %s is not an IPv4 or IPv6 address",
					 pfx, q);
		if ((why = not_unicast(l)))
			return conf_fail(ctx, v->line, "%slisten_addresses: %s is %s", pfx, q, why);
		net->laddrs.n++;
	}
	return 0;
}

static bool same(const struct gw_listen_addr *l, int family, const void *a)
{
	return l->family == family &&
	       !memcmp(&l->a, a,
		       family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr));
}

const struct gw_network *conf_listen_holder(const struct gw_conf *c, int family, const void *a)
{
	for (size_t i = 0; i < c->n_networks; i++)
		for (size_t k = 0; k < c->networks[i].laddrs.n; k++)
			if (same(&c->networks[i].laddrs.v[k], family, a))
				return &c->networks[i];
	return NULL;
}

const struct gw_network *conf_listen_other(const struct gw_conf *c, const struct gw_network *n)
{
	for (size_t i = 0; i < c->n_networks; i++)
		if (&c->networks[i] != n && c->networks[i].laddrs.n)
			return &c->networks[i];
	return NULL;
}

bool conf_listen_others(const struct gw_conf *c, const struct gw_network *n)
{
	return conf_listen_other(c, n) != NULL;
}

static void addr_text(const struct gw_listen_addr *l, char *buf, size_t len)
{
	if (!inet_ntop(l->family, &l->a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

void conf_listen_text(const struct gw_network *n, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < n->laddrs.n && o < len; k++) {
		char a[INET6_ADDRSTRLEN];

		addr_text(&n->laddrs.v[k], a, sizeof(a));
		o += (size_t)snprintf(buf + o, len - o, "%s%s", k ? ", " : "", a);
	}
}

void conf_listen_print(FILE *f, const struct gw_network *n)
{
	char a[INET6_ADDRSTRLEN];

	if (!n->laddrs.n)
		return;
	fprintf(f, "    listen_addresses = {");
	for (size_t k = 0; k < n->laddrs.n; k++) {
		addr_text(&n->laddrs.v[k], a, sizeof(a));
		fprintf(f, "%s\"%s\"", k ? ", " : "", a);
	}
	fprintf(f, "}\n");
}

/* An address in two networks, or in a network's subnet (a guest's, not
 * the host's), or a forward of one network in the file listening on
 * another's: refused at its line. */
int conf_listen_check(struct conf_ctx *ctx, const struct gw_conf *c)
{
	char a[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < c->n_networks; i++) {
		const struct gw_network *n = &c->networks[i];

		for (size_t k = 0; k < n->laddrs.n; k++) {
			const struct gw_listen_addr *l = &n->laddrs.v[k];
			const struct gw_network *h = conf_listen_holder(c, l->family, &l->a);
			struct gw_forward probe = { .family = l->family };

			addr_text(l, a, sizeof(a));
			if (h != n)
				return conf_fail(ctx, l->line,
						 "network \"%s\": listen_addresses: %s is network "
						 "\"%s\"'s already",
						 n->name, a, h->name);
			for (size_t j = 0; j < k; j++)
				if (same(&n->laddrs.v[j], l->family, &l->a))
					return conf_fail(
						ctx, l->line,
						"network \"%s\": listen_addresses: %s twice",
						n->name, a);
			memcpy(&probe.listen, &l->a, sizeof(probe.listen));
			if ((h = conf_forward_listen_net(c, &probe, false)))
				return conf_fail(
					ctx, l->line,
					"network \"%s\": listen_addresses: %s is inside "
					"network \"%s\"'s subnet: a guest's address, not the "
					"host's",
					n->name, a, h->name);
		}
		for (size_t j = 0; j < n->fwd.n; j++) {
			const struct gw_forward *f = &n->fwd.v[j];
			const struct gw_network *h;

			/* every address of the host includes the others' */
			if (f->listen_any && !f->runtime && (h = conf_listen_other(c, n)))
				return conf_fail(
					ctx, f->line,
					"network \"%s\": forward \"%s\" listens on every "
					"address, network \"%s\"'s listen_addresses too: give it "
					"a listen address",
					n->name, f->name, h->name);
			if (f->listen_any || f->runtime ||
			    !(h = conf_listen_holder(c, f->family, &f->listen)) || h == n)
				continue;
			inet_ntop(f->family, &f->listen, a, sizeof(a));
			return conf_fail(ctx, f->listen_line,
					 "network \"%s\": forward \"%s\": listen %s is network "
					 "\"%s\"'s (its listen_addresses)",
					 n->name, f->name, a, h->name);
		}
	}
	return 0;
}
