/* The difference between two rulesets, by name. Chains and counters are
 * matched by family and name, rules compared in order, map elements by
 * key. The skeleton (the maps, the base chains' hooks) is the same in
 * every plan gatewayd makes; should it ever differ, the answer is
 * "replace". An inet base chain that is absent in one plan (nft/plan.h)
 * is added or deleted like any chain. */
#include "update.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

struct named {
	uint8_t family;
	const char *name;
	size_t idx;
};

static int named_cmp(const void *a, const void *b)
{
	const struct named *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The chains the plan creates (not the absent base chains), sorted; *n
 * of them. */
static struct named *chains_sorted(const struct nft_plan *p, size_t *n)
{
	struct named *v = calloc(p->n_chains ? p->n_chains : 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; v && i < p->n_chains; i++)
		if (!p->chains[i].absent)
			v[(*n)++] = (struct named){ p->chains[i].family, p->chains[i].name, i };
	if (v)
		qsort(v, *n, sizeof(*v), named_cmp);
	return v;
}

static struct named *counters_sorted(const struct nft_plan *p)
{
	struct named *v = calloc(p->n_counters ? p->n_counters : 1, sizeof(*v));

	for (size_t i = 0; v && i < p->n_counters; i++)
		v[i] = (struct named){ p->counters[i].family, p->counters[i].name, i };
	if (v)
		qsort(v, p->n_counters, sizeof(*v), named_cmp);
	return v;
}

/* Rules grouped by chain, in order: rules of chain c are
 * by[first[c] .. first[c + 1]). */
struct rules_by_chain {
	size_t *first, *by;
};

static int group_rules(const struct nft_plan *p, struct rules_by_chain *g)
{
	size_t *fill;

	g->first = calloc(p->n_chains + 1, sizeof(size_t));
	g->by = calloc(p->n_rules ? p->n_rules : 1, sizeof(size_t));
	fill = calloc(p->n_chains + 1, sizeof(size_t));
	if (!g->first || !g->by || !fill) {
		free(fill);
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n_rules; i++)
		g->first[p->rules[i].chain + 1]++;
	for (size_t c = 0; c < p->n_chains; c++)
		g->first[c + 1] += g->first[c];
	memcpy(fill, g->first, (p->n_chains + 1) * sizeof(size_t));
	for (size_t i = 0; i < p->n_rules; i++)
		g->by[fill[p->rules[i].chain]++] = i;
	free(fill);
	return 0;
}

static void group_release(struct rules_by_chain *g)
{
	free(g->first);
	free(g->by);
}

static bool snat_equal(const struct nft_snat *a, const struct nft_snat *b)
{
	return a->family == b->family && a->port_min == b->port_min && a->port_max == b->port_max &&
	       !memcmp(&a->addr, &b->addr,
		       a->family == NFPROTO_IPV6 ? sizeof(a->addr.a6) : sizeof(a->addr.a4));
}

/* Rules are built from zeroed memory (plan.c), so unused bytes compare. */
static bool rule_equal(const struct nft_rule_plan *a, const struct nft_rule_plan *b)
{
	return a->n_matches == b->n_matches && a->verdict == b->verdict &&
	       a->vmap_key == b->vmap_key && !strcmp(a->counter, b->counter) &&
	       !strcmp(a->target, b->target) &&
	       (a->verdict != NV_SNAT || snat_equal(&a->snat, &b->snat)) &&
	       (!a->n_matches || !memcmp(a->m, b->m, a->n_matches * sizeof(a->m[0])));
}

/* A chain's rules digested into 128 bits, from what rule_equal()
 * compares: chains with equal digests hold equal rules. The digest is
 * SipHash-2-4 with its 128-bit output, keyed per process (getrandom): an
 * unkeyed (or merely seeded multiply-rotate) hash is public, so a config
 * could be crafted whose changed chain collides with the old one, and a
 * reload would keep the old rules in force. With a secret key a
 * collision is as hard as guessing the key. */
struct digest {
	uint64_t v0, v1, v2, v3, n;
};

static uint64_t rotl64(uint64_t x, unsigned k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t dg_key[2];
static bool dg_keyed;

int nft_digest_key(const uint64_t key[2])
{
	uint64_t k[2];

	if (key) {
		memcpy(k, key, sizeof(k));
	} else if (getrandom(k, sizeof(k), 0) != sizeof(k)) {
		/* no getrandom: still keyed, by what an outsider cannot read
		 * back afterwards */
		int e = errno;
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		k[0] = (uint64_t)ts.tv_nsec << 32 ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)k;
		k[1] = (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)&dg_key;
		memcpy(dg_key, k, sizeof(k));
		dg_keyed = true;
		return -e;
	}
	memcpy(dg_key, k, sizeof(k));
	dg_keyed = true;
	return 0;
}

static void sip_round(struct digest *d)
{
	d->v0 += d->v1;
	d->v1 = rotl64(d->v1, 13) ^ d->v0;
	d->v0 = rotl64(d->v0, 32);
	d->v2 += d->v3;
	d->v3 = rotl64(d->v3, 16) ^ d->v2;
	d->v0 += d->v3;
	d->v3 = rotl64(d->v3, 21) ^ d->v0;
	d->v2 += d->v1;
	d->v1 = rotl64(d->v1, 17) ^ d->v2;
	d->v2 = rotl64(d->v2, 32);
}

static void dg_init(struct digest *d)
{
	if (!dg_keyed)
		nft_digest_key(NULL);
	d->v0 = dg_key[0] ^ 0x736f6d6570736575ull;
	d->v1 = dg_key[1] ^ 0x646f72616e646f6dull ^ 0xee; /* 0xee: 128-bit output */
	d->v2 = dg_key[0] ^ 0x6c7967656e657261ull;
	d->v3 = dg_key[1] ^ 0x7465646279746573ull;
	d->n = 0;
}

static void dg_word(struct digest *d, uint64_t w)
{
	d->v3 ^= w;
	sip_round(d);
	sip_round(d);
	d->v0 ^= w;
	d->n++;
}

/* Length first: the words of two fields cannot be regrouped. */
static void dg_bytes(struct digest *d, const void *p, size_t len)
{
	const unsigned char *c = p;
	uint64_t w;

	dg_word(d, len);
	for (; len >= 8; c += 8, len -= 8) {
		memcpy(&w, c, 8);
		dg_word(d, w);
	}
	if (len) {
		w = 0;
		memcpy(&w, c, len);
		dg_word(d, w);
	}
}

/* SipHash's finalisation, the message's word count as its last block. */
static void dg_fin(struct digest *d, uint64_t out[2])
{
	dg_word(d, d->n << 3);
	d->v2 ^= 0xee;
	for (int i = 0; i < 4; i++)
		sip_round(d);
	out[0] = d->v0 ^ d->v1 ^ d->v2 ^ d->v3;
	d->v1 ^= 0xdd;
	for (int i = 0; i < 4; i++)
		sip_round(d);
	out[1] = d->v0 ^ d->v1 ^ d->v2 ^ d->v3;
}

#if __SIZEOF_POINTER__ == 8
/* A rule grew a field: compare it in rule_equal() and digest it here, or
 * a reload that changes only it leaves the chain as it was. */
_Static_assert(sizeof(struct nft_rule_plan) == 184 && sizeof(struct nft_match) == 80,
	       "nft_rule_plan changed: update rule_equal() and chain_digest()");
#endif

static void chain_digest(const struct nft_plan *p, const struct rules_by_chain *g, size_t c,
			 uint64_t out[2])
{
	struct digest d;

	dg_init(&d);
	dg_word(&d, g->first[c + 1] - g->first[c]);
	for (size_t k = g->first[c]; k < g->first[c + 1]; k++) {
		const struct nft_rule_plan *r = &p->rules[g->by[k]];

		dg_word(&d, r->n_matches);
		dg_word(&d, (uint64_t)r->verdict << 32 | (uint32_t)r->vmap_key);
		dg_bytes(&d, r->counter, strlen(r->counter));
		dg_bytes(&d, r->target, strlen(r->target));
		if (r->verdict == NV_SNAT) {
			dg_word(&d, (uint64_t)r->snat.family << 32 |
					    (uint32_t)r->snat.port_min << 16 | r->snat.port_max);
			dg_bytes(&d, &r->snat.addr,
				 r->snat.family == NFPROTO_IPV6 ? sizeof(r->snat.addr.a6)
								: sizeof(r->snat.addr.a4));
		}
		if (r->n_matches)
			dg_bytes(&d, r->m, r->n_matches * sizeof(r->m[0]));
	}
	dg_fin(&d, out);
}

static bool chain_rules_equal(const struct nft_plan *o, const struct rules_by_chain *og, size_t oc,
			      const struct nft_plan *n, const struct rules_by_chain *ng, size_t nc)
{
	size_t on = og->first[oc + 1] - og->first[oc], nn = ng->first[nc + 1] - ng->first[nc];

	if (o->digests) { /* compacted: its rules are gone */
		uint64_t dn[2];

		chain_digest(n, ng, nc, dn);
		return o->digests[oc][0] == dn[0] && o->digests[oc][1] == dn[1];
	}
	if (on != nn)
		return false;
	for (size_t k = 0; k < on; k++)
		if (!rule_equal(&o->rules[og->by[og->first[oc] + k]],
				&n->rules[ng->by[ng->first[nc] + k]]))
			return false;
	return true;
}

static bool chain_desc_equal(const struct nft_chain_desc *a, const struct nft_chain_desc *b)
{
	if (!a->type || !b->type)
		return !a->type && !b->type;
	return !strcmp(a->type, b->type) && a->hooknum == b->hooknum && a->prio == b->prio;
}

static int diff_chains(const struct nft_plan *o, const struct nft_plan *n, struct nft_update *u)
{
	size_t on, nn;
	struct named *os = chains_sorted(o, &on), *ns = chains_sorted(n, &nn);
	struct rules_by_chain og = { 0 }, ng = { 0 };
	size_t i = 0, j = 0;
	int r = -ENOMEM;

	u->add_chains = calloc(n->n_chains + 1, sizeof(size_t));
	u->refill = calloc(n->n_chains + 1, sizeof(size_t));
	u->del_chains = calloc(o->n_chains + 1, sizeof(size_t));
	if (!os || !ns || !u->add_chains || !u->refill || !u->del_chains ||
	    group_rules(o, &og) < 0 || group_rules(n, &ng) < 0)
		goto out;
	/* A base chain that comes or goes (the port forwards' prerouting
	 * and output, with the first forward or the last) is created with
	 * its hook or deleted like any chain: no replace, whose empty ports
	 * map would leave every guest port untrusted for a moment. */
	while (i < on || j < nn) {
		int c = i == on ? 1 : j == nn ? -1 : named_cmp(&os[i], &ns[j]);

		if (c < 0) {
			u->del_chains[u->n_del_chains++] = os[i++].idx;
		} else if (c > 0) {
			u->add_chains[u->n_add_chains++] = ns[j++].idx;
		} else {
			if (!chain_desc_equal(&o->chains[os[i].idx], &n->chains[ns[j].idx]))
				u->replace = true;
			else if (!chain_rules_equal(o, &og, os[i].idx, n, &ng, ns[j].idx))
				u->refill[u->n_refill++] = ns[j].idx;
			i++, j++;
		}
	}
	r = 0;
out:
	group_release(&og);
	group_release(&ng);
	free(os);
	free(ns);
	return r;
}

static int diff_counters(const struct nft_plan *o, const struct nft_plan *n, struct nft_update *u)
{
	struct named *os = counters_sorted(o), *ns = counters_sorted(n);
	size_t i = 0, j = 0;
	int r = -ENOMEM;

	u->add_ctrs = calloc(n->n_counters + 1, sizeof(size_t));
	u->del_ctrs = calloc(o->n_counters + 1, sizeof(size_t));
	if (!os || !ns || !u->add_ctrs || !u->del_ctrs)
		goto out;
	while (i < o->n_counters || j < n->n_counters) {
		int c = i == o->n_counters   ? 1
			: j == n->n_counters ? -1
					     : named_cmp(&os[i], &ns[j]);

		if (c < 0)
			u->del_ctrs[u->n_del_ctrs++] = os[i++].idx;
		else if (c > 0)
			u->add_ctrs[u->n_add_ctrs++] = ns[j++].idx;
		else
			i++, j++;
	}
	r = 0;
out:
	free(os);
	free(ns);
	return r;
}

/* Elements are built from zeroed memory: the whole key compares, then
 * the end of an interval's. */
static int key_cmp(const struct nft_elem *x, const struct nft_elem *y)
{
	int c = memcmp(&x->key, &y->key, sizeof(x->key));

	return c ? c : memcmp(&x->key_end, &y->key_end, sizeof(x->key_end));
}

static int elem_cmp(const void *a, const void *b, void *arg)
{
	const struct nft_elem *e = arg;

	return key_cmp(&e[*(const size_t *)a], &e[*(const size_t *)b]);
}

/* Same key: what it leads to (a chain, a NAT target) and its comment
 * (a forward's name). */
static bool elem_value_equal(const struct nft_elem *x, const struct nft_elem *y)
{
	return !strcmp(x->chain, y->chain) && !memcmp(x->data, y->data, sizeof(x->data)) &&
	       !strcmp(x->comment, y->comment);
}

static size_t *elems_sorted(const struct nft_set_plan *s)
{
	size_t *v = calloc(s->n_elems + 1, sizeof(size_t));

	if (!v)
		return NULL;
	for (size_t i = 0; i < s->n_elems; i++)
		v[i] = i;
	qsort_r(v, s->n_elems, sizeof(size_t), elem_cmp, s->elems);
	return v;
}

static int diff_elems(const struct nft_set_plan *o, const struct nft_set_plan *n,
		      struct nft_set_update *su)
{
	size_t *os = elems_sorted(o), *ns = elems_sorted(n), i = 0, j = 0;
	int r = -ENOMEM;

	su->del = calloc(o->n_elems + 1, sizeof(size_t));
	su->add = calloc(n->n_elems + 1, sizeof(size_t));
	if (!os || !ns || !su->del || !su->add)
		goto out;
	while (i < o->n_elems || j < n->n_elems) {
		/* the order they were sorted in: key, then an interval's end */
		int c = i == o->n_elems	  ? 1
			: j == n->n_elems ? -1
					  : key_cmp(&o->elems[os[i]], &n->elems[ns[j]]);

		if (c < 0) {
			su->del[su->n_del++] = os[i++];
		} else if (c > 0) {
			su->add[su->n_add++] = ns[j++];
		} else {
			if (!elem_value_equal(&o->elems[os[i]], &n->elems[ns[j]])) {
				su->del[su->n_del++] = os[i];
				su->add[su->n_add++] = ns[j];
			}
			i++, j++;
		}
	}
	r = 0;
out:
	free(os);
	free(ns);
	return r;
}

static bool set_desc_equal(const struct nft_set_plan *a, const struct nft_set_plan *b)
{
	return a->family == b->family && !strcmp(a->name, b->name) && a->vmap == b->vmap &&
	       a->dynamic == b->dynamic && a->key == b->key && a->data == b->data &&
	       a->interval == b->interval && a->counter == b->counter;
}

int nft_plan_compact(struct nft_plan *p)
{
	struct rules_by_chain g = { 0 };
	uint64_t(*dg)[2];

	if (p->digests)
		return 0;
	if (!(dg = calloc(p->n_chains + 1, sizeof(*dg))) || group_rules(p, &g) < 0) {
		free(dg);
		group_release(&g);
		return -ENOMEM;
	}
	for (size_t c = 0; c < p->n_chains; c++)
		chain_digest(p, &g, c, dg[c]);
	group_release(&g);
	for (size_t i = 0; i < p->n_rules; i++)
		free(p->rules[i].m);
	free(p->rules);
	p->rules = NULL;
	p->n_compact_rules = p->n_rules;
	p->n_rules = p->cap_rules = 0;
	p->digests = dg;
	return 0;
}

size_t nft_plan_rule_count(const struct nft_plan *p)
{
	return p->digests ? p->n_compact_rules : p->n_rules;
}

int nft_update_plan(const struct nft_plan *old, const struct nft_plan *new, struct nft_update *u)
{
	int r;

	memset(u, 0, sizeof(*u));
	if (new->digests)
		return -EINVAL; /* its rules are gone: nothing to fill chains with */
	if (old->n_sets != new->n_sets)
		u->replace = true;
	for (size_t i = 0; !u->replace && i < new->n_sets; i++)
		u->replace = !set_desc_equal(&old->sets[i], &new->sets[i]);
	if (u->replace)
		return 0;
	if ((r = diff_chains(old, new, u)) < 0 || (r = diff_counters(old, new, u)) < 0)
		goto fail;
	if (u->replace)
		return 0;
	if (!(u->sets = calloc(new->n_sets + 1, sizeof(*u->sets)))) {
		r = -ENOMEM;
		goto fail;
	}
	u->n_sets = new->n_sets;
	for (size_t i = 0; i < new->n_sets; i++) {
		if (new->sets[i].dynamic) {
			/* Its elements are the daemon's; only a chain they
			 * may jump to going away concerns the plan. */
			for (size_t k = 0; k < u->n_del_chains; k++)
				u->ports_rewrite |=
					old->chains[u->del_chains[k]].family == new->sets[i].family;
			continue;
		}
		if ((r = diff_elems(&old->sets[i], &new->sets[i], &u->sets[i])) < 0)
			goto fail;
	}
	return 0;
fail:
	nft_update_release(u);
	return r;
}

void nft_update_release(struct nft_update *u)
{
	for (size_t i = 0; u->sets && i < u->n_sets; i++) {
		free(u->sets[i].del);
		free(u->sets[i].add);
	}
	free(u->sets);
	free(u->add_chains);
	free(u->del_chains);
	free(u->refill);
	free(u->add_ctrs);
	free(u->del_ctrs);
	memset(u, 0, sizeof(*u));
}

bool nft_update_empty(const struct nft_update *u)
{
	if (u->replace || u->n_add_chains || u->n_del_chains || u->n_refill || u->n_add_ctrs ||
	    u->n_del_ctrs || u->ports_rewrite)
		return false;
	for (size_t i = 0; i < u->n_sets; i++)
		if (u->sets[i].n_del || u->sets[i].n_add)
			return false;
	return true;
}
