/* The dnsmasq config generator: bound to the bridge only, the range and
 * lease time, lease file in state_dir, DHCPv6 lines from ra/; never RA
 * (gatewayd sends those itself: test_ra.c). */
#include "suites.h"
#include "conf/conf.h"
#include "dhcp/dnsmasq_conf.h"
#include "dhcp/upstream.h"
#include "dhcp/names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *gen(const char *text, size_t idx)
{
	struct gw_conf *c;
	char err[512], *out = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_msg(conf_load_buf("t", text, &c, err, sizeof(err)) == 0, "%s", err);
	f = open_memstream(&out, &len);
	dnsmasq_conf_write(f, c, &c->networks[idx]);
	fclose(f);
	conf_free(c);
	return out;
}

static void has_line(const char *text, const char *line)
{
	char want[256];

	snprintf(want, sizeof(want), "\n%s\n", line);
	ck_assert_msg(strstr(text, want), "missing line '%s' in:\n%s", line, text);
}

START_TEST(test_default_network)
{
	char *t =
		gen("state_dir = \"/s\"\nrun_dir = \"/r\"\n"
		    "network default {\n bridge = gw0\n ipv4 = \"10.213.0.1/24\"\n"
		    " ipv6 = \"fd42:213::1/64\"\n dhcp {\n range = \"10.213.0.100-10.213.0.250\"\n"
		    " lease_time = 1h\n }\n}\n",
		    0);

	/* bound to the bridge only */
	has_line(t, "interface=gw0");
	/* upstream servers from gatewayd's file, never resolv.conf itself */
	has_line(t, "no-resolv");
	has_line(t, "servers-file=/r/upstream.servers");
	has_line(t, "except-interface=lo");
	/* with IPv6 too: bound once, deaf to the host's address events */
	has_line(t, "bind-interfaces");
	has_line(t, "listen-address=10.213.0.1");
	has_line(t, "listen-address=fd42:213::1");
	ck_assert_msg(!strstr(t, "\nbind-dynamic\n"), "both bind modes");
	/* unprivileged, no pid file of its own, logs to our pipe */
	has_line(t, "user=dnsmasq");
	has_line(t, "pid-file=");
	has_line(t, "log-facility=-");
	/* DHCPv4 */
	has_line(t, "dhcp-range=10.213.0.100,10.213.0.250,255.255.255.0,3600");
	has_line(t, "dhcp-option=option:router,10.213.0.1");
	has_line(t, "dhcp-option=option:dns-server,10.213.0.1");
	has_line(t, "dhcp-leasefile=/s/default.leases");
	has_line(t, "dhcp-lease-max=151");
	/* leases by MAC: made-up client ids from one MAC make one lease */
	has_line(t, "dhcp-ignore-clid");
	/* RA for SLAAC: gatewayd's own, never dnsmasq's (which would make
	 * it re-read the host's addresses on every address event), and no
	 * DHCPv6 without a stateful range */
	ck_assert_msg(!strstr(t, "enable-ra") && !strstr(t, "ra-param") &&
			      !strstr(t, "constructor") && !strstr(t, "dhcp-range=::") &&
			      !strstr(t, "option6:"),
		      "%s", t);
	has_line(t, "# router advertisements (sent by gatewayd, not dnsmasq): prefix fd42:213::/64 "
		    "SLAAC, router lifetime 1800, DNS fd42:213::1");
	free(t);
}
END_TEST

START_TEST(test_no_ipv6_no_ra)
{
	char *t = gen("network a {\n bridge = br-a\n ipv4 = \"192.168.7.1/24\"\n"
		      " dhcp {\n lease_time = infinite\n }\n}\n",
		      0);

	has_line(t, "interface=br-a");
	has_line(t, "dhcp-range=192.168.7.128,192.168.7.254,255.255.255.0,infinite");
	/* no IPv6: bound once, deaf to other interfaces' address events */
	has_line(t, "bind-interfaces");
	ck_assert_msg(!strstr(t, "\nbind-dynamic\n"), "both bind modes:\n%s", t);
	ck_assert_msg(!strstr(t, "enable-ra"), "%s", t);
	ck_assert_msg(!strstr(t, "listen-address=fd"), "%s", t);
	free(t);
}
END_TEST

START_TEST(test_ra_disabled)
{
	char *t = gen("network a {\n bridge = br-a\n ipv4 = \"192.168.7.1/24\"\n"
		      " ipv6 = \"fd00:7::1/64\"\n ra { enabled = false }\n}\n",
		      0);

	ck_assert_msg(!strstr(t, "enable-ra") && !strstr(t, "router advertisements"), "%s", t);
	has_line(t, "listen-address=fd00:7::1");
	has_line(t, "bind-interfaces");
	free(t);
}
END_TEST

START_TEST(test_dhcp_disabled)
{
	char *t = gen("network a {\n bridge = br-a\n ipv4 = \"192.168.7.1/24\"\n"
		      " dhcp { enabled = false }\n}\n",
		      0);

	ck_assert_msg(!strstr(t, "dhcp-range"), "%s", t);
	has_line(t, "interface=br-a"); /* still DNS */
	free(t);
}
END_TEST

