/* Commit over NETLINK_NETFILTER, through lib/nl.c.
 *
 * Every message of a batch but its begin and end asks for an ack
 * (NLM_F_ACK); the transport sizes the socket's buffers for the batch and
 * its acks, waits for each ack, and on an error reads the rest of the
 * batch's replies and says which message (by sequence number) failed,
 * which the batch maps back to the object it was creating. */
#include "commit.h"
#include "batch.h"
#include "lib/nl.h"

#include <errno.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	struct nl *nl;
	uint32_t table_flags;
};

int nft_conn_open(struct nft_conn **out)
{
	struct nft_conn *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->table_flags = NFT_TABLE_F_OWNER | NFT_TABLE_F_PERSIST;
	/* Test hook: behave as on a kernel without NFT_TABLE_F_PERSIST. */
	if (getenv("GATEWAYD_TEST_NO_PERSIST"))
		c->table_flags = 0;
	/* NL_F_KEEP: the socket owns the tables; a fresh one would not. */
	if ((r = nl_open(NETLINK_NETFILTER, 0, NL_F_KEEP, &c->nl)) < 0) {
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
	nl_close(c->nl);
	free(c);
}

/* The first sequence number of the next batch: past the last one's, so a
 * late reply to it can never be taken for this one's. */
static uint32_t seq_base(const struct nft_conn *conn)
{
	return conn ? nl_seq_next(conn->nl) : (uint32_t)time(NULL) << 8;
}

uint32_t nft_conn_next_seq(const struct nft_conn *conn)
{
	return seq_base(conn);
}

int nft_commit(struct nft_conn *conn, const struct nft_batch *b, char *err, size_t errlen)
{
	struct nl *nl = conn ? conn->nl : NULL;
	struct nl_err e = { 0 };
	const void *data;
	size_t len;
	int r;

	if (!nl && (r = nl_open(NETLINK_NETFILTER, 0, 0, &nl)) < 0) {
		snprintf(err, errlen, "nft: cannot open netfilter netlink socket: %s",
			 strerror(-r));
		return r;
	}
	/* Test hook, for the tests alone (tests/integ/t_reload_refused.sh):
	 * a batch with a message about GATEWAYD_TEST_NFT_REFUSE (a network's
	 * name, say) is refused whole, as the kernel refuses a batch (with
	 * EPERM: a table another socket owns), and nothing is sent. */
	const char *refuse = getenv("GATEWAYD_TEST_NFT_REFUSE"), *what;

	if (refuse && *refuse && (what = nft_batch_find(b, refuse))) {
		snprintf(err, errlen, "nft: %s: %s (GATEWAYD_TEST_NFT_REFUSE)", what,
			 strerror(EPERM));
		r = -EPERM;
		goto out;
	}
	data = nft_batch_data(b, &len);
	r = nl_request(nl, data, len, NULL, NULL, &e);
	if (r < 0 && e.seq)
		snprintf(err, errlen, "nft: %s: %s%s%s%s", nft_batch_describe(b, e.seq),
			 strerror(-r), e.msg[0] ? " (" : "", e.msg, e.msg[0] ? ")" : "");
	else if (r < 0)
		snprintf(err, errlen, "nft: committing a batch of %zu messages: %s",
			 nft_batch_count(b), strerror(-r));
out:
	if (!conn)
		nl_close(nl);
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
	int r = nft_batch_replace(plan, seq_base(conn), table_flags(conn), &b);

	r = commit_built(conn, r, b, err, errlen);
	if (r == -EOPNOTSUPP && conn && (conn->table_flags & NFT_TABLE_F_PERSIST)) {
		/* No persist: an owned table would die with the daemon and take
		 * the guests' NAT bindings along. Unowned tables outlive a
		 * crash; the daemon watches for others removing them. */
		conn->table_flags = 0;
		r = nft_batch_replace(plan, seq_base(conn), table_flags(conn), &b);
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
	return conn ? nl_portid(conn->nl) : 0;
}

int nft_remove_table(struct nft_conn *conn, char *err, size_t errlen)
{
	struct nft_batch *b = NULL;
	int r = nft_batch_delete(seq_base(conn), table_flags(conn), &b);

	return commit_built(conn, r, b, err, errlen);
}

int nft_set_ports(struct nft_conn *conn, const struct nft_elem *elems, size_t n, char *err,
		  size_t errlen)
{
	struct nft_batch *b = NULL;
	int r = nft_batch_port_elems(seq_base(conn), elems, n, &b);

	return commit_built(conn, r, b, err, errlen);
}

int nft_ports_delta(struct nft_conn *conn, const struct nft_elem *del, size_t n_del,
		    const struct nft_elem *add, size_t n_add, char *err, size_t errlen)
{
	struct nft_batch *b = NULL;
	int r = nft_batch_port_delta(seq_base(conn), del, n_del, add, n_add, &b);

	if (r >= 0 && !b)
		return 0; /* nothing to send */
	return commit_built(conn, r, b, err, errlen);
}
