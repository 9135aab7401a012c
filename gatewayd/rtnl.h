/* rtnetlink over libmnl: links, addresses, routes. The only file that
 * opens a NETLINK_ROUTE socket. */
#ifndef GW_RTNL_H
#define GW_RTNL_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

struct rtnl;

struct rtnl_link {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[32]; /* "bridge", "veth", "tun", ... "" for a physical NIC */
	int master;
	unsigned flags;
};

int rtnl_open(struct rtnl **out);
void rtnl_close(struct rtnl *r);

/* -ENODEV when there is no such link. */
int rtnl_link_get(struct rtnl *r, const char *name, struct rtnl_link *out);
int rtnl_bridge_create(struct rtnl *r, const char *name, const uint8_t mac[6]);
int rtnl_link_set_up(struct rtnl *r, int ifindex);
int rtnl_link_del(struct rtnl *r, int ifindex);
int rtnl_addr_add(struct rtnl *r, int ifindex, int family, const void *addr, unsigned plen);
int rtnl_addr_del(struct rtnl *r, int ifindex, int family, const void *addr, unsigned plen);
/* Interface of the IPv4 default route in the main table, or -ENETUNREACH. */
int rtnl_default_route_oif(struct rtnl *r, int *ifindex);

#endif
