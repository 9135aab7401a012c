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

static struct nlmsghdr *batch_hdr(struct nft_batch *b, uint16_t type, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, NFPROTO_INET, flags | NLM_F_ACK,
				     b->seq);
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

static int batch_table(struct nft_batch *b, uint16_t type, uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	int r;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NFT_TABLE_NAME);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	if ((r = batch_reserve(b)) >= 0) {
		nftnl_table_nlmsg_build_payload(batch_hdr(b, type, flags), t);
		r = batch_push(b, "table inet " NFT_TABLE_NAME);
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
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, d->hooknum);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, d->prio);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, d->type);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	snprintf(desc, sizeof(desc), "chain inet %s %s", NFT_TABLE_NAME, d->name);
	if ((r = batch_reserve(b)) >= 0) {
		nftnl_chain_nlmsg_build_payload(batch_hdr(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE), c);
		r = batch_push(b, desc);
	}
	nftnl_chain_free(c);
	return r;
}

static int batch_counter(struct nft_batch *b, const char *name)
{
	struct nftnl_obj *o = nftnl_obj_alloc();
	char desc[128];
	int r;

	if (!o)
		return -ENOMEM;
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, NFT_TABLE_NAME);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, NFPROTO_INET);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	snprintf(desc, sizeof(desc), "counter inet %s %s", NFT_TABLE_NAME, name);
	if ((r = batch_reserve(b)) >= 0) {
		nftnl_obj_nlmsg_build_payload(batch_hdr(b, NFT_MSG_NEWOBJ, NLM_F_CREATE), o);
		r = batch_push(b, desc);
	}
	nftnl_obj_free(o);
	return r;
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

static int e_match(struct nftnl_rule *r, const struct nft_match *m, uint8_t *family)
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
		strncpy(name, m->u.ifname, IFNAMSIZ - 1);
		if ((e = e_meta(r, m->kind == NM_IIFNAME ? NFT_META_IIFNAME : NFT_META_OIFNAME)) < 0)
			return e;
		return e_cmp(r, m->neq, name, IFNAMSIZ);
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
		if ((e = e_u8_eq(r, NFT_META_L4PROTO, m->u.l4.proto)) < 0)
			return e;
		if ((e = e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2)) < 0)
			return e;
		port = htons(m->u.l4.port);
		return e_cmp(r, m->neq, &port, 2);
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

static int e_verdict(struct nftnl_rule *r, enum nft_verdict v)
{
	struct nftnl_expr *e;

	if (v == NV_MASQUERADE)
		return expr_add(r, "masq") ? 0 : -ENOMEM;
	e = expr_add(r, "immediate");
	if (!e)
		return -ENOMEM;
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT,
			   v == NV_ACCEPT ? NF_ACCEPT : v == NV_DROP ? NF_DROP : NFT_RETURN);
	return 0;
}

static int batch_rule(struct nft_batch *b, const struct nft_rule_plan *rp)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	char text[1024], desc[1200];
	uint8_t family = 0;
	int e = 0;

	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE_NAME);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, nft_chains[rp->chain].name);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	for (size_t i = 0; i < rp->n_matches && e >= 0; i++)
		e = e_match(r, &rp->m[i], &family);
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
		e = e_verdict(r, rp->verdict);
	if (e >= 0)
		e = batch_reserve(b);
	if (e >= 0) {
		nft_rule_format(rp, text, sizeof(text));
		snprintf(desc, sizeof(desc), "rule in chain %s: %s", nft_chains[rp->chain].name,
			 text);
		nftnl_rule_nlmsg_build_payload(
			batch_hdr(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND), r);
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

int nft_batch_replace(const struct nft_plan *plan, uint32_t seq, struct nft_batch **out)
{
	struct nft_batch *b = batch_new(seq);
	int r;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	if ((r = batch_begin(b)) < 0 || (r = batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE)) < 0 ||
	    (r = batch_table(b, NFT_MSG_DELTABLE, 0)) < 0 ||
	    (r = batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE)) < 0)
		goto fail;
	for (size_t i = 0; i < plan->n_counters; i++)
		if ((r = batch_counter(b, plan->counters[i])) < 0)
			goto fail;
	for (int c = 0; c < NC_COUNT; c++)
		if ((r = batch_chain(b, &nft_chains[c])) < 0)
			goto fail;
	for (size_t i = 0; i < plan->n_rules; i++)
		if ((r = batch_rule(b, &plan->rules[i])) < 0)
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
	if ((r = batch_begin(b)) < 0 || (r = batch_table(b, NFT_MSG_NEWTABLE, NLM_F_CREATE)) < 0 ||
	    (r = batch_table(b, NFT_MSG_DELTABLE, 0)) < 0 || (r = batch_end(b)) < 0) {
		nft_batch_free(b);
		return r;
	}
	*out = b;
	return 0;
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
