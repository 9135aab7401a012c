/* Plan -> nf_tables transactions (BEGIN ... END), built from the
 * messages of msg.c. Pure: the result is bytes that commit.c sends and the
 * unit tests parse back.
 *
 * Atomic replace: NEWTABLE first (a no-op when it exists) so that the
 * DELTABLE after it never fails with ENOENT, then the table is built anew.
 * The kernel applies the whole batch or none of it. Update: only what
 * nft_update_plan() found changed (update.c). */
#include "batch.h"
#include "binding.h"
#include "msg.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netlink.h>
#include <linux/netfilter/nf_tables.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Create-if-missing then delete each table: neither can fail with ENOENT. */
static int batch_drop_tables(struct nft_batch *b, uint32_t table_flags)
{
	int r = 0;

	for (int f = 0; f < NFT_FAMILIES && r >= 0; f++)
		if ((r = batch_table(b, NFT_MSG_NEWTABLE, nft_families[f], NLM_F_CREATE,
				     table_flags)) >= 0)
			r = batch_table(b, NFT_MSG_DELTABLE, nft_families[f], 0, table_flags);
	return r;
}

int nft_batch_replace(const struct nft_plan *plan, uint32_t seq, uint32_t table_flags,
		      struct nft_batch **out)
{
	struct nft_batch *b = batch_new(seq);
	int r;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	if ((r = batch_begin(b)) < 0 || (r = batch_drop_tables(b, table_flags)) < 0)
		goto fail;
	for (int f = 0; f < NFT_FAMILIES; f++)
		if ((r = batch_table(b, NFT_MSG_NEWTABLE, nft_families[f], NLM_F_CREATE,
				     table_flags)) < 0)
			goto fail;
	for (size_t i = 0; i < plan->n_counters; i++)
		if ((r = batch_counter(b, &plan->counters[i])) < 0)
			goto fail;
	for (size_t i = 0; i < plan->n_sets; i++)
		if ((r = batch_set(b, &plan->sets[i], (uint32_t)i + 1)) < 0)
			goto fail;
	for (size_t c = 0; c < plan->n_chains; c++)
		if (!plan->chains[c].absent && (r = batch_chain(b, &plan->chains[c])) < 0)
			goto fail;
	/* after the chains their elements jump to */
	for (size_t i = 0; i < plan->n_sets; i++) {
		const struct nft_set_plan *sp = &plan->sets[i];

		if (sp->vmap && (r = batch_map_elems(b, sp->family, sp->name, (uint32_t)i + 1,
						     sp->key, sp->elems, sp->n_elems)) < 0)
			goto fail;
		if (!sp->vmap &&
		    (r = batch_set_elems_msg(b, NFT_MSG_NEWSETELEM, sp, (uint32_t)i + 1, sp->elems,
					     sp->n_elems)) < 0)
			goto fail;
	}
	for (size_t i = 0; i < plan->n_rules; i++)
		if ((r = batch_rule(b, plan, &plan->rules[i])) < 0)
			goto fail;
	if ((r = batch_end(b)) < 0)
		goto fail;
	*out = b;
	return 0;
fail:
	nft_batch_free(b);
	return r;
}

int nft_batch_delete(uint32_t seq, uint32_t table_flags, struct nft_batch **out)
{
	struct nft_batch *b = batch_new(seq);
	int r;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	if ((r = batch_begin(b)) < 0 || (r = batch_drop_tables(b, table_flags)) < 0 ||
	    (r = batch_end(b)) < 0) {
		nft_batch_free(b);
		return r;
	}
	*out = b;
	return 0;
}

