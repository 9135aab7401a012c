/* nf_tables read-back over a NETLINK_NETFILTER socket of its own, through
 * lib/nl.c: a GET for one object, or a dump that is read again whole when
 * the ruleset changed while it ran. */
#include "inspect.h"
#include "plan.h"
#include "lib/nl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <string.h>

/* The socket is opened at the first query and kept for the next ones.
 * Measured: closing a NETLINK_NETFILTER socket waits, in the kernel
 * (nft_rcv_nl_event), for the work that frees the last commit's objects,
 * an RCU grace period -- 5-10 ms of every start, whose first read-back
 * follows the first commit. A query left in doubt gets the socket
 * replaced by lib/nl.c (resync), so no stale reply reaches the next. */
static struct nl *query_nl;

/* One request and its replies through cb: a GET answered by one object
 * and an ack, or (restart not NULL) a dump. */
static int nft_query(uint16_t type, uint8_t family, bool dump,
		     void (*payload)(struct nlmsghdr *nlh, const void *arg), const void *arg,
		     nl_cb cb, void (*restart)(void *data), void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh;
	struct nl *nl;
	int r;

	if (!query_nl && (r = nl_open(NETLINK_NETFILTER, 0, 0, &query_nl)) < 0)
		return r;
	nl = query_nl;
	nlh = nftnl_nlmsg_build_hdr(buf, type, family, dump ? NLM_F_DUMP : NLM_F_ACK,
				    nl_seq_next(nl));
	if (payload)
		payload(nlh, arg);
	if (dump)
		r = nl_dump(nl, nlh, cb, restart, data);
	else
		r = nl_request(nl, nlh, nlh->nlmsg_len, cb, data, NULL);
	return r;
}

static void table_name_payload(struct nlmsghdr *nlh, const void *arg)
{
	struct nftnl_table *t = nftnl_table_alloc();

	(void)arg;
	if (!t)
		return;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, NFT_TABLE_NAME);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
}

static int seen_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(int *)data)++;
	return 0;
}

static void seen_restart(void *data)
{
	*(int *)data = 0;
}

int nft_table_exists(uint8_t family)
{
	int n = 0, r = nft_query(NFT_MSG_GETTABLE, family, false, table_name_payload, NULL, seen_cb,
				 NULL, &n);

	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : n > 0;
}

static void table_payload(struct nlmsghdr *nlh, const void *arg)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	(void)arg;
	if (!r)
		return;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, NFT_TABLE_NAME);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
}

int nft_rule_count(uint8_t family)
{
	int n = 0, r = nft_query(NFT_MSG_GETRULE, family, true, table_payload, NULL, seen_cb,
				 seen_restart, &n);

	return r < 0 ? r : n;
}

struct foreign_q {
	struct nft_foreign_chain *out;
	size_t max, n;
};

static int chain_cb(const struct nlmsghdr *nlh, void *data)
{
	static const char *const hooks[] = {
		[NF_INET_LOCAL_IN] = "input", [NF_INET_FORWARD] = "forward"
	};
	struct foreign_q *q = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	uint32_t family, hook;

	if (!c || nftnl_chain_nlmsg_parse(nlh, c) < 0 || q->n == q->max)
		goto out;
	family = nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
	if (!nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) ||
	    !nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY) ||
	    nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) != NF_DROP ||
	    (family != NFPROTO_IPV4 && family != NFPROTO_IPV6 && family != NFPROTO_INET) ||
	    !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), NFT_TABLE_NAME))
		goto out;
	hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
	if (hook != NF_INET_LOCAL_IN && hook != NF_INET_FORWARD)
		goto out;
	snprintf(q->out[q->n].family, sizeof(q->out[0].family), "%s",
		 nft_family_name((uint8_t)family));
	snprintf(q->out[q->n].table, sizeof(q->out[0].table), "%s",
		 nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE));
	snprintf(q->out[q->n].chain, sizeof(q->out[0].chain), "%s",
		 nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	snprintf(q->out[q->n].hook, sizeof(q->out[0].hook), "%s", hooks[hook]);
	q->n++;
out:
	nftnl_chain_free(c);
	return 0;
}

static void chain_restart(void *data)
{
	((struct foreign_q *)data)->n = 0;
}

int nft_foreign_drop_chains(struct nft_foreign_chain *out, size_t max)
{
	struct foreign_q q = { out, max, 0 };
	int r = nft_query(NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, true, NULL, NULL, chain_cb,
			  chain_restart, &q);

	return r < 0 ? r : (int)q.n;
}

struct elems_q {
	size_t klen;
	int (*cb)(const uint8_t *key, void *arg);
	void (*restart)(void *arg);
	void *arg;
	int err;
};

static void elems_restart(void *data)
{
	struct elems_q *q = data;

	if (q->restart)
		q->restart(q->arg);
}

static void set_payload(struct nlmsghdr *nlh, const void *arg)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE_NAME);
	nftnl_set_set_str(s, NFTNL_SET_NAME, arg);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
}

static int elem_cb(struct nftnl_set_elem *e, void *data)
{
	struct elems_q *q = data;
	uint32_t len = 0;
	const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);

	if (!key || len < q->klen)
		return 0;
	if ((q->err = q->cb(key, q->arg)) < 0)
		return -1;
	return 0;
}

static int elems_cb(const struct nlmsghdr *nlh, void *data)
{
	struct elems_q *q = data;
	struct nftnl_set *s = nftnl_set_alloc();
	int r = 0;

	if (!s)
		return -ENOMEM;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0 && nftnl_set_elem_foreach(s, elem_cb, q) < 0)
		r = q->err < 0 ? q->err : -EINVAL;
	nftnl_set_free(s);
	return r;
}

int nft_set_keys_read(uint8_t family, const char *set, size_t klen,
		      int (*cb)(const uint8_t *key, void *arg), void (*restart)(void *arg),
		      void *arg)
{
	struct elems_q q = { klen, cb, restart, arg, 0 };
	int r = nft_query(NFT_MSG_GETSETELEM, family, true, set_payload, set, elems_cb,
			  elems_restart, &q);

	return r == -ENOENT ? 0 : r;
}
