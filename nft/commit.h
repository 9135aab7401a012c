/* Sending nf_tables batches to the kernel. The only file in nft/ that
 * opens a socket. */
#ifndef GW_NFT_COMMIT_H
#define GW_NFT_COMMIT_H

#include <stddef.h>
#include <stdint.h>
#include "batch.h"

/* Send the batch and wait for every acknowledgement. On a kernel error
 * returns -errno and names the failing object in err. */
int nft_commit(const struct nft_batch *b, char *err, size_t errlen);
/* Apply plan / remove the table: build + commit in one call. */
int nft_apply_plan(const struct nft_plan *plan, char *err, size_t errlen);
int nft_remove_table(char *err, size_t errlen);
/* Make the bridge table's set hold exactly these interface names. */
int nft_set_ports(const char *set, char (*names)[IFNAMSIZ], size_t n, char *err, size_t errlen);
/* Does table FAMILY gatewayd exist? 1 yes, 0 no, <0 error. */
int nft_table_exists(uint8_t family);

#endif
