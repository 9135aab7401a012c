/* The connection quota (nft/quota.c) in gatewayctl's answers. */
#include "gatewayd/ctl/quota_ctl.h"
#include "nft/plan.h"

void quota_status(struct out *o, const struct gw_network *n)
{
	out_int(o, "guest_connections", n->q.guest);
	out_int(o, "connections", n->q.net);
}

uint64_t quota_dropped(const struct nft_counters *cs, const struct gw_network *n)
{
	char name[NFT_NAME_MAX];
	uint64_t p = 0, b = 0;

	nft_counter_name(name, nft_ctr_kinds[NCTR_QUOTA].what, n->name);
	nft_counters_get(cs, nft_ctr_kinds[NCTR_QUOTA].family, name, &p, &b);
	return p;
}
