/* The host snapshot kept from events (host/snapshot.c) and the rtnetlink
 * parsers it shares with the dumps (host/rtnl_msg.c).
 *
 * Each event is built by hand with libmnl as the kernel sends it (struct
 * nlmsghdr, the family header, attributes), fed to host_facts_apply(),
 * and the facts and the change list are compared with what the event
 * means: a veth pair made and deleted, a port enslaved and released, a
 * bridge renamed, a link set down, addresses and routes added and
 * removed, and notifications that change nothing kept (statistics, MTU,
 * IFF_RUNNING, an address's lifetimes) and so record nothing. The neighbour
 * dump request is compared byte for byte, as test_nl.c does for the
 * others. */
#include "suites.h"
#include "gatewayd/host/neigh.h"
#include "gatewayd/host/rtnl.h"
#include "gatewayd/host/rtnl_msg.h"
#include "gatewayd/host/snapshot.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/nexthop.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static char mb[1024] __attribute__((aligned(4)));

static struct nlmsghdr *hdr(uint16_t type, uint16_t flags, size_t extra)
{
	struct nlmsghdr *nlh;

	memset(mb, 0, sizeof(mb));
	nlh = mnl_nlmsg_put_header(mb);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	mnl_nlmsg_put_extra_header(nlh, extra);
	return nlh;
}

struct lk {
	int family; /* AF_UNSPEC unless set */
	int ifindex;
	const char *name, *kind;
	int master, peer;
	unsigned flags, mtu;
	uint64_t rx_packets; /* != 0: IFLA_STATS64 */
	uint8_t mac_last;    /* IFLA_ADDRESS 52:54:00:00:00:mac_last */
};

/* RTM_NEWLINK / RTM_DELLINK as the kernel sends it (rtnl_fill_ifinfo). */
static const struct nlmsghdr *link_msg(uint16_t type, struct lk l)
{
	struct nlmsghdr *nlh = hdr(type, 0, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_family = (uint8_t)l.family;
	ifi->ifi_index = l.ifindex;
	ifi->ifi_flags = l.flags;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, l.name);
	mnl_attr_put_u32(nlh, IFLA_MTU, l.mtu ? l.mtu : 1500);
	{
		uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, l.mac_last };

		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	}
	if (l.master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)l.master);
	if (l.peer)
		mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)l.peer);
	if (l.rx_packets) {
		struct rtnl_link_stats64 st = { .rx_packets = l.rx_packets };

		mnl_attr_put(nlh, IFLA_STATS64, sizeof(st), &st);
	}
	if (l.kind) {
		struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);

		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, l.kind);
		mnl_attr_nest_end(nlh, li);
	}
	return nlh;
}

static const struct nlmsghdr *addr_msg(uint16_t type, int family, const char *text, unsigned plen,
				       int ifindex)
{
	struct nlmsghdr *nlh = hdr(type, 0, sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	uint8_t a[16];

	ck_assert_int_eq(inet_pton(family, text, a), 1);
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(nlh, IFA_ADDRESS, family == AF_INET ? 4 : 16, a);
	if (family == AF_INET)
		mnl_attr_put(nlh, IFA_LOCAL, 4, a);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_PERMANENT);
	return nlh;
}

static const struct nlmsghdr *route_msg(uint16_t type, uint16_t flags, int family, const char *dst,
					unsigned plen, int oif, uint32_t table)
{
	struct nlmsghdr *nlh = hdr(type, flags, sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	uint8_t a[16];

	ck_assert_int_eq(inet_pton(family, dst, a), 1);
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = (uint8_t)plen;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_COMPAT;
	rtm->rtm_protocol = RTPROT_KERNEL;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	mnl_attr_put(nlh, RTA_DST, family == AF_INET ? 4 : 16, a);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, family == AF_INET ? 0 : 256);
	return nlh;
}

static struct host_facts f;
static struct host_change ch;

static void apply(const struct nlmsghdr *nlh)
{
	ck_assert_int_eq(host_facts_apply(&f, nlh, &ch), 0);
}

/* A new batch. */
static void batch(void)
{
	host_change_release(&ch);
}

static void setup(void)
{
	memset(&f, 0, sizeof(f));
	memset(&ch, 0, sizeof(ch));
}

static void teardown(void)
{
	host_facts_free(&f);
	host_change_release(&ch);
}

static void assert_sorted(void)
{
	ck_assert(f.links_by_name);
	for (size_t i = 1; i < f.n_links; i++)
		ck_assert_int_lt(strcmp(f.links[i - 1].name, f.links[i].name), 0);
}

/* A bridge br0 (5), up, with nothing on it; lo (1). */
static void base(void)
{
	apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 1, .name = "lo", .flags = IFF_UP }));
	apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 5,
						 .name = "br0",
						 .kind = "bridge",
						 .flags = IFF_UP | IFF_RUNNING }));
	batch();
}

