/* Router advertisements and solicitations, bytes in and out (msg.h).
 *
 * What a network's RA says, and why:
 * - current hop limit 64, as the kernel's default;
 * - M and O flags only with a stateful DHCPv6 range (ipv6_dhcp_range):
 *   without one there is no DHCPv6 server to ask (DNS comes in the RA);
 * - router lifetime 1800 s, preference high: the bridge is the guests'
 *   default router -- except on an isolated network, which has no way out:
 *   lifetime 0, and then preference medium (RFC 4191 2.2);
 * - source link-layer address: the bridge's stable MAC, which spares each
 *   guest a neighbour solicitation (and is what the backstop knows our
 *   own RA frames by);
 * - MTU only when the network's mtu key is set (as for DHCPv4 option 26);
 * - the network's prefix, on-link, autonomous (SLAAC) when it is a /64,
 *   valid 3600 s and preferred 1800 s. dnsmasq ("constructor:" range with a
 *   1h lease) sent 3600 s for both. gatewayd refreshes them every 10 s or
 *   less, so short lifetimes cost nothing and bound how long a guest
 *   keeps a prefix nobody serves any more; preferred below valid lets a
 *   guest move its new connections off an address before it goes, and the
 *   last RA of a network that stops deprecates it at once (preferred 0;
 *   RFC 4862 5.5.3 does not let an RA cut the valid lifetime);
 * - RDNSS: the bridge's own IPv6 address, where the network's dnsmasq
 *   listens (its listen-address=, bound once with bind-interfaces; the
 *   bridge has DAD off, so the address is usable as soon as it is added),
 *   and DNSSL: the network's domain; both for 1800 s, at least three
 *   times the longest interval between RAs (RFC 8106 5.1);
 * - Route Information (RFC 4191) for what config asks to announce (none
 *   yet: the builder supports and tests it). */
#include "msg.h"
#include "conf/addr.h"

#include <errno.h>
#include <string.h>

#define RA_HOP_LIMIT	    64
#define RA_ROUTER_LIFETIME  1800
#define RA_PREFIX_VALID	    3600
#define RA_PREFIX_PREFERRED 1800
#define RA_DNS_LIFETIME	    1800

enum {
	ND_RS = 133,
	ND_RA = 134,
	OPT_SLL = 1,
	OPT_PREFIX = 3,
	OPT_MTU = 5,
	OPT_ROUTE = 24,
	OPT_RDNSS = 25,
	OPT_DNSSL = 31,
};

void ra_params_from_net(const struct gw_network *net, const uint8_t mac[6], struct ra_params *p)
{
	memset(p, 0, sizeof(*p));
	p->cur_hop_limit = RA_HOP_LIMIT;
	p->managed = p->other = net->hosts.has_dhcp6;
	if (net->mode == GW_MODE_ISOLATED) {
		p->router_lifetime = 0;
		p->pref = RA_PREF_MEDIUM;
	} else {
		p->router_lifetime = RA_ROUTER_LIFETIME;
		p->pref = RA_PREF_HIGH;
	}
	p->has_sll = true;
	memcpy(p->sll, mac, 6);
	p->mtu = net->hosts.mtu;
	p->n_prefixes = 1;
	p->prefixes[0] = (struct ra_prefix){
		.prefix = addr_net6(&net->ipv6.addr, net->ipv6.plen),
		.plen = (uint8_t)net->ipv6.plen,
		.onlink = true,
		.autonomous = net->ipv6.plen == 64, /* SLAAC needs a /64 (RFC 4862) */
		.valid = RA_PREFIX_VALID,
		.preferred = RA_PREFIX_PREFERRED,
	};
	p->n_rdnss = 1;
	p->rdnss[0] = net->ipv6.addr;
	p->rdnss_lifetime = RA_DNS_LIFETIME;
	snprintf(p->dnssl, sizeof(p->dnssl), "%s", net->hosts.domain);
	p->dnssl_lifetime = RA_DNS_LIFETIME;
}

void ra_params_final(struct ra_params *p)
{
	p->router_lifetime = 0;
	p->pref = RA_PREF_MEDIUM;
	for (size_t i = 0; i < p->n_prefixes; i++)
		p->prefixes[i].preferred = 0;
	p->rdnss_lifetime = 0;
	p->dnssl_lifetime = 0;
	for (size_t i = 0; i < p->n_routes; i++)
		p->routes[i].lifetime = 0;
}

static void put16(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v);
}

/* A search domain in DNS wire form (RFC 1035 3.1), padded with zeros to
 * a multiple of 8 bytes: its length, or -EINVAL. */
static int dns_name(const char *name, uint8_t *out, size_t len)
{
	size_t n = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);

		if (l == 0 || l > 63)
			return -EINVAL;
		if (n + 1 + l + 1 > len)
			return -EMSGSIZE;
		out[n++] = (uint8_t)l;
		memcpy(out + n, name, l);
		n += l;
		name += l + (dot ? 1 : 0);
	}
	if (n == 0 || n + 1 > len)
		return n ? -EMSGSIZE : -EINVAL;
	out[n++] = 0;
	while (n % 8) {
		if (n >= len)
			return -EMSGSIZE;
		out[n++] = 0;
	}
	return (int)n;
}

