/* Sysctl record/restore against files in a temporary directory standing
 * in for /proc/sys. */
#include "suites.h"
#include "gatewayd/sysctl.h"

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
	char d[256];

	snprintf(root, sizeof(root), "/tmp/gwsysctl.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(d, sizeof(d), "%s/net", root);
	mkdir(d, 0755);
	snprintf(statef, sizeof(statef), "%s/state", root);
	put("net/fwd", "0");
	put("net/fwd6", "1");
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

	ck_assert_int_eq(sysctl_ensure(&s, root, "net/fwd", "1", statef), 1);
	ck_assert_str_eq(get("net/fwd"), "1");
	/* already right: not written, not recorded */
	ck_assert_int_eq(sysctl_ensure(&s, root, "net/fwd6", "1", statef), 0);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(sysctl_state_load(statef, &back), 0);
	ck_assert_uint_eq(back.n, 1);
	ck_assert_str_eq(back.recs[0].key, "net/fwd");
	ck_assert_str_eq(back.recs[0].orig, "0");
	ck_assert_str_eq(back.recs[0].written, "1");
}
END_TEST

START_TEST(test_restore_when_still_ours)
{
	struct sysctl_state s = { 0 };

	sysctl_ensure(&s, root, "net/fwd", "1", statef);
	ck_assert_int_eq(sysctl_restore(&s, root, statef, NULL), 1);
	ck_assert_str_eq(get("net/fwd"), "0");
	ck_assert_uint_eq(s.n, 0);
	ck_assert_int_eq(access(statef, F_OK), -1);
}
END_TEST

static int skipped_calls;
static void on_skip(const struct sysctl_rec *rec, const char *now)
{
	ck_assert_str_eq(rec->key, "net/fwd");
	ck_assert_str_eq(now, "7");
	skipped_calls++;
}

START_TEST(test_no_restore_when_changed_by_others)
{
	struct sysctl_state s = { 0 };

	sysctl_ensure(&s, root, "net/fwd", "1", statef);
	put("net/fwd", "7"); /* someone else's value now */
	skipped_calls = 0;
	ck_assert_int_eq(sysctl_restore(&s, root, statef, on_skip), 0);
	ck_assert_int_eq(skipped_calls, 1);
	ck_assert_str_eq(get("net/fwd"), "7");
}
END_TEST

START_TEST(test_crash_keeps_original)
{
	struct sysctl_state first = { 0 }, second;

	/* instance 1 writes, then "crashes" (state file stays) */
	sysctl_ensure(&first, root, "net/fwd", "1", statef);
	/* instance 2 loads the record: the original is still 0, not 1 */
	ck_assert_int_eq(sysctl_state_load(statef, &second), 0);
	ck_assert_int_eq(sysctl_ensure(&second, root, "net/fwd", "1", statef), 0);
	ck_assert_int_eq(sysctl_restore(&second, root, statef, NULL), 1);
	ck_assert_str_eq(get("net/fwd"), "0");
}
END_TEST

START_TEST(test_state_parse)
{
	struct sysctl_state s;

	ck_assert_int_eq(sysctl_state_parse("# c\nnet/ipv4/ip_forward 0 1\n\na 2 3\n", &s), 0);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_str_eq(s.recs[1].key, "a");
	ck_assert_str_eq(s.recs[1].orig, "2");
	ck_assert_int_lt(sysctl_state_parse("only-two fields\n", &s), 0);
}
END_TEST

START_TEST(test_missing_sysctl)
{
	struct sysctl_state s = { 0 };

	ck_assert_int_lt(sysctl_ensure(&s, root, "net/nope", "1", statef), 0);
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
	tcase_add_test(tc, test_state_parse);
	tcase_add_test(tc, test_missing_sysctl);
	suite_add_tcase(s, tc);
	return s;
}
