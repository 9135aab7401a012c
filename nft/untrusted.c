/* Ports gatewayd does not know yet. The daemon puts a new port in its
 * maps (port_nets, bind_nets, guest_ports) some tens of milliseconds
 * after the kernel enslaves it -- never, while it is stopped or frozen.
 * Until then the port is, in the kernel, an untrusted guest: it may send
 * DHCP client messages (to get its lease) and duplicate address probes
 * (ARP from 0.0.0.0, NS from ::), nothing else, counted (untrusted_port).
 * Pure: the plan's part, the bytecode and the text of its tests.
 *
 * How a frame from such a port is found depends on the backstop's form:
 * - bridge-meta form (meta ibrname, CONFIG_NFT_BRIDGE_META): prerouting
 *   sends a frame that came in on a port of one of our bridges (ibrname
 *   in br_nets) whose port is not a guest port the daemon listed
 *   (iifname not in bind_nets) to untrusted_port, for everything it
 *   sends, to the host or to another port.
 * - port-set form (no bridge meta): the bridge family cannot tell which
 *   bridge an unlisted port is on, and other bridges on the host
 *   (docker0, virbr0, a br0 with a LAN NIC whose DHCP server the host's
 *   VMs need) must not be touched. So, with what the kernel does know:
 *   - forward: a frame from a port not in port_nets going out to one of
 *     our guest ports (oifname in guest_ports) is on our bridge: it goes
 *     to untrusted_port. A rogue DHCP/RA server, gratuitous ARPs "the
 *     gateway is at me", reach no known guest.
 *   - input: from a port not in port_nets, for the host itself, an ARP
 *     whose sender is in one of our subnets, an IPv4/IPv6 packet from
 *     one of our subnets or prefixes, a neighbour advertisement for an
 *     address in our prefixes or a gateway's link-local address, is
 *     dropped (unknown_port): no newcomer poisons the host's neighbour
 *     entries for a guest or sends from a guest's address. Our subnets
 *     are ours alone (the preflight refuses overlaps), so no other
 *     bridge's traffic matches -- but a LAN an admin patched into a guest
 *     bridge with a veth (guest_ports naming it) carries our subnets too:
 *     hence input only, never forward, where it would cut that LAN off
 *     (the host's copy on the LAN's bridge is the one dropped).
 *   What stays open: frames between two ports neither of which the
 *   daemon has listed yet (a rogue DHCP server reaching another newcomer),
 *   when they claim nothing of ours.
 * One set lookup or two per frame, whatever the number of networks. */
#include "untrusted.h"
#include "binding.h"
#include "expr.h"
#include "rules.h"
#include "conf/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdlib.h>
#include <string.h>

static long our_set(struct nft_plan *p, const char *name, enum nft_key key)
{
	long i = nft_plan_set_add(p, NFPROTO_BRIDGE, name, key);

	if (i >= 0)
		p->sets[i].interval = true;
	return i;
}

/* One interval, from addr to addr with its host bits set; len 4 or 16. */
static int our_elem(struct nft_set_plan *s, const void *addr, unsigned plen, size_t len)
{
	struct nft_elem *e = realloc(s->elems, (s->n_elems + 1) * sizeof(*e));
	uint8_t *lo, *hi;

	if (!e)
		return -ENOMEM;
	s->elems = e;
	e = &e[s->n_elems++];
	memset(e, 0, sizeof(*e));
	lo = e->key.raw;
	hi = e->key_end.raw;
	memcpy(lo, addr, len);
	for (size_t i = 0; i < len; i++) {
		unsigned bits = plen > 8 * i ? plen - 8 * i : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		lo[i] &= mask;
		hi[i] = lo[i] | (uint8_t)~mask;
	}
	return 0;
}

/* The gateway's link-local address: the kernel's EUI-64 one from the
 * bridge's MAC, which gatewayd sets (addr_bridge_mac). */
static void gateway_ll(const struct gw_network *n, struct in6_addr *a)
{
	uint8_t mac[6];

	addr_bridge_mac(n->name, mac);
	memset(a, 0, sizeof(*a));
	a->s6_addr[0] = 0xfe;
	a->s6_addr[1] = 0x80;
	a->s6_addr[8] = mac[0] ^ 0x02;
	a->s6_addr[9] = mac[1];
	a->s6_addr[10] = mac[2];
	a->s6_addr[11] = 0xff;
	a->s6_addr[12] = 0xfe;
	a->s6_addr[13] = mac[3];
	a->s6_addr[14] = mac[4];
	a->s6_addr[15] = mac[5];
}

