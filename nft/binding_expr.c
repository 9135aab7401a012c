/* Guest binding's rules as bytes and as text (nft/binding.c plans them):
 * each test of bind_NET (enum nft_bind_test) as the libnftnl expressions
 * nft itself would build for it, its line in `gatewayd -n -v`, and the
 * binding sets' declarations. Pure. */
#include "binding.h"
#include "expr.h"
#include "msg.h"
#include "rules.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdlib.h>
#include <string.h>

/* --- bytecode ------------------------------------------------------------ */

static int x_lookup(struct nftnl_rule *r, const struct nft_plan *plan, const struct nft_match *m)
{
	return expr_lookup(r, plan, m->u.lk.set, m->neq);
}

static int x_ethertype(struct nftnl_rule *r, uint16_t type)
{
	uint16_t be = htons(type);
	int e = expr_payload(r, NFT_PAYLOAD_LL_HEADER, 12, 2, NFT_REG_1);

	return e < 0 ? e : expr_cmp(r, false, &be, 2);
}

/* meta protocol: the ethertype after a VLAN tag the driver took off
 * (which an ether type match would see as 802.1Q), as nft checks an ip
 * match's dependency in the bridge family. */
static int x_protocol(struct nftnl_rule *r, uint16_t type)
{
	uint16_t be = htons(type);
	int e = expr_meta(r, NFT_META_PROTOCOL, NFT_REG_1);

	return e < 0 ? e : expr_cmp(r, false, &be, 2);
}

static int x_zero4(struct nftnl_rule *r, uint16_t type, uint32_t off)
{
	uint32_t zero = 0;
	int e = type == ETH_P_IP ? x_protocol(r, type) : x_ethertype(r, type);

	if (e >= 0)
		e = expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, 4, NFT_REG_1);
	return e < 0 ? e : expr_cmp(r, false, &zero, 4);
}

/* The fast paths, bind_NET's first rule each: an untagged IPv4 (IPv6)
 * frame from a bound source, port . MAC . address, accepted at once.
 * Left to the rules below: a tagged frame (ether type reads a tag the
 * driver took off as 802.1Q; meta protocol would not), DHCP and DHCPv6
 * to the server ports (metered, claims checked), ICMPv6 (ND claims),
 * and a fragment after the first (no transport header: the rule does
 * not match). */
static int x_fast(struct nftnl_rule *r, const struct nft_plan *plan, const struct nft_match *m)
{
	bool v6 = m->u.lk.key == BT_FAST6;
	uint16_t dhcp = htons(67), dhcp6 = htons(547);
	uint8_t icmp6 = IPPROTO_ICMPV6;
	int e;

	if ((e = x_ethertype(r, v6 ? ETH_P_IPV6 : ETH_P_IP)) < 0)
		return e;
	if (v6 && ((e = expr_meta(r, NFT_META_L4PROTO, NFT_REG_1)) < 0 ||
		   (e = expr_cmp(r, true, &icmp6, 1)) < 0))
		return e;
	if ((e = expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1)) < 0 ||
	    (e = expr_cmp(r, true, &dhcp, 2)) < 0 || (e = expr_cmp(r, true, &dhcp6, 2)) < 0)
		return e;
	if ((e = expr_meta(r, NFT_META_IIF, NFT_REG_1)) < 0 ||
	    (e = expr_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG32_01)) < 0 ||
	    (e = expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, v6 ? 16 : 4,
			      NFT_REG32_03)) < 0)
		return e;
	return x_lookup(r, plan, m);
}

/* add @set { iifname limit rate over RATE/minute burst BURST packets } */
static int x_meter(struct nftnl_rule *r, const struct nft_plan *plan, const struct nft_match *m)
{
	struct nftnl_expr *d, *l;
	int e;

	if ((e = expr_meta(r, NFT_META_IIFNAME, NFT_REG_1)) < 0)
		return e;
	if (!(d = expr_add(r, "dynset")) || !(l = nftnl_expr_alloc("limit")))
		return -ENOMEM;
	nftnl_expr_set_u64(l, NFTNL_EXPR_LIMIT_RATE, NFT_METER_RATE);
	nftnl_expr_set_u64(l, NFTNL_EXPR_LIMIT_UNIT, 60);
	nftnl_expr_set_u32(l, NFTNL_EXPR_LIMIT_BURST, NFT_METER_BURST);
	nftnl_expr_set_u32(l, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
	nftnl_expr_set_u32(l, NFTNL_EXPR_LIMIT_FLAGS, NFT_LIMIT_F_INV);
	nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_ADD);
	nftnl_expr_set_str(d, NFTNL_EXPR_DYNSET_SET_NAME, m->u.lk.set);
	nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_SET_ID, expr_set_id(plan, m->u.lk.set));
	/* the dynset owns the limit from here */
	nftnl_expr_set(d, NFTNL_EXPR_DYNSET_EXPR, l, 0);
	return 0;
}

