/* gatewayd's counters read back from the kernel for one command (status,
 * metrics, forwards): every named counter object of both tables in one
 * dump, and the port forwards' counting sets, all over one socket -- not
 * one socket per counter. The parsing and lookups are pure (unit tests). */
#ifndef GW_NFT_COUNTERS_H
#define GW_NFT_COUNTERS_H

#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

#include "forward_count.h"
#include "plan.h"

struct nft_ctr_val {
	uint8_t family;
	char name[NFT_NAME_MAX];
	uint64_t packets, bytes;
};

struct nft_counters {
	struct nft_ctr_val *v; /* named counters, sorted (nft_counters_sort) */
	size_t n, cap;
	struct nft_fwd_count *fwd; /* NFT_CTRS_FORWARDS: nft/forward_count.h */
	size_t n_fwd;
};

#define NFT_CTRS_NAMED	  1u /* the counter objects (status, metrics) */
#define NFT_CTRS_FORWARDS 2u /* the forwards' counting sets */
/* What `what` asks for, over one socket; net (NULL: every network): only
 * that network's named counters and the backstop's. 0 or -errno; what was
 * not read reads as zero. Release c even on error. */
int nft_counters_read(unsigned what, const char *net, struct nft_counters *c);
void nft_counters_release(struct nft_counters *c);

/* One GETOBJ reply: a counter object of table gatewayd is added, anything
 * else ignored. 0 or -ENOMEM. */
int nft_counters_parse(const struct nlmsghdr *nlh, struct nft_counters *c);
void nft_counters_sort(struct nft_counters *c);
/* The counter FAMILY NAME (after sorting), or NULL. */
const struct nft_ctr_val *nft_counters_find(const struct nft_counters *c, uint8_t family,
					    const char *name);
/* Its packets and bytes, zero when it is missing. */
void nft_counters_get(const struct nft_counters *c, uint8_t family, const char *name,
		      uint64_t *packets, uint64_t *bytes);

#endif
