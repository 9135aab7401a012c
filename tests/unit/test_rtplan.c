/* The run-time diff: each host event -> exactly the actions expected
 * (ports-map element deltas, guard trips, repairs, collisions), and an
 * event that touches none of our networks -> none at all. The events are
 * made as the snapshot says them: the facts before and after, and what
 * changed between them (rt_change_between()). */
#include "suites.h"
#include "conf/conf.h"
#include "gatewayd/core/diff.h"
#include "gatewayd/core/plan.h"
#include "gatewayd/core/rtplan.h"
#include "gatewayd/host/hostcheck.h"
#include "gatewayd/host/preflight.h"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* what gatewayd put on the bridges itself: the doctor's test ports here */
static struct hostcheck_own own;

#define MAXL 16

struct host {
	struct host_link links[MAXL];
	struct host_addr addrs[MAXL];
	struct host_route routes[MAXL];
	struct host_facts f;
};

static struct gw_plan plan;
static struct gw_net_rt rts[3];
static struct host before, after;

static void host_fix(struct host *h)
{
	h->f.links = h->links;
	h->f.addrs = h->addrs;
	h->f.routes = h->routes;
}

static struct host_link *link_add(struct host *h, int ifindex, const char *name, const char *kind,
				  int master)
{
	struct host_link *l = &h->links[h->f.n_links++];

	memset(l, 0, sizeof(*l));
	l->ifindex = ifindex;
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->kind, sizeof(l->kind), "%s", kind);
	l->master = master;
	l->flags = IFF_UP;
	return l;
}

static struct host_link *link_of(struct host *h, const char *name)
{
	for (size_t i = 0; i < h->f.n_links; i++)
		if (!strcmp(h->links[i].name, name))
			return &h->links[i];
	ck_abort_msg("no link %s", name);
	return NULL;
}

static void link_del(struct host *h, const char *name)
{
	struct host_link *l = link_of(h, name);
	size_t i = (size_t)(l - h->links);

	memmove(l, l + 1, (h->f.n_links - i - 1) * sizeof(*l));
	h->f.n_links--;
}

static void addr_add(struct host *h, int family, const char *a, unsigned plen, int ifindex)
{
	struct host_addr *x = &h->addrs[h->f.n_addrs++];

	memset(x, 0, sizeof(*x));
	x->family = family;
	inet_pton(family, a, x->addr);
	x->plen = plen;
	x->ifindex = ifindex;
}

static void route_add(struct host *h, int family, const char *a, unsigned plen, int ifindex)
{
	struct host_route *x = &h->routes[h->f.n_routes++];

	memset(x, 0, sizeof(*x));
	x->family = family;
	inet_pton(family, a, x->dst);
	x->plen = plen;
	x->ifindex = ifindex;
	x->protocol = RTPROT_BOOT;
}