/* resolv.conf -> server= lines: addresses only, in order, at most 8. */
START_TEST(test_upstream)
{
	struct upstream u;
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	upstream_parse("# comment\nsearch example.org\noptions edns0\n"
		       "nameserver 192.0.2.53\n"
		       "  nameserver\t2001:db8::53   # trailing\n"
		       "nameserver fe80::1%eth0\n"
		       "nameserver fe80::2%eth0,x\n"   /* not an interface name */
		       "nameserver 192.0.2.1%eth0\n"   /* scope on IPv4 */
		       "nameserver 2001:db8::1%eth0\n" /* scope off link-local */
		       "nameserver 192.0.2.54;rm\n"    /* ';' ends it: 192.0.2.54 */
		       "nameserver 1.2.3\n"
		       "nameserver x\nnameservers 192.0.2.9\n"
		       "nameserver 192.0.2.55",
		       &u);
	f = open_memstream(&out, &len);
	upstream_write(f, &u);
	fclose(f);
	ck_assert_str_eq(out, "# Written by gatewayd from the host's resolv.conf.\n"
			      "server=192.0.2.53\n"
			      "server=2001:db8::53\n"
			      "server=fe80::1%eth0\n"
			      "server=192.0.2.54\n"
			      "server=192.0.2.55\n");
	free(out);
	upstream_parse("nameserver 10.0.0.1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n"
		       "nameserver 10.0.0.4\nnameserver 10.0.0.5\nnameserver 10.0.0.6\n"
		       "nameserver 10.0.0.7\nnameserver 10.0.0.8\nnameserver 10.0.0.9\n",
		       &u);
	ck_assert_uint_eq(u.n, UPSTREAM_MAX);
	upstream_parse("", &u);
	ck_assert_uint_eq(u.n, 0);
}
END_TEST

/* Names, upstream servers and MTU: the hosts files are always named (the
 * first host added is then a SIGHUP, not a new config); a domain is
 * answered here and never forwarded, and given to guests by DHCP and RA;
 * a network's own servers replace the host's servers-file. */
START_TEST(test_names_mtu_servers)
{
	char *t = gen("run_dir = \"/r\"\n"
		      "network a {\n bridge = br-a\n ipv4 = \"10.7.0.1/24\"\n"
		      " ipv6 = \"fd00:7::1/64\"\n domain = \"cust-a.internal\"\n mtu = 1400\n"
		      " dns_servers = {\"192.0.2.53\", \"2001:db8::53\"}\n"
		      " host web { mac = \"52:54:00:00:00:01\" ipv4 = \"10.7.0.10\" }\n}\n",
		      0);

	has_line(t, "addn-hosts=/r/a.hosts");
	has_line(t, "dhcp-hostsfile=/r/a.dhcp-hosts");
	has_line(t, "domain=cust-a.internal");
	has_line(t, "local=/cust-a.internal/");
	has_line(t, "expand-hosts");
	has_line(t, "dhcp-option=option:domain-search,cust-a.internal");
	/* in gatewayd's RAs (DNSSL), not stateless DHCPv6: there is none */
	ck_assert_msg(!strstr(t, "option6:domain-search"), "%s", t);
	has_line(t, "dhcp-option=option:mtu,1400");
	ck_assert_msg(!strstr(t, "ra-param"), "%s", t);
	has_line(t, "# router advertisements (sent by gatewayd, not dnsmasq): prefix fd00:7::/64 "
		    "SLAAC, router lifetime 1800, DNS fd00:7::1, search cust-a.internal, MTU 1400");
	has_line(t, "no-resolv");
	has_line(t, "server=192.0.2.53");
	has_line(t, "server=2001:db8::53");
	ck_assert_msg(!strstr(t, "servers-file"), "%s", t);
	/* the hosts themselves are in the files, not here */
	ck_assert_msg(!strstr(t, "52:54:00:00:00:01") && !strstr(t, "web"), "%s", t);
	free(t);

	t = gen("run_dir = \"/r\"\nnetwork a {\n bridge = br-a\n ipv4 = \"10.7.0.1/24\"\n}\n", 0);
	has_line(t, "addn-hosts=/r/a.hosts");
	has_line(t, "dhcp-hostsfile=/r/a.dhcp-hosts");
	has_line(t, "servers-file=/r/upstream.servers");
	ck_assert_msg(!strstr(t, "\ndomain=") && !strstr(t, "mtu") && !strstr(t, "server="), "%s",
		      t);
	free(t);
}
END_TEST

/* ipv6_dhcp_range: stateful DHCPv6 (gatewayd's RAs keep SLAAC and set M
 * and O); its size counts against dhcp-lease-max. */
