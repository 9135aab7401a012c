/* Connection quota: all networks share the host's connection tracking
 * table (nf_conntrack_max entries), and the kernel evicts only unanswered
 * entries when it is full: one guest holding answered connections could
 * take it all. So each new connection a guest opens -- forwarded, or to
 * the host's own services -- is counted against its guest_connections,
 * and against its network's connections; one over is dropped, counted
 * in quota_NET and, per guest, in ctq_drops (qdrop_NET). Pure: the sets,
 * the map, two chains per network with a quota, and the bytecode and text
 * of their tests; nft/quota_read.c reads ctq_drops back.
 *
 * Where: the nat prerouting chain. A nat chain sees only the first packet
 * of a connection (the kernel runs nat chains for a connection not yet
 * NATed), so established packets never pay: the fast paths of the filter
 * chains (from_NET's first rule) stay as they are. The packet's input
 * interface there is the bridge (br_netfilter or not), one vmap lookup
 * leads to quota_NET.
 *
 * Who is a guest: its MAC (ether saddr), IPv4 and IPv6 together. An
 * address would not do: a guest has as many IPv6 addresses as it likes
 * (SLAAC, privacy addresses), and a /64 is the whole network's. Guest
 * binding (on by default) keeps each MAC on its own port, and new MACs
 * per port are rate-limited; with guest_binding = false a guest may
 * forge MACs, and the network's cap (connections) is what holds.
 *
 * The set: ctq, tag . MAC, one for every network (a set per network
 * would make each reload adding one a replace of the whole table, which
 * forgets every count). The tag is the network's name and cap hashed
 * (nft_quota_tag()): an element keeps the limit the rule had when the
 * element was made, so a new cap takes new elements. The kernel counts an
 * element's connections (nf_conncount: closed TCP and vanished entries
 * leave the count as it goes) and frees the element at zero. Full (65535
 * guests with connections), the add fails and its rule does not match:
 * the guest is held by its network's cap only. Not closed: only made-up
 * MACs fill the set (guest binding lets a port have a few new ones a
 * minute), so only a network with guest_binding = false can, and closed
 * would let that one guest stop every guest of every network from
 * connecting (t_rt_quota_ctq_full.sh). The network's cap comes first, so
 * a network over it adds nothing to the set.
 *
 * Not counted: DHCP and DHCPv6 to the host (a guest at its cap must keep
 * its lease; to the host only, plan_quota_dhcp()), and connections to a
 * guest through a port forward (they come in on the uplink, opened by
 * others, not by the guest).
 *
 * Those have a budget of their own (qin_NET), or a friend on the internet
 * could fill the table through one guest's forward: after DNAT, in the
 * forward chain's fwd_conns (ct status dnat), "ct state new oifname vmap
 * @quota_in_nets" leads to qin_NET, which counts the network's
 * connections in (ct count over M, its own rule: a budget apart from the
 * outbound one) and each guest's by its address, tag . ip daddr in
 * ctq_in4 / ctq_in6 (no MAC there: the target's neighbour entry is not
 * looked up yet). Over either, the connection is dropped, counted in
 * quota_NET; not in ctq_drops (the packet's MAC is the uplink's peer).
 * A full ctq_in4 fails open like ctq. Only new connections pay: the rule
 * tests ct state first. */
#include "quota.h"
#include "expr.h"
#include "rules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/if_arp.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static uint32_t name_hash(const struct gw_network *n)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *c = (const unsigned char *)n->name; *c; c++)
		h = (h ^ *c) * 16777619u;
	return h;
}

uint32_t nft_quota_drop_tag(const struct gw_network *n)
{
	uint32_t h = name_hash(n);

	return h ? h : 1;
}

uint32_t nft_quota_tag(const struct gw_network *n)
{
	uint32_t h = name_hash(n);

	for (int i = 0; i < 4; i++)
		h = (h ^ ((n->q.guest >> (8 * i)) & 0xff)) * 16777619u;
	return h ? h : 1;
}

static long find_set(const struct nft_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_sets; i++)
		if (p->sets[i].family == NFPROTO_INET && !strcmp(p->sets[i].name, name))
			return (long)i;
	return -ENOENT;
}

