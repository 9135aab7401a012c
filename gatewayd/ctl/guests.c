/* Per guest port: who is there and what drops its packets, for status
 * and doctor (issue 19 item 5). A guest with an address set by hand (no
 * DHCP, no host section) is dropped by guest binding by design; the
 * kernel records each dropped source, port . MAC . address, in a bounded
 * set with a timeout (nft/binding.h NFT_BIND_MISS4_SET), which is read
 * here only when asked, so the records cost the fast path nothing and
 * the daemon nothing between questions. The DHCP meter is read the same
 * way, from its clients (dhcp_clients: port . MAC). */
#include "gatewayd/ctl/guests.h"
#include "gatewayd/ctl/quota_ctl.h"
#include "gatewayd/core/shaping.h"
#include "gatewayd/core/binding.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/host/hostcheck.h"
#include "nft/binding.h"
#include "nft/inspect.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GUEST_MACS_MAX 4

/* The kernel's records, read once per request (status or doctor of
 * every network, not once per network): the dropped sources (IPv4 and
 * ARP, IPv6) that the binding in force does not allow now -- a host
 * section added since strikes its record out -- sorted by key, so by
 * port first; and the DHCP meter's clients' port names, sorted. */
struct miss_keys {
	size_t klen, n, cap;
	uint8_t (*v)[28];
	bool *bound;
};

struct guest_sets {
	struct miss_keys miss[2]; /* [0] IPv4 and ARP, [1] IPv6 */
	char (*clients)[IFNAMSIZ];
	size_t n_clients, cap_clients;
	struct nft_quota_drop *quota; /* ctq_drops (nft/quota.h) */
	size_t n_quota;
};

/* A key of bind_miss4 or bind_miss6: iif (host order) . MAC (padded to
 * 8) . address, nft's concatenation layout. */
