/* Port forwards' counters read back from the kernel: one element per
 * forward in the counting sets (nft/forward.c), named "NET/NAME" by its
 * comment. Read-only; used by gatewayctl forwards and metrics. */
#ifndef GW_NFT_FORWARD_COUNT_H
#define GW_NFT_FORWARD_COUNT_H

#include <stddef.h>
#include <stdint.h>

struct nft_fwd_count {
	char name[2 * 64]; /* "NET/NAME" */
	uint64_t packets, bytes;
};

/* Every forward's counter, sorted by name (for nft_forward_count_find),
 * read over nl (nft/counters.c: one socket per command). *out is the
 * caller's to free. Returns how many, or -errno. */
struct nl;
long nft_forward_counts_nl(struct nl *nl, struct nft_fwd_count **out);
const struct nft_fwd_count *nft_forward_count_find(const struct nft_fwd_count *v, size_t n,
						   const char *net, const char *name);

#endif
