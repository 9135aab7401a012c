/* The connection quota (nft/quota.c) in gatewayctl's answers. */
#include "gatewayd/ctl/quota_ctl.h"
#include "nft/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t quota_dropped(const struct nft_counters *cs, const struct gw_network *n)
{
	char name[NFT_NAME_MAX];
	uint64_t p = 0, b = 0;

	nft_counter_name(name, nft_ctr_kinds[NCTR_QUOTA].what, n->name);
	nft_counters_get(cs, nft_ctr_kinds[NCTR_QUOTA].family, name, &p, &b);
	return p;
}

uint64_t quota_guest_dropped(const struct nft_quota_drop *drops, size_t n_drops,
			     const struct gw_network *n, const uint8_t mac[6])
{
	return nft_quota_drop_find(drops, n_drops, nft_quota_drop_tag(n), mac);
}

uint64_t quota_macs_dropped(const struct nft_quota_drop *drops, size_t n_drops,
			    const struct gw_network *n, const char *macs)
{
	uint64_t sum = 0;

	for (const char *p = macs; p && *p;) {
		unsigned m[6];
		uint8_t mac[6];
		int used = 0;

		if (sscanf(p, "%2x:%2x:%2x:%2x:%2x:%2x%n", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
			   &used) == 6 &&
		    used == 17) {
			for (int i = 0; i < 6; i++)
				mac[i] = (uint8_t)m[i];
			sum += quota_guest_dropped(drops, n_drops, n, mac);
		}
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return sum;
}

void quota_status(struct out *o, const struct gw_network *n, const struct nft_counters *cs)
{
	struct nft_quota_drop *v = NULL;
	uint32_t tag = nft_quota_drop_tag(n);
	long k = 0;

	out_int(o, "guest_connections", n->q.guest);
	out_int(o, "connections", n->q.net);
	/* the set holds every network's guests: read only when this one
	 * has dropped something */
	if (!quota_dropped(cs, n) || (k = nft_quota_drops_read(&v)) <= 0)
		return;
	out_list_begin(o, "quota_dropped_guests");
	for (long i = 0; i < k; i++) {
		char item[64];
		const uint8_t *m = v[i].mac;

		if (v[i].tag != tag)
			continue;
		snprintf(item, sizeof(item), "%02x:%02x:%02x:%02x:%02x:%02x %llu", m[0], m[1], m[2],
			 m[3], m[4], m[5], (unsigned long long)v[i].packets);
		out_item(o, item);
	}
	out_list_end(o);
	free(v);
}
