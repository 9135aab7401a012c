/* dnsmasq lease file parsing. */
#include "suites.h"
#include "dhcp/leases.h"

START_TEST(test_parse)
{
	struct lease l[4];
	const char *text = "1763745000 52:54:00:12:34:56 10.213.0.120 vm1 01:52:54:00:12:34:56\n"
			   "0 52:54:00:aa:bb:cc 10.213.0.121 * *\n"
			   "duid 00:01:00:01:2c:3d:4e:5f:16:0a:79:22:99:bc\n"
			   "1763745100 1234567 fd42:213::55 vm1 00:02:00\n"
			   "garbage\n";

	ck_assert_uint_eq(leases_parse(text, l, 4), 3);
	ck_assert_uint_eq(l[0].expiry, 1763745000);
	ck_assert_str_eq(l[0].mac, "52:54:00:12:34:56");
	ck_assert_str_eq(l[0].ip, "10.213.0.120");
	ck_assert_str_eq(l[0].hostname, "vm1");
	ck_assert_uint_eq(l[1].expiry, 0);
	ck_assert_str_eq(l[1].hostname, "");
	ck_assert_str_eq(l[2].ip, "fd42:213::55");
	ck_assert_uint_eq(leases_parse(text, l, 1), 1);
	ck_assert_int_eq(leases_read("/nonexistent/x.leases", l, 4), 0);
}
END_TEST

Suite *leases_suite(void)
{
	Suite *s = suite_create("leases");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_parse);
	suite_add_tcase(s, tc);
	return s;
}
