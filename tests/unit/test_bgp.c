/* BGP through BIRD (issue 11): the keys (conf/bgp.c) and their errors with
 * FILE:LINE, the fragment BIRD reads (gatewayd/core/bgp_frag.c), BIRD's
 * reply lines and `show protocols` rows (gatewayd/host/bird.c), and auto
 * subnets drawn from pool4/pool6 (gatewayd/host/hostcheck.c). */
#include "suites.h"
#include "conf/conf.h"
#include "gatewayd/core/bgp_frag.h"
#include "gatewayd/host/bird.h"
#include "gatewayd/host/hostcheck.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOP                                                                                        \
	"state_dir = \"/tmp/x\"\n"                                                                 \
	"run_dir = \"/tmp/y\"\n"

#define BGP                                                                                        \
	"bgp {\n"                                                                                  \
	"  local_as = 64512\n"                                                                     \
	"  bird_socket = \"/tmp/b/bird.ctl\"\n"                                                    \
	"  config_file = \"/tmp/b/gatewayd.conf\"\n"                                               \
	"  neighbor up4 { address = \"198.51.100.1\"  as = 64500  password = \"s3cr t!\" }\n"      \
	"  neighbor up6 { address = \"2001:db8:51::1\"  as = 4200000000  hold_time = 3 }\n"        \
	"}\n"

#define NETS                                                                                       \
	"network r {\n"                                                                            \
	"  bridge = \"gw0\"  mode = routed  ipv4 = \"10.64.3.1/24\"  ipv6 = "                      \
	"\"fd00:64:0:3::1/64\"\n"                                                                  \
	"}\n"                                                                                      \
	"network n {\n"                                                                            \
	"  bridge = \"gw-1.x\"  mode = nat  ipv4 = \"10.70.0.1/24\"  announce = true\n"            \
	"  forward a { port = 80  to = \"10.70.0.5:80\"  listen = \"203.0.113.5\" }\n"             \
	"  forward b { proto = udp  port = 80  to = \"10.70.0.5:80\"  listen = \"203.0.113.5\" "   \
	"}\n"                                                                                      \
	"  forward c { port = 81  to = \"10.70.0.5:81\"  listen = \"198.51.100.2\" }\n"            \
	"  forward d { port = 82  to = \"10.70.0.5:82\" }\n"                                       \
	"  forward e { port = 83  to = \"10.70.0.5:83\"  listen = \"192.0.2.77\" }\n"              \
	"}\n"

static struct gw_conf *load(const char *text)
{
	char err[512] = "";
	struct gw_conf *c;

	ck_assert_msg(conf_load_buf("b.conf", text, &c, err, sizeof(err)) == 0, "%s", err);
	return c;
}

static void fails(const char *text, const char *want)
{
	struct gw_conf *c = NULL;
	char err[512] = "";

	ck_assert_int_eq(conf_load_buf("b.conf", text, &c, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, want), "got \"%s\", want \"%s\"", err, want);
	ck_assert_ptr_null(c);
}

START_TEST(test_bgp_keys)
{
	struct gw_conf *c = load(TOP BGP NETS);
	const struct gw_bgp *b = &c->bgp;
	char a[INET6_ADDRSTRLEN];

	ck_assert(b->enabled);
	ck_assert(!b->own);
	ck_assert_uint_eq(b->local_as, 64512);
	ck_assert_str_eq(b->socket, "/tmp/b/bird.ctl");
	ck_assert_uint_eq(b->n_neighbors, 2);
	ck_assert_int_eq(b->neighbors[0].family, AF_INET);
	ck_assert_str_eq(b->neighbors[0].password, "s3cr t!");
	ck_assert_int_eq(b->neighbors[1].family, AF_INET6);
	ck_assert_uint_eq(b->neighbors[1].as, 4200000000u);
	ck_assert_uint_eq(b->neighbors[1].hold_time, 3);
	inet_ntop(AF_INET6, &b->neighbors[1].addr, a, sizeof(a));
	ck_assert_str_eq(a, "2001:db8:51::1");
	/* routed: announced by default; nat: written */
	ck_assert(c->networks[0].announce);
	ck_assert(c->networks[1].announce);
	conf_free(c);
	/* defaults; nat not announced unless asked */
	c = load(TOP "bgp { local_as = 1\n neighbor x { address = \"192.0.2.1\" as = 2 } }\n"
		     "network z { bridge = \"gw0\" ipv4 = \"10.1.0.1/24\" }\n");
	ck_assert_str_eq(c->bgp.socket, "/run/bird/bird.ctl");
	ck_assert_str_eq(c->bgp.config_file, "/etc/bird/gatewayd.conf");
	ck_assert(!c->networks[0].announce);
	conf_free(c);
	c = load(TOP "bgp { local_as = 1\n bird_config = own\n router_id = \"192.0.2.9\"\n"
		     " neighbor x { address = \"192.0.2.1\" as = 2 } }\n"
		     "network z { bridge = \"gw0\" ipv4 = \"10.1.0.1/24\" }\n");
	ck_assert(c->bgp.own && c->bgp.has_router_id);
	conf_free(c);
}
END_TEST