/* iifname . ether saddr: the name in register 1, the MAC in register 2. */
static int x_client(struct nftnl_rule *r)
{
	int e = expr_meta(r, NFT_META_IIFNAME, NFT_REG_1);

	return e < 0 ? e : expr_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG_2);
}

/* update @dhcp_clients { iifname . ether saddr }: add, or restart its
 * timeout. */
static int x_client_seen(struct nftnl_rule *r, const struct nft_plan *plan,
			 const struct nft_match *m)
{
	int e = x_client(r);

	return e < 0 ? e : expr_update(r, plan, m->u.lk.set);
}

/* The network's tag (big endian) in register 1, the MAC after it. */
static int x_tag(struct nftnl_rule *r, const struct nft_match *m)
{
	uint32_t be = htonl(m->u.lk.tag);
	struct nftnl_expr *x = expr_add(r, "immediate");

	if (!x)
		return -ENOMEM;
	nftnl_expr_set_u32(x, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	nftnl_expr_set(x, NFTNL_EXPR_IMM_DATA, &be, 4);
	return expr_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG32_01);
}

/* update @dhcp_macs { tag . ether saddr }, update @dhcp_seen { iif . ether
 * saddr }: add, or restart the timeout. */
static int x_update(struct nftnl_rule *r, const struct nft_plan *plan, const struct nft_match *m)
{
	int e;

	if (m->u.lk.key == BT_UPDATE_SEEN) {
		if ((e = expr_meta(r, NFT_META_IIF, NFT_REG_1)) < 0 ||
		    (e = expr_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG32_01)) < 0)
			return e;
	} else if ((e = x_tag(r, m)) < 0) {
		return e;
	}
	return expr_update(r, plan, m->u.lk.set);
}

/* update @bind_miss4 { iif . ether saddr . ip saddr } (ARP: its sender
 * fields), update @bind_miss6 { iif . ether saddr . ip6 saddr }: the
 * same registers as the bind4 and bind6 lookups. The rule's first test is
 * the protocol (the drop rule's own), so no dependency of its own. */
static int x_miss(struct nftnl_rule *r, const struct nft_plan *plan, const struct nft_match *m)
{
	bool arp = m->u.lk.key == BT_MISS_ARP, v6 = m->u.lk.key == BT_MISS6;
	int e;

	if ((e = expr_meta(r, NFT_META_IIF, NFT_REG_1)) < 0 ||
	    (e = arp ? expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 6, NFT_REG32_01)
		     : expr_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG32_01)) < 0 ||
	    (e = expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER,
			      arp  ? 14
			      : v6 ? 8
				   : 12,
			      v6 ? 16 : 4, NFT_REG32_03)) < 0)
		return e;
	return expr_update(r, plan, m->u.lk.set);
}

