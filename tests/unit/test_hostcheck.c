/* Host checks over hand-made host facts: guest ports, overlaps with
 * addresses and routes, auto subnets, RA-learned routes. */
#include "suites.h"
#include "conf/conf.h"
#include "gatewayd/host/hostcheck.h"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <string.h>

static struct hostcheck_own own; /* the doctor's test ports */

static struct host_link links[] = {
	{ 1, "lo", "", 0, 0, 0, { 0 } },	{ 2, "eth0", "", 0, 0, 0, { 0 } },
	{ 3, "gw0", "bridge", 0, 0, 0, { 0 } }, { 4, "tap0", "tun", 3, 0, 0, { 0 } },
	{ 5, "vnet7", "tun", 3, 0, 0, { 0 } },	{ 6, "tun0", "tun", 0, 0, 0, { 0 } },
	{ 7, "vx0", "vxlan", 0, 0, 0, { 0 } },	{ 8, "veth1", "veth", 3, 0, 0, { 0 } },
};
static struct host_addr addrs[8];
static struct host_route routes[8];
static struct host_facts facts = { 8, 0, 0, links, addrs, routes, false };

static void add_addr(int family, const char *a, unsigned plen, int ifindex)
{
	struct host_addr *x = &addrs[facts.n_addrs++];

	x->family = family;
	inet_pton(family, a, x->addr);
	x->plen = plen;
	x->ifindex = ifindex;
}

static void add_route(int family, const char *a, unsigned plen, int ifindex, unsigned proto)
{
	struct host_route *x = &routes[facts.n_routes++];

	memset(x, 0, sizeof(*x));
	x->family = family;
	inet_pton(family, a, x->dst);
	x->plen = plen;
	x->ifindex = ifindex;
	x->protocol = proto;
}

static struct gw_conf *conf;

static void setup(void)
{
	char err[256];
	const char *text = "network default {\n bridge = gw0\n ipv4 = \"10.213.0.1/24\"\n ipv6 = "
			   "\"fd42:213::1/64\"\n}\n"
			   "network two {\n bridge = gw1\n ipv4 = auto\n guest_ports = {\"tap*\", "
			   "\"vm-*\"}\n}\n";

	ck_assert_int_eq(conf_load_buf("t", text, &conf, err, sizeof(err)), 0);
	facts.n_addrs = facts.n_routes = 0;
	links[3].master = 3;
	add_addr(AF_INET, "127.0.0.1", 8, 1);
	add_addr(AF_INET, "192.168.1.10", 24, 2);
	add_addr(AF_INET, "10.213.0.1", 24, 3); /* ours: on gw0 */
	add_addr(AF_INET6, "fe80::1", 64, 2);
	add_route(AF_INET, "0.0.0.0", 0, 2, RTPROT_DHCP);
	add_route(AF_INET, "10.213.0.0", 24, 3, RTPROT_KERNEL); /* ours */
	add_route(AF_INET6, "fe80::", 64, 2, RTPROT_KERNEL);
}

static void teardown(void)
{
	conf_free(conf);
}

START_TEST(test_guest_port_kinds)
{
	const struct gw_network *n = &conf->networks[0];

	ck_assert(hostcheck_guest_port(&own, n, 0, "tun", "tap0"));
	ck_assert(hostcheck_guest_port(&own, n, 0, "tun", "vnet3"));
	ck_assert(hostcheck_guest_port(&own, n, 0, "veth", "veth1"));
	ck_assert(!hostcheck_guest_port(&own, n, 0, "", "eth0"));
	ck_assert(!hostcheck_guest_port(&own, n, 0, "vxlan", "vx0"));
	ck_assert(!hostcheck_guest_port(&own, n, 0, "macvlan", "mv0"));
	ck_assert(!hostcheck_guest_port(&own, n, 0, "wireguard", "wg0"));
	ck_assert(!hostcheck_guest_port(&own, n, 0, "bond", "bond0"));
	ck_assert(!hostcheck_guest_port(&own, n, 0, "vlan", "eth0.5"));
}
END_TEST

