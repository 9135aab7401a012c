/* The keys of BGP announcements (see bgp.h): the global bgp section with
 * its neighbours, pool4/pool6, and each network's announce. Everything
 * here ends up in the BIRD config fragment gatewayd writes
 * (gatewayd/core/bgp.c), in BIRD's own syntax: rather than escape, each
 * value is held to what it needs -- names of BIRD symbol characters,
 * addresses parsed and printed back, a password of printable ASCII
 * without quotes or backslashes. */
#include "bgp.h"
#include "addr.h"
#include "conf.h"
#include "internal.h"
#include "text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

static cfg_opt_t neighbor_opts[] = {
	SVAL("address", NULL),	     SVAL("as", NULL),
	SVAL("password", NULL),	     SVAL("hold_time", NULL),
	SVAL("connect_retry", NULL), CFG_END(),
};

cfg_opt_t conf_bgp_opts[] = {
	SVAL("local_as", NULL),
	SVAL("router_id", NULL),
	SVAL("bird_socket", GW_BGP_SOCKET),
	SVAL("bird_config", "include"),
	SVAL("config_file", GW_BGP_CONFIG_FILE),
	CFG_SEC("neighbor", neighbor_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_END(),
};

/* 1..4294967295, decimal (what BIRD's "local as" takes); 0 or -EINVAL. */
static int bgp_as(const char *s, uint32_t *as)
{
	unsigned long long v = 0;

	if (!*s || strlen(s) > 10)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v == 0 || v > 0xffffffffull)
		return -EINVAL;
	*as = (uint32_t)v;
	return 0;
}

static int bgp_seconds(struct conf_ctx *ctx, const struct sval *v, const char *pfx, const char *key,
		       unsigned min, unsigned *out)
{
	uint32_t n;
	char q[64];

	if (!v)
		return 0;
	if (bgp_as(v->s, &n) < 0 || n < min || n > 65535)
		return conf_fail(ctx, v->line, "%s%s %s: expected %u to 65535 seconds", pfx, key,
				 conf_text_quote(q, sizeof(q), v->s), min);
	*out = n;
	return 0;
}

/* BIRD symbol characters only: the name becomes part of a protocol's
 * name (gatewayd_bgp_NAME), which BIRD limits to 64 characters. */
static bool bgp_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 24)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* Written between double quotes in BIRD's config: printable ASCII, no
 * '"' or '\' (BIRD's strings have no escapes we could rely on). */
static bool bgp_password(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
			return false;
	return true;
}

static int bgp_neighbor(struct conf_ctx *ctx, cfg_t *sec, struct gw_bgp_neighbor *nb)
{
	const char *title = cfg_title(sec);
	const struct sval *v;
	char pfx[96], q[GW_BGP_PASSWORD_MAX + 16];
	uint8_t a4[4];

	if (!bgp_name(title))
		return conf_fail(ctx, conf_sec_line(ctx, sec),
				 "bgp: neighbor %s: name must be 1-24 letters, digits or '_'",
				 conf_text_quote(q, sizeof(q), title));
	strcpy(nb->name, title);
	snprintf(pfx, sizeof(pfx), "bgp: neighbor \"%s\": ", title);
	if (!(v = sval_get(sec, "address")))
		return conf_fail(ctx, conf_sec_line(ctx, sec), "%smissing address = \"ADDRESS\"",
				 pfx);
	if (inet_pton(AF_INET, v->s, a4) == 1) {
		nb->family = AF_INET;
		memcpy(&nb->addr, a4, 4);
		if (a4[0] == 0 || a4[0] == 127 || a4[0] >= 224)
			return conf_fail(ctx, v->line, "%saddress \"%s\" is not a unicast address",
					 pfx, v->s);
	} else if (inet_pton(AF_INET6, v->s, &nb->addr) == 1) {
		nb->family = AF_INET6;
		/* a link-local neighbour needs an interface BIRD is not told */
		if (IN6_IS_ADDR_UNSPECIFIED(&nb->addr) || IN6_IS_ADDR_LOOPBACK(&nb->addr) ||
		    IN6_IS_ADDR_MULTICAST(&nb->addr) || IN6_IS_ADDR_LINKLOCAL(&nb->addr) ||
		    IN6_IS_ADDR_V4MAPPED(&nb->addr))
			return conf_fail(ctx, v->line,
					 "%saddress \"%s\" is not a global or unique-local unicast "
					 "address",
					 pfx, v->s);
	} else {
		return conf_fail(ctx, v->line,
				 "%saddress %s is not an IPv4 or IPv6 address (like "
				 "\"198.51.100.1\")",
				 pfx, conf_text_quote(q, sizeof(q), v->s));
	}
	if (!(v = sval_get(sec, "as")))
		return conf_fail(ctx, conf_sec_line(ctx, sec), "%smissing as = NUMBER", pfx);
	if (bgp_as(v->s, &nb->as) < 0)
		return conf_fail(ctx, v->line, "%sas %s: expected a number from 1 to 4294967295",
				 pfx, conf_text_quote(q, sizeof(q), v->s));
	if ((v = sval_get(sec, "password"))) {
		if (!*v->s || strlen(v->s) > GW_BGP_PASSWORD_MAX || !bgp_password(v->s))
			return conf_fail(ctx, v->line,
					 "%spassword must be 1-%d printable ASCII characters "
					 "without '\"' or '\\'",
					 pfx, GW_BGP_PASSWORD_MAX);
		strcpy(nb->password, v->s);
	}
	if (bgp_seconds(ctx, sval_get(sec, "hold_time"), pfx, "hold_time", 3, &nb->hold_time) < 0 ||
	    bgp_seconds(ctx, sval_get(sec, "connect_retry"), pfx, "connect_retry", 1,
			&nb->connect_retry) < 0)
		return -EINVAL;
	return 0;
}

