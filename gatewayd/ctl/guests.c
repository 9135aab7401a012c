/* Per guest port: who is there and what drops its packets, for status
 * and doctor (issue 19 item 5). A guest with an address set by hand (no
 * DHCP, no host section) is dropped by guest binding by design; the
 * kernel records each dropped source, port . MAC . address, in a bounded
 * set with a timeout (nft/binding.h NFT_BIND_MISS4_SET), which is read
 * here only when asked, so the records cost the fast path nothing and
 * the daemon nothing between questions. The DHCP meter is read the same
 * way, from its clients (dhcp_clients: port . MAC). */
#include "gatewayd/ctl/guests.h"
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

/* The dropped sources of one family on this network's ports, as the
 * kernel keeps them: raw keys, then those the binding in force now
 * allows (a host section added since) struck out. */
struct miss_q {
	struct guest_list *g;
	size_t klen;
	uint8_t (*v)[28];
	bool *bound;
	size_t n, cap;
};

static struct guest_row *row_of(struct guest_list *g, uint32_t ifindex)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].ifindex == ifindex)
			return &g->v[i];
	return NULL;
}

/* A key of bind_miss4 or bind_miss6: iif (host order) . MAC (padded to
 * 8) . address, nft's concatenation layout. */
static int miss_cb(const uint8_t *key, void *arg)
{
	struct miss_q *q = arg;
	uint32_t ifindex;

	memcpy(&ifindex, key, 4);
	if (!row_of(q->g, ifindex))
		return 0; /* another network's port */
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 16;
		uint8_t(*v)[28] = realloc(q->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		q->v = v;
		q->cap = cap;
	}
	memset(q->v[q->n], 0, sizeof(q->v[q->n]));
	memcpy(q->v[q->n++], key, q->klen);
	return 0;
}

static void miss_restart(void *arg)
{
	((struct miss_q *)arg)->n = 0;
}

/* A key of bind4 or bind6, laid out as the records: strike that record
 * out. */
static int bound_cb(const uint8_t *key, void *arg)
{
	struct miss_q *q = arg;

	for (size_t i = 0; i < q->n; i++)
		if (!memcmp(q->v[i], key, q->klen))
			q->bound[i] = true;
	return 0;
}

static void bound_restart(void *arg)
{
	struct miss_q *q = arg;

	memset(q->bound, 0, q->n * sizeof(*q->bound));
}

/* The sources guest binding dropped on the network's ports in the last
 * NFT_BIND_MISS_TIMEOUT_S and does not allow now, into their rows. */
static int misses_read(struct guest_list *g, bool v6)
{
	struct miss_q q = { .g = g, .klen = v6 ? 28 : 16 };
	int r;

	r = nft_set_keys_read(NFPROTO_BRIDGE, v6 ? NFT_BIND_MISS6_SET : NFT_BIND_MISS4_SET, q.klen,
			      miss_cb, miss_restart, &q);
	if (r < 0 || !q.n)
		goto out;
	if (!(q.bound = calloc(q.n, sizeof(*q.bound)))) {
		r = -ENOMEM;
		goto out;
	}
	r = nft_set_keys_read(NFPROTO_BRIDGE, v6 ? NFT_BIND6_SET : NFT_BIND4_SET, q.klen, bound_cb,
			      bound_restart, &q);
	for (size_t i = 0; r == 0 && i < q.n; i++) {
		struct guest_row *w;
		struct guest_unbound *u;
		uint32_t ifindex;

		memcpy(&ifindex, q.v[i], 4);
		if (q.bound[i] || !(w = row_of(g, ifindex)) ||
		    w->drops.n_unbound++ >= GUEST_UNBOUND_MAX)
			continue;
		u = &w->drops.unbound[w->drops.n_unbound - 1];
		memcpy(u->mac, q.v[i] + 4, 6);
		u->family = v6 ? AF_INET6 : AF_INET;
		memcpy(&u->a, q.v[i] + 12, v6 ? 16 : 4);
	}
out:
	free(q.bound);
	free(q.v);
	return r;
}

/* dhcp_clients: iifname (IFNAMSIZ) . MAC (padded to 8) */
static int client_cb(const uint8_t *key, void *arg)
{
	struct guest_list *g = arg;
	char name[IFNAMSIZ];

	memcpy(name, key, IFNAMSIZ);
	name[IFNAMSIZ - 1] = '\0';
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->v[i].port, name))
			g->v[i].drops.dhcp_clients++;
	return 0;
}

static void client_restart(void *arg)
{
	struct guest_list *g = arg;

	for (size_t i = 0; i < g->n; i++)
		g->v[i].drops.dhcp_clients = 0;
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

int guests_read(struct gw_ctx *ctx, size_t net, const struct lease *leases, int nl,
		struct guest_list *out)
{
	const struct gw_network *n = &ctx->conf->networks[net];
	const struct gw_net_rt *rt = &ctx->nets[net];
	int r;

	memset(out, 0, sizeof(*out));
	if (!rt->n_ports)
		return 0;
	if (!(out->v = calloc(rt->n_ports, sizeof(*out->v))))
		return -ENOMEM;
	for (size_t k = 0; k < rt->n_ports; k++) {
		struct rtnl_link l;

		if (rtnl_link_get(ctx->rtnl, rt->ports[k], &l) < 0 ||
		    !hostcheck_guest_port(&ctx->own, n, l.ifindex, l.kind, l.name))
			continue;
		snprintf(out->v[out->n].port, sizeof(out->v[out->n].port), "%s", l.name);
		out->v[out->n++].ifindex = (uint32_t)l.ifindex;
	}
	/* the kernel's records; a table without them (older plan) has none */
	if ((r = misses_read(out, false)) < 0 || (r = misses_read(out, true)) < 0)
		return r;
	if ((r = nft_set_keys_read(NFPROTO_BRIDGE, NFT_METER_CLIENTS, IFNAMSIZ + 8, client_cb,
				   client_restart, out)) < 0)
		return r;
	/* bandwidth (core/shaping.c) and connection quota (nft/quota.c):
	 * their per-port drops go into out->v[i].drops here */
	for (size_t i = 0; i < out->n; i++)
		row_fill(ctx, n, &out->v[i], leases, nl);
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
