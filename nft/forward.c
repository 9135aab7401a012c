/* Port forwards as data: however many forwards there are, the same few
 * rules, looking the packet up in hash maps whose elements are the
 * forwards. Pure. Per family (IPv6 likewise, ip6 and fwd6):
 *
 *   prerouting (nat, dstnat):  fib daddr type local jump fwd_dnat
 *   output (nat), the host's own connections, not to loopback:
 *       ip daddr != 127.0.0.0/8 fib daddr type local jump fwd_dnat
 *   fwd_dnat:
 *       dnat ip to ip daddr . meta l4proto . th dport map @fwd4_at
 *       meta nfproto ipv4 dnat ip to meta l4proto . th dport map @fwd4
 *   forward (filter), before the dispatch:  ct status dnat jump fwd_conns
 *   fwd_conns:
 *       iifname vmap @fwd_closed
 *       ct state new oifname vmap @quota_in_nets   (nft/quota.c)
 *       ct original ip daddr . meta l4proto . ct original proto-dst
 *           @fwd_count4_at accept
 *       meta nfproto ipv4 meta l4proto . ct original proto-dst @fwd_count4 accept
 *   postrouting (nat): ct status dnat oifname . ip saddr @fwd_hairpin4 masquerade
 *
 * A packet that is none of this pays one rule per hook: one fib lookup
 * per new connection (the nat chains see only a connection's first
 * packet), one ct status test per forwarded packet. With no forward
 * configured there are no such rules at all, and no prerouting or output
 * chain (nft/plan.c leaves idle base chains out): the first forward
 * added by a reload creates them, the last removed deletes them.
 *
 * fwd4 holds the forwards on every address of the host (the fib match
 * keeps them to the host's own addresses), fwd4_at those with a listen
 * address; a forward is in one of them, and the config refuses two that
 * could answer the same packet, so the order of the rules does not
 * matter. Both are hash maps, one element per port: measured here, a
 * concatenation with intervals (pipapo) costs time in proportion to its
 * elements -- a new connection to the last of 10,000 forwards in an
 * interval map ran at x0.22 of 10, in a hash map at x1.0 -- so a port
 * range is expanded, at most GW_FORWARD_RANGE_MAX ports per forward.
 *
 * NAT chains see only a connection's first packet, so the counting is
 * done in the forward chain by sets with the same keys, one counter per
 * element and a comment naming its forward ("NET/NAME"): every packet of
 * a forwarded connection, both ways, looked up by where the connection
 * was first addressed. The same rules accept them, whatever the target
 * network's filter would say about new inbound connections (and a guest
 * of another network reaches a forward like the internet does). But
 * nothing leaves an isolated network, not through a forward either:
 * fwd_closed maps the bridges of isolated networks to their from_NET
 * chains, which drop it. One more lookup per packet of a forwarded
 * connection, whatever the number of networks or forwards.
 *
 * Hairpin: a guest reaching a forward of its own network through the
 * host's public address is DNATed back into its bridge; the target would
 * answer it directly, bypassing the translation, so such connections are
 * masqueraded to the gateway address (fwd_hairpin4 holds "BRIDGE" .
 * SUBNET of each network with forwards: going back out of the bridge it
 * came from; postrouting knows no input interface).
 *
 * Adding or removing a forward changes elements only, but for the first
 * and the last: the rules and chains are the same for 1 or 10,000
 * forwards. */
#include "forward.h"
#include "quota.h"
#include "conf/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nft_forward_comment(char *buf, size_t len, const char *net, const char *name)
{
	snprintf(buf, len, "%s/%s", net, name);
}

static void lookup(struct rule_builder *b, enum nft_key key, const char *set)
{
	struct nft_match *m = rb_add(b, NM_LOOKUP, false);

	snprintf(m->u.lk.set, sizeof(m->u.lk.set), "%s", set);
	m->u.lk.key = key;
}

