/* User taps (conf/tap.c): what a good section gives, every refusal with
 * its line, the printer's round trip and the deep copy; the state file
 * lines gatewayd reads back (core/taps.c); and the guard's question about
 * gatewayd's own ports (host/hostcheck.c). Users and groups: root/root
 * and nobody/nogroup, there on every Debian machine. */
#include "suites.h"
#include "conf/conf.h"
#include "gatewayd/core/taps.h"
#include "gatewayd/host/hostcheck.h"
#include "gatewayd/host/snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lines 1-4: network n; 5-7: network m (bridge gw1, uplink up9); the
 * taps from line 8. */
static int load(const char *taps, struct gw_conf **c, char *err, size_t errlen)
{
	char buf[4096];

	snprintf(buf, sizeof(buf),
		 "network n {\nbridge = gw0\nipv4 = \"10.213.0.1/24\"\n}\n"
		 "network m {\nbridge = gw1\nipv4 = \"10.214.0.1/24\" uplink = up9 }\n%s",
		 taps);
	return conf_load_buf("t.conf", buf, c, err, errlen);
}

START_TEST(test_tap_good)
{
	struct gw_conf *c, *d;
	char err[512] = "", *text = NULL, *text2 = NULL;
	size_t len = 0, len2 = 0;
	FILE *f;

	ck_assert_msg(load("tap vm1 { network = n user = nobody group = nogroup }\n"
			   "tap gwtap7 {\n network = \"m\"\n user = \"root\"\n}\n",
			   &c, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(c->n_taps, 2);
	ck_assert_str_eq(c->taps[0].name, "vm1");
	ck_assert_str_eq(c->taps[0].network, "n");
	ck_assert_uint_eq(c->taps[0].uid, 65534);
	ck_assert_uint_eq(c->taps[0].gid, 65534);
	ck_assert_str_eq(c->taps[0].group, "nogroup");
	ck_assert_int_eq(c->taps[0].line, 8);
	ck_assert_str_eq(c->taps[1].network, "m");
	ck_assert_uint_eq(c->taps[1].uid, 0);
	ck_assert(c->taps[1].gid == GW_TAP_NO_GROUP);
	ck_assert_int_eq(c->taps[1].line, 9); /* where it opens (libconfuse: where it ends) */
	ck_assert_int_eq(conf_tap_find(c, "gwtap7"), 1);
	ck_assert_int_eq(conf_tap_find(c, "gwtap8"), -1);

	/* the copy is the copy's own */
	d = conf_dup(c);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_ne(d->taps, c->taps);
	ck_assert_str_eq(d->taps[1].name, "gwtap7");

	/* printed, parsed again, printed the same */
	f = open_memstream(&text, &len);
	conf_print(f, c);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "\ntap vm1 {\n    network = \"n\"\n    user    = "
					   "\"nobody\"\n    group   = \"nogroup\"\n}\n"));
	conf_free(d);
	ck_assert_msg(conf_load_buf("p.conf", text, &d, err, sizeof(err)) == 0, "%s: %s", err,
		      text);
	f = open_memstream(&text2, &len2);
	conf_print(f, d);
	fclose(f);
	ck_assert_str_eq(strchr(text, '\n'), strchr(text2, '\n'));
	free(text);
	free(text2);
	conf_free(d);
	conf_free(c);

	ck_assert_msg(load("", &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c->n_taps, 0);
	ck_assert_ptr_null(c->taps);
	conf_free(c);
}
END_TEST

START_TEST(test_tap_refused)
{
	static const struct {
		const char *taps, *want;
	} bad[] = {
		{ "tap \"a b\" { network = n user = root }\n",
		  "t.conf:8: tap \"a b\" is not a valid interface name" },
		{ "tap averyveryverylongname { network = n user = root }\n",
		  "t.conf:8: tap \"averyveryverylongname\" is not a valid interface name" },
		{ "tap t0 { user = root }\n", "t.conf:8: tap \"t0\": missing network" },
		{ "tap t0 {\nnetwork = nope\nuser = root }\n",
		  "t.conf:9: tap \"t0\": no network \"nope\" in this config" },
		{ "tap t0 { network = n }\n", "t.conf:8: tap \"t0\": missing user" },
		{ "tap t0 {\nnetwork = n\nuser = gw-no-such-user\n}\n",
		  "t.conf:10: tap \"t0\": user \"gw-no-such-user\" does not exist" },
		{ "tap t0 {\nnetwork = n\nuser = root\ngroup = gw-no-such-group\n}\n",
		  "t.conf:11: tap \"t0\": group \"gw-no-such-group\" does not exist" },
		{ "tap t0 { network = n user = \"-root\" }\n",
		  "t.conf:8: tap \"t0\": \"-root\" is not a user name" },
		{ "tap gw1 { network = n user = root }\n",
		  "t.conf:8: tap \"gw1\": that name is the bridge of network \"m\"" },
		{ "tap up9 { network = n user = root }\n",
		  "t.conf:8: tap \"up9\": that name is the uplink of network \"m\"" },
		{ "tap t0 { network = n user = root }\ntap t0 { network = m user = root }\n",
		  "t.conf:9:" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct gw_conf *c = NULL;
		char err[512] = "";

		ck_assert_int_lt(load(bad[i].taps, &c, err, sizeof(err)), 0);
		ck_assert_ptr_null(c);
		ck_assert_msg(!strncmp(err, bad[i].want, strlen(bad[i].want)), "%zu: got \"%s\"", i,
			      err);
	}
}
END_TEST

START_TEST(test_tap_global_uplink)
{
	struct gw_conf *c = NULL;
	char err[512] = "";

	ck_assert_int_lt(
		conf_load_buf("u.conf",
			      "uplink = eth7\nnetwork n {\nbridge = gw0\nipv4 = "
			      "\"10.213.0.1/24\"\n}\ntap eth7 { network = n user = root }\n",
			      &c, err, sizeof(err)),
		0);
	ck_assert_str_eq(err, "u.conf:6: tap \"eth7\": that name is the uplink");
}
END_TEST

START_TEST(test_tap_state_lines)
{
	struct gw_tap t;
	char name[IFNAMSIZ], net[NAME_NET_MAX + 1];
	int idx;

	ck_assert_int_eq(taps_parse_tap("gwtap0 default nobody nogroup\n", &t), 0);
	ck_assert_str_eq(t.name, "gwtap0");
	ck_assert_str_eq(t.network, "default");
	ck_assert_uint_eq(t.uid, 65534);
	ck_assert_uint_eq(t.gid, 65534);
	ck_assert_int_eq(taps_parse_tap("gwtap1 default root -\n", &t), 0);
	ck_assert(t.gid == GW_TAP_NO_GROUP);
	ck_assert_str_eq(t.group, "");
	/* read back with the config's rules: nothing else is acted on */
	ck_assert_int_eq(taps_parse_tap("gwtap1 default root\n", &t), -EINVAL);
	ck_assert_int_eq(taps_parse_tap("../x default root -\n", &t), -EINVAL);
	ck_assert_int_eq(taps_parse_tap("gwtap1 a.b root -\n", &t), -EINVAL);
	ck_assert_int_eq(taps_parse_tap("gwtap1 default gw-no-such-user -\n", &t), -EINVAL);
	ck_assert_int_eq(taps_parse_attached("tap5 default 17\n", name, net, &idx), 0);
	ck_assert_str_eq(name, "tap5");
	ck_assert_str_eq(net, "default");
	ck_assert_int_eq(idx, 17);
	/* an older gatewayd's line: the device is not known */
	ck_assert_int_eq(taps_parse_attached("tap5 default\n", name, net, &idx), 0);
	ck_assert_int_eq(idx, 0);
	ck_assert_int_eq(taps_parse_attached("tap5 default 0\n", name, net, &idx), -EINVAL);
	ck_assert_int_eq(taps_parse_attached("tap5 default -3\n", name, net, &idx), -EINVAL);
	ck_assert_int_eq(taps_parse_attached("tap5\n", name, net, &idx), -EINVAL);
	ck_assert_int_eq(taps_parse_attached("tap/5 default\n", name, net, &idx), -EINVAL);
	ck_assert_int_eq(taps_parse_attached("averyveryverylongname default\n", name, net, &idx),
			 -EINVAL);
}
END_TEST

static bool own(const char *network, const char *port, void *arg)
{
	(void)arg;
	return !strcmp(network, "n") && !strcmp(port, "vm-web");
}

START_TEST(test_tap_own_ports_are_guest_ports)
{
	struct hostcheck_own o = { 0 }; /* told by the core, never a global */
	struct gw_conf *c;
	char err[512] = "";

	ck_assert_msg(conf_load_buf("g.conf",
				    "network n {\nbridge = gw0\nipv4 = \"10.213.0.1/24\"\n"
				    "guest_ports = {\"vnet*\"}\n}\n",
				    &c, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert(!hostcheck_guest_port(NULL, &c->networks[0], 0, "tun", "vm-web"));
	ck_assert(!hostcheck_guest_port(&o, &c->networks[0], 0, "tun", "vm-web"));
	o.fn = own;
	ck_assert(hostcheck_guest_port(&o, &c->networks[0], 0, "tun", "vm-web"));
	ck_assert(hostcheck_guest_port(&o, &c->networks[0], 0, "tun", "vnet0"));
	ck_assert(!hostcheck_guest_port(&o, &c->networks[0], 0, "tun", "vm-db"));
	/* the kind still counts: a VXLAN port of that name is no guest */
	ck_assert(!hostcheck_guest_port(&o, &c->networks[0], 0, "vxlan", "vm-web"));
	o.fn = NULL;
	ck_assert(!hostcheck_guest_port(&o, &c->networks[0], 0, "tun", "vm-web"));
	conf_free(c);
}
END_TEST

/* The watch asks after a tap only when a batch of link events names it
 * or its bridge: a container's veth coming and going costs nothing per
 * tap (issue 17). */
START_TEST(test_tap_touched)
{
	struct host_link links[] = {
		{ .ifindex = 5, .name = "gw0", .kind = "bridge" },
		{ .ifindex = 7, .name = "tap0", .kind = "tun", .master = 5 },
		{ .ifindex = 9, .name = "vethx", .kind = "veth" },
		{ .ifindex = 11, .name = "gw1", .kind = "bridge" },
	};
	struct host_facts f = { .n_links = 4, .links = links };
	struct host_link_change c = { .ifindex = 9, .added = true };
	struct host_change ch = { .n_links = 1, .links = &c };

	/* a foreign veth made: neither the tap nor its bridge */
	ck_assert(!taps_touched("tap0", "gw0", &f, &ch));
	/* ...nor when it goes (named by its old name only) */
	c = (struct host_link_change){ .ifindex = 9, .gone = true, .old_name = "vethx" };
	ck_assert(!taps_touched("tap0", "gw0", &f, &ch));
	/* another network's bridge */
	c = (struct host_link_change){ .ifindex = 11, .old_name = "gw1" };
	ck_assert(!taps_touched("tap0", "gw0", &f, &ch));
	/* the tap itself changed, went, or was renamed away */
	c = (struct host_link_change){ .ifindex = 7, .old_name = "tap0", .old_master = 5 };
	ck_assert(taps_touched("tap0", "gw0", &f, &ch));
	c = (struct host_link_change){ .ifindex = 7, .gone = true, .old_name = "tap0" };
	ck_assert(taps_touched("tap0", "gw0", &f, &ch));
	links[1].ifindex = 8; /* a new device now has its name */
	c = (struct host_link_change){ .ifindex = 8, .added = true };
	ck_assert(taps_touched("tap0", "gw0", &f, &ch));
	/* its bridge deleted or recreated */
	c = (struct host_link_change){ .ifindex = 5, .gone = true, .old_name = "gw0" };
	ck_assert(taps_touched("tap0", "gw0", &f, &ch));
	c = (struct host_link_change){ .ifindex = 5, .added = true };
	ck_assert(taps_touched("tap0", "gw0", &f, &ch));
	/* a full re-read: every tap */
	ch = (struct host_change){ .all = true };
	ck_assert(taps_touched("tap0", "gw0", &f, &ch));
}
END_TEST

Suite *tap_suite(void)
{
	Suite *s = suite_create("tap");
	TCase *tc = tcase_create("tap");

	tcase_add_test(tc, test_tap_good);
	tcase_add_test(tc, test_tap_refused);
	tcase_add_test(tc, test_tap_global_uplink);
	tcase_add_test(tc, test_tap_state_lines);
	tcase_add_test(tc, test_tap_own_ports_are_guest_ports);
	tcase_add_test(tc, test_tap_touched);
	suite_add_tcase(s, tc);
	return s;
}