int nft_batch_port_elems(uint32_t seq, const struct nft_elem *elems, size_t n,
			 struct nft_batch **out)
{
	struct nft_batch *b = batch_new(seq);
	int r;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	/* Flushed, and the new elements follow in the same transaction, so
	 * no frame sees the map empty. */
	if ((r = batch_begin(b)) < 0 ||
	    (r = batch_flush_map(b, NFPROTO_BRIDGE, NFT_PORTS_MAP)) < 0 ||
	    (r = batch_map_elems(b, NFPROTO_BRIDGE, NFT_PORTS_MAP, 0, NK_IIFNAME, elems, n)) < 0 ||
	    (r = batch_end(b)) < 0) {
		nft_batch_free(b);
		return r;
	}
	*out = b;
	return 0;
}

int nft_batch_port_delta(uint32_t seq, const struct nft_elem *del, size_t n_del,
			 const struct nft_elem *add, size_t n_add, struct nft_batch **out)
{
	struct nft_batch *b;
	int r;

	*out = NULL;
	if (!n_del && !n_add)
		return 0;
	if (!(b = batch_new(seq)))
		return -ENOMEM;
	/* deletes first: a port that moves is deleted and added again in
	 * the same transaction, never in the map twice or missing */
	if ((r = batch_begin(b)) < 0 ||
	    (n_del && (r = batch_map_elems_msg(b, NFT_MSG_DELSETELEM, NFPROTO_BRIDGE, NFT_PORTS_MAP,
					       0, NK_IIFNAME, del, n_del)) < 0) ||
	    (n_add && (r = batch_map_elems(b, NFPROTO_BRIDGE, NFT_PORTS_MAP, 0, NK_IIFNAME, add,
					   n_add)) < 0) ||
	    (r = batch_end(b)) < 0) {
		nft_batch_free(b);
		return r;
	}
	*out = b;
	return 0;
}

/* Elements of map sp picked by idx, for one message. */
static int batch_picked_elems(struct nft_batch *b, uint16_t type, const struct nft_set_plan *sp,
			      const size_t *idx, size_t n)
{
	struct nft_elem *e = calloc(n ? n : 1, sizeof(*e));
	int r;

	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		e[i] = sp->elems[idx[i]];
	if (sp->vmap)
		r = batch_map_elems_msg(b, type, sp->family, sp->name, 0, sp->key, e, n);
	else
		r = batch_set_elems_msg(b, type, sp, 0, e, n);
	free(e);
	return r;
}

static bool plan_has_chain(const struct nft_plan *p, uint8_t family, const char *name)
{
	for (size_t i = 0; i < p->n_chains; i++)
		if (p->chains[i].family == family && !strcmp(p->chains[i].name, name))
			return true;
	return false;
}

/* The run-time map of bridge ports, rewritten: the given ports whose
 * chains the new plan still has. */
static size_t kept_elems(const struct nft_plan *new, const struct nft_elem *v, size_t n,
			 struct nft_elem *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (plan_has_chain(new, NFPROTO_BRIDGE, v[i].chain))
			out[k++] = v[i];
	return k;
}

static int batch_ports_rewrite(struct nft_batch *b, const struct nft_plan *new,
			       const struct nft_elem *ports, size_t n_ports,
			       const struct nft_update *u)
{
	size_t n = n_ports > u->n_bind_ports ? n_ports : u->n_bind_ports;
	struct nft_elem *e = calloc(n ? n : 1, sizeof(*e));
	size_t k;
	int r;

	if (!e)
		return -ENOMEM;
	k = kept_elems(new, ports, n_ports, e);
	r = batch_flush_map(b, NFPROTO_BRIDGE, NFT_PORTS_MAP);
	if (r >= 0)
		r = batch_map_elems(b, NFPROTO_BRIDGE, NFT_PORTS_MAP, 0, NK_IIFNAME, e, k);
	/* binding's map too (its elements may jump to a chain that goes),
	 * its ports of the networks that stay kept: the daemon refills it
	 * right after, but a guest port missing from it meanwhile is
	 * untrusted (nft/untrusted.c) */
	k = kept_elems(new, u->bind_ports, u->n_bind_ports, e);
	if (r >= 0)
		r = batch_flush_map(b, NFPROTO_BRIDGE, "bind_nets");
	if (r >= 0 && k)
		r = batch_map_elems(b, NFPROTO_BRIDGE, "bind_nets", 0, NK_IIFNAME, e, k);
	free(e);
	/* ... and the fast paths of the ports it no longer holds, gone with
	 * them (only if the daemon said what is in force) */
	uint32_t *keep = calloc(u->n_bind_ports + 1, sizeof(*keep));

	if (r >= 0 && !keep)
		r = -ENOMEM;
	k = 0;
	for (size_t i = 0; r >= 0 && u->bind_fast && u->bind_ifindex && i < u->n_bind_ports; i++)
		if (plan_has_chain(new, NFPROTO_BRIDGE, u->bind_ports[i].chain))
			keep[k++] = u->bind_ifindex[i];
	if (r >= 0 && u->bind_fast)
		r = nft_batch_bind_fast_keep(b, keep, k, u->bind4, u->n_bind4, u->bind6,
					     u->n_bind6);
	free(keep);
	return r;
}