const char *const nft_fwd_count_sets[NFT_FWD_COUNT_SETS] = { NFT_FWD_COUNT4, NFT_FWD_COUNT6,
							     NFT_FWD_COUNT4_AT, NFT_FWD_COUNT6_AT };

static void nfproto(struct rule_builder *b, bool v6)
{
	rb_add(b, NM_NFPROTO, false)->u.proto = v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
}

/* Some network has a port forward (and the bench hook leaves them in). */
static bool fwd_any(const struct nft_plan *p, const struct gw_conf *conf)
{
	if (p->omit & NFT_OMIT_DNAT)
		return false;
	for (size_t i = 0; i < conf->n_networks; i++)
		if (conf->networks[i].fwd.n)
			return true;
	return false;
}

int plan_forward_filter(struct rule_builder *b, const struct gw_conf *conf)
{
	long chain;
	int r;

	if (!fwd_any(b->plan, conf))
		return 0;
	if ((chain = nft_plan_chain_add(b->plan, NFPROTO_INET, NFT_FWD_CONNS_CHAIN)) < 0)
		return (int)chain;
	rb_start(b, NC_FORWARD);
	rb_add(b, NM_CTSTATUS, false)->u.ctmask = IPS_DST_NAT;
	if ((r = rb_jump(b, NULL, NFT_FWD_CONNS_CHAIN)) < 0)
		return r;
	/* An isolated network's guests reach no forward: fwd_closed leads
	 * from their bridges to their from_ chain, which drops what is not
	 * for the bridge itself (nft/plan.c, nft/filter.c). */
	rb_start(b, (size_t)chain);
	b->r.vmap_key = NK_IIFNAME;
	snprintf(b->r.target, sizeof(b->r.target), "%s", NFT_FWD_CLOSED_MAP);
	if ((r = rb_end(b, NULL, NV_VMAP)) < 0)
		return r;
	/* New connections in to a guest with a connection quota: qin_NET. */
	if ((r = plan_quota_forward(b, (size_t)chain, conf)) < 0)
		return r;
	for (int v6 = 0; v6 < 2 && r >= 0; v6++) {
		rb_start(b, (size_t)chain);
		lookup(b, v6 ? NK_CT_FWD6_AT : NK_CT_FWD4_AT,
		       v6 ? NFT_FWD_COUNT6_AT : NFT_FWD_COUNT4_AT);
		if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
			break;
		rb_start(b, (size_t)chain);
		nfproto(b, v6);
		lookup(b, v6 ? NK_CT_FWD6 : NK_CT_FWD4, v6 ? NFT_FWD_COUNT6 : NFT_FWD_COUNT4);
		r = rb_end(b, NULL, NV_ACCEPT);
	}
	return r;
}

/* A set of the inet table; returns its index or -errno. */
static long fwd_set(struct nft_plan *p, const char *name, enum nft_key key, bool data,
		    bool interval, bool counter)
{
	long i = nft_plan_set_add(p, NFPROTO_INET, name, key);

	if (i >= 0) {
		p->sets[i].data = data;
		p->sets[i].interval = interval;
		p->sets[i].counter = counter;
	}
	return i;
}

/* Elements are appended to a growing array: 10,000 forwards must not
 * cost 10,000 reallocations. */
static struct nft_elem *elem_add(struct nft_plan *p, size_t set, size_t *cap)
{
	struct nft_set_plan *s = &p->sets[set];

	if (s->n_elems == *cap) {
		size_t n = *cap ? 2 * *cap : 16;
		struct nft_elem *e = realloc(s->elems, n * sizeof(*e));

		if (!e)
			return NULL;
		s->elems = e;
		*cap = n;
	}
	memset(&s->elems[s->n_elems], 0, sizeof(s->elems[0]));
	return &s->elems[s->n_elems++];
}

/* [listen .] proto . port into key, laid out as the registers hold them
 * (each part padded to 4 bytes). */
static void fwd_key(struct nft_elem *e, const struct gw_forward *f, uint16_t port)
{
	size_t alen = f->listen_any ? 0 : f->family == AF_INET ? 4 : 16;
	uint16_t p = htons(port);

	if (alen)
		memcpy(e->key.raw, &f->listen, alen);
	e->key.raw[alen] = f->proto;
	memcpy(e->key.raw + alen + 4, &p, 2);
}

