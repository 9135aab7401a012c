/* Config parsing from a buffer: valid files, the built-in default, and
 * every error with its line number. */
#include "suites.h"
#include "test_conf.h"
#include "conf/conf.h"
#include "conf/text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char full[] = "uplink    = auto\n"
			   "state_dir = \"/tmp/s\"\n"
			   "run_dir   = \"/tmp/r\"\n"
			   "dnsmasq   = \"/usr/sbin/dnsmasq\"\n"
			   "\n"
			   "network default {\n"
			   "    bridge = \"gw0\"\n"
			   "    mode   = nat\n"
			   "    ipv4   = \"10.213.0.1/24\"\n"
			   "    ipv6   = \"fd42:213::1/64\"\n"
			   "    uplink = \"eth0\"\n"
			   "    dhcp {\n"
			   "        range      = \"10.213.0.100-10.213.0.250\"\n"
			   "        lease_time = 1h\n"
			   "    }\n"
			   "    ra { enabled = true }\n"
			   "}\n";

static char *ip4(struct in_addr a)
{
	static char buf[INET_ADDRSTRLEN];
	return (char *)inet_ntop(AF_INET, &a, buf, sizeof(buf));
}

START_TEST(test_full)
{
	struct gw_conf *c;
	char err[512] = "";
	const struct gw_network *n;

	ck_assert_int_eq(conf_load_buf("t.conf", full, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(c->uplink, "");
	ck_assert_str_eq(c->state_dir, "/tmp/s");
	ck_assert_str_eq(c->run_dir, "/tmp/r");
	ck_assert_int_eq(c->n_networks, 1);
	n = &c->networks[0];
	ck_assert_str_eq(n->name, "default");
	ck_assert_str_eq(n->bridge, "gw0");
	ck_assert_str_eq(ip4(n->ipv4.addr), "10.213.0.1");
	ck_assert_uint_eq(n->ipv4.plen, 24);
	ck_assert(n->has_ipv6);
	ck_assert_uint_eq(n->ipv6.plen, 64);
	ck_assert_str_eq(n->uplink, "eth0");
	ck_assert_str_eq(conf_network_uplink(c, n), "eth0");
	ck_assert_str_eq(ip4(n->dhcp_start), "10.213.0.100");
	ck_assert_str_eq(ip4(n->dhcp_end), "10.213.0.250");
	ck_assert_uint_eq(n->lease_time, 3600);
	ck_assert(n->ra_enabled);
	ck_assert(!n->host_access);
	conf_free(c);
}
END_TEST

START_TEST(test_builtin_default)
{
	struct gw_conf *c;
	char err[512] = "";

	ck_assert_int_eq(conf_load_default(&c, err, sizeof(err)), 0);
	ck_assert_str_eq(c->uplink, ""); /* auto */
	ck_assert_str_eq(c->state_dir, "/var/lib/gatewayd");
	ck_assert_str_eq(c->run_dir, "/run/gatewayd");
	ck_assert_str_eq(c->networks[0].bridge, "gw0");
	ck_assert_str_eq(c->networks[0].uplink, "");
	ck_assert(c->networks[0].has_ipv6);
	conf_free(c);
}
END_TEST

START_TEST(test_defaults_filled)
{
	struct gw_conf *c;
	char err[512] = "";
	const char *minimal = "network a {\n bridge = br-a\n ipv4 = \"192.168.50.1/24\"\n}\n";

	ck_assert_int_eq(conf_load_buf("m.conf", minimal, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(c->networks[0].bridge, "br-a");
	ck_assert(!c->networks[0].has_ipv6);
	ck_assert(c->networks[0].dhcp_enabled);
	/* default range: upper half of the subnet, minus broadcast */
	ck_assert_str_eq(ip4(c->networks[0].dhcp_start), "192.168.50.128");
	ck_assert_str_eq(ip4(c->networks[0].dhcp_end), "192.168.50.254");
	ck_assert_uint_eq(c->networks[0].lease_time, 3600);
	conf_free(c);
}
END_TEST

/* Each case: the body of "network n { ... }" (starting on line 2) and the
 * exact error expected. */
static const struct {
	const char *body, *want;
} bad[] = {
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.1/24\"\ndhcp {\nrange = \"10.1.0.5-10.2.0.9\"\n}\n",
	  "b.conf:5: network \"n\": dhcp range 10.1.0.5-10.2.0.9 is outside 10.1.0.0/24" },
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.1/24\"\ndhcp {\nrange = \"10.1.0.1-10.1.0.9\"\n}\n",
	  "b.conf:5: network \"n\": dhcp range 10.1.0.1-10.1.0.9 contains the gateway address "
	  "10.1.0.1" },
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.9/24\"\ndhcp {\nrange = \"10.1.0.0-10.1.0.5\"\n}\n",
	  "b.conf:5: network \"n\": dhcp range 10.1.0.0-10.1.0.5 contains the network or broadcast "
	  "address of 10.1.0.0/24" },
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.1/24\"\ndhcp {\nrange = \"10.1.0.9-10.1.0.5\"\n}\n",
	  "b.conf:5: network \"n\": dhcp range 10.1.0.9-10.1.0.5 starts after it ends" },
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.1/24\"\ndhcp {\nrange = \"10.1.0.9\"\n}\n",
	  "b.conf:5: network \"n\": dhcp range \"10.1.0.9\" is not FIRST-LAST (like "
	  "10.213.0.100-10.213.0.250)" },
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.300/24\"\n",
	  "b.conf:3: network \"n\": ipv4 \"10.1.0.300/24\" is not an IPv4 address with a prefix "
	  "length (like 10.213.0.1/24)" },
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.1\"\n",
	  "b.conf:3: network \"n\": ipv4 \"10.1.0.1\" is not an IPv4 address with a prefix length "
	  "(like 10.213.0.1/24)" },
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.1/40\"\n",
	  "b.conf:3: network \"n\": ipv4 \"10.1.0.1/40\": prefix length must be between 8 and 30" },
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.0/24\"\n",
	  "b.conf:3: network \"n\": ipv4 \"10.1.0.0/24\" is the network or broadcast address of "
	  "10.1.0.0/24; the bridge needs a host address" },
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.1/24\"\nipv6 = \"fd00::1/48\"\n",
	  "b.conf:4: network \"n\": ipv6 \"fd00::1/48\": SLAAC (ra enabled) needs a /64 prefix" },
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.1/24\"\nipv6 = \"fd00::/64\"\n",
	  "b.conf:4: network \"n\": ipv6 \"fd00::/64\" is the subnet's own prefix; the bridge "
	  "needs a host address (like ...::1)" },
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.1/24\"\nipv6 = \"fd00::zz/64\"\n",
	  "b.conf:4: network \"n\": ipv6 \"fd00::zz/64\" is not an IPv6 address with a prefix "
	  "length (like fd42:213::1/64)" },
	{ "bridge = \"a-very-long-name0\"\nipv4 = \"10.1.0.1/24\"\n",
	  "b.conf:2: network \"n\": bridge \"a-very-long-name0\" is not a valid interface name "
	  "(1-15 letters, digits, '-', '_' or '.', not \".\" or \"..\")" },
	{ "bridge = \"gw/0\"\nipv4 = \"10.1.0.1/24\"\n",
	  "b.conf:2: network \"n\": bridge \"gw/0\" is not a valid interface name (1-15 "
	  "letters, digits, '-', '_' or '.', not \".\" or \"..\")" },
	{ "bridge = \"gw0\"\nmode = bridged\nipv4 = \"10.1.0.1/24\"\n",
	  "b.conf:3: network \"n\": unknown mode \"bridged\" (expected nat, routed or isolated)" },
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.1/24\"\ndhcp {\nlease_time = 1x\n}\n",
	  "b.conf:5: network \"n\": lease_time \"1x\" is not a duration (like 3600, 90s, 30m, 1h, "
	  "2d or infinite)" },
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.1/24\"\ndhcp {\nlease_time = 30s\n}\n",
	  "b.conf:5: network \"n\": lease_time \"30s\" is shorter than dnsmasq's minimum of 2m" },
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.1/24\"\ncolour = blue\n",
	  "b.conf:4: no such option 'colour'" },
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.1/24\"\nhost_access = maybe\n",
	  "b.conf:4: invalid boolean value for option 'host_access'" },
	{ "bridge = \"gw0\"\nipv4 = \"10.1.0.1/24\"\nuplink = \"gw0\"\n",
	  "b.conf:2: network \"n\": bridge \"gw0\" is the uplink; gatewayd never serves or bridges "
	  "the uplink" },
	/* at the line where the section opens, not where it closes */
	{ "ipv4 = \"10.1.0.1/24\"\n", "b.conf:1: network \"n\": missing bridge = \"NAME\"" },
	{ "bridge = \"gw0\"\n",
	  "b.conf:1: network \"n\": missing ipv4 = \"ADDRESS/PREFIX\" (or auto)" },
};