static int our_sets(struct nft_plan *p, const struct gw_conf *conf)
{
	long i4 = our_set(p, NFT_OUR4_SET, NK_OUR4), i6;
	int r = 0;

	if (i4 < 0)
		return (int)i4;
	if ((i6 = our_set(p, NFT_OUR6_SET, NK_OUR6)) < 0)
		return (int)i6;
	for (size_t i = 0; i < conf->n_networks && r >= 0; i++) {
		const struct gw_network *n = &conf->networks[i];
		struct in6_addr ll;

		r = our_elem(&p->sets[i4], &n->ipv4.addr, n->ipv4.plen, 4);
		if (r >= 0 && n->has_ipv6)
			r = our_elem(&p->sets[i6], &n->ipv6.addr, n->ipv6.plen, 16);
		gateway_ll(n, &ll);
		if (r >= 0)
			r = our_elem(&p->sets[i6], &ll, 128, 16);
	}
	return r;
}

static void rb_ut(struct rule_builder *b, enum nft_untrusted_test t, const char *set)
{
	struct nft_match *m = rb_add(b, NM_UNTRUSTED, false);

	m->u.lk.key = t;
	snprintf(m->u.lk.set, sizeof(m->u.lk.set), "%s", set ? set : "");
}

static void rb_lk(struct rule_builder *b, enum nft_match_kind kind, int key, bool neq,
		  const char *set)
{
	struct nft_match *m = rb_add(b, kind, neq);

	m->u.lk.key = key;
	snprintf(m->u.lk.set, sizeof(m->u.lk.set), "%s", set);
}

/* untrusted_port: a DHCP client, a probe; the rest dropped. */
static int untrusted_rules(struct rule_builder *b, size_t chain)
{
	struct nft_match *m;
	int r;

	rb_start(b, chain);
	m = rb_add(b, NM_SPORT, false);
	m->u.l4.proto = IPPROTO_UDP;
	m->u.l4.port = 68;
	m = rb_add(b, NM_DPORT, false);
	m->u.l4.proto = IPPROTO_UDP;
	m->u.l4.port = 67;
	if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
		return r;
	rb_start(b, chain);
	rb_lk(b, NM_BIND, BT_ARP_SPA_ZERO, false, "");
	if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
		return r;
	rb_start(b, chain);
	rb_lk(b, NM_BIND, BT_DAD, false, "");
	if ((r = rb_end(b, NULL, NV_ACCEPT)) < 0)
		return r;
	rb_start(b, chain);
	return rb_end(b, NFT_UNTRUSTED_CTR, NV_DROP);
}

/* unknown_port: no claim on our addresses. */
static int unknown_rules(struct rule_builder *b, size_t chain)
{
	static const struct {
		enum nft_untrusted_test t;
		const char *set;
	} claims[] = {
		{ UT_ARP_SPA_SET, NFT_OUR4_SET },
		{ UT_SADDR4_SET, NFT_OUR4_SET },
		{ UT_SADDR6_SET, NFT_OUR6_SET },
		{ UT_NA_SET, NFT_OUR6_SET },
	};
	int r = 0;

	for (size_t i = 0; i < sizeof(claims) / sizeof(claims[0]) && r >= 0; i++) {
		rb_start(b, chain);
		rb_ut(b, claims[i].t, claims[i].set);
		r = rb_end(b, NFT_UNTRUSTED_CTR, NV_DROP);
	}
	return r;
}

