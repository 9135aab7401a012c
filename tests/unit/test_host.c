/* Static hosts, names, upstream servers and MTU (conf/host.c): what a
 * good file gives, every refusal with its line, the printer's round trip,
 * a deep copy; and the hosts files dnsmasq re-reads (dhcp/hosts.c). */
#include "suites.h"
#include "conf/conf.h"
#include "dhcp/hosts.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Line 1 "network n {", 2 bridge, 3 ipv4, 4 ipv6, then the body (line 5). */
static int load(const char *body, struct gw_conf **c, char *err, size_t errlen)
{
	char buf[4096];

	snprintf(buf, sizeof(buf),
		 "network n {\nbridge = gw0\nipv4 = \"10.213.0.1/24\"\n"
		 "ipv6 = \"fd42:213::1/64\"\n%s}\n",
		 body);
	return conf_load_buf("h.conf", buf, c, err, errlen);
}

static const char good[] = "domain = \"cust-a.internal\"\n"
			   "dns_servers = {\"1.1.1.1\", \"2606:4700::1111\"}\n"
			   "mtu = 1400\n"
			   "ipv6_dhcp_range = \"fd42:213::100-fd42:213::1ff\"\n"
			   "host web { mac = \"52:54:00:AA:bb:01\" ipv4 = \"10.213.0.10\" "
			   "ipv6 = \"fd42:213::10\" }\n"
			   "host db {\n mac = \"52:54:00:aa:bb:02\"\n}\n"
			   "host printer { ipv4 = \"10.213.0.200\" }\n";

START_TEST(test_host_good)
{
	struct gw_conf *c;
	const struct gw_hosts *hs;
	char err[512] = "", a[INET6_ADDRSTRLEN];

	ck_assert_msg(load(good, &c, err, sizeof(err)) == 0, "%s", err);
	hs = &c->networks[0].hosts;
	ck_assert_str_eq(hs->domain, "cust-a.internal");
	ck_assert_uint_eq(hs->n_dns, 2);
	ck_assert_int_eq(hs->dns[0].family, AF_INET);
	ck_assert_int_eq(hs->dns[1].family, AF_INET6);
	ck_assert_uint_eq(hs->mtu, 1400);
	ck_assert(hs->has_dhcp6);
	ck_assert_str_eq(inet_ntop(AF_INET6, &hs->dhcp6_end, a, sizeof(a)), "fd42:213::1ff");
	ck_assert_uint_eq(hs->n, 3);
	ck_assert_str_eq(hs->v[0].name, "web");
	ck_assert(hs->v[0].has_mac && hs->v[0].has_ipv4 && hs->v[0].has_ipv6);
	ck_assert_uint_eq(hs->v[0].mac[3], 0xaa);
	ck_assert_str_eq(inet_ntop(AF_INET, &hs->v[0].ipv4, a, sizeof(a)), "10.213.0.10");
	ck_assert(hs->v[1].has_mac && !hs->v[1].has_ipv4 && !hs->v[1].has_ipv6);
	ck_assert(!hs->v[2].has_mac && hs->v[2].has_ipv4);
	conf_free(c);

	/* none of it: nothing set */
	ck_assert_msg(load("", &c, err, sizeof(err)) == 0, "%s", err);
	hs = &c->networks[0].hosts;
	ck_assert(!hs->n && !hs->n_dns && !hs->mtu && !hs->domain[0] && !hs->v && !hs->has_dhcp6);
	conf_free(c);
}
END_TEST

