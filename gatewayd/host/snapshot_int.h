/* Inside host/snapshot*.c: what makes two links (the parts a change is
 * recorded for: name, master, peer, kind, HOST_LINK_FLAGS, MAC), two
 * addresses or two routes (one nexthop each) the same (snapshot_cmp.c). */
#ifndef GW_HOST_SNAPSHOT_INT_H
#define GW_HOST_SNAPSHOT_INT_H

#include <stdbool.h>

#include "gatewayd/host/facts.h"

bool host_link_same(const struct host_link *a, const struct host_link *b);
bool host_addr_same(const struct host_addr *a, const struct host_addr *b);
bool host_route_same(const struct host_route *a, const struct host_route *b);

#endif