static int miss_cb(const uint8_t *key, void *arg)
{
	struct miss_keys *m = arg;

	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64;
		uint8_t(*v)[28] = realloc(m->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	memset(m->v[m->n], 0, sizeof(m->v[m->n]));
	memcpy(m->v[m->n++], key, m->klen);
	return 0;
}

static void miss_restart(void *arg)
{
	((struct miss_keys *)arg)->n = 0;
}

/* qsort and bsearch take no context: one comparison per key length */
static int key_cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

static int key_cmp28(const void *a, const void *b)
{
	return memcmp(a, b, 28);
}

static int (*key_cmp(const struct miss_keys *m))(const void *, const void *)
{
	return m->klen == 16 ? key_cmp16 : key_cmp28;
}

/* A key of bind4 or bind6, laid out as the records: strike that record
 * out. */
static int bound_cb(const uint8_t *key, void *arg)
{
	struct miss_keys *m = arg;
	uint8_t k[28] = { 0 };
	const uint8_t(*hit)[28];

	memcpy(k, key, m->klen);
	if ((hit = bsearch(k, m->v, m->n, sizeof(*m->v), key_cmp(m))))
		m->bound[hit - m->v] = true;
	return 0;
}

static void bound_restart(void *arg)
{
	struct miss_keys *m = arg;

	memset(m->bound, 0, m->n * sizeof(*m->bound));
}

static int misses_read(struct miss_keys *m, bool v6)
{
	int r;

	m->klen = v6 ? 28 : 16;
	r = nft_set_keys_read(NFPROTO_BRIDGE, v6 ? NFT_BIND_MISS6_SET : NFT_BIND_MISS4_SET, m->klen,
			      miss_cb, miss_restart, m);
	if (r < 0 || !m->n)
		return r;
	qsort(m->v, m->n, sizeof(*m->v), key_cmp(m));
	if (!(m->bound = calloc(m->n, sizeof(*m->bound))))
		return -ENOMEM;
	return nft_set_keys_read(NFPROTO_BRIDGE, v6 ? NFT_BIND6_SET : NFT_BIND4_SET, m->klen,
				 bound_cb, bound_restart, m);
}

/* dhcp_clients: iifname (IFNAMSIZ) . MAC (padded to 8) */
static int client_cb(const uint8_t *key, void *arg)
{
	struct guest_sets *s = arg;

	if (s->n_clients == s->cap_clients) {
		size_t cap = s->cap_clients ? 2 * s->cap_clients : 64;
		char(*v)[IFNAMSIZ] = realloc(s->clients, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->clients = v;
		s->cap_clients = cap;
	}
	memcpy(s->clients[s->n_clients], key, IFNAMSIZ);
	s->clients[s->n_clients++][IFNAMSIZ - 1] = '\0';
	return 0;
}

static void client_restart(void *arg)
{
	((struct guest_sets *)arg)->n_clients = 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strncmp(a, b, IFNAMSIZ);
}

int guest_sets_read(struct guest_sets **out)
{
	struct guest_sets *s = calloc(1, sizeof(*s));
	long nq;
	int r;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	/* a table without the records (an older ruleset) has none */
	if ((r = misses_read(&s->miss[0], false)) < 0 || (r = misses_read(&s->miss[1], true)) < 0 ||
	    (r = nft_set_keys_read(NFPROTO_BRIDGE, NFT_METER_CLIENTS, IFNAMSIZ + 8, client_cb,
				   client_restart, s)) < 0) {
		guest_sets_free(s);
		return r;
	}
	qsort(s->clients, s->n_clients, sizeof(*s->clients), name_cmp);
	/* the connection quota's drops per guest: none without the set */
	nq = nft_quota_drops_read(&s->quota);
	s->n_quota = nq > 0 ? (size_t)nq : 0;
	*out = s;
	return 0;
}

void guest_sets_free(struct guest_sets *s)
{
	if (!s)
		return;
	for (int f = 0; f < 2; f++) {
		free(s->miss[f].v);
		free(s->miss[f].bound);
	}
	free(s->clients);
	free(s->quota);
	free(s);
}

/* The first record of port ifindex (keys sort by port first: its bytes
 * in host order, so compare them as the kernel laid them out). */
static size_t miss_first(const struct miss_keys *m, uint32_t ifindex)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(m->v[mid], &ifindex, 4) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The row's drops from the records: its unbound sources, its DHCP
 * clients. */
static void row_drops(const struct guest_sets *s, struct guest_row *w)
{
	struct guest_drops *d = &w->drops;
	size_t lo = 0, hi = s->n_clients;

	for (int f = 0; f < 2; f++) {
		const struct miss_keys *m = &s->miss[f];

		for (size_t i = miss_first(m, w->ifindex);
		     i < m->n && !memcmp(m->v[i], &w->ifindex, 4); i++) {
			struct guest_unbound *u;

			if (m->bound[i] || d->n_unbound++ >= GUEST_UNBOUND_MAX)
				continue;
			u = &d->unbound[d->n_unbound - 1];
			memcpy(u->mac, m->v[i] + 4, 6);
			u->family = f ? AF_INET6 : AF_INET;
			memcpy(&u->a, m->v[i] + 12, f ? 16 : 4);
		}
	}
	/* the first client of this port, then count */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(s->clients[mid], w->port, IFNAMSIZ) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->n_clients && !strncmp(s->clients[lo], w->port, IFNAMSIZ); lo++)
		d->dhcp_clients++;
}

static const char *lease_of(const char *mac, const struct lease *v, int n)
{
	for (int k = 0; k < n; k++)
		if (!v[k].v6 && !strcasecmp(v[k].mac, mac))
			return v[k].ip;
	return "";
}

static void list_add(char *buf, size_t len, const char *s)
{
	size_t l = strlen(buf);

	if (s[0] && l < len)
		snprintf(buf + l, len - l, "%s%s", l ? "," : "", s);
}

/* The row's MAC, lease and host: the MACs binding bound on the port, or
 * else the ones it dropped. */
static void row_fill(struct gw_ctx *ctx, const struct gw_network *n, struct guest_row *r,
		     const struct lease *leases, int nl)
{
	uint8_t macs[GUEST_MACS_MAX][6];
	size_t nm = binding_port_macs(ctx->binding, r->ifindex, macs, GUEST_MACS_MAX);

	if (nm > GUEST_MACS_MAX)
		nm = GUEST_MACS_MAX;
	for (size_t k = 0; !nm && k < r->drops.n_unbound && k < GUEST_UNBOUND_MAX; k++) {
		bool dup = false;

		for (size_t m = 0; m < nm; m++)
			dup |= !memcmp(macs[m], r->drops.unbound[k].mac, 6);
		if (!dup && nm < GUEST_MACS_MAX)
			memcpy(macs[nm++], r->drops.unbound[k].mac, 6);
	}
	for (size_t m = 0; m < nm; m++) {
		char one[18];

		conf_mac_format(macs[m], one, sizeof(one));
		list_add(r->mac, sizeof(r->mac), one);
		list_add(r->lease, sizeof(r->lease), lease_of(one, leases, nl > 0 ? nl : 0));
		for (size_t h = 0; !r->host[0] && h < n->hosts.n; h++)
			if (n->hosts.v[h].has_mac && !memcmp(n->hosts.v[h].mac, macs[m], 6))
				snprintf(r->host, sizeof(r->host), "%s", n->hosts.v[h].name);
	}
}

/* The ports' own limits (guest_bandwidth), both ways: one read of the
 * kernel's qdiscs for all of the network's rows, not one per port. */
static void rows_bandwidth(struct gw_ctx *ctx, const struct gw_network *n, struct guest_list *out)
{
	char(*names)[IFNAMSIZ] = calloc(out->n, sizeof(*names));
	struct shaping_stats *st = calloc(out->n, sizeof(*st));

	if (names && st) {
		for (size_t k = 0; k < out->n; k++)
			snprintf(names[k], IFNAMSIZ, "%s", out->v[k].port);
		if (shaping_stats_many(ctx, (const char(*)[IFNAMSIZ])names, out->n, st) >= 0)
			for (size_t k = 0; k < out->n; k++)
				if (st[k].shaped && conf_bw_port(&n->guest_bw, out->v[k].port))
					out->v[k].drops.bandwidth_dropped =
						(uint64_t)st[k].in_drops + st[k].out_drops;
	}
	free(names);
	free(st);
}

int guests_read(struct gw_ctx *ctx, size_t net, const struct guest_sets *sets,
		const struct lease *leases, int nl, struct guest_list *out)
{
	const struct gw_network *n = &ctx->conf->networks[net];
	const struct gw_net_rt *rt = &ctx->nets[net];
	struct guest_sets *own = NULL;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!rt->n_ports)
		return 0;
	if (!(out->v = calloc(rt->n_ports, sizeof(*out->v))))
		return -ENOMEM;
	if (!sets && (r = guest_sets_read(&own)) < 0)
		return r;
	for (size_t k = 0; k < rt->n_ports; k++) {
		struct guest_row *w = &out->v[out->n];
		struct rtnl_link l;

		if (rtnl_link_get(ctx->rtnl, rt->ports[k], &l) < 0 ||
		    !hostcheck_guest_port(&ctx->own, n, l.ifindex, l.kind, l.name))
			continue;
		snprintf(w->port, sizeof(w->port), "%s", l.name);
		w->ifindex = (uint32_t)l.ifindex;
		row_drops(sets ? sets : own, w);
		row_fill(ctx, n, w, leases, nl);
		w->drops.quota_dropped = quota_macs_dropped(
			(sets ? sets : own)->quota, (sets ? sets : own)->n_quota, n, w->mac);
		out->n++;
	}
	guest_sets_free(own);
	if (conf_bw_any(&n->guest_bw))
		rows_bandwidth(ctx, n, out);
	return 0;
}

