/* Static hosts and their names (see host.h); what else DHCP/RA tell
 * guests is in guest_opts.c.
 *
 * Every value here ends up in a file dnsmasq reads (dhcp-hostsfile,
 * addn-hosts, its config): names are DNS labels of letters, digits and
 * '-', domains dot-separated labels of the same, addresses and MACs are
 * parsed and written back by us; nothing else can get through.
 *
 * A static IPv4 address inside the DHCP range is accepted: dnsmasq never
 * hands an address reserved for a MAC to another guest. One already leased
 * to another guest when the host is added stays that guest's until its
 * lease ends (README: "Static hosts and names"). */
#include "internal.h"
#include "addr.h"
#include "text.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

cfg_opt_t conf_host_opts[] = {
	SVAL("mac", NULL),
	SVAL("ipv4", NULL),
	SVAL("ipv6", NULL),
	CFG_END(),
};

/* One DNS label: 1-63 letters, digits and '-', not starting or ending
 * with '-'. */
bool conf_label_ok(const char *s, size_t len)
{
	if (len == 0 || len > GW_HOSTNAME_MAX || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isascii((unsigned char)s[i]) || !(isalnum((unsigned char)s[i]) || s[i] == '-'))
			return false;
	return true;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
				      &v[4], &v[5], &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[3 * i]) || !isxdigit((unsigned char)s[3 * i + 1]))
			return -EINVAL;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

