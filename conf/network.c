/* Helpers on a parsed network: durations, default DHCP ranges, auto
 * subnets, comparison. No libconfuse here. */
#include "conf.h"
#include "addr.h"
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int conf_parse_duration(const char *s, unsigned *secs)
{
	unsigned long long v;
	char *end;
	unsigned mult = 1;

	if (!strcmp(s, "infinite")) {
		*secs = 0;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end) {
		switch (*end) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		default: return -EINVAL;
		}
		if (end[1])
			return -EINVAL;
	}
	if (v == 0 || v * mult > 0xffffffffull / 2)
		return -ERANGE;
	*secs = (unsigned)(v * mult);
	return 0;
}

/* The upper half of the subnet, leaving the lower half for static hosts;
 * never the gateway, the network or the broadcast address. */
void conf_default_range(struct gw_network *net)
{
	uint32_t mask = addr_mask4(net->ipv4.plen), gw = ntohl(net->ipv4.addr.s_addr);
	uint32_t netaddr = gw & mask, size = ~mask + 1;
	uint32_t s = netaddr + size / 2, e = netaddr + size - 2;

	if (s <= gw && gw <= e) {
		if (gw - s >= e - gw)
			e = gw - 1;
		else
			s = gw + 1;
	}
	net->dhcp_start.s_addr = htonl(s);
	net->dhcp_end.s_addr = htonl(e);
}

void conf_network_set_ipv4(struct gw_network *net, struct in_addr subnet, unsigned plen)
{
	net->ipv4.addr.s_addr = htonl((ntohl(subnet.s_addr) & addr_mask4(plen)) + 1);
	net->ipv4.plen = plen;
	if (!net->dhcp_range_set)
		conf_default_range(net);
}

void conf_network_set_ipv6(struct gw_network *net, const struct in6_addr *subnet, unsigned plen)
{
	net->ipv6.addr = addr_net6(subnet, plen);
	net->ipv6.addr.s6_addr[15] |= 1;
	net->ipv6.plen = plen;
	net->has_ipv6 = true;
}

const char *conf_mode_name(enum gw_mode mode)
{
	switch (mode) {
	case GW_MODE_NAT: return "nat";
	case GW_MODE_ROUTED: return "routed";
	case GW_MODE_ISOLATED: return "isolated";
	}
	return "?";
}

const char *conf_network_uplink(const struct gw_conf *conf, const struct gw_network *net)
{
	return net->uplink[0] ? net->uplink : conf->uplink;
}

bool conf_network_equal(const struct gw_network *a, const struct gw_network *b)
{
	return !strcmp(a->name, b->name) && !strcmp(a->bridge, b->bridge) && a->mode == b->mode &&
	       a->ipv4.addr.s_addr == b->ipv4.addr.s_addr && a->ipv4.plen == b->ipv4.plen &&
	       a->has_ipv6 == b->has_ipv6 &&
	       (!a->has_ipv6 ||
		(!memcmp(&a->ipv6.addr, &b->ipv6.addr, 16) && a->ipv6.plen == b->ipv6.plen)) &&
	       !strcmp(a->uplink, b->uplink) && a->host_access == b->host_access &&
	       a->dhcp_enabled == b->dhcp_enabled && a->dhcp_start.s_addr == b->dhcp_start.s_addr &&
	       a->dhcp_end.s_addr == b->dhcp_end.s_addr && a->lease_time == b->lease_time &&
	       a->ra_enabled == b->ra_enabled && a->ipv4_auto == b->ipv4_auto &&
	       a->ipv6_auto == b->ipv6_auto && a->n_guest_ports == b->n_guest_ports &&
	       !memcmp(a->guest_ports, b->guest_ports, sizeof(a->guest_ports)) &&
	       conf_mode_equal(a, b) && a->guest_binding == b->guest_binding &&
	       a->announce == b->announce && conf_owners_equal(a, b) && conf_quota_equal(a, b);
}

int conf_parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned long a, b;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	a = strtoul(s, &end, 10);
	b = a;
	if (*end == '-') {
		if (end[1] < '0' || end[1] > '9')
			return -EINVAL;
		b = strtoul(end + 1, &end, 10);
	}
	if (*end || a == 0 || a > 65535 || b < a || b > 65535)
		return -EINVAL;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

void *conf_memdup(const void *src, size_t len)
{
	void *p = len ? malloc(len) : NULL;

	if (p)
		memcpy(p, src, len);
	return p;
}

struct gw_conf *conf_dup(const struct gw_conf *conf)
{
	struct gw_conf *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	*c = *conf;
	c->taps = NULL; /* its own copy, at the end */
	c->networks = calloc(conf->n_networks ? conf->n_networks : 1, sizeof(*c->networks));
	if (!c->networks) {
		free(c);
		return NULL;
	}
	if (conf->n_networks)
		memcpy(c->networks, conf->networks, conf->n_networks * sizeof(*c->networks));
	for (size_t i = 0; i < conf->n_networks; i++) {
		struct gw_network *d = &c->networks[i];
		const struct gw_network *s = &conf->networks[i];

		/* nothing shared: each list is the copy's own, or none */
		d->m = (struct gw_net_mode){ 0 };
		d->fwd = (struct gw_forwards){ 0 };
		d->hosts = (struct gw_hosts){ 0 };
		if (conf_mode_dup(d, s) < 0 || conf_forwards_dup(d, s) < 0 ||
		    conf_hosts_dup(d, s) < 0) {
			conf_free(c);
			return NULL;
		}
	}
	if (conf_taps_dup(c, conf) < 0) {
		conf_free(c);
		return NULL;
	}
	return c;
}

void conf_network_release(struct gw_network *net)
{
	conf_mode_release(net);
	conf_forwards_release(net);
	conf_hosts_release(net);
}
