/* A planned rule -> libnftnl expressions, the same bytecode that
 * `nft --debug=netlink` shows for the rule's text. Pure. */
#include "expr.h"
#include "binding.h"
#include "untrusted.h"
#include "quota.h"
#include "conf/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_conntrack_tuple_common.h>
#include <linux/rtnetlink.h>
#include <string.h>

uint32_t expr_set_id(const struct nft_plan *plan, const char *name)
{
	for (size_t i = 0; i < plan->n_sets; i++)
		if (!strcmp(plan->sets[i].name, name))
			return (uint32_t)i + 1;
	return 0;
}

struct nftnl_expr *expr_add(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e)
		nftnl_rule_add_expr(r, e);
	return e;
}

static int e_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len)
{
	return expr_payload(r, base, off, len, NFT_REG_1);
}

int expr_cmp(struct nftnl_rule *r, bool neq, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr_add(r, "cmp");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, neq ? NFT_CMP_NEQ : NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return 0;
}

static int e_bitwise(struct nftnl_rule *r, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = expr_add(r, "bitwise");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	return 0;
}

static int e_u8_eq(struct nftnl_rule *r, uint32_t meta_key, uint8_t v)
{
	int e = expr_meta(r, meta_key, NFT_REG_1);

	return e < 0 ? e : expr_cmp(r, false, &v, 1);
}

static int e_prefix(struct nftnl_rule *r, const void *addr, const void *mask, uint32_t len,
		    uint32_t off, bool full, bool neq)
{
	uint8_t net[16];
	int e;

	for (uint32_t i = 0; i < len; i++)
		net[i] = ((const uint8_t *)addr)[i] & ((const uint8_t *)mask)[i];
	if ((e = e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, off, len)) < 0)
		return e;
	if (!full && (e = e_bitwise(r, mask, len)) < 0)
		return e;
	return expr_cmp(r, neq, net, len);
}

/* *family is the layer 3 protocol an earlier match of this rule already
 * checked (0 = none), so that "ip saddr ... ip daddr ..." tests it once. */
static int e_family(struct nftnl_rule *r, uint8_t *family, uint8_t want)
{
	if (*family == want)
		return 0;
	*family = want;
	return e_u8_eq(r, NFT_META_NFPROTO, want);
}

/* Likewise for the layer 4 protocol ("udp sport 67 udp dport 68"). */
static int e_l4(struct nftnl_rule *r, uint8_t *l4, uint8_t want)
{
	if (*l4 == want)
		return 0;
	*l4 = want;
	return e_u8_eq(r, NFT_META_L4PROTO, want);
}

/* Port forwards (nft/forward.c): concatenated keys, each part loaded
 * into the next 32-bit register, as nft does. */
int expr_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr_add(r, "meta");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
	return 0;
}

int expr_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg)
{
	struct nftnl_expr *e = expr_add(r, "payload");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	return 0;
}

static int e_ct_to(struct nftnl_rule *r, uint32_t key, bool original, uint32_t dreg)
{
	struct nftnl_expr *e = expr_add(r, "ct");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	if (original)
		nftnl_expr_set_u8(e, NFTNL_EXPR_CT_DIR, IP_CT_DIR_ORIGINAL);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, dreg);
	return 0;
}

/* [ADDR .] meta l4proto . PORT: the address in register 1, the protocol
 * and the port in the 32-bit registers after it; without the address,
 * the protocol in register 1 and the port after it. */