static void format_mac(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

static int host_mac(struct conf_ctx *ctx, const struct sval *v, const char *hp, struct gw_host *h)
{
	static const uint8_t zero[6];
	char q[80];

	if (parse_mac(v->s, h->mac) < 0)
		return conf_fail(ctx, v->line,
				 "%smac %s is not a MAC address (like \"52:54:00:12:34:56\")", hp,
				 conf_text_quote(q, sizeof(q), v->s));
	if ((h->mac[0] & 1) || !memcmp(h->mac, zero, 6))
		return conf_fail(ctx, v->line, "%smac %s is not a unicast MAC address", hp,
				 conf_text_quote(q, sizeof(q), v->s));
	h->has_mac = true;
	return 0;
}

static int host_ipv4(struct conf_ctx *ctx, const struct sval *v, const char *hp,
		     const struct gw_network *net, struct gw_host *h)
{
	uint32_t mask = addr_mask4(net->ipv4.plen), a, gw = ntohl(net->ipv4.addr.s_addr);
	char q[80], subnet[INET_ADDRSTRLEN + 4];

	conf_text_quote(q, sizeof(q), v->s);
	if (inet_pton(AF_INET, v->s, &h->ipv4) != 1)
		return conf_fail(ctx, v->line, "%sipv4 %s is not an IPv4 address", hp, q);
	if (net->ipv4_auto)
		return conf_fail(ctx, v->line,
				 "%sipv4 %s needs a fixed ipv4 subnet, not ipv4 = auto", hp, q);
	a = ntohl(h->ipv4.s_addr);
	addr_format_net4(net->ipv4.addr, net->ipv4.plen, subnet, sizeof(subnet));
	if ((a & mask) != (gw & mask))
		return conf_fail(ctx, v->line, "%sipv4 %s is outside %s", hp, q, subnet);
	if (a == gw)
		return conf_fail(ctx, v->line, "%sipv4 %s is the gateway's own address", hp, q);
	if ((a & ~mask) == 0 || (a & ~mask) == ~mask)
		return conf_fail(ctx, v->line,
				 "%sipv4 %s is the network or broadcast address of %s", hp, q,
				 subnet);
	h->has_ipv4 = true;
	return 0;
}

static int host_ipv6(struct conf_ctx *ctx, const struct sval *v, const char *hp,
		     const struct gw_network *net, struct gw_host *h)
{
	struct in6_addr a, b;
	char q[80], subnet[INET6_ADDRSTRLEN + 4];

	conf_text_quote(q, sizeof(q), v->s);
	if (inet_pton(AF_INET6, v->s, &h->ipv6) != 1)
		return conf_fail(ctx, v->line, "%sipv6 %s is not an IPv6 address", hp, q);
	if (!net->has_ipv6)
		return conf_fail(ctx, v->line, "%sipv6 %s: the network has no ipv6 subnet", hp, q);
	if (net->ipv6_auto)
		return conf_fail(ctx, v->line,
				 "%sipv6 %s needs a fixed ipv6 subnet, not ipv6 = auto", hp, q);
	a = addr_net6(&h->ipv6, net->ipv6.plen);
	b = addr_net6(&net->ipv6.addr, net->ipv6.plen);
	addr_format_net6(&net->ipv6.addr, net->ipv6.plen, subnet, sizeof(subnet));
	if (memcmp(&a, &b, sizeof(a)))
		return conf_fail(ctx, v->line, "%sipv6 %s is outside %s", hp, q, subnet);
	if (!memcmp(&h->ipv6, &net->ipv6.addr, sizeof(a)))
		return conf_fail(ctx, v->line, "%sipv6 %s is the gateway's own address", hp, q);
	if (!memcmp(&h->ipv6, &a, sizeof(a)))
		return conf_fail(ctx, v->line, "%sipv6 %s is the subnet's own prefix", hp, q);
	h->has_ipv6 = true;
	return 0;
}

/* The hosts read so far of one network, by name, MAC and addresses:
 * each new host is looked up, not compared with every earlier one (4,096
 * hosts were 8 million comparisons). A slot holds a host's index + 1;
 * each key is there once, with the first host that had it. */
enum host_key { HK_NAME, HK_MAC, HK_V4, HK_V6, HK_N };

struct host_index {
	size_t slots; /* a power of two, at least twice the hosts */
	uint32_t *tab[HK_N];
};

static bool host_has(const struct gw_host *h, enum host_key k)
{
	return k == HK_NAME || (k == HK_MAC && h->has_mac) || (k == HK_V4 && h->has_ipv4) ||
	       (k == HK_V6 && h->has_ipv6);
}

static uint32_t host_hash(const struct gw_host *h, enum host_key k)
{
	const uint8_t *p = k == HK_MAC	? h->mac
			   : k == HK_V4 ? (const uint8_t *)&h->ipv4
					: h->ipv6.s6_addr;
	size_t n = k == HK_NAME ? strlen(h->name) : k == HK_MAC ? 6 : k == HK_V4 ? 4 : 16;
	uint32_t x = 2166136261u;

	for (size_t i = 0; i < n; i++)
		x = (x ^ (k == HK_NAME ? (uint8_t)tolower((unsigned char)h->name[i]) : p[i])) *
		    16777619u;
	return x;
}

static bool host_same(const struct gw_host *a, const struct gw_host *b, enum host_key k)
{
	switch (k) {
	case HK_NAME: return !strcasecmp(a->name, b->name);
	case HK_MAC: return !memcmp(a->mac, b->mac, 6);
	case HK_V4: return a->ipv4.s_addr == b->ipv4.s_addr;
	default: return !memcmp(&a->ipv6, &b->ipv6, 16);
	}
}

static int host_index_init(struct host_index *x, size_t n)
{
	x->slots = 16;
	while (x->slots < 2 * n)
		x->slots *= 2;
	for (int k = 0; k < HK_N; k++)
		if (!(x->tab[k] = calloc(x->slots, sizeof(uint32_t))))
			return -ENOMEM;
	return 0;
}

static void host_index_free(struct host_index *x)
{
	for (int k = 0; k < HK_N; k++)
		free(x->tab[k]);
}

/* The slot of h's key k: the earlier host's with that key, or the free
 * one where h goes. */
static size_t host_slot(const struct host_index *x, const struct gw_hosts *hs,
			const struct gw_host *h, enum host_key k)
{
	size_t i = host_hash(h, k) & (x->slots - 1);

	while (x->tab[k][i] && !host_same(&hs->v[x->tab[k][i] - 1], h, k))
		i = (i + 1) & (x->slots - 1);
	return i;
}

/* The same name, MAC or address twice in one network: dnsmasq would give
 * one of them whichever it read last. Refused naming the first earlier
 * host that shares any (by name, then MAC, then address); h is hs->v[hs->n],
 * added to x when it passes. */
static int host_dups(struct conf_ctx *ctx, cfg_t *hsec, const char *hp, const struct gw_hosts *hs,
		     struct host_index *x, const struct gw_host *h)
{
	static const char *const key[] = { "", "mac", "ipv4", "ipv6" };
	size_t slot[HK_N];
	uint32_t first = 0;
	int which = -1;
	char a[INET6_ADDRSTRLEN];

	for (int k = 0; k < HK_N; k++) {
		uint32_t o;

		if (!host_has(h, k))
			continue;
		slot[k] = host_slot(x, hs, h, k);
		o = x->tab[k][slot[k]];
		if (o && (!first || o < first)) {
			first = o;
			which = k;
		}
	}
	if (which == HK_NAME)
		return conf_fail(ctx, conf_sec_line(ctx, hsec),
				 "%sthe name is already host \"%s\" (names are not "
				 "case-sensitive)",
				 hp, hs->v[first - 1].name);
	if (which >= 0) {
		if (which == HK_MAC)
			format_mac(h->mac, a, sizeof(a));
		else
			inet_ntop(which == HK_V4 ? AF_INET : AF_INET6,
				  which == HK_V4 ? (const void *)&h->ipv4 : (const void *)&h->ipv6,
				  a, sizeof(a));
		return conf_fail(ctx, sval_get(hsec, key[which])->line,
				 "%s%s %s is already host \"%s\"'s", hp, key[which], a,
				 hs->v[first - 1].name);
	}
	for (int k = 0; k < HK_N; k++)
		if (host_has(h, k))
			x->tab[k][slot[k]] = (uint32_t)hs->n + 1;
	return 0;
}

static int one_host(struct conf_ctx *ctx, cfg_t *hsec, const char *pfx, struct gw_network *net,
		    struct host_index *x, struct gw_host *h)
{
	const char *title = cfg_title(hsec);
	const struct sval *v;
	char hp[GW_NETNAME_MAX + GW_HOSTNAME_MAX + 64], q[100];
	int r;

	if (!conf_label_ok(title, strlen(title)))
		return conf_fail(ctx, conf_sec_line(ctx, hsec),
				 "%shost %s: name must be 1-%d letters, digits or '-', not "
				 "starting or ending with '-'",
				 pfx, conf_text_quote(q, sizeof(q), title), GW_HOSTNAME_MAX);
	strcpy(h->name, title);
	snprintf(hp, sizeof(hp), "%shost \"%s\": ", pfx, title);
	if ((v = sval_get(hsec, "mac")) && (r = host_mac(ctx, v, hp, h)) < 0)
		return r;
	if ((v = sval_get(hsec, "ipv4")) && (r = host_ipv4(ctx, v, hp, net, h)) < 0)
		return r;
	if ((v = sval_get(hsec, "ipv6")) && (r = host_ipv6(ctx, v, hp, net, h)) < 0)
		return r;
	if (!h->has_mac && !h->has_ipv4 && !h->has_ipv6)
		return conf_fail(ctx, conf_sec_line(ctx, hsec),
				 "%sneeds a mac, an ipv4 or an ipv6 address", hp);
	return host_dups(ctx, hsec, hp, &net->hosts, x, h);
}

int conf_network_hosts(struct conf_ctx *ctx, cfg_t *sec, const char *pfx, struct gw_network *net)
{
	struct gw_hosts *hs = &net->hosts;
	cfg_opt_t *opt = cfg_getopt(sec, "host");
	size_t n = cfg_opt_size(opt);
	struct host_index x = { 0 };
	int r;

	if ((r = conf_network_guest_opts(ctx, sec, pfx, net)) < 0)
		return r;
	if (n > GW_HOSTS_MAX)
		return conf_fail(ctx, conf_sec_line(ctx, cfg_getnsec(sec, "host", GW_HOSTS_MAX)),
				 "%sat most %d hosts", pfx, GW_HOSTS_MAX);
	if (!n)
		return 0;
	if (!(hs->v = calloc(n, sizeof(*hs->v))) || host_index_init(&x, n) < 0) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if ((r = one_host(ctx, cfg_opt_getnsec(opt, (unsigned)i), pfx, net, &x,
				  &hs->v[i])) < 0)
			goto out;
		hs->n++;
	}
	r = 0;
out:
	host_index_free(&x);
	return r;
}

