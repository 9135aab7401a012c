/* What DHCP and RA tell a network's guests besides their addresses: the
 * DNS domain, other DNS servers, the MTU, a stateful DHCPv6 range (conf
 * options domain, dns_servers, mtu, ipv6_dhcp_range; see host.h's struct
 * gw_hosts). Every value ends up in a file dnsmasq reads: it is parsed and
 * written back by us, nothing else gets through. */
#include "internal.h"
#include "addr.h"
#include "text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool domain_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > GW_DOMAIN_MAX)
		return false;
	while (*s) {
		const char *dot = strchrnul(s, '.');

		if (!conf_label_ok(s, (size_t)(dot - s)))
			return false;
		if (!*dot)
			break;
		s = dot + 1;
		if (!*s)
			return false; /* a trailing dot */
	}
	return true;
}

static int net_domain(struct conf_ctx *ctx, const struct sval *v, const char *pfx,
		      struct gw_hosts *hs)
{
	char q[GW_DOMAIN_MAX + 16];

	if (!domain_ok(v->s))
		return conf_fail(ctx, v->line,
				 "%sdomain %s is not a DNS domain (labels of 1-63 letters, digits "
				 "or '-' separated by '.', like \"cust-a.internal\")",
				 pfx, conf_text_quote(q, sizeof(q), v->s));
	strcpy(hs->domain, v->s);
	return 0;
}

static int net_dns(struct conf_ctx *ctx, cfg_t *sec, const char *pfx, const struct gw_network *net,
		   struct gw_hosts *hs)
{
	size_t n = cfg_size(sec, "dns_servers");
	char q[80];

	if (n > GW_DNS_SERVERS_MAX)
		return conf_fail(ctx,
				 ((const struct sval *)cfg_getnptr(sec, "dns_servers", 8))->line,
				 "%sat most %d dns_servers", pfx, GW_DNS_SERVERS_MAX);
	for (size_t i = 0; i < n; i++) {
		const struct sval *v = cfg_getnptr(sec, "dns_servers", (unsigned)i);
		struct gw_dns_server *d = &hs->dns[i];

		conf_text_quote(q, sizeof(q), v->s);
		if (inet_pton(AF_INET, v->s, &d->a.v4) == 1) {
			uint32_t a = ntohl(d->a.v4.s_addr);

			d->family = AF_INET;
			if ((a >> 28) >= 14 || (a >> 24) == 0 || (a >> 24) == 127)
				return conf_fail(ctx, v->line,
						 "%sdns_servers: %s is not a unicast address", pfx,
						 q);
			if (d->a.v4.s_addr == net->ipv4.addr.s_addr)
				return conf_fail(ctx, v->line,
						 "%sdns_servers: %s is this network's own DNS "
						 "server",
						 pfx, q);
		} else if (inet_pton(AF_INET6, v->s, &d->a.v6) == 1) {
			d->family = AF_INET6;
			if (IN6_IS_ADDR_MULTICAST(&d->a.v6) || IN6_IS_ADDR_LINKLOCAL(&d->a.v6) ||
			    IN6_IS_ADDR_UNSPECIFIED(&d->a.v6) || IN6_IS_ADDR_LOOPBACK(&d->a.v6))
				return conf_fail(
					ctx, v->line,
					"%sdns_servers: %s is not a global or unique-local "
					"unicast address",
					pfx, q);
			if (net->has_ipv6 && !memcmp(&d->a.v6, &net->ipv6.addr, 16))
				return conf_fail(ctx, v->line,
						 "%sdns_servers: %s is this network's own DNS "
						 "server",
						 pfx, q);
		} else {
			return conf_fail(ctx, v->line,
					 "%sdns_servers: %s is not an IPv4 or IPv6 address", pfx,
					 q);
		}
	}
	hs->n_dns = n;
	return 0;
}

/* RFC 8200: IPv6 needs links of 1280 bytes at least; IPv4 576. */
static int net_mtu(struct conf_ctx *ctx, const struct sval *v, const char *pfx,
		   const struct gw_network *net, struct gw_hosts *hs)
{
	unsigned min = net->has_ipv6 ? 1280 : 576;
	unsigned long m;
	char *end, q[80];

	conf_text_quote(q, sizeof(q), v->s);
	errno = 0;
	m = strtoul(v->s, &end, 10);
	if (v->s[0] < '0' || v->s[0] > '9' || *end || errno)
		return conf_fail(ctx, v->line, "%smtu %s is not a number of bytes", pfx, q);
	if (m < min || m > 65535)
		return conf_fail(ctx, v->line, "%smtu %s must be between %u%s and 65535", pfx, q,
				 min, net->has_ipv6 ? " (IPv6's minimum)" : "");
	hs->mtu = (unsigned)m;
	return 0;
}