START_TEST(test_bgp_errors)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "bgp {\n local_as = 0\n neighbor x { address = \"192.0.2.1\" as = 2 } }\n",
		  "b.conf:4: bgp: local_as \"0\": expected a number from 1 to 4294967295" },
		{ "bgp {\n local_as = 4294967296\n neighbor x { address = \"192.0.2.1\" as = 2 } "
		  "}\n",
		  "b.conf:4: bgp: local_as \"4294967296\"" },
		{ "bgp {\n local_as = 1\n}\n", "b.conf:4: bgp: no neighbor section" },
		{ "bgp { local_as = 1\n router_id = \"192.0.2.9\"\n neighbor x { address = "
		  "\"192.0.2.1\" as = 2 } }\n",
		  "b.conf:4: bgp: router_id applies to bird_config = own" },
		{ "bgp { local_as = 1\n bird_config = own\n router_id = \"192.0.2\"\n neighbor x { "
		  "address = \"192.0.2.1\" as = 2 } }\n",
		  "b.conf:5: bgp: router_id \"192.0.2\" is not a dotted quad" },
		{ "bgp { local_as = 1\n bird_config = mine\n neighbor x { address = \"192.0.2.1\" "
		  "as "
		  "= 2 } }\n",
		  "b.conf:4: bgp: bird_config \"mine\": expected include or own" },
		{ "bgp { local_as = 1\n bird_socket = \"bird.ctl\"\n neighbor x { address = "
		  "\"192.0.2.1\" as = 2 } }\n",
		  "b.conf:4: bird_socket \"bird.ctl\" must be an absolute path" },
		{ "bgp { local_as = 1\n config_file = \"/etc/bird/x;y\"\n neighbor x { address = "
		  "\"192.0.2.1\" as = 2 } }\n",
		  "b.conf:4: config_file \"/etc/bird/x;y\" may contain only" },
		{ "bgp { local_as = 1\n neighbor up-1 { address = \"192.0.2.1\" as = 2 } }\n",
		  "b.conf:4: bgp: neighbor \"up-1\": name must be 1-24 letters, digits or '_'" },
		{ "bgp { local_as = 1\n neighbor x {\n address = \"fe80::1\" as = 2 } }\n",
		  "b.conf:5: bgp: neighbor \"x\": address \"fe80::1\" is not a global" },
		{ "bgp { local_as = 1\n neighbor x {\n address = \"router\" as = 2 } }\n",
		  "b.conf:5: bgp: neighbor \"x\": address \"router\" is not an IPv4 or IPv6" },
		{ "bgp { local_as = 1\n neighbor x {\n address = \"192.0.2.1\"\n as = -2 } }\n",
		  "b.conf:6: bgp: neighbor \"x\": as \"-2\"" },
		{ "bgp { local_as = 1\n neighbor x { address = \"192.0.2.1\" as = 2\n password = "
		  "\"a\\\"b\" } }\n",
		  "b.conf:5: bgp: neighbor \"x\": password must be 1-80 printable ASCII characters "
		  "without '\"' or '\\'" },
		{ "bgp { local_as = 1\n neighbor x { address = \"192.0.2.1\" as = 2\n hold_time = "
		  "2 "
		  "} }\n",
		  "b.conf:5: bgp: neighbor \"x\": hold_time \"2\": expected 3 to 65535 seconds" },
		{ "bgp { local_as = 1\n neighbor x { address = \"192.0.2.1\" as = 2 } }\n"
		  "bgp { local_as = 1\n neighbor x { address = \"192.0.2.1\" as = 2 } }\n",
		  "b.conf:5: a second bgp section" },
		{ "bgp { local_as = 1\n bird_socket = "
		  "\"/run/0123456789012345678901234567890123456789012345678901234567890123456789"
		  "012345678901234567890123456789/bird.ctl\"\n neighbor x { address = "
		  "\"192.0.2.1\" "
		  "as = 2 } }\n",
		  "b.conf:4: bgp: bird_socket \"/run/0123" },
		{ "pool4 = \"10.64.0.0/25\"\n", "b.conf:3: pool4 \"10.64.0.0/25\" is not a unicast "
						"IPv4 prefix of length 8 to 24" },
		{ "pool4 = \"10.64.1.0/16\"\n",
		  "b.conf:3: pool4 \"10.64.1.0/16\" has host bits set" },
		{ "pool6 = \"fd00:abcd::/72\"\n", "b.conf:3: pool6 \"fd00:abcd::/72\" is not" },
	};
	char buf[2048];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s%s%s", TOP, cases[i].text,
			 "network z { bridge = \"gw0\" ipv4 = \"10.1.0.1/24\" }\n");
		fails(buf, cases[i].want);
	}
	fails(TOP "network z {\n bridge = \"gw0\" ipv4 = \"10.1.0.1/24\"\n announce = true }\n",
	      "b.conf:5: network \"z\": announce needs a bgp section");
	fails(TOP BGP "network z {\n bridge = \"gw0\" ipv4 = \"10.1.0.1/24\" mode = isolated\n"
		      " announce = yes }\n",
	      "network \"z\": announce = true: the network is isolated");
	fails(TOP BGP
	      "network z {\n bridge = \"gw0\" ipv4 = \"10.1.0.1/24\"\n announce = maybe }\n",
	      "network \"z\": announce \"maybe\": expected true or false");
}
END_TEST

