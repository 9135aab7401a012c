/* The BIRD config fragment (see bgp_frag.h). Every value written here was
 * validated by conf/ (names of symbol characters, addresses parsed, the
 * password without quotes or backslashes) and is printed back from its
 * parsed form, never copied as written. */
#include "gatewayd/core/bgp_frag.h"
#include "conf/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

void bgp_symbol(const char *name, char *buf, size_t len)
{
	size_t k = 0;

	for (; *name && k + 3 < len; name++) {
		if (*name == '_' || *name == '-' || *name == '.') {
			buf[k++] = '_';
			buf[k++] = *name == '_' ? '_' : *name == '-' ? 'h' : 'd';
		} else {
			buf[k++] = *name;
		}
	}
	buf[k] = '\0';
}

/* The subnets a network routes as they are: routed mode both, NAT mode
 * its IPv6 prefix when ipv6_nat is off. */
static bool routes4(const struct gw_network *n)
{
	return n->mode == GW_MODE_ROUTED;
}

static bool routes6(const struct gw_network *n)
{
	return n->has_ipv6 &&
	       (n->mode == GW_MODE_ROUTED || (n->mode == GW_MODE_NAT && !n->m.ipv6_nat));
}

/* A NAT network's forward addresses that need a route to the host. */
static bool fwd_announced(const struct gw_network *n, const struct gw_forward *fw,
			  bgp_on_uplink_fn *on_uplink, void *arg)
{
	if (n->mode != GW_MODE_NAT || fw->listen_any)
		return false;
	/* the same address twice (tcp and udp): the first one writes it */
	for (const struct gw_forward *p = n->fwd.v; p < fw; p++)
		if (!p->listen_any && p->family == fw->family &&
		    !memcmp(&p->listen, &fw->listen, fw->family == AF_INET ? 4 : 16))
			return false;
	return !on_uplink || !on_uplink(n, fw->family, &fw->listen, arg);
}

static size_t fwd_count(const struct gw_network *n, int family, bgp_on_uplink_fn *on_uplink,
			void *arg)
{
	size_t k = 0;

	for (size_t i = 0; i < n->fwd.n; i++)
		if (n->fwd.v[i].family == family && fwd_announced(n, &n->fwd.v[i], on_uplink, arg))
			k++;
	return k;
}

bool bgp_net_announces(const struct gw_conf *c, const struct gw_network *n,
		       bgp_on_uplink_fn *on_uplink, void *arg)
{
	return c->bgp.enabled && n->announce &&
	       (routes4(n) || routes6(n) || fwd_count(n, AF_INET, on_uplink, arg) ||
		fwd_count(n, AF_INET6, on_uplink, arg));
}

static void write_direct(FILE *f, const struct gw_network *n)
{
	char sym[40], a[64];

	bgp_symbol(n->bridge, sym, sizeof(sym));
	fprintf(f, "# network \"%s\":", n->name);
	if (routes4(n)) {
		addr_format_net4(n->ipv4.addr, n->ipv4.plen, a, sizeof(a));
		fprintf(f, " %s", a);
	}
	if (routes6(n)) {
		addr_format_net6(&n->ipv6.addr, n->ipv6.plen, a, sizeof(a));
		fprintf(f, " %s", a);
	}
	fprintf(f, " on bridge %s\nprotocol direct gatewayd_net_%s {\n", n->bridge, sym);
	fprintf(f, "\tipv4;\n\tipv6;\n\tinterface \"%s\";\n}\n\n", n->bridge);
}

static void write_static(FILE *f, const struct gw_network *n, int family,
			 bgp_on_uplink_fn *on_uplink, void *arg)
{
	char sym[40], a[INET6_ADDRSTRLEN];

	if (!fwd_count(n, family, on_uplink, arg))
		return;
	bgp_symbol(n->bridge, sym, sizeof(sym));
	fprintf(f, "# network \"%s\": its forwards' addresses (NAT on this host)\n", n->name);
	fprintf(f, "protocol static gatewayd_fwd%c_%s {\n\t%s;\n", family == AF_INET ? '4' : '6',
		sym, family == AF_INET ? "ipv4" : "ipv6");
	for (size_t i = 0; i < n->fwd.n; i++) {
		const struct gw_forward *fw = &n->fwd.v[i];

		if (fw->family != family || !fwd_announced(n, fw, on_uplink, arg))
			continue;
		inet_ntop(family, &fw->listen, a, sizeof(a));
		fprintf(f, "\troute %s/%d blackhole;\n", a, family == AF_INET ? 32 : 128);
	}
	fprintf(f, "}\n\n");
}

/* The exact prefixes of one family, ", "-separated (f NULL: only
 * counted); how many. */
