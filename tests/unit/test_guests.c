/* Per guest (gatewayd/ctl/guests.c, issue 19 item 5): what status says
 * drops a guest's packets, and what doctor makes of it -- a FAIL naming
 * the port, MAC and address with the fix, or the guest's MAC, lease and
 * host. Pure: the rows are made here, not read from the kernel. */
#include "suites.h"
#include "conf/conf.h"
#include "gatewayd/ctl/guests.h"
#include "nft/binding.h"

#include <arpa/inet.h>
#include <string.h>

static struct gw_network net;

static void setup(void)
{
	memset(&net, 0, sizeof(net));
	snprintf(net.name, sizeof(net.name), "a");
	net.guest_binding = true;
}

static void unbound4(struct guest_row *g, uint8_t last, const char *addr)
{
	struct guest_unbound *u = &g->drops.unbound[g->drops.n_unbound++];

	memcpy(u->mac, (uint8_t[]){ 0x52, 0x54, 0, 0, 0, last }, 6);
	u->family = AF_INET;
	inet_pton(AF_INET, addr, &u->a.v4);
}

START_TEST(test_guest_unbound)
{
	struct guest_row g = { .port = "vnet3" };
	char detail[512], fix[512], text[512];

	unbound4(&g, 1, "10.1.0.77");
	ck_assert_int_eq(guest_diagnose(&net, &g, detail, sizeof(detail), fix, sizeof(fix)), 1);
	ck_assert_str_eq(detail, "vnet3: guest binding drops MAC 52:54:00:00:00:01 sending from "
				 "10.1.0.77: no lease or host section gives it that address on "
				 "this port");
	ck_assert_str_eq(fix, "add `host NAME { mac = \"52:54:00:00:00:01\" ipv4 = \"10.1.0.77\" "
			      "}` to network a, or set guest_binding = false, or let the guest "
			      "use DHCP");
	guest_drops_text(&g.drops, text, sizeof(text));
	ck_assert_str_eq(text, "binding: 52:54:00:00:00:01 from 10.1.0.77");
	/* a lease for another address: said */
	snprintf(g.lease, sizeof(g.lease), "10.1.0.120");
	guest_diagnose(&net, &g, detail, sizeof(detail), fix, sizeof(fix));
	ck_assert_msg(strstr(detail, "; its lease is 10.1.0.120"), "%s", detail);
}
END_TEST

START_TEST(test_guest_unbound_many)
{
	struct guest_row g = { .port = "vnet3" };
	char detail[512], fix[512], text[1024];

	for (int i = 0; i < GUEST_UNBOUND_MAX; i++)
		unbound4(&g, (uint8_t)i, i ? "10.1.0.9" : "10.1.0.8");
	g.drops.n_unbound = GUEST_UNBOUND_MAX + 3; /* the dump counted more */
	guest_drops_text(&g.drops, text, sizeof(text));
	ck_assert_msg(strstr(text, "binding: 52:54:00:00:00:00 from 10.1.0.8, 52:54") &&
			      strstr(text, " and 3 more"),
		      "%s", text);
	ck_assert_int_eq(guest_diagnose(&net, &g, detail, sizeof(detail), fix, sizeof(fix)), 1);
	ck_assert_msg(strstr(detail, "from 10.1.0.8 (and 6 other sources)"), "%s", detail);
}
END_TEST

START_TEST(test_guest_unbound6)
{
	struct guest_row g = { .port = "vnet4" };
	struct guest_unbound *u = &g.drops.unbound[g.drops.n_unbound++];
	char detail[512], fix[512];

	u->family = AF_INET6;
	inet_pton(AF_INET6, "fd00::5", &u->a.v6);
	ck_assert_int_eq(guest_diagnose(&net, &g, detail, sizeof(detail), fix, sizeof(fix)), 1);
	ck_assert_msg(strstr(detail, "sending from fd00::5"), "%s", detail);
	ck_assert_str_eq(fix, "another guest holds fd00::5: give this guest an address of its "
			      "own, or set guest_binding = false on network a");
}
END_TEST

START_TEST(test_guest_fine)
{
	struct guest_row g = {
		.port = "vnet5", .mac = "52:54:00:00:00:05", .lease = "10.1.0.5", .host = "vm5"
	};
	char detail[512], fix[512], text[512];

	ck_assert_int_eq(guest_diagnose(&net, &g, detail, sizeof(detail), fix, sizeof(fix)), 0);
	ck_assert_str_eq(detail, "vnet5: MAC 52:54:00:00:00:05, lease 10.1.0.5, host vm5; "
				 "nothing dropped");
	ck_assert_str_eq(fix, "");
	guest_drops_text(&g.drops, text, sizeof(text));
	ck_assert_str_eq(text, "");
	/* no lease at all */
	g.lease[0] = g.host[0] = '\0';
	guest_diagnose(&net, &g, detail, sizeof(detail), fix, sizeof(fix));
	ck_assert_str_eq(detail, "vnet5: MAC 52:54:00:00:00:05, no lease; nothing dropped");
}
END_TEST

/* The DHCP meter: a port past its burst of new clients is a warning, not
 * a failure; the causes other modules fill (bandwidth, quota) are shown. */
START_TEST(test_guest_meter_and_others)
{
	struct guest_row g = { .port = "vnet6", .mac = "52:54:00:00:00:06" };
	char detail[512], fix[512], text[512];

	g.drops.dhcp_clients = NFT_METER_BURST - 1;
	ck_assert_int_eq(guest_diagnose(&net, &g, detail, sizeof(detail), fix, sizeof(fix)), 0);
	ck_assert_str_eq(fix, "");
	g.drops.dhcp_clients = NFT_METER_BURST + 2;
	ck_assert_int_eq(guest_diagnose(&net, &g, detail, sizeof(detail), fix, sizeof(fix)), 0);
	ck_assert_msg(strstr(detail, "DHCP meter: 7 clients in the last hour, its burst used up"),
		      "%s", detail);
	ck_assert_msg(fix[0], "a busy meter is a warning");
	g.drops.bandwidth_dropped = 12;
	g.drops.quota_dropped = 3;
	guest_drops_text(&g.drops, text, sizeof(text));
	ck_assert_str_eq(text, "DHCP meter: 7 clients in the last hour, its burst used up; "
			       "bandwidth: 12 packets; connection quota: 3 packets");
}
END_TEST

Suite *guests_suite(void)
{
	Suite *s = suite_create("guests");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_guest_unbound);
	tcase_add_test(tc, test_guest_unbound_many);
	tcase_add_test(tc, test_guest_unbound6);
	tcase_add_test(tc, test_guest_fine);
	tcase_add_test(tc, test_guest_meter_and_others);
	suite_add_tcase(s, tc);
	return s;
}