int plan_untrusted(struct rule_builder *b, const struct gw_conf *conf, bool bridge_meta)
{
	struct nft_plan *p = b->plan;
	struct nft_counter *ctr = realloc(p->counters, (p->n_counters + 1) * sizeof(*ctr));
	long ut, unk;
	int r;

	if (!ctr)
		return -ENOMEM;
	p->counters = ctr;
	memset(&ctr[p->n_counters], 0, sizeof(*ctr));
	ctr[p->n_counters].family = NFPROTO_BRIDGE;
	snprintf(ctr[p->n_counters++].name, NFT_NAME_MAX, "%s", NFT_UNTRUSTED_CTR);
	if ((r = our_sets(p, conf)) < 0)
		return r;
	if ((ut = nft_plan_chain_add(p, NFPROTO_BRIDGE, NFT_UNTRUSTED_CHAIN)) < 0)
		return (int)ut;
	/* unknown_port in both forms (the same chains and sets either way);
	 * the bridge-meta form does not jump there: it needs no guess */
	if ((unk = nft_plan_chain_add(p, NFPROTO_BRIDGE, NFT_UNKNOWN_CHAIN)) < 0)
		return (int)unk;
	/* GATEWAYD_TEST_OMIT=untrusted: the sets and chains, empty, and no
	 * jump there */
	if (p->omit & NFT_OMIT_UNTRUSTED)
		return 0;
	if ((r = untrusted_rules(b, (size_t)ut)) < 0 || (r = unknown_rules(b, (size_t)unk)) < 0)
		return r;
	if (bridge_meta) {
		/* meta ibrname @br_nets iifname != @bind_nets jump untrusted_port */
		rb_start(b, NC_BR_PREROUTING);
		rb_ut(b, UT_IBR_SET, NFT_BRIDGES_MAP);
		snprintf(rb_add(b, NM_IIFSET, true)->u.set, NFT_NAME_MAX, "%s", NFT_BIND_MAP);
		return rb_jump(b, NULL, NFT_UNTRUSTED_CHAIN);
	}
	/* iifname != @bind_nets jump unknown_port */
	rb_start(b, NC_BR_INPUT);
	snprintf(rb_add(b, NM_IIFSET, true)->u.set, NFT_NAME_MAX, "%s", NFT_BIND_MAP);
	if ((r = rb_jump(b, NULL, NFT_UNKNOWN_CHAIN)) < 0)
		return r;
	/* iifname != @bind_nets oifname @guest_ports jump untrusted_port */
	rb_start(b, NC_BR_FORWARD);
	snprintf(rb_add(b, NM_IIFSET, true)->u.set, NFT_NAME_MAX, "%s", NFT_BIND_MAP);
	rb_lk(b, NM_BIND, BT_OIF_GUEST, false, NFT_GUEST_PORTS_SET);
	return rb_jump(b, NULL, NFT_UNTRUSTED_CHAIN);
}

/* --- bytecode ------------------------------------------------------------ */

static int x_cmp16(struct nftnl_rule *r, uint32_t meta, uint16_t v)
{
	uint16_t be = htons(v);
	int e = meta == NFT_META_PROTOCOL
			? expr_meta(r, meta, NFT_REG_1)
			: expr_payload(r, NFT_PAYLOAD_LL_HEADER, 12, 2, NFT_REG_1);

	return e < 0 ? e : expr_cmp(r, false, &be, 2);
}

static int x_cmp8(struct nftnl_rule *r, int meta, uint32_t off, uint8_t v)
{
	int e = meta ? expr_meta(r, (uint32_t)meta, NFT_REG_1)
		     : expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, off, 1, NFT_REG_1);

	return e < 0 ? e : expr_cmp(r, false, &v, 1);
}