START_TEST(test_veth_made_deleted)
{
	const struct host_link *a, *b;

	base();
	apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 10,
						 .name = "vb",
						 .kind = "veth",
						 .peer = 11,
						 .flags = IFF_BROADCAST }));
	apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 11,
						 .name = "va",
						 .kind = "veth",
						 .peer = 10,
						 .flags = IFF_BROADCAST }));
	ck_assert_uint_eq(f.n_links, 4);
	assert_sorted();
	ck_assert_uint_eq(ch.n_links, 2);
	ck_assert(ch.links[0].added && !ch.links[0].gone && ch.links[0].ifindex == 10);
	ck_assert(ch.links[1].added && ch.links[1].ifindex == 11);
	a = host_link_by_name(&f, "va");
	b = host_link_by_index(&f, 10);
	ck_assert(a && b);
	ck_assert_int_eq(a->ifindex, 11);
	ck_assert_int_eq(a->peer, 10);
	ck_assert_str_eq(a->kind, "veth");
	ck_assert_str_eq(b->name, "vb");

	batch();
	apply(link_msg(RTM_DELLINK, (struct lk){ .ifindex = 10, .name = "vb", .kind = "veth" }));
	apply(link_msg(RTM_DELLINK, (struct lk){ .ifindex = 11, .name = "va", .kind = "veth" }));
	ck_assert_uint_eq(f.n_links, 2);
	assert_sorted();
	ck_assert_uint_eq(ch.n_links, 2);
	ck_assert(ch.links[0].gone && !ch.links[0].added);
	ck_assert_str_eq(ch.links[0].old_name, "vb");
	ck_assert_str_eq(ch.links[1].old_name, "va");
	ck_assert_ptr_null(host_link_by_index(&f, 10));
	ck_assert_ptr_null(host_link_by_name(&f, "va"));

	/* made and deleted within one batch: nothing happened */
	batch();
	apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 12, .name = "vc", .kind = "veth" }));
	apply(link_msg(RTM_DELLINK, (struct lk){ .ifindex = 12, .name = "vc", .kind = "veth" }));
	ck_assert_uint_eq(ch.n_links, 0);
	ck_assert_uint_eq(f.n_links, 2);
	/* deleting what is not there changes nothing */
	apply(link_msg(RTM_DELLINK, (struct lk){ .ifindex = 99, .name = "zz" }));
	ck_assert_uint_eq(ch.n_links, 0);
}
END_TEST

/* A veth's peer leaving or entering the namespace is announced; the veth
 * is not (down: no carrier to change). The snapshot names the peer as a
 * read would: 0 once it is elsewhere, its ifindex once it is back. */
START_TEST(test_veth_peer_moves)
{
	base();
	apply(link_msg(
		RTM_NEWLINK,
		(struct lk){
			.ifindex = 10, .name = "pA", .kind = "veth", .master = 5, .peer = 11 }));
	apply(link_msg(RTM_NEWLINK,
		       (struct lk){ .ifindex = 11, .name = "pB", .kind = "veth", .peer = 10 }));
	ck_assert_int_eq(host_link_by_index(&f, 10)->peer, 11);
	batch();
	/* pB into a container */
	apply(link_msg(RTM_DELLINK, (struct lk){ .ifindex = 11, .name = "pB", .kind = "veth" }));
	ck_assert_int_eq(host_link_by_index(&f, 10)->peer, 0);
	ck_assert_uint_eq(ch.n_links, 2);
	ck_assert(ch.links[1].ifindex == 10 && !ch.links[1].gone && !ch.links[1].added);
	ck_assert_int_eq(ch.links[1].old_master, 5);
	batch();
	/* back, under another ifindex */
	apply(link_msg(RTM_NEWLINK,
		       (struct lk){ .ifindex = 12, .name = "pB", .kind = "veth", .peer = 10 }));
	ck_assert_int_eq(host_link_by_index(&f, 10)->peer, 12);
	ck_assert_uint_eq(ch.n_links, 2);
	ck_assert(ch.links[1].ifindex == 10 && !ch.links[1].gone);
	/* the pair deleted: both gone, each once */
	batch();
	apply(link_msg(RTM_DELLINK, (struct lk){ .ifindex = 12, .name = "pB", .kind = "veth" }));
	apply(link_msg(RTM_DELLINK, (struct lk){ .ifindex = 10, .name = "pA", .kind = "veth" }));
	ck_assert_uint_eq(ch.n_links, 2);
	ck_assert(ch.links[0].gone && ch.links[1].gone);
	ck_assert_uint_eq(f.n_links, 2);
}
END_TEST

START_TEST(test_port_enslaved_released)
{
	base();
	apply(link_msg(
		RTM_NEWLINK,
		(struct lk){ .ifindex = 6, .name = "tap0", .kind = "tun", .flags = IFF_UP }));
	batch();
	/* enslaved: the link's own message, and the bridge's AF_BRIDGE one */
	apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 6,
						 .name = "tap0",
						 .kind = "tun",
						 .master = 5,
						 .flags = IFF_UP }));
	apply(link_msg(RTM_NEWLINK, (struct lk){ .family = AF_BRIDGE,
						 .ifindex = 6,
						 .name = "tap0",
						 .master = 5,
						 .flags = IFF_UP }));
	ck_assert_uint_eq(ch.n_links, 1);
	ck_assert(!ch.links[0].added && !ch.links[0].gone);
	ck_assert_int_eq(ch.links[0].old_master, 0);
	ck_assert_int_eq(host_link_by_index(&f, 6)->master, 5);

	batch();
	/* released: the bridge's AF_BRIDGE RTM_DELLINK says the port left,
	 * not that the link is gone */
	apply(link_msg(RTM_DELLINK, (struct lk){ .family = AF_BRIDGE,
						 .ifindex = 6,
						 .name = "tap0",
						 .master = 5,
						 .flags = IFF_UP }));
	ck_assert_ptr_nonnull(host_link_by_index(&f, 6));
	apply(link_msg(
		RTM_NEWLINK,
		(struct lk){ .ifindex = 6, .name = "tap0", .kind = "tun", .flags = IFF_UP }));
	ck_assert_uint_eq(f.n_links, 3);
	ck_assert_uint_eq(ch.n_links, 1);
	ck_assert_int_eq(ch.links[0].old_master, 5);
	ck_assert_int_eq(host_link_by_index(&f, 6)->master, 0);
}
END_TEST

