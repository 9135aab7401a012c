/* nf_tables messages appended to a batch (nft/ only). Each returns 0 or
 * -errno and records what the message does, for error messages
 * (nft_batch_describe()). */
#ifndef GW_NFT_MSG_H
#define GW_NFT_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "plan.h"

struct nft_batch *batch_new(uint32_t seq);
int batch_begin(struct nft_batch *b);
int batch_end(struct nft_batch *b);
/* NEWTABLE / DELTABLE of table gatewayd in family. */
int batch_table(struct nft_batch *b, uint16_t type, uint8_t family, uint16_t flags,
		uint32_t table_flags);
int batch_chain(struct nft_batch *b, const struct nft_chain_desc *d);
int batch_counter(struct nft_batch *b, const struct nft_counter *ctr);
/* id: index + 1, so that rules and elements in the same batch find it. */
int batch_set(struct nft_batch *b, const struct nft_set_plan *sp, uint32_t id);
/* NEWSETELEM (key -> jump chain) or DELSETELEM (key) of each element. */
int batch_map_elems_msg(struct nft_batch *b, uint16_t type, uint8_t family, const char *map,
			uint32_t id, enum nft_key k, const struct nft_elem *elems, size_t n);
int batch_map_elems(struct nft_batch *b, uint8_t family, const char *map, uint32_t id,
		    enum nft_key k, const struct nft_elem *elems, size_t n);
/* NEWSETELEM or DELSETELEM of elements of a port forwards' set or map
 * (not a vmap), as many messages as they need. */
int batch_set_elems_msg(struct nft_batch *b, uint16_t type, const struct nft_set_plan *sp,
			uint32_t id, const struct nft_elem *elems, size_t n);
int batch_rule(struct nft_batch *b, const struct nft_plan *plan, const struct nft_rule_plan *rp);
int batch_flush_map(struct nft_batch *b, uint8_t family, const char *map);
int batch_chain_flush(struct nft_batch *b, const struct nft_chain_desc *d);
int batch_chain_remove(struct nft_batch *b, const struct nft_chain_desc *d);
int batch_counter_del(struct nft_batch *b, const struct nft_counter *ctr);

#endif