static const struct {
	const char *body, *want;
} bad[] = {
	{ "host web { mac = \"52:54:00:aa:bb\" }\n",
	  "h.conf:5: network \"n\": host \"web\": mac \"52:54:00:aa:bb\" is not a MAC address "
	  "(like \"52:54:00:12:34:56\")" },
	{ "host web { mac = \"52:54:00:aa:bb:zz\" }\n",
	  "h.conf:5: network \"n\": host \"web\": mac \"52:54:00:aa:bb:zz\" is not a MAC address "
	  "(like \"52:54:00:12:34:56\")" },
	{ "host web { mac = \"52:54:00:aa:bb:1\" }\n",
	  "h.conf:5: network \"n\": host \"web\": mac \"52:54:00:aa:bb:1\" is not a MAC address "
	  "(like \"52:54:00:12:34:56\")" },
	{ "host web {\n mac = \"01:00:5e:00:00:01\"\n}\n",
	  "h.conf:6: network \"n\": host \"web\": mac \"01:00:5e:00:00:01\" is not a unicast MAC "
	  "address" },
	{ "host a { mac = \"52:54:00:00:00:01\" }\n\nhost b {\n mac = \"52:54:00:00:00:01\"\n}\n",
	  "h.conf:8: network \"n\": host \"b\": mac 52:54:00:00:00:01 is already host \"a\"'s" },
	{ "host a { ipv4 = \"10.213.0.10\" }\nhost b {\n\n ipv4 = \"10.213.0.10\"\n}\n",
	  "h.conf:8: network \"n\": host \"b\": ipv4 10.213.0.10 is already host \"a\"'s" },
	{ "host a { ipv6 = \"fd42:213::a\" }\nhost b { ipv6 = \"fd42:213:0::A\" }\n",
	  "h.conf:6: network \"n\": host \"b\": ipv6 fd42:213::a is already host \"a\"'s" },
	{ "host web { ipv4 = \"10.214.0.10\" }\n",
	  "h.conf:5: network \"n\": host \"web\": ipv4 \"10.214.0.10\" is outside 10.213.0.0/24" },
	{ "host web { ipv4 = \"10.213.0.1\" }\n",
	  "h.conf:5: network \"n\": host \"web\": ipv4 \"10.213.0.1\" is the gateway's own "
	  "address" },
	{ "host web { ipv4 = \"10.213.0.255\" }\n",
	  "h.conf:5: network \"n\": host \"web\": ipv4 \"10.213.0.255\" is the network or "
	  "broadcast address of 10.213.0.0/24" },
	{ "host web { ipv4 = \"10.213.0\" }\n",
	  "h.conf:5: network \"n\": host \"web\": ipv4 \"10.213.0\" is not an IPv4 address" },
	{ "host web { ipv6 = \"fd42:214::10\" }\n",
	  "h.conf:5: network \"n\": host \"web\": ipv6 \"fd42:214::10\" is outside fd42:213::/64" },
	{ "host web { ipv6 = \"fd42:213::1\" }\n",
	  "h.conf:5: network \"n\": host \"web\": ipv6 \"fd42:213::1\" is the gateway's own "
	  "address" },
	{ "host web_1 { mac = \"52:54:00:00:00:01\" }\n",
	  "h.conf:5: network \"n\": host \"web_1\": name must be 1-63 letters, digits or '-', not "
	  "starting or ending with '-'" },
	{ "host \"-web\" { mac = \"52:54:00:00:00:01\" }\n",
	  "h.conf:5: network \"n\": host \"-web\": name must be 1-63 letters, digits or '-', not "
	  "starting or ending with '-'" },
	{ "host \"a.b\" { mac = \"52:54:00:00:00:01\" }\n",
	  "h.conf:5: network \"n\": host \"a.b\": name must be 1-63 letters, digits or '-', not "
	  "starting or ending with '-'" },
	{ "host "
	  "a123456789012345678901234567890123456789012345678901234567890123 { mac = "
	  "\"52:54:00:00:00:01\" }\n",
	  "h.conf:5: network \"n\": host "
	  "\"a123456789012345678901234567890123456789012345678901234567890123\": name must be "
	  "1-63 letters, digits or '-', not starting or ending with '-'" },
	{ "host Web { mac = \"52:54:00:00:00:01\" }\nhost web { mac = \"52:54:00:00:00:02\" }\n",
	  "h.conf:6: network \"n\": host \"web\": the name is already host \"Web\" (names are not "
	  "case-sensitive)" },
	{ "host web {\n}\n", "h.conf:5: network \"n\": host \"web\": needs a mac, an ipv4 or an "
			     "ipv6 address" },
	{ "domain = \"cust_a.internal\"\n",
	  "h.conf:5: network \"n\": domain \"cust_a.internal\" is not a DNS domain (labels of "
	  "1-63 letters, digits or '-' separated by '.', like \"cust-a.internal\")" },
	{ "domain = \"internal.\"\n",
	  "h.conf:5: network \"n\": domain \"internal.\" is not a DNS domain (labels of 1-63 "
	  "letters, digits or '-' separated by '.', like \"cust-a.internal\")" },
	{ "domain = \"a..b\"\n", "h.conf:5: network \"n\": domain \"a..b\" is not a DNS domain "
				 "(labels of 1-63 letters, digits or '-' separated by '.', like "
				 "\"cust-a.internal\")" },
	{ "domain = \"a/b\"\n", "h.conf:5: network \"n\": domain \"a/b\" is not a DNS domain "
				"(labels of 1-63 letters, digits or '-' separated by '.', like "
				"\"cust-a.internal\")" },
	{ "dns_servers = {\"1.1.1.1\",\n \"one\"}\n",
	  "h.conf:6: network \"n\": dns_servers: \"one\" is not an IPv4 or IPv6 address" },
	{ "dns_servers = {\"10.213.0.1\"}\n",
	  "h.conf:5: network \"n\": dns_servers: \"10.213.0.1\" is this network's own DNS "
	  "server" },
	{ "dns_servers = {\"fe80::1\"}\n",
	  "h.conf:5: network \"n\": dns_servers: \"fe80::1\" is not a global or unique-local "
	  "unicast address" },
	{ "dns_servers = {\"127.0.0.1\"}\n",
	  "h.conf:5: network \"n\": dns_servers: \"127.0.0.1\" is not a unicast address" },
	{ "dns_servers = {\"1.0.0.1\",\"1.0.0.2\",\"1.0.0.3\",\"1.0.0.4\",\"1.0.0.5\","
	  "\"1.0.0.6\",\"1.0.0.7\",\"1.0.0.8\",\n\"1.0.0.9\"}\n",
	  "h.conf:6: network \"n\": at most 8 dns_servers" },
	{ "mtu = 1200\n",
	  "h.conf:5: network \"n\": mtu \"1200\" must be between 1280 (IPv6's minimum) and "
	  "65535" },
	{ "mtu = 70000\n",
	  "h.conf:5: network \"n\": mtu \"70000\" must be between 1280 (IPv6's minimum) and "
	  "65535" },
	{ "mtu = 1400b\n", "h.conf:5: network \"n\": mtu \"1400b\" is not a number of bytes" },
	{ "mtu = \"-1\"\n", "h.conf:5: network \"n\": mtu \"-1\" is not a number of bytes" },
	{ "ipv6_dhcp_range = \"fd42:213::100\"\n",
	  "h.conf:5: network \"n\": ipv6_dhcp_range \"fd42:213::100\" is not FIRST-LAST (like "
	  "fd42:213::100-fd42:213::1ff)" },
	{ "ipv6_dhcp_range = \"fd42:213::100-fd42:214::1ff\"\n",
	  "h.conf:5: network \"n\": ipv6_dhcp_range \"fd42:213::100-fd42:214::1ff\" is outside "
	  "fd42:213::/64" },
	{ "ipv6_dhcp_range = \"fd42:213::1ff-fd42:213::100\"\n",
	  "h.conf:5: network \"n\": ipv6_dhcp_range \"fd42:213::1ff-fd42:213::100\" starts after "
	  "it ends" },
	{ "ipv6_dhcp_range = \"fd42:213::-fd42:213::ff\"\n",
	  "h.conf:5: network \"n\": ipv6_dhcp_range \"fd42:213::-fd42:213::ff\" contains the "
	  "gateway address fd42:213::1" },
	{ "ra { enabled = false }\nipv6_dhcp_range = \"fd42:213::100-fd42:213::1ff\"\n",
	  "h.conf:6: network \"n\": ipv6_dhcp_range \"fd42:213::100-fd42:213::1ff\" needs ra and "
	  "dhcp enabled (the router advertisement tells guests to ask; the leases share DHCPv4's "
	  "lease file)" },
	{ "host web { mac = \"52:54:00:00:00:01\" colour = blue }\n",
	  "h.conf:5: no such option 'colour'" },
};

