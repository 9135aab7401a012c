/* Plan -> one nf_tables batch (BEGIN ... END) through libnftnl. Pure: the
 * result is bytes that commit.c sends and the unit tests parse back.
 *
 * Atomic replace: NEWTABLE first (a no-op when it exists) so that the
 * DELTABLE after it never fails with ENOENT, then the table is built anew.
 * The kernel applies the whole batch or none of it. */
#include "batch.h"
#include "conf/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_ROOM 8192

struct nft_batch {
	char *buf;
	size_t len, cap;
	uint32_t seq0, seq;
	char **desc; /* desc[seq - seq0] */
	size_t n_desc;
};

static int batch_reserve(struct nft_batch *b)
{
	char **d;

	if (b->len + MSG_ROOM > b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 65536;
		char *n = realloc(b->buf, cap);
		if (!n)
			return -ENOMEM;
		memset(n + b->cap, 0, cap - b->cap);
		b->buf = n;
		b->cap = cap;
	}
	d = realloc(b->desc, (b->n_desc + 1) * sizeof(*d));
	if (!d)
		return -ENOMEM;
	b->desc = d;
	b->desc[b->n_desc] = NULL;
	return 0;
}

/* Account for a message just built at the end of the buffer. */
static int batch_push(struct nft_batch *b, const char *desc)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(b->buf + b->len);

	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	b->desc[b->n_desc] = desc ? strdup(desc) : NULL;
	if (desc && !b->desc[b->n_desc])
		return -ENOMEM;
	b->n_desc++;
	b->seq++;
	return 0;
}

static struct nlmsghdr *batch_hdr(struct nft_batch *b, uint16_t type, uint8_t family,
				  uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, family, flags | NLM_F_ACK, b->seq);
}

static int batch_begin(struct nft_batch *b)
{
	int r = batch_reserve(b);

	if (r < 0)
		return r;
	nftnl_batch_begin(b->buf + b->len, b->seq);
	return batch_push(b, "batch begin");
}

static int batch_end(struct nft_batch *b)
{
	int r = batch_reserve(b);

	if (r < 0)
		return r;
	nftnl_batch_end(b->buf + b->len, b->seq);
	return batch_push(b, "batch end");
}

static int batch_table(struct nft_batch *b, uint16_t type, uint8_t family, uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	char desc[64];
	int r;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NFT_TABLE_NAME);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, family);
	snprintf(desc, sizeof(desc), "table %s %s", nft_family_name(family), NFT_TABLE_NAME);
	if ((r = batch_reserve(b)) >= 0) {
		nftnl_table_nlmsg_build_payload(batch_hdr(b, type, family, flags), t);
		r = batch_push(b, desc);
	}
	nftnl_table_free(t);
	return r;
}

static int batch_chain(struct nft_batch *b, const struct nft_chain_desc *d)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	char desc[128];
	int r;

	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NFT_TABLE_NAME);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, d->name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, d->family);
	if (d->type) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, d->hooknum);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, d->prio);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, d->type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	snprintf(desc, sizeof(desc), "chain %s %s %s", nft_family_name(d->family), NFT_TABLE_NAME,
		 d->name);
	if ((r = batch_reserve(b)) >= 0) {
		nftnl_chain_nlmsg_build_payload(
			batch_hdr(b, NFT_MSG_NEWCHAIN, d->family, NLM_F_CREATE), c);
		r = batch_push(b, desc);
	}
	nftnl_chain_free(c);
	return r;
}

static int batch_counter(struct nft_batch *b, const struct nft_counter *ctr)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	char desc[128];
	int r;

	if (!o)
		return -ENOMEM;
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, NFT_TABLE_NAME);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, ctr->name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, ctr->family);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	snprintf(desc, sizeof(desc), "counter %s %s %s", nft_family_name(ctr->family),
		 NFT_TABLE_NAME, ctr->name);
	if ((r = batch_reserve(b)) >= 0) {
		nftnl_obj_nlmsg_build_payload(
			batch_hdr(b, NFT_MSG_NEWOBJ, ctr->family, NLM_F_CREATE), o);
		r = batch_push(b, desc);
	}
	nftnl_obj_free(o);
	return r;
}