/* target . port, as the map's data. */
static void fwd_data(struct nft_elem *e, const struct gw_forward *f, uint16_t port)
{
	size_t alen = f->family == AF_INET ? 4 : 16;
	uint16_t p = htons(port);

	memcpy(e->data, &f->to, alen);
	memcpy(e->data + alen, &p, 2);
}

/* One DNAT rule for each map, in fwd_dnat: KEY map @MAP. */
static int dnat_rule(struct rule_builder *b, size_t chain, bool v6, bool at)
{
	rb_start(b, chain);
	if (!at)
		nfproto(b, v6);
	b->r.vmap_key = at ? (v6 ? NK_FWD6_AT : NK_FWD4_AT) : (v6 ? NK_FWD6 : NK_FWD4);
	snprintf(b->r.target, sizeof(b->r.target), "%s",
		 at ? (v6 ? NFT_FWD_MAP6_AT : NFT_FWD_MAP4_AT)
		    : (v6 ? NFT_FWD_MAP6 : NFT_FWD_MAP4));
	return rb_end(b, NULL, NV_VMAP);
}

/* The way in to fwd_dnat from a nat hook: packets for the host itself,
 * one fib lookup per new connection; from output not to loopback. */
static int dnat_jump(struct rule_builder *b, size_t hook, int v6)
{
	const struct in_addr lo4 = { htonl(0x7f000000) };

	rb_start(b, hook);
	if (v6 > 0)
		rb_net6(b, NM_DADDR6, true, &in6addr_loopback, 128);
	else if (!v6)
		rb_net4(b, NM_DADDR4, true, lo4, 8);
	rb_add(b, NM_FIBLOCAL, false);
	return rb_jump(b, NULL, NFT_FWD_DNAT_CHAIN);
}

static int plan_rules(struct rule_builder *b)
{
	long chain = nft_plan_chain_add(b->plan, NFPROTO_INET, NFT_FWD_DNAT_CHAIN);
	int r;

	if (chain < 0)
		return (int)chain;
	/* from outside and from guests (hairpin); the host's own */
	if ((r = dnat_jump(b, NC_PREROUTING, -1)) < 0 || (r = dnat_jump(b, NC_OUTPUT, 0)) < 0 ||
	    (r = dnat_jump(b, NC_OUTPUT, 1)) < 0)
		return r;
	for (int v6 = 0; v6 < 2 && r >= 0; v6++)
		for (int at = 1; at >= 0 && r >= 0; at--)
			r = dnat_rule(b, (size_t)chain, v6, at);
	for (int v6 = 0; v6 < 2 && r >= 0; v6++) {
		rb_start(b, NC_POSTROUTING);
		rb_add(b, NM_CTSTATUS, false)->u.ctmask = IPS_DST_NAT;
		lookup(b, v6 ? NK_HAIRPIN6 : NK_HAIRPIN4, v6 ? NFT_FWD_HAIRPIN6 : NFT_FWD_HAIRPIN4);
		r = rb_end(b, NULL, NV_MASQUERADE);
	}
	return r;
}

