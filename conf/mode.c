/* A network's mode-dependent keys: inbound (routed), snat_address,
 * ipv6_nat and snat6_address (nat), allow_from (any mode). Each key is
 * refused where its mode would ignore it: a key that is accepted and does
 * nothing is a trap. Whether an SNAT address is really on the uplink needs
 * the host: gatewayd/host/preflight.c checks it, with the line kept here. */
#include "internal.h"
#include "text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int mode_bool(const char *s)
{
	if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))
		return 1;
	if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))
		return 0;
	return -1;
}

static int mode_snat4(struct conf_ctx *ctx, const struct sval *v, const char *pfx,
		      struct gw_net_mode *m)
{
	char a[64], q[96];
	const char *colon = strchr(v->s, ':');
	size_t n = colon ? (size_t)(colon - v->s) : strlen(v->s);

	snprintf(a, sizeof(a), "%.*s", (int)(n < sizeof(a) ? n : 0), v->s);
	if (n >= sizeof(a) || inet_pton(AF_INET, a, &m->snat4) != 1)
		return conf_fail(
			ctx, v->line,
			"%ssnat_address %s is not an IPv4 address (like \"203.0.113.5\" or "
			"\"203.0.113.5:1024-65535\")",
			pfx, conf_text_quote(q, sizeof(q), v->s));
	if (colon && conf_parse_ports(colon + 1, &m->snat_port_min, &m->snat_port_max) < 0)
		return conf_fail(ctx, v->line,
				 "%ssnat_address %s: ports must be PORT or FIRST-LAST in 1-65535",
				 pfx, conf_text_quote(q, sizeof(q), v->s));
	if ((ntohl(m->snat4.s_addr) >> 24) == 0 || (ntohl(m->snat4.s_addr) >> 24) == 127 ||
	    (ntohl(m->snat4.s_addr) >> 28) >= 14)
		return conf_fail(ctx, v->line, "%ssnat_address %s is not a unicast address", pfx,
				 a);
	m->has_snat4 = true;
	m->snat_line = v->line;
	return 0;
}

int conf_network_mode(struct conf_ctx *ctx, cfg_t *sec, const char *pfx, struct gw_network *net)
{
	struct gw_net_mode *m = &net->m;
	const struct sval *v;
	char q[96];
	int b;

	m->ipv6_nat = net->mode == GW_MODE_NAT && net->has_ipv6;
	if ((v = sval_get(sec, "inbound"))) {
		if (net->mode != GW_MODE_ROUTED)
			return conf_fail(ctx, v->line,
					 "%sinbound applies to mode = routed only (this network is "
					 "%s)",
					 pfx, conf_mode_name(net->mode));
		if (!strcmp(v->s, "drop"))
			m->inbound_drop = true;
		else if (strcmp(v->s, "accept"))
			return conf_fail(ctx, v->line, "%sinbound %s: expected accept or drop", pfx,
					 conf_text_quote(q, sizeof(q), v->s));
	}
	if ((v = sval_get(sec, "snat_address"))) {
		if (net->mode != GW_MODE_NAT)
			return conf_fail(ctx, v->line,
					 "%ssnat_address applies to mode = nat only (this network "
					 "is %s)",
					 pfx, conf_mode_name(net->mode));
		if ((b = mode_snat4(ctx, v, pfx, m)) < 0)
			return b;
	}
	if ((v = sval_get(sec, "ipv6_nat"))) {
		if ((b = mode_bool(v->s)) < 0)
			return conf_fail(ctx, v->line, "%sipv6_nat %s: expected true or false", pfx,
					 conf_text_quote(q, sizeof(q), v->s));
		if (net->mode != GW_MODE_NAT)
			return conf_fail(ctx, v->line,
					 "%sipv6_nat applies to mode = nat only (this network is "
					 "%s)",
					 pfx, conf_mode_name(net->mode));
		if (!net->has_ipv6)
			return conf_fail(ctx, v->line, "%sipv6_nat needs an ipv6 prefix", pfx);
		m->ipv6_nat = b;
	}
	if ((v = sval_get(sec, "snat6_address"))) {
		if (!m->ipv6_nat)
			return conf_fail(ctx, v->line,
					 "%ssnat6_address needs mode = nat, an ipv6 prefix and "
					 "ipv6_nat = true",
					 pfx);
		if (inet_pton(AF_INET6, v->s, &m->snat6) != 1 ||
		    IN6_IS_ADDR_UNSPECIFIED(&m->snat6) || IN6_IS_ADDR_LOOPBACK(&m->snat6) ||
		    IN6_IS_ADDR_MULTICAST(&m->snat6) || IN6_IS_ADDR_LINKLOCAL(&m->snat6))
			return conf_fail(ctx, v->line,
					 "%ssnat6_address %s is not a unicast IPv6 address (like "
					 "\"2001:db8::5\")",
					 pfx, conf_text_quote(q, sizeof(q), v->s));
		m->has_snat6 = true;
		m->snat6_line = v->line;
	}
	m->n_allow = cfg_size(sec, "allow_from");
	if (m->n_allow) {
		m->allow_from = calloc(m->n_allow, sizeof(*m->allow_from));
		if (!m->allow_from) {
			m->n_allow = 0;
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < m->n_allow; i++) {
		v = cfg_getnptr(sec, "allow_from", (unsigned)i);
		if (!name_netname(v->s))
			return conf_fail(ctx, v->line, "%sallow_from %s is not a network name", pfx,
					 conf_text_quote(q, sizeof(q), v->s));
		snprintf(m->allow_from[i], sizeof(m->allow_from[i]), "%s", v->s);
	}
	return 0;
}

static const struct gw_network *mode_find(const struct gw_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_networks; i++)
		if (!strcmp(c->networks[i].name, name))
			return &c->networks[i];
	return NULL;
}