#define NFT_TYPE_IFNAME 41 /* nft's datatype number for "ifname" */

static struct nftnl_set *set_new(uint8_t family, const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return NULL;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE_NAME);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, family);
	return s;
}

/* Sets are referred to by name and, because they are created in the same
 * batch as the rules that use them, by id: index + 1. */
static int batch_set(struct nft_batch *b, const struct nft_set_plan *sp, uint32_t id)
{
	struct nftnl_set *s = set_new(sp->family, sp->name);
	char desc[128];
	int r;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, NFT_TYPE_IFNAME);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, IFNAMSIZ);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	/* nft prints the elements only if told their byte order (host, for
	 * a string type like ifname). */
	{
		struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);

		if (!ud) {
			nftnl_set_free(s);
			return -ENOMEM;
		}
		nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 1 /* BYTEORDER_HOST_ENDIAN */);
		nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
				   nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
	}
	snprintf(desc, sizeof(desc), "set %s %s %s", nft_family_name(sp->family), NFT_TABLE_NAME,
		 sp->name);
	if ((r = batch_reserve(b)) >= 0) {
		nftnl_set_nlmsg_build_payload(
			batch_hdr(b, NFT_MSG_NEWSET, sp->family, NLM_F_CREATE), s);
		r = batch_push(b, desc);
	}
	nftnl_set_free(s);
	return r;
}

static uint32_t set_id(const struct nft_plan *plan, const char *name)
{
	for (size_t i = 0; i < plan->n_sets; i++)
		if (!strcmp(plan->sets[i].name, name))
			return (uint32_t)i + 1;
	return 0;
}

/* --- expressions ------------------------------------------------------- */

static struct nftnl_expr *expr_add(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e)
		nftnl_rule_add_expr(r, e);
	return e;
}

static int e_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = expr_add(r, "meta");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	return 0;
}

static int e_cmp(struct nftnl_rule *r, bool neq, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr_add(r, "cmp");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, neq ? NFT_CMP_NEQ : NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	return 0;
}

static int e_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = expr_add(r, "payload");

	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
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
	int e = e_meta(r, meta_key);

	return e < 0 ? e : e_cmp(r, false, &v, 1);
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
	return e_cmp(r, neq, net, len);
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
		static const uint32_t key[] = {
			[NM_IIFNAME] = NFT_META_IIFNAME, [NM_OIFNAME] = NFT_META_OIFNAME,
			[NM_IBRNAME] = NFT_META_BRI_IIFNAME, [NM_OBRNAME] = NFT_META_BRI_OIFNAME,
			[NM_OIFKIND] = NFT_META_OIFKIND,
		};
		size_t len = strlen(m->u.ifname);

		strncpy(name, m->u.ifname, IFNAMSIZ - 1);
		if ((e = e_meta(r, key[m->kind])) < 0)
			return e;
		/* "tap*": compare the prefix only, as nft does. */
		if (len && name[len - 1] == '*')
			return e_cmp(r, m->neq, name, (uint32_t)len - 1);
		return e_cmp(r, m->neq, name, IFNAMSIZ);
	}
	case NM_IIFSET: {
		struct nftnl_expr *x;

		if ((e = e_meta(r, NFT_META_IIFNAME)) < 0)
			return e;
		if (!(x = expr_add(r, "lookup")))
			return -ENOMEM;
		nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(x, NFTNL_EXPR_LOOKUP_SET, m->u.set);
		nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_SET_ID, set_id(plan, m->u.set));
		if (m->neq)
			nftnl_expr_set_u32(x, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
		return 0;
	}
	case NM_ETHER_SADDR:
		if ((e = e_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6)) < 0)
			return e;
		return e_cmp(r, m->neq, m->u.mac, 6);
	case NM_NFPROTO:
		if ((e = e_meta(r, NFT_META_NFPROTO)) < 0)
			return e;
		return e_cmp(r, m->neq, &m->u.proto, 1);
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
		if ((e = e_meta(r, NFT_META_L4PROTO)) < 0)
			return e;
		return e_cmp(r, m->neq, &m->u.proto, 1);
	case NM_DPORT:
	case NM_SPORT:
		if ((e = e_l4(r, l4, m->u.l4.proto)) < 0)
			return e;
		if ((e = e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, m->kind == NM_DPORT ? 2 : 0, 2)) < 0)
			return e;
		port = htons(m->u.l4.port);
		return e_cmp(r, m->neq, &port, 2);
	case NM_ICMP6TYPE:
		if ((e = e_l4(r, l4, IPPROTO_ICMPV6)) < 0)
			return e;
		if ((e = e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1)) < 0)
			return e;
		return e_cmp(r, m->neq, &m->u.proto, 1);
	case NM_CTSTATE: {
		struct nftnl_expr *x = expr_add(r, "ct");

		if (!x)
			return -ENOMEM;
		nftnl_expr_set_u32(x, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
		nftnl_expr_set_u32(x, NFTNL_EXPR_CT_DREG, NFT_REG_1);
		if ((e = e_bitwise(r, &m->u.ctmask, 4)) < 0)
			return e;
		/* "any of these states": (state & mask) != 0 */
		return e_cmp(r, !m->neq, &zero, 4);
	}
	}
	return -EINVAL;
}