int nft_bind_expr(struct nftnl_rule *r, const struct nft_plan *plan, const struct nft_match *m)
{
	int e;

	switch (m->u.lk.key) {
	case BT_ETHER_IP: return x_protocol(r, ETH_P_IP);
	case BT_ETHER_ARP: return x_protocol(r, ETH_P_ARP);
	case BT_SADDR4_ZERO: return x_zero4(r, ETH_P_IP, 12);
	case BT_ARP_SPA_ZERO: return x_zero4(r, ETH_P_ARP, 14);
	case BT_LOOKUP4:
	case BT_LOOKUP_ARP: {
		bool arp = m->u.lk.key == BT_LOOKUP_ARP;

		/* iif in register 1, the MAC in the two 32-bit registers
		 * after it, the address in the fourth: each part padded to 4
		 * bytes, as nft lays out a concatenation. */
		if ((e = arp ? x_ethertype(r, ETH_P_ARP) : x_protocol(r, ETH_P_IP)) < 0 ||
		    (e = expr_meta(r, NFT_META_IIF, NFT_REG_1)) < 0 ||
		    (e = arp ? expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 6, NFT_REG32_01)
			     : expr_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG32_01)) < 0 ||
		    (e = expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, arp ? 14 : 12, 4,
				      NFT_REG32_03)) < 0)
			return e;
		return x_lookup(r, plan, m);
	}
	case BT_LOOKUP_MAC:
		if ((e = expr_meta(r, NFT_META_IIF, NFT_REG_1)) < 0 ||
		    (e = expr_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG32_01)) < 0)
			return e;
		return x_lookup(r, plan, m);
	case BT_LOOKUP_ETHER:
		if ((e = x_tag(r, m)) < 0)
			return e;
		return x_lookup(r, plan, m);
	case BT_VLAN: return x_ethertype(r, ETH_P_8021Q);
	case BT_QINQ: return x_ethertype(r, ETH_P_8021AD);
	case BT_CLAIMED6:
		if ((e = x_protocol(r, ETH_P_IPV6)) < 0 ||
		    (e = expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFT_REG_1)) < 0)
			return e;
		return x_lookup(r, plan, m);
	case BT_LOOKUP6:
	case BT_LOOKUP_NA: {
		bool na = m->u.lk.key == BT_LOOKUP_NA;

		/* iif . MAC . address: 4 + 8 (padded) + 16 bytes */
		if ((e = expr_meta(r, NFT_META_IIF, NFT_REG_1)) < 0 ||
		    (e = expr_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6, NFT_REG32_01)) < 0 ||
		    (e = na ? expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 8, 16, NFT_REG32_03)
			    : expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFT_REG32_03)) < 0)
			return e;
		return x_lookup(r, plan, m);
	}
	case BT_NA:
	case BT_DAD: {
		static const uint8_t any[16];
		uint8_t icmp6 = IPPROTO_ICMPV6, na = m->u.lk.key == BT_NA ? 136 : 135;

		if ((e = x_protocol(r, ETH_P_IPV6)) < 0)
			return e;
		if (m->u.lk.key == BT_DAD &&
		    ((e = expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 16, NFT_REG_1)) < 0 ||
		     (e = expr_cmp(r, false, any, 16)) < 0))
			return e;
		if ((e = expr_meta(r, NFT_META_L4PROTO, NFT_REG_1)) < 0 ||
		    (e = expr_cmp(r, false, &icmp6, 1)) < 0 ||
		    (e = expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1)) < 0)
			return e;
		return expr_cmp(r, false, &na, 1);
	}
	case BT_OIF_GUEST:
		if ((e = expr_meta(r, NFT_META_OIFNAME, NFT_REG_1)) < 0)
			return e;
		return x_lookup(r, plan, m);
	case BT_NA_CLAIMED:
		if ((e = expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 8, 16, NFT_REG_1)) < 0)
			return e;
		return x_lookup(r, plan, m);
	case BT_METER: return x_meter(r, plan, m);
	case BT_CLIENT:
		if ((e = x_client(r)) < 0)
			return e;
		return x_lookup(r, plan, m);
	case BT_CLIENT_SEEN: return x_client_seen(r, plan, m);
	case BT_SELF_UPDATE:
	case BT_BOOTREQUEST:
	case BT_PROTO_VLAN:
	case BT_PROTO_QINQ:
	case BT_VLAN_ID0:
	case BT_SELF_CHADDR:
	case BT_ND_TYPES:
	case BT_NS_UNICAST:
	case BT_RS:
	case BT_OPT_SLL24:
	case BT_OPT_TLL24:
	case BT_OPT_SLL8:
	case BT_SELF_LL24:
	case BT_SELF_LL8: return nft_claim_expr(r, plan, m);
	case BT_UPDATE_MAC:
	case BT_UPDATE_SEEN: return x_update(r, plan, m);
	case BT_FAST4:
	case BT_FAST6: return x_fast(r, plan, m);
	case BT_MISS4:
	case BT_MISS_ARP:
	case BT_MISS6: return x_miss(r, plan, m);
	}
	return -EINVAL;
}