START_TEST(test_errors)
{
	char buf[1024], err[512] = "";
	struct gw_conf *c = (void *)1;

	snprintf(buf, sizeof(buf), "network n {\n%s}\n", bad[_i].body);
	ck_assert_int_lt(conf_load_buf("b.conf", buf, &c, err, sizeof(err)), 0);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, bad[_i].want);
}
END_TEST

START_TEST(test_cross_network)
{
	char err[512] = "";
	struct gw_conf *c;
	const char *dup_bridge = "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n}\n"
				 "network b {\n bridge = gw0\n ipv4 = \"10.2.0.1/24\"\n}\n";
	const char *overlap = "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n}\n"
			      "network b {\n bridge = gw1\n ipv4 = \"10.1.0.129/25\"\n}\n";
	const char *overlap6 =
		"network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n ipv6 = \"fd00:1::1/64\"\n}\n"
		"network b {\n bridge = gw1\n ipv4 = \"10.2.0.1/24\"\n ipv6 = "
		"\"fd00:1::2/64\"\n}\n";
	const char *dup_name = "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n}\n"
			       "network a {\n bridge = gw1\n ipv4 = \"10.2.0.1/24\"\n}\n";

	ck_assert_int_lt(conf_load_buf("x.conf", dup_bridge, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(
		err, "x.conf:6: network \"b\": bridge \"gw0\" is already used by network \"a\"");
	ck_assert_int_lt(conf_load_buf("x.conf", overlap, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "x.conf:7: network \"b\": subnet 10.1.0.128/25 overlaps 10.1.0.0/24 "
			      "of network \"a\"");
	ck_assert_int_lt(conf_load_buf("x.conf", overlap6, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "x.conf:9: network \"b\": subnet fd00:1::/64 overlaps fd00:1::/64 of "
			      "network \"a\"");
	ck_assert_int_lt(conf_load_buf("x.conf", dup_name, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "x.conf:5: found duplicate title 'a'");
	ck_assert_int_lt(conf_load_buf("x.conf", "uplink = auto\n", &c, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "x.conf:2: no network defined");
}
END_TEST

START_TEST(test_missing_file)
{
	char err[512] = "";
	struct gw_conf *c;

	ck_assert_int_eq(conf_load_file("/nonexistent/g.conf", &c, err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "/nonexistent/g.conf: No such file or directory");
}
END_TEST

/* A config of 100,000 port forwards (8 MiB here) is read whole; past
 * the limit the message names the file and the limit. */
START_TEST(test_large_file)
{
	char path[] = "/tmp/gw-test-conf.XXXXXX", err[512] = "";
	struct gw_conf *c;
	FILE *f;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	fprintf(f, "network a {\n bridge = gw0\n ipv4 = \"10.213.0.1/24\"\n");
	for (int i = 0; i < 100000; i++)
		fprintf(f,
			" forward f%d { port = %d to = \"10.213.0.9:22\" listen = "
			"\"198.51.100.%d\" "
			"}\n",
			i, 1024 + i % 50000, 1 + i / 50000);
	fprintf(f, "}\n");
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_msg(conf_load_file(path, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c->networks[0].fwd.n, 100000);
	/* in the file's order */
	ck_assert_str_eq(c->networks[0].fwd.v[0].name, "f0");
	ck_assert_str_eq(c->networks[0].fwd.v[99999].name, "f99999");
	ck_assert_int_eq(c->networks[0].fwd.v[99999].line, 100003);
	conf_free(c);

	/* sparse: nothing is written, nothing read */
	ck_assert_int_eq(truncate(path, 64 * 1024 * 1024 + 1), 0);
	ck_assert_int_eq(conf_load_file(path, &c, err, sizeof(err)), -EFBIG);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err + strlen(path),
			 ": File too large: a config file may have at most 64 MiB");
	unlink(path);
}
END_TEST

/* A config "file" with no size to refuse up front (a device, a pipe): read
 * up to the limit and refused, never holding twice the limit. */
START_TEST(test_large_stream)
{
	struct rusage ru;
	char *buf = NULL;
	size_t len = 0;

	ck_assert_int_eq(conf_text_read("/dev/zero", &buf, &len), -EFBIG);
	ck_assert_ptr_null(buf);
	ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
	/* 64 MiB read (and touched); the old reader doubled to 128 MiB */
	ck_assert_int_lt(ru.ru_maxrss, 100 * 1024);
}
END_TEST

START_TEST(test_example_file)
{
	struct gw_conf *c;
	char err[512] = "";

	/* make check runs from the top of the tree */
	ck_assert_msg(conf_load_file("conf/gatewayd.conf.example", &c, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_str_eq(c->networks[0].bridge, "gw0");
	ck_assert_uint_eq(c->probe_ms, 1000);
	conf_free(c);
}
END_TEST

START_TEST(test_auto)
{
	struct gw_conf *c;
	char err[512] = "";

	ck_assert_int_eq(conf_load_default(&c, err, sizeof(err)), 0);
	ck_assert(c->networks[0].ipv4_auto);
	ck_assert(c->networks[0].ipv6_auto);
	ck_assert_uint_eq(c->networks[0].ipv4.addr.s_addr, 0);
	conf_free(c);
	ck_assert_int_lt(conf_load_buf("a.conf",
				       "network n {\n bridge = gw0\n ipv4 = auto\n dhcp {\n"
				       "  range = \"10.0.0.5-10.0.0.9\"\n }\n}\n",
				       &c, err, sizeof(err)),
			 0);
	ck_assert_str_eq(
		err,
		"a.conf:5: network \"n\": a dhcp range needs a fixed ipv4 subnet, not ipv4 = auto");
	ck_assert_int_lt(conf_load_buf("a.conf",
				       "network n {\n bridge = gw0\n ipv4 = auto\n"
				       " guest_ports = {\"t*p\"}\n}\n",
				       &c, err, sizeof(err)),
			 0);
	ck_assert_str_eq(err, "a.conf:4: network \"n\": guest_ports pattern \"t*p\" must be 1-15 "
			      "letters, digits, '-', '_' or '.', optionally ending in '*' (like "
			      "\"tap*\")");
}
END_TEST

START_TEST(test_duration)
{
	unsigned s;
	char buf[32];

	ck_assert_int_eq(conf_parse_duration("90", &s), 0);
	ck_assert_uint_eq(s, 90);
	ck_assert_int_eq(conf_parse_duration("30m", &s), 0);
	ck_assert_uint_eq(s, 1800);
	ck_assert_int_eq(conf_parse_duration("2d", &s), 0);
	ck_assert_uint_eq(s, 172800);
	ck_assert_int_eq(conf_parse_duration("infinite", &s), 0);
	ck_assert_uint_eq(s, 0);
	ck_assert_int_lt(conf_parse_duration("h", &s), 0);
	ck_assert_int_lt(conf_parse_duration("1hh", &s), 0);
	ck_assert_int_lt(conf_parse_duration("-5", &s), 0);
	ck_assert_int_lt(conf_parse_duration("0", &s), 0);
	conf_format_duration(7200, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2h");
	conf_format_duration(150, buf, sizeof(buf));
	ck_assert_str_eq(buf, "150s");
}
END_TEST

static char *print_text(const struct gw_conf *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	conf_print(f, c);
	fclose(f);
	return text;
}

/* Every field away from its default, so that a field the printer drops
 * or misspells comes back different. */
static const char rich[] = "uplink = eth9\n"
			   "state_dir = \"/var/lib/x\"\n"
			   "run_dir = \"/run/x\"\n"
			   "dnsmasq = \"/opt/dnsmasq\"\n"
			   "dnsmasq_user = nobody\n"
			   "fix_accept_ra = true\n"
			   "probe_time = 0.25\n"
			   "network a {\n bridge = gw-a\n ipv4 = \"10.9.0.1/16\"\n uplink = eth8\n"
			   " guest_ports = {\"tap*\", \"vnet0\"}\n host_access = true\n"
			   " dhcp {\n enabled = false\n lease_time = infinite\n }\n"
			   " ra { enabled = false }\n}\n"
			   "network b {\n bridge = gw-b\n ipv4 = auto\n ipv6 = \"fd00:9::1/64\"\n"
			   " dhcp { lease_time = 90m }\n}\n";

/* print -> parse -> print gives the same text, and the parsed copy is the
 * same config: the printer and the parser agree, and the printer drops
 * nothing (a dropped field would print the same twice, but not compare
 * equal). */
START_TEST(test_print_roundtrip)
{
	const char *src[] = { full, rich, NULL /* the built-in default */ };
	struct gw_conf *a, *b;
	char err[512] = "", *t1, *t2;

	if (src[_i])
		ck_assert_int_eq(conf_load_buf("t.conf", src[_i], &a, err, sizeof(err)), 0);
	else
		ck_assert_int_eq(conf_load_default(&a, err, sizeof(err)), 0);
	t1 = print_text(a);
	/* same name, so that the "# normalized from" line matches too */
	ck_assert_msg(conf_load_buf(a->path, t1, &b, err, sizeof(err)) == 0, "%s in:\n%s", err, t1);
	t2 = print_text(b);
	ck_assert_str_eq(t2, t1);

	ck_assert_str_eq(b->uplink, a->uplink);
	ck_assert_str_eq(b->state_dir, a->state_dir);
	ck_assert_str_eq(b->run_dir, a->run_dir);
	ck_assert_str_eq(b->dnsmasq, a->dnsmasq);
	ck_assert_str_eq(b->dnsmasq_user, a->dnsmasq_user);
	ck_assert_int_eq(b->fix_accept_ra, a->fix_accept_ra);
	ck_assert_uint_eq(b->probe_ms, a->probe_ms);
	ck_assert_uint_eq(b->n_networks, a->n_networks);
	for (size_t i = 0; i < a->n_networks; i++)
		ck_assert_msg(conf_network_equal(&a->networks[i], &b->networks[i]),
			      "network %s differs after printing:\n%s", a->networks[i].name, t1);
	free(t1);
	free(t2);
	conf_free(a);
	conf_free(b);
}
END_TEST

START_TEST(test_print_rich)
{
	struct gw_conf *c;
	char err[512] = "", *t;

	ck_assert_int_eq(conf_load_buf("t.conf", rich, &c, err, sizeof(err)), 0);
	t = print_text(c);
	ck_assert_msg(strstr(t, "\nprobe_time    = 0.250\n") &&
			      strstr(t, "\n    guest_ports = {\"tap*\", \"vnet0\"}\n") &&
			      strstr(t, "\n    host_access = true\n") &&
			      strstr(t, "\n        lease_time = infinite\n") &&
			      strstr(t, "\n    ipv4        = auto\n") &&
			      strstr(t, "\n    ipv6        = \"fd00:9::1/64\"\n"),
		      "%s", t);
	free(t);
	conf_free(c);
}
END_TEST

/* conf_network_equal is what the round trip above trusts (the daemon's
 * reload compares plans instead: core/diff.c): each field on its own must
 * make two networks differ. */
static const char *const eq_fields[] = {
	"name",	      "bridge",	     "mode",	   "ipv4_auto",	  "ipv6_auto",
	"ipv4.addr",  "ipv4.plen",   "has_ipv6",   "ipv6.addr",	  "ipv6.plen",
	"n_guest",    "guest_ports", "uplink",	   "host_access", "dhcp_enabled",
	"dhcp_start", "dhcp_end",    "lease_time", "ra_enabled",
};

START_TEST(test_network_equal)
{
	const char *text =
		"network n {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n"
		" ipv6 = \"fd00:1::1/64\"\n uplink = eth0\n guest_ports = {\"tap*\"}\n}\n";
	struct gw_conf *c;
	struct gw_network n;
	char err[512] = "";

	ck_assert_int_eq(conf_load_buf("t.conf", text, &c, err, sizeof(err)), 0);
	n = c->networks[0];
	ck_assert(conf_network_equal(&c->networks[0], &n));
	switch (_i) {
	case 0: n.name[0] = 'x'; break;
	case 1: n.bridge[0] = 'x'; break;
	case 2: n.mode = (enum gw_mode)(n.mode + 1); break;
	case 3: n.ipv4_auto = !n.ipv4_auto; break;
	case 4: n.ipv6_auto = !n.ipv6_auto; break;
	case 5: n.ipv4.addr.s_addr ^= htonl(2); break;
	case 6: n.ipv4.plen--; break;
	case 7: n.has_ipv6 = false; break;
	case 8: n.ipv6.addr.s6_addr[15] ^= 2; break;
	case 9: n.ipv6.plen--; break;
	case 10: n.n_guest_ports = 0; break;
	case 11: n.guest_ports[0][0] = 'x'; break;
	case 12: n.uplink[0] = 'x'; break;
	case 13: n.host_access = !n.host_access; break;
	case 14: n.dhcp_enabled = !n.dhcp_enabled; break;
	case 15: n.dhcp_start.s_addr ^= htonl(1); break;
	case 16: n.dhcp_end.s_addr ^= htonl(1); break;
	case 17: n.lease_time++; break;
	case 18: n.ra_enabled = !n.ra_enabled; break;
	}
	ck_assert_msg(!conf_network_equal(&c->networks[0], &n), "%s changed, still equal",
		      eq_fields[_i]);
	ck_assert_msg(!conf_network_equal(&n, &c->networks[0]), "%s changed, still equal",
		      eq_fields[_i]);
	conf_free(c);
}
END_TEST

/* What does not count: an IPv6 address on a network without IPv6, and
 * whether the range was written or defaulted (the range itself counts). */
START_TEST(test_network_equal_ignores)
{
	struct gw_conf *c;
	struct gw_network n;
	char err[512] = "";

	ck_assert_int_eq(conf_load_buf("t.conf", full, &c, err, sizeof(err)), 0);
	c->networks[0].has_ipv6 = false;
	n = c->networks[0];
	n.ipv6.addr.s6_addr[15] ^= 2;
	n.ipv6.plen = 48;
	n.dhcp_range_set = !n.dhcp_range_set;
	ck_assert(conf_network_equal(&c->networks[0], &n));
	conf_free(c);
}
END_TEST

Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_builtin_default);
	tcase_add_test(tc, test_defaults_filled);
	tcase_add_loop_test(tc, test_errors, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_cross_network);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_duration);
	tcase_add_test(tc, test_example_file);
	tcase_add_test(tc, test_large_file);
	tcase_add_test(tc, test_large_stream);
	tcase_add_test(tc, test_auto);
	tcase_add_loop_test(tc, test_print_roundtrip, 0, 3);
	tcase_add_test(tc, test_print_rich);
	tcase_add_loop_test(tc, test_network_equal, 0, sizeof(eq_fields) / sizeof(eq_fields[0]));
	tcase_add_test(tc, test_network_equal_ignores);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, conf_text_tcase());
	suite_add_tcase(s, conf_names_tcase());
	return s;
}