static int e_verdict(struct nftnl_rule *r, const struct nft_rule_plan *rp)
{
	static const int code[] = {
		[NV_ACCEPT] = NF_ACCEPT, [NV_DROP] = NF_DROP, [NV_RETURN] = NFT_RETURN,
		[NV_JUMP] = NFT_JUMP,
	};
	struct nftnl_expr *e;

	if (rp->verdict == NV_MASQUERADE)
		return expr_add(r, "masq") ? 0 : -ENOMEM;
	e = expr_add(r, "immediate");
	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)code[rp->verdict]);
	if (rp->verdict == NV_JUMP)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, rp->target);
	return 0;
}

static int batch_rule(struct nft_batch *b, const struct nft_plan *plan,
		      const struct nft_rule_plan *rp)
{
	const struct nft_chain_desc *chain = &plan->chains[rp->chain];
	struct nftnl_rule *r = nftnl_rule_alloc();
	char text[1024], desc[1200];
	uint8_t family = 0, l4 = 0;
	int e = 0;

	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE_NAME);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain->name);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, chain->family);
	for (size_t i = 0; i < rp->n_matches && e >= 0; i++)
		e = e_match(r, plan, &rp->m[i], &family, &l4);
	if (e >= 0 && rp->counter[0]) {
		struct nftnl_expr *x = expr_add(r, "objref");

		if (!x) {
			e = -ENOMEM;
		} else {
			nftnl_expr_set_u32(x, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
			nftnl_expr_set_str(x, NFTNL_EXPR_OBJREF_IMM_NAME, rp->counter);
		}
	}
	if (e >= 0)
		e = e_verdict(r, rp);
	if (e >= 0)
		e = batch_reserve(b);
	if (e >= 0) {
		nft_rule_format(rp, text, sizeof(text));
		snprintf(desc, sizeof(desc), "rule in chain %s %s: %s", nft_family_name(chain->family),
			 chain->name, text);
		nftnl_rule_nlmsg_build_payload(
			batch_hdr(b, NFT_MSG_NEWRULE, chain->family, NLM_F_CREATE | NLM_F_APPEND), r);
		e = batch_push(b, desc);
	}
	nftnl_rule_free(r);
	return e;
}

static struct nft_batch *batch_new(uint32_t seq)
{
	struct nft_batch *b = calloc(1, sizeof(*b));

	if (b)
		b->seq0 = b->seq = seq;
	return b;
}

/* Create-if-missing then delete each table: neither can fail with ENOENT. */
static int batch_drop_tables(struct nft_batch *b)
{
	int r = 0;

	for (int f = 0; f < NFT_FAMILIES && r >= 0; f++)
		if ((r = batch_table(b, NFT_MSG_NEWTABLE, nft_families[f], NLM_F_CREATE)) >= 0)
			r = batch_table(b, NFT_MSG_DELTABLE, nft_families[f], 0);
	return r;
}

