/* One nf_tables message each, appended to a batch through libnftnl:
 * tables, chains, counters, sets and their elements, rules, and their
 * deletion. Pure bytes; batch.c composes them into transactions. */
#include "msg.h"
#include "msg_int.h"
#include "binding.h"
#include "expr.h"
#include "quota.h"

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
#include <stdbool.h>
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

/* Room in the buffer for one more message of up to len bytes beyond the
 * usual MSG_ROOM (a long list of elements). */
int batch_grow(struct nft_batch *b, size_t len)
{
	while (b->len + len + MSG_ROOM > b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 65536;
		char *n = realloc(b->buf, cap);

		if (!n)
			return -ENOMEM;
		memset(n + b->cap, 0, cap - b->cap);
		b->buf = n;
		b->cap = cap;
	}
	return 0;
}

/* Room for one more message, and for its description. */
int batch_reserve(struct nft_batch *b)
{
	char **d;
	int r = batch_grow(b, 0);

	if (r < 0)
		return r;
	d = realloc(b->desc, (b->n_desc + 1) * sizeof(*d));
	if (!d)
		return -ENOMEM;
	b->desc = d;
	b->desc[b->n_desc] = NULL;
	return 0;
}

/* Account for a message just built at the end of the buffer. */
int batch_push(struct nft_batch *b, const char *desc)
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

struct nlmsghdr *batch_hdr(struct nft_batch *b, uint16_t type, uint8_t family, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, family, flags | NLM_F_ACK, b->seq);
}

int batch_begin(struct nft_batch *b)
{
	int r = batch_reserve(b);

	if (r < 0)
		return r;
	nftnl_batch_begin(b->buf + b->len, b->seq);
	return batch_push(b, "batch begin");
}

/* Only the batch's last message asks for an ack. The kernel answers an
 * error whether asked or not (tagged with the failing message's seq), and
 * has handled the whole batch by the time it acks the last: one ack tells
 * all the others would, without building, queueing and reading one per
 * rule (176 for one network's ruleset). */
static void acks_last_only(struct nft_batch *b)
{
	struct nlmsghdr *m = (struct nlmsghdr *)b->buf, *last = NULL;
	int left = (int)b->len;

	for (; mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left))
		if (m->nlmsg_flags & NLM_F_ACK) {
			if (last)
				last->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
			last = m;
		}
}

int batch_end(struct nft_batch *b)
{
	int r = batch_reserve(b);

	if (r < 0)
		return r;
	acks_last_only(b);
	nftnl_batch_end(b->buf + b->len, b->seq);
	return batch_push(b, "batch end");
}

struct nft_batch *batch_new(uint32_t seq)
{
	struct nft_batch *b = calloc(1, sizeof(*b));

	if (b)
		b->seq0 = b->seq = seq;
	return b;
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

size_t nft_batch_count(const struct nft_batch *b)
{
	return b->seq - b->seq0;
}

const char *nft_batch_describe(const struct nft_batch *b, uint32_t seq)
{
	uint32_t i = seq - b->seq0;

	return i < b->n_desc && b->desc[i] ? b->desc[i] : "unknown message";
}

const char *nft_batch_find(const struct nft_batch *b, const char *word)
{
	for (size_t i = 0; i < b->n_desc; i++)
		if (b->desc[i] && strstr(b->desc[i], word))
			return b->desc[i];
	return NULL;
}

int batch_table(struct nft_batch *b, uint16_t type, uint8_t family, uint16_t flags,
		uint32_t table_flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	char desc[64];
	int r;

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NFT_TABLE_NAME);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, family);
	if (table_flags && type == NFT_MSG_NEWTABLE)
		nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, table_flags);
	snprintf(desc, sizeof(desc), "table %s %s", nft_family_name(family), NFT_TABLE_NAME);
	if ((r = batch_reserve(b)) >= 0) {
		nftnl_table_nlmsg_build_payload(batch_hdr(b, type, family, flags), t);
		r = batch_push(b, desc);
	}
	nftnl_table_free(t);
	return r;
}

/* NEWCHAIN (with its hook when it is a base chain) or DELCHAIN (it must
 * be empty and unreferenced by then). */