int plan_quota_skeleton(struct rule_builder *b, const struct gw_conf *conf)
{
	bool any = false;
	long i;

	if ((i = nft_plan_set_add(b->plan, NFPROTO_INET, NFT_QUOTA_SET, NK_QUOTA)) < 0)
		return (int)i;
	b->plan->sets[i].dynamic = true;
	if ((i = nft_plan_set_add(b->plan, NFPROTO_INET, NFT_QUOTA_DROP_SET, NK_QUOTA_DROP)) < 0)
		return (int)i;
	b->plan->sets[i].dynamic = true;
	if ((i = nft_plan_set_add(b->plan, NFPROTO_INET, NFT_QUOTA_MAP, NK_IIFNAME)) < 0)
		return (int)i;
	b->plan->sets[i].vmap = true;
	if ((i = nft_plan_set_add(b->plan, NFPROTO_INET, NFT_QUOTA_IN4_SET, NK_QUOTA_IN4)) < 0)
		return (int)i;
	b->plan->sets[i].dynamic = true;
	if ((i = nft_plan_set_add(b->plan, NFPROTO_INET, NFT_QUOTA_IN6_SET, NK_QUOTA_IN6)) < 0)
		return (int)i;
	b->plan->sets[i].dynamic = true;
	if ((i = nft_plan_set_add(b->plan, NFPROTO_INET, NFT_QUOTA_IN_MAP, NK_IIFNAME)) < 0)
		return (int)i;
	b->plan->sets[i].vmap = true;
	for (size_t k = 0; k < conf->n_networks; k++)
		any |= conf->networks[k].q.guest || conf->networks[k].q.net;
	return any ? rb_vmap(b, NC_PREROUTING, NK_IIFNAME, NFT_QUOTA_MAP) : 0;
}

static struct nft_match *m_quota(struct rule_builder *b, enum nft_quota_test t, bool neq,
				 uint32_t tag, uint32_t count)
{
	struct nft_match *m = rb_add(b, NM_QUOTA, neq);

	m->u.q.test = t;
	m->u.q.tag = tag;
	m->u.q.count = count;
	return m;
}

static struct nft_match *rb_quota(struct rule_builder *b, enum nft_quota_test t, bool neq,
				  uint32_t tag, uint32_t count)
{
	rb_add(b, NM_CTSTATE, false)->u.ctmask = NF_CT_STATE_BIT(IP_CT_NEW);
	return m_quota(b, t, neq, tag, count);
}

/* qdrop_NET: a connection over a quota is recorded for its guest, then
 * dropped and counted for the network. The record first, in a rule of its
 * own: when ctq_drops is full its update fails and that rule does not
 * match, but the drop still comes. */
static int plan_qdrop(struct rule_builder *b, const struct gw_network *n, const char *ctr,
		      char *name)
{
	long chain;
	int r;

	snprintf(name, NFT_NAME_MAX, "qdrop_%s", n->name);
	if ((chain = nft_plan_chain_add(b->plan, NFPROTO_INET, name)) < 0)
		return (int)chain;
	rb_start(b, (size_t)chain);
	m_quota(b, QT_DROP, false, nft_quota_drop_tag(n), 0);
	if ((r = rb_end(b, NULL, NV_CONTINUE)) < 0)
		return r;
	rb_start(b, (size_t)chain);
	return rb_end(b, ctr, NV_DROP);
}

/* DHCP and DHCPv6 to the host: never held back. Only what a client sends
 * to the server in_NET accepts (from the client port, to the broadcast
 * address or the gateway; to All_DHCP_Relay_Agents_and_Servers, the
 * gateway or link-local): "udp dport 67" alone would let a guest open as
 * many flows as it likes to port 67 or 547 of any host on the internet,
 * each an entry in the host's table, none counted. From the client port
 * each guest address has one flow per server address at most; but a guest
 * may send DHCPv6 from as many link-local addresses as it likes (guest
 * binding holds only claimed ones), so each rule lets at most
 * NFT_QUOTA_DHCP_FLOWS of the network's flows by ("ct count N"); past
 * that, DHCP counts like any connection. */
