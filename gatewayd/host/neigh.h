/* The bridges' forwarding databases and the IPv6 neighbour table, read
 * over the daemon's rtnetlink socket into plain arrays (guest binding's
 * inputs). The messages are rtnl_msg.c's, tested byte for byte. */
#ifndef GW_HOST_NEIGH_H
#define GW_HOST_NEIGH_H

#include <stddef.h>

#include "gatewayd/host/rtnl_msg.h"

struct rtnl;

/* What the bridges learned (not the ports' own MACs): of the ports of
 * bridge master, or of every bridge when master is 0. *out (free()) and
 * *n are set on success only. */
int host_fdb_read(struct rtnl *r, int master, struct host_fdb **out, size_t *n);
/* The IPv6 neighbours learned from their own frames (rtnl_msg_parse_neigh6()). */
int host_neigh6_read(struct rtnl *r, struct host_neigh6 **out, size_t *n);

#endif