/* 198.51.100.2 is the uplink's: forward c needs no route of its own;
 * 203.0.113.5 is the host's on another device (lo): announced; 192.0.2.77
 * (forward e) is nobody's on this host: never announced. */
static bool fake_uplink(const struct gw_network *n, int family, const void *addr, void *arg)
{
	struct in_addr up, own;

	(void)n;
	(void)arg;
	inet_pton(AF_INET, "198.51.100.2", &up);
	inet_pton(AF_INET, "203.0.113.5", &own);
	return family != AF_INET || !memcmp(addr, &up, 4) || memcmp(addr, &own, 4);
}

static char *frag(const struct gw_conf *c, const bool *live)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_int_eq(bgp_frag_write(f, c, live, fake_uplink, NULL), 0);
	fclose(f);
	return buf;
}

START_TEST(test_bgp_fragment)
{
	struct gw_conf *c = load(TOP BGP NETS);
	bool live[2] = { true, true };
	char *t = frag(c, live), sym[40];

	ck_assert_msg(strstr(t, "protocol direct gatewayd_net_gw0 {\n\tipv4;\n\tipv6;\n\tinterface "
				"\"gw0\";\n}\n"),
		      "%s", t);
	/* the NAT network: its forward addresses off the uplink, once each */
	ck_assert_msg(strstr(t, "protocol static gatewayd_fwd4_gw_h1_dx {\n\tipv4;\n\troute "
				"203.0.113.5/32 blackhole;\n}\n"),
		      "%s", t);
	ck_assert_ptr_null(strstr(t, "gatewayd_net_gw_h1_dx")); /* its subnet is NATed */
	ck_assert_ptr_null(strstr(t, "198.51.100.2/32"));	/* on the uplink */
	ck_assert_ptr_null(strstr(t, "192.0.2.77"));		/* not the host's */
	ck_assert_ptr_null(strstr(t, "router id"));		/* include mode */
	ck_assert_msg(
		strstr(t,
		       "protocol bgp gatewayd_bgp_up4 {\n\tlocal as 64512;\n\tneighbor "
		       "198.51.100.1 as 64500;\n\tpassword \"s3cr t!\";\n\tipv4 {\n\t\timport "
		       "none;\n\t\texport where (proto ~ \"gatewayd_net_*\" || proto ~ "
		       "\"gatewayd_fwd*\") && net ~ [ 10.64.3.0/24, 203.0.113.5/32 ];\n\t};\n}\n"),
		"%s", t);
	ck_assert_msg(strstr(t,
			     "protocol bgp gatewayd_bgp_up6 {\n\tlocal as 64512;\n\tneighbor "
			     "2001:db8:51::1 as 4200000000;\n\thold time 3;\n\tipv6 {\n\t\timport "
			     "none;\n\t\texport where (proto ~ \"gatewayd_net_*\" || proto ~ "
			     "\"gatewayd_fwd*\") && net ~ [ fd00:64:0:3::/64 ];\n\t};\n}\n"),
		      "%s", t);
	free(t);

	/* network r's guard tripped: gone from the protocols and the filter */
	live[0] = false;
	t = frag(c, live);
	ck_assert_ptr_null(strstr(t, "gatewayd_net_gw0"));
	ck_assert_ptr_null(strstr(t, "10.64.3.0/24"));
	ck_assert_msg(strstr(t, "net ~ [ 203.0.113.5/32 ];"), "%s", t);
	/* nothing of IPv6 left: no empty set, export none */
	ck_assert_msg(strstr(t, "\tipv6 {\n\t\timport none;\n\t\texport none;\n\t};"), "%s", t);
	free(t);

	/* stopped: not a protocol of ours */
	t = frag(c, NULL);
	ck_assert_ptr_null(strstr(t, "protocol"));
	free(t);

	/* own: the whole config */
	c->bgp.own = true;
	c->bgp.has_router_id = true;
	inet_pton(AF_INET, "198.51.100.2", &c->bgp.router_id);
	t = frag(c, NULL);
	ck_assert_msg(strstr(t, "router id 198.51.100.2;\nprotocol device {\n}\n"), "%s", t);
	free(t);
	conf_free(c);

	bgp_symbol("a_b-c.d", sym, sizeof(sym));
	ck_assert_str_eq(sym, "a__b_hc_dd");
}
END_TEST