static size_t write_prefixes(FILE *f, const struct gw_conf *c, const bool *live, int family,
			     bgp_on_uplink_fn *on_uplink, void *arg)
{
	char a[64];
	size_t k = 0;

	for (size_t i = 0; i < c->n_networks; i++) {
		const struct gw_network *n = &c->networks[i];

		if (!live[i] || !bgp_net_announces(c, n, on_uplink, arg))
			continue;
		if (family == AF_INET && routes4(n)) {
			addr_format_net4(n->ipv4.addr, n->ipv4.plen, a, sizeof(a));
			if (f)
				fprintf(f, "%s%s", k ? ", " : "", a);
			k++;
		}
		if (family == AF_INET6 && routes6(n)) {
			addr_format_net6(&n->ipv6.addr, n->ipv6.plen, a, sizeof(a));
			if (f)
				fprintf(f, "%s%s", k ? ", " : "", a);
			k++;
		}
		for (size_t j = 0; j < n->fwd.n; j++) {
			const struct gw_forward *fw = &n->fwd.v[j];

			if (fw->family != family || !fwd_announced(n, fw, on_uplink, arg))
				continue;
			inet_ntop(family, &fw->listen, a, sizeof(a));
			if (f)
				fprintf(f, "%s%s/%d", k ? ", " : "", a,
					family == AF_INET ? 32 : 128);
			k++;
		}
	}
	return k;
}

static void write_bgp(FILE *f, const struct gw_conf *c, const struct gw_bgp_neighbor *nb,
		      const bool *live, bgp_on_uplink_fn *on_uplink, void *arg)
{
	bool v4 = nb->family == AF_INET;
	char a[INET6_ADDRSTRLEN];

	inet_ntop(nb->family, &nb->addr, a, sizeof(a));
	fprintf(f, "protocol bgp %s%s {\n", BGP_PROTO_PREFIX, nb->name);
	fprintf(f, "\tlocal as %u;\n\tneighbor %s as %u;\n", c->bgp.local_as, a, nb->as);
	if (nb->password[0])
		fprintf(f, "\tpassword \"%s\";\n", nb->password);
	if (nb->hold_time)
		fprintf(f, "\thold time %u;\n", nb->hold_time);
	if (nb->connect_retry)
		fprintf(f, "\tconnect retry time %u;\n", nb->connect_retry);
	/* a session carries the family of its address: a dual-stack host
	 * has one neighbour of each */
	fprintf(f, "\t%s {\n\t\timport none;\n", v4 ? "ipv4" : "ipv6");
	if (!write_prefixes(NULL, c, live, nb->family, on_uplink, arg)) {
		fprintf(f, "\t\texport none;\n");
	} else {
		fprintf(f, "\t\texport where (proto ~ \"gatewayd_net_*\" || proto ~ "
			   "\"gatewayd_fwd*\") && net ~ [ ");
		write_prefixes(f, c, live, nb->family, on_uplink, arg);
		fprintf(f, " ];\n");
	}
	fprintf(f, "\t};\n}\n\n");
}

int bgp_frag_write(FILE *f, const struct gw_conf *c, const bool *live, bgp_on_uplink_fn *on_uplink,
		   void *arg)
{
	const struct gw_bgp *b = &c->bgp;
	char a[INET_ADDRSTRLEN];

	fprintf(f, "# Written by gatewayd from %s: do not edit. Rewritten whenever a\n", c->path);
	fprintf(f, "# network is announced or withdrawn%s.\n",
		b->own ? " (this is BIRD's whole config: bird_config = own)"
		       : " (bird.conf includes it: bird_config = include)");
	if (b->own) {
		if (b->has_router_id) {
			inet_ntop(AF_INET, &b->router_id, a, sizeof(a));
			fprintf(f, "router id %s;\n", a);
		}
		fprintf(f, "protocol device {\n}\n");
	}
	fprintf(f, "\n");
	if (!live) {
		fprintf(f, "# gatewayd is stopped: nothing is announced.\n");
		return ferror(f) ? -EIO : 0;
	}
	for (size_t i = 0; i < c->n_networks; i++) {
		const struct gw_network *n = &c->networks[i];

		if (!live[i] || !bgp_net_announces(c, n, on_uplink, arg))
			continue;
		if (routes4(n) || routes6(n))
			write_direct(f, n);
		write_static(f, n, AF_INET, on_uplink, arg);
		write_static(f, n, AF_INET6, on_uplink, arg);
	}
	for (size_t i = 0; i < b->n_neighbors; i++)
		write_bgp(f, c, &b->neighbors[i], live, on_uplink, arg);
	return ferror(f) ? -EIO : 0;
}
