/* Config text: comments of every form with the right line in every
 * message, and the names, strings and paths that end up in dnsmasq's
 * config, in nftables or on a command line. */
#include "suites.h"
#include "test_conf.h"
#include "conf/conf.h"
#include "conf/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every comment form libconfuse knows, in every place: before the first
 * key, at the end of a line, inside sections, inside a list, across
 * lines. Line N of the file is commented[N - 1]. */
static const char *const commented[] = {
	/* 1 */ "/* gatewayd.conf with every kind of comment: a block comment",
	/* 2 */ "   over two lines, with a \"quote and a # inside. */",
	/* 3 */ "# own line",
	/* 4 */ "// own line, slash-slash",
	/* 5 */ "uplink    = auto            # end of line",
	/* 6 */ "state_dir = \"/tmp/s\"        // end of line, slash-slash",
	/* 7 */ "run_dir   = '/tmp/r'        /* end of line, block */",
	/* 8 */ "dnsmasq_user = \"nobody\"#no space before it",
	/* 9 */ "",
	/* 10 */ "network n { # after an opening brace",
	/* 11 */ "    # inside a section",
	/* 12 */ "    bridge = \"gw0\" /* a block comment that",
	/* 13 */ "                      ends on the next line */",
	/* 14 */ "    ipv4   = \"10.1.0.1/24\"",
	/* 15 */ "    guest_ports = {\"tap*\", # inside a list",
	/* 16 */ "                   // alone on its line, inside the list",
	/* 17 */ "                   \"vnet*\" /* block */ }",
	/* 18 */ "    dhcp {",
	/* 19 */ "        // inside a nested section",
	/* 20 */ "        range      = \"10.1.0.100-10.1.0.200\" # the value under test",
	/* 21 */ "        lease_time = 1h",
	/* 22 */ "    }",
	/* 23 */ "}",
	/* 24 */ "# the last line, without a newline",
};
#define N_COMMENTED (sizeof(commented) / sizeof(commented[0]))

/* The lines joined by newlines, line `line` (1-based; 0 = none) replaced
 * by repl. */
static char *join(const char *const *lines, size_t n, size_t line, const char *repl)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i + 1 == line ? repl : lines[i], i + 1 < n ? "\n" : "");
	fclose(f);
	return text;
}

static void expect_err(const char *text, const char *want)
{
	char err[512] = "";
	struct gw_conf *c = (void *)1;

	ck_assert_msg(conf_load_buf("h.conf", text, &c, err, sizeof(err)) < 0, "accepted:\n%s",
		      text);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, want);
}

/* ';' separates keys as a newline does, outside quotes only; errors
 * still name the right line. */