START_TEST(test_bridge_renamed)
{
	base();
	apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 7, .name = "eth0", .flags = IFF_UP }));
	batch();
	apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 5,
						 .name = "zbr",
						 .kind = "bridge",
						 .flags = IFF_UP | IFF_RUNNING }));
	assert_sorted();
	ck_assert_uint_eq(f.n_links, 3);
	ck_assert_ptr_null(host_link_by_name(&f, "br0"));
	ck_assert_int_eq(host_link_by_name(&f, "zbr")->ifindex, 5);
	ck_assert_uint_eq(ch.n_links, 1);
	ck_assert_str_eq(ch.links[0].old_name, "br0");
	/* and back again within the batch: still one entry, the first name */
	apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 5,
						 .name = "br0",
						 .kind = "bridge",
						 .flags = IFF_UP | IFF_RUNNING }));
	assert_sorted();
	ck_assert_uint_eq(ch.n_links, 1);
	ck_assert_str_eq(ch.links[0].old_name, "br0");
}
END_TEST

START_TEST(test_link_down)
{
	base();
	apply(addr_msg(RTM_NEWADDR, AF_INET, "10.0.0.1", 24, 5));
	apply(route_msg(RTM_NEWROUTE, 0, AF_INET, "10.0.0.0", 24, 5, RT_TABLE_MAIN));
	apply(route_msg(RTM_NEWROUTE, 0, AF_INET6, "fd00::", 64, 5, RT_TABLE_MAIN));
	batch();
	apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 5, .name = "br0", .kind = "bridge" }));
	ck_assert_uint_eq(ch.n_links, 1);
	ck_assert_uint_eq(ch.links[0].old_flags, IFF_UP | IFF_RUNNING);
	ck_assert_uint_eq(host_link_by_index(&f, 5)->flags & IFF_UP, 0);
	/* the kernel flushes the IPv4 routes through it without a word; the
	 * address stays, the IPv6 route goes with its own event */
	ck_assert_uint_eq(f.n_routes, 1);
	ck_assert_int_eq(f.routes[0].family, AF_INET6);
	ck_assert_uint_eq(ch.n_routes, 1);
	ck_assert_int_eq(ch.routes[0].family, AF_INET);
	ck_assert_uint_eq(f.n_addrs, 1);
}
END_TEST

START_TEST(test_nothing_kept_changed)
{
	base();
	/* statistics, MTU, IFF_RUNNING: the kernel says so, we keep none */
	apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 5,
						 .name = "br0",
						 .kind = "bridge",
						 .flags = IFF_UP | IFF_RUNNING,
						 .rx_packets = 12345 }));
	apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 5,
						 .name = "br0",
						 .kind = "bridge",
						 .mtu = 9000,
						 .flags = IFF_UP }));
	ck_assert_uint_eq(ch.n_links, 0);
	ck_assert_uint_eq(host_link_by_index(&f, 5)->flags, IFF_UP); /* as last said */
	/* carrier is kept (a tap QEMU closed), and the MAC (a tap's changed
	 * on a bridge) */
	apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 5,
						 .name = "br0",
						 .kind = "bridge",
						 .flags = IFF_UP | HOST_LINK_FLAGS }));
	ck_assert_uint_eq(ch.n_links, 1);
	batch();
	apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 5,
						 .name = "br0",
						 .kind = "bridge",
						 .mac_last = 7,
						 .flags = IFF_UP | HOST_LINK_FLAGS }));
	ck_assert_uint_eq(ch.n_links, 1);
	ck_assert_uint_eq(host_link_by_index(&f, 5)->mac[5], 7);
	/* a per-device forwarding announcement (every new link makes one) */
	{
		struct nlmsghdr *nlh = hdr(RTM_NEWNETCONF, 0, sizeof(struct netconfmsg));

		((struct netconfmsg *)mnl_nlmsg_get_payload(nlh))->ncm_family = AF_INET;
		mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, 5);
		mnl_attr_put_u32(nlh, NETCONFA_FORWARDING, 1);
		apply(nlh);
		ck_assert(!ch.netconf);
		/* "all": net.ipv4.ip_forward */
		nlh = hdr(RTM_NEWNETCONF, 0, sizeof(struct netconfmsg));
		((struct netconfmsg *)mnl_nlmsg_get_payload(nlh))->ncm_family = AF_INET;
		mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)NETCONFA_IFINDEX_ALL);
		mnl_attr_put_u32(nlh, NETCONFA_RP_FILTER, 0);
		apply(nlh);
		ck_assert(!ch.netconf);
		mnl_attr_put_u32(nlh, NETCONFA_FORWARDING, 0);
		apply(nlh);
		ck_assert(ch.netconf);
	}
}
END_TEST

