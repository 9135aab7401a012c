/* The unicast checks of conf/addr.c, and state_dir/NET.subnets read back
 * with them: a stored subnet the config would refuse is not used. */
#include "suites.h"
#include "conf/addr.h"
#include "conf/conf.h"
#include "gatewayd/host/preflight.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *usable4(const char *s)
{
	struct in_addr a;
	unsigned plen;

	ck_assert_int_eq(addr_parse_prefix4(s, &a, &plen), 0);
	return addr_usable4(a, plen);
}

static const char *usable6(const char *s)
{
	struct in6_addr a;
	unsigned plen;

	ck_assert_int_eq(addr_parse_prefix6(s, &a, &plen), 0);
	return addr_usable6(&a, plen);
}

START_TEST(test_usable4)
{
	static const struct {
		const char *s, *why;
	} t[] = {
		{ "10.213.0.1/24", NULL },
		{ "192.168.7.0/30", NULL },
		{ "100.64.0.0/8", NULL },
		{ "10.0.0.0/7", "prefix length must be between 8 and 30" },
		{ "10.0.0.0/31", "prefix length must be between 8 and 30" },
		{ "10.0.0.0/0", "prefix length must be between 8 and 30" },
		{ "0.1.2.0/24", "not a unicast address (0.0.0.0/8 is \"this network\")" },
		{ "127.0.0.0/24", "not a unicast address (127.0.0.0/8 is loopback)" },
		{ "224.0.0.0/24", "not a unicast address (224.0.0.0/4 is multicast)" },
		{ "239.255.0.1/16", "not a unicast address (224.0.0.0/4 is multicast)" },
		{ "240.0.0.0/24", "not a unicast address (240.0.0.0/4 is reserved)" },
		{ "255.255.255.0/24", "not a unicast address (240.0.0.0/4 is reserved)" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *why = usable4(t[i].s);

		if (t[i].why)
			ck_assert_msg(why && !strcmp(why, t[i].why), "%s: %s", t[i].s,
				      why ? why : "accepted");
		else
			ck_assert_msg(!why, "%s: %s", t[i].s, why);
	}
}
END_TEST

START_TEST(test_usable6)
{
	static const struct {
		const char *s, *why;
	} t[] = {
		{ "fd42:213::1/64", NULL },
		{ "2001:db8::/48", NULL },
		{ "fd00::/8", NULL },
		{ "fd42::/7", "prefix length must be between 8 and 127" },
		{ "fd42::1/128", "prefix length must be between 8 and 127" },
		{ "::/64", "not a unicast address (:: is unspecified)" },
		{ "::1/64", "not a unicast address (::1 is loopback)" },
		{ "::ffff:10.0.0.0/120", "not a unicast address (::ffff:0:0/96 is IPv4-mapped)" },
		{ "fe80::/64", "not a global or unique-local address (fe80::/10 is link-local)" },
		{ "febf:1::/64", "not a global or unique-local address (fe80::/10 is link-local)" },
		{ "ff02::/64", "not a unicast address (ff00::/8 is multicast)" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *why = usable6(t[i].s);

		if (t[i].why)
			ck_assert_msg(why && !strcmp(why, t[i].why), "%s: %s", t[i].s,
				      why ? why : "accepted");
		else
			ck_assert_msg(!why, "%s: %s", t[i].s, why);
	}
}
END_TEST

START_TEST(test_parse_prefix)
{
	static const char *const bad[] = { "10.0.0.0/ 24", "10.0.0.0/\v24", "10.0.0.0/+24",
					   "10.0.0.0/-0",  "10.0.0.0/",	    "10.0.0.0/24 ",
					   "10.0.0.0/33",  " 10.0.0.0/24",  "10.0.0.0" };
	struct in_addr a;
	struct in6_addr a6;
	unsigned plen;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(addr_parse_prefix4(bad[i], &a, &plen) < 0, "%s", bad[i]);
	ck_assert_int_lt(addr_parse_prefix6("fd00::/ 64", &a6, &plen), 0);
	ck_assert_int_eq(addr_parse_prefix4("10.0.0.0/024", &a, &plen), 0);
	ck_assert_uint_eq(plen, 24);
}
END_TEST

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/gwsubnets.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	chmod(dir, 0700);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Resolve a network with ipv4 = ipv6 = auto against state_dir/n.subnets
 * holding text; the bridge addresses it ends up with in a4 and a6. */
static void resolve(const char *text, char *a4, char *a6)
{
	char conf_text[512], path[128], err[512] = "";
	struct gw_conf *conf;
	struct preflight pf = { 0 };
	FILE *f;

	snprintf(path, sizeof(path), "%s/n.subnets", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	snprintf(conf_text, sizeof(conf_text),
		 "state_dir = \"%s\"\n"
		 "network n {\n"
		 "    bridge = \"gwt0\"\n"
		 "    uplink = \"lo\"\n"
		 "    ipv4   = auto\n"
		 "    ipv6   = auto\n"
		 "}\n",
		 dir);
	ck_assert_msg(conf_load_buf("t.conf", conf_text, &conf, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(preflight_new(conf, &pf), 0);
	/* without persist: nothing is written back */
	ck_assert_msg(preflight_resolve(&pf, false, err, sizeof(err)) == 0, "%s", err);
	inet_ntop(AF_INET, &pf.conf->networks[0].ipv4.addr, a4, INET_ADDRSTRLEN);
	inet_ntop(AF_INET6, &pf.conf->networks[0].ipv6.addr, a6, INET6_ADDRSTRLEN);
	/* the parsed config is left as parsed: the choice is preflight's */
	ck_assert_uint_eq(conf->networks[0].ipv4.addr.s_addr, 0);
	ck_assert(IN6_IS_ADDR_UNSPECIFIED(&conf->networks[0].ipv6.addr));
	preflight_release(&pf);
	conf_free(conf);
}

START_TEST(test_subnets_good)
{
	char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];

	resolve("# comment\nipv4 10.77.3.0/24\nipv6 fd42:77::/64\n", a4, a6);
	ck_assert_str_eq(a4, "10.77.3.1");
	ck_assert_str_eq(a6, "fd42:77::1");
}
END_TEST

/* Each file holds one line the config would refuse: the whole file is
 * ignored, so neither stored subnet is used. */
START_TEST(test_subnets_bad)
{
	static const char *const bad[] = {
		"ipv4 127.0.0.0/24\nipv6 fd42:77::/64\n",
		"ipv4 0.0.0.0/24\nipv6 fd42:77::/64\n",
		"ipv4 224.1.0.0/24\nipv6 fd42:77::/64\n",
		"ipv4 240.1.0.0/24\nipv6 fd42:77::/64\n",
		"ipv4 10.77.3.0/31\nipv6 fd42:77::/64\n",
		"ipv4 10.77.3.0/7\nipv6 fd42:77::/64\n",
		"ipv4 10.77.3.0/24\nipv6 ff02::/64\n",
		"ipv4 10.77.3.0/24\nipv6 fe80::/64\n",
		"ipv4 10.77.3.0/24\nipv6 ::1/64\n",
		"ipv4 10.77.3.0/24\nipv6 ::ffff:10.0.0.0/64\n",
		"ipv4 10.77.3.0/24\nipv6 ::/64\n",
		"ipv4 10.77.3.0/24\nipv6 fd42:77::/48\n",
		"ipv4 10.77.3.0/24\nipv6 fd42:77::/64 extra\n",
		"ipv4 10.77.3.0/24\nipv6 fd42:77::/64\nipv4 10.88.0.0/24\n",
		"ipv4 10.77.3.0/24\nipv6 fd42:77::/64\nrm -rf /\n",
		"ipv4 10.77.3.0/24\nipv6 fd42:77::/64\n# "
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		"xx"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
	};
	char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		resolve(bad[i], a4, a6);
		ck_assert_msg(strcmp(a4, "10.77.3.1") && strncmp(a4, "127.", 4) &&
				      strncmp(a4, "0.", 2) && strncmp(a4, "224.", 4) &&
				      strncmp(a4, "240.", 4),
			      "used %s from %s", a4, bad[i]);
		ck_assert_msg(!strncmp(a6, "fd", 2) && strcmp(a6, "fd42:77::1"), "used %s from %s",
			      a6, bad[i]);
	}
}
END_TEST

Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("usable");
	TCase *ts = tcase_create("subnets-file");

	tcase_add_test(tc, test_usable4);
	tcase_add_test(tc, test_usable6);
	tcase_add_test(tc, test_parse_prefix);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(ts, setup, teardown);
	tcase_add_test(ts, test_subnets_good);
	tcase_add_test(ts, test_subnets_bad);
	suite_add_tcase(s, ts);
	return s;
}
