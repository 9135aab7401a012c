/* rtnetlink messages: requests built into a caller's buffer, and the
 * parsers of what the kernel sends back (dump replies and events alike):
 * pure functions, no sockets, so each is unit-tested byte for byte
 * (tests/unit/test_nl.c, test_rtnl_msg.c).
 * Each builder returns the message's length, or -EMSGSIZE when it does not
 * fit in size bytes (RTNL_MSG_SIZE always fits a name of IFNAMSIZ).
 * Requests that change something ask for an ack (NLM_F_ACK); dumps do
 * not. */
#ifndef GW_RTNL_MSG_H
#define GW_RTNL_MSG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gatewayd/host/facts.h"
#include "gatewayd/host/rtnl.h"

struct nlmsghdr;

#define RTNL_MSG_SIZE 512

/* A bridge with this MAC, STP off, no forwarding delay (NLM_F_EXCL), in
 * netdev group group (0: the default group, no attribute). */
int rtnl_msg_bridge_new(void *buf, size_t size, uint32_t seq, const char *name,
			const uint8_t mac[6], uint32_t group);
/* A veth pair name <-> peer. */
int rtnl_msg_veth_new(void *buf, size_t size, uint32_t seq, const char *name, const char *peer);
int rtnl_msg_link_up(void *buf, size_t size, uint32_t seq, int ifindex);
int rtnl_msg_link_mac(void *buf, size_t size, uint32_t seq, int ifindex, const uint8_t mac[6]);
int rtnl_msg_link_master(void *buf, size_t size, uint32_t seq, int ifindex, int master);
int rtnl_msg_link_del(void *buf, size_t size, uint32_t seq, int ifindex);
/* Put a link in a netdev group (IFLA_GROUP). */
int rtnl_msg_link_group(void *buf, size_t size, uint32_t seq, int ifindex, uint32_t group);
/* Delete every link of a netdev group in one go: RTM_DELLINK without an
 * index or a name, IFLA_GROUP only (the kernel's rtnl_group_dellink(): one
 * unregister_netdevice_many(), one RCU wait for them all). */
int rtnl_msg_group_del(void *buf, size_t size, uint32_t seq, uint32_t group);
/* One link by name, without statistics. */
int rtnl_msg_link_get(void *buf, size_t size, uint32_t seq, const char *name);
/* Add (replacing one already there) or delete an address. family AF_INET
 * or AF_INET6; an IPv4 address gets its broadcast, an IPv6 one no DAD. */
int rtnl_msg_addr_add(void *buf, size_t size, uint32_t seq, int ifindex, int family,
		      const void *addr, unsigned plen);
int rtnl_msg_addr_del(void *buf, size_t size, uint32_t seq, int ifindex, int family,
		      const void *addr, unsigned plen);
/* Dumps: every link; every address; the routes of one family. */
int rtnl_msg_dump_links(void *buf, size_t size, uint32_t seq);
int rtnl_msg_dump_addrs(void *buf, size_t size, uint32_t seq);
int rtnl_msg_dump_routes(void *buf, size_t size, uint32_t seq, int family);
/* Neighbours of one family: AF_BRIDGE, the forwarding databases (of the
 * ports of bridge master only, when master is not 0); AF_INET6, the
 * neighbour table. */
int rtnl_msg_dump_neigh(void *buf, size_t size, uint32_t seq, int family, int master);

/* --- parsers: dump replies and events ------------------------------------ */

/* RTM_NEWLINK or RTM_DELLINK of family AF_UNSPEC (not the AF_BRIDGE port
 * messages a bridge sends beside them) into out; false for anything else
 * or a short message. */
bool rtnl_msg_parse_link(const struct nlmsghdr *nlh, struct rtnl_link *out);
/* RTM_NEWADDR or RTM_DELADDR into out (IFA_LOCAL, else IFA_ADDRESS). */
bool rtnl_msg_parse_addr(const struct nlmsghdr *nlh, struct host_addr *out);
/* RTM_NEWROUTE or RTM_DELROUTE of the main table into out; false for
 * other tables (local, policy routing) and anything else. A multipath
 * route: its first nexthop. */
bool rtnl_msg_parse_route(const struct nlmsghdr *nlh, struct host_route *out);
/* The same, one entry per nexthop (RTA_MULTIPATH) into out[0..max): how
 * many (0: not a main-table route). Beyond max nexthops are left out, the
 * same way in a read and in events. */
#define RTNL_ROUTE_NH_MAX 64
size_t rtnl_msg_parse_routes(const struct nlmsghdr *nlh, struct host_route *out, size_t max);
/* RTM_DELNEXTHOP: the nexthop object's id into *id. The kernel removes
 * the routes through it without a word. */
bool rtnl_msg_parse_nexthop_del(const struct nlmsghdr *nlh, uint32_t *id);

/* RTM_NEWNETCONF that sets the forwarding of every interface ("all":
 * net.ipv4.ip_forward, net.ipv6.conf.all.forwarding), the only ones the
 * daemon keeps; not the per-device announcements every new link makes. */
bool rtnl_msg_parse_netconf_forwarding(const struct nlmsghdr *nlh);

/* One entry of a bridge's forwarding database: a MAC the bridge learned
 * (or was told) on port ifindex. */
struct host_fdb {
	int ifindex;
	int master; /* the bridge, 0 when the message does not say */
	uint8_t mac[6];
};
/* One IPv6 neighbour: mac uses a6 on link ifindex. */
struct host_neigh6 {
	int ifindex;
	uint8_t mac[6];
	struct in6_addr a6;
};
/* RTM_NEWNEIGH, AF_BRIDGE, not permanent (the ports' own MACs): out. */
bool rtnl_msg_parse_fdb(const struct nlmsghdr *nlh, struct host_fdb *out);
/* RTM_NEWNEIGH, AF_INET6, learned from the neighbour's own frames (not
 * incomplete, failed, noarp or permanent), with an address and a MAC. */
bool rtnl_msg_parse_neigh6(const struct nlmsghdr *nlh, struct host_neigh6 *out);

#endif