static int feed(struct bird_reply *r, const char *lines)
{
	char buf[2048], *save = NULL;
	int res = 0;

	snprintf(buf, sizeof(buf), "%s", lines);
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if ((res = bird_reply_line(r, l)) != 0)
			break;
	return res;
}

START_TEST(test_bird_reply)
{
	struct bird_reply r = { 0 };
	struct bird_proto p[4];

	ck_assert_int_eq(feed(&r, "0001 BIRD 2.0.12 ready."), 1);
	ck_assert_int_eq(r.code, 1);
	bird_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "0002-Reading configuration from /etc/bird/bird.conf\n"
				  "0003 Reconfigured"),
			 1);
	ck_assert_int_eq(r.code, 3);
	ck_assert(bird_code_ok(r.code));
	bird_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "0002-Reading configuration from b.conf\n"
				  "8002 /etc/bird/gatewayd.conf:1:10 syntax error"),
			 1);
	ck_assert(!bird_code_ok(r.code));
	ck_assert_ptr_nonnull(strstr(r.text, "8002 /etc/bird/gatewayd.conf:1:10 syntax error\n"));
	bird_reply_reset(&r);
	/* continuation lines carry the previous code */
	ck_assert_int_eq(feed(&r, "1011-Router ID is 192.0.2.9\n Hostname is vm\n"
				  "0013 Daemon is up and running"),
			 1);
	ck_assert_str_eq(r.text, "1011 Router ID is 192.0.2.9\n1011 Hostname is vm\n"
				 "0013 Daemon is up and running\n");
	bird_reply_reset(&r);
	ck_assert_int_eq(feed(&r, "hello"), -EPROTO);
	bird_reply_reset(&r);
	ck_assert_int_eq(feed(&r, " orphan"), -EPROTO);
	bird_reply_reset(&r);

	ck_assert_int_eq(
		feed(&r,
		     "2002-Name       Proto      Table      State  Since         Info\n"
		     "1002-device1    Device     ---        up     10:20:05.223  \n"
		     " gatewayd_bgp_up4 BGP        ---        up     10:20:06.262  Established   \n"
		     " gatewayd_bgp_up6 BGP        ---        start  2026-11-26 10:20:06  Active   "
		     "     Socket: Connection refused\n"
		     " gatewayd_net_gw0 Direct     ---        up     10:20:06.262  \n"
		     "0000 "),
		1);
	ck_assert_uint_eq(bird_protocols_parse(r.text, "gatewayd_bgp_", p, 4), 2);
	ck_assert_str_eq(p[0].name, "gatewayd_bgp_up4");
	ck_assert_str_eq(p[0].state, "up");
	ck_assert_str_eq(p[0].info, "Established");
	ck_assert_str_eq(p[1].state, "start");
	ck_assert_str_eq(p[1].info, "Active        Socket: Connection refused");
	bird_reply_reset(&r);
}
END_TEST