void guests_release(struct guest_list *g)
{
	free(g->v);
	memset(g, 0, sizeof(*g));
}

static void addr_text(const struct guest_unbound *u, char *buf, size_t len)
{
	if (!inet_ntop(u->family, &u->a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* As many DHCP clients (MACs) on one port in the last hour as the
 * meter's burst: its burst is used up, a new client waits for its rate
 * (and one past it is dropped). dhcp_clients only holds the clients the
 * meter let through, so a burst of made-up MACs shows as exactly this. */
static bool meter_busy(const struct guest_drops *d)
{
	return d->dhcp_clients >= NFT_METER_BURST;
}

void guest_drops_text(const struct guest_drops *d, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < d->n_unbound && k < GUEST_UNBOUND_MAX && o < len; k++) {
		char mac[18], a[INET6_ADDRSTRLEN];

		conf_mac_format(d->unbound[k].mac, mac, sizeof(mac));
		addr_text(&d->unbound[k], a, sizeof(a));
		o += (size_t)snprintf(buf + o, len - o, "%s%s from %s", k ? ", " : "binding: ", mac,
				      a);
	}
	if (d->n_unbound > GUEST_UNBOUND_MAX && o < len)
		o += (size_t)snprintf(buf + o, len - o, " and %zu more",
				      d->n_unbound - GUEST_UNBOUND_MAX);
	if (meter_busy(d) && o < len)
		o += (size_t)snprintf(
			buf + o, len - o,
			"%sDHCP meter: %u clients in the last hour, its burst used up",
			o ? "; " : "", d->dhcp_clients);
	if (d->bandwidth_dropped && o < len)
		o += (size_t)snprintf(buf + o, len - o, "%sbandwidth: %llu packets", o ? "; " : "",
				      (unsigned long long)d->bandwidth_dropped);
	if (d->quota_dropped && o < len)
		snprintf(buf + o, len - o, "%sconnection quota: %llu packets", o ? "; " : "",
			 (unsigned long long)d->quota_dropped);
}

int guest_diagnose(const struct gw_network *n, const struct guest_row *g, char *detail, size_t dlen,
		   char *fix, size_t flen)
{
	const struct guest_drops *d = &g->drops;
	char mac[18], a[INET6_ADDRSTRLEN], other[256] = "";

	fix[0] = '\0';
	if (d->n_unbound) {
		const struct guest_unbound *u = &d->unbound[0];
		const char *v6 = u->family == AF_INET6 ? "6" : "4";

		conf_mac_format(u->mac, mac, sizeof(mac));
		addr_text(u, a, sizeof(a));
		if (d->n_unbound > 1)
			snprintf(other, sizeof(other), " (and %zu other source%s)",
				 d->n_unbound - 1, d->n_unbound > 2 ? "s" : "");
		snprintf(detail, dlen,
			 "%s: guest binding drops MAC %s sending from %s%s: no lease or host "
			 "section gives it that address on this port%s%s",
			 g->port, mac, a, other, g->lease[0] ? "; its lease is " : "", g->lease);
		if (u->family == AF_INET6)
			snprintf(
				fix, flen,
				"another guest holds %s: give this guest an address of its own, or "
				"set guest_binding = false on network %s",
				a, n->name);
		else
			snprintf(
				fix, flen,
				"add `host NAME { mac = \"%s\" ipv%s = \"%s\" }` to network %s, or "
				"set guest_binding = false, or let the guest use DHCP",
				mac, v6, a, n->name);
		return 1;
	}
	snprintf(detail, dlen, "%s: MAC %s, %s%s%s", g->port, g->mac[0] ? g->mac : "-",
		 g->lease[0] ? "lease " : "no lease", g->lease, g->host[0] ? ", host " : "");
	if (g->host[0])
		snprintf(detail + strlen(detail), dlen - strlen(detail), "%s", g->host);
	guest_drops_text(d, other, sizeof(other));
	snprintf(detail + strlen(detail), dlen - strlen(detail), "; %s",
		 other[0] ? other : "nothing dropped");
	if (meter_busy(d))
		snprintf(fix, flen,
			 "one port asking DHCP for many MACs is held to %u new ones a minute: "
			 "check the guest",
			 NFT_METER_RATE);
	return 0;
}
