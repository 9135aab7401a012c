/* Reading nf_tables back: rule counts, other tables' base chains that
 * would drop guest traffic, and a set's elements. Read-only; used by
 * doctor and guest binding (counters: nft/counters.h). */
#ifndef GW_NFT_INSPECT_H
#define GW_NFT_INSPECT_H

#include <stddef.h>
#include <stdint.h>

/* Does table FAMILY gatewayd exist? 1 yes, 0 no, <0 error. */
int nft_table_exists(uint8_t family);
/* Rules in our table of this family; -ENOENT without the table. */
int nft_rule_count(uint8_t family);

struct nft_foreign_chain {
	char family[8], table[64], chain[64], hook[16];
};
/* Base chains of other tables (ip, ip6, inet) on the forward or input
 * hook whose policy is drop: each one drops guest traffic that its rules
 * do not accept, whatever our table says. Returns how many (<= max). */
int nft_foreign_drop_chains(struct nft_foreign_chain *out, size_t max);

/* Every element of set SET in table FAMILY gatewayd: its key (at least
 * klen bytes) to cb, which returns 0 or -errno (which stops the dump);
 * restart (may be NULL) undoes what cb was told when the dump must start
 * again. A missing set holds nothing. 0 or -errno. */
int nft_set_keys_read(uint8_t family, const char *set, size_t klen,
		      int (*cb)(const uint8_t *key, void *arg), void (*restart)(void *arg),
		      void *arg);

#endif