/* Names and addresses are per network (each network's dnsmasq answers its
 * own guests only): nothing to compare across networks. */
int conf_hosts_check(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c)
{
	(void)ctx, (void)root, (void)c;
	return 0;
}

void conf_hosts_release(struct gw_network *net)
{
	free(net->hosts.v);
	net->hosts.v = NULL;
	net->hosts.n = 0;
}

/* dst->hosts was zeroed by conf_dup: copy every field, then the list. */
int conf_hosts_dup(struct gw_network *dst, const struct gw_network *src)
{
	dst->hosts = src->hosts;
	dst->hosts.v = conf_memdup(src->hosts.v, src->hosts.n * sizeof(*src->hosts.v));
	return src->hosts.n && !dst->hosts.v ? -ENOMEM : 0;
}

void conf_hosts_print(FILE *f, const struct gw_network *net)
{
	const struct gw_hosts *hs = &net->hosts;
	char a[INET6_ADDRSTRLEN];

	if (hs->domain[0])
		fprintf(f, "    domain      = \"%s\"\n", hs->domain);
	if (hs->n_dns) {
		fprintf(f, "    dns_servers = {");
		for (size_t i = 0; i < hs->n_dns; i++) {
			inet_ntop(hs->dns[i].family, &hs->dns[i].a, a, sizeof(a));
			fprintf(f, "%s\"%s\"", i ? ", " : "", a);
		}
		fprintf(f, "}\n");
	}
	if (hs->mtu)
		fprintf(f, "    mtu         = %u%s\n", hs->mtu,
			hs->mtu_uplink ? "    # the uplink's" : "");
	if (hs->has_dhcp6) {
		char b[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, &hs->dhcp6_start, a, sizeof(a));
		inet_ntop(AF_INET6, &hs->dhcp6_end, b, sizeof(b));
		fprintf(f, "    ipv6_dhcp_range = \"%s-%s\"\n", a, b);
	}
	for (size_t i = 0; i < hs->n; i++) {
		const struct gw_host *h = &hs->v[i];
		const char *sep = " ";

		if (h->runtime) /* not the file's: gatewayctl static */
			continue;
		fprintf(f, "    host %s {", h->name);
		if (h->has_mac) {
			format_mac(h->mac, a, sizeof(a));
			fprintf(f, "%smac = \"%s\"", sep, a);
			sep = " ";
		}
		if (h->has_ipv4) {
			inet_ntop(AF_INET, &h->ipv4, a, sizeof(a));
			fprintf(f, "%sipv4 = \"%s\"", sep, a);
			sep = " ";
		}
		if (h->has_ipv6) {
			inet_ntop(AF_INET6, &h->ipv6, a, sizeof(a));
			fprintf(f, "%sipv6 = \"%s\"", sep, a);
		}
		fprintf(f, " }\n");
	}
}