static int bgp_pools(struct conf_ctx *ctx, cfg_t *root, struct gw_pools *p)
{
	const struct sval *v;
	struct in_addr n4;
	struct in6_addr n6;

	if ((v = sval_get(root, "pool4"))) {
		if (addr_parse_prefix4(v->s, &p->net4, &p->plen4) < 0 || p->plen4 < 8 ||
		    p->plen4 > 24 || addr_usable4(p->net4, 24))
			return conf_fail(ctx, v->line,
					 "pool4 \"%s\" is not a unicast IPv4 prefix of length 8 to "
					 "24 (like \"10.64.0.0/16\"): ipv4 = auto takes a /24 from "
					 "it",
					 v->s);
		n4 = addr_net4(p->net4, p->plen4);
		if (n4.s_addr != p->net4.s_addr)
			return conf_fail(ctx, v->line, "pool4 \"%s\" has host bits set", v->s);
		p->has4 = true;
	}
	if ((v = sval_get(root, "pool6"))) {
		if (addr_parse_prefix6(v->s, &p->net6, &p->plen6) < 0 || p->plen6 < 8 ||
		    p->plen6 > 64 || addr_usable6(&p->net6, 64))
			return conf_fail(ctx, v->line,
					 "pool6 \"%s\" is not a unicast IPv6 prefix of length 8 to "
					 "64 (like \"fd00:abcd::/48\"): ipv6 = auto takes a /64 "
					 "from it",
					 v->s);
		n6 = addr_net6(&p->net6, p->plen6);
		if (memcmp(&n6, &p->net6, sizeof(n6)))
			return conf_fail(ctx, v->line, "pool6 \"%s\" has host bits set", v->s);
		p->has6 = true;
	}
	return 0;
}

