/* Sending nf_tables batches to the kernel, over lib/nl.c. */
#ifndef GW_NFT_COMMIT_H
#define GW_NFT_COMMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include "batch.h"

/* The daemon's persistent socket; tables committed through it are owned by
 * it (see commit.c). conn NULL below = a one-off socket, unowned tables. */
struct nft_conn;
int nft_conn_open(struct nft_conn **out);
void nft_conn_close(struct nft_conn *conn);
/* Are our tables owned by (and so protected by) this socket? If not, the
 * kernel lacks NFT_TABLE_F_PERSIST and the daemon must watch them. */
bool nft_conn_owned(const struct nft_conn *conn);
uint32_t nft_conn_portid(const struct nft_conn *conn);
/* The sequence number to build the next batch from (nft_batch_*'s seq):
 * past every earlier batch's, so no late reply is taken for its. */
uint32_t nft_conn_next_seq(const struct nft_conn *conn);

/* Send the batch and wait for every acknowledgement. On a kernel error
 * returns -errno and names the failing object in err. */
int nft_commit(struct nft_conn *conn, const struct nft_batch *b, char *err, size_t errlen);
/* Apply plan / remove the tables: build + commit in one call. */
int nft_apply_plan(struct nft_conn *conn, const struct nft_plan *plan, char *err, size_t errlen);
int nft_remove_table(struct nft_conn *conn, char *err, size_t errlen);
/* Make the bridge table's map of guest-bridge ports hold exactly these
 * (port -> jump ports_NET), in one transaction. */
int nft_set_ports(struct nft_conn *conn, const struct nft_elem *elems, size_t n, char *err,
		  size_t errlen);
/* The same as element deltas: delete del[], then add add[], in one
 * transaction; nothing is sent when both are empty. */
int nft_ports_delta(struct nft_conn *conn, const struct nft_elem *del, size_t n_del,
		    const struct nft_elem *add, size_t n_add, char *err, size_t errlen);

#endif