/* --- run-time static hosts (gatewayctl qemu-args --static) -------------- */

bool conf_hostname_ok(const char *s)
{
	return conf_label_ok(s, strlen(s));
}

int conf_mac_parse(const char *s, uint8_t mac[6])
{
	return parse_mac(s, mac);
}

void conf_mac_format(const uint8_t mac[6], char *buf, size_t len)
{
	format_mac(mac, buf, len);
}

/* The same checks as host_ipv4() and host_dups(), for a host that comes
 * without a line to point at. */
const char *conf_host_conflict(const struct gw_network *net, const struct gw_host *h, char *buf,
			       size_t len)
{
	uint32_t mask = addr_mask4(net->ipv4.plen), gw = ntohl(net->ipv4.addr.s_addr);
	uint32_t a = ntohl(h->ipv4.s_addr);
	char sub[INET_ADDRSTRLEN + 4];

	addr_format_net4(net->ipv4.addr, net->ipv4.plen, sub, sizeof(sub));
	if (!conf_hostname_ok(h->name))
		snprintf(buf, len, "\"%s\" is not a host name (a DNS label)", h->name);
	else if (h->has_ipv4 &&
		 ((a & mask) != (gw & mask) || a == gw || (a & ~mask) == 0 || (a & ~mask) == ~mask))
		snprintf(buf, len, "its address is not a guest's address in %s", sub);
	else
		buf[0] = '\0';
	for (size_t k = 0; k < net->hosts.n && !buf[0]; k++) {
		const struct gw_host *o = &net->hosts.v[k];

		if (!strcasecmp(o->name, h->name))
			snprintf(buf, len, "the name is already host \"%s\"", o->name);
		else if (h->has_mac && o->has_mac && !memcmp(h->mac, o->mac, 6))
			snprintf(buf, len, "its MAC is already host \"%s\"'s", o->name);
		else if (h->has_ipv4 && o->has_ipv4 && h->ipv4.s_addr == o->ipv4.s_addr)
			snprintf(buf, len, "its address is already host \"%s\"'s", o->name);
	}
	return buf[0] ? buf : NULL;
}

