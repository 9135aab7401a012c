/* Listening to NFNLGRP_NFTABLES. Each notification carries the port id of
 * the socket whose transaction caused it, so our own replace batches are
 * told apart from someone's `nft flush ruleset`. */
#include "monitor.h"
#include "plan.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int nft_monitor_open(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	int fd;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 1u << (NFNLGRP_NFTABLES - 1), MNL_SOCKET_AUTOPID) < 0) {
		int r = -errno;
		mnl_socket_close(nl);
		return r;
	}
	fd = dup(mnl_socket_get_fd(nl));
	mnl_socket_close(nl);
	return fd < 0 ? -errno : fd;
}

/* The table a deletion notification is about. */
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
	case NFT_MSG_DELCHAIN: TABLE_OF(chain, NFTNL_CHAIN_TABLE); break;
	case NFT_MSG_DELRULE: TABLE_OF(rule, NFTNL_RULE_TABLE); break;
	case NFT_MSG_DELSET: TABLE_OF(set, NFTNL_SET_TABLE); break;
	case NFT_MSG_DELOBJ: TABLE_OF(obj, NFTNL_OBJ_TABLE); break;
	}
#undef TABLE_OF
	return r;
}

bool nft_monitor_drain(int fd, uint32_t own_portid)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	bool hit = false;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) != 0) {
		const struct nlmsghdr *nlh;
		int left;

		if (n < 0) {
			if (errno == ENOBUFS) { /* lost some: assume the worst */
				hit = true;
				continue;
			}
			break;
		}
		left = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES ||
			    nlh->nlmsg_pid == own_portid)
				continue;
			hit |= ours(nlh, nlh->nlmsg_type & 0xff);
		}
	}
	return hit;
}