static int bgp_section(struct conf_ctx *ctx, cfg_t *sec, struct gw_bgp *b)
{
	const struct sval *v;
	char q[96];
	int r;

	b->enabled = true;
	if (!(v = sval_get(sec, "local_as")))
		return conf_fail(ctx, conf_sec_line(ctx, sec), "bgp: missing local_as = NUMBER");
	if (bgp_as(v->s, &b->local_as) < 0)
		return conf_fail(ctx, v->line,
				 "bgp: local_as %s: expected a number from 1 to 4294967295",
				 conf_text_quote(q, sizeof(q), v->s));
	v = sval_get(sec, "bird_config");
	if (!strcmp(v->s, "own"))
		b->own = true;
	else if (strcmp(v->s, "include"))
		return conf_fail(ctx, v->line, "bgp: bird_config %s: expected include or own",
				 conf_text_quote(q, sizeof(q), v->s));
	if ((v = sval_get(sec, "router_id"))) {
		if (inet_pton(AF_INET, v->s, &b->router_id) != 1 || !b->router_id.s_addr)
			return conf_fail(ctx, v->line,
					 "bgp: router_id %s is not a dotted quad (like "
					 "\"198.51.100.2\")",
					 conf_text_quote(q, sizeof(q), v->s));
		if (!b->own)
			return conf_fail(
				ctx, v->line,
				"bgp: router_id applies to bird_config = own (with include, "
				"bird.conf sets it)");
		b->has_router_id = true;
	}
	if ((r = conf_abs_path(ctx, sec, "bird_socket", b->socket)) < 0 ||
	    (r = conf_abs_path(ctx, sec, "config_file", b->config_file)) < 0)
		return r;
	/* a UNIX socket's address holds 107 characters */
	if (strlen(b->socket) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return conf_fail(ctx, sval_get(sec, "bird_socket")->line,
				 "bgp: bird_socket \"%s\" is longer than a socket address "
				 "(%zu characters)",
				 b->socket, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	b->n_neighbors = cfg_size(sec, "neighbor");
	if (b->n_neighbors == 0)
		return conf_fail(ctx, sval_get(sec, "local_as")->line,
				 "bgp: no neighbor section (the router to announce "
				 "to: neighbor NAME { address = ...  as = ... })");
	if (b->n_neighbors > GW_BGP_NEIGHBORS_MAX)
		return conf_fail(
			ctx, conf_sec_line(ctx, cfg_getnsec(sec, "neighbor", GW_BGP_NEIGHBORS_MAX)),
			"bgp: at most %d neighbors", GW_BGP_NEIGHBORS_MAX);
	for (size_t i = 0; i < b->n_neighbors; i++)
		if ((r = bgp_neighbor(ctx, cfg_getnsec(sec, "neighbor", (unsigned)i),
				      &b->neighbors[i])) < 0)
			return r;
	return 0;
}

/* Each network's announce: true by default where the subnet is routed;
 * a NAT network may announce its forwards' addresses; nothing leaves an
 * isolated one. Written without a bgp section it would do nothing. */
static int bgp_announce(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c)
{
	for (size_t i = 0; i < c->n_networks; i++) {
		struct gw_network *n = &c->networks[i];
		const struct sval *v =
			sval_get(cfg_getnsec(root, "network", (unsigned)i), "announce");
		char q[64];

		n->announce = n->mode == GW_MODE_ROUTED;
		if (!v)
			continue;
		if (!strcmp(v->s, "true") || !strcmp(v->s, "yes") || !strcmp(v->s, "on"))
			n->announce = true;
		else if (!strcmp(v->s, "false") || !strcmp(v->s, "no") || !strcmp(v->s, "off"))
			n->announce = false;
		else
			return conf_fail(ctx, v->line,
					 "network \"%s\": announce %s: expected true or false",
					 n->name, conf_text_quote(q, sizeof(q), v->s));
		if (!c->bgp.enabled)
			return conf_fail(ctx, v->line,
					 "network \"%s\": announce needs a bgp section (the BIRD "
					 "to announce through)",
					 n->name);
		if (n->announce && n->mode == GW_MODE_ISOLATED)
			return conf_fail(
				ctx, v->line,
				"network \"%s\": announce = true: the network is isolated, "
				"nothing is routed to it",
				n->name);
	}
	return 0;
}

int conf_bgp(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c)
{
	unsigned n = cfg_size(root, "bgp");
	int r;

	if ((r = bgp_pools(ctx, root, &c->pools)) < 0)
		return r;
	if (n > 1) {
		cfg_t *sec = cfg_getnsec(root, "bgp", 1);
		const struct sval *v = sval_get(sec, "local_as");

		/* a section's own line is where it ends: its first key's is nearer */
		return conf_fail(ctx, v ? v->line : conf_sec_line(ctx, sec),
				 "a second bgp section (there is one BIRD to announce through)");
	}
	if (n == 1 && (r = bgp_section(ctx, cfg_getnsec(root, "bgp", 0), &c->bgp)) < 0)
		return r;
	return bgp_announce(ctx, root, c);
}

void conf_bgp_print(FILE *f, const struct gw_conf *c)
{
	const struct gw_bgp *b = &c->bgp;
	char a[INET6_ADDRSTRLEN + 8];

	if (c->pools.has4) {
		addr_format_net4(c->pools.net4, c->pools.plen4, a, sizeof(a));
		fprintf(f, "pool4 = \"%s\"\n", a);
	}
	if (c->pools.has6) {
		addr_format_net6(&c->pools.net6, c->pools.plen6, a, sizeof(a));
		fprintf(f, "pool6 = \"%s\"\n", a);
	}
	if (!b->enabled)
		return;
	fprintf(f, "bgp {\n    local_as    = %u\n", b->local_as);
	if (b->has_router_id) {
		inet_ntop(AF_INET, &b->router_id, a, sizeof(a));
		fprintf(f, "    router_id   = \"%s\"\n", a);
	}
	fprintf(f, "    bird_socket = \"%s\"\n", b->socket);
	fprintf(f, "    bird_config = %s\n", b->own ? "own" : "include");
	fprintf(f, "    config_file = \"%s\"\n", b->config_file);
	for (size_t i = 0; i < b->n_neighbors; i++) {
		const struct gw_bgp_neighbor *nb = &b->neighbors[i];

		inet_ntop(nb->family, &nb->addr, a, sizeof(a));
		fprintf(f, "    neighbor %s {\n        address = \"%s\"\n        as      = %u\n",
			nb->name, a, nb->as);
		if (nb->password[0])
			fprintf(f, "        password = \"%s\"\n", nb->password);
		if (nb->hold_time)
			fprintf(f, "        hold_time = %u\n", nb->hold_time);
		if (nb->connect_retry)
			fprintf(f, "        connect_retry = %u\n", nb->connect_retry);
		fprintf(f, "    }\n");
	}
	fprintf(f, "}\n");
}

void conf_bgp_net_print(FILE *f, const struct gw_conf *c, const struct gw_network *n)
{
	if (c->bgp.enabled)
		fprintf(f, "    announce    = %s\n", n->announce ? "true" : "false");
}
