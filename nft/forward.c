/* Port forwards as data: however many forwards there are, one DNAT rule
 * per family and hook, looking the packet up in a map whose elements are
 * the forwards. Pure.
 *
 *   prerouting (nat, dstnat): fib daddr type local
 *       dnat ip to ip daddr . meta l4proto . th dport map @fwd4
 *   output (nat, dstnat), the host's own connections, not to loopback:
 *       the same
 *   forward (filter), before the dispatch:
 *       ct status dnat ct original ip daddr . meta l4proto . ct original
 *       proto-dst @fwd_count4 accept
 *   postrouting (nat): ct status dnat oifname . ip saddr @fwd_hairpin4
 *       masquerade
 *
 * fwd4 is an interval map keyed by listen address . proto . port: a
 * forward on every address of the host is the range 0.0.0.0-
 * 255.255.255.255 (the rule's fib match keeps it to the host's own
 * addresses), a port range one range element when it maps to one port.
 * nftables maps a key to one address . port, so a range mapped port for
 * port to another range is one element per port (at most
 * GW_FORWARD_RANGE_MAX).
 *
 * NAT chains see only a connection's first packet, so the counting is
 * done in the forward chain by a set holding one element per forward,
 * each with its own counter and a comment naming it ("NET/NAME"): every
 * packet of a forwarded connection, both ways, looked up by where the
 * connection was first addressed. The same rule accepts them, whatever
 * the target network's filter would say about new inbound connections
 * (and a guest of another network reaches it like the internet does).
 *
 * Hairpin: a guest reaching a forward of its own network through the
 * host's public address is DNATed back into its bridge; the target would
 * answer it directly, bypassing the translation, so such connections are
 * masqueraded to the gateway address (fwd_hairpin4 holds "BRIDGE" .
 * SUBNET of each network with forwards: going back out of the bridge it
 * came from; postrouting knows no input interface).
 *
 * Adding or removing a forward changes elements only: the rules and
 * chains are the same for none or 10,000 forwards. */
#include "forward.h"
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

int plan_forward_filter(struct rule_builder *b)
{
	int r;

	rb_start(b, NC_FORWARD);
	rb_add(b, NM_CTSTATUS, false)->u.ctmask = IPS_DST_NAT;
	lookup(b, NK_CT_FWD4, NFT_FWD_COUNT4);
	if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
		return r;
	rb_start(b, NC_FORWARD);
	rb_add(b, NM_CTSTATUS, false)->u.ctmask = IPS_DST_NAT;
	lookup(b, NK_CT_FWD6, NFT_FWD_COUNT6);
	return rb_end(b, NULL, NV_ACCEPT);
}