static int plan_quota_dhcp(struct rule_builder *b, size_t chain, const struct gw_network *n)
{
	static const struct in6_addr ll = { .s6_addr = { 0xfe, 0x80 } },
				     dhcp6 = { .s6_addr = { 0xff, 0x02, [13] = 1, [15] = 2 } };
	const struct in_addr bc = { htonl(0xffffffff) };
	struct nft_match *m;
	int r;

	for (int k = 0; k < 5; k++) {
		bool v6 = k >= 2;

		if (k == 4 && !n->has_ipv6)
			break;
		rb_start(b, chain);
		if (k < 2)
			rb_net4(b, NM_DADDR4, false, k ? n->ipv4.addr : bc, 32);
		else
			rb_net6(b, NM_DADDR6, false,
				k == 2	 ? &dhcp6
				: k == 3 ? &ll
					 : &n->ipv6.addr,
				k == 3 ? 10 : 128);
		m = rb_add(b, NM_SPORT, false);
		m->u.l4.proto = IPPROTO_UDP;
		m->u.l4.port = v6 ? 546 : 68;
		m = rb_add(b, NM_DPORT, false);
		m->u.l4.proto = IPPROTO_UDP;
		m->u.l4.port = v6 ? 547 : 67;
		m_quota(b, QT_NET, true, 0, NFT_QUOTA_DHCP_FLOWS);
		if ((r = rb_end(b, NULL, NV_RETURN)) < 0)
			return r;
	}
	return 0;
}

/* BRIDGE : jump CHAIN in the map MAP. */
static int map_elem(struct nft_plan *p, const char *map, const char *bridge, const char *chain)
{
	struct nft_set_plan *s;
	struct nft_elem *e;
	long i;

	if ((i = find_set(p, map)) < 0)
		return (int)i;
	s = &p->sets[i];
	if (!(e = realloc(s->elems, (s->n_elems + 1) * sizeof(*e))))
		return -ENOMEM;
	s->elems = e;
	e += s->n_elems++;
	memset(e, 0, sizeof(*e));
	snprintf(e->key.ifname, IFNAMSIZ, "%s", bridge);
	snprintf(e->chain, NFT_NAME_MAX, "%s", chain);
	return 0;
}

static bool quota_in(const struct gw_network *n)
{
	return (n->q.guest || n->q.net) && n->fwd.n;
}

int plan_quota_forward(struct rule_builder *b, size_t chain, const struct gw_conf *conf)
{
	bool any = false;

	for (size_t k = 0; k < conf->n_networks; k++)
		any |= quota_in(&conf->networks[k]);
	if (!any)
		return 0;
	rb_start(b, chain);
	rb_add(b, NM_CTSTATE, false)->u.ctmask = NF_CT_STATE_BIT(IP_CT_NEW);
	b->r.vmap_key = NK_OIFNAME;
	snprintf(b->r.target, sizeof(b->r.target), "%s", NFT_QUOTA_IN_MAP);
	return rb_end(b, NULL, NV_VMAP);
}

/* qin_NET: the new connections in to the network's guests through its
 * port forwards (fwd_conns' vmap leads here), each cap's own budget. */
static int plan_quota_in(struct rule_builder *b, const struct gw_network *n, const char *ctr)
{
	char name[NFT_NAME_MAX];
	long chain;
	int r;

	snprintf(name, sizeof(name), "qin_%s", n->name);
	if ((chain = nft_plan_chain_add(b->plan, NFPROTO_INET, name)) < 0)
		return (int)chain;
	if ((r = map_elem(b->plan, NFT_QUOTA_IN_MAP, n->bridge, name)) < 0)
		return r;
	if (n->q.net) {
		rb_start(b, (size_t)chain);
		m_quota(b, QT_NET, false, 0, n->q.net);
		if ((r = rb_end(b, ctr, NV_DROP)) < 0)
			return r;
	}
	for (int v6 = 0; v6 < 2 && n->q.guest; v6++) {
		long set = find_set(b->plan, v6 ? NFT_QUOTA_IN6_SET : NFT_QUOTA_IN4_SET);

		if (v6 && !n->has_ipv6)
			break;
		if (set < 0)
			return (int)set;
		b->plan->sets[set].bound = true;
		rb_start(b, (size_t)chain);
		m_quota(b, v6 ? QT_IN6 : QT_IN4, false, nft_quota_tag(n), n->q.guest);
		if ((r = rb_end(b, ctr, NV_DROP)) < 0)
			return r;
	}
	return 0;
}