START_TEST(test_addresses)
{
	char text[64];

	base();
	apply(addr_msg(RTM_NEWADDR, AF_INET, "10.0.0.1", 24, 5));
	apply(addr_msg(RTM_NEWADDR, AF_INET6, "fd00::1", 64, 5));
	ck_assert_uint_eq(f.n_addrs, 2);
	ck_assert_uint_eq(ch.n_addrs, 2);
	ck_assert_int_eq(f.addrs[0].family, AF_INET);
	ck_assert_uint_eq(f.addrs[0].plen, 24);
	ck_assert_int_eq(f.addrs[0].ifindex, 5);
	ck_assert_str_eq(inet_ntop(AF_INET, f.addrs[0].addr, text, sizeof(text)), "10.0.0.1");
	ck_assert_str_eq(inet_ntop(AF_INET6, f.addrs[1].addr, text, sizeof(text)), "fd00::1");

	batch();
	/* again (DAD done, lifetimes): nothing new */
	apply(addr_msg(RTM_NEWADDR, AF_INET6, "fd00::1", 64, 5));
	ck_assert_uint_eq(ch.n_addrs, 0);
	ck_assert_uint_eq(f.n_addrs, 2);

	apply(addr_msg(RTM_DELADDR, AF_INET, "10.0.0.1", 24, 5));
	ck_assert_uint_eq(f.n_addrs, 1);
	ck_assert_uint_eq(ch.n_addrs, 1);
	ck_assert_str_eq(inet_ntop(AF_INET, ch.addrs[0].addr, text, sizeof(text)), "10.0.0.1");
	apply(addr_msg(RTM_DELADDR, AF_INET, "10.0.0.1", 24, 5));
	ck_assert_uint_eq(ch.n_addrs, 1);

	/* a deleted link's addresses go with it */
	batch();
	apply(link_msg(RTM_DELLINK, (struct lk){ .ifindex = 5, .name = "br0" }));
	ck_assert_uint_eq(f.n_addrs, 0);
	ck_assert_uint_eq(ch.n_addrs, 1);
	ck_assert_int_eq(ch.addrs[0].family, AF_INET6);
}
END_TEST

START_TEST(test_routes)
{
	char text[64];

	base();
	apply(route_msg(RTM_NEWROUTE, 0, AF_INET, "192.168.7.0", 24, 5, RT_TABLE_MAIN));
	apply(route_msg(RTM_NEWROUTE, 0, AF_INET, "192.168.8.0", 24, 5, RT_TABLE_LOCAL));
	apply(route_msg(RTM_NEWROUTE, 0, AF_INET, "192.168.9.0", 24, 5, 1000));
	ck_assert_uint_eq(f.n_routes, 1);
	ck_assert_uint_eq(ch.n_routes, 1);
	ck_assert_uint_eq(f.routes[0].plen, 24);
	ck_assert_int_eq(f.routes[0].ifindex, 5);
	ck_assert_uint_eq(f.routes[0].protocol, RTPROT_KERNEL);
	ck_assert_str_eq(inet_ntop(AF_INET, f.routes[0].dst, text, sizeof(text)), "192.168.7.0");

	batch();
	apply(route_msg(RTM_NEWROUTE, 0, AF_INET, "192.168.7.0", 24, 5, RT_TABLE_MAIN));
	ck_assert_uint_eq(ch.n_routes, 0);
	/* replaced: now through lo */
	apply(route_msg(RTM_NEWROUTE, NLM_F_REPLACE, AF_INET, "192.168.7.0", 24, 1, RT_TABLE_MAIN));
	ck_assert_uint_eq(f.n_routes, 1);
	ck_assert_int_eq(f.routes[0].ifindex, 1);
	ck_assert_uint_eq(ch.n_routes, 2);

	batch();
	apply(route_msg(RTM_DELROUTE, 0, AF_INET, "192.168.7.0", 24, 1, RT_TABLE_MAIN));
	ck_assert_uint_eq(f.n_routes, 0);
	ck_assert_uint_eq(ch.n_routes, 1);
	ck_assert_int_eq(ch.routes[0].ifindex, 1);
}
END_TEST

/* The test hook's comparison: the same facts in another order agree; a
 * link's master, an address or a route missing on one side does not. */
/* An IPv6 route to 2001:db8:9::/64, metric 1024, on xa (5): through
 * the gateways gws[0..n) (..::2, ..::3: the last byte), one nexthop
 * (RTA_OIF, RTA_GATEWAY) or several (RTA_MULTIPATH), as the kernel
 * announces it (rt6_fill_node); nhid: RTA_NH_ID. */
static const struct nlmsghdr *gw_route_msg(uint16_t type, uint16_t flags, const uint8_t *gws,
					   size_t n, uint32_t nhid)
{
	struct nlmsghdr *nlh = hdr(type, flags, sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	uint8_t dst[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 9 },
		gw[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 7 };

	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = 64;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_protocol = RTPROT_BOOT;
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	mnl_attr_put(nlh, RTA_DST, 16, dst);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 1024);
	if (nhid)
		mnl_attr_put_u32(nlh, RTA_NH_ID, nhid);
	if (n == 1) {
		gw[15] = gws[0];
		mnl_attr_put(nlh, RTA_GATEWAY, 16, gw);
		mnl_attr_put_u32(nlh, RTA_OIF, 5);
	} else {
		struct nlattr *mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);

		for (size_t i = 0; i < n; i++) {
			struct rtnexthop *nh = mnl_nlmsg_get_payload_tail(nlh);

			nlh->nlmsg_len += RTNH_ALIGN(sizeof(*nh));
			memset(nh, 0, sizeof(*nh));
			nh->rtnh_ifindex = 5;
			gw[15] = gws[i];
			mnl_attr_put(nlh, RTA_GATEWAY, 16, gw);
			nh->rtnh_len = (unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) -
							(char *)nh);
		}
		mnl_attr_nest_end(nlh, mp);
	}
	return nlh;
}