START_TEST(test_guest_port_patterns)
{
	const struct gw_network *n = &conf->networks[1];

	ck_assert(hostcheck_guest_port(&own, n, 0, "tun", "tap0"));
	ck_assert(hostcheck_guest_port(&own, n, 0, "veth", "vm-web"));
	ck_assert(!hostcheck_guest_port(&own, n, 0, "tun", "vnet3"));  /* narrowed out */
	ck_assert(!hostcheck_guest_port(&own, n, 0, "vxlan", "tap9")); /* kind still counts */
	/* the doctor's test port is a guest port whatever the patterns: the
	 * one gatewayd made and told, by ifindex; a veth someone named like
	 * it is checked like any other (issue 16) */
	ck_assert(!hostcheck_guest_port(&own, n, 0, "veth", "gwdt0a1b2c"));
	ck_assert(!hostcheck_guest_port(&own, n, 41, "veth", "gwdt0a1b2c"));
	ck_assert(!hostcheck_test_port(&own, 41));
	ck_assert_int_eq(hostcheck_test_port_add(&own, 41), 0);
	ck_assert(hostcheck_test_port(&own, 41));
	ck_assert(!hostcheck_test_port(&own, 0));
	ck_assert(hostcheck_guest_port(&own, n, 41, "veth", "gwdt0a1b2c"));
	ck_assert(hostcheck_guest_port(&own, n, 41, "veth", "whatever"));
	ck_assert(!hostcheck_guest_port(&own, n, 41, "vxlan", "gwdt0a1b2c"));
	ck_assert(!hostcheck_guest_port(&own, n, 42, "veth", "gwdt0a1b2c"));
	hostcheck_test_port_del(&own, 41);
	ck_assert(!hostcheck_test_port(&own, 41));
	ck_assert(!hostcheck_guest_port(&own, n, 41, "veth", "gwdt0a1b2c"));
	/* leftovers of a killed gatewayd: its names, exactly */
	ck_assert(hostcheck_test_port_name("veth", "gwdt0a1b2c"));
	ck_assert(!hostcheck_test_port_name("veth", "gwdt0a1b2c9"));
	ck_assert(!hostcheck_test_port_name("veth", "gwdtx"));
	ck_assert(!hostcheck_test_port_name("tun", "gwdt0a1b2c"));
}
END_TEST

/* What a killed gatewayd's doctor left: the pair it makes, not a device
 * someone else named like it. */
START_TEST(test_test_port_left)
{
	struct host_link l[] = {
		{ 1, "gwdt0a1b2c", "veth", 3, 0, 2, { 0 } },
		{ 2, "gwdt0a1b2cp", "veth", 0, 0, 1, { 0 } },
		{ 3, "gwdt0a1b2d", "veth", 3, 0, 0, { 0 } }, /* its peer elsewhere */
		{ 4, "gwdt0a1b2e", "veth", 3, 0, 5, { 0 } },
		{ 5, "lan0", "veth", 0, 0, 4, { 0 } }, /* a peer of another name */
	};
	struct host_facts f = { 5, 0, 0, l, NULL, NULL, false };

	ck_assert(hostcheck_test_port_left(&f, &l[0]));
	ck_assert(!hostcheck_test_port_left(&f, &l[1]));
	ck_assert(!hostcheck_test_port_left(&f, &l[2]));
	ck_assert(!hostcheck_test_port_left(&f, &l[3]));
	l[1].master = 9; /* the "peer" enslaved somewhere: not the doctor's */
	ck_assert(!hostcheck_test_port_left(&f, &l[0]));
}
END_TEST

START_TEST(test_foreign_port)
{
	const struct host_link *p;

	ck_assert_ptr_null(hostcheck_foreign_port(NULL, &conf->networks[0], &facts));
	links[6].master = 3; /* vx0 joins gw0 */
	p = hostcheck_foreign_port(NULL, &conf->networks[0], &facts);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->name, "vx0");
	links[6].master = 0;
}
END_TEST

/* A veth patching gw0 into another bridge (its peer, here, is that
 * bridge's port) is foreign: the LAN behind it would get our leases. */
START_TEST(test_foreign_veth_patch)
{
	const struct host_link *p;

	links[7].peer = 7; /* veth1's peer is "vx0", here a plain link */
	ck_assert_ptr_null(hostcheck_foreign_port(NULL, &conf->networks[0], &facts));
	links[6].master = 2; /* the peer is a port of another bridge */
	p = hostcheck_foreign_port(NULL, &conf->networks[0], &facts);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->name, "veth1");
	links[6].master = 3; /* of gw0 itself: a loop, not another bridge */
	p = hostcheck_foreign_port(NULL, &conf->networks[0], &facts);
	ck_assert_ptr_nonnull(p); /* vx0 itself, a VXLAN on gw0 */
	ck_assert_str_eq(p->name, "vx0");
	links[6].master = 2;
	links[7].peer = 0; /* the peer in another namespace: a guest */
	ck_assert_ptr_null(hostcheck_foreign_port(NULL, &conf->networks[0], &facts));
	links[6].master = 0;
}
END_TEST

/* What the start probe listens on: every non-guest port, never a guest's
 * (a guest's DHCP server is the backstop's business). */