/* Room for an option of n bytes at *off, zeroed: a pointer to it or NULL. */
static uint8_t *opt(uint8_t *buf, size_t len, size_t *off, uint8_t type, size_t n)
{
	uint8_t *o;

	if (*off + n > len)
		return NULL;
	o = buf + *off;
	memset(o, 0, n);
	o[0] = type;
	o[1] = (uint8_t)(n / 8);
	*off += n;
	return o;
}

int ra_build(const struct ra_params *p, uint8_t *buf, size_t len)
{
	size_t off = 16;
	uint8_t *o;

	if (len < 16)
		return -EMSGSIZE;
	memset(buf, 0, 16);
	buf[0] = ND_RA; /* code 0; the kernel fills the checksum */
	buf[4] = p->cur_hop_limit;
	/* RFC 4191 2.2: a router that is no default router says medium */
	buf[5] = (uint8_t)((p->managed ? 0x80 : 0) | (p->other ? 0x40 : 0) |
			   ((p->router_lifetime ? p->pref : RA_PREF_MEDIUM) & 3) << 3);
	put16(buf + 6, p->router_lifetime);
	put32(buf + 8, p->reachable_ms);
	put32(buf + 12, p->retrans_ms);
	if (p->has_sll) {
		if (!(o = opt(buf, len, &off, OPT_SLL, 8)))
			return -EMSGSIZE;
		memcpy(o + 2, p->sll, 6);
	}
	if (p->mtu) {
		if (!(o = opt(buf, len, &off, OPT_MTU, 8)))
			return -EMSGSIZE;
		put32(o + 4, p->mtu);
	}
	for (size_t i = 0; i < p->n_prefixes && i < RA_MAX_PREFIXES; i++) {
		const struct ra_prefix *x = &p->prefixes[i];
		struct in6_addr net;

		if (x->plen > 128)
			return -EINVAL;
		if (!(o = opt(buf, len, &off, OPT_PREFIX, 32)))
			return -EMSGSIZE;
		net = addr_net6(&x->prefix, x->plen);
		o[2] = x->plen;
		o[3] = (uint8_t)((x->onlink ? 0x80 : 0) | (x->autonomous ? 0x40 : 0));
		put32(o + 4, x->valid);
		put32(o + 8, x->preferred);
		memcpy(o + 16, &net, 16);
	}
	for (size_t i = 0; i < p->n_routes && i < RA_MAX_ROUTES; i++) {
		const struct ra_route *x = &p->routes[i];
		/* the prefix takes 0, 8 or 16 bytes (RFC 4191 2.3) */
		size_t plen_bytes = x->plen == 0 ? 0 : x->plen <= 64 ? 8 : 16;
		struct in6_addr net;

		if (x->plen > 128)
			return -EINVAL;
		if (!(o = opt(buf, len, &off, OPT_ROUTE, 8 + plen_bytes)))
			return -EMSGSIZE;
		net = addr_net6(&x->prefix, x->plen);
		o[2] = x->plen;
		o[3] = (uint8_t)((x->pref & 3) << 3);
		put32(o + 4, x->lifetime);
		memcpy(o + 8, &net, plen_bytes);
	}
	if (p->n_rdnss) {
		size_t n = p->n_rdnss < RA_MAX_RDNSS ? p->n_rdnss : RA_MAX_RDNSS;

		if (!(o = opt(buf, len, &off, OPT_RDNSS, 8 + 16 * n)))
			return -EMSGSIZE;
		put32(o + 4, p->rdnss_lifetime);
		for (size_t i = 0; i < n; i++)
			memcpy(o + 8 + 16 * i, &p->rdnss[i], 16);
	}
	if (p->dnssl[0]) {
		uint8_t name[GW_DOMAIN_MAX + 16];
		int n = dns_name(p->dnssl, name, sizeof(name));

		if (n < 0)
			return n;
		if (!(o = opt(buf, len, &off, OPT_DNSSL, 8 + (size_t)n)))
			return -EMSGSIZE;
		put32(o + 4, p->dnssl_lifetime);
		memcpy(o + 8, name, (size_t)n);
	}
	return (int)off;
}

int ra_parse_rs(const uint8_t *msg, size_t len, int hop_limit, const struct in6_addr *src,
		uint8_t sll[6], bool *has_sll)
{
	size_t off = 8;

	*has_sll = false;
	/* RFC 4861 6.1.1: from the link itself, code 0, at least 8 bytes */
	if (hop_limit != 255 || len < 8 || msg[0] != ND_RS || msg[1] != 0)
		return -EINVAL;
	while (off < len) {
		size_t olen;

		if (len - off < 2 || msg[off + 1] == 0)
			return -EINVAL; /* a zero-length option: drop the packet */
		olen = (size_t)msg[off + 1] * 8;
		if (olen > len - off)
			return -EINVAL;
		if (msg[off] == OPT_SLL) {
			/* from the unspecified address: no link-layer address */
			if (IN6_IS_ADDR_UNSPECIFIED(src))
				return -EINVAL;
			if (olen == 8) {
				memcpy(sll, msg + off + 2, 6);
				*has_sll = true;
			}
		}
		off += olen;
	}
	return 0;
}
