/* A network section's own keys -- bridge, mode, subnets, uplink, guest
 * ports, DHCP range -- and the checks between networks. The features'
 * keys have files of their own (mode.c, forward.c, host.c); the schema
 * and the loading are conf.c's. */
#include "conf.h"
#include "addr.h"
#include "internal.h"
#include "text.h"
#include "lib/names.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

static int conf_network_ipv4(struct conf_ctx *ctx, const struct sval *v, const char *pfx,
			     struct gw_network *net)
{
	uint32_t a, mask;
	char subnet[INET_ADDRSTRLEN + 4];
	int r;

	if (!v)
		return -ENOENT;
	r = addr_parse_prefix4(v->s, &net->ipv4.addr, &net->ipv4.plen);
	if (r == -ERANGE)
		return conf_fail(ctx, v->line,
				 "%sipv4 \"%s\": prefix length must be between 8 and 30", pfx,
				 v->s);
	if (r < 0)
		return conf_fail(ctx, v->line,
				 "%sipv4 \"%s\" is not an IPv4 address with a prefix length "
				 "(like 10.213.0.1/24)",
				 pfx, v->s);
	if (net->ipv4.plen < 8 || net->ipv4.plen > 30)
		return conf_fail(ctx, v->line,
				 "%sipv4 \"%s\": prefix length must be between 8 and 30", pfx,
				 v->s);
	a = ntohl(net->ipv4.addr.s_addr);
	mask = addr_mask4(net->ipv4.plen);
	addr_format_net4(net->ipv4.addr, net->ipv4.plen, subnet, sizeof(subnet));
	if ((a & ~mask) == 0 || (a & ~mask) == ~mask)
		return conf_fail(ctx, v->line,
				 "%sipv4 \"%s\" is the network or broadcast address of %s; "
				 "the bridge needs a host address",
				 pfx, v->s, subnet);
	if ((a >> 28) >= 14 || (a >> 24) == 127 || (a >> 24) == 0)
		return conf_fail(ctx, v->line, "%sipv4 \"%s\" is not a unicast address", pfx, v->s);
	return 0;
}

static int conf_network_ipv6(struct conf_ctx *ctx, const struct sval *v, const char *pfx,
			     struct gw_network *net)
{
	struct in6_addr n;
	int r = addr_parse_prefix6(v->s, &net->ipv6.addr, &net->ipv6.plen);

	if (r == -ERANGE)
		return conf_fail(ctx, v->line,
				 "%sipv6 \"%s\": prefix length must be between 8 and 127", pfx,
				 v->s);
	if (r < 0)
		return conf_fail(ctx, v->line,
				 "%sipv6 \"%s\" is not an IPv6 address with a prefix length "
				 "(like fd42:213::1/64)",
				 pfx, v->s);
	if (net->ipv6.plen < 8 || net->ipv6.plen > 127)
		return conf_fail(ctx, v->line,
				 "%sipv6 \"%s\": prefix length must be between 8 and 127", pfx,
				 v->s);
	n = addr_net6(&net->ipv6.addr, net->ipv6.plen);
	if (!memcmp(&n, &net->ipv6.addr, sizeof(n)))
		return conf_fail(ctx, v->line,
				 "%sipv6 \"%s\" is the subnet's own prefix; the bridge needs "
				 "a host address (like ...::1)",
				 pfx, v->s);
	if (IN6_IS_ADDR_MULTICAST(&net->ipv6.addr) || IN6_IS_ADDR_LINKLOCAL(&net->ipv6.addr) ||
	    IN6_IS_ADDR_LOOPBACK(&net->ipv6.addr) || IN6_IS_ADDR_V4MAPPED(&net->ipv6.addr))
		return conf_fail(ctx, v->line,
				 "%sipv6 \"%s\" is not a global or unique-local unicast address",
				 pfx, v->s);
	net->has_ipv6 = true;
	return 0;
}

static int conf_network_dhcp(struct conf_ctx *ctx, cfg_t *dsec, const char *pfx,
			     struct gw_network *net)
{
	const struct sval *range = sval_get(dsec, "range");
	const struct sval *lt = sval_get(dsec, "lease_time");
	char a[INET_ADDRSTRLEN], subnet[INET_ADDRSTRLEN + 4];
	const char *dash;
	uint32_t s, e, gw, mask, netaddr;

	net->dhcp_enabled = cfg_getbool(dsec, "enabled");
	if (conf_parse_duration(lt->s, &net->lease_time) < 0)
		return conf_fail(ctx, lt->line,
				 "%slease_time \"%s\" is not a duration "
				 "(like 3600, 90s, 30m, 1h, 2d or infinite)",
				 pfx, lt->s);
	if (net->lease_time && net->lease_time < 120)
		return conf_fail(ctx, lt->line,
				 "%slease_time \"%s\" is shorter than dnsmasq's minimum of 2m", pfx,
				 lt->s);

