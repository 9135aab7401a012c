/* dnsmasq lease file parsing, and what gatewayctl leases / status print
 * for what a guest may put there. */
#include "suites.h"
#include "dhcp/leases.h"
#include "gatewayd/ctl/out.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static size_t parse(const char *text, struct lease *l, size_t max)
{
	return leases_parse(text, strlen(text), l, max);
}

START_TEST(test_parse)
{
	struct lease l[4];
	const char *text = "1763745000 52:54:00:12:34:56 10.213.0.120 vm1 01:52:54:00:12:34:56\n"
			   "0 52:54:00:aa:bb:cc 10.213.0.121 * *\n"
			   "duid 00:01:00:01:2c:3d:4e:5f:16:0a:79:22:99:bc\n"
			   "1763745100 1234567 fd42:213:0:0::55 vm1 00:02:00\n"
			   "garbage\n";

	ck_assert_uint_eq(parse(text, l, 4), 3);
	ck_assert_uint_eq(l[0].expiry, 1763745000);
	ck_assert_str_eq(l[0].mac, "52:54:00:12:34:56");
	ck_assert_str_eq(l[0].ip, "10.213.0.120");
	ck_assert_str_eq(l[0].hostname, "vm1");
	ck_assert(!l[0].v6);
	ck_assert_uint_eq(l[1].expiry, 0);
	ck_assert_str_eq(l[1].hostname, "");
	ck_assert_str_eq(l[2].mac, "1234567");
	ck_assert_str_eq(l[2].ip, "fd42:213::55"); /* as inet_ntop writes it */
	ck_assert(l[2].v6);
	ck_assert_uint_eq(parse(text, l, 1), 1);
	ck_assert_int_eq(leases_read("/nonexistent/x.leases", l, 4), 0);
}
END_TEST

/* A 16-octet hardware address, and dnsmasq's "TYPE-" form; one octet more
 * or a broken octet is no hardware address. */
START_TEST(test_hwaddr)
{
	struct lease l[8];
	const char *text = "0 00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff 10.213.0.5 vm16 *\n"
			   "0 20-00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF 10.213.0.6 ib *\n"
			   "0 00- 10.213.0.7 nohw *\n"
			   "0 00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00 10.213.0.8 x17 *\n"
			   "0 52:54:00:12:34:5 10.213.0.9 short *\n"
			   "0 52:54:00:12:34:56: 10.213.0.9 trail *\n"
			   "0 5g:54:00:12:34:56 10.213.0.9 nothex *\n"
			   "0 2-52:54:00:12:34:56 10.213.0.9 type1 *\n"
			   "0  10.213.0.9 empty *\n";

	ck_assert_uint_eq(parse(text, l, 8), 3);
	ck_assert_str_eq(l[0].mac, "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff");
	ck_assert_str_eq(l[0].ip, "10.213.0.5");
	ck_assert_str_eq(l[0].hostname, "vm16");
	ck_assert_str_eq(l[1].mac, "20-00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF");
	ck_assert_str_eq(l[1].ip, "10.213.0.6");
	ck_assert_str_eq(l[2].mac, "00-");
	ck_assert_str_eq(l[2].hostname, "nohw");
}
END_TEST