int nft_untrusted_expr(struct nftnl_rule *r, const struct nft_plan *plan, const struct nft_match *m)
{
	uint16_t port = htons(67);
	int e;

	switch (m->u.lk.key) {
	case UT_NO_SERVER: {
		uint16_t top = htons(546);
		struct nftnl_expr *c;

		if ((e = expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1)) < 0)
			return e;
		if (!(c = expr_add(r, "cmp")))
			return -ENOMEM;
		nftnl_expr_set_u32(c, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(c, NFTNL_EXPR_CMP_OP, NFT_CMP_GT);
		nftnl_expr_set(c, NFTNL_EXPR_CMP_DATA, &top, 2);
		if ((e = expr_meta(r, NFT_META_L4PROTO, NFT_REG_1)) < 0)
			return e;
		uint8_t icmp6 = IPPROTO_ICMPV6;

		return expr_cmp(r, true, &icmp6, 1);
	}
	case UT_BOOTREPLY:
		if ((e = x_cmp8(r, NFT_META_L4PROTO, 0, IPPROTO_UDP)) < 0 ||
		    (e = expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1)) < 0 ||
		    (e = expr_cmp(r, false, &port, 2)) < 0)
			return e;
		return x_cmp8(r, 0, 8, 2); /* op, the first byte after the UDP header */
	case UT_IBR_SET: e = expr_meta(r, NFT_META_BRI_IIFNAME, NFT_REG_1); break;
	case UT_ARP_SPA_SET:
		if ((e = x_cmp16(r, 0, ETH_P_ARP)) >= 0)
			e = expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 14, 4, NFT_REG_1);
		break;
	case UT_SADDR4_SET:
		if ((e = x_cmp16(r, NFT_META_PROTOCOL, ETH_P_IP)) >= 0)
			e = expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4, NFT_REG_1);
		break;
	case UT_SADDR6_SET:
		if ((e = x_cmp16(r, NFT_META_PROTOCOL, ETH_P_IPV6)) >= 0)
			e = expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFT_REG_1);
		break;
	case UT_NA_SET:
		if ((e = x_cmp16(r, NFT_META_PROTOCOL, ETH_P_IPV6)) < 0 ||
		    (e = x_cmp8(r, NFT_META_L4PROTO, 0, IPPROTO_ICMPV6)) < 0 ||
		    (e = x_cmp8(r, 0, 0, 136)) < 0) /* nd-neighbor-advert */
			return e;
		/* the target address, after type, code, checksum, flags */
		e = expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 8, 16, NFT_REG_1);
		break;
	default: return -EINVAL;
	}
	return e < 0 ? e : expr_lookup(r, plan, m->u.lk.set, false);
}

void nft_untrusted_format(char *buf, size_t len, const struct nft_match *m)
{
	const char *s = m->u.lk.set;

	switch (m->u.lk.key) {
	case UT_BOOTREPLY: snprintf(buf, len, "udp dport 67 @th,64,8 0x2"); return;
	case UT_NO_SERVER: snprintf(buf, len, "th dport > 546 meta l4proto != ipv6-icmp"); return;
	case UT_IBR_SET: snprintf(buf, len, "meta ibrname @%s", s); return;
	case UT_ARP_SPA_SET: snprintf(buf, len, "arp saddr ip @%s", s); return;
	case UT_SADDR4_SET: snprintf(buf, len, "ip saddr @%s", s); return;
	case UT_SADDR6_SET: snprintf(buf, len, "ip6 saddr @%s", s); return;
	case UT_NA_SET:
		snprintf(buf, len, "icmpv6 type nd-neighbor-advert @th,64,128 @%s", s);
		return;
	}
	snprintf(buf, len, "?");
}

/* An interval as nft prints it: a prefix. */
static void interval_format(char *buf, size_t len, const struct nft_elem *e, bool v6)
{
	size_t n = v6 ? 16 : 4;
	unsigned plen = 0;
	char a[INET6_ADDRSTRLEN];

	while (plen < 8 * n &&
	       !((e->key.raw[plen / 8] ^ e->key_end.raw[plen / 8]) >> (7 - plen % 8) & 1))
		plen++;
	inet_ntop(v6 ? AF_INET6 : AF_INET, e->key.raw, a, sizeof(a));
	if (plen == 8 * n)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, plen);
}

int nft_untrusted_set_print(FILE *f, const struct nft_set_plan *s)
{
	char key[INET6_ADDRSTRLEN + 8];

	if (s->key != NK_OUR4 && s->key != NK_OUR6)
		return 0;
	fprintf(f, "\tset %s {\n\t\ttype %s\n\t\tflags interval\n", s->name,
		s->key == NK_OUR4 ? "ipv4_addr" : "ipv6_addr");
	for (size_t i = 0; i < s->n_elems; i++) {
		interval_format(key, sizeof(key), &s->elems[i], s->key == NK_OUR6);
		fprintf(f, "%s%s%s\n", i ? "\t\t\t     " : "\t\telements = { ", key,
			i + 1 < s->n_elems ? "," : " }");
	}
	fprintf(f, "\t}\n\n");
	return 1;
}

const char *nft_backstop_gap(bool bridge_meta)
{
	return bridge_meta ? "every port of a guest bridge is checked from the moment it is "
			     "plugged in, also while gatewayd is frozen"
			   : "a port gatewayd has not listed yet (or while it is frozen) reaches "
			     "no known guest and claims none of our addresses, but may still "
			     "reach another port it has not listed";
}