int plan_quota(struct rule_builder *b, const struct gw_network *n, const char *ctr)
{
	char name[NFT_NAME_MAX], drop[NFT_NAME_MAX];
	long chain;
	int r;

	if (!n->q.guest && !n->q.net)
		return 0;
	snprintf(name, sizeof(name), "quota_%s", n->name);
	if ((chain = nft_plan_chain_add(b->plan, NFPROTO_INET, name)) < 0)
		return (int)chain;
	if ((r = plan_qdrop(b, n, ctr, drop)) < 0)
		return r;
	if ((r = map_elem(b->plan, NFT_QUOTA_MAP, n->bridge, name)) < 0)
		return r;
	if (quota_in(n) && (r = plan_quota_in(b, n, ctr)) < 0)
		return r;
	if ((r = plan_quota_dhcp(b, (size_t)chain, n)) < 0)
		return r;
	/* The network's cap first: a network over it adds no element to ctq
	 * (one set for every network, t_rt_quota_ctq_full.sh). */
	if (n->q.net) {
		rb_start(b, (size_t)chain);
		rb_quota(b, QT_NET, false, 0, n->q.net);
		if ((r = rb_jump(b, NULL, drop)) < 0)
			return r;
	}
	if (n->q.guest) {
		rb_start(b, (size_t)chain);
		rb_quota(b, QT_GUEST, false, nft_quota_tag(n), n->q.guest);
		if ((r = rb_jump(b, NULL, drop)) < 0)
			return r;
	}
	return 0;
}

/* "ct count over N" (over), or "ct count N" (at most N) */
static struct nftnl_expr *connlimit(uint32_t count, bool over)
{
	struct nftnl_expr *c = nftnl_expr_alloc("connlimit");

	if (c) {
		nftnl_expr_set_u32(c, NFTNL_EXPR_CONNLIMIT_COUNT, count);
		nftnl_expr_set_u32(c, NFTNL_EXPR_CONNLIMIT_FLAGS, over ? NFT_CONNLIMIT_F_INV : 0);
	}
	return c;
}

/* meta iiftype ether (nft's dependency of ether saddr), the tag in
 * register 1 and the MAC after it. */
static int quota_key(struct nftnl_rule *r, uint32_t tag)
{
	uint16_t ether = ARPHRD_ETHER;
	uint32_t be = htonl(tag);
	struct nftnl_expr *x;
	int e;

	if ((e = expr_meta(r, NFT_META_IIFTYPE, NFT_REG_1)) < 0 ||
	    (e = expr_cmp(r, false, &ether, sizeof(ether))) < 0)
		return e;
	if (!(x = expr_add(r, "immediate")))
		return -ENOMEM;
	nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(x, NFTNL_EXPR_IMM_DATA, &be, 4);
	return expr_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG32_01);
}

int nft_quota_expr(struct nftnl_rule *r, const struct nft_plan *plan, const struct nft_match *m)
{
	struct nftnl_expr *d, *c;
	int e;

	switch (m->u.q.test) {
	case QT_GUEST:
		if ((e = quota_key(r, m->u.q.tag)) < 0)
			return e;
		if (!(d = expr_add(r, "dynset")) || !(c = connlimit(m->u.q.count, true)))
			return -ENOMEM;
		nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
		nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_ADD);
		nftnl_expr_set_str(d, NFTNL_EXPR_DYNSET_SET_NAME, NFT_QUOTA_SET);
		nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_SET_ID, expr_set_id(plan, NFT_QUOTA_SET));
		/* the dynset owns the connlimit from here */
		nftnl_expr_set(d, NFTNL_EXPR_DYNSET_EXPR, c, 0);
		return 0;
	case QT_NET:
		if (!(c = connlimit(m->u.q.count, !m->neq)))
			return -ENOMEM;
		nftnl_rule_add_expr(r, c);
		return 0;
	case QT_IN4:
	case QT_IN6: {
		bool v6 = m->u.q.test == QT_IN6;
		const char *set = v6 ? NFT_QUOTA_IN6_SET : NFT_QUOTA_IN4_SET;
		uint8_t proto = v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
		uint32_t be = htonl(m->u.q.tag);

		if ((e = expr_meta(r, NFT_META_NFPROTO, NFT_REG_1)) < 0 ||
		    (e = expr_cmp(r, false, &proto, 1)) < 0)
			return e;
		if (!(d = expr_add(r, "immediate")))
			return -ENOMEM;
		nftnl_expr_set_u32(d, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
		nftnl_expr_set(d, NFTNL_EXPR_IMM_DATA, &be, 4);
		if ((e = expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16, v6 ? 16 : 4,
				      NFT_REG32_01)) < 0)
			return e;
		if (!(d = expr_add(r, "dynset")) || !(c = connlimit(m->u.q.count, true)))
			return -ENOMEM;
		nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
		nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_ADD);
		nftnl_expr_set_str(d, NFTNL_EXPR_DYNSET_SET_NAME, set);
		nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_SET_ID, expr_set_id(plan, set));
		nftnl_expr_set(d, NFTNL_EXPR_DYNSET_EXPR, c, 0);
		return 0;
	}
	case QT_DROP:
		if ((e = quota_key(r, m->u.q.tag)) < 0)
			return e;
		if (!(d = expr_add(r, "dynset")) || !(c = nftnl_expr_alloc("counter")))
			return -ENOMEM;
		nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
		nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
		nftnl_expr_set_str(d, NFTNL_EXPR_DYNSET_SET_NAME, NFT_QUOTA_DROP_SET);
		nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_SET_ID,
				   expr_set_id(plan, NFT_QUOTA_DROP_SET));
		nftnl_expr_set(d, NFTNL_EXPR_DYNSET_EXPR, c, 0);
		return 0;
	}
	return -EINVAL;
}