	if (!range) {
		if (!net->ipv4_auto)
			conf_default_range(net);
		return 0;
	}
	if (net->ipv4_auto)
		return conf_fail(ctx, range->line,
				 "%sa dhcp range needs a fixed ipv4 subnet, not ipv4 = auto", pfx);
	net->dhcp_range_set = true;
	mask = addr_mask4(net->ipv4.plen);
	gw = ntohl(net->ipv4.addr.s_addr);
	netaddr = gw & mask;
	dash = strchr(range->s, '-');
	if (!dash || (size_t)(dash - range->s) >= sizeof(a))
		goto bad;
	memcpy(a, range->s, dash - range->s);
	a[dash - range->s] = '\0';
	if (inet_pton(AF_INET, a, &net->dhcp_start) != 1 ||
	    inet_pton(AF_INET, dash + 1, &net->dhcp_end) != 1)
		goto bad;
	s = ntohl(net->dhcp_start.s_addr);
	e = ntohl(net->dhcp_end.s_addr);
	addr_format_net4(net->ipv4.addr, net->ipv4.plen, subnet, sizeof(subnet));
	if (s > e)
		return conf_fail(ctx, range->line, "%sdhcp range %s starts after it ends", pfx,
				 range->s);
	if ((s & mask) != netaddr || (e & mask) != netaddr)
		return conf_fail(ctx, range->line, "%sdhcp range %s is outside %s", pfx, range->s,
				 subnet);
	if (s <= gw && gw <= e) {
		inet_ntop(AF_INET, &net->ipv4.addr, a, sizeof(a));
		return conf_fail(ctx, range->line,
				 "%sdhcp range %s contains the gateway address %s", pfx, range->s,
				 a);
	}
	if (s == netaddr || e == (netaddr | ~mask))
		return conf_fail(ctx, range->line,
				 "%sdhcp range %s contains the network or broadcast address of %s",
				 pfx, range->s, subnet);
	return 0;
bad:
	return conf_fail(ctx, range->line,
			 "%sdhcp range \"%s\" is not FIRST-LAST (like 10.213.0.100-10.213.0.250)",
			 pfx, range->s);
}

int conf_network(struct conf_ctx *ctx, cfg_t *sec, struct gw_network *net)
{
	const char *title = cfg_title(sec);
	const struct sval *v;
	char pfx[GW_NETNAME_MAX + 64];
	int r;

	if (!name_netname(title))
		return conf_fail(ctx, conf_sec_line(ctx, sec),
				 "network %s: name must be 1-%d letters, digits, '-' or '_'",
				 conf_text_quote(pfx, sizeof(pfx), title), GW_NETNAME_MAX);
	strcpy(net->name, title);
	snprintf(pfx, sizeof(pfx), "network \"%s\": ", title);

	v = sval_get(sec, "bridge");
	if (!v)
		return conf_fail(ctx, conf_sec_line(ctx, sec), "%smissing bridge = \"NAME\"", pfx);
	if ((r = conf_ifname(ctx, v, pfx, "bridge", net->bridge)) < 0)
		return r;

	v = sval_get(sec, "mode");
	if (!strcmp(v->s, "nat"))
		net->mode = GW_MODE_NAT;
	else if (!strcmp(v->s, "routed"))
		net->mode = GW_MODE_ROUTED;
	else if (!strcmp(v->s, "isolated"))
		net->mode = GW_MODE_ISOLATED;
	else
		return conf_fail(ctx, v->line,
				 "%sunknown mode \"%s\" (expected nat, routed or isolated)", pfx,
				 v->s);

	v = sval_get(sec, "ipv4");
	if (!v)
		return conf_fail(ctx, conf_sec_line(ctx, sec),
				 "%smissing ipv4 = \"ADDRESS/PREFIX\" (or auto)", pfx);
	if (!strcmp(v->s, "auto"))
		net->ipv4_auto = true;
	else if ((r = conf_network_ipv4(ctx, v, pfx, net)) < 0)
		return r;

	net->ra_enabled = cfg_getbool(cfg_getsec(sec, "ra"), "enabled");
	v = sval_get(sec, "ipv6");
	if (v && !strcmp(v->s, "auto")) {
		net->ipv6_auto = net->has_ipv6 = true;
		net->ipv6.plen = 64;
	} else if (v) {
		if ((r = conf_network_ipv6(ctx, v, pfx, net)) < 0)
			return r;
		if (net->ra_enabled && net->ipv6.plen != 64)
			return conf_fail(ctx, v->line,
					 "%sipv6 \"%s\": SLAAC (ra enabled) needs a /64 prefix",
					 pfx, v->s);
	}
	v = sval_get(sec, "uplink");
	if (v && (r = conf_ifname(ctx, v, pfx, "uplink", net->uplink)) < 0)
		return r;
	net->host_access = cfg_getbool(sec, "host_access");
	net->guest_binding = cfg_getbool(sec, "guest_binding");
	net->n_guest_ports = cfg_size(sec, "guest_ports");
	if (net->n_guest_ports > GW_GUEST_PATTERNS_MAX) {
		const struct sval *extra = cfg_getnptr(sec, "guest_ports", GW_GUEST_PATTERNS_MAX);

		return conf_fail(ctx, extra->line, "%sat most %d guest_ports patterns", pfx,
				 GW_GUEST_PATTERNS_MAX);
	}
	for (size_t i = 0; i < net->n_guest_ports; i++) {
		const struct sval *p = cfg_getnptr(sec, "guest_ports", (unsigned)i);
		char q[80];

		if (!name_pattern(p->s))
			return conf_fail(
				ctx, p->line,
				"%sguest_ports pattern %s must be 1-15 letters, digits, "
				"'-', '_' or '.', optionally ending in '*' (like \"tap*\")",
				pfx, conf_text_quote(q, sizeof(q), p->s));
		strcpy(net->guest_ports[i], p->s);
	}
	if ((r = conf_network_dhcp(ctx, cfg_getsec(sec, "dhcp"), pfx, net)) < 0 ||
	    (r = conf_network_mode(ctx, sec, pfx, net)) < 0 ||
	    (r = conf_network_forwards(ctx, sec, pfx, net)) < 0 ||
	    (r = conf_network_owners(ctx, sec, pfx, net)) < 0 ||
	    (r = conf_network_listen(ctx, sec, pfx, net)) < 0 ||
	    (r = conf_network_quota(ctx, sec, pfx, net)) < 0 ||

	    (r = conf_network_bandwidth(ctx, sec, pfx, net)) < 0)
		return r;
	return conf_network_hosts(ctx, sec, pfx, net);
}