static int chain_msg(struct nft_batch *b, uint16_t type, const struct nft_chain_desc *d)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	char desc[128];
	int r;

	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, NFT_TABLE_NAME);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, d->name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, d->family);
	if (d->type && type == NFT_MSG_NEWCHAIN) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, d->hooknum);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, d->prio);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, d->type);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	snprintf(desc, sizeof(desc), "%schain %s %s %s",
		 type == NFT_MSG_DELCHAIN ? "deleting " : "", nft_family_name(d->family),
		 NFT_TABLE_NAME, d->name);
	if ((r = batch_reserve(b)) >= 0) {
		nftnl_chain_nlmsg_build_payload(
			batch_hdr(b, type, d->family, type == NFT_MSG_NEWCHAIN ? NLM_F_CREATE : 0),
			c);
		r = batch_push(b, desc);
	}
	nftnl_chain_free(c);
	return r;
}

int batch_chain(struct nft_batch *b, const struct nft_chain_desc *d)
{
	return chain_msg(b, NFT_MSG_NEWCHAIN, d);
}

int batch_chain_remove(struct nft_batch *b, const struct nft_chain_desc *d)
{
	return chain_msg(b, NFT_MSG_DELCHAIN, d);
}

/* NEWOBJ / DELOBJ of a named counter. */
static int counter_msg(struct nft_batch *b, uint16_t type, const struct nft_counter *ctr)
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
	snprintf(desc, sizeof(desc), "%scounter %s %s %s",
		 type == NFT_MSG_DELOBJ ? "deleting " : "", nft_family_name(ctr->family),
		 NFT_TABLE_NAME, ctr->name);
	if ((r = batch_reserve(b)) >= 0) {
		nftnl_obj_nlmsg_build_payload(
			batch_hdr(b, type, ctr->family, type == NFT_MSG_NEWOBJ ? NLM_F_CREATE : 0),
			o);
		r = batch_push(b, desc);
	}
	nftnl_obj_free(o);
	return r;
}

int batch_counter(struct nft_batch *b, const struct nft_counter *ctr)
{
	return counter_msg(b, NFT_MSG_NEWOBJ, ctr);
}

int batch_counter_del(struct nft_batch *b, const struct nft_counter *ctr)
{
	return counter_msg(b, NFT_MSG_DELOBJ, ctr);
}

int batch_rule(struct nft_batch *b, const struct nft_plan *plan, const struct nft_rule_plan *rp)
{
	const struct nft_chain_desc *chain = &plan->chains[rp->chain];
	struct nftnl_rule *r = nftnl_rule_alloc();
	char text[1024], desc[1200];
	int e;

	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE_NAME);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain->name);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, chain->family);
	e = nft_expr_rule(r, plan, rp);
	if (e >= 0)
		e = batch_reserve(b);
	if (e >= 0) {
		nft_rule_format(rp, text, sizeof(text));
		snprintf(desc, sizeof(desc), "rule in chain %s %s: %s",
			 nft_family_name(chain->family), chain->name, text);
		nftnl_rule_nlmsg_build_payload(
			batch_hdr(b, NFT_MSG_NEWRULE, chain->family, NLM_F_CREATE | NLM_F_APPEND),
			r);
		e = batch_push(b, desc);
	}
	nftnl_rule_free(r);
	return e;
}

/* DELRULE naming only the chain flushes it. */
int batch_chain_flush(struct nft_batch *b, const struct nft_chain_desc *d)
{
	struct nftnl_rule *rl = nftnl_rule_alloc();
	char desc[128];
	int r;

	if (!rl)
		return -ENOMEM;
	nftnl_rule_set_str(rl, NFTNL_RULE_TABLE, NFT_TABLE_NAME);
	nftnl_rule_set_str(rl, NFTNL_RULE_CHAIN, d->name);
	nftnl_rule_set_u32(rl, NFTNL_RULE_FAMILY, d->family);
	snprintf(desc, sizeof(desc), "flushing chain %s %s %s", nft_family_name(d->family),
		 NFT_TABLE_NAME, d->name);
	if ((r = batch_reserve(b)) >= 0) {
		nftnl_rule_nlmsg_build_payload(batch_hdr(b, NFT_MSG_DELRULE, d->family, 0), rl);
		r = batch_push(b, desc);
	}
	nftnl_rule_free(rl);
	return r;
}