static int batch_chain_rules(struct nft_batch *b, const struct nft_plan *p, size_t chain)
{
	int r = 0;

	for (size_t i = 0; i < p->n_rules && r >= 0; i++)
		if (p->rules[i].chain == chain)
			r = batch_rule(b, p, &p->rules[i]);
	return r;
}

int nft_batch_update(const struct nft_plan *old, const struct nft_plan *new,
		     const struct nft_update *u, const struct nft_elem *ports, size_t n_ports,
		     uint32_t seq, struct nft_batch **out)
{
	struct nft_batch *b = batch_new(seq);
	int r;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	if (u->replace) {
		r = -EINVAL;
		goto fail;
	}
	/* What is new first, then the elements (the chains they jump to
	 * exist), then the rules; what goes last, once nothing refers to it. */
	if ((r = batch_begin(b)) < 0)
		goto fail;
	for (size_t i = 0; i < u->n_add_ctrs; i++)
		if ((r = batch_counter(b, &new->counters[u->add_ctrs[i]])) < 0)
			goto fail;
	for (size_t i = 0; i < u->n_add_chains; i++)
		if ((r = batch_chain(b, &new->chains[u->add_chains[i]])) < 0)
			goto fail;
	for (size_t i = 0; i < u->n_sets; i++) {
		const struct nft_set_update *su = &u->sets[i];

		if ((r = batch_picked_elems(b, NFT_MSG_DELSETELEM, &old->sets[i], su->del,
					    su->n_del)) < 0 ||
		    (r = batch_picked_elems(b, NFT_MSG_NEWSETELEM, &new->sets[i], su->add,
					    su->n_add)) < 0)
			goto fail;
	}
	if (u->ports_rewrite && (r = batch_ports_rewrite(b, new, ports, n_ports, u)) < 0)
		goto fail;
	for (size_t i = 0; i < u->n_refill; i++)
		if ((r = batch_chain_flush(b, &new->chains[u->refill[i]])) < 0 ||
		    (r = batch_chain_rules(b, new, u->refill[i])) < 0)
			goto fail;
	for (size_t i = 0; i < u->n_add_chains; i++)
		if ((r = batch_chain_rules(b, new, u->add_chains[i])) < 0)
			goto fail;
	/* All flushed before any is deleted: their jumps to each other go
	 * first. */
	for (size_t i = 0; i < u->n_del_chains; i++)
		if ((r = batch_chain_flush(b, &old->chains[u->del_chains[i]])) < 0)
			goto fail;
	for (size_t i = 0; i < u->n_del_chains; i++)
		if ((r = batch_chain_remove(b, &old->chains[u->del_chains[i]])) < 0)
			goto fail;
	for (size_t i = 0; i < u->n_del_ctrs; i++)
		if ((r = batch_counter_del(b, &old->counters[u->del_ctrs[i]])) < 0)
			goto fail;
	if ((r = batch_end(b)) < 0)
		goto fail;
	*out = b;
	return 0;
fail:
	nft_batch_free(b);
	return r;
}
