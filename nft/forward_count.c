/* Port forwards' counters: a dump of the counting sets' elements
 * (GETSETELEM) over one socket, each element's comment and counter read
 * with libmnl. */
#include "forward_count.h"
#include "forward.h"
#include "lib/nl.h"

#include <endian.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct counts {
	struct nft_fwd_count *v;
	size_t n, cap, start; /* start: where the set being dumped begins */
	int err;
};

/* NFTA_COUNTER_* of a "counter" expression (NFTA_EXPR_NAME, _DATA). */
static void counter_of(const struct nlattr *expr, struct nft_fwd_count *c)
{
	const struct nlattr *a, *data = NULL;
	const char *name = NULL;

	mnl_attr_for_each_nested(a, expr)
	{
		if (mnl_attr_get_type(a) == NFTA_EXPR_NAME)
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == NFTA_EXPR_DATA)
			data = a;
	}
	if (!name || strcmp(name, "counter") || !data)
		return;
	mnl_attr_for_each_nested(a, data)
	{
		if (mnl_attr_get_type(a) == NFTA_COUNTER_PACKETS)
			c->packets = be64toh(mnl_attr_get_u64(a));
		else if (mnl_attr_get_type(a) == NFTA_COUNTER_BYTES)
			c->bytes = be64toh(mnl_attr_get_u64(a));
	}
}

static void elem_read(const struct nlattr *elem, struct counts *q)
{
	struct nft_fwd_count c = { .name = "" };
	const struct nlattr *a, *x;

	mnl_attr_for_each_nested(a, elem)
	{
		switch (mnl_attr_get_type(a)) {
		case NFTA_SET_ELEM_USERDATA: {
			/* TLVs: type (1 byte), length (1 byte), value */
			const uint8_t *u = mnl_attr_get_payload(a);
			size_t len = mnl_attr_get_payload_len(a);

			for (size_t off = 0; off + 2 <= len && off + 2 + u[off + 1] <= len;
			     off += 2 + u[off + 1])
				if (u[off] == NFTNL_UDATA_SET_ELEM_COMMENT)
					snprintf(c.name, sizeof(c.name), "%.*s", (int)u[off + 1],
						 (const char *)u + off + 2);
			break;
		}
		case NFTA_SET_ELEM_EXPR: counter_of(a, &c); break;
		case NFTA_SET_ELEM_EXPRESSIONS:
			mnl_attr_for_each_nested(x, a) counter_of(x, &c);
			break;
		}
	}
	if (!c.name[0])
		return;
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 64;
		struct nft_fwd_count *v = realloc(q->v, cap * sizeof(*v));

		if (!v) {
			q->err = -ENOMEM;
			return;
		}
		q->v = v;
		q->cap = cap;
	}
	q->v[q->n++] = c;
}

static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a, *e;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(e, a) elem_read(e, data);
	}
	return 0;
}

static void counts_restart(void *data)
{
	((struct counts *)data)->n = ((struct counts *)data)->start;
}

static int dump_set(struct nl *nl, const char *set, struct counts *q)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nftnl_set *s = nftnl_set_alloc();
	struct nlmsghdr *nlh;
	int r;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE_NAME);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP,
				    nl_seq_next(nl));
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	q->start = q->n;
	r = nl_dump(nl, nlh, elems_cb, counts_restart, q);
	return r < 0 ? r : q->err;
}

static int count_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nft_fwd_count *)a)->name,
		      ((const struct nft_fwd_count *)b)->name);
}

/* One element per port: a forward's counts are the sum of its ports'. */
long nft_forward_counts_nl(struct nl *nl, struct nft_fwd_count **out)
{
	struct counts q = { 0 };
	size_t k = 0;
	int r;

	*out = NULL;
	for (size_t i = 0; i < NFT_FWD_COUNT_SETS; i++)
		if ((r = dump_set(nl, nft_fwd_count_sets[i], &q)) < 0) {
			free(q.v);
			return r;
		}
	if (!q.n) {
		free(q.v);
		return 0;
	}
	qsort(q.v, q.n, sizeof(*q.v), count_cmp);
	for (size_t i = 1; i < q.n; i++) {
		if (!strcmp(q.v[i].name, q.v[k].name)) {
			q.v[k].packets += q.v[i].packets;
			q.v[k].bytes += q.v[i].bytes;
		} else {
			q.v[++k] = q.v[i];
		}
	}
	*out = q.v;
	return (long)k + 1;
}

const struct nft_fwd_count *nft_forward_count_find(const struct nft_fwd_count *v, size_t n,
						   const char *net, const char *name)
{
	struct nft_fwd_count key;

	nft_forward_comment(key.name, sizeof(key.name), net, name);
	return bsearch(&key, v, n, sizeof(*v), count_cmp);
}