/* Each line breaks one rule and is skipped whole. */
START_TEST(test_bad_fields)
{
	static const char *const bad[] = {
		"12a 52:54:00:12:34:56 10.0.0.2 h *\n",
		"-1 52:54:00:12:34:56 10.0.0.2 h *\n",
		"18446744073709551616 52:54:00:12:34:56 10.0.0.2 h *\n",
		"0 52:54:00:12:34:56 10.0.0.256 h *\n",
		"0 52:54:00:12:34:56 10.0.0.2/24 h *\n",
		"0 52:54:00:12:34:56 fd00::2 h *\n",
		"0 52:54:00:12:34:56 10.0.0.2 h\n",
		"0 52:54:00:12:34:56 10.0.0.2 h * x\n",
		"0 52:54:00:12:34:56 10.0.0.2 h * \n",
		"0  52:54:00:12:34:56 10.0.0.2 h *\n",
		"0\t52:54:00:12:34:56 10.0.0.2 h *\n",
		"0 52:54:00:12:34:56 10.0.0.2 h 01:zz\n",
		"0 52:54:00:12:34:56 10.0.0.2 h 01:\n",
		"0 52:54:00:12:34:56 10.0.0.2 h *", /* unterminated: being written */
		"duid 00:01\n0 52:54:00:12:34:56 10.0.0.2 h *\n",
		"duid 00:01\n0 4294967296 fd00::2 h *\n",
		"duid 00:01\n0 T fd00::2 h *\n",
		"duid 00:01\n0 -5 fd00::2 h *\n",
		"duid 00:01\n0 7 10.0.0.2 h *\n",
	};
	struct lease l[2];
	const char nul[] = "0 52:54:00:12:34:56 10.0.0.2 h\0x *\n"
			   "0 52:54:00:12:34:57 10.0.0.3 ok *\n";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(bad[i], l, 2) == 0, "accepted: %s", bad[i]);
	ck_assert_uint_eq(parse("18446744073709551615 52:54:00:12:34:56 10.0.0.2 h *\n", l, 2), 1);
	ck_assert_uint_eq(l[0].expiry, UINT64_MAX);
	ck_assert_uint_eq(parse("duid 00:01\n0 T4294967295 fd00::2 h *\n", l, 2), 1);
	ck_assert_str_eq(l[0].mac, "T4294967295");
	/* a NUL byte spoils its own line only */
	ck_assert_uint_eq(leases_parse(nul, sizeof(nul) - 1, l, 2), 1);
	ck_assert_str_eq(l[0].ip, "10.0.0.3");
}
END_TEST

/* 255 bytes of hostname and 255 octets of client id are the most DHCP can
 * carry: kept whole. Past that, or past LEASE_LINE_MAX, the line goes. */
START_TEST(test_lengths)
{
	char text[4096], host[300], clid[800];
	struct lease l[1];

	memset(host, 'h', 255);
	host[255] = '\0';
	for (int i = 0; i < 255; i++)
		memcpy(clid + 3 * i, "ab:", 3);
	clid[3 * 255 - 1] = '\0';
	snprintf(text, sizeof(text), "0 52:54:00:12:34:56 10.0.0.2 %s %s\n", host, clid);
	ck_assert_uint_gt(strlen(text), 1000);
	ck_assert_uint_eq(parse(text, l, 1), 1);
	ck_assert_str_eq(l[0].hostname, host);
	ck_assert_str_eq(l[0].ip, "10.0.0.2");

	snprintf(text, sizeof(text), "0 52:54:00:12:34:56 10.0.0.2 %sh *\n", host);
	ck_assert_uint_eq(parse(text, l, 1), 0); /* a 256-byte hostname */
	snprintf(text, sizeof(text), "0 52:54:00:12:34:56 10.0.0.2 h %s:cd\n", clid);
	ck_assert_uint_eq(parse(text, l, 1), 0); /* a 256-octet client id */
	memset(text, 'x', 3000);
	memcpy(text, "0 52:54:00:12:34:56 10.0.0.2 ", 29);
	memcpy(text + 2996, " *\n", 4);
	ck_assert_uint_eq(parse(text, l, 1), 0); /* a 3000-byte line */
}
END_TEST

/* What gatewayctl leases [--json] prints for text. */
static char *render(const char *text, bool json)
{
	struct lease l[16];
	size_t n = parse(text, l, 16), len;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	struct out o;

	out_init(&o, f, json);
	out_table_begin(&o, "leases", "NETWORK MAC IP HOSTNAME");
	for (size_t i = 0; i < n; i++)
		out_row(&o, 4, "default", l[i].mac, l[i].ip, l[i].hostname);
	out_table_end(&o);
	fclose(f);
	return buf;
}