static bool overlap4(const struct gw_network *a, const struct gw_network *b)
{
	unsigned plen = a->ipv4.plen < b->ipv4.plen ? a->ipv4.plen : b->ipv4.plen;
	return addr_in4(a->ipv4.addr, b->ipv4.addr, plen);
}

static bool overlap6(const struct gw_network *a, const struct gw_network *b)
{
	unsigned plen = a->ipv6.plen < b->ipv6.plen ? a->ipv6.plen : b->ipv6.plen;
	struct in6_addr x = addr_net6(&a->ipv6.addr, plen), y = addr_net6(&b->ipv6.addr, plen);

	return a->has_ipv6 && b->has_ipv6 && !memcmp(&x, &y, sizeof(x));
}

/* Checks between networks, and between a network and the uplinks. */
int conf_cross_check(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c)
{
	for (size_t i = 0; i < c->n_networks; i++) {
		struct gw_network *a = &c->networks[i];
		cfg_t *sa = cfg_getnsec(root, "network", i);
		int bline = sval_get(sa, "bridge")->line, aline = sval_get(sa, "ipv4")->line;
		const struct sval *v6 = sval_get(sa, "ipv6");
		const char *up = conf_network_uplink(c, a);
		char s1[64], s2[64];

		if (*up && !strcmp(up, a->bridge))
			return conf_fail(ctx, bline,
					 "network \"%s\": bridge \"%s\" is the uplink; "
					 "gatewayd never serves or bridges the uplink",
					 a->name, a->bridge);
		for (size_t j = 0; j < i; j++) {
			struct gw_network *b = &c->networks[j];

			if (!strcmp(a->bridge, b->bridge))
				return conf_fail(ctx, bline,
						 "network \"%s\": bridge \"%s\" is already used by "
						 "network \"%s\"",
						 a->name, a->bridge, b->name);
			if (!strcmp(conf_network_uplink(c, b), a->bridge))
				return conf_fail(ctx, bline,
						 "network \"%s\": bridge \"%s\" is the uplink of "
						 "network \"%s\"",
						 a->name, a->bridge, b->name);
			if (!a->ipv4_auto && !b->ipv4_auto && overlap4(a, b)) {
				addr_format_net4(a->ipv4.addr, a->ipv4.plen, s1, sizeof(s1));
				addr_format_net4(b->ipv4.addr, b->ipv4.plen, s2, sizeof(s2));
				return conf_fail(
					ctx, aline,
					"network \"%s\": subnet %s overlaps %s of network \"%s\"",
					a->name, s1, s2, b->name);
			}
			if (!a->ipv6_auto && !b->ipv6_auto && overlap6(a, b)) {
				addr_format_net6(&a->ipv6.addr, a->ipv6.plen, s1, sizeof(s1));
				addr_format_net6(&b->ipv6.addr, b->ipv6.plen, s2, sizeof(s2));
				return conf_fail(
					ctx, v6 ? v6->line : aline,
					"network \"%s\": subnet %s overlaps %s of network \"%s\"",
					a->name, s1, s2, b->name);
			}
		}
	}
	return 0;
}