/* allow_from names networks of this config, not the network itself, and
 * none that is isolated (nothing leaves an isolated network). */
int conf_mode_check(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c)
{
	for (size_t i = 0; i < c->n_networks; i++) {
		const struct gw_network *n = &c->networks[i];
		cfg_t *sec = cfg_getnsec(root, "network", (unsigned)i);

		for (size_t k = 0; k < n->m.n_allow; k++) {
			const struct sval *v = cfg_getnptr(sec, "allow_from", (unsigned)k);
			const struct gw_network *o = mode_find(c, n->m.allow_from[k]);

			if (!o)
				return conf_fail(
					ctx, v->line,
					"network \"%s\": allow_from \"%s\": no such network",
					n->name, v->s);
			if (o == n)
				return conf_fail(
					ctx, v->line,
					"network \"%s\": allow_from names the network itself "
					"(its guests always reach each other)",
					n->name);
			if (o->mode == GW_MODE_ISOLATED)
				return conf_fail(
					ctx, v->line,
					"network \"%s\": allow_from \"%s\": that network is "
					"isolated, nothing is forwarded out of it",
					n->name, o->name);
			for (size_t j = 0; j < k; j++)
				if (!strcmp(n->m.allow_from[j], o->name))
					return conf_fail(ctx, v->line,
							 "network \"%s\": allow_from names \"%s\" "
							 "twice",
							 n->name, o->name);
		}
	}
	return 0;
}

void conf_mode_release(struct gw_network *net)
{
	free(net->m.allow_from);
	net->m.allow_from = NULL;
	net->m.n_allow = 0;
}

int conf_mode_dup(struct gw_network *dst, const struct gw_network *src)
{
	dst->m = src->m;
	dst->m.allow_from =
		conf_memdup(src->m.allow_from, src->m.n_allow * sizeof(*src->m.allow_from));
	return src->m.n_allow && !dst->m.allow_from ? -ENOMEM : 0;
}

bool conf_mode_equal(const struct gw_network *a, const struct gw_network *b)
{
	const struct gw_net_mode *x = &a->m, *y = &b->m;

	return x->inbound_drop == y->inbound_drop && x->has_snat4 == y->has_snat4 &&
	       (!x->has_snat4 ||
		(x->snat4.s_addr == y->snat4.s_addr && x->snat_port_min == y->snat_port_min &&
		 x->snat_port_max == y->snat_port_max)) &&
	       x->ipv6_nat == y->ipv6_nat && x->has_snat6 == y->has_snat6 &&
	       (!x->has_snat6 || !memcmp(&x->snat6, &y->snat6, sizeof(x->snat6))) &&
	       x->n_allow == y->n_allow &&
	       (!x->n_allow ||
		!memcmp(x->allow_from, y->allow_from, x->n_allow * sizeof(*x->allow_from)));
}

void conf_mode_print(FILE *f, const struct gw_network *net)
{
	const struct gw_net_mode *m = &net->m;
	char a[INET6_ADDRSTRLEN];

	if (net->mode == GW_MODE_ROUTED)
		fprintf(f, "    inbound     = %s\n", m->inbound_drop ? "drop" : "accept");
	if (m->has_snat4) {
		inet_ntop(AF_INET, &m->snat4, a, sizeof(a));
		fprintf(f, "    snat_address = \"%s", a);
		if (m->snat_port_min && m->snat_port_min == m->snat_port_max)
			fprintf(f, ":%u", m->snat_port_min);
		else if (m->snat_port_min)
			fprintf(f, ":%u-%u", m->snat_port_min, m->snat_port_max);
		fprintf(f, "\"\n");
	}
	if (net->mode == GW_MODE_NAT && net->has_ipv6)
		fprintf(f, "    ipv6_nat    = %s\n", m->ipv6_nat ? "true" : "false");
	if (m->has_snat6) {
		inet_ntop(AF_INET6, &m->snat6, a, sizeof(a));
		fprintf(f, "    snat6_address = \"%s\"\n", a);
	}
	if (m->n_allow) {
		fprintf(f, "    allow_from  = {");
		for (size_t k = 0; k < m->n_allow; k++)
			fprintf(f, "%s\"%s\"", k ? ", " : "", m->allow_from[k]);
		fprintf(f, "}\n");
	}
}