#define HOSTILE_LEASES                                                                             \
	"0 52:54:00:00:00:01 10.213.0.11 \x1b[31mred\x1b[0m *\n"                                   \
	"0 52:54:00:00:00:02 10.213.0.12 a\"b\\c *\n"                                              \
	"0 52:54:00:00:00:03 10.213.0.13 caf\xc3\xa9\xff\xfe *\n"                                  \
	"0 52:54:00:00:00:04 10.213.0.14 \xc2\x9b"                                                 \
	"2J\xe2\x80\xae\x7f *\n"                                                                   \
	"0 52:54:00:00:00:05 10.213.0.15 \xf0\x9f\x98\x80\xc0\xaf\xed\xa0\x80\xe2\x82 *\n"

START_TEST(test_table_escapes)
{
	char *got = render(HOSTILE_LEASES, false);

	ck_assert_str_eq(
		got,
		"NETWORK            MAC                IP                 HOSTNAME\n"
		"default            52:54:00:00:00:01  10.213.0.11        "
		"\\x1b[31mred\\x1b[0m\n"
		"default            52:54:00:00:00:02  10.213.0.12        a\"b\\\\c\n"
		"default            52:54:00:00:00:03  10.213.0.13        caf\\xc3\\xa9\\xff\\xfe\n"
		"default            52:54:00:00:00:04  10.213.0.14        "
		"\\xc2\\x9b2J\\xe2\\x80\\xae\\x7f\n"
		"default            52:54:00:00:00:05  10.213.0.15        "
		"\\xf0\\x9f\\x98\\x80\\xc0\\xaf\\xed\\xa0\\x80\\xe2\\x82\n");
	free(got);
}
END_TEST

START_TEST(test_json_escapes)
{
	char *got = render(HOSTILE_LEASES, true);

	ck_assert_str_eq(
		got,
		"{\"leases\":["
		"{\"network\":\"default\",\"mac\":\"52:54:00:00:00:01\",\"ip\":\"10.213.0.11\","
		"\"hostname\":\"\\u001b[31mred\\u001b[0m\"},"
		"{\"network\":\"default\",\"mac\":\"52:54:00:00:00:02\",\"ip\":\"10.213.0.12\","
		"\"hostname\":\"a\\\"b\\\\c\"},"
		"{\"network\":\"default\",\"mac\":\"52:54:00:00:00:03\",\"ip\":\"10.213.0.13\","
		"\"hostname\":\"caf\\u00e9\\ufffd\\ufffd\"},"
		"{\"network\":\"default\",\"mac\":\"52:54:00:00:00:04\",\"ip\":\"10.213.0.14\","
		"\"hostname\":\"\\u009b2J\\u202e\\u007f\"},"
		"{\"network\":\"default\",\"mac\":\"52:54:00:00:00:05\",\"ip\":\"10.213.0.15\","
		"\"hostname\":\"\\ud83d\\ude00\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"}"
		"]}\n");
	free(got);
}
END_TEST

/* status and doctor: interface names come from the kernel, where a local
 * user may have named one almost anything. */
static char *status(bool json)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	struct out o;

	out_init(&o, f, json);
	out_doc_begin(&o, "networks");
	out_obj_begin(&o, "default");
	out_str(&o, "uplink", "e\x1b]0;pwned\x07");
	out_list_begin(&o, "ports");
	out_item(&o, "tap\\\x9b");
	out_list_end(&o);
	out_check(&o, "guard", "FAIL", "tripped by \x1b[2J", "ip link set \x1b[8m nomaster");
	out_obj_end(&o);
	out_doc_end(&o);
	fclose(f);
	return buf;
}

