/* nf_tables batches built from a plan: pure bytes, no socket. */
#ifndef GW_NFT_BATCH_H
#define GW_NFT_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <stdint.h>

#include "plan.h"
#include "update.h"

struct nft_batch;

/* One transaction that replaces the tables (inet and bridge gatewayd) with
 * the plan: per table NEWTABLE (create if missing) and DELTABLE, then both
 * NEWTABLEs, counters, sets, chains, rules. table_flags: NFT_TABLE_F_*
 * for the tables (0, or owner and persist: see commit.c). */
int nft_batch_replace(const struct nft_plan *plan, uint32_t seq, uint32_t table_flags,
		      struct nft_batch **out);
/* One transaction that removes the tables, whether they exist or not. */
int nft_batch_delete(uint32_t seq, uint32_t table_flags, struct nft_batch **out);

/* Linux >= 6.9; Debian 12's headers do not have it yet. */
#ifndef NFT_TABLE_F_PERSIST
#define NFT_TABLE_F_PERSIST 0x4
#endif
/* One transaction that makes the bridge table's map of guest-bridge ports
 * (NFT_PORTS_MAP) hold exactly these: port name -> jump ports_NET. */
int nft_batch_port_elems(uint32_t seq, const struct nft_elem *elems, size_t n,
			 struct nft_batch **out);
/* One transaction that deletes del[] from NFT_PORTS_MAP and then adds
 * add[] (port -> jump ports_NET); *out NULL when both are empty: nothing
 * to send. */
int nft_batch_port_delta(uint32_t seq, const struct nft_elem *del, size_t n_del,
			 const struct nft_elem *add, size_t n_add, struct nft_batch **out);
/* One transaction that turns the tables from old into new as u says
 * (nft_update_plan(), !u->replace), leaving everything else alone. ports:
 * what the run-time map of bridge ports holds now, kept where the new plan
 * still has their chains when u->ports_rewrite. */
int nft_batch_update(const struct nft_plan *old, const struct nft_plan *new,
		     const struct nft_update *u, const struct nft_elem *ports, size_t n_ports,
		     uint32_t seq, struct nft_batch **out);
void nft_batch_free(struct nft_batch *b);

const void *nft_batch_data(const struct nft_batch *b, size_t *len);
/* How many messages it holds (each gets an ack). */
size_t nft_batch_count(const struct nft_batch *b);
/* What the message with this sequence number creates, for error messages. */
const char *nft_batch_describe(const struct nft_batch *b, uint32_t seq);
/* The description of the first message that mentions word, or NULL. */
const char *nft_batch_find(const struct nft_batch *b, const char *word);

#endif