static size_t routes_via(uint8_t last)
{
	size_t n = 0;

	for (size_t i = 0; i < f.n_routes; i++)
		n += f.routes[i].dst[5] == 9 && f.routes[i].gw[15] == last &&
		     f.routes[i].ifindex == 5;
	return n;
}

/* Routes nexthop by nexthop: what ip -6 route append / del ... via
 * announce, a multipath route added and deleted whole, a nexthop object
 * deleted with its routes. Keyed by destination and metric alone, the
 * snapshot kept one of two and lost it when one went. */
START_TEST(test_route_nexthops)
{
	const uint8_t a = 2, b = 3, ab[] = { 2, 3 };
	struct host_route r[4];
	uint32_t id = 0;

	base();
	ck_assert_uint_eq(rtnl_msg_parse_routes(gw_route_msg(RTM_NEWROUTE, 0, ab, 2, 0), r, 4), 2);
	ck_assert(r[0].ifindex == 5 && r[0].gw[15] == 2 && r[1].gw[15] == 3);
	ck_assert_uint_eq(rtnl_msg_parse_routes(gw_route_msg(RTM_NEWROUTE, 0, ab, 2, 0), r, 1), 1);
	/* added via a, appended via b: the kernel announces the whole */
	apply(gw_route_msg(RTM_NEWROUTE, NLM_F_CREATE, &a, 1, 0));
	apply(gw_route_msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_APPEND, ab, 2, 0));
	ck_assert_uint_eq(f.n_routes, 2);
	ck_assert_uint_eq(ch.n_routes, 2);
	/* a deleted: b stays */
	batch();
	apply(gw_route_msg(RTM_DELROUTE, 0, &a, 1, 0));
	ck_assert_uint_eq(routes_via(a), 0);
	ck_assert_uint_eq(routes_via(b), 1);
	ck_assert_uint_eq(ch.n_routes, 1);
	/* both again, deleted whole */
	apply(gw_route_msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_APPEND, ab, 2, 0));
	ck_assert_uint_eq(f.n_routes, 2);
	apply(gw_route_msg(RTM_DELROUTE, 0, ab, 2, 0));
	ck_assert_uint_eq(f.n_routes, 0);
	/* replaced by one: the other nexthop goes */
	apply(gw_route_msg(RTM_NEWROUTE, NLM_F_CREATE, ab, 2, 0));
	apply(gw_route_msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &b, 1, 0));
	ck_assert_uint_eq(routes_via(a), 0);
	ck_assert_uint_eq(routes_via(b), 1);
	ck_assert_uint_eq(f.n_routes, 1);
	/* through nexthop object 7: its deletion takes the route */
	apply(gw_route_msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &a, 1, 7));
	ck_assert_uint_eq(f.n_routes, 1);
	batch();
	{
		struct nlmsghdr *nlh = hdr(RTM_DELNEXTHOP, 0, sizeof(struct nhmsg));

		mnl_attr_put_u32(nlh, NHA_ID, 8);
		ck_assert(rtnl_msg_parse_nexthop_del(nlh, &id) && id == 8);
		apply(nlh);
		ck_assert_uint_eq(f.n_routes, 1);
		nlh = hdr(RTM_DELNEXTHOP, 0, sizeof(struct nhmsg));
		mnl_attr_put_u32(nlh, NHA_ID, 7);
		apply(nlh);
	}
	ck_assert_uint_eq(f.n_routes, 0);
	ck_assert_uint_eq(ch.n_routes, 1);
}
END_TEST

/* An IPv4 route to 198.18.<net>.0/24 through oifs[0..n) (RTA_MULTIPATH
 * when more than one). */
static const struct nlmsghdr *v4_route_msg(uint16_t type, uint8_t net, const int *oifs, size_t n)
{
	struct nlmsghdr *nlh = hdr(type, 0, sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	uint8_t dst[4] = { 198, 18, net, 0 }, gw[4] = { 10, 0, 0, 2 };

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 24;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	mnl_attr_put(nlh, RTA_DST, 4, dst);
	if (n == 1) {
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oifs[0]);
		mnl_attr_put(nlh, RTA_GATEWAY, 4, gw);
		return nlh;
	}
	{
		struct nlattr *mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);

		for (size_t i = 0; i < n; i++) {
			struct rtnexthop *nh = mnl_nlmsg_get_payload_tail(nlh);

			nlh->nlmsg_len += RTNH_ALIGN(sizeof(*nh));
			memset(nh, 0, sizeof(*nh));
			nh->rtnh_ifindex = oifs[i];
			gw[2] = (uint8_t)i;
			mnl_attr_put(nlh, RTA_GATEWAY, 4, gw);
			nh->rtnh_len = (unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) -
							(char *)nh);
		}
		mnl_attr_nest_end(nlh, mp);
	}
	return nlh;
}

static size_t routes_to(uint8_t net)
{
	size_t n = 0;

	for (size_t i = 0; i < f.n_routes; i++)
		n += f.routes[i].family == AF_INET && f.routes[i].dst[2] == net;
	return n;
}

/* The IPv4 routes the kernel flushes without a word: through a link set
 * down (a multipath one only once no nexthop's link is up), or deleted
 * (a multipath one whole), or that lost its last IPv4 address. */