START_TEST(test_foreign_ports)
{
	const struct host_link *p[4];

	ck_assert_uint_eq(hostcheck_foreign_ports(NULL, &conf->networks[0], &facts, p, 4), 0);
	links[6].master = 3; /* vx0 joins gw0 */
	links[1].master = 3; /* and eth0 */
	ck_assert_uint_eq(hostcheck_foreign_ports(NULL, &conf->networks[0], &facts, p, 4), 2);
	ck_assert_str_eq(p[0]->name, "eth0");
	ck_assert_str_eq(p[1]->name, "vx0");
	ck_assert_uint_eq(hostcheck_foreign_ports(NULL, &conf->networks[0], &facts, p, 1), 2);
	links[6].master = links[1].master = 0;
}
END_TEST

START_TEST(test_no_collision_with_own_bridge)
{
	char msg[256] = "";

	ck_assert_msg(!hostcheck_collides(conf, &conf->networks[0], &facts, msg, sizeof(msg)), "%s",
		      msg);
}
END_TEST

START_TEST(test_collision_address)
{
	char msg[256] = "";

	add_addr(AF_INET, "10.213.0.77", 16, 2);
	ck_assert(hostcheck_collides(conf, &conf->networks[0], &facts, msg, sizeof(msg)));
	ck_assert_str_eq(msg, "network \"default\": subnet 10.213.0.0/24 overlaps address "
			      "10.213.0.77/16 on eth0");
}
END_TEST

START_TEST(test_collision_covering_route)
{
	char msg[256] = "";

	add_route(AF_INET, "10.0.0.0", 8, 6, RTPROT_BOOT);
	ck_assert(hostcheck_collides(conf, &conf->networks[0], &facts, msg, sizeof(msg)));
	ck_assert_str_eq(
		msg,
		"network \"default\": subnet 10.213.0.0/24 overlaps route 10.0.0.0/8 dev tun0");
}
END_TEST

START_TEST(test_collision_ipv6)
{
	char msg[256] = "";

	add_route(AF_INET6, "fd42:213::", 48, 6, RTPROT_BOOT);
	ck_assert(hostcheck_collides(conf, &conf->networks[0], &facts, msg, sizeof(msg)));
	ck_assert_str_eq(
		msg,
		"network \"default\": subnet fd42:213::/64 overlaps route fd42:213::/48 dev tun0");
}
END_TEST

START_TEST(test_pick4_avoids)
{
	struct in_addr s, first;
	struct gw_network *n = &conf->networks[1];

	ck_assert_int_eq(hostcheck_pick4(conf, n, &facts, &first), 0);
	ck_assert_uint_eq(ntohl(first.s_addr) >> 24, 10);
	ck_assert_uint_eq(ntohl(first.s_addr) & 0xff, 0);
	/* deterministic for the same facts */
	ck_assert_int_eq(hostcheck_pick4(conf, n, &facts, &s), 0);
	ck_assert_uint_eq(s.s_addr, first.s_addr);
	/* plant a route over the first choice: the next pick avoids it */
	{
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &first, a, sizeof(a));
		add_route(AF_INET, a, 24, 2, RTPROT_BOOT);
	}
	ck_assert_int_eq(hostcheck_pick4(conf, n, &facts, &s), 0);
	ck_assert_uint_ne(s.s_addr, first.s_addr);
	ck_assert(hostcheck_free4(conf, n, &facts, s, 24));
	ck_assert(!hostcheck_free4(conf, n, &facts, first, 24));
	/* and never the other network's subnet */
	inet_pton(AF_INET, "10.213.0.0", &s);
	ck_assert(!hostcheck_free4(conf, n, &facts, s, 24));
}
END_TEST

START_TEST(test_ra_routes)
{
	ck_assert(!hostcheck_ra_routes(&facts, "eth0"));
	add_route(AF_INET6, "::", 0, 2, RTPROT_RA);
	ck_assert(hostcheck_ra_routes(&facts, "eth0"));
	ck_assert(!hostcheck_ra_routes(&facts, "tun0"));
}
END_TEST

Suite *hostcheck_suite(void)
{
	Suite *s = suite_create("hostcheck");
	TCase *tc = tcase_create("facts");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_guest_port_kinds);
	tcase_add_test(tc, test_guest_port_patterns);
	tcase_add_test(tc, test_foreign_port);
	tcase_add_test(tc, test_foreign_ports);
	tcase_add_test(tc, test_foreign_veth_patch);
	tcase_add_test(tc, test_test_port_left);
	tcase_add_test(tc, test_no_collision_with_own_bridge);
	tcase_add_test(tc, test_collision_address);
	tcase_add_test(tc, test_collision_covering_route);
	tcase_add_test(tc, test_collision_ipv6);
	tcase_add_test(tc, test_pick4_avoids);
	tcase_add_test(tc, test_ra_routes);
	suite_add_tcase(s, tc);
	return s;
}
