/* Reading nf_tables back: counters, rule counts, and other tables' base
 * chains that would drop guest traffic. Read-only; used by status,
 * metrics and doctor. */
#ifndef GW_NFT_INSPECT_H
#define GW_NFT_INSPECT_H

#include <stddef.h>
#include <stdint.h>

/* Does table FAMILY gatewayd exist? 1 yes, 0 no, <0 error. */
int nft_table_exists(uint8_t family);
int nft_counter_read(uint8_t family, const char *name, uint64_t *packets, uint64_t *bytes);
/* Rules in our table of this family; -ENOENT without the table. */
int nft_rule_count(uint8_t family);

struct nft_foreign_chain {
	char family[8], table[64], chain[64], hook[16];
};
/* Base chains of other tables (ip, ip6, inet) on the forward or input
 * hook whose policy is drop: each one drops guest traffic that its rules
 * do not accept, whatever our table says. Returns how many (<= max). */
int nft_foreign_drop_chains(struct nft_foreign_chain *out, size_t max);

#endif