START_TEST(test_dhcp6_range)
{
	char *t = gen("network a {\n bridge = br-a\n ipv4 = \"10.7.0.1/24\"\n"
		      " ipv6 = \"fd00:7::1/64\"\n ipv6_dhcp_range = \"fd00:7::100-fd00:7::1ff\"\n"
		      " dhcp { range = \"10.7.0.100-10.7.0.199\"\n lease_time = 2h }\n}\n",
		      0);

	/* no "slaac" (or any ra-* mode): that would turn dnsmasq's RA on */
	has_line(t, "dhcp-range=fd00:7::100,fd00:7::1ff,64,7200");
	ck_assert_msg(!strstr(t, "ra-stateless") && !strstr(t, "slaac") && !strstr(t, "enable-ra"),
		      "%s", t);
	has_line(t, "dhcp-lease-max=356");
	has_line(t, "bind-interfaces");
	has_line(t, "# router advertisements (sent by gatewayd, not dnsmasq): prefix fd00:7::/64 "
		    "SLAAC, router lifetime 1800, DNS fd00:7::1, M and O flags");
	free(t);
}
END_TEST

/* Guests' names (issue 16, 15): the pins' file is a second hostsfile, and
 * wpad is a name nobody gets. */
START_TEST(test_names_lines)
{
	char *t = gen("run_dir = \"/r\"\nnetwork a {\n bridge = br-a\n ipv4 = \"10.7.0.1/24\"\n"
		      " domain = \"cust-a.internal\"\n}\n",
		      0);

	has_line(t, "dhcp-hostsfile=/r/a.dhcp-hosts");
	has_line(t, "dhcp-hostsfile=/r/a.dhcp-names");
	has_line(t, "dhcp-name-match=set:gw-name-reserved,wpad");
	has_line(t, "dhcp-ignore-names=tag:gw-name-reserved");
	free(t);
	/* no DHCP, no names from it */
	t = gen("network a {\n bridge = br-a\n ipv4 = \"10.7.0.1/24\"\n dhcp { enabled = false "
		"}\n}\n",
		0);
	ck_assert_msg(!strstr(t, "dhcp-name-match") && !strstr(t, "dhcp-names"), "%s", t);
	free(t);
}
END_TEST

/* "MAC,NAME" for each name a live IPv4 lease holds; not a static host's
 * MAC or name (the hosts file has those), each name once, nothing that
 * could be more than one line. */
START_TEST(test_names_pins)
{
	static const char leases[] =
		"1000 52:54:00:00:00:01 10.7.0.101 web 01:52:54:00:00:00:01\n"
		"0 52:54:00:00:00:02 10.7.0.102 db *\n"
		"1000 52:54:00:00:00:03 10.7.0.103 * *\n"	/* no name */
		"10 52:54:00:00:00:04 10.7.0.104 old *\n"	/* expired */
		"1000 52:54:00:00:00:05 10.7.0.105 Web *\n"	/* web again */
		"1000 52:54:00:00:00:06 10.7.0.106 printer *\n" /* a static host's name */
		"1000 52:54:00:00:00:aa 10.7.0.107 mine *\n"	/* a static host's MAC */
		"1000 52:54:00:00:00:08 10.7.0.108 a_b *\n"	/* not a DNS label */
		"1000 20-01:02:03:04:05:06 10.7.0.109 ib *\n"	/* not Ethernet */
		"duid 00:01:00:01:2c:4b:3a:1e:52:54:00:00:00:09\n"
		"1000 12345 fd00:7::10 v6name 00:01\n";
	struct gw_conf *c;
	struct lease ls[16];
	char err[256], *out = NULL;
	size_t len = 0, n = leases_parse(leases, sizeof(leases) - 1, ls, 16);
	FILE *f;

	ck_assert_msg(conf_load_buf("t",
				    "network a {\n bridge = br-a\n ipv4 = \"10.7.0.1/24\"\n"
				    " host printer { ipv4 = \"10.7.0.20\" }\n"
				    " host mine { mac = \"52:54:00:00:00:aa\" }\n}\n",
				    &c, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(n, 10);
	f = open_memstream(&out, &len);
	ck_assert_int_eq(names_pins_write(f, &c->networks[0], ls, n, 500), 0);
	fclose(f);
	ck_assert_str_eq(out,
			 "# Written by gatewayd for network \"a\": the names its guests' leases "
			 "hold.\n"
			 "52:54:00:00:00:01,web\n"
			 "52:54:00:00:00:02,db\n");
	free(out);
	conf_free(c);
}
END_TEST

Suite *dnsmasq_conf_suite(void)
{
	Suite *s = suite_create("dnsmasq_conf");
	TCase *tc = tcase_create("generate");

	tcase_add_test(tc, test_default_network);
	tcase_add_test(tc, test_no_ipv6_no_ra);
	tcase_add_test(tc, test_ra_disabled);
	tcase_add_test(tc, test_dhcp_disabled);
	tcase_add_test(tc, test_upstream);
	tcase_add_test(tc, test_names_mtu_servers);
	tcase_add_test(tc, test_dhcp6_range);
	tcase_add_test(tc, test_names_lines);
	tcase_add_test(tc, test_names_pins);
	suite_add_tcase(s, tc);
	return s;
}
