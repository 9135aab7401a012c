/* The probe's packets and the /proc/net parser of the port check. */
#include "suites.h"
#include "dhcp/packet.h"
#include "gatewayd/host/portcheck.h"
#include "ra/packet.h"

#include <arpa/inet.h>
#include <string.h>

static const uint8_t mac[6] = { 0x16, 0x0a, 0x79, 0x22, 0x99, 0xbc };

START_TEST(test_discover)
{
	uint8_t p[DHCP_PROBE_LEN + 10];
	uint32_t sum = 0;

	ck_assert_uint_eq(dhcp_build_discover(p, 10, mac, 1), 0);
	ck_assert_uint_eq(dhcp_build_discover(p, sizeof(p), mac, 0x11223344), DHCP_PROBE_LEN);
	ck_assert_uint_eq(p[0], 0x45);
	ck_assert_uint_eq(p[9], 17);
	ck_assert(!memcmp(p + 16, "\xff\xff\xff\xff", 4));
	for (int i = 0; i < 20; i += 2) /* a valid header sums to 0xffff */
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ck_assert_uint_eq(sum, 0xffff);
	ck_assert_uint_eq(p[21], 68);
	ck_assert_uint_eq(p[23], 67);
	ck_assert_uint_eq(p[28], 1); /* BOOTREQUEST */
	ck_assert(!memcmp(p + 32, "\x11\x22\x33\x44", 4));
	ck_assert_uint_eq(p[38], 0x80);	    /* broadcast flag */
	ck_assert(!memcmp(p + 56, mac, 6)); /* chaddr */
	ck_assert(!memcmp(p + 264, "\x63\x82\x53\x63\x35\x01\x01", 7));
}
END_TEST

/* Turn our DISCOVER into a server's OFFER, as a foreign server would. */
static size_t make_offer(uint8_t *p, uint32_t xid, int with_option54)
{
	size_t n = dhcp_build_discover(p, DHCP_PROBE_LEN, mac, xid);

	inet_pton(AF_INET, "10.99.0.1", p + 12);
	p[21] = 67, p[23] = 68;
	p[28] = 2; /* BOOTREPLY */
	memset(p + 268, 0, 20);
	p[268] = 53, p[269] = 1, p[270] = 2; /* DHCPOFFER */
	if (with_option54) {
		p[271] = 54, p[272] = 4;
		inet_pton(AF_INET, "10.99.0.254", p + 273);
		p[277] = 255;
	} else {
		p[271] = 255;
	}
	return n;
}

START_TEST(test_offer)
{
	uint8_t p[DHCP_PROBE_LEN];
	struct in_addr s;
	char a[INET_ADDRSTRLEN];
	size_t n = make_offer(p, 77, 1);

	ck_assert_int_eq(dhcp_parse_reply(p, n, 77, &s), 0);
	ck_assert_str_eq(inet_ntop(AF_INET, &s, a, sizeof(a)), "10.99.0.254"); /* option 54 wins */
	ck_assert_int_lt(dhcp_parse_reply(p, n, 78, &s), 0);		       /* other xid */
	n = make_offer(p, 77, 0);
	ck_assert_int_eq(dhcp_parse_reply(p, n, 77, &s), 0);
	ck_assert_str_eq(inet_ntop(AF_INET, &s, a, sizeof(a)), "10.99.0.1");
	/* our own DISCOVER is not an answer */
	n = dhcp_build_discover(p, sizeof(p), mac, 77);
	ck_assert_int_lt(dhcp_parse_reply(p, n, 77, &s), 0);
	ck_assert_int_lt(dhcp_parse_reply(p, 30, 77, &s), 0);
}
END_TEST

START_TEST(test_rs_and_ra)
{
	uint8_t rs[RA_RS_LEN], ra[64] = { 0x60 };
	struct in6_addr src;
	char a[INET6_ADDRSTRLEN];

	ck_assert_uint_eq(ra_build_rs(rs, sizeof(rs), mac), RA_RS_LEN);
	ck_assert_uint_eq(rs[0], 133);
	ck_assert_uint_eq(rs[8], 1);
	ck_assert(!memcmp(rs + 10, mac, 6));
	ra[6] = 58, ra[7] = 255;
	inet_pton(AF_INET6, "fe80::1", ra + 8);
	ra[40] = 134;
	ck_assert_int_eq(ra_parse_ra(ra, sizeof(ra), &src), 0);
	ck_assert_str_eq(inet_ntop(AF_INET6, &src, a, sizeof(a)), "fe80::1");
	ra[7] = 64; /* not link-local hop limit: not a valid RA */
	ck_assert_int_lt(ra_parse_ra(ra, sizeof(ra), &src), 0);
	ra[7] = 255, ra[40] = 133;
	ck_assert_int_lt(ra_parse_ra(ra, sizeof(ra), &src), 0);
}
END_TEST

START_TEST(test_proc_net)
{
	const char *udp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
			  "retrnsmt   uid  timeout inode ref pointer drops\n"
			  "  1: 0100D50A:0035 00000000:0000 07 00000000:00000000 00:00000000 "
			  "00000000     0        0 1111 2 0 0\n"
			  "  2: 00000000:0043 00000000:0000 07 00000000:00000000 00:00000000 "
			  "00000000     0        0 2222 2 0 0\n"
			  "  3: 0100007F:1F90 00000000:0000 07 00000000:00000000 00:00000000 "
			  "00000000     0        0 3333 2 0 0\n";
	const char *tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
			  "retrnsmt   uid  timeout inode\n"
			  "  0: 0100D50A:0035 00000000:0000 0A 00000000:00000000 00:00000000 "
			  "00000000     0        0 4444 1\n"
			  "  1: 0100D50A:0035 0200D50A:C350 01 00000000:00000000 00:00000000 "
			  "00000000     0        0 5555 1\n";
	unsigned long in[8];

	ck_assert_uint_eq(portcheck_parse(udp, 53, 0, in, 8), 1);
	ck_assert_uint_eq(in[0], 1111);
	ck_assert_uint_eq(portcheck_parse(udp, 67, 0, in, 8), 1);
	ck_assert_uint_eq(in[0], 2222);
	ck_assert_uint_eq(portcheck_parse(tcp, 53, 1, in, 8), 1); /* LISTEN only */
	ck_assert_uint_eq(in[0], 4444);
	ck_assert_uint_eq(portcheck_parse(udp, 99, 0, in, 8), 0);
}
END_TEST

Suite *packets_suite(void)
{
	Suite *s = suite_create("packets");
	TCase *tc = tcase_create("probe");

	tcase_add_test(tc, test_discover);
	tcase_add_test(tc, test_offer);
	tcase_add_test(tc, test_rs_and_ra);
	tcase_add_test(tc, test_proc_net);
	suite_add_tcase(s, tc);
	return s;
}