int conf_host_append(struct gw_network *net, const struct gw_host *h)
{
	struct gw_host *v;

	if (net->hosts.n >= GW_HOSTS_MAX)
		return -ENOSPC;
	if (!(v = realloc(net->hosts.v, (net->hosts.n + 1) * sizeof(*v))))
		return -ENOMEM;
	v[net->hosts.n++] = *h;
	net->hosts.v = v;
	return 0;
}

static bool addr_taken(const struct gw_network *net, uint32_t a, const struct in_addr *taken,
		       size_t n_taken)
{
	for (size_t k = 0; k < net->hosts.n; k++)
		if (net->hosts.v[k].has_ipv4 && ntohl(net->hosts.v[k].ipv4.s_addr) == a)
			return true;
	for (size_t k = 0; k < n_taken; k++)
		if (ntohl(taken[k].s_addr) == a)
			return true;
	return false;
}

int conf_host_pick4(const struct gw_network *net, const struct in_addr *taken, size_t n_taken,
		    struct in_addr *out)
{
	uint32_t mask = addr_mask4(net->ipv4.plen), gw = ntohl(net->ipv4.addr.s_addr);
	uint32_t first = (gw & mask) + 1, last = (gw & mask) + ~mask - 1;
	uint32_t rs = ntohl(net->dhcp_start.s_addr), re = ntohl(net->dhcp_end.s_addr);

	if (net->ipv4.plen > 30)
		return -ENOSPC;
	/* pass 0: outside the DHCP range; pass 1: inside it */
	for (int pass = 0; pass < 2; pass++)
		for (uint64_t a = first; a <= last; a++) {
			bool in_range = net->dhcp_enabled && rs <= a && a <= re;

			if (a == gw || in_range != (pass == 1) ||
			    addr_taken(net, (uint32_t)a, taken, n_taken))
				continue;
			out->s_addr = htonl((uint32_t)a);
			return 0;
		}
	return -ENOSPC;
}