void nft_bind_format(char *buf, size_t len, const struct nft_match *m)
{
	const char *ne = m->neq ? "!= " : "";

	switch (m->u.lk.key) {
	case BT_ETHER_IP: snprintf(buf, len, "meta protocol ip"); return;
	case BT_ETHER_ARP: snprintf(buf, len, "meta protocol arp"); return;
	case BT_SADDR4_ZERO: snprintf(buf, len, "ip saddr 0.0.0.0"); return;
	case BT_ARP_SPA_ZERO: snprintf(buf, len, "arp saddr ip 0.0.0.0"); return;
	case BT_LOOKUP4:
		snprintf(buf, len, "iif . ether saddr . ip saddr %s@%s", ne, m->u.lk.set);
		return;
	case BT_LOOKUP_ARP:
		snprintf(buf, len, "iif . arp saddr ether . arp saddr ip %s@%s", ne, m->u.lk.set);
		return;
	case BT_LOOKUP_MAC: snprintf(buf, len, "iif . ether saddr %s@%s", ne, m->u.lk.set); return;
	case BT_LOOKUP_ETHER: /* as nft lists it: nft's syntax has no
			       * constant inside a concatenation, its
			       * listing says so */
		snprintf(buf, len, "0x%08x [invalid type] . ether saddr %s@%s", m->u.lk.tag, ne,
			 m->u.lk.set);
		return;
	case BT_METER: /* nft prints no burst of 5, its default */
		snprintf(buf, len, "add @%s { iifname limit rate over %u/minute }", m->u.lk.set,
			 NFT_METER_RATE);
		return;
	case BT_CLIENT: snprintf(buf, len, "iifname . ether saddr %s@%s", ne, m->u.lk.set); return;
	case BT_CLIENT_SEEN:
		snprintf(buf, len, "update @%s { iifname . ether saddr }", m->u.lk.set);
		return;
	case BT_VLAN: snprintf(buf, len, "ether type 8021q"); return;
	case BT_QINQ: snprintf(buf, len, "ether type 8021ad"); return;
	case BT_CLAIMED6: snprintf(buf, len, "ip6 saddr %s@%s", ne, m->u.lk.set); return;
	case BT_LOOKUP6:
		snprintf(buf, len, "iif . ether saddr . ip6 saddr %s@%s", ne, m->u.lk.set);
		return;
	case BT_NA: snprintf(buf, len, "icmpv6 type nd-neighbor-advert"); return;
	case BT_DAD: snprintf(buf, len, "ip6 saddr :: icmpv6 type nd-neighbor-solicit"); return;
	case BT_OIF_GUEST: snprintf(buf, len, "oifname %s@%s", ne, m->u.lk.set); return;
	case BT_NA_CLAIMED: snprintf(buf, len, "@th,64,128 %s@%s", ne, m->u.lk.set); return;
	case BT_LOOKUP_NA:
		snprintf(buf, len, "iif . ether saddr . @th,64,128 %s@%s", ne, m->u.lk.set);
		return;
	case BT_SELF_UPDATE:
	case BT_BOOTREQUEST:
	case BT_PROTO_VLAN:
	case BT_PROTO_QINQ:
	case BT_VLAN_ID0:
	case BT_SELF_CHADDR:
	case BT_ND_TYPES:
	case BT_NS_UNICAST:
	case BT_RS:
	case BT_OPT_SLL24:
	case BT_OPT_TLL24:
	case BT_OPT_SLL8:
	case BT_SELF_LL24:
	case BT_SELF_LL8: nft_claim_format(buf, len, m); return;
	case BT_UPDATE_MAC: { /* nft lists the tag's bytes read in host order */
		uint32_t be = htonl(m->u.lk.tag), host;

		memcpy(&host, &be, 4);
		snprintf(buf, len, "update @%s { 0x%08x . ether saddr }", m->u.lk.set, host);
		return;
	}
	case BT_UPDATE_SEEN:
		snprintf(buf, len, "update @%s { iif . ether saddr }", m->u.lk.set);
		return;
	/* As nft lists them in the bridge's prerouting base chain, their
	 * only place: the ether type test (a tag put back reads as 802.1Q)
	 * is there in the bytecode, and a base chain's link layer makes nft
	 * print it as the dependency of "ip saddr" it also is. */
	case BT_FAST4:
		snprintf(buf, len,
			 "th dport != 67 th dport != 547 iif . ether saddr . ip saddr %s@%s", ne,
			 m->u.lk.set);
		return;
	case BT_FAST6:
		snprintf(buf, len,
			 "meta l4proto != ipv6-icmp th dport != 67 th dport != 547 iif . ether "
			 "saddr . ip6 saddr %s@%s",
			 ne, m->u.lk.set);
		return;
	case BT_MISS4:
		snprintf(buf, len, "update @%s { iif . ether saddr . ip saddr }", m->u.lk.set);
		return;
	case BT_MISS_ARP:
		snprintf(buf, len, "update @%s { iif . arp saddr ether . arp saddr ip }",
			 m->u.lk.set);
		return;
	case BT_MISS6:
		snprintf(buf, len, "update @%s { iif . ether saddr . ip6 saddr }", m->u.lk.set);
		return;
	}
	snprintf(buf, len, "?");
}