int nft_batch_replace(const struct nft_plan *plan, uint32_t seq, struct nft_batch **out)
{
	struct nft_batch *b = batch_new(seq);
	int r;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	if ((r = batch_begin(b)) < 0 || (r = batch_drop_tables(b)) < 0)
		goto fail;
	for (int f = 0; f < NFT_FAMILIES; f++)
		if ((r = batch_table(b, NFT_MSG_NEWTABLE, nft_families[f], NLM_F_CREATE)) < 0)
			goto fail;
	for (size_t i = 0; i < plan->n_counters; i++)
		if ((r = batch_counter(b, &plan->counters[i])) < 0)
			goto fail;
	for (size_t i = 0; i < plan->n_sets; i++)
		if ((r = batch_set(b, &plan->sets[i], (uint32_t)i + 1)) < 0)
			goto fail;
	for (size_t c = 0; c < plan->n_chains; c++)
		if ((r = batch_chain(b, &plan->chains[c])) < 0)
			goto fail;
	for (size_t i = 0; i < plan->n_rules; i++)
		if ((r = batch_rule(b, plan, &plan->rules[i])) < 0)
			goto fail;
	if ((r = batch_end(b)) < 0)
		goto fail;
	*out = b;
	return 0;
fail:
	nft_batch_free(b);
	return r;
}

int nft_batch_delete(uint32_t seq, struct nft_batch **out)
{
	struct nft_batch *b = batch_new(seq);
	int r;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	if ((r = batch_begin(b)) < 0 || (r = batch_drop_tables(b)) < 0 || (r = batch_end(b)) < 0) {
		nft_batch_free(b);
		return r;
	}
	*out = b;
	return 0;
}

int nft_batch_set_names(uint32_t seq, uint8_t family, const char *set,
			char (*names)[IFNAMSIZ], size_t n, struct nft_batch **out)
{
	struct nft_batch *b = batch_new(seq);
	struct nftnl_set *s = NULL;
	char desc[128];
	int r;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	snprintf(desc, sizeof(desc), "elements of set %s %s %s", nft_family_name(family),
		 NFT_TABLE_NAME, set);
	if ((r = batch_begin(b)) < 0 || (r = batch_reserve(b)) < 0)
		goto out;
	/* DELSETELEM without elements flushes the set. */
	s = set_new(family, set);
	if (!s) {
		r = -ENOMEM;
		goto out;
	}
	nftnl_set_elems_nlmsg_build_payload(batch_hdr(b, NFT_MSG_DELSETELEM, family, 0), s);
	if ((r = batch_push(b, desc)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();
		char key[IFNAMSIZ] = { 0 };

		if (!e) {
			r = -ENOMEM;
			goto out;
		}
		strncpy(key, names[i], IFNAMSIZ - 1);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, IFNAMSIZ);
		nftnl_set_elem_add(s, e);
	}
	if (n) {
		if ((r = batch_reserve(b)) < 0)
			goto out;
		nftnl_set_elems_nlmsg_build_payload(
			batch_hdr(b, NFT_MSG_NEWSETELEM, family, NLM_F_CREATE), s);
		if ((r = batch_push(b, desc)) < 0)
			goto out;
	}
	r = batch_end(b);
out:
	nftnl_set_free(s);
	if (r < 0)
		nft_batch_free(b);
	else
		*out = b;
	return r;
}

void nft_batch_free(struct nft_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n_desc; i++)
		free(b->desc[i]);
	free(b->desc);
	free(b->buf);
	free(b);
}

const void *nft_batch_data(const struct nft_batch *b, size_t *len)
{
	*len = b->len;
	return b->buf;
}

const char *nft_batch_describe(const struct nft_batch *b, uint32_t seq)
{
	uint32_t i = seq - b->seq0;

	return i < b->n_desc && b->desc[i] ? b->desc[i] : "unknown message";
}
