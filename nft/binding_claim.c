/* Claims in DHCP and neighbour discovery, checked against the frame
 * (bind_NET, every network): a DHCPv4 client message's chaddr, and the
 * link-layer address option of a neighbour solicitation, advertisement or
 * router solicitation, must be the frame's Ethernet source. dnsmasq keys
 * leases by chaddr, and the host's neighbour table (which IPv6 binding
 * learns from) takes the option's address: without this one guest, one
 * MAC, asks for a pool's worth of leases under made-up chaddrs past the
 * meter (which counts Ethernet sources), releases a neighbour's lease,
 * or files addresses under a neighbour's MAC and uses up its quota. What
 * is dropped is counted in claim_NET.
 *
 * nf_tables cannot compare two registers; a dynamic set can. Each such
 * message first puts (source, source) in mac_self (update: added, or its
 * 2 s timeout restarted), then (source, claimed) is looked up there: the
 * set holds only pairs of equal MACs, so the lookup hits iff the claim is
 * the source. Each 6-byte MAC takes 8 bytes of registers (nft's
 * concatenation layout; a payload load zeroes a partial register's
 * tail). The update comes after the DHCP meter, so made-up source MACs
 * reach the set only at the meter's rate; if the set is full anyway the
 * update fails, the lookup misses and the message is dropped (fail
 * closed), never passed unchecked.
 *
 * The chain claim_NET holds the checks; bind_NET jumps there for DHCP
 * to port 67 and ND types 133-136 only (see plan_binding_claims()).
 *
 * DHCP: the BOOTP header must say op 1 (request), htype 1 (Ethernet),
 * hlen 6 -- dnsmasq keys a lease by type and length too, so another
 * htype or a longer hlen would make another client of the same 6 bytes.
 * A relay agent inside a guest (chaddr its clients', frame its own) is
 * refused: the relay's giaddr is the guest's own claim too.
 *
 * ND: Linux takes the first option of a type and ignores repeats, so the
 * option the kernel reads is the first one if the message's first option
 * has the type it reads (source for NS and RS, target for NA); a message
 * with options whose first is anything else is dropped. Without options
 * there is nothing to check (the payload load fails, the rule does not
 * match). Duplicate address probes (NS from ::) carry no link-layer
 * option (the kernel drops one that does) and may carry a nonce first:
 * not checked. */
#include "binding.h"
#include "expr.h"
#include "rules.h"

#include <errno.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

static void rb_claim(struct rule_builder *b, enum nft_bind_test t, bool neq)
{
	struct nft_match *m = rb_add(b, NM_BIND, neq);
	bool set =
		t == BT_SELF_UPDATE || t == BT_SELF_CHADDR || t == BT_SELF_LL24 || t == BT_SELF_LL8;

	m->u.lk.key = t;
	snprintf(m->u.lk.set, sizeof(m->u.lk.set), "%s", set ? NFT_MAC_SELF_SET : "");
}

/* A rule of bind_NET: DHCP's "meta protocol ip udp dport 67" if dhcp,
 * the n tests (the last one negated, unless it is the update), then
 * update or drop. */
static int claim_rule(struct rule_builder *b, size_t chain, const enum nft_bind_test *t, size_t n,
		      const char *ctr, bool dhcp)
{
	rb_start(b, chain);
	if (dhcp) {
		struct nft_match *m;

		rb_claim(b, BT_ETHER_IP, false);
		m = rb_add(b, NM_DPORT, false);
		m->u.l4.proto = IPPROTO_UDP;
		m->u.l4.port = 67;
	}
	for (size_t i = 0; i < n; i++)
		rb_claim(b, t[i], i + 1 == n && t[i] != BT_SELF_UPDATE);
	if (t[n - 1] == BT_SELF_UPDATE)
		return rb_end(b, NULL, NV_CONTINUE);
	return rb_end(b, ctr, NV_DROP);
}

/* The chaddr check fails closed: "chaddr is the source: return", then
 * drop. A rule whose payload load fails does not match, so the other
 * form ("!= @mac_self drop") passed a message whose chaddr the frame does
 * not hold: the first of two IPv4 fragments, cut before byte 36 of the
 * UDP header, which the host reassembles before dnsmasq reads it (and
 * the later fragments, without a UDP header, never enter claim_NET). */