START_TEST(test_route_v4_flush)
{
	const int both[] = { 5, 6 }, five = 5;

	base();
	apply(link_msg(
		RTM_NEWLINK,
		(struct lk){ .ifindex = 6, .name = "eth1", .kind = "veth", .flags = IFF_UP }));
	apply(addr_msg(RTM_NEWADDR, AF_INET, "10.0.0.1", 24, 5));
	apply(addr_msg(RTM_NEWADDR, AF_INET, "10.0.1.1", 24, 6));
	apply(v4_route_msg(RTM_NEWROUTE, 20, both, 2));
	apply(v4_route_msg(RTM_NEWROUTE, 21, &five, 1));
	ck_assert_uint_eq(routes_to(20), 2);
	ck_assert(f.routes[0].mp);
	batch();
	/* br0 down: its own route goes, the multipath one stays (eth1 up) */
	apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 5, .name = "br0", .kind = "bridge" }));
	ck_assert_uint_eq(routes_to(21), 0);
	ck_assert_uint_eq(routes_to(20), 2);
	/* eth1 down too: no nexthop alive */
	apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 6, .name = "eth1", .kind = "veth" }));
	ck_assert_uint_eq(routes_to(20), 0);
	/* both up, the route again; eth1 deleted: the route goes whole */
	apply(link_msg(
		RTM_NEWLINK,
		(struct lk){ .ifindex = 5, .name = "br0", .kind = "bridge", .flags = IFF_UP }));
	apply(link_msg(
		RTM_NEWLINK,
		(struct lk){ .ifindex = 6, .name = "eth1", .kind = "veth", .flags = IFF_UP }));
	apply(v4_route_msg(RTM_NEWROUTE, 20, both, 2));
	ck_assert_uint_eq(routes_to(20), 2);
	apply(link_msg(RTM_DELLINK, (struct lk){ .ifindex = 6, .name = "eth1", .kind = "veth" }));
	ck_assert_uint_eq(routes_to(20), 0);
	/* br0's last IPv4 address deleted: its IPv4 routes go */
	apply(v4_route_msg(RTM_NEWROUTE, 21, &five, 1));
	apply(addr_msg(RTM_NEWADDR, AF_INET, "10.0.2.1", 24, 5));
	apply(addr_msg(RTM_DELADDR, AF_INET, "10.0.0.1", 24, 5));
	ck_assert_uint_eq(routes_to(21), 1);
	apply(addr_msg(RTM_DELADDR, AF_INET, "10.0.2.1", 24, 5));
	ck_assert_uint_eq(routes_to(21), 0);
}
END_TEST

/* 10.77.0.1 peer 10.77.0.2/32 and 10.77.0.1 peer 10.77.0.3/32: two. */
START_TEST(test_address_peers)
{
	static const uint8_t local[4] = { 10, 77, 0, 1 };

	base();
	for (int del = 0; del < 2; del++)
		for (uint8_t p = 2; p <= 3 - del; p++) {
			struct nlmsghdr *nlh =
				hdr(del ? RTM_DELADDR : RTM_NEWADDR, 0, sizeof(struct ifaddrmsg));
			struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
			uint8_t peer[4] = { 10, 77, 0, p };

			ifa->ifa_family = AF_INET;
			ifa->ifa_prefixlen = 32;
			ifa->ifa_index = 5;
			mnl_attr_put(nlh, IFA_ADDRESS, 4, peer);
			mnl_attr_put(nlh, IFA_LOCAL, 4, local);
			apply(nlh);
		}
	ck_assert_uint_eq(f.n_addrs, 1);
	ck_assert_int_eq(f.addrs[0].peer[3], 3);
	ck_assert_int_eq(f.addrs[0].addr[3], 1);
}
END_TEST

START_TEST(test_facts_cmp)
{
	struct host_facts g = { 0 };
	struct host_change c = { 0 };
	char msg[256];

	base();
	apply(addr_msg(RTM_NEWADDR, AF_INET, "10.0.0.1", 24, 5));
	apply(addr_msg(RTM_NEWADDR, AF_INET6, "fd00::1", 64, 5));
	apply(route_msg(RTM_NEWROUTE, 0, AF_INET, "10.0.0.0", 24, 5, RT_TABLE_MAIN));
	/* the same, the other way round */
	ck_assert_int_eq(
		host_facts_apply(&g, addr_msg(RTM_NEWADDR, AF_INET6, "fd00::1", 64, 5), &c), 0);
	ck_assert_int_eq(host_facts_apply(&g,
					  route_msg(RTM_NEWROUTE, 0, AF_INET, "10.0.0.0", 24, 5,
						    RT_TABLE_MAIN),
					  &c),
			 0);
	ck_assert_int_eq(
		host_facts_apply(&g, addr_msg(RTM_NEWADDR, AF_INET, "10.0.0.1", 24, 5), &c), 0);
	ck_assert_int_eq(host_facts_apply(&g,
					  link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 5,
									     .name = "br0",
									     .kind = "bridge",
									     .flags = IFF_UP }),
					  &c),
			 0);
	ck_assert_int_eq(host_facts_apply(&g,
					  link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 1,
									     .name = "lo",
									     .flags = IFF_UP }),
					  &c),
			 0);
	ck_assert_int_eq(host_facts_cmp(&f, &g, msg, sizeof(msg)), 0);
	ck_assert_int_eq(host_facts_apply(&g,
					  route_msg(RTM_DELROUTE, 0, AF_INET, "10.0.0.0", 24, 5,
						    RT_TABLE_MAIN),
					  &c),
			 0);
	ck_assert_int_eq(host_facts_cmp(&f, &g, msg, sizeof(msg)), 1);
	ck_assert_str_eq(msg, "route 10.0.0.0/24 dev 5 metric 0 only in the first");
	apply(route_msg(RTM_DELROUTE, 0, AF_INET, "10.0.0.0", 24, 5, RT_TABLE_MAIN));
	apply(link_msg(RTM_NEWLINK,
		       (struct lk){ .ifindex = 1, .name = "lo", .master = 5, .flags = IFF_UP }));
	ck_assert_int_eq(host_facts_cmp(&f, &g, msg, sizeof(msg)), 1);
	ck_assert_str_eq(msg, "link 1 lo (kind \"\", master 5, peer 0, flags 0x1) differs");
	host_facts_free(&g);
	host_change_release(&c);
}
END_TEST