START_TEST(test_host_errors)
{
	struct gw_conf *c = (void *)1;
	char err[512] = "";

	ck_assert_int_lt(load(bad[_i].body, &c, err, sizeof(err)), 0);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, bad[_i].want);
}
END_TEST

/* Addresses need the network's fixed subnet; IPv4-only networks may use
 * a smaller MTU. */
/* 4,000 hosts (line 5 + i: hI, MAC ..:0f:II, 10.213.X.Y, fd42:213::I+2)
 * and a last one at line 4005: refused for the first earlier host that
 * shares anything with it, by name before MAC before address when that
 * is one host. */
static const struct {
	const char *last, *err;
} many_bad[] = {
	{ "host H17 { mac = \"52:54:00:00:aa:01\" }",
	  "h.conf:4005: network \"n\": host \"H17\": the name is already host \"h17\"" },
	{ "host z { mac = \"52:54:00:0f:0c:1c\" ipv4 = \"10.213.0.9\" }",
	  "h.conf:4005: network \"n\": host \"z\": mac 52:54:00:0f:0c:1c is already host "
	  "\"h3100\"'s" },
	/* ipv4 of h2, mac of h3: h2 */
	{ "host z { mac = \"52:54:00:0f:00:03\" ipv4 = \"10.213.1.3\" }",
	  "h.conf:4005: network \"n\": host \"z\": ipv4 10.213.1.3 is already host \"h2\"'s" },
	{ "host z { ipv6 = \"fd42:213::fa1\" }", "h.conf:4005: network \"n\": host \"z\": ipv6 "
						 "fd42:213::fa1 is already host \"h3999\"'s" },
	/* h9's name and h2's ipv6: h2 */
	{ "host H9 { ipv6 = \"fd42:213::4\" }",
	  "h.conf:4005: network \"n\": host \"H9\": ipv6 fd42:213::4 is already host \"h2\"'s" },
};