/* Stateful DHCPv6 addresses from FIRST-LAST, inside the network's fixed
 * prefix; SLAAC goes on (dnsmasq's "slaac" range: RA flags M and A). The
 * RA is what tells guests to ask (and gives them their route), and the
 * leases share DHCPv4's lease file: both must be on. */
static int net_dhcp6(struct conf_ctx *ctx, const struct sval *v, const char *pfx,
		     const struct gw_network *net, struct gw_hosts *hs)
{
	char q[120], a[INET6_ADDRSTRLEN], subnet[INET6_ADDRSTRLEN + 4];
	const char *dash = strchr(v->s, '-');
	struct in6_addr n, ns, ne;

	conf_text_quote(q, sizeof(q), v->s);
	if (!dash || (size_t)(dash - v->s) >= sizeof(a))
		goto bad;
	memcpy(a, v->s, (size_t)(dash - v->s));
	a[dash - v->s] = '\0';
	if (inet_pton(AF_INET6, a, &hs->dhcp6_start) != 1 ||
	    inet_pton(AF_INET6, dash + 1, &hs->dhcp6_end) != 1)
		goto bad;
	if (!net->has_ipv6 || net->ipv6_auto)
		return conf_fail(ctx, v->line, "%sipv6_dhcp_range %s needs a fixed ipv6 subnet%s",
				 pfx, q, net->ipv6_auto ? ", not ipv6 = auto" : "");
	if (!net->ra_enabled || !net->dhcp_enabled)
		return conf_fail(ctx, v->line,
				 "%sipv6_dhcp_range %s needs ra and dhcp enabled (the router "
				 "advertisement tells guests to ask; the leases share DHCPv4's "
				 "lease file)",
				 pfx, q);
	n = addr_net6(&net->ipv6.addr, net->ipv6.plen);
	ns = addr_net6(&hs->dhcp6_start, net->ipv6.plen);
	ne = addr_net6(&hs->dhcp6_end, net->ipv6.plen);
	addr_format_net6(&net->ipv6.addr, net->ipv6.plen, subnet, sizeof(subnet));
	if (memcmp(&ns, &n, 16) || memcmp(&ne, &n, 16))
		return conf_fail(ctx, v->line, "%sipv6_dhcp_range %s is outside %s", pfx, q,
				 subnet);
	if (memcmp(&hs->dhcp6_start, &hs->dhcp6_end, 16) > 0)
		return conf_fail(ctx, v->line, "%sipv6_dhcp_range %s starts after it ends", pfx, q);
	if (memcmp(&hs->dhcp6_start, &net->ipv6.addr, 16) <= 0 &&
	    memcmp(&net->ipv6.addr, &hs->dhcp6_end, 16) <= 0)
		return conf_fail(ctx, v->line,
				 "%sipv6_dhcp_range %s contains the gateway address %s", pfx, q,
				 inet_ntop(AF_INET6, &net->ipv6.addr, a, sizeof(a)));
	if (!memcmp(&hs->dhcp6_start, &n, 16))
		return conf_fail(ctx, v->line,
				 "%sipv6_dhcp_range %s contains the subnet's own prefix", pfx, q);
	hs->has_dhcp6 = true;
	return 0;
bad:
	return conf_fail(ctx, v->line,
			 "%sipv6_dhcp_range %s is not FIRST-LAST (like "
			 "fd42:213::100-fd42:213::1ff)",
			 pfx, q);
}

int conf_network_guest_opts(struct conf_ctx *ctx, cfg_t *sec, const char *pfx,
			    struct gw_network *net)
{
	struct gw_hosts *hs = &net->hosts;
	const struct sval *v;
	int r;

	if ((v = sval_get(sec, "domain")) && (r = net_domain(ctx, v, pfx, hs)) < 0)
		return r;
	if ((r = net_dns(ctx, sec, pfx, net, hs)) < 0)
		return r;
	if ((v = sval_get(sec, "mtu")) && (r = net_mtu(ctx, v, pfx, net, hs)) < 0)
		return r;
	if ((v = sval_get(sec, "ipv6_dhcp_range")) && (r = net_dhcp6(ctx, v, pfx, net, hs)) < 0)
		return r;
	return 0;
}
