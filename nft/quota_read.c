/* The connection quota's per-guest drops read back: a dump of ctq_drops'
 * elements (GETSETELEM), each one's key (network tag . MAC) and counter,
 * over one socket. For status and doctor; read only where a network's
 * quota_NET counter says something was dropped. */
#include "quota.h"
#include "lib/nl.h"

#include <endian.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>

struct drops {
	struct nft_quota_drop *v;
	size_t n, cap;
	int err;
};

/* NFTA_COUNTER_PACKETS of a "counter" expression (NFTA_EXPR_NAME, _DATA) */
static void counter_of(const struct nlattr *expr, uint64_t *packets)
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
			*packets = be64toh(mnl_attr_get_u64(a));
	}
}

int nft_quota_drop_parse(const struct nlattr *elem, struct nft_quota_drop *d)
{
	const struct nlattr *a, *x;
	bool key = false;

	memset(d, 0, sizeof(*d));
	mnl_attr_for_each_nested(a, elem)
	{
		switch (mnl_attr_get_type(a)) {
		case NFTA_SET_ELEM_KEY:
			/* NFTA_DATA_VALUE: tag (big endian), MAC, 2 bytes of padding */
			mnl_attr_for_each_nested(x, a)
			{
				const uint8_t *p = mnl_attr_get_payload(x);

				if (mnl_attr_get_type(x) != NFTA_DATA_VALUE ||
				    mnl_attr_get_payload_len(x) != 12)
					continue;
				d->tag = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
					 (uint32_t)p[2] << 8 | p[3];
				memcpy(d->mac, p + 4, 6);
				key = true;
			}
			break;
		case NFTA_SET_ELEM_EXPR: counter_of(a, &d->packets); break;
		case NFTA_SET_ELEM_EXPRESSIONS:
			mnl_attr_for_each_nested(x, a) counter_of(x, &d->packets);
			break;
		}
	}
	return key;
}

static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	struct drops *q = data;
	const struct nlattr *a, *e;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(e, a)
		{
			struct nft_quota_drop d;

			if (!nft_quota_drop_parse(e, &d))
				continue;
			if (q->n == q->cap) {
				size_t cap = q->cap ? 2 * q->cap : 64;
				struct nft_quota_drop *v = realloc(q->v, cap * sizeof(*v));

				if (!v) {
					q->err = -ENOMEM;
					return MNL_CB_ERROR;
				}
				q->v = v;
				q->cap = cap;
			}
			q->v[q->n++] = d;
		}
	}
	return MNL_CB_OK;
}

static void drops_restart(void *data)
{
	((struct drops *)data)->n = 0;
}

static int drop_cmp(const void *a, const void *b)
{
	const struct nft_quota_drop *x = a, *y = b;

	if (x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	return memcmp(x->mac, y->mac, 6);
}

long nft_quota_drops_read(struct nft_quota_drop **out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct drops q = { 0 };
	struct nftnl_set *s;
	struct nlmsghdr *nlh;
	struct nl *nl;
	int r;

	*out = NULL;
	if ((r = nl_open(NETLINK_NETFILTER, 0, 0, &nl)) < 0)
		return r;
	if (!(s = nftnl_set_alloc())) {
		nl_close(nl);
		return -ENOMEM;
	}
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE_NAME);
	nftnl_set_set_str(s, NFTNL_SET_NAME, NFT_QUOTA_DROP_SET);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP,
				    nl_seq_next(nl));
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	r = nl_dump(nl, nlh, elems_cb, drops_restart, &q);
	nl_close(nl);
	if (r >= 0 && q.err < 0)
		r = q.err;
	if (r == -ENOENT) /* no table or set: nothing dropped */
		r = 0;
	if (r < 0 || !q.n) {
		free(q.v);
		return r;
	}
	qsort(q.v, q.n, sizeof(*q.v), drop_cmp);
	*out = q.v;
	return (long)q.n;
}

uint64_t nft_quota_drop_find(const struct nft_quota_drop *v, size_t n, uint32_t tag,
			     const uint8_t mac[6])
{
	struct nft_quota_drop key = { .tag = tag };
	const struct nft_quota_drop *d;

	memcpy(key.mac, mac, 6);
	d = n ? bsearch(&key, v, n, sizeof(*v), drop_cmp) : NULL;
	return d ? d->packets : 0;
}
