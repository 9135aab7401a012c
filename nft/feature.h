/* What this kernel's nf_tables accepts, where the answer changes the plan:
 * asked once at start, in the daemon's own network namespace. */
#ifndef GW_NFT_FEATURE_H
#define GW_NFT_FEATURE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Does the kernel take bridge meta expressions (meta ibrname, Linux's
 * CONFIG_NFT_BRIDGE_META)? 1 yes, 0 no (EOPNOTSUPP), -errno when it could
 * not tell (no CAP_NET_ADMIN, no bridge family, ...): treat that as no.
 * Asks with one transaction that creates a scratch table and deletes it
 * again, so nothing is left behind either way. Test hook: the environment
 * variable GATEWAYD_TEST_NO_BRIDGE_META=1 makes it answer 0 unasked. */
int nft_bridge_meta_supported(void);

/* The same question asked beside the caller's own work: the kernel ends a
 * refused transaction with an RCU grace period (5-15 ms measured), which
 * the daemon's start spends on its dumps, bridges and sysctls instead.
 * nft_bridge_meta_probe_start() asks on a thread of its own (at once when
 * no thread can be had); nft_bridge_meta_probe_wait() waits for the answer,
 * nft_bridge_meta_supported()'s, and must be called once for every start. */
struct nft_probe {
	pthread_t thread; /* while the question is out (running) */
	int answer;
	bool running;
};
void nft_bridge_meta_probe_start(struct nft_probe *p);
int nft_bridge_meta_probe_wait(struct nft_probe *p);

/* The backstop's form for nft_plan_build()'s bridge_meta, as the start log
 * names it ("backstop mode: %s"): "bridge-meta" (the kernel alone ties every
 * port of a guest bridge to its network) or "port-set" (the ports the
 * daemon lists in map port_nets). */
const char *nft_backstop_mode(bool bridge_meta);

/* The question's transaction, built into buf of at least NFT_PROBE_BUFSIZE
 * bytes (pure; for the unit tests):
 * BEGIN, NEWTABLE bridge TABLE (exclusive: never someone else's), a chain,
 * a rule "meta ibrname ... accept", DELTABLE, END; messages numbered from
 * seq. Returns its length in bytes, or -errno. */
#define NFT_PROBE_BUFSIZE 8192
long nft_bridge_meta_probe_build(void *buf, size_t len, uint32_t seq, const char *table);
/* Sequence number of the probe's rule message: its ack or error answers. */
#define NFT_PROBE_RULE_SEQ(seq) ((seq) + 3)

#endif