static int chaddr_rules(struct rule_builder *b, size_t chain, const char *ctr)
{
	struct nft_match *m;
	int r;

	rb_start(b, chain);
	rb_claim(b, BT_ETHER_IP, false);
	m = rb_add(b, NM_DPORT, false);
	m->u.l4.proto = IPPROTO_UDP;
	m->u.l4.port = 67;
	rb_claim(b, BT_SELF_CHADDR, false);
	if ((r = rb_end(b, NULL, NV_RETURN)) < 0)
		return r;
	rb_start(b, chain);
	rb_claim(b, BT_ETHER_IP, false);
	m = rb_add(b, NM_DPORT, false);
	m->u.l4.proto = IPPROTO_UDP;
	m->u.l4.port = 67;
	return rb_end(b, ctr, NV_DROP);
}

/* ND from a new source (port . MAC) goes through the DHCP meter, as DHCP
 * does, before it may put its source into mac_self: unmetered, one guest
 * sending solicitations from made-up MACs as fast as it can (~100,000 a
 * second from one veth) kept the shared set full, and a full set fails
 * every network's claim checks closed -- every other guest's DHCP was
 * dropped for as long as it went on (t_rt_mac_self_flood). What the
 * meter drops is counted in dhcp_rate_NET, like the DHCP it holds back:
 *   icmpv6 type 133-136 iifname . ether saddr != @dhcp_clients
 *	add @dhcp_rate { iifname limit rate over 4/minute } drop
 *   icmpv6 type 133-136 update @dhcp_clients { iifname . ether saddr } */
static int nd_meter_rules(struct rule_builder *b, size_t chain, const struct gw_network *n)
{
	char rate[NFT_NAME_MAX];
	struct nft_match *m;
	int r;

	nft_counter_name(rate, nft_ctr_kinds[NCTR_DHCP_RATE].what, n->name);
	rb_start(b, chain);
	rb_claim(b, BT_ND_TYPES, false);
	m = rb_add(b, NM_BIND, true);
	m->u.lk.key = BT_CLIENT;
	snprintf(m->u.lk.set, sizeof(m->u.lk.set), "%s", NFT_METER_CLIENTS);
	m = rb_add(b, NM_BIND, false);
	m->u.lk.key = BT_METER;
	snprintf(m->u.lk.set, sizeof(m->u.lk.set), "%s", NFT_METER_SET);
	if ((r = rb_end(b, rate, NV_DROP)) < 0)
		return r;
	rb_start(b, chain);
	rb_claim(b, BT_ND_TYPES, false);
	m = rb_add(b, NM_BIND, false);
	m->u.lk.key = BT_CLIENT_SEEN;
	snprintf(m->u.lk.set, sizeof(m->u.lk.set), "%s", NFT_METER_CLIENTS);
	return rb_end(b, NULL, NV_CONTINUE);
}

/* The checks live in a chain of their own, claim_NET, which bind_NET
 * enters only for DHCP to the server port and for router/neighbour
 * solicitations and advertisements: every other frame a guest sends
 * walks two rules for them, not ten. */
int plan_binding_claims(struct rule_builder *b, size_t chain, const struct gw_network *n)
{
	static const enum nft_bind_test nd[][2] = {
		{ BT_ND_TYPES, BT_SELF_UPDATE }, { BT_NS_UNICAST, BT_OPT_SLL24 },
		{ BT_NS_UNICAST, BT_SELF_LL24 }, { BT_NA, BT_OPT_TLL24 },
		{ BT_NA, BT_SELF_LL24 },	 { BT_RS, BT_OPT_SLL8 },
		{ BT_RS, BT_SELF_LL8 },
	};
	static const enum nft_bind_test dhcp[] = { BT_SELF_UPDATE, BT_BOOTREQUEST };
	char ctr[NFT_NAME_MAX]; /* the chain's name, and its counter's */
	struct nft_match *m;
	long idx;
	size_t claims;
	int r;

	nft_counter_name(ctr, nft_ctr_kinds[NCTR_CLAIM].what, n->name);
	if ((idx = nft_plan_chain_add(b->plan, NFPROTO_BRIDGE, ctr)) < 0)
		return (int)idx;
	claims = (size_t)idx;
	/* bind_NET: a frame with two tags whose outer one is a priority tag
	 * (VID 0) is dropped: the port's receive path takes the outer tag
	 * out of the frame, so "udp dport 67" sees a VLAN type and does not
	 * match, yet the bridge device strips every VID-0 tag before dnsmasq
	 * reads it -- DHCP past the claims and the meter, also with
	 * guest_binding = false (tests/integ/t_rt_dhcp_vlan0.sh). meta
	 * protocol is the type under the outer tag: a VLAN type there means
	 * two tags at least. One tag passes: its inner frame is checked. */
	for (int q = 0; q < 2; q++) {
		rb_start(b, chain);
		rb_claim(b, q ? BT_PROTO_QINQ : BT_PROTO_VLAN, false);
		rb_claim(b, BT_VLAN_ID0, false);
		if ((r = rb_end(b, ctr, NV_DROP)) < 0)
			return r;
	}
	/* bind_NET: udp dport 67 jump claim_NET; icmpv6 type 133-136 jump
	 * claim_NET */
	rb_start(b, chain);
	m = rb_add(b, NM_DPORT, false);
	m->u.l4.proto = IPPROTO_UDP;
	m->u.l4.port = 67;
	if ((r = rb_jump(b, NULL, ctr)) < 0)
		return r;
	rb_start(b, chain);
	rb_claim(b, BT_ND_TYPES, false);
	if ((r = rb_jump(b, NULL, ctr)) < 0)
		return r;
	for (size_t i = 0; i < sizeof(dhcp) / sizeof(dhcp[0]) && r >= 0; i++)
		r = claim_rule(b, claims, &dhcp[i], 1, ctr, true);
	if (r >= 0)
		r = chaddr_rules(b, claims, ctr);
	if (r >= 0)
		r = nd_meter_rules(b, claims, n);
	for (size_t i = 0; i < sizeof(nd) / sizeof(nd[0]) && r >= 0; i++)
		r = claim_rule(b, claims, nd[i], 2, ctr, false);
	return r;
}

