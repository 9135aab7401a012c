/* Commit over NETLINK_NETFILTER.
 *
 * The socket is non-blocking with NETLINK_EXT_ACK and NETLINK_CAP_ACK on:
 * the kernel processes the whole batch inside sendmsg(), so by the time it
 * returns every reply is queued; we read until EAGAIN. Each error carries
 * the sequence number of the message that failed, which the batch maps
 * back to the object it was creating. */
#include "commit.h"
#include "batch.h"

#include <errno.h>
#include <limits.h>
#include <libmnl/libmnl.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct mnl_socket *nfnl_open(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	int one = 1;

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	return nl;
}

/* The daemon's one netfilter socket. Tables are created with the owner
 * flag (NFT_TABLE_F_OWNER, Linux >= 5.12): only this socket may change
 * them; `nft flush ruleset` skips them and `nft delete table` from anyone
 * else fails. So the socket lives as long as the daemon, and every later
 * change goes through it.
 *
 * Measured here: without more, the kernel deletes an owned table when its
 * socket closes -- also when gatewayd is killed -- and deleting the last
 * NAT chain makes the kernel drop the NAT bindings of every conntrack
 * entry: each guest's NATed TCP connection dies with the daemon. So the
 * tables also get NFT_TABLE_F_PERSIST (Linux >= 6.9): they outlive the
 * socket as orphans, traffic flows on, and the restarted daemon takes
 * them over in its first batch. Older kernels (Debian 12's 6.1) refuse
 * the flag with EOPNOTSUPP; there the tables are created without any flag,
 * so they too outlive a crash, and the daemon repairs them from nf_tables
 * notifications when someone else removes them (nft/monitor.c). */
struct nft_conn {
	struct mnl_socket *nl;
	uint32_t table_flags;
};

int nft_conn_open(struct nft_conn **out)
{
	struct nft_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->table_flags = NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST;
	/* Test hook: behave as on a kernel without NFT_TABLE_F_PERSIST. */
	if (getenv("GATEWAYD_TEST_NO_PERSIST"))
		c->table_flags = 0;
	c->nl = nfnl_open();
	if (!c->nl) {
		int r = -errno;
		free(c);
		return r;
	}
	*out = c;
	return 0;
}

void nft_conn_close(struct nft_conn *c)
{
	if (!c)
		return;
	mnl_socket_close(c->nl);
	free(c);
}

/* What the receive buffer is charged per ack, with room to spare. */
#define ACK_TRUESIZE 1024u

/* Grow a socket buffer to at least want bytes (never shrink it). */
static int sock_room(int fd, int opt, int force_opt, size_t want)
{
	int have = 0, size;
	socklen_t l = sizeof(have);

	if (want > INT_MAX / 2)
		return -E2BIG;
	/* the kernel reports twice what was set (its bookkeeping overhead) */
	if (getsockopt(fd, SOL_SOCKET, opt, &have, &l) == 0 && (size_t)have / 2 >= want)
		return 0;
	size = (int)want;
	if (setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof(size)) == 0 ||
	    setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size)) == 0)
		return 0;
	return -errno;
}

static uint32_t seq_base(void)
{
	return (uint32_t)time(NULL) << 8;
}

int nft_commit(struct nft_conn *conn, const struct nft_batch *b, char *err, size_t errlen)
{
	struct mnl_socket *nl = conn ? conn->nl : nfnl_open();
	char buf[MNL_SOCKET_BUFFER_SIZE * 4];
	const void *data;
	size_t len;
	int r = 0;

	if (!nl) {
		r = -errno;
		snprintf(err, errlen, "nft: cannot open netfilter netlink socket: %s",
			 strerror(errno));
		return r;
	}
	data = nft_batch_data(b, &len);
	/* A batch goes in one sendmsg(): make room for it, and for its acks,
	 * which are all queued before sendmsg() returns. NETLINK_CAP_ACK keeps
	 * each ack small, but the receive buffer is charged each one's whole
	 * socket buffer (about 700 bytes here): the default 208 KiB held the
	 * acks of about 26 networks, and the 27th made it ENOBUFS. */
	if ((r = sock_room(mnl_socket_get_fd(nl), SO_SNDBUF, SO_SNDBUFFORCE, len + 64 * 1024)) <
		    0 ||
	    (r = sock_room(mnl_socket_get_fd(nl), SO_RCVBUF, SO_RCVBUFFORCE,
			   nft_batch_count(b) * ACK_TRUESIZE + 64 * 1024)) < 0) {
		snprintf(err, errlen, "nft: making room for a batch of %zu messages: %s",
			 nft_batch_count(b), strerror(-r));
		goto out;
	}
	if (mnl_socket_sendto(nl, data, len) < 0) {
		r = -errno;
		snprintf(err, errlen, "nft: sending batch: %s", strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *nlh;
		int left;

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && r == 0) {
				r = -errno;
				snprintf(err, errlen, "nft: reading acks: %s", strerror(errno));
			}
			break;
		}
		left = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *e;

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error && r == 0) {
				r = e->error;
				snprintf(err, errlen, "nft: %s: %s",
					 nft_batch_describe(b, nlh->nlmsg_seq),
					 strerror(-e->error));
			}
		}
	}
out:
	if (!conn)
		mnl_socket_close(nl);
	return r;
}

/* Commit a batch just built (r = what the builder returned), then free it. */
static int commit_built(struct nft_conn *conn, int r, struct nft_batch *b, char *err, size_t errlen)
{
	if (r < 0) {
		snprintf(err, errlen, "nft: building batch: %s", strerror(-r));
		return r;
	}
	r = nft_commit(conn, b, err, errlen);
	nft_batch_free(b);
	return r;
}

static uint32_t table_flags(const struct nft_conn *conn)
{
	return conn ? conn->table_flags : 0;
}

int nft_apply_plan(struct nft_conn *conn, const struct nft_plan *plan, char *err, size_t errlen)
{
	struct nft_batch *b = NULL;
	int r = nft_batch_replace(plan, seq_base(), table_flags(conn), &b);

	r = commit_built(conn, r, b, err, errlen);
	if (r == -EOPNOTSUPP && conn && (conn->table_flags & NFT_TABLE_F_PERSIST)) {
		/* No persist: an owned table would die with the daemon and take
		 * the guests' NAT bindings along. Unowned tables outlive a
		 * crash; the daemon watches for others removing them. */
		conn->table_flags = 0;
		r = nft_batch_replace(plan, seq_base(), table_flags(conn), &b);
		r = commit_built(conn, r, b, err, errlen);
	}
	return r;
}

bool nft_conn_owned(const struct nft_conn *conn)
{
	return conn && (conn->table_flags & NFT_TABLE_F_OWNER);
}

uint32_t nft_conn_portid(const struct nft_conn *conn)
{
	return conn ? mnl_socket_get_portid(conn->nl) : 0;
}

int nft_remove_table(struct nft_conn *conn, char *err, size_t errlen)
{
	struct nft_batch *b = NULL;
	int r = nft_batch_delete(seq_base(), table_flags(conn), &b);

	return commit_built(conn, r, b, err, errlen);
}

int nft_set_ports(struct nft_conn *conn, const struct nft_elem *elems, size_t n, char *err,
		  size_t errlen)
{
	struct nft_batch *b = NULL;
	int r = nft_batch_port_elems(seq_base(), elems, n, &b);

	return commit_built(conn, r, b, err, errlen);
}