static int load_many(const char *last, struct gw_conf **c, char *err, size_t errlen)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	int r;

	ck_assert_ptr_nonnull(f);
	fprintf(f, "network n {\nbridge = gw0\nipv4 = \"10.213.0.1/16\"\n"
		   "ipv6 = \"fd42:213::1/64\"\n");
	for (int i = 0; i < 4000; i++)
		fprintf(f,
			"host h%d { mac = \"52:54:00:0f:%02x:%02x\" ipv4 = \"10.213.%d.%d\" ipv6 = "
			"\"fd42:213::%x\" }\n",
			i, i / 256, i % 256, 1 + i / 250, 1 + i % 250, i + 2);
	fprintf(f, "%s\n}\n", last);
	ck_assert_int_eq(fclose(f), 0);
	r = conf_load_buf("h.conf", text, c, err, errlen);
	free(text);
	return r;
}

START_TEST(test_host_many)
{
	struct gw_conf *c;
	char err[512] = "";

	ck_assert_int_lt(load_many(many_bad[_i].last, &c, err, sizeof(err)), 0);
	ck_assert_msg(!strncmp(err, many_bad[_i].err, strlen(many_bad[_i].err)), "got \"%s\"", err);
	ck_assert_msg(
		load_many("host last { mac = \"52:54:00:0f:ff:ff\" }", &c, err, sizeof(err)) == 0,
		"%s", err);
	ck_assert_uint_eq(c->networks[0].hosts.n, 4001);
	ck_assert_str_eq(c->networks[0].hosts.v[4000].name, "last");
	conf_free(c);
}
END_TEST

