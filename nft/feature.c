/* Feature probes: ask the kernel whether it takes an expression by handing
 * it one, in a transaction that creates a scratch table and deletes it
 * again. nf_tables applies a transaction whole or refuses it whole, so
 * either way nothing is left behind, and a refusal says why: EOPNOTSUPP
 * for an expression this kernel was built without. The scratch table is
 * the probe's own, created exclusively, never one of gatewayd's: those
 * carry the guests' NAT.
 *
 * bridge meta (meta ibrname / obrname): Linux's CONFIG_NFT_BRIDGE_META,
 * a module in Debian's stock kernels, missing on some others. Measured on
 * a kernel without it: the generic meta expression takes the key and
 * refuses the rule with EOPNOTSUPP; the table and chain messages before it
 * are acked, and the whole transaction is dropped. Read in nf_tables, not
 * measured here: where it is a module not yet loaded, the kernel loads it
 * and replays the batch by itself, within the one sendmsg().
 *
 * A one-off socket of lib/nl.c, like inspect.c's: the batch builders
 * (batch.h) know only gatewayd's tables, and nft_commit() sends only what
 * they build. */
#include "feature.h"
#include "expr.h"
#include "lib/nl.h"
#include "plan.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROBE_CHAIN "probe"

const char *nft_backstop_mode(bool bridge_meta)
{
	return bridge_meta ? "bridge-meta" : "port-set";
}

static int probe_table(struct mnl_nlmsg_batch *batch, uint16_t type, uint16_t flags, uint32_t seq,
		       const char *table)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (!t)
		return -ENOMEM;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_BRIDGE);
	nftnl_table_nlmsg_build_payload(nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(batch), type,
							      NFPROTO_BRIDGE, flags | NLM_F_ACK,
							      seq),
					t);
	nftnl_table_free(t);
	return 0;
}

static int probe_chain(struct mnl_nlmsg_batch *batch, uint32_t seq, const char *table)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (!c)
		return -ENOMEM;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, PROBE_CHAIN);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_BRIDGE);
	nftnl_chain_nlmsg_build_payload(nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(batch),
							      NFT_MSG_NEWCHAIN, NFPROTO_BRIDGE,
							      NLM_F_CREATE | NLM_F_ACK, seq),
					c);
	nftnl_chain_free(c);
	return 0;
}

/* meta ibrname "gw0" accept: the expression the bridge-meta form's dispatch
 * loads (plan.c), built by the same code as the plan's rules. A regular
 * chain is enough: the kernel decides at the rule whether it knows the
 * key; a bridge meta load is allowed on every hook. */
static int probe_rule(struct mnl_nlmsg_batch *batch, uint32_t seq, const char *table)
{
	static const struct nft_plan none;
	struct nft_match m[1] = { 0 };
	struct nft_rule_plan rp = { .n_matches = 1, .m = m, .verdict = NV_ACCEPT };
	struct nftnl_rule *r = nftnl_rule_alloc();
	int e;

	if (!r)
		return -ENOMEM;
	rp.m[0].kind = NM_IBRNAME;
	snprintf(rp.m[0].u.ifname, IFNAMSIZ, "gw0");
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, PROBE_CHAIN);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_BRIDGE);
	if ((e = nft_expr_rule(r, &none, &rp)) >= 0)
		nftnl_rule_nlmsg_build_payload(
			nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(batch), NFT_MSG_NEWRULE,
					      NFPROTO_BRIDGE,
					      NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, seq),
			r);
	nftnl_rule_free(r);
	return e;
}

/* The message just built joins the batch. */
static int probe_next(struct mnl_nlmsg_batch *batch)
{
	return mnl_nlmsg_batch_next(batch) ? 0 : -E2BIG;
}

long nft_bridge_meta_probe_build(void *buf, size_t len, uint32_t seq, const char *table)
{
	struct mnl_nlmsg_batch *batch;
	int r;

	/* libmnl's batch wants twice its limit: room for one message more. */
	if (len < NFT_PROBE_BUFSIZE || strlen(table) >= NFT_NAME_MAX)
		return -EINVAL;
	if (!(batch = mnl_nlmsg_batch_start(buf, NFT_PROBE_BUFSIZE / 2)))
		return -ENOMEM;
	nftnl_batch_begin(mnl_nlmsg_batch_current(batch), seq);
	if ((r = probe_next(batch)) < 0 ||
	    (r = probe_table(batch, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, seq + 1, table)) <
		    0 ||
	    (r = probe_next(batch)) < 0 || (r = probe_chain(batch, seq + 2, table)) < 0 ||
	    (r = probe_next(batch)) < 0 ||
	    (r = probe_rule(batch, NFT_PROBE_RULE_SEQ(seq), table)) < 0 ||
	    (r = probe_next(batch)) < 0 ||
	    (r = probe_table(batch, NFT_MSG_DELTABLE, 0, seq + 4, table)) < 0 ||
	    (r = probe_next(batch)) < 0)
		goto out;
	nftnl_batch_end(mnl_nlmsg_batch_current(batch), seq + 5);
	if ((r = probe_next(batch)) >= 0)
		r = (int)mnl_nlmsg_batch_size(batch);
out:
	mnl_nlmsg_batch_stop(batch);
	return r;
}

int nft_bridge_meta_supported(void)
{
	const char *no = getenv("GATEWAYD_TEST_NO_BRIDGE_META");
	char table[NFT_NAME_MAX], msgs[NFT_PROBE_BUFSIZE];
	struct nl_err e = { 0 };
	struct timespec ts;
	struct nl *nl;
	uint32_t seq;
	long len;
	int r;

	/* Test hook: behave as on a kernel without bridge meta expressions. */
	if (no && *no && strcmp(no, "0"))
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	/* Unique enough: the table is exclusive (NLM_F_EXCL), so a clash
	 * fails with EEXIST rather than touch another's table. */
	snprintf(table, sizeof(table), "gatewayd_probe_%ld_%lx", (long)getpid(),
		 (unsigned long)ts.tv_nsec);
	if ((r = nl_open(NETLINK_NETFILTER, 0, 0, &nl)) < 0)
		return r;
	seq = nl_seq_next(nl);
	if ((len = nft_bridge_meta_probe_build(msgs, sizeof(msgs), seq, table)) < 0)
		r = (int)len;
	else
		r = nl_request(nl, msgs, (size_t)len, NULL, NULL, &e);
	nl_close(nl);
	/* The rule refused as such: this kernel has no bridge meta. */
	if (r == -EOPNOTSUPP && e.seq == NFT_PROBE_RULE_SEQ(seq))
		return 0;
	return r < 0 ? r : 1;
}

static void *probe_thread(void *arg)
{
	struct nft_probe *p = arg;

	p->answer = nft_bridge_meta_supported();
	return NULL;
}

void nft_bridge_meta_probe_start(struct nft_probe *p)
{
	sigset_t all, old;

	p->answer = 0;
	/* the thread takes no signal: the daemon's are read from its
	 * signalfd, by the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	p->running = pthread_create(&p->thread, NULL, probe_thread, p) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!p->running)
		p->answer = nft_bridge_meta_supported();
}

int nft_bridge_meta_probe_wait(struct nft_probe *p)
{
	if (p->running)
		pthread_join(p->thread, NULL);
	p->running = false;
	return p->answer;
}
