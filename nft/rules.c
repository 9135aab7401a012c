/* The rule builder the planners share: one rule at a time, matches
 * added in order, ended with a verdict (nft/ only; see rules.h). */
#include "rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rb_start(struct rule_builder *b, size_t chain)
{
	memset(&b->r, 0, sizeof(b->r));
	b->r.chain = chain;
	b->r.m = b->m;
}

struct nft_match *rb_add(struct rule_builder *b, enum nft_match_kind kind, bool neq)
{
	struct nft_match *m = &b->m[b->r.n_matches++];

	/* zeroed: rules are compared byte for byte (update.c) */
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->neq = neq;
	return m;
}

void rb_ifname(struct rule_builder *b, enum nft_match_kind kind, const char *name)
{
	snprintf(rb_add(b, kind, false)->u.ifname, IFNAMSIZ, "%s", name);
}

void rb_net4(struct rule_builder *b, enum nft_match_kind kind, bool neq, struct in_addr a,
	     unsigned plen)
{
	struct nft_match *m = rb_add(b, kind, neq);

	m->u.p4.addr = a;
	m->u.p4.plen = plen;
}

void rb_net6(struct rule_builder *b, enum nft_match_kind kind, bool neq, const struct in6_addr *a,
	     unsigned plen)
{
	struct nft_match *m = rb_add(b, kind, neq);

	m->u.p6.addr = *a;
	m->u.p6.plen = plen;
}

int rb_end(struct rule_builder *b, const char *counter, enum nft_verdict v)
{
	struct nft_plan *p = b->plan;

	/* the bench hook: no counter in any rule (the counter objects stay,
	 * reading zero) */
	if (counter && !(p->omit & NFT_OMIT_COUNTERS))
		snprintf(b->r.counter, sizeof(b->r.counter), "%s", counter);
	b->r.verdict = v;
	if (p->n_rules == p->cap_rules) {
		size_t cap = p->cap_rules ? 2 * p->cap_rules : 32;
		struct nft_rule_plan *n = realloc(p->rules, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		p->rules = n;
		p->cap_rules = cap;
	}
	p->rules[p->n_rules] = b->r;
	p->rules[p->n_rules].m = NULL;
	if (b->r.n_matches) {
		size_t len = b->r.n_matches * sizeof(b->m[0]);

		if (!(p->rules[p->n_rules].m = malloc(len)))
			return -ENOMEM;
		memcpy(p->rules[p->n_rules].m, b->m, len);
	}
	p->n_rules++;
	return 0;
}

int rb_jump(struct rule_builder *b, const char *counter, const char *target)
{
	snprintf(b->r.target, sizeof(b->r.target), "%s", target);
	return rb_end(b, counter, NV_JUMP);
}

int rb_vmap(struct rule_builder *b, size_t chain, enum nft_key key, const char *map)
{
	rb_start(b, chain);
	b->r.vmap_key = key;
	snprintf(b->r.target, sizeof(b->r.target), "%s", map);
	return rb_end(b, NULL, NV_VMAP);
}