/* "BRIDGE" . its subnet, per family the network has. */
static int hairpin_elems(struct nft_plan *p, const struct gw_network *n, const long set[2],
			 size_t cap[2])
{
	struct in_addr a = addr_net4(n->ipv4.addr, n->ipv4.plen);
	struct in_addr z = { a.s_addr | htonl(~addr_mask4(n->ipv4.plen)) };
	struct nft_elem *e;

	if (!(e = elem_add(p, (size_t)set[0], &cap[0])))
		return -ENOMEM;
	memcpy(e->key.raw, n->bridge, strlen(n->bridge));
	memcpy(e->key_end.raw, n->bridge, strlen(n->bridge));
	memcpy(e->key.raw + IFNAMSIZ, &a, 4);
	memcpy(e->key_end.raw + IFNAMSIZ, &z, 4);
	if (n->has_ipv6) {
		struct in6_addr a6 = addr_net6(&n->ipv6.addr, n->ipv6.plen), m6, z6;

		addr_mask6(n->ipv6.plen, &m6);
		for (int i = 0; i < 16; i++)
			z6.s6_addr[i] = a6.s6_addr[i] | (uint8_t)~m6.s6_addr[i];
		if (!(e = elem_add(p, (size_t)set[1], &cap[1])))
			return -ENOMEM;
		memcpy(e->key.raw, n->bridge, strlen(n->bridge));
		memcpy(e->key_end.raw, n->bridge, strlen(n->bridge));
		memcpy(e->key.raw + IFNAMSIZ, &a6, 16);
		memcpy(e->key_end.raw + IFNAMSIZ, &z6, 16);
	}
	return 0;
}

/* The sets, in this order: map and counting set per family and listen
 * kind, then the hairpin sets. */
static const struct {
	const char *name;
	enum nft_key key;
	bool data, interval, counter;
} fwd_sets[] = {
	{ NFT_FWD_MAP4, NK_FWD4, true, false, false },
	{ NFT_FWD_MAP6, NK_FWD6, true, false, false },
	{ NFT_FWD_MAP4_AT, NK_FWD4_AT, true, false, false },
	{ NFT_FWD_MAP6_AT, NK_FWD6_AT, true, false, false },
	{ NFT_FWD_COUNT4, NK_FWD4, false, false, true },
	{ NFT_FWD_COUNT6, NK_FWD6, false, false, true },
	{ NFT_FWD_COUNT4_AT, NK_FWD4_AT, false, false, true },
	{ NFT_FWD_COUNT6_AT, NK_FWD6_AT, false, false, true },
	{ NFT_FWD_HAIRPIN4, NK_HAIRPIN4, false, true, false },
	{ NFT_FWD_HAIRPIN6, NK_HAIRPIN6, false, true, false },
};
#define N_FWD_SETS (sizeof(fwd_sets) / sizeof(fwd_sets[0]))

int plan_forwards(struct rule_builder *b, const struct gw_conf *conf)
{
	struct nft_plan *p = b->plan;
	long set[N_FWD_SETS];
	size_t cap[N_FWD_SETS] = { 0 };
	int r;

	for (size_t i = 0; i < N_FWD_SETS; i++)
		if ((set[i] = fwd_set(p, fwd_sets[i].name, fwd_sets[i].key, fwd_sets[i].data,
				      fwd_sets[i].interval, fwd_sets[i].counter)) < 0)
			return -ENOMEM;
	if (fwd_any(p, conf) && (r = plan_rules(b)) < 0)
		return r;
	for (size_t i = 0; i < conf->n_networks; i++) {
		const struct gw_network *n = &conf->networks[i];

		for (size_t k = 0; k < n->fwd.n; k++) {
			const struct gw_forward *f = &n->fwd.v[k];
			/* index of its map; its counting set is 4 further */
			size_t m = (f->family == AF_INET6) + 2 * !f->listen_any;

			for (unsigned port = f->port_min; port <= f->port_max; port++) {
				unsigned to = f->to_min == f->to_max
						      ? f->to_min
						      : f->to_min + (port - f->port_min);
				struct nft_elem *e = elem_add(p, (size_t)set[m], &cap[m]);

				if (!e)
					return -ENOMEM;
				fwd_key(e, f, (uint16_t)port);
				fwd_data(e, f, (uint16_t)to);
				if (!(e = elem_add(p, (size_t)set[m + 4], &cap[m + 4])))
					return -ENOMEM;
				fwd_key(e, f, (uint16_t)port);
				nft_forward_comment(e->comment, sizeof(e->comment), n->name,
						    f->name);
			}
		}
		if (n->fwd.n && (r = hairpin_elems(p, n, &set[8], &cap[8])) < 0)
			return r;
	}
	return 0;
}
