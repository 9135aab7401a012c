/* Expressions of one planned rule, added to a libnftnl rule. Pure. */
#ifndef GW_NFT_EXPR_H
#define GW_NFT_EXPR_H

#include <libnftnl/rule.h>

#include "plan.h"

int nft_expr_rule(struct nftnl_rule *r, const struct nft_plan *plan,
		  const struct nft_rule_plan *rp);

#endif