static int e_fwd_key(struct nftnl_rule *r, int key, uint8_t *family)
{
	bool v6 = NFT_KEY_FWD6(key);
	uint32_t proto_reg = v6 ? NFT_REG_2 : NFT_REG32_01;
	uint32_t port_reg = v6 ? NFT_REG32_05 : NFT_REG32_02;
	int e;

	switch (key) {
	case NK_FWD4:
	case NK_FWD6:
		if ((e = expr_meta(r, NFT_META_L4PROTO, NFT_REG_1)) < 0)
			return e;
		return expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG32_01);
	case NK_FWD4_AT:
	case NK_FWD6_AT:
		if ((e = e_family(r, family, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4)) < 0 ||
		    (e = e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 24 : 16, v6 ? 16 : 4)) < 0 ||
		    (e = expr_meta(r, NFT_META_L4PROTO, proto_reg)) < 0)
			return e;
		return expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, port_reg);
	case NK_CT_FWD4:
	case NK_CT_FWD6:
		if ((e = expr_meta(r, NFT_META_L4PROTO, NFT_REG_1)) < 0)
			return e;
		return e_ct_to(r, NFT_CT_PROTO_DST, true, NFT_REG32_01);
	case NK_CT_FWD4_AT:
	case NK_CT_FWD6_AT:
		if ((e = e_ct_to(r, v6 ? NFT_CT_DST_IP6 : NFT_CT_DST_IP, true, NFT_REG_1)) < 0 ||
		    (e = expr_meta(r, NFT_META_L4PROTO, proto_reg)) < 0)
			return e;
		return e_ct_to(r, NFT_CT_PROTO_DST, true, port_reg);
	case NK_HAIRPIN4:
	case NK_HAIRPIN6:
		if ((e = e_family(r, family, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4)) < 0 ||
		    (e = expr_meta(r, NFT_META_OIFNAME, NFT_REG_1)) < 0)
			return e;
		return expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, v6 ? 8 : 12, v6 ? 16 : 4,
				    NFT_REG_2);
	}
	return -EINVAL;
}

/* lookup of register 1 in set (by name and, if the batch makes it, id) */
static struct nftnl_expr *lookup_add(struct nftnl_rule *r, const struct nft_plan *plan,
				     const char *set)
{
	struct nftnl_expr *x = expr_add(r, "lookup");

	if (x) {
		nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(x, NFTNL_EXPR_LOOKUP_SET, set);
		nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_SET_ID, expr_set_id(plan, set));
	}
	return x;
}

int expr_lookup(struct nftnl_rule *r, const struct nft_plan *plan, const char *set, bool neq)
{
	struct nftnl_expr *x = lookup_add(r, plan, set);

	if (!x)
		return -ENOMEM;
	if (neq)
		nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	return 0;
}

int expr_update(struct nftnl_rule *r, const struct nft_plan *plan, const char *set)
{
	struct nftnl_expr *d = expr_add(r, "dynset");

	if (!d)
		return -ENOMEM;
	nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
	nftnl_expr_set_str(d, NFTNL_EXPR_DYNSET_SET_NAME, set);
	nftnl_expr_set_u32(d, NFTNL_EXPR_DYNSET_SET_ID, expr_set_id(plan, set));
	return 0;
}

static int e_lookup(struct nftnl_rule *r, const struct nft_plan *plan, const char *set,
		    uint32_t dreg)
{
	struct nftnl_expr *x = lookup_add(r, plan, set);

	if (!x)
		return -ENOMEM;
	if (dreg)
		nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_DREG, dreg);
	return 0;
}

/* "dnat ip to KEY map @fwd4": the map gives address . port into
 * register 1 and the 32-bit register after the address. */
static int e_dnat_map(struct nftnl_rule *r, const struct nft_plan *plan,
		      const struct nft_rule_plan *rp, uint8_t *family)
{
	bool v6 = NFT_KEY_FWD6(rp->vmap_key);
	struct nftnl_expr *x;
	int e;

	if ((e = e_fwd_key(r, rp->vmap_key, family)) < 0 ||
	    (e = e_lookup(r, plan, rp->target, NFT_REG_1)) < 0)
		return e;
	if (!(x = expr_add(r, "nat")))
		return -ENOMEM;
	nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_FAMILY, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4);
	nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(x, NFTNL_EXPR_NAT_REG_PROTO_MIN, v6 ? NFT_REG_2 : NFT_REG32_01);
	return 0;
}

