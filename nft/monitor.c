/* Listening to NFNLGRP_NFTABLES. Each notification carries the port id of
 * the socket whose transaction caused it, so our own replace batches are
 * told apart from someone's `nft flush ruleset`.
 *
 * Events lost to a full queue (ENOBUFS) may have been a deletion of ours,
 * so they mean "restore". The restore is itself a transaction whose
 * notifications reach this socket -- one per table, chain, set, rule and
 * element, thousands with many networks -- and if they overflowed the
 * queue again the daemon would restore forever. So a queue that
 * overflowed is doubled (up to 64 MiB): the loop ends once our own
 * restore fits. */
#include "monitor.h"
#include "plan.h"
#include "lib/nl.h"

#include <errno.h>
#include <libnftnl/chain.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MONITOR_RCVBUF	   (1 << 20)
#define MONITOR_RCVBUF_MAX (64 << 20)

int nft_monitor_open(void)
{
	/* Test hook (shared with the rtnetlink monitor): a tiny queue, so a
	 * test can make it overflow. */
	const char *test = getenv("GATEWAYD_TEST_MONITOR_RCVBUF");
	int size = test ? atoi(test) : MONITOR_RCVBUF;
	struct nl *nl;
	int r = nl_open(NETLINK_NETFILTER, 1u << (NFNLGRP_NFTABLES - 1), 0, &nl);

	if (r < 0)
		return r;
	if (size > 0)
		nl_set_rcvbuf(nl, size);
	return nl_release(nl);
}

/* Double the queue (see the top). */
static void grow_queue(int fd)
{
	int have = 0;
	socklen_t l = sizeof(have);

	/* getsockopt reports twice what was set: setting that doubles it */
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &have, &l) < 0 || have <= 0 ||
	    have > MONITOR_RCVBUF_MAX)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &have, sizeof(have)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &have, sizeof(have));
}

void nft_monitor_expect(int fd, size_t n_msgs)
{
	/* a notification carries what the message created: a rule with its
	 * expressions is well under 1 KiB */
	size_t want = n_msgs * 1024 + (256 << 10);
	int have = 0, set;
	socklen_t l = sizeof(have);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &have, &l) < 0 || have < 0)
		return;
	if (want > MONITOR_RCVBUF_MAX)
		want = MONITOR_RCVBUF_MAX;
	/* getsockopt reports twice what was set */
	if ((size_t)have / 2 >= want)
		return;
	set = (int)want;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &set, sizeof(set)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &set, sizeof(set));
}

/* Is a change notification about our table? Additions count as much as
 * deletions: a rule someone put into one of our chains is not the plan. */
static bool ours(const struct nlmsghdr *nlh, int type)
{
	const char *table = NULL;
	bool r = false;

#define TABLE_OF(kind, attr)                                                                       \
	do {                                                                                       \
		struct nftnl_##kind *o = nftnl_##kind##_alloc();                                   \
		if (o && nftnl_##kind##_nlmsg_parse(nlh, o) >= 0 &&                                \
		    (table = nftnl_##kind##_get_str(o, attr)))                                     \
			r = !strcmp(table, NFT_TABLE_NAME);                                        \
		nftnl_##kind##_free(o);                                                            \
	} while (0)

	switch (type) {
	case NFT_MSG_DELTABLE: TABLE_OF(table, NFTNL_TABLE_NAME); break;
	case NFT_MSG_NEWCHAIN:
	case NFT_MSG_DELCHAIN: TABLE_OF(chain, NFTNL_CHAIN_TABLE); break;
	case NFT_MSG_NEWRULE:
	case NFT_MSG_DELRULE: TABLE_OF(rule, NFTNL_RULE_TABLE); break;
	case NFT_MSG_NEWSET:
	case NFT_MSG_DELSET: TABLE_OF(set, NFTNL_SET_TABLE); break;
	case NFT_MSG_NEWOBJ:
	case NFT_MSG_DELOBJ: TABLE_OF(obj, NFTNL_OBJ_TABLE); break;
	case NFT_MSG_NEWSETELEM:
	case NFT_MSG_DELSETELEM: {
		/* an element put into or taken out of one of our maps */
		struct nftnl_set *s = nftnl_set_alloc();

		if (s && nftnl_set_elems_nlmsg_parse(nlh, s) >= 0 &&
		    (table = nftnl_set_get_str(s, NFTNL_SET_TABLE)))
			r = !strcmp(table, NFT_TABLE_NAME);
		nftnl_set_free(s);
		break;
	}
	}
#undef TABLE_OF
	return r;
}

struct drain {
	uint32_t own_portid;
	bool hit;
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct drain *d = data;

	if ((nlh->nlmsg_type >> 8) == NFNL_SUBSYS_NFTABLES && nlh->nlmsg_pid != d->own_portid)
		d->hit |= ours(nlh, nlh->nlmsg_type & 0xff);
	return 0;
}

int nft_monitor_drain(int fd, uint32_t own_portid)
{
	struct drain d = { own_portid, false };

	if (nl_monitor_drain_fd(fd, event_cb, &d) == NL_LOST) {
		/* A deletion may be among the events lost: assume the worst. */
		grow_queue(fd);
		return NFT_MON_LOST;
	}
	return d.hit ? NFT_MON_CHANGED : 0;
}
