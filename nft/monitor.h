/* nf_tables change notifications, for kernels where our tables cannot be
 * owned-and-persistent: then anyone may flush or delete them, and the
 * daemon puts them back when told. */
#ifndef GW_NFT_MONITOR_H
#define GW_NFT_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int nft_monitor_open(void);
/* Read what is queued: NFT_MON_CHANGED if a process other than
 * own_portid changed a table, chain, rule, set, element or object of
 * ours, NFT_MON_LOST if the kernel dropped events (ENOBUFS) so that
 * nobody can tell, else 0. Either way: restore them all. */
enum { NFT_MON_CHANGED = 1, NFT_MON_LOST = 2 };
int nft_monitor_drain(int fd, uint32_t own_portid);
/* Our own transaction of about n_msgs messages is about to be committed:
 * make the queue big enough for its notifications, so that they cannot
 * overflow it and pass for someone else's deletion. */
void nft_monitor_expect(int fd, size_t n_msgs);

#endif