START_TEST(test_host_auto_and_v4)
{
	struct gw_conf *c;
	char err[512] = "";

	ck_assert_int_lt(conf_load_buf("h.conf",
				       "network n {\nbridge = gw0\nipv4 = auto\n"
				       "host a {\n ipv4 = \"10.0.0.5\"\n}\n}\n",
				       &c, err, sizeof(err)),
			 0);
	ck_assert_str_eq(err, "h.conf:5: network \"n\": host \"a\": ipv4 \"10.0.0.5\" needs a "
			      "fixed ipv4 subnet, not ipv4 = auto");
	ck_assert_int_lt(conf_load_buf("h.conf",
				       "network n {\nbridge = gw0\nipv4 = \"10.1.0.1/24\"\n"
				       "host a { ipv6 = \"fd00::5\" }\n}\n",
				       &c, err, sizeof(err)),
			 0);
	ck_assert_str_eq(err, "h.conf:4: network \"n\": host \"a\": ipv6 \"fd00::5\": the "
			      "network has no ipv6 subnet");
	/* a name for a MAC on an auto network is fine */
	ck_assert_msg(conf_load_buf("h.conf",
				    "network n {\nbridge = gw0\nipv4 = auto\nmtu = 1000\n"
				    "host a { mac = \"52:54:00:00:00:01\" }\n}\n",
				    &c, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(c->networks[0].hosts.mtu, 1000);
	conf_free(c);
}
END_TEST

static char *print_text(const struct gw_conf *c)
{
	char *t = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&t, &len);

	conf_print(f, c);
	fclose(f);
	return t;
}

/* Printed (gatewayd -n -v), parsed again, printed the same; a copy owns
 * its own list. */
START_TEST(test_host_print_dup)
{
	struct gw_conf *a, *b, *d;
	char err[512] = "", *t1, *t2;

	ck_assert_msg(load(good, &a, err, sizeof(err)) == 0, "%s", err);
	t1 = print_text(a);
	ck_assert_msg(strstr(t1, "    host web { mac = \"52:54:00:aa:bb:01\" ipv4 = "
				 "\"10.213.0.10\" ipv6 = \"fd42:213::10\" }\n"),
		      "%s", t1);
	ck_assert_msg(strstr(t1, "    dns_servers = {\"1.1.1.1\", \"2606:4700::1111\"}\n"), "%s",
		      t1);
	ck_assert_msg(strstr(t1, "    mtu         = 1400\n"), "%s", t1);
	ck_assert_msg(strstr(t1, "    ipv6_dhcp_range = \"fd42:213::100-fd42:213::1ff\"\n"), "%s",
		      t1);
	ck_assert_msg(conf_load_buf(a->path, t1, &b, err, sizeof(err)) == 0, "%s in:\n%s", err, t1);
	t2 = print_text(b);
	ck_assert_str_eq(t2, t1);

	d = conf_dup(a);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_ne(d->networks[0].hosts.v, a->networks[0].hosts.v);
	ck_assert_uint_eq(d->networks[0].hosts.n, 3);
	ck_assert_str_eq(d->networks[0].hosts.v[2].name, "printer");
	ck_assert_str_eq(d->networks[0].hosts.domain, "cust-a.internal");
	conf_free(a); /* d's list is its own */
	ck_assert_str_eq(d->networks[0].hosts.v[1].name, "db");
	free(t1);
	free(t2);
	conf_free(b);
	conf_free(d);
}
END_TEST

static char *hosts_text(const struct gw_network *n, bool dhcp)
{
	char *t = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&t, &len);

	if (dhcp)
		hosts_dhcp_write(f, n);
	else
		hosts_dns_write(f, n);
	fclose(f);
	return t;
}

/* The files dnsmasq re-reads on SIGHUP: a lease per MAC, a name per
 * address (with the domain and without). */
START_TEST(test_hosts_files)
{
	struct gw_conf *c;
	char err[512] = "", *t, path[512];

	ck_assert_msg(load(good, &c, err, sizeof(err)) == 0, "%s", err);
	t = hosts_text(&c->networks[0], true);
	ck_assert_str_eq(t, "# Written by gatewayd for network \"n\": its static hosts.\n"
			    "52:54:00:aa:bb:01,10.213.0.10,[fd42:213::10],web\n"
			    "52:54:00:aa:bb:02,db\n");
	free(t);
	t = hosts_text(&c->networks[0], false);
	ck_assert_str_eq(t, "# Written by gatewayd for network \"n\": its static hosts' names.\n"
			    "10.213.0.10 web.cust-a.internal web\n"
			    "fd42:213::10 web.cust-a.internal web\n"
			    "10.213.0.200 printer.cust-a.internal printer\n");
	free(t);
	hosts_dhcp_path(c, &c->networks[0], path, sizeof(path));
	ck_assert_str_eq(path, "/run/gatewayd/n.dhcp-hosts");
	hosts_dns_path(c, &c->networks[0], path, sizeof(path));
	ck_assert_str_eq(path, "/run/gatewayd/n.hosts");
	conf_free(c);

	ck_assert_msg(load("host printer { ipv4 = \"10.213.0.200\" }\n", &c, err, sizeof(err)) == 0,
		      "%s", err);
	t = hosts_text(&c->networks[0], false);
	ck_assert_msg(strstr(t, "\n10.213.0.200 printer\n"), "%s", t);
	free(t);
	conf_free(c);
}
END_TEST

Suite *host_suite(void)
{
	Suite *s = suite_create("host");
	TCase *tc = tcase_create("host");

	tcase_add_test(tc, test_host_good);
	tcase_add_loop_test(tc, test_host_errors, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_loop_test(tc, test_host_many, 0, (int)(sizeof(many_bad) / sizeof(many_bad[0])));
	tcase_add_test(tc, test_host_auto_and_v4);
	tcase_add_test(tc, test_host_print_dup);
	tcase_add_test(tc, test_hosts_files);
	suite_add_tcase(s, tc);
	return s;
}
