/* msg.c's batch buffer, for the other files that append messages to it
 * (msg_set.c). Not for use outside nft/msg*.c. */
#ifndef GW_NFT_MSG_INT_H
#define GW_NFT_MSG_INT_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

struct nft_batch;

/* Room for one more message of up to len bytes beyond the usual. */
int batch_grow(struct nft_batch *b, size_t len);
/* Room for one more message of the usual size. */
int batch_reserve(struct nft_batch *b);
/* The message just built is in: its description for errors. */
int batch_push(struct nft_batch *b, const char *desc);
/* The next message's header, at the end of the buffer. */
struct nlmsghdr *batch_hdr(struct nft_batch *b, uint16_t type, uint8_t family, uint16_t flags);

#endif
