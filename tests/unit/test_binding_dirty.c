/* Guest binding's dirty set (issue 17): which networks an event marks for
 * the next sync -- a lease file written (inotify's name), ports that
 * changed -- and that a sync keeps the bindings of the networks it does
 * not recompute exactly as they are, on their ports only. */
#include "suites.h"
#include "conf/conf.h"
#include "gatewayd/core/binding_int.h"

#include <stdlib.h>
#include <string.h>

static const char three[] = "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n}\n"
			    "network ab {\n bridge = gw1\n ipv4 = \"10.2.0.1/24\"\n}\n"
			    "network b {\n bridge = gw2\n ipv4 = \"10.3.0.1/24\"\n}\n";

/* NAME.leases names network NAME, nothing else names one */
START_TEST(test_dirty_lease_names)
{
	struct gw_conf *c = NULL;
	char err[512];

	ck_assert_int_eq(conf_load_buf("t", three, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(binding_lease_net(c, "a.leases"), 0);
	ck_assert_int_eq(binding_lease_net(c, "ab.leases"), 1);
	ck_assert_int_eq(binding_lease_net(c, "b.leases"), 2);
	/* dnsmasq's temporary files, other state files, prefixes */
	ck_assert_int_eq(binding_lease_net(c, "c.leases"), -1);
	ck_assert_int_eq(binding_lease_net(c, "a.leases.tmp"), -1);
	ck_assert_int_eq(binding_lease_net(c, "a.conf"), -1);
	ck_assert_int_eq(binding_lease_net(c, ".leases"), -1);
	ck_assert_int_eq(binding_lease_net(c, "guest-bindings"), -1);
	ck_assert_int_eq(binding_lease_net(c, "aa.leases"), -1);
	conf_free(c);
}
END_TEST

static struct bport P(const char *name, uint32_t ifindex, size_t net) {
	struct bport p = { .ifindex = ifindex, .net = net };

	strncpy(p.name, name, IFNAMSIZ - 1);
	return p;
}

/* Only the networks whose ports differ are marked: a port that came, one
 * that left, one replaced under the same name (another ifindex), one
 * moved to another network (both); the order of the lists does not
 * matter. */
START_TEST(test_dirty_ports)
{
	const struct bport old[] = { P("t1", 11, 0), P("t2", 12, 1), P("t3", 13, 2),
				     P("t4", 14, 3), P("t5", 15, 4), P("t6", 16, 5) };
	/* 0: unchanged (another order); 1: t2 gone; 2: t7 came; 3: t4 made
	 * again; 4 -> 5: t5 moved; 6: unchanged, no ports */
	const struct bport new[] = { P("t6", 16, 5), P("t5", 15, 5), P("t4", 40, 3),
				     P("t7", 17, 2), P("t3", 13, 2), P("t1", 11, 0) };
	bool dirty[7] = { 0 };

	ck_assert_int_eq(binding_ports_dirty(old, 6, new, 6, dirty, 7), 0);
	ck_assert(!dirty[0]);
	ck_assert(dirty[1]);
	ck_assert(dirty[2]);
	ck_assert(dirty[3]);
	ck_assert(dirty[4]);
	ck_assert(dirty[5]);
	ck_assert(!dirty[6]);
	/* the same ports: nothing */
	memset(dirty, 0, sizeof(dirty));
	ck_assert_int_eq(binding_ports_dirty(new, 6, new, 6, dirty, 7), 0);
	for (int i = 0; i < 7; i++)
		ck_assert(!dirty[i]);
	/* none before (start): every network with a port */
	ck_assert_int_eq(binding_ports_dirty(NULL, 0, old, 6, dirty, 7), 0);
	for (int i = 0; i < 6; i++)
		ck_assert(dirty[i]);
	ck_assert(!dirty[6]);
	/* a network past the end (a port of an older configuration): ignored */
	memset(dirty, 0, sizeof(dirty));
	ck_assert_int_eq(binding_ports_dirty(old, 6, NULL, 0, dirty, 2), 0);
	ck_assert(dirty[0] && dirty[1]);
}
END_TEST

/* The bindings of clean networks: kept as they are (with their network's
 * tag), those of dirty networks and of ports no longer there dropped --
 * never one added or moved. */
START_TEST(test_dirty_keep_clean)
{
	const struct bport ports[] = { P("t1", 11, 0), P("t2", 12, 1), P("t3", 13, 1),
				       P("t4", 14, 2) };
	struct nft_bind in_force[5] = {
		{ .ifindex = 11, .mac = { 2, 0, 0, 0, 0, 1 }, .has4 = true }, /* a, clean */
		{ .ifindex = 12, .mac = { 2, 0, 0, 0, 0, 2 }, .has4 = true }, /* b, dirty */
		{ .ifindex = 13, .mac = { 2, 0, 0, 0, 0, 3 }, .has6 = true }, /* b, dirty */
		{ .ifindex = 14, .mac = { 2, 0, 0, 0, 0, 4 }, .has4 = true }, /* c, clean */
		{ .ifindex = 99, .mac = { 2, 0, 0, 0, 0, 5 }, .has4 = true }, /* its port gone */
	};
	const bool dirty[3] = { false, true, false };
	const uint32_t tags[3] = { 100, 200, 300 };
	struct nft_bind *out = NULL;
	size_t n = 0;

	ck_assert_int_eq(binds_keep_clean(in_force, 5, ports, 4, dirty, tags, 3, &out, &n), 2);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(out[0].ifindex, 11);
	ck_assert_uint_eq(out[0].tag, 100);
	ck_assert_uint_eq(out[1].ifindex, 14);
	ck_assert_uint_eq(out[1].tag, 300);
	ck_assert(!memcmp(out[1].mac, in_force[3].mac, 6) && out[1].has4 && !out[1].has6);
	/* every network dirty (a refill): nothing kept, all recomputed */
	const bool all[3] = { true, true, true };

	n = 0;
	ck_assert_int_eq(binds_keep_clean(in_force, 5, ports, 4, all, tags, 3, &out, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(out);
}
END_TEST

/* One order whichever networks were recomputed: the state file is then
 * the same text for the same bindings. */
START_TEST(test_dirty_order)
{
	struct nft_bind a[3] = {
		{ .ifindex = 2, .mac = { 2, 0, 0, 0, 0, 9 }, .has4 = true },
		{ .ifindex = 1, .mac = { 2, 0, 0, 0, 0, 1 }, .has6 = true },
		{ .ifindex = 1, .mac = { 2, 0, 0, 0, 0, 1 }, .has4 = true },
	};
	struct nft_bind b[3] = { a[2], a[0], a[1] };

	binds_order(a, 3);
	binds_order(b, 3);
	for (int i = 0; i < 3; i++)
		ck_assert(a[i].ifindex == b[i].ifindex && !memcmp(a[i].mac, b[i].mac, 6) &&
			  a[i].has4 == b[i].has4 && a[i].has6 == b[i].has6);
	ck_assert(a[0].has4 && a[0].mac[5] == 1 && a[1].has6 && a[2].mac[5] == 9);
}
END_TEST

Suite *binding_dirty_suite(void)
{
	Suite *s = suite_create("binding_dirty");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_dirty_lease_names);
	tcase_add_test(tc, test_dirty_ports);
	tcase_add_test(tc, test_dirty_keep_clean);
	tcase_add_test(tc, test_dirty_order);
	suite_add_tcase(s, tc);
	return s;
}