/* Seconds as nft lists a set's timeout: 1h, 1m, 1m30s, 20s. */
static const char *time_text(unsigned secs, char *buf, size_t len)
{
	static const struct {
		unsigned s;
		char unit;
	} u[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]) && o < len; i++)
		if (secs >= u[i].s) {
			o += (size_t)snprintf(buf + o, len - o, "%u%c", secs / u[i].s, u[i].unit);
			secs %= u[i].s;
		}
	return buf;
}

int nft_bind_set_print(FILE *f, const struct nft_set_plan *s)
{
	static const char *const types[NK_COUNT] = {
		[NK_BIND4] = "iface_index . ether_addr . ipv4_addr",
		[NK_BIND_MAC] = "iface_index . ether_addr",
		[NK_BIND_ETHER] = "mark . ether_addr",
		[NK_BIND6] = "iface_index . ether_addr . ipv6_addr",
		[NK_CLAIM6] = "ipv6_addr",
		[NK_GUEST_PORT] = "ifname",
		[NK_METER] = "ifname",
		[NK_METER_CLIENT] = "ifname . ether_addr",
		[NK_MAC_SELF] = "ether_addr . ether_addr",
		[NK_DHCP_MAC] = "mark . ether_addr",
		[NK_DHCP_SEEN] = "iface_index . ether_addr",
		[NK_MISS4] = "iface_index . ether_addr . ipv4_addr",
		[NK_MISS6] = "iface_index . ether_addr . ipv6_addr",
	};
	char t[32];

	if (s->vmap || s->key < NK_BIND4 || s->key >= NK_COUNT)
		return 0;
	fprintf(f, "\tset %s {\n\t\ttype %s\n", s->name, types[s->key]);
	if (s->key == NK_METER)
		fprintf(f, "\t\tsize 65535\n\t\tflags dynamic\n");
	if (s->key == NK_METER_CLIENT)
		fprintf(f, "\t\tsize 65535\n\t\tflags dynamic,timeout\n\t\ttimeout 1h\n");
	if (s->key == NK_MAC_SELF)
		fprintf(f, "\t\tsize %u\n\t\tflags dynamic,timeout\n\t\ttimeout %s\n",
			NFT_MAC_SELF_SIZE, time_text(NFT_MAC_SELF_TIMEOUT_MS / 1000, t, sizeof(t)));
	if (s->key == NK_DHCP_MAC || s->key == NK_DHCP_SEEN)
		fprintf(f, "\t\tsize 65535\n\t\tflags dynamic,timeout\n\t\ttimeout %s\n",
			time_text(NFT_DHCP_SEEN_TIMEOUT_S, t, sizeof(t)));
	if (s->key == NK_MISS4 || s->key == NK_MISS6)
		fprintf(f, "\t\tsize %u\n\t\tflags dynamic,timeout\n\t\ttimeout %s\n",
			NFT_BIND_MISS_SIZE, time_text(NFT_BIND_MISS_TIMEOUT_S, t, sizeof(t)));
	fprintf(f, "\t}\n\n");
	return 1;
}
