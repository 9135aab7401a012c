/* rtnetlink: links, addresses, routes. Messages come from rtnl_msg.c and
 * travel over lib/nl.c (the one place that opens netlink sockets). */
#ifndef GW_RTNL_H
#define GW_RTNL_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "gatewayd/host/facts.h"

struct rtnl;
struct nlmsghdr;

struct rtnl_link {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[32]; /* "bridge", "veth", "tun", ... "" for a physical NIC */
	int master;
	unsigned flags;
	unsigned mtu;
	int peer;	/* a veth's peer in this namespace (struct host_link's) */
	uint8_t mac[6]; /* zero if none or not 6 bytes */
	uint32_t group; /* netdev group (IFLA_GROUP), 0 the default */
};

int rtnl_open(struct rtnl **out);
void rtnl_close(struct rtnl *r);

/* -ENODEV when there is no such link. */
int rtnl_link_get(struct rtnl *r, const char *name, struct rtnl_link *out);
int rtnl_bridge_create(struct rtnl *r, const char *name, const uint8_t mac[6], uint32_t group);
int rtnl_link_set_up(struct rtnl *r, int ifindex);
int rtnl_veth_create(struct rtnl *r, const char *name, const char *peer);
int rtnl_link_set_mac(struct rtnl *r, int ifindex, const uint8_t mac[6]);
int rtnl_link_set_master(struct rtnl *r, int ifindex, int master);
int rtnl_link_del(struct rtnl *r, int ifindex);
int rtnl_link_set_group(struct rtnl *r, int ifindex, uint32_t group);
/* Every link in netdev group group, deleted in one go (see
 * rtnl_msg_group_del()); -ENODEV if none is, -EOPNOTSUPP if one of them
 * cannot be deleted (then none is). */
int rtnl_group_del(struct rtnl *r, uint32_t group);
/* The ifindexes of the links in netdev group group (*out malloc'ed, or
 * NULL when *n is 0). */
int rtnl_group_members(struct rtnl *r, uint32_t group, int **out, size_t *n);
int rtnl_addr_add(struct rtnl *r, int ifindex, int family, const void *addr, unsigned plen);
int rtnl_addr_del(struct rtnl *r, int ifindex, int family, const void *addr, unsigned plen);

/* One dump request built by rtnl_msg.c (its seq is set here), each reply
 * to cb; an interrupted dump is run again after restart(data) (lib/nl.h
 * nl_dump()). For host/ (neigh.c): the rest of the daemon asks for what
 * it needs by name. */
typedef int (*rtnl_cb)(const struct nlmsghdr *nlh, void *data);
int rtnl_dump(struct rtnl *r, void *req, rtnl_cb cb, void (*restart)(void *data), void *data);

/* Links, addresses and main-table routes of the current namespace. */
int rtnl_read_facts(struct rtnl *r, struct host_facts *out);
/* A struct host_link from a parsed link (rtnl_msg_parse_link()). */
void host_link_from(struct host_link *out, const struct rtnl_link *l);
/* The order of host_facts.links: by name (qsort/bsearch). */
int host_link_name_cmp(const void *a, const void *b);
/* Room for one more element in an array of n that grew one at a time from
 * NULL by this function (capacity 8, then doubling): p, or the array
 * moved, or NULL (out of memory; p is still valid). */
void *host_facts_grow(void *p, size_t n, size_t size);

/* A socket subscribed to link, address, route and netconf (forwarding)
 * changes, for the event loop: host_snap_drain() (snapshot.h) reads it.
 * The environment variable GATEWAYD_TEST_MONITOR_RCVBUF (bytes) sets a
 * tiny receive buffer, for tests that make it overflow (then the snapshot
 * is read again in full). */
int rtnl_monitor_open(void);

#endif