/* fib daddr type local; ct status (any of mask). */
static int e_fib_local(struct nftnl_rule *r, bool neq)
{
	uint32_t local = RTN_LOCAL;
	struct nftnl_expr *x = expr_add(r, "fib");

	if (!x)
		return -ENOMEM;
	nftnl_expr_set_u32(x, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
	nftnl_expr_set_u32(x, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
	nftnl_expr_set_u32(x, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
	return expr_cmp(r, neq, &local, 4);
}

static int e_ct_status(struct nftnl_rule *r, uint32_t mask, bool neq)
{
	uint32_t zero = 0;
	int e;

	if ((e = e_ct_to(r, NFT_CT_STATUS, false, NFT_REG_1)) < 0 ||
	    (e = e_bitwise(r, &mask, 4)) < 0)
		return e;
	return expr_cmp(r, !neq, &zero, 4);
}

static int e_match(struct nftnl_rule *r, const struct nft_plan *plan, const struct nft_match *m,
		   uint8_t *family, uint8_t *l4)
{
	char name[IFNAMSIZ] = { 0 };
	uint32_t mask4;
	struct in6_addr mask6;
	uint16_t port;
	uint32_t zero = 0;
	int e;

	switch (m->kind) {
	case NM_IIFNAME:
	case NM_OIFNAME:
	case NM_IBRNAME:
	case NM_OBRNAME:
	case NM_OIFKIND: {
		size_t len = strlen(m->u.ifname);

		strncpy(name, m->u.ifname, IFNAMSIZ - 1);
		if ((e = expr_meta(r, nft_ifname_keys[m->kind].meta, NFT_REG_1)) < 0)
			return e;
		/* "tap*": compare the prefix only, as nft does. */
		if (len && name[len - 1] == '*')
			return expr_cmp(r, m->neq, name, (uint32_t)len - 1);
		return expr_cmp(r, m->neq, name, IFNAMSIZ);
	}
	case NM_IIFSET:
		if ((e = expr_meta(r, NFT_META_IIFNAME, NFT_REG_1)) < 0)
			return e;
		return expr_lookup(r, plan, m->u.set, m->neq);
	case NM_ETHER_SADDR:
		if ((e = e_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6)) < 0)
			return e;
		return expr_cmp(r, m->neq, m->u.mac, 6);
	case NM_NFPROTO:
		if ((e = expr_meta(r, NFT_META_NFPROTO, NFT_REG_1)) < 0)
			return e;
		return expr_cmp(r, m->neq, &m->u.proto, 1);
	case NM_SADDR4:
	case NM_DADDR4:
		if ((e = e_family(r, family, NFPROTO_IPV4)) < 0)
			return e;
		mask4 = htonl(addr_mask4(m->u.p4.plen));
		return e_prefix(r, &m->u.p4.addr, &mask4, 4, m->kind == NM_SADDR4 ? 12 : 16,
				m->u.p4.plen == 32, m->neq);
	case NM_SADDR6:
	case NM_DADDR6:
		if ((e = e_family(r, family, NFPROTO_IPV6)) < 0)
			return e;
		addr_mask6(m->u.p6.plen, &mask6);
		return e_prefix(r, &m->u.p6.addr, &mask6, 16, m->kind == NM_SADDR6 ? 8 : 24,
				m->u.p6.plen == 128, m->neq);
	case NM_L4PROTO:
		if ((e = expr_meta(r, NFT_META_L4PROTO, NFT_REG_1)) < 0)
			return e;
		return expr_cmp(r, m->neq, &m->u.proto, 1);
	case NM_DPORT:
	case NM_SPORT:
		if ((e = e_l4(r, l4, m->u.l4.proto)) < 0)
			return e;
		if ((e = e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, m->kind == NM_DPORT ? 2 : 0,
				   2)) < 0)
			return e;
		port = htons(m->u.l4.port);
		return expr_cmp(r, m->neq, &port, 2);
	case NM_ICMP6TYPE:
		if ((e = e_l4(r, l4, IPPROTO_ICMPV6)) < 0)
			return e;
		if ((e = e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1)) < 0)
			return e;
		return expr_cmp(r, m->neq, &m->u.proto, 1);
	case NM_FIBLOCAL: return e_fib_local(r, m->neq);
	case NM_CTSTATUS: return e_ct_status(r, m->u.ctmask, m->neq);
	case NM_LOOKUP:
		if ((e = e_fwd_key(r, m->u.lk.key, family)) < 0)
			return e;
		return e_lookup(r, plan, m->u.lk.set, 0);
	case NM_BIND: return nft_bind_expr(r, plan, m);
	case NM_UNTRUSTED: return nft_untrusted_expr(r, plan, m);
	case NM_QUOTA: return nft_quota_expr(r, plan, m);
	case NM_CTSTATE: {
		struct nftnl_expr *x = expr_add(r, "ct");

		if (!x)
			return -ENOMEM;
		nftnl_expr_set_u32(x, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
		nftnl_expr_set_u32(x, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		if ((e = e_bitwise(r, &m->u.ctmask, 4)) < 0)
			return e;
		/* "any of these states": (state & mask) != 0 */
		return expr_cmp(r, !m->neq, &zero, 4);
	}
	}
	return -EINVAL;
}

/* "KEY vmap @map": the key into register 1, then a lookup whose result
 * is the verdict. */
static int e_vmap(struct nftnl_rule *r, const struct nft_plan *plan, const struct nft_rule_plan *rp,
		  uint8_t *family)
{
	struct nftnl_expr *x;
	int e = 0;

	if (NFT_KEY_DNAT(rp->vmap_key))
		return e_dnat_map(r, plan, rp, family);
	switch (rp->vmap_key) {
	case NK_IIFNAME: e = expr_meta(r, NFT_META_IIFNAME, NFT_REG_1); break;
	case NK_OIFNAME: e = expr_meta(r, NFT_META_OIFNAME, NFT_REG_1); break;
	case NK_IBRNAME: e = expr_meta(r, NFT_META_BRI_IIFNAME, NFT_REG_1); break;
	case NK_ETHER_SADDR: e = e_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6); break;
	case NK_IP_DADDR:
		if ((e = e_family(r, family, NFPROTO_IPV4)) >= 0)
			e = e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4);
		break;
	case NK_IP6_DADDR:
		if ((e = e_family(r, family, NFPROTO_IPV6)) >= 0)
			e = e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 24, 16);
		break;
	case NK_IP_SADDR:
		if ((e = e_family(r, family, NFPROTO_IPV4)) >= 0)
			e = e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4);
		break;
	case NK_IP6_SADDR:
		if ((e = e_family(r, family, NFPROTO_IPV6)) >= 0)
			e = e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 16);
		break;
	default: return -EINVAL;
	}
	if (e < 0)
		return e;
	if (!(x = expr_add(r, "lookup")))
		return -ENOMEM;
	nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(x, NFTNL_EXPR_LOOKUP_SET, rp->target);
	nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_SET_ID, expr_set_id(plan, rp->target));
	nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
	return 0;
}