void nft_quota_format(char *buf, size_t len, const struct nft_match *m)
{
	switch (m->u.q.test) {
	case QT_GUEST: { /* as nft lists it: the tag's bytes read in host order */
		uint32_t be = htonl(m->u.q.tag), host;

		memcpy(&host, &be, 4);
		snprintf(buf, len, "add @%s { 0x%08x . ether saddr ct count over %u }",
			 NFT_QUOTA_SET, host, m->u.q.count);
		return;
	}
	case QT_NET:
		snprintf(buf, len, "ct count %s%u", m->neq ? "" : "over ", m->u.q.count);
		return;
	case QT_IN4:
	case QT_IN6: {
		uint32_t be = htonl(m->u.q.tag), host;

		memcpy(&host, &be, 4);
		snprintf(buf, len, "add @%s { 0x%08x . %s daddr ct count over %u }",
			 m->u.q.test == QT_IN6 ? NFT_QUOTA_IN6_SET : NFT_QUOTA_IN4_SET, host,
			 m->u.q.test == QT_IN6 ? "ip6" : "ip", m->u.q.count);
		return;
	}
	case QT_DROP: {
		uint32_t be = htonl(m->u.q.tag), host;

		memcpy(&host, &be, 4);
		snprintf(buf, len, "update @%s { 0x%08x . ether saddr counter }",
			 NFT_QUOTA_DROP_SET, host);
		return;
	}
	}
	snprintf(buf, len, "?");
}

int nft_quota_set_print(FILE *f, const struct nft_set_plan *s)
{
	if (s->vmap || (s->key != NK_QUOTA && s->key != NK_QUOTA_DROP && s->key != NK_QUOTA_IN4 &&
			s->key != NK_QUOTA_IN6))
		return 0;
	if (s->key == NK_QUOTA_IN4 || s->key == NK_QUOTA_IN6) {
		/* the size the kernel gives it once a rule adds to it */
		fprintf(f, "\tset %s {\n\t\ttype mark . %s\n%s\t\tflags dynamic\n\t}\n\n", s->name,
			s->key == NK_QUOTA_IN6 ? "ipv6_addr" : "ipv4_addr",
			s->bound ? "\t\tsize 65535\n" : "");
		return 1;
	}
	if (s->key == NK_QUOTA_DROP) {
		fprintf(f,
			"\tset %s {\n\t\ttype mark . ether_addr\n\t\tsize 65535\n\t\tflags "
			"dynamic,timeout\n\t\ttimeout 1h\n\t}\n\n",
			s->name); /* as nft prints NFT_QUOTA_DROP_TIMEOUT_S */
		return 1;
	}
	fprintf(f,
		"\tset %s {\n\t\ttype mark . ether_addr\n\t\tsize 65535\n\t\tflags "
		"dynamic\n\t}\n\n",
		s->name);
	return 1;
}