/* --- bytecode ------------------------------------------------------------ */

static int x_cmp_at(struct nftnl_rule *r, uint32_t base, uint32_t off, const void *v, uint32_t len,
		    bool neq)
{
	int e = expr_payload(r, base, off, len, NFT_REG_1);

	return e < 0 ? e : expr_cmp(r, neq, v, len);
}

/* meta protocol ip6 meta l4proto ipv6-icmp (as binding.c's BT_NA) */
static int x_icmp6(struct nftnl_rule *r)
{
	uint16_t be = htons(ETH_P_IPV6);
	uint8_t icmp6 = IPPROTO_ICMPV6;
	int e;

	if ((e = expr_meta(r, NFT_META_PROTOCOL, NFT_REG_1)) < 0 ||
	    (e = expr_cmp(r, false, &be, 2)) < 0 ||
	    (e = expr_meta(r, NFT_META_L4PROTO, NFT_REG_1)) < 0)
		return e;
	return expr_cmp(r, false, &icmp6, 1);
}

static int x_icmp6_type(struct nftnl_rule *r, uint8_t type)
{
	int e = x_icmp6(r);

	return e < 0 ? e : x_cmp_at(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, &type, 1, false);
}

/* ether saddr into register 1 and, for the update, again into the 8
 * bytes after it; for the lookup the claimed MAC goes there. */
static int x_pair(struct nftnl_rule *r, uint32_t base, uint32_t off)
{
	int e = expr_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG_1);

	return e < 0 ? e : expr_payload(r, base, off, 6, NFT_REG32_02);
}

static int x_self_lookup(struct nftnl_rule *r, const struct nft_plan *plan,
			 const struct nft_match *m, uint32_t off)
{
	int e = x_pair(r, NFT_PAYLOAD_TRANSPORT_HEADER, off);

	return e < 0 ? e : expr_lookup(r, plan, m->u.lk.set, m->neq);
}