/* A set of the inet table; returns its index or -errno. */
static long fwd_set(struct nft_plan *p, const char *name, enum nft_key key, bool data,
		    bool interval, bool counter)
{
	struct nft_set_plan *s = realloc(p->sets, (p->n_sets + 1) * sizeof(*s));

	if (!s)
		return -ENOMEM;
	p->sets = s;
	s += p->n_sets;
	memset(s, 0, sizeof(*s));
	s->family = NFPROTO_INET;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->key = key;
	s->data = data;
	s->interval = interval;
	s->counter = counter;
	return (long)p->n_sets++;
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

/* listen . proto . ports min..max into key and key_end, laid out as the
 * registers hold them (each part padded to 4 bytes). */
static void fwd_key(struct nft_elem *e, const struct gw_forward *f, uint16_t min, uint16_t max)
{
	size_t alen = f->family == AF_INET ? 4 : 16;
	uint16_t lo = htons(min), hi = htons(max);

	if (f->listen_any) {
		memset(e->key_end.raw, 0xff, alen);
	} else {
		memcpy(e->key.raw, &f->listen, alen);
		memcpy(e->key_end.raw, &f->listen, alen);
	}
	e->key.raw[alen] = e->key_end.raw[alen] = f->proto;
	memcpy(e->key.raw + alen + 4, &lo, 2);
	memcpy(e->key_end.raw + alen + 4, &hi, 2);
}

/* target . port, as the map's data. */
static void fwd_data(struct nft_elem *e, const struct gw_forward *f, uint16_t port)
{
	size_t alen = f->family == AF_INET ? 4 : 16;
	uint16_t p = htons(port);

	memcpy(e->data, &f->to, alen);
	memcpy(e->data + alen, &p, 2);
}

static int plan_rules(struct rule_builder *b)
{
	const struct in_addr lo4 = { htonl(0x7f000000) };
	int r = 0;

	for (int v6 = 0; v6 < 2 && r >= 0; v6++) {
		enum nft_key key = v6 ? NK_FWD6 : NK_FWD4;
		const char *map = v6 ? NFT_FWD_MAP6 : NFT_FWD_MAP4;

		/* from outside, and from guests (hairpin) */
		rb_start(b, NC_PREROUTING);
		rb_add(b, NM_FIBLOCAL, false);
		b->r.vmap_key = key;
		snprintf(b->r.target, sizeof(b->r.target), "%s", map);
		if ((r = rb_end(b, NULL, NV_VMAP)) < 0)
			break;
		/* the host's own connections to its addresses; loopback would
		 * need route_localnet to leave the host */
		rb_start(b, NC_OUTPUT);
		if (v6)
			rb_net6(b, NM_DADDR6, true, &in6addr_loopback, 128);
		else
			rb_net4(b, NM_DADDR4, true, lo4, 8);
		rb_add(b, NM_FIBLOCAL, false);
		b->r.vmap_key = key;
		snprintf(b->r.target, sizeof(b->r.target), "%s", map);
		r = rb_end(b, NULL, NV_VMAP);
	}
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

int plan_forwards(struct rule_builder *b, const struct gw_conf *conf)
{
	struct nft_plan *p = b->plan;
	long map[2], count[2], hairpin[2];
	size_t cap_map[2] = { 0 }, cap_count[2] = { 0 }, cap_hp[2] = { 0 };
	int r;

	if ((map[0] = fwd_set(p, NFT_FWD_MAP4, NK_FWD4, true, true, false)) < 0 ||
	    (map[1] = fwd_set(p, NFT_FWD_MAP6, NK_FWD6, true, true, false)) < 0 ||
	    (count[0] = fwd_set(p, NFT_FWD_COUNT4, NK_FWD4, false, true, true)) < 0 ||
	    (count[1] = fwd_set(p, NFT_FWD_COUNT6, NK_FWD6, false, true, true)) < 0 ||
	    (hairpin[0] = fwd_set(p, NFT_FWD_HAIRPIN4, NK_HAIRPIN4, false, true, false)) < 0 ||
	    (hairpin[1] = fwd_set(p, NFT_FWD_HAIRPIN6, NK_HAIRPIN6, false, true, false)) < 0)
		return -ENOMEM;
	if ((r = plan_rules(b)) < 0)
		return r;
	for (size_t i = 0; i < conf->n_networks; i++) {
		const struct gw_network *n = &conf->networks[i];
		struct nft_elem *e;

		for (size_t k = 0; k < n->fwd.n; k++) {
			const struct gw_forward *f = &n->fwd.v[k];
			int v6 = f->family == AF_INET6;

			if (!(e = elem_add(p, (size_t)count[v6], &cap_count[v6])))
				return -ENOMEM;
			fwd_key(e, f, f->port_min, f->port_max);
			nft_forward_comment(e->comment, sizeof(e->comment), n->name, f->name);
			if (f->to_min == f->to_max) {
				if (!(e = elem_add(p, (size_t)map[v6], &cap_map[v6])))
					return -ENOMEM;
				fwd_key(e, f, f->port_min, f->port_max);
				fwd_data(e, f, f->to_min);
				continue;
			}
			/* port for port: one element each */
			for (unsigned port = f->port_min; port <= f->port_max; port++) {
				if (!(e = elem_add(p, (size_t)map[v6], &cap_map[v6])))
					return -ENOMEM;
				fwd_key(e, f, (uint16_t)port, (uint16_t)port);
				fwd_data(e, f, (uint16_t)(f->to_min + (port - f->port_min)));
			}
		}
		if (n->fwd.n && (r = hairpin_elems(p, n, hairpin, cap_hp)) < 0)
			return r;
	}
	return 0;
}