static void setup(void)
{
	const char *text = "network a {\n bridge = gw-a\n ipv4 = \"10.1.0.1/24\"\n ipv6 = "
			   "\"fd01::1/64\"\n}\n"
			   "network b {\n bridge = gw-b\n ipv4 = \"10.2.0.1/24\"\n}\n"
			   "network c {\n bridge = gw-c\n ipv4 = \"10.3.0.1/24\"\n}\n";
	struct preflight pf = { 0 };
	struct gw_conf *conf;
	char err[512];

	ck_assert_msg(conf_load_buf("t.conf", text, &conf, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(preflight_new(conf, &pf), 0);
	for (size_t i = 0; i < conf->n_networks; i++)
		snprintf(pf.uplinks[i], IFNAMSIZ, "eth0");
	ck_assert_int_eq(gw_plan_build(conf, &pf, false, &plan), 0);
	preflight_release(&pf);
	memset(rts, 0, sizeof(rts));
	memset(&before, 0, sizeof(before));
	host_fix(&before);
	link_add(&before, 1, "lo", "", 0);
	link_add(&before, 2, "eth0", "", 0);
	link_add(&before, 10, "gw-a", "bridge", 0);
	link_add(&before, 11, "gw-b", "bridge", 0);
	link_add(&before, 12, "gw-c", "bridge", 0);
	addr_add(&before, AF_INET, "192.168.1.10", 24, 2);
	addr_add(&before, AF_INET, "10.1.0.1", 24, 10);
	addr_add(&before, AF_INET6, "fd01::1", 64, 10);
	addr_add(&before, AF_INET, "10.2.0.1", 24, 11);
	addr_add(&before, AF_INET, "10.3.0.1", 24, 12);
	route_add(&before, AF_INET, "0.0.0.0", 0, 2);
	route_add(&before, AF_INET, "192.168.1.0", 24, 2);
	route_add(&before, AF_INET, "10.1.0.0", 24, 10);
	after = before;
	host_fix(&after);
}

static void teardown(void)
{
	for (size_t i = 0; i < 3; i++)
		free(rts[i].ports);
	gw_plan_release(&plan);
}

/* rts[i] holds these ports in force (sorted, as the watch keeps them). */
static void in_force(size_t i, const char *a, const char *b)
{
	free(rts[i].ports);
	rts[i].ports = calloc(2, IFNAMSIZ);
	rts[i].n_ports = 0;
	if (a)
		snprintf(rts[i].ports[rts[i].n_ports++], IFNAMSIZ, "%s", a);
	if (b)
		snprintf(rts[i].ports[rts[i].n_ports++], IFNAMSIZ, "%s", b);
}

/* before -> after, as a batch of events, diffed: its one-line form. */
static const char *diff_of(bool all)
{
	static char out[1024];
	struct host_change ch;
	struct rt_diff d;

	ck_assert_int_eq(rt_change_between(&before.f, &after.f, &ch), 0);
	ch.all = all;
	ck_assert_int_eq(rt_diff(&plan, &own, &after.f, &ch, rts, &d), 0);
	rt_diff_format(&d, &plan, out, sizeof(out));
	rt_diff_release(&d);
	host_change_release(&ch);
	return out;
}

/* How many networks the batch touches. */
static size_t touched_of(void)
{
	struct host_change ch;
	bool t[3];
	size_t n = 0;

	ck_assert_int_eq(rt_change_between(&before.f, &after.f, &ch), 0);
	rt_touched(&plan, &after.f, &ch, rts, t);
	host_change_release(&ch);
	for (size_t i = 0; i < 3; i++)
		n += t[i];
	return n;
}

START_TEST(test_rt_nothing)
{
	ck_assert_str_eq(diff_of(false), "");
	ck_assert_uint_eq(touched_of(), 0);
}
END_TEST

START_TEST(test_rt_foreign_veth)
{
	/* a container's veth pair made, up, and deleted elsewhere */
	struct host_link *x = link_add(&after, 40, "veth-c1", "veth", 0);

	x->peer = 41;
	link_add(&after, 41, "veth-c1p", "veth", 0)->peer = 40;
	ck_assert_uint_eq(touched_of(), 0);
	ck_assert_str_eq(diff_of(false), "");
	before = after;
	host_fix(&before);
	link_del(&after, "veth-c1");
	link_del(&after, "veth-c1p");
	ck_assert_uint_eq(touched_of(), 0);
	ck_assert_str_eq(diff_of(false), "");
}
END_TEST

START_TEST(test_rt_guest_joins)
{
	struct host_change ch;
	struct rt_diff d;

	link_add(&after, 20, "vm1", "tun", 10);
	ck_assert_uint_eq(touched_of(), 1);
	ck_assert_str_eq(diff_of(false), "a:ports +vm1@ports_a");
	ck_assert_int_eq(rt_change_between(&before.f, &after.f, &ch), 0);
	ck_assert_int_eq(rt_diff(&plan, &own, &after.f, &ch, rts, &d), 0);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(d.nets[0].net, 0);
	ck_assert(d.nets[0].ports_changed); /* binding of a is dirty */
	ck_assert_uint_eq(d.nets[0].n_ports, 1);
	ck_assert_str_eq(d.nets[0].ports[0], "vm1");
	ck_assert_uint_eq(d.n_add, 1);
	ck_assert_uint_eq(d.n_del, 0);
	ck_assert(!d.sysctls);
	rt_diff_release(&d);
	host_change_release(&ch);
	/* in force: nothing more to do */
	in_force(0, "vm1", NULL);
	ck_assert_str_eq(diff_of(false), "");
}
END_TEST

START_TEST(test_rt_port_moves)
{
	link_add(&before, 20, "vm1", "tun", 10);
	link_add(&before, 21, "vm2", "tun", 10);
	in_force(0, "vm1", "vm2");
	after = before;
	host_fix(&after);
	link_of(&after, "vm1")->master = 11;
	ck_assert_uint_eq(touched_of(), 2);
	ck_assert_str_eq(diff_of(false), "a:ports b:ports -vm1@ports_a +vm1@ports_b");
}
END_TEST

START_TEST(test_rt_port_gone_and_renamed)
{
	link_add(&before, 20, "vm1", "tun", 10);
	link_add(&before, 21, "vm2", "tun", 11);
	in_force(0, "vm1", NULL);
	in_force(1, "vm2", NULL);
	after = before;
	host_fix(&after);
	link_del(&after, "vm1");
	snprintf(link_of(&after, "vm2")->name, IFNAMSIZ, "vm3");
	ck_assert_str_eq(diff_of(false), "a:ports b:ports -vm1@ports_a -vm2@ports_b +vm3@ports_b");
}
END_TEST

START_TEST(test_rt_vxlan_trips)
{
	link_add(&before, 20, "vm1", "tun", 11);
	in_force(1, "vm1", NULL);
	after = before;
	host_fix(&after);
	link_add(&after, 30, "vx0", "vxlan", 11);
	ck_assert_uint_eq(touched_of(), 1);
	ck_assert_str_eq(diff_of(false), "b:trip(vx0),ports +vx0@ports_b");
	/* tripped, and it leaves again */
	in_force(1, "vm1", "vx0");
	snprintf(rts[1].tripped, IFNAMSIZ, "vx0");
	before = after;
	host_fix(&before);
	link_del(&after, "vx0");
	ck_assert_str_eq(diff_of(false), "b:resume(),ports -vx0@ports_b");
}
END_TEST

START_TEST(test_rt_veth_patches)
{
	/* a veth on gw-a whose peer is then put on a LAN bridge */
	link_add(&before, 50, "lan0", "bridge", 0);
	link_add(&before, 20, "p0", "veth", 10)->peer = 21;
	link_add(&before, 21, "p0b", "veth", 0)->peer = 20;
	in_force(0, "p0", NULL);
	after = before;
	host_fix(&after);
	link_of(&after, "p0b")->master = 50;
	ck_assert_str_eq(diff_of(false), "a:trip(p0)");
}
END_TEST

START_TEST(test_rt_bridge_deleted)
{
	link_add(&before, 20, "vm1", "tun", 10);
	in_force(0, "vm1", NULL);
	after = before;
	host_fix(&after);
	link_del(&after, "gw-a");
	link_of(&after, "vm1")->master = 0;
	after.f.n_addrs = 0;
	addr_add(&after, AF_INET, "192.168.1.10", 24, 2);
	addr_add(&after, AF_INET, "10.2.0.1", 24, 11);
	addr_add(&after, AF_INET, "10.3.0.1", 24, 12);
	after.f.n_routes--; /* 10.1.0.0/24 dev gw-a, gone with it */
	ck_assert_str_eq(diff_of(false), "a:repair(gone)");
	/* set down instead */
	after = before;
	host_fix(&after);
	link_of(&after, "gw-a")->flags = 0;
	ck_assert_str_eq(diff_of(false), "a:repair(down)");
}
END_TEST

START_TEST(test_rt_addr_removed)
{
	/* fd01::1 on gw-a removed */
	after.f.n_addrs = 0;
	addr_add(&after, AF_INET, "192.168.1.10", 24, 2);
	addr_add(&after, AF_INET, "10.1.0.1", 24, 10);
	addr_add(&after, AF_INET, "10.2.0.1", 24, 11);
	addr_add(&after, AF_INET, "10.3.0.1", 24, 12);
	ck_assert_uint_eq(touched_of(), 1);
	ck_assert_str_eq(diff_of(false), "a:repair(addr)");
}
END_TEST

START_TEST(test_rt_unrelated_addr)
{
	link_add(&before, 40, "veth-c1", "veth", 0);
	after = before;
	host_fix(&after);
	addr_add(&after, AF_INET, "172.17.0.1", 16, 40);
	addr_add(&after, AF_INET6, "fe80::1", 64, 40);
	route_add(&after, AF_INET, "172.17.0.0", 16, 40);
	ck_assert_uint_eq(touched_of(), 0);
	ck_assert_str_eq(diff_of(false), "");
}
END_TEST

START_TEST(test_rt_overlap)
{
	char msg[300];

	link_add(&before, 40, "tun9", "tun", 0);
	after = before;
	host_fix(&after);
	route_add(&after, AF_INET, "10.2.0.0", 16, 40);
	ck_assert_uint_eq(touched_of(), 1);
	ck_assert_str_eq(diff_of(false), "b:collision");
	/* in force: said once; the route going ends it */
	snprintf(rts[1].collision, sizeof(rts[1].collision),
		 "network \"b\": subnet 10.2.0.0/24 overlaps route 10.2.0.0/16 dev tun9");
	ck_assert_str_eq(diff_of(false), "");
	before = after;
	host_fix(&before);
	after.f.n_routes--;
	ck_assert_str_eq(diff_of(false), "b:collision-gone");
	(void)msg;
}
END_TEST

START_TEST(test_rt_netconf)
{
	struct host_change ch = { .netconf = true };
	struct rt_diff d;

	ck_assert_int_eq(rt_diff(&plan, &own, &after.f, &ch, rts, &d), 0);
	ck_assert(d.sysctls);
	ck_assert_uint_eq(d.n + d.n_add + d.n_del, 0);
	rt_diff_release(&d);
}
END_TEST

/* ch->all: every network checked, as gw_diff_host() (the full check the
 * watch made on every event before) says. */
START_TEST(test_rt_all_as_full_check)
{
	struct gw_host_diff hd;
	struct host_change ch = { .all = true };
	struct rt_diff d;

	link_of(&after, "gw-a")->flags = 0;
	link_add(&after, 30, "vx0", "vxlan", 11);
	link_add(&after, 20, "vm1", "tun", 11);
	link_del(&after, "gw-c");
	after.f.n_addrs--; /* 10.3.0.1, gone with gw-c */
	ck_assert_int_eq(gw_diff_host(&plan, NULL, &after.f, &hd), 0);
	ck_assert_int_eq(rt_diff(&plan, &own, &after.f, &ch, rts, &d), 0);
	for (size_t i = 0; i < 3; i++) {
		const struct rt_net_act *a = NULL;

		for (size_t k = 0; k < d.n; k++)
			if (d.nets[k].net == i)
				a = &d.nets[k];
		ck_assert_uint_eq(a ? a->repair : 0, hd.repair[i]);
		if (hd.foreign[i])
			ck_assert_str_eq(a->foreign, hd.foreign[i]->name);
		else
			ck_assert(!a || !a->guard);
	}
	gw_host_diff_release(&hd);
	rt_diff_release(&d);
	ck_assert_str_eq(diff_of(true), "a:repair(down) b:trip(vx0),ports c:repair(gone) "
					"+vm1@ports_b +vx0@ports_b");
}
END_TEST

/* The doctor's test port: in no map, but binding's guest_ports must know
 * it (our answer to its self-test goes out through it). */
START_TEST(test_rt_test_port)
{
	ck_assert_int_eq(hostcheck_test_port_add(&own, 60), 0);
	link_add(&after, 60, "gwdt0a1b2c", "veth", 10);
	ck_assert_str_eq(diff_of(false), "a:test-ports");
	hostcheck_test_port_del(&own, 60);
}
END_TEST

/* A port in force for a network the batch did not touch (its move was
 * lost with the events): deleted there in the same batch. */
START_TEST(test_rt_stale_elsewhere)
{
	struct host_change ch = { 0 };
	struct host_link_change c = { .ifindex = 20, .added = true };
	struct rt_diff d;
	char out[256];

	in_force(0, "vm1", NULL);
	link_add(&after, 20, "vm1", "tun", 11);
	ch.n_links = 1;
	ch.links = &c;
	ck_assert_int_eq(rt_diff(&plan, &own, &after.f, &ch, rts, &d), 0);
	rt_diff_format(&d, &plan, out, sizeof(out));
	ck_assert_str_eq(out, "a:ports b:ports -vm1@ports_a +vm1@ports_b");
	rt_diff_release(&d);
}
END_TEST

/* ch->all over many networks (the indexed path: addresses found by
 * halving, overlaps checked against what is on none of our bridges):
 * the same answers as the direct one. */
START_TEST(test_rt_all_many)
{
	char text[8192], out[1024];
	size_t off = 0;
	struct preflight pf = { 0 };
	struct gw_conf *conf;
	struct gw_plan big;
	static struct host_link l[64];
	static struct host_addr a[64];
	static struct host_route r[8];
	struct host_facts f = { 0, 0, 0, l, a, r, false };
	struct host_change ch = { .all = true };
	struct rt_diff d;
	static struct gw_net_rt rt[20];
	char err[256];

	for (int i = 0; i < 20; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"network n%d {\n bridge = br%d\n ipv4 = \"10.9.%d.1/24\"\n "
					"ipv6 = \"fd09:%x::1/64\"\n}\n",
					i, i, i, i + 1);
	ck_assert_msg(conf_load_buf("t.conf", text, &conf, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(preflight_new(conf, &pf), 0);
	for (size_t i = 0; i < conf->n_networks; i++)
		snprintf(pf.uplinks[i], IFNAMSIZ, "eth0");
	ck_assert_int_eq(gw_plan_build(conf, &pf, false, &big), 0);
	preflight_release(&pf);
	l[f.n_links++] = (struct host_link){
		.ifindex = 2, .name = "eth0", .kind = "", .master = 0, .flags = IFF_UP, .peer = 0
	};
	for (int i = 0; i < 20; i++) {
		const struct gw_network *n = &big.conf->networks[i];
		struct host_link *br = &l[f.n_links++];

		*br = (struct host_link){ .ifindex = 100 + i, .flags = i == 3 ? 0 : IFF_UP };
		snprintf(br->name, IFNAMSIZ, "br%d", i);
		snprintf(br->kind, sizeof(br->kind), "bridge");
		a[f.n_addrs] =
			(struct host_addr){ .family = AF_INET, .plen = 24, .ifindex = 100 + i };
		memcpy(a[f.n_addrs++].addr, &n->ipv4.addr, 4);
		if (i == 5) /* its IPv6 address removed */
			continue;
		a[f.n_addrs] =
			(struct host_addr){ .family = AF_INET6, .plen = 64, .ifindex = 100 + i };
		memcpy(a[f.n_addrs++].addr, &n->ipv6.addr, 16);
	}
	l[f.n_links++] = (struct host_link){ .ifindex = 300,
					     .name = "vx0",
					     .kind = "vxlan",
					     .master = 107,
					     .flags = IFF_UP,
					     .peer = 0 };
	a[f.n_addrs] = (struct host_addr){ .family = AF_INET, .plen = 24, .ifindex = 2 };
	inet_pton(AF_INET, "10.9.12.7", a[f.n_addrs++].addr); /* overlaps n12 */
	ck_assert_int_eq(rt_diff(&big, NULL, &f, &ch, rt, &d), 0);
	rt_diff_format(&d, &big, out, sizeof(out));
	ck_assert_str_eq(out, "n3:repair(down) n5:repair(addr) n7:trip(vx0),ports n12:collision "
			      "+vx0@ports_n7");
	rt_diff_release(&d);
	gw_plan_release(&big);
}
END_TEST

Suite *rtplan_suite(void)
{
	Suite *s = suite_create("rtplan");
	TCase *tc = tcase_create("rtplan");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rt_nothing);
	tcase_add_test(tc, test_rt_foreign_veth);
	tcase_add_test(tc, test_rt_guest_joins);
	tcase_add_test(tc, test_rt_port_moves);
	tcase_add_test(tc, test_rt_port_gone_and_renamed);
	tcase_add_test(tc, test_rt_vxlan_trips);
	tcase_add_test(tc, test_rt_veth_patches);
	tcase_add_test(tc, test_rt_bridge_deleted);
	tcase_add_test(tc, test_rt_addr_removed);
	tcase_add_test(tc, test_rt_unrelated_addr);
	tcase_add_test(tc, test_rt_overlap);
	tcase_add_test(tc, test_rt_netconf);
	tcase_add_test(tc, test_rt_all_as_full_check);
	tcase_add_test(tc, test_rt_stale_elsewhere);
	tcase_add_test(tc, test_rt_test_port);
	tcase_add_test(tc, test_rt_all_many);
	suite_add_tcase(s, tc);
	return s;
}