int nft_claim_expr(struct nftnl_rule *r, const struct nft_plan *plan, const struct nft_match *m)
{
	static const uint8_t bootreq[3] = { 1, 1, 6 }, any[16];
	static const uint8_t sll = 1, tll = 2;
	uint8_t lo = 133, hi = 136;
	struct nftnl_expr *x;
	int e;

	switch (m->u.lk.key) {
	case BT_SELF_UPDATE:
		if ((e = x_pair(r, NFT_PAYLOAD_LL_HEADER, 6)) < 0)
			return e;
		return expr_update(r, plan, m->u.lk.set);
	case BT_BOOTREQUEST:
		return x_cmp_at(r, NFT_PAYLOAD_TRANSPORT_HEADER, 8, bootreq, 3, m->neq);
	case BT_PROTO_VLAN:
	case BT_PROTO_QINQ: {
		uint16_t be = htons(m->u.lk.key == BT_PROTO_VLAN ? ETH_P_8021Q : ETH_P_8021AD);

		if ((e = expr_meta(r, NFT_META_PROTOCOL, NFT_REG_1)) < 0)
			return e;
		return expr_cmp(r, false, &be, 2);
	}
	case BT_VLAN_ID0: {
		static const uint16_t zero;
		uint16_t mask = htons(0x0fff);

		if ((e = expr_payload(r, NFT_PAYLOAD_LL_HEADER, 14, 2, NFT_REG_1)) < 0)
			return e;
		if (!(x = expr_add(r, "bitwise")))
			return -ENOMEM;
		nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(x, NFTNL_EXPR_BITWISE_LEN, 2);
		nftnl_expr_set(x, NFTNL_EXPR_BITWISE_MASK, &mask, 2);
		nftnl_expr_set(x, NFTNL_EXPR_BITWISE_XOR, &zero, 2);
		return expr_cmp(r, false, &zero, 2);
	}
	case BT_SELF_CHADDR: return x_self_lookup(r, plan, m, 8 + 28);
	case BT_ND_TYPES: {
		struct nftnl_expr *c;

		if ((e = x_icmp6(r)) < 0 ||
		    (e = expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1)) < 0)
			return e;
		/* nft's "icmpv6 type 133-136" */
		for (int i = 0; i < 2; i++) {
			if (!(c = expr_add(r, "cmp")))
				return -ENOMEM;
			nftnl_expr_set_u32(c, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
			nftnl_expr_set_u32(c, NFTNL_EXPR_CMP_OP, i ? NFT_CMP_LTE : NFT_CMP_GTE);
			nftnl_expr_set(c, NFTNL_EXPR_CMP_DATA, i ? &hi : &lo, 1);
		}
		return 0;
	}
	case BT_NS_UNICAST:
		if ((e = x_icmp6_type(r, 135)) < 0)
			return e;
		return x_cmp_at(r, NFT_PAYLOAD_NETWORK_HEADER, 8, any, 16, true);
	case BT_RS: return x_icmp6_type(r, 133);
	case BT_OPT_SLL24: return x_cmp_at(r, NFT_PAYLOAD_TRANSPORT_HEADER, 24, &sll, 1, m->neq);
	case BT_OPT_TLL24: return x_cmp_at(r, NFT_PAYLOAD_TRANSPORT_HEADER, 24, &tll, 1, m->neq);
	case BT_OPT_SLL8: return x_cmp_at(r, NFT_PAYLOAD_TRANSPORT_HEADER, 8, &sll, 1, m->neq);
	case BT_SELF_LL24: return x_self_lookup(r, plan, m, 24 + 2);
	case BT_SELF_LL8: return x_self_lookup(r, plan, m, 8 + 2);
	default: break;
	}
	return -EINVAL;
}

void nft_claim_format(char *buf, size_t len, const struct nft_match *m)
{
	const char *ne = m->neq ? "!= " : "";
	const char *s = m->u.lk.set;

	switch (m->u.lk.key) {
	case BT_SELF_UPDATE:
		snprintf(buf, len, "update @%s { ether saddr . ether saddr }", s);
		return;
	case BT_BOOTREQUEST: snprintf(buf, len, "@th,64,24 %s0x10106", ne); return;
	case BT_PROTO_VLAN: snprintf(buf, len, "meta protocol 8021q"); return;
	case BT_PROTO_QINQ: snprintf(buf, len, "meta protocol 8021ad"); return;
	case BT_VLAN_ID0: /* nft's "vlan id 0", as nft lists it without ether type 8021q */
		snprintf(buf, len, "@ll,112,16 & 0xfff == 0x0");
		return;
	case BT_SELF_CHADDR: snprintf(buf, len, "ether saddr . @th,288,48 %s@%s", ne, s); return;
	case BT_ND_TYPES: snprintf(buf, len, "icmpv6 type 133-136"); return;
	case BT_NS_UNICAST:
		snprintf(buf, len, "icmpv6 type nd-neighbor-solicit ip6 saddr != ::");
		return;
	case BT_RS: snprintf(buf, len, "icmpv6 type nd-router-solicit"); return;
	case BT_OPT_SLL24: snprintf(buf, len, "@th,192,8 %s0x1", ne); return;
	case BT_OPT_TLL24: snprintf(buf, len, "@th,192,8 %s0x2", ne); return;
	case BT_OPT_SLL8: snprintf(buf, len, "@th,64,8 %s0x1", ne); return;
	case BT_SELF_LL24: snprintf(buf, len, "ether saddr . @th,208,48 %s@%s", ne, s); return;
	case BT_SELF_LL8: snprintf(buf, len, "ether saddr . @th,80,48 %s@%s", ne, s); return;
	default: break;
	}
	snprintf(buf, len, "?");
}