/* "snat ip to ADDR[:MIN[-MAX]]": the address into register 1, the ports
 * into 2 and 3, then the nat expression reading them. */
static int e_snat(struct nftnl_rule *r, const struct nft_snat *s)
{
	struct nftnl_expr *e;
	uint16_t pmin = htons(s->port_min), pmax = htons(s->port_max);

	if (!(e = expr_add(r, "immediate")))
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_1);
	if (s->family == NFPROTO_IPV4)
		nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &s->addr.a4, 4);
	else
		nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &s->addr.a6, 16);
	if (s->port_min) {
		if (!(e = expr_add(r, "immediate")))
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_2);
		nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &pmin, 2);
	}
	if (s->port_max != s->port_min) {
		if (!(e = expr_add(r, "immediate")))
			return -ENOMEM;
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_3);
		nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, &pmax, 2);
	}
	if (!(e = expr_add(r, "nat")))
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_SNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, s->family);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	if (s->port_min) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
		if (s->port_max != s->port_min)
			nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MAX, NFT_REG_3);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
	}
	return 0;
}

static int e_verdict(struct nftnl_rule *r, const struct nft_rule_plan *rp)
{
	static const int code[] = {
		[NV_ACCEPT] = NF_ACCEPT,
		[NV_DROP] = NF_DROP,
		[NV_RETURN] = NFT_RETURN,
		[NV_JUMP] = NFT_JUMP,
	};
	struct nftnl_expr *e;

	if (rp->verdict == NV_CONTINUE)
		return 0;
	if (rp->verdict == NV_MASQUERADE)
		return expr_add(r, "masq") ? 0 : -ENOMEM;
	if (rp->verdict == NV_SNAT)
		return e_snat(r, &rp->snat);
	e = expr_add(r, "immediate");
	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)code[rp->verdict]);
	if (rp->verdict == NV_JUMP)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, rp->target);
	return 0;
}

int nft_expr_rule(struct nftnl_rule *r, const struct nft_plan *plan, const struct nft_rule_plan *rp)
{
	uint8_t family = 0, l4 = 0;
	int e = 0;

	for (size_t i = 0; i < rp->n_matches && e >= 0; i++)
		e = e_match(r, plan, &rp->m[i], &family, &l4);
	if (e >= 0 && rp->counter[0]) {
		struct nftnl_expr *x = expr_add(r, "objref");

		if (!x)
			return -ENOMEM;
		nftnl_expr_set_u32(x, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
		nftnl_expr_set_str(x, NFTNL_EXPR_OBJREF_IMM_NAME, rp->counter);
	}
	if (e >= 0 && rp->verdict == NV_VMAP)
		return e_vmap(r, plan, rp, &family);
	return e < 0 ? e : e_verdict(r, rp);
}