/* The dumps' parsers are the events': a facts read from a dump and one
 * kept from events agree. */
START_TEST(test_parse_link)
{
	struct rtnl_link l;

	ck_assert(rtnl_msg_parse_link(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 9,
									 .name = "veth9",
									 .kind = "veth",
									 .master = 5,
									 .peer = 8,
									 .mtu = 1400,
									 .flags = IFF_UP }),
				      &l));
	ck_assert_int_eq(l.ifindex, 9);
	ck_assert_str_eq(l.name, "veth9");
	ck_assert_str_eq(l.kind, "veth");
	ck_assert_int_eq(l.master, 5);
	ck_assert_int_eq(l.peer, 8);
	ck_assert_uint_eq(l.mtu, 1400);
	ck_assert_uint_eq(l.flags, IFF_UP);
	/* IFLA_LINK of a link that is not a veth is not a peer */
	ck_assert(rtnl_msg_parse_link(
		link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 9, .name = "v", .peer = 8 }), &l));
	ck_assert_int_eq(l.peer, 0);
	ck_assert(!rtnl_msg_parse_link(
		link_msg(RTM_NEWLINK,
			 (struct lk){ .family = AF_BRIDGE, .ifindex = 9, .name = "v" }),
		&l));
	ck_assert(!rtnl_msg_parse_link(hdr(RTM_NEWLINK, 0, 4), &l)); /* short */
	ck_assert(!rtnl_msg_parse_link(addr_msg(RTM_NEWADDR, AF_INET, "1.2.3.4", 8, 1), &l));
}
END_TEST

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
START_TEST(test_neigh_dump_bytes)
{
	static unsigned char buf[RTNL_MSG_SIZE] __attribute__((aligned(4)));
	/* clang-format off */
	static const unsigned char all6[] = {
		28, 0, 0, 0, 30, 0 /* RTM_GETNEIGH */, 0x01, 0x03 /* REQUEST|DUMP */,
		7, 0, 0, 0, 0, 0, 0, 0,
		10 /* AF_INET6 */, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* struct ndmsg */
	};
	static const unsigned char fdb[] = {
		36, 0, 0, 0, 30, 0, 0x01, 0x03,
		8, 0, 0, 0, 0, 0, 0, 0,
		7 /* AF_BRIDGE */, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		8, 0, 9, 0 /* NDA_MASTER */, 42, 0, 0, 0,
	};
	/* clang-format on */

	ck_assert_int_eq(rtnl_msg_dump_neigh(buf, sizeof(buf), 7, AF_INET6, 0), (int)sizeof(all6));
	ck_assert_mem_eq(buf, all6, sizeof(all6));
	ck_assert_int_eq(rtnl_msg_dump_neigh(buf, sizeof(buf), 8, AF_BRIDGE, 42), (int)sizeof(fdb));
	ck_assert_mem_eq(buf, fdb, sizeof(fdb));
	ck_assert_int_eq(rtnl_msg_dump_neigh(buf, 30, 8, AF_BRIDGE, 42), -EMSGSIZE);
}
END_TEST
#endif

static const struct nlmsghdr *neigh_msg(int family, int ifindex, uint16_t state, const char *dst,
					const uint8_t *mac, int master)
{
	struct nlmsghdr *nlh = hdr(RTM_NEWNEIGH, 0, sizeof(struct ndmsg));
	struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	uint8_t a[16];

	nd->ndm_family = (uint8_t)family;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = state;
	if (dst) {
		ck_assert_int_eq(inet_pton(AF_INET6, dst, a), 1);
		mnl_attr_put(nlh, NDA_DST, 16, a);
	}
	if (mac)
		mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	if (master)
		mnl_attr_put_u32(nlh, NDA_MASTER, (uint32_t)master);
	return nlh;
}

