/* rtnetlink requests, built into a caller's buffer: pure functions, no
 * sockets, so each is unit-tested byte for byte (tests/unit/test_nl.c).
 * Each returns the message's length, or -EMSGSIZE when it does not fit
 * in size bytes (RTNL_MSG_SIZE always fits a name of IFNAMSIZ). Requests
 * that change something ask for an ack (NLM_F_ACK); dumps do not. */
#ifndef GW_RTNL_MSG_H
#define GW_RTNL_MSG_H

#include <stddef.h>
#include <stdint.h>

#define RTNL_MSG_SIZE 512

/* A bridge with this MAC, STP off, no forwarding delay (NLM_F_EXCL). */
int rtnl_msg_bridge_new(void *buf, size_t size, uint32_t seq, const char *name,
			const uint8_t mac[6]);
/* A veth pair name <-> peer. */
int rtnl_msg_veth_new(void *buf, size_t size, uint32_t seq, const char *name, const char *peer);
int rtnl_msg_link_up(void *buf, size_t size, uint32_t seq, int ifindex);
int rtnl_msg_link_mac(void *buf, size_t size, uint32_t seq, int ifindex, const uint8_t mac[6]);
int rtnl_msg_link_master(void *buf, size_t size, uint32_t seq, int ifindex, int master);
int rtnl_msg_link_del(void *buf, size_t size, uint32_t seq, int ifindex);
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

#endif