START_TEST(test_semicolons)
{
	char err[512] = "";
	struct gw_conf *c = NULL;
	const char *text = "state_dir = \"/tmp/s\"; run_dir = \"/tmp/r\";\n"
			   "network n { bridge = gw0; ipv4 = \"10.1.0.1/24\"\n"
			   "  forward ssh { proto = tcp; port = 2222; to = \"10.1.0.10:22\" }\n"
			   "  host h { mac = \"52:54:00:00:00:01\"; ipv4 = \"10.1.0.9\"; }\n"
			   "  domain = \"a;b\"\n"
			   "}\n";

	/* the quoted ';' stays: the domain is refused for it, on line 5 */
	ck_assert_int_lt(conf_load_buf("s.conf", text, &c, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "s.conf:5:") && strstr(err, "domain"), "%s", err);
	text = "state_dir = \"/tmp/s\"; run_dir = \"/tmp/r\";\n"
	       "network n { bridge = gw0; ipv4 = \"10.1.0.1/24\"\n"
	       "  forward ssh { proto = udp; port = 2222; to = \"10.1.0.10:22\" }\n"
	       "  host h { mac = \"52:54:00:00:00:01\"; ipv4 = \"10.1.0.9\"; }\n"
	       "}\n";
	ck_assert_msg(conf_load_buf("s.conf", text, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c->state_dir, "/tmp/s");
	ck_assert_str_eq(c->networks[0].bridge, "gw0");
	ck_assert_uint_eq(c->networks[0].hosts.n, 1);
	ck_assert_str_eq(c->networks[0].hosts.v[0].name, "h");
	conf_free(c);
	expect_err("network n { bridge = gw0; ipv4 = \"10.1.0.1/24\"; dhcp { range = "
		   "\"10.2.0.5-10.2.0.9\"; } }\n",
		   "h.conf:1: network \"n\": dhcp range 10.2.0.5-10.2.0.9 is outside 10.1.0.0/24");
}
END_TEST

START_TEST(test_comment_lines_simple)
{
	expect_err("# a\n# b\n# c\nfoo = 1\n", "h.conf:4: no such option 'foo'");
	expect_err("// a\n//b\n////\nfoo = 1\n", "h.conf:4: no such option 'foo'");
	expect_err("/* a\nb\nc */ foo = 1\n", "h.conf:3: no such option 'foo'");
	expect_err("uplink = auto # a\n# b\nfoo = 1\n", "h.conf:3: no such option 'foo'");
}
END_TEST

START_TEST(test_commented_valid)
{
	char err[512] = "", *text = join(commented, N_COMMENTED, 0, NULL);
	struct gw_conf *c;
	const struct gw_network *n;

	ck_assert_msg(conf_load_buf("h.conf", text, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c->state_dir, "/tmp/s");
	ck_assert_str_eq(c->run_dir, "/tmp/r");
	ck_assert_str_eq(c->dnsmasq_user, "nobody");
	n = &c->networks[0];
	ck_assert_str_eq(n->bridge, "gw0");
	ck_assert_uint_eq(n->n_guest_ports, 2);
	ck_assert_str_eq(n->guest_ports[0], "tap*");
	ck_assert_str_eq(n->guest_ports[1], "vnet*");
	ck_assert_uint_eq(n->lease_time, 3600);
	conf_free(c);
	free(text);
}
END_TEST

/* One line of the commented file replaced, and the error it must give. */
static const struct {
	size_t line;
	const char *repl, *want;
} commented_bad[] = {
	/* gatewayd's own check, deep in the file */
	{ 20, "        range      = \"10.1.0.5-10.2.0.9\" # outside",
	  "h.conf:20: network \"n\": dhcp range 10.1.0.5-10.2.0.9 is outside 10.1.0.0/24" },
	/* libconfuse: unknown key, and a syntax error */
	{ 14, "    colour = blue # not a key", "h.conf:14: no such option 'colour'" },
	{ 21, "        lease_time = = 1h // twice", "h.conf:21: unexpected token '='" },
	/* right after a block comment over two lines */
	{ 14, "    ipv4   = \"10.1.0.1/33\"",
	  "h.conf:14: network \"n\": ipv4 \"10.1.0.1/33\": prefix length must be between 8 and "
	  "30" },
	/* the second element of a list, after a comment inside the list */
	{ 17, "                   \"vnet**\" /* block */ }",
	  "h.conf:17: network \"n\": guest_ports pattern \"vnet**\" must be 1-15 letters, "
	  "digits, '-', '_' or '.', optionally ending in '*' (like \"tap*\")" },
	/* a '#' inside quotes is part of the value, not a comment */
	{ 11, "    uplink = \"up#0\" # the first # is quoted",
	  "h.conf:11: network \"n\": uplink \"up#0\" is not a valid interface name (1-15 "
	  "letters, digits, '-', '_' or '.', not \".\" or \"..\")" },
	{ 5, "uplink = '/*up0*/' // quoted: not a comment",
	  "h.conf:5: uplink \"/*up0*/\" is not a valid interface name (1-15 letters, digits, "
	  "'-', '_' or '.', not \".\" or \"..\")" },
	/* the last line, which has no newline */
	{ 24, "colour = blue", "h.conf:24: no such option 'colour'" },
};

START_TEST(test_commented_errors)
{
	char *text = join(commented, N_COMMENTED, commented_bad[_i].line, commented_bad[_i].repl);

	expect_err(text, commented_bad[_i].want);
	free(text);
}
END_TEST

/* The comment scanner must follow the quotes exactly: escaped quotes,
 * escaped backslashes, both quote kinds. */
static const struct {
	const char *value, *quoted;
} quoting[] = {
	{ "\"a#b\"", "\"a#b\"" },
	{ "\"a//b\"", "\"a//b\"" },
	{ "\"a/*b\"", "\"a/*b\"" },
	{ "'a#b'", "\"a#b\"" },
	{ "\"a\\\"#b\"", "\"a\\\"#b\"" },
	{ "'a\\'#b'", "\"a'#b\"" },
	{ "\"a\\\\\"# a comment after an escaped backslash", "\"a\\\\\"" },
	{ "'a\\\\'# a comment after an escaped backslash", "\"a\\\\\"" },
};

START_TEST(test_hash_in_quotes)
{
	char text[256], want[256];

	snprintf(text, sizeof(text), "network n {\n bridge = %s\n ipv4 = \"10.1.0.1/24\"\n}\n",
		 quoting[_i].value);
	snprintf(want, sizeof(want),
		 "h.conf:2: network \"n\": bridge %s is not a valid interface name (1-15 letters, "
		 "digits, '-', '_' or '.', not \".\" or \"..\")",
		 quoting[_i].quoted);
	expect_err(text, want);
}
END_TEST

START_TEST(test_text_errors)
{
	expect_err("uplink = auto\n/* never closed\nnetwork n {\n}\n",
		   "h.conf:2: /* comment is not closed");
	expect_err("# a\nstate_dir = \"${HOME}/gw\"\n",
		   "h.conf:2: environment reference \"${HOME}\" is not supported; write the value "
		   "itself");
	expect_err("state_dir = ${HOME}\n", "h.conf:1: environment reference \"${HOME}\" is not "
					    "supported; write the value itself");
	expect_err("state_dir = \"/x${GW:-/y}\"\n",
		   "h.conf:1: environment reference \"${GW:-/y}\" is not supported; write the "
		   "value itself");
	/* not expanded by libconfuse: a plain (bad) value */
	expect_err("state_dir = '${HOME}'\n",
		   "h.conf:1: state_dir \"${HOME}\" must be an absolute path");
	expect_err("state_dir = \"\\${HOME}\"\n",
		   "h.conf:1: state_dir \"${HOME}\" must be an absolute path");
	/* inside a comment: ignored */
	expect_err("# ${HOME}\nuplink = auto\n", "h.conf:3: no network defined");
	/* an unterminated string: the line where it starts, not where
	 * libconfuse finds the next quote or the end of the file */
	expect_err("state_dir = \"/tmp/s\"\nnetwork n {\n bridge = \"b\"\n ipv4 = \"10.1.0.1/24\n"
		   " mode = nat\n ipv6 = \"fd00::1/64\"\n}\n",
		   "h.conf:4: string \"10.1.0.1/24 is not closed on its line");
	expect_err("state_dir = \"/tmp/s\"\nnetwork n {\n bridge = 'b\n}\n",
		   "h.conf:3: string 'b is not closed on its line");
	expect_err("# a\n# b\nstate_dir = \"/tmp/s",
		   "h.conf:3: string \"/tmp/s is not closed on its line");
	/* nor carried over by a backslash: libconfuse joined the lines and
	 * named the line where the string ended */
	expect_err("state_dir = \"/tmp/s\"\nnetwork n {\n bridge = \"gw0\\\n x\"\n}\n",
		   "h.conf:3: string \"gw0 is not closed on its line");
	expect_err("state_dir = \"/tmp/s\"\nnetwork n {\n bridge = 'gw0\\\n x'\n}\n",
		   "h.conf:3: string 'gw0 is not closed on its line");
	/* a section's missing key: the line where it opens, not its "}" */
	expect_err("state_dir = \"/tmp/s\"\nnetwork n {\n bridge = \"gw0\"\n ipv4 = "
		   "\"10.1.0.1/24\"\n allow_from = {\n \"m\" }\n forward x {\n  proto = tcp\n\n"
		   "  to = \"10.1.0.5:22\"\n }\n}\nnetwork m { bridge = gw1 ipv4 = \"10.2.0.1/24\" "
		   "}\n",
		   "h.conf:7: network \"n\": forward \"x\": missing port = N or \"N-M\"");
	expect_err("state_dir = \"/tmp/s\"\nnetwork n\n{\n ipv4 = \"10.1.0.1/24\"\n\n\n}\n",
		   "h.conf:2: network \"n\": missing bridge = \"NAME\"");
	expect_err("state_dir = \"/tmp/s\"\nbgp {\n neighbor \"r1\" {\n  as = 65000\n }\n"
		   " local_as = 65001\n}\nnetwork n { bridge = gw0 ipv4 = \"10.1.0.1/24\" }\n",
		   "h.conf:3: bgp: neighbor \"r1\": missing address = \"ADDRESS\"");
	/* NaN compares false both ways: it must not pass the range check */
	expect_err("probe_time = nan\nnetwork n {\n bridge = b\n ipv4 = auto\n}\n",
		   "h.conf:6: probe_time must be between 0 (off) and 30 seconds");
}
END_TEST

/* The blanked text keeps every newline and every quoted byte. */
START_TEST(test_text_clean)
{
	char buf[] = "a = \"x#y\" # c\n/* 1\n2 */ b = 'p//q' // d\nc = \"e\\\"#\" #f";
	const char *want = "a = \"x#y\"    \n    \n     b = 'p//q'     \nc = \"e\\\"#\"   ";
	char msg[128];
	int line = 0;

	ck_assert_int_eq(conf_text_clean(buf, strlen(buf), &line, msg, sizeof(msg)), 0);
	ck_assert_str_eq(buf, want);
}
END_TEST

/* Where sections open and close; a list's braces are no section. */
START_TEST(test_text_sections)
{
	const char *text = "network a {\n allow_from = {\"b\",\n \"c\"}\n dhcp {\n }\n"
			   " mtu = 1400 ra { enabled = true }\n host \"w\" {\n\n }\n}\n"
			   "network b\n{\n}\n";
	struct conf_text_sec *v;
	size_t n;

	ck_assert_int_eq(conf_text_sections(text, strlen(text), &v, &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(v[0].name, "network");
	ck_assert_str_eq(v[0].title, "a");
	ck_assert_int_eq(v[0].open, 1);
	ck_assert_int_eq(v[0].close, 10);
	ck_assert_str_eq(v[1].name, "dhcp");
	ck_assert_str_eq(v[1].title, "");
	ck_assert_int_eq(v[1].open, 4);
	ck_assert_int_eq(v[1].close, 5);
	ck_assert_str_eq(v[2].name, "ra");
	ck_assert_int_eq(v[2].open, 6);
	ck_assert_int_eq(v[2].close, 6);
	ck_assert_str_eq(v[3].name, "host");
	ck_assert_str_eq(v[3].title, "w");
	ck_assert_int_eq(v[3].open, 7);
	ck_assert_int_eq(v[3].close, 9);
	ck_assert_str_eq(v[4].title, "b");
	ck_assert_int_eq(v[4].open, 11); /* its name's line, not its brace's */
	ck_assert_int_eq(v[4].close, 13);
	free(v);
}
END_TEST

/* The file read from disk takes the same path as a buffer. */
static char *tmpfile_with(const char *text, size_t len)
{
	char *path = strdup("/tmp/gwconf-XXXXXX");
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

START_TEST(test_file_nul)
{
	static const char text[] = "uplink = auto\nstate_dir = \"/x\0\"\n";
	char *path = tmpfile_with(text, sizeof(text) - 1), err[512], want[512];
	struct gw_conf *c = (void *)1;

	ck_assert_int_lt(conf_load_file(path, &c, err, sizeof(err)), 0);
	ck_assert_ptr_null(c);
	snprintf(want, sizeof(want), "%s:2: NUL byte (not a text file)", path);
	ck_assert_str_eq(err, want);
	unlink(path);
	free(path);
}
END_TEST

/* The shipped example, commented as users will write theirs, with a bad
 * value injected on the range line and an unknown key after the end. */
START_TEST(test_example_file_lines)
{
	FILE *in = fopen("conf/gatewayd.conf.example", "r"); /* run from the top */
	char *line = NULL, *text = NULL, *path, err[512], want[512];
	size_t cap = 0, len = 0;
	int n = 0, range_line = 0, comments = 0;
	FILE *out = open_memstream(&text, &len);
	struct gw_conf *c;

	ck_assert_ptr_nonnull(in);
	while (getline(&line, &cap, in) > 0) {
		char *at = strstr(line, "10.213.0.100-10.213.0.250");

		n++;
		if (at && !range_line) {
			range_line = n;
			fprintf(out, "%.*s10.213.0.5-10.214.0.9%s", (int)(at - line), line,
				at + strlen("10.213.0.100-10.213.0.250"));
		} else {
			fputs(line, out);
		}
		if (!range_line && strchr(line, '#'))
			comments++;
	}
	fclose(in);
	free(line);
	/* The point of the test: comments stand before the line. */
	ck_assert_int_gt(range_line, 0);
	ck_assert_int_gt(comments, 2);

	fclose(out);
	path = tmpfile_with(text, len);
	ck_assert_int_lt(conf_load_file(path, &c, err, sizeof(err)), 0);
	snprintf(want, sizeof(want),
		 "%s:%d: network \"default\": dhcp range 10.213.0.5-10.214.0.9 is outside "
		 "10.213.0.0/24",
		 path, range_line);
	ck_assert_str_eq(err, want);
	unlink(path);
	free(path);
	free(text);

	/* unchanged, plus one unknown key on a new last line */
	in = fopen("conf/gatewayd.conf.example", "r");
	text = NULL;
	out = open_memstream(&text, &len);
	n = 0;
	line = NULL;
	while (getline(&line, &cap, in) > 0) {
		fputs(line, out);
		n++;
	}
	fputs("colour = blue\n", out);
	fclose(in);
	free(line);
	fclose(out);
	path = tmpfile_with(text, len);
	ck_assert_int_lt(conf_load_file(path, &c, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s:%d: no such option 'colour'", path, n + 1);
	ck_assert_str_eq(err, want);
	unlink(path);
	free(path);
	free(text);
}
END_TEST

TCase *conf_text_tcase(void)
{
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, test_comment_lines_simple);
	tcase_add_test(tc, test_semicolons);
	tcase_add_test(tc, test_commented_valid);
	tcase_add_loop_test(tc, test_commented_errors, 0,
			    sizeof(commented_bad) / sizeof(commented_bad[0]));
	tcase_add_loop_test(tc, test_hash_in_quotes, 0, sizeof(quoting) / sizeof(quoting[0]));
	tcase_add_test(tc, test_text_errors);
	tcase_add_test(tc, test_text_clean);
	tcase_add_test(tc, test_text_sections);
	tcase_add_test(tc, test_file_nul);
	tcase_add_test(tc, test_example_file_lines);
	return tc;
}

/* Names, strings and paths: each bad file and the exact error. */
#define IFNAME_RULE "(1-15 letters, digits, '-', '_' or '.', not \".\" or \"..\")"
#define NET(body)   "network n {\n" body "}\n"
#define NETOK(line) NET(" bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n" line)

static const struct {
	const char *text, *want;
} bad_names[] = {
	/* names that would be parsed again by dnsmasq, nftables or the kernel */
	{ NET(" bridge = \"gw0,up0\"\n"), "h.conf:2: network \"n\": bridge \"gw0,up0\" is not a "
					  "valid interface name " IFNAME_RULE },
	{ NET(" bridge = \"u*\"\n"),
	  "h.conf:2: network \"n\": bridge \"u*\" is not a valid interface name " IFNAME_RULE },
	{ NET(" bridge = \"gw%d\"\n"),
	  "h.conf:2: network \"n\": bridge \"gw%d\" is not a valid interface name " IFNAME_RULE },
	{ NET(" bridge = \"a\\\"b\"\n"),
	  "h.conf:2: network \"n\": bridge \"a\\\"b\" is not a valid interface name " IFNAME_RULE },
	{ NET(" bridge = 'a\\\\b'\n"),
	  "h.conf:2: network \"n\": bridge \"a\\\\b\" is not a valid interface name " IFNAME_RULE },
	{ NET(" bridge = \"a=b\"\n"),
	  "h.conf:2: network \"n\": bridge \"a=b\" is not a valid interface name " IFNAME_RULE },
	{ NET(" bridge = \"..\"\n"),
	  "h.conf:2: network \"n\": bridge \"..\" is not a valid interface name " IFNAME_RULE },
	{ NET(" bridge = \"\"\n"),
	  "h.conf:2: network \"n\": bridge \"\" is not a valid interface name " IFNAME_RULE },
	{ NET(" bridge = \"abcdefghijklmnop\"\n"),
	  "h.conf:2: network \"n\": bridge \"abcdefghijklmnop\" is not a valid interface "
	  "name " IFNAME_RULE },
	{ "uplink = \"u*\"\n" NETOK(""),
	  "h.conf:1: uplink \"u*\" is not a valid interface name " IFNAME_RULE },
	{ NETOK(" uplink = \"gw1,up0\"\n"), "h.conf:4: network \"n\": uplink \"gw1,up0\" is not a "
					    "valid interface name " IFNAME_RULE },
	/* guest_ports: at the element's own line */
	{ NETOK(" guest_ports = {\"tap*\",\n \"*\"}\n"),
	  "h.conf:5: network \"n\": guest_ports pattern \"*\" must be 1-15 letters, digits, "
	  "'-', '_' or '.', optionally ending in '*' (like \"tap*\")" },
	{ NETOK(" guest_ports = {\"t*p\"}\n"),
	  "h.conf:4: network \"n\": guest_ports pattern \"t*p\" must be 1-15 letters, digits, "
	  "'-', '_' or '.', optionally ending in '*' (like \"tap*\")" },
	{ NETOK(" guest_ports = {\"*tap\"}\n"),
	  "h.conf:4: network \"n\": guest_ports pattern \"*tap\" must be 1-15 letters, digits, "
	  "'-', '_' or '.', optionally ending in '*' (like \"tap*\")" },
	{ NETOK(" guest_ports = {\"ta,p*\"}\n"),
	  "h.conf:4: network \"n\": guest_ports pattern \"ta,p*\" must be 1-15 letters, digits, "
	  "'-', '_' or '.', optionally ending in '*' (like \"tap*\")" },
	{ NETOK(" guest_ports = {\"tap%d\"}\n"),
	  "h.conf:4: network \"n\": guest_ports pattern \"tap%d\" must be 1-15 letters, "
	  "digits, '-', '_' or '.', optionally ending in '*' (like \"tap*\")" },
	{ NETOK(" guest_ports = {\"..\"}\n"),
	  "h.conf:4: network \"n\": guest_ports pattern \"..\" must be 1-15 letters, digits, "
	  "'-', '_' or '.', optionally ending in '*' (like \"tap*\")" },
	{ NETOK(" guest_ports = {\"abcdefghijklmno*\"}\n"),
	  "h.conf:4: network \"n\": guest_ports pattern \"abcdefghijklmno*\" must be 1-15 "
	  "letters, digits, '-', '_' or '.', optionally ending in '*' (like \"tap*\")" },
	/* control characters, from escapes and raw, anywhere */
	{ "dnsmasq_user = \"x\\ndhcp-script=/tmp/evil\"\n" NETOK(""),
	  "h.conf:1: dnsmasq_user \"x\\ndhcp-script=/tmp/evil\" contains a control character" },
	/* a raw newline: refused where the string starts */
	{ "state_dir = \"/tmp/a\n/b\"\n" NETOK(""),
	  "h.conf:1: string \"/tmp/a is not closed on its line" },
	{ NET(" bridge = \"gw\\t0\"\n"),
	  "h.conf:2: network \"n\": bridge \"gw\\t0\" contains a control character" },
	{ NET(" bridge = \"gw\\x7f\"\n"),
	  "h.conf:2: network \"n\": bridge \"gw\\x7f\" contains a control character" },
	{ NETOK(" dhcp { range = \"10.1.0.5-10.1.0.9\\001\" }\n"),
	  "h.conf:4: range \"10.1.0.5-10.1.0.9\\x01\" contains a control character" },
	{ NETOK(" guest_ports = {\"tap\\r*\"}\n"),
	  "h.conf:4: network \"n\": guest_ports \"tap\\r*\" contains a control character" },
	{ "network \"a\\001b\" { bridge = gw0 ipv4 = \"10.1.0.1/24\" }\n",
	  "h.conf:1: network \"a\\x01b\": name must be 1-32 letters, digits, '-' or '_'" },
	{ "\"co\\001lour\" = 1\n", "h.conf:1: no such option 'co\\x01lour'" },
	/* paths */
	{ "state_dir = \"tmp/s\"\n" NETOK(""),
	  "h.conf:1: state_dir \"tmp/s\" must be an absolute path" },
	{ "state_dir = \"/tmp/a b\"\n" NETOK(""),
	  "h.conf:1: state_dir \"/tmp/a b\" may contain only letters, digits, '/', '.', '_', '-', "
	  "'+' and '@'" },
	{ "run_dir = \"/run/a,b\"\n" NETOK(""),
	  "h.conf:1: run_dir \"/run/a,b\" may contain only letters, digits, '/', '.', '_', '-', "
	  "'+' and '@'" },
	{ "dnsmasq = \"/usr/sbin/dnsmasq;x\"\n" NETOK(""),
	  "h.conf:1: dnsmasq \"/usr/sbin/dnsmasq;x\" may contain only letters, digits, '/', '.', "
	  "'_', '-', '+' and '@'" },
	{ "state_dir = \"/var/lib/../../etc\"\n" NETOK(""),
	  "h.conf:1: state_dir \"/var/lib/../../etc\" may not contain \"..\" components" },
	{ "run_dir = \"/run/..\"\n" NETOK(""),
	  "h.conf:1: run_dir \"/run/..\" may not contain \"..\" components" },
	/* the user dnsmasq drops to */
	{ "dnsmasq_user = \"no-such-user-gwd\"\n" NETOK(""),
	  "h.conf:1: dnsmasq_user \"no-such-user-gwd\" is not a user on this system" },
	{ "dnsmasq_user = \"a,b\"\n" NETOK(""),
	  "h.conf:1: dnsmasq_user \"a,b\" is not a user name (letters, digits, '.', '_' or '-', "
	  "not starting with '-')" },
	{ "dnsmasq_user = \"-x\"\n" NETOK(""),
	  "h.conf:1: dnsmasq_user \"-x\" is not a user name (letters, digits, '.', '_' or '-', "
	  "not starting with '-')" },
};

START_TEST(test_bad_names)
{
	expect_err(bad_names[_i].text, bad_names[_i].want);
}
END_TEST

START_TEST(test_good_names)
{
	char err[512] = "";
	struct gw_conf *c;
	const char *text =
		"uplink = eth0.100\n"
		"state_dir = \"/var/lib/gw-1.d/x_y+z@a\"\n"
		"run_dir = /run/gw.d\n"
		"dnsmasq_user = root\n"
		"network n {\n"
		" bridge = \"Br_0.a-b\"\n"
		" uplink = \"abcdefghijklmno\"\n"
		" ipv4 = \"10.1.0.1/24\"\n"
		" guest_ports = {\"tap*\", \"vnet0\", \"a.b-c_D*\", \"abcdefghijklmn*\"}\n"
		"}\n";

	ck_assert_msg(conf_load_buf("g.conf", text, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c->uplink, "eth0.100");
	ck_assert_str_eq(c->state_dir, "/var/lib/gw-1.d/x_y+z@a");
	ck_assert_str_eq(c->run_dir, "/run/gw.d");
	ck_assert_str_eq(c->dnsmasq_user, "root");
	ck_assert_str_eq(c->networks[0].bridge, "Br_0.a-b");
	ck_assert_str_eq(c->networks[0].uplink, "abcdefghijklmno");
	ck_assert_uint_eq(c->networks[0].n_guest_ports, 4);
	ck_assert_str_eq(c->networks[0].guest_ports[2], "a.b-c_D*");
	ck_assert_str_eq(c->networks[0].guest_ports[3], "abcdefghijklmn*");
	conf_free(c);
	ck_assert_msg(conf_load_buf("g.conf",
				    "dnsmasq_user = nobody\n"
				    "network n {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n}\n",
				    &c, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_str_eq(c->dnsmasq_user, "nobody");
	conf_free(c);
}
END_TEST

TCase *conf_names_tcase(void)
{
	TCase *tc = tcase_create("names");

	tcase_add_loop_test(tc, test_bad_names, 0, sizeof(bad_names) / sizeof(bad_names[0]));
	tcase_add_test(tc, test_good_names);
	return tc;
}