START_TEST(test_parse_neigh)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 1, 2, 3 };
	struct host_fdb e;
	struct host_neigh6 n;
	char text[64];

	ck_assert(rtnl_msg_parse_fdb(neigh_msg(AF_BRIDGE, 6, NUD_REACHABLE, NULL, mac, 5), &e));
	ck_assert_int_eq(e.ifindex, 6);
	ck_assert_int_eq(e.master, 5);
	ck_assert_mem_eq(e.mac, mac, 6);
	/* the ports' own MACs; no MAC; another family */
	ck_assert(!rtnl_msg_parse_fdb(neigh_msg(AF_BRIDGE, 6, NUD_PERMANENT, NULL, mac, 5), &e));
	ck_assert(!rtnl_msg_parse_fdb(neigh_msg(AF_BRIDGE, 6, NUD_REACHABLE, NULL, NULL, 5), &e));
	ck_assert(
		!rtnl_msg_parse_fdb(neigh_msg(AF_INET6, 6, NUD_REACHABLE, "fe80::1", mac, 0), &e));

	ck_assert(rtnl_msg_parse_neigh6(neigh_msg(AF_INET6, 5, NUD_STALE, "fd00::7", mac, 0), &n));
	ck_assert_int_eq(n.ifindex, 5);
	ck_assert_mem_eq(n.mac, mac, 6);
	ck_assert_str_eq(inet_ntop(AF_INET6, &n.a6, text, sizeof(text)), "fd00::7");
	ck_assert(!rtnl_msg_parse_neigh6(neigh_msg(AF_INET6, 5, NUD_INCOMPLETE, "fd00::7", mac, 0),
					 &n));
	ck_assert(
		!rtnl_msg_parse_neigh6(neigh_msg(AF_INET6, 5, NUD_FAILED, "fd00::7", NULL, 0), &n));
	ck_assert(!rtnl_msg_parse_neigh6(neigh_msg(AF_INET6, 5, NUD_STALE, NULL, mac, 0), &n));
	ck_assert(!rtnl_msg_parse_neigh6(neigh_msg(AF_BRIDGE, 5, NUD_STALE, NULL, mac, 0), &n));
}
END_TEST

/* A host with 3,000 links: one event that touches none of ours is a few
 * microseconds (reported, with a generous bound). */
START_TEST(test_many_links)
{
	char name[IFNAMSIZ];
	struct timespec t0, t1;
	double us;

	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "veth%d", i);
		apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 100 + i,
							 .name = name,
							 .kind = "veth",
							 .flags = IFF_UP }));
	}
	batch();
	assert_sorted();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "veth%d", 2999 - i);
		apply(link_msg(RTM_NEWLINK, (struct lk){ .ifindex = 3099 - i,
							 .name = name,
							 .kind = "veth",
							 .flags = IFF_UP,
							 .rx_packets = 1 }));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = ((double)(t1.tv_sec - t0.tv_sec) * 1e6 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) /
	     1000;
	printf("snapshot: one link event at 3,000 links: %.2f us (build and apply)\n", us);
	ck_assert_uint_eq(ch.n_links, 0);
	ck_assert_double_lt(us, 200);
}
END_TEST

/* The real thing, no root needed (reads only): the snapshot of this
 * namespace agrees with a fresh read, a quiet monitor changes nothing,
 * and the neighbour dumps parse. */
START_TEST(test_kernel)
{
	struct rtnl *r;
	struct host_snap *s;
	struct host_facts g;
	struct host_fdb *fdb = NULL;
	struct host_neigh6 *nb = NULL;
	size_t n_fdb = 99, n_nb = 99;
	int fd;

	ck_assert_int_eq(rtnl_open(&r), 0);
	ck_assert_int_ge(fd = rtnl_monitor_open(), 0);
	ck_assert_int_eq(host_snap_new(r, &s), 0);
	ck_assert_int_eq(rtnl_read_facts(r, &g), 0);
	ck_assert_uint_eq(host_snap_facts(s)->n_links, g.n_links);
	ck_assert_uint_gt(g.n_links, 0); /* lo */
	ck_assert_ptr_nonnull(host_link_by_name(host_snap_facts(s), "lo"));
	ck_assert_int_eq(host_snap_drain(s, fd, &ch), 0);
	ck_assert(!ch.all);
	ck_assert_uint_eq(ch.n_links + ch.n_addrs + ch.n_routes, 0);
	ck_assert_int_eq(host_snap_reread(s, &ch), 0);
	ck_assert(ch.all);
	ck_assert_int_eq(host_fdb_read(r, 0, &fdb, &n_fdb), 0);
	ck_assert_int_eq(host_neigh6_read(r, &nb, &n_nb), 0);
	ck_assert_uint_ne(n_fdb, 99);
	ck_assert_uint_ne(n_nb, 99);
	free(fdb);
	free(nb);
	host_facts_free(&g);
	host_snap_free(s);
	close(fd);
	rtnl_close(r);
}
END_TEST

Suite *snapshot_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *a = tcase_create("apply"), *p = tcase_create("parse"), *k = tcase_create("kernel");

	tcase_add_checked_fixture(a, setup, teardown);
	tcase_add_test(a, test_veth_made_deleted);
	tcase_add_test(a, test_veth_peer_moves);
	tcase_add_test(a, test_port_enslaved_released);
	tcase_add_test(a, test_bridge_renamed);
	tcase_add_test(a, test_link_down);
	tcase_add_test(a, test_nothing_kept_changed);
	tcase_add_test(a, test_addresses);
	tcase_add_test(a, test_routes);
	tcase_add_test(a, test_route_nexthops);
	tcase_add_test(a, test_address_peers);
	tcase_add_test(a, test_route_v4_flush);
	tcase_add_test(a, test_many_links);
	tcase_add_test(a, test_facts_cmp);
	tcase_add_test(p, test_parse_link);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	tcase_add_test(p, test_neigh_dump_bytes);
#endif
	tcase_add_test(p, test_parse_neigh);
	tcase_add_checked_fixture(k, setup, teardown);
	tcase_add_test(k, test_kernel);
	suite_add_tcase(s, a);
	suite_add_tcase(s, p);
	suite_add_tcase(s, k);
	return s;
}