START_TEST(test_status_escapes)
{
	char *human = status(false), *json = status(true);

	ck_assert_str_eq(human,
			 "network default\n"
			 "  uplink                 e\\x1b]0;pwned\\x07\n"
			 "  ports                  tap\\\\\\x9b\n"
			 "FAIL  guard                        tripped by \\x1b[2J\n"
			 "                                   fix: ip link set \\x1b[8m nomaster\n"
			 "\n");
	ck_assert_str_eq(json, "{\"networks\":[{\"uplink\":\"e\\u001b]0;pwned\\u0007\","
			       "\"ports\":[\"tap\\\\\\ufffd\"],"
			       "{\"check\":\"guard\",\"state\":\"FAIL\",\"detail\":\"tripped by "
			       "\\u001b[2J\",\"fix\":\"ip link set \\u001b[8m nomaster\"}}]}\n");
	free(human);
	free(json);
}
END_TEST

/* leases_read: a file with a NUL byte and a half-written last line. */
START_TEST(test_read)
{
	char path[] = "/tmp/gwleases.XXXXXX";
	const char text[] = "0 52:54:00:12:34:56 10.0.0.2 a\0b *\n"
			    "0 52:54:00:12:34:57 10.0.0.3 ok *\n"
			    "0 52:54:00:12:34:58 10.0.0.4 half";
	struct lease l[4];
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	ck_assert_int_eq(leases_read(path, l, 4), 1);
	ck_assert_str_eq(l[0].ip, "10.0.0.3");
	unlink(path);
}
END_TEST

/* leases_load: every line, past any fixed count. */
START_TEST(test_load_all)
{
	char path[] = "/tmp/gwleases.XXXXXX";
	struct lease *l = NULL;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 5000; i++)
		fprintf(f, "0 02:00:00:00:%02x:%02x 10.9.%d.%d * *\n", (i >> 8) & 0xff, i & 0xff,
			i / 250, 1 + i % 250);
	fclose(f);
	ck_assert_int_eq(leases_load(path, &l), 5000);
	ck_assert_str_eq(l[4999].ip, "10.9.19.250");
	free(l);
	ck_assert_int_eq(leases_load("/nonexistent/x.leases", &l), 0);
	ck_assert_ptr_null(l);
	unlink(path);
}
END_TEST

/* leases_load_settled: a file caught between dnsmasq's truncate and its
 * write (empty, or a cut last line) is "again" while fresh, and what it
 * is once a second old. */
START_TEST(test_load_settled)
{
	char path[] = "/tmp/gwleases.XXXXXX";
	const char text[] = "0 52:54:00:12:34:57 10.0.0.3 ok *\n0 52:54:00:12:34:58 10.0";
	struct timespec old[2] = { { time(NULL) - 10, 0 }, { time(NULL) - 10, 0 } };
	struct lease *l = NULL;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(leases_load_settled(path, &l), -EAGAIN); /* empty, just made */
	ck_assert_int_eq(leases_load(path, &l), 0);
	ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	ck_assert_int_eq(leases_load_settled(path, &l), -EAGAIN);
	ck_assert_int_eq(futimens(fd, old), 0);
	ck_assert_int_eq(leases_load_settled(path, &l), 1);
	ck_assert_str_eq(l[0].ip, "10.0.0.3");
	free(l);
	close(fd);
	unlink(path);
}
END_TEST

Suite *leases_suite(void)
{
	Suite *s = suite_create("leases");
	TCase *tc = tcase_create("parse");
	TCase *to = tcase_create("output");

	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_hwaddr);
	tcase_add_test(tc, test_bad_fields);
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_read);
	tcase_add_test(tc, test_load_all);
	tcase_add_test(tc, test_load_settled);
	suite_add_tcase(s, tc);
	tcase_add_test(to, test_table_escapes);
	tcase_add_test(to, test_json_escapes);
	tcase_add_test(to, test_status_escapes);
	suite_add_tcase(s, to);
	return s;
}
