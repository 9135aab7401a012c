/* Expressions of one planned rule, added to a libnftnl rule. Pure. */
#ifndef GW_NFT_EXPR_H
#define GW_NFT_EXPR_H

#include <libnftnl/rule.h>
#include <stdbool.h>
#include <stdint.h>

#include "plan.h"

int nft_expr_rule(struct nftnl_rule *r, const struct nft_plan *plan,
		  const struct nft_rule_plan *rp);

/* The expressions every bytecode builder of nft/ uses (binding.c too):
 * each appended to r, 0 or -ENOMEM. Loads go to dreg; cmp compares
 * register 1. */
struct nftnl_expr *expr_add(struct nftnl_rule *r, const char *name);
int expr_meta(struct nftnl_rule *r, uint32_t key, uint32_t dreg);
int expr_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len, uint32_t dreg);
int expr_cmp(struct nftnl_rule *r, bool neq, const void *data, uint32_t len);
/* Register 1 looked up in set (neq: not in it); register 1's key added
 * to set, or its timeout restarted (dynset update). */
int expr_lookup(struct nftnl_rule *r, const struct nft_plan *plan, const char *set, bool neq);
int expr_update(struct nftnl_rule *r, const struct nft_plan *plan, const char *set);
/* The id of a set the same batch creates (index + 1), 0 if none. */
uint32_t expr_set_id(const struct nft_plan *plan, const char *name);

#endif
