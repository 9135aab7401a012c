/* Sysctl record/restore against files in a temporary directory standing
 * in for /proc/sys. */
#include "suites.h"
#include "gatewayd/host/sysctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64], statef[128];

static void put(const char *key, const char *v)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "mkdir -p $(dirname %s/%s)", root, key);
	ck_assert_int_eq(system(p), 0);
	snprintf(p, sizeof(p), "%s/%s", root, key);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n", v);
	fclose(f);
}

static const char *get(const char *key)
{
	static char buf[64];

	ck_assert_int_eq(sysctl_read(root, key, buf, sizeof(buf)), 0);
	return buf;
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/gwsysctl.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(statef, sizeof(statef), "%s/state", root);
	put("net/ipv4/ip_forward", "0");
	put("net/ipv6/conf/all/forwarding", "1");
}

static void teardown(void)
{
	char p[256];

	snprintf(p, sizeof(p), "rm -rf %s", root);
	ck_assert_int_eq(system(p), 0);
}

START_TEST(test_ensure_records_then_writes)
{
	struct sysctl_state s = { 0 }, back;

	ck_assert_int_eq(sysctl_ensure(&s, root, "net/ipv4/ip_forward", "1", statef), 1);
	ck_assert_str_eq(get("net/ipv4/ip_forward"), "1");
	/* already right: not written, not recorded */
	ck_assert_int_eq(sysctl_ensure(&s, root, "net/ipv6/conf/all/forwarding", "1", statef), 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(sysctl_state_load(statef, &back), 0);
	ck_assert_uint_eq(back.n, 1);
	ck_assert_str_eq(back.recs[0].key, "net/ipv4/ip_forward");
	ck_assert_str_eq(back.recs[0].orig, "0");
	ck_assert_str_eq(back.recs[0].written, "1");
}
END_TEST

START_TEST(test_restore_when_still_ours)
{
	struct sysctl_state s = { 0 };

	sysctl_ensure(&s, root, "net/ipv4/ip_forward", "1", statef);
	ck_assert_int_eq(sysctl_restore(&s, root, statef, NULL), 1);
	ck_assert_str_eq(get("net/ipv4/ip_forward"), "0");
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(access(statef, F_OK), -1);
}
END_TEST

static int skipped_calls;
static void on_skip(const struct sysctl_rec *rec, const char *now)
{
	ck_assert_str_eq(rec->key, "net/ipv4/ip_forward");
	ck_assert_str_eq(now, "7");
	skipped_calls++;
}

START_TEST(test_no_restore_when_changed_by_others)
{
	struct sysctl_state s = { 0 };

	sysctl_ensure(&s, root, "net/ipv4/ip_forward", "1", statef);
	put("net/ipv4/ip_forward", "7"); /* someone else's value now */
	skipped_calls = 0;
	ck_assert_int_eq(sysctl_restore(&s, root, statef, on_skip), 0);
	ck_assert_int_eq(skipped_calls, 1);
	ck_assert_str_eq(get("net/ipv4/ip_forward"), "7");
}
END_TEST

/* A reload that fails after its sysctl writes puts them back: the
 * values (also one gatewayd wrote before, changed by someone since: the
 * reload's write is undone to that value, not to the original) and the
 * record, in memory and in the state file. */
START_TEST(test_undo_puts_back)
{
	struct sysctl_state s = { 0 }, back;
	struct sysctl_undo u;

	put("net/ipv6/conf/all/forwarding", "0");
	put("net/ipv6/conf/up0/accept_ra", "1");
	ck_assert_int_eq(sysctl_ensure(&s, root, "net/ipv4/ip_forward", "1", statef), 1);
	put("net/ipv4/ip_forward", "0"); /* someone turned it off since */
	sysctl_undo_begin(&u, &s);
	ck_assert_int_eq(sysctl_ensure_undo(&s, root, "net/ipv4/ip_forward", "1", statef, &u), 1);
	ck_assert_int_eq(
		sysctl_ensure_undo(&s, root, "net/ipv6/conf/all/forwarding", "1", statef, &u), 1);
	ck_assert_int_eq(
		sysctl_ensure_undo(&s, root, "net/ipv6/conf/up0/accept_ra", "2", statef, &u), 1);
	/* already right: nothing to undo */
	ck_assert_int_eq(
		sysctl_ensure_undo(&s, root, "net/ipv6/conf/up0/accept_ra", "2", statef, &u), 0);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_int_eq(sysctl_undo(&u, &s, root, statef), 3);
	ck_assert_str_eq(get("net/ipv4/ip_forward"), "0");
	ck_assert_str_eq(get("net/ipv6/conf/all/forwarding"), "0");
	ck_assert_str_eq(get("net/ipv6/conf/up0/accept_ra"), "1");
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(sysctl_state_load(statef, &back), 0);
	ck_assert_uint_eq(back.n, 1);
	ck_assert_str_eq(back.recs[0].key, "net/ipv4/ip_forward");
	ck_assert_str_eq(back.recs[0].orig, "0");
}
END_TEST

/* Nothing recorded before: no state file after; a value someone else
 * set since the reload's write is theirs, left alone. */
START_TEST(test_undo_from_nothing)
{
	struct sysctl_state s = { 0 };
	struct sysctl_undo u;

	put("net/ipv6/conf/all/forwarding", "0");
	sysctl_undo_begin(&u, &s);
	ck_assert_int_eq(sysctl_ensure_undo(&s, root, "net/ipv4/ip_forward", "1", statef, &u), 1);
	ck_assert_int_eq(
		sysctl_ensure_undo(&s, root, "net/ipv6/conf/all/forwarding", "1", statef, &u), 1);
	put("net/ipv6/conf/all/forwarding", "7");
	ck_assert_int_eq(access(statef, F_OK), 0);
	ck_assert_int_eq(sysctl_undo(&u, &s, root, statef), 1);
	ck_assert_str_eq(get("net/ipv4/ip_forward"), "0");
	ck_assert_str_eq(get("net/ipv6/conf/all/forwarding"), "7");
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(access(statef, F_OK), -1);
}
END_TEST

START_TEST(test_crash_keeps_original)
{
	struct sysctl_state first = { 0 }, second;

	/* instance 1 writes, then "crashes" (state file stays) */
	sysctl_ensure(&first, root, "net/ipv4/ip_forward", "1", statef);
	/* instance 2 loads the record: the original is still 0, not 1 */
	ck_assert_int_eq(sysctl_state_load(statef, &second), 0);
	ck_assert_int_eq(sysctl_ensure(&second, root, "net/ipv4/ip_forward", "1", statef), 0);
	ck_assert_int_eq(sysctl_restore(&second, root, statef, NULL), 1);
	ck_assert_str_eq(get("net/ipv4/ip_forward"), "0");
}
END_TEST

START_TEST(test_state_parse)
{
	struct sysctl_state s;
	char err[128];

	ck_assert_int_eq(sysctl_state_parse("# c\nnet/ipv4/ip_forward 0 1\n\n"
					    "net/ipv6/conf/eth0.7/accept_ra -1 2\n",
					    &s, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_str_eq(s.recs[1].key, "net/ipv6/conf/eth0.7/accept_ra");
	ck_assert_str_eq(s.recs[1].orig, "-1");
	ck_assert_int_lt(sysctl_state_parse("net/ipv4/ip_forward 0\n", &s, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "line 1: not \"KEY ORIGINAL WRITTEN\"");
}
END_TEST

START_TEST(test_missing_sysctl)
{
	struct sysctl_state s = { 0 };

	ck_assert_int_lt(sysctl_ensure(&s, root, "net/ipv6/conf/eth9/accept_ra", "2", statef), 0);
	ck_assert_uint_eq(s.n, 0);
}
END_TEST

/* The keys gatewayd writes, and tampered ones that must not be. */
START_TEST(test_key_check)
{
	static const char *const good[] = {
		"net/ipv4/ip_forward",
		"net/ipv6/conf/all/forwarding",
		"net/ipv6/conf/eth0/accept_ra",
		"net/ipv6/conf/eth0.100/accept_ra",
		"net/ipv6/conf/gw-br_0/accept_dad",
		"net/ipv6/conf/abcdefghijklmno/autoconf", /* 15 */
	};
	static const char *const bad[] = {
		"../../../proc/sys/kernel/core_pattern",
		"net/ipv4/ip_forward/../../../kernel/core_pattern",
		"net/../kernel/core_pattern",
		"net/ipv6/conf/../accept_ra",
		"net/ipv6/conf/./accept_ra",
		"net/ipv6/conf/eth0/../../../../kernel/core_pattern",
		"net/ipv6/conf/eth0/accept_ra/x",
		"net/ipv6/conf/abcdefghijklmnop/accept_ra", /* 16 */
		"net/ipv6/conf//accept_ra",
		"net/ipv6/conf/e$h0/accept_ra",
		"net/ipv6/conf/e\x1b[0/accept_ra",
		"net/ipv6/conf/all/accept_ra",
		"net/ipv6/conf/default/accept_ra",
		"net/ipv6/conf/eth0/forwarding",
		"kernel/core_pattern",
		"/net/ipv4/ip_forward",
		"net.ipv4.ip_forward",
		"",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(!sysctl_key_check(good[i]), "%s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sysctl_key_check(bad[i]), "%s", bad[i]);
}
END_TEST

START_TEST(test_value_check)
{
	static const char *const good[] = { "0", "1", "2", "-1", "2147483647" };
	static const char *const bad[] = { "",	       "-",	      "1a", "0x1",
					   "|/bin/sh", "12345678901", "+1", "1.5" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(!sysctl_value_check(good[i]), "%s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sysctl_value_check(bad[i]), "%s", bad[i]);
}
END_TEST

/* One bad record rejects the whole file, with the line and the reason. */
START_TEST(test_state_parse_rejects)
{
	static const struct {
		const char *text, *err;
	} t[] = {
		{ "net/ipv4/ip_forward 0 1\nnet/ipv4/ip_forward/../../../kernel/core_pattern 0 1\n",
		  "line 2: key: not a sysctl gatewayd writes" },
		{ "net/ipv6/conf/../accept_ra 0 2\n", "line 1: key: not a sysctl gatewayd writes" },
		{ "net/ipv6/conf/abcdefghijklmnop/accept_ra 0 2\n",
		  "line 1: key: not a sysctl gatewayd writes" },
		{ "net/ipv4/ip_forward |/tmp/x 1\n", "line 1: original value: not a number" },
		{ "net/ipv4/ip_forward 0 12345678901\n", "line 1: written value: too long" },
		{ "# c\nnet/ipv4/ip_forward 0 1 extra\n", "line 2: not \"KEY ORIGINAL WRITTEN\"" },
		{ "net/ipv4/ip_forward 0 1\nnet/ipv4/ip_forward 1 0\n",
		  "line 2: key recorded twice" },
	};
	struct sysctl_state s;
	char err[128], longline[400];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = '\0';
		ck_assert_int_eq(sysctl_state_parse(t[i].text, &s, err, sizeof(err)), -EINVAL);
		ck_assert_uint_eq(s.n, 0);
		ck_assert_str_eq(err, t[i].err);
	}
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	ck_assert_int_eq(sysctl_state_parse(longline, &s, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "line 1: line too long");
}
END_TEST

/* A tampered state file is ignored: teardown restores nothing from it. */
START_TEST(test_tampered_file_writes_nothing)
{
	struct sysctl_state s;
	FILE *f = fopen(statef, "w");

	put("victim", "1");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "net/ipv4/ip_forward 1 0\nnet/../victim 0 1\n");
	fclose(f);
	ck_assert_int_eq(sysctl_state_load(statef, &s), -EINVAL);
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(sysctl_restore(&s, root, statef, NULL), 0);
	ck_assert_str_eq(get("victim"), "1");
	ck_assert_str_eq(get("net/ipv4/ip_forward"), "0");
	/* nor does gatewayd itself record such a key */
	s.n = 0;
	ck_assert_int_eq(sysctl_ensure(&s, root, "net/../victim", "0", statef), -EINVAL);
	ck_assert_str_eq(get("victim"), "1");
	ck_assert_int_eq(sysctl_ensure(&s, root, "net/ipv4/ip_forward", "x", statef), -EINVAL);
	ck_assert_uint_eq(s.n, 0);
}
END_TEST

Suite *sysctl_suite(void)
{
	Suite *s = suite_create("sysctl");
	TCase *tc = tcase_create("record-restore");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ensure_records_then_writes);
	tcase_add_test(tc, test_restore_when_still_ours);
	tcase_add_test(tc, test_no_restore_when_changed_by_others);
	tcase_add_test(tc, test_crash_keeps_original);
	tcase_add_test(tc, test_undo_puts_back);
	tcase_add_test(tc, test_undo_from_nothing);
	tcase_add_test(tc, test_state_parse);
	tcase_add_test(tc, test_missing_sysctl);
	tcase_add_test(tc, test_key_check);
	tcase_add_test(tc, test_value_check);
	tcase_add_test(tc, test_state_parse_rejects);
	tcase_add_test(tc, test_tampered_file_writes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
