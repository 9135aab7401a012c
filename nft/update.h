/* What changes between two rulesets, as indices into the two plans. Pure:
 * a reload that changes one network touches that network's chains,
 * counters and map elements, and nothing else (its counters keep counting,
 * the others' packets never see a half-built table). batch.c turns it into
 * one transaction (nft_batch_update()). */
#ifndef GW_NFT_UPDATE_H
#define GW_NFT_UPDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"

/* Elements of one map (same index in both plans) that go and that come.
 * An element whose chain changed is in both. */
struct nft_set_update {
	size_t n_del, n_add;
	size_t *del; /* into old->sets[i].elems */
	size_t *add; /* into new->sets[i].elems */
};

struct nft_update {
	/* The skeleton differs (base chains, maps): replace both tables. */
	bool replace;
	size_t n_add_chains, n_del_chains, n_refill;
	size_t *add_chains; /* into new->chains: create, then fill */
	size_t *del_chains; /* into old->chains: flush, then delete */
	size_t *refill;	    /* into new->chains: flush, then fill anew */
	size_t n_add_ctrs, n_del_ctrs;
	size_t *add_ctrs; /* into new->counters */
	size_t *del_ctrs; /* into old->counters */
	size_t n_sets;	  /* = new->n_sets unless replace */
	struct nft_set_update *sets;
	/* A chain the run-time map of bridge ports may jump to goes away:
	 * that map is rewritten in the same transaction. */
	bool ports_rewrite;
	/* ... and guest binding's map (bind_nets) with it: what it holds
	 * now (the caller's, not freed here), kept where the new plan still
	 * has the chains -- flushed, every guest port would be untrusted
	 * until the daemon refills it (a reload that removes one network
	 * cut every other network's guests off for a moment). */
	const struct nft_elem *bind_ports;
	size_t n_bind_ports;
	/* ... with each port's ifindex (parallel to bind_ports), and the
	 * bound guests' fast-path elements in force (bind4, bind6: the
	 * caller's): the fast path comes before the bind_nets dispatch, so
	 * a port that leaves the map loses its elements in the same
	 * transaction, not at the daemon's next binding sync (the sets are
	 * flushed and the kept ports' elements added again). */
	const uint32_t *bind_ifindex;
	const struct nft_elem *bind4, *bind6;
	size_t n_bind4, n_bind6;
	bool bind_fast; /* bind4, bind6 are known: else left alone */
};

/* old may have been compacted (below); new may not (-EINVAL). */
int nft_update_plan(const struct nft_plan *old, const struct nft_plan *new, struct nft_update *u);
/* The plan in force, kept to diff the next one against, without its
 * rules: with 1,000 networks they are ~75,000 rules and most of the
 * daemon's memory, and the kernel holds them. Keeps per chain a digest of
 * its rules, which is all nft_update_plan() needs of an old plan; chains,
 * counters and map elements stay. A compacted plan cannot be applied or
 * printed: build it again (gw_plan_nft_rebuild()). -ENOMEM: p unchanged. */
int nft_plan_compact(struct nft_plan *p);
/* The key of the chains' digests (SipHash): key NULL draws one with
 * getrandom (the first digest does, if nobody did); a test passes its
 * own. Digests made under one key compare only under the same key: set
 * it once per process, before the first compaction. 0, or -errno when
 * getrandom failed (a weaker key from the clock and addresses is used). */
int nft_digest_key(const uint64_t key[2]);
/* Its rules, also after nft_plan_compact(). */
size_t nft_plan_rule_count(const struct nft_plan *p);
void nft_update_release(struct nft_update *u);
/* Nothing to do. */
bool nft_update_empty(const struct nft_update *u);

#endif