START_TEST(test_pools)
{
	struct gw_conf *c = load(TOP "pool4 = \"10.64.0.0/23\"\npool6 = \"fd00:abcd::/63\"\n"
				     "network a { bridge = \"gw0\" ipv4 = auto ipv6 = auto }\n"
				     "network b { bridge = \"gw1\" ipv4 = auto ipv6 = auto }\n"
				     "network c { bridge = \"gw2\" ipv4 = auto }\n");
	struct host_facts f = { 0 };
	struct in_addr s, s2;
	struct in6_addr s6, s6b;
	char a[INET6_ADDRSTRLEN];

	ck_assert_int_eq(hostcheck_pick4(c, &c->networks[0], &f, &s), 0);
	ck_assert_int_eq(hostcheck_pick4(c, &c->networks[0], &f, &s2), 0);
	ck_assert_uint_eq(s.s_addr, s2.s_addr); /* the name decides where to start */
	ck_assert_uint_eq(ntohl(s.s_addr) & 0xfffffe00u, 0x0a400000u);
	conf_network_set_ipv4(&c->networks[0], s, 24);
	ck_assert_int_eq(hostcheck_pick4(c, &c->networks[1], &f, &s2), 0);
	ck_assert_uint_ne(s.s_addr, s2.s_addr);
	ck_assert_uint_eq(ntohl(s2.s_addr) & 0xfffffe00u, 0x0a400000u);
	conf_network_set_ipv4(&c->networks[1], s2, 24);
	/* two /24s in a /23: the third network finds none */
	ck_assert_int_eq(hostcheck_pick4(c, &c->networks[2], &f, &s), -ENOSPC);

	ck_assert_int_eq(hostcheck_pick6(c, &c->networks[0], &f, &s6), 0);
	inet_ntop(AF_INET6, &s6, a, sizeof(a));
	ck_assert_msg(!strcmp(a, "fd00:abcd::") || !strcmp(a, "fd00:abcd:0:1::"), "%s", a);
	conf_network_set_ipv6(&c->networks[0], &s6, 64);
	ck_assert_int_eq(hostcheck_pick6(c, &c->networks[1], &f, &s6b), 0);
	ck_assert(memcmp(&s6, &s6b, sizeof(s6)));
	conf_network_set_ipv6(&c->networks[1], &s6b, 64);
	ck_assert_int_eq(hostcheck_pick6(c, &c->networks[2], &f, &s6), -ENOSPC);
	conf_free(c);

	/* where the search starts comes from the name: two names, two
	 * subnets, each the same every time */
	c = load(TOP "pool4 = \"10.64.0.0/16\"\npool6 = \"fd00:abcd::/48\"\n"
		     "network a { bridge = \"gw0\" ipv4 = auto ipv6 = auto }\n"
		     "network b { bridge = \"gw1\" ipv4 = auto ipv6 = auto }\n");
	ck_assert_int_eq(hostcheck_pick4(c, &c->networks[0], &f, &s), 0);
	ck_assert_int_eq(hostcheck_pick4(c, &c->networks[1], &f, &s2), 0);
	ck_assert_uint_ne(s.s_addr, s2.s_addr);
	ck_assert_int_eq(hostcheck_pick6(c, &c->networks[0], &f, &s6), 0);
	ck_assert_int_eq(hostcheck_pick6(c, &c->networks[1], &f, &s6b), 0);
	ck_assert(memcmp(&s6, &s6b, sizeof(s6)));
	conf_free(c);
}
END_TEST

Suite *bgp_suite(void)
{
	Suite *s = suite_create("bgp");
	TCase *tc = tcase_create("bgp");

	tcase_add_test(tc, test_bgp_keys);
	tcase_add_test(tc, test_bgp_errors);
	tcase_add_test(tc, test_bgp_fragment);
	tcase_add_test(tc, test_bird_reply);
	tcase_add_test(tc, test_pools);
	suite_add_tcase(s, tc);
	return s;
}
