/* Owners and the control socket's decisions (issue 19 item 3): the owner
 * key (conf/owner.c) -- users, @groups, lists, every refusal with its
 * line, the printer's round trip -- and readers_group; then who sees and
 * who manages which network (gatewayd/ctl/authz.c), from credentials as
 * SO_PEERCRED and SO_PEERGROUPS give them; and the refusals
 * (ctl/commands.c), the same for another's network and none. Users and groups: root/root,
 * nobody/nogroup and daemon/daemon, there on every Debian machine. */
#include "suites.h"
#include "conf/conf.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/ctl/authz.h"
#include "gatewayd/ctl/commands.h"
#include "gatewayd/ctl/proto.h"

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Lines 1-4: network n (its owner line 3); 5-8: network m (line 7); the
 * rest from line 9. */
static int load(const char *own_n, const char *own_m, const char *rest, struct gw_conf **c,
		char *err, size_t errlen)
{
	char buf[4096];

	snprintf(buf, sizeof(buf),
		 "network n {\nbridge = gw0 ipv4 = \"10.213.0.1/24\"\n%s\n}\n"
		 "network m {\nbridge = gw1 ipv4 = \"10.214.0.1/24\"\n%s\n}\n%s",
		 own_n, own_m, rest);
	return conf_load_buf("t.conf", buf, c, err, errlen);
}

START_TEST(test_owner_good)
{
	struct gw_conf *c, *d;
	char err[512] = "", *text = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_msg(load("owner = nobody", "owner = { \"root\", \"@nogroup\" }",
			   "readers_group = \"daemon\"\n", &c, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(c->networks[0].owners.n, 1);
	ck_assert_str_eq(c->networks[0].owners.v[0].name, "nobody");
	ck_assert(!c->networks[0].owners.v[0].group);
	ck_assert_uint_eq(c->networks[0].owners.v[0].uid, 65534);
	ck_assert_uint_eq(c->networks[1].owners.n, 2);
	ck_assert_uint_eq(c->networks[1].owners.v[0].uid, 0);
	ck_assert(c->networks[1].owners.v[1].group);
	ck_assert_str_eq(c->networks[1].owners.v[1].name, "nogroup");
	ck_assert_uint_eq(c->networks[1].owners.v[1].gid, 65534);
	ck_assert_uint_eq(c->readers_gid, 1);
	ck_assert_str_eq(c->readers_group, "daemon");
	/* the printer's round trip */
	f = open_memstream(&text, &len);
	conf_print(f, c);
	fclose(f);
	ck_assert_msg(strstr(text, "    owner       = {\"root\", \"@nogroup\"}\n") &&
			      strstr(text, "readers_group = \"daemon\"\n"),
		      "%s", text);
	ck_assert_msg(conf_load_buf("p.conf", text, &d, err, sizeof(err)) == 0, "%s", err);
	ck_assert(conf_owners_equal(&c->networks[0], &d->networks[0]));
	ck_assert(conf_owners_equal(&c->networks[1], &d->networks[1]));
	ck_assert(!conf_owners_equal(&c->networks[0], &d->networks[1]));
	ck_assert_uint_eq(d->readers_gid, 1);
	conf_free(d);
	free(text);
	conf_free(c);
	/* no owner: nobody but root and the readers; no readers_group: the
	 * group gatewayd, if this machine has one */
	ck_assert_msg(load("", "", "", &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(c->networks[0].owners.n, 0);
	ck_assert_uint_eq(c->readers_gid,
			  getgrnam("gatewayd") ? getgrnam("gatewayd")->gr_gid : (gid_t)-1);
	conf_free(c);
}
END_TEST

START_TEST(test_owner_refused)
{
	static const struct {
		const char *n, *m, *rest, *want;
	} cases[] = {
		{ "owner = \"gw-no-such-user\"", "", "",
		  "t.conf:3: network \"n\": owner \"gw-no-such-user\": no user \"gw-no-such-user\" "
		  "on this system" },
		{ "", "owner = { nobody, \"@gw-no-such-group\" }", "",
		  "t.conf:7: network \"m\": owner \"@gw-no-such-group\": no group "
		  "\"gw-no-such-group\" on this system" },
		{ "owner = \"-x\"", "", "",
		  "t.conf:3: network \"n\": owner \"-x\" is not a user name or @group (1-32 "
		  "letters, digits, '.', '_' or '-', not starting with '-')" },
		{ "owner = \"@\"", "", "",
		  "t.conf:3: network \"n\": owner \"@\" is not a user name or @group (1-32 "
		  "letters, digits, '.', '_' or '-', not starting with '-')" },
		{ "owner = { root, root, root, root, root, root, root, root, nobody }", "", "",
		  "t.conf:3: network \"n\": at most 8 owners (make the rest members of an "
		  "@group)" },
		{ "", "", "readers_group = \"gw-no-such-group\"\n",
		  "t.conf:9: readers_group \"gw-no-such-group\": no group of that name on this "
		  "system" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gw_conf *c = NULL;
		char err[512] = "";

		ck_assert_msg(load(cases[i].n, cases[i].m, cases[i].rest, &c, err, sizeof(err)) < 0,
			      "case %zu accepted", i);
		ck_assert_str_eq(err, cases[i].want);
		ck_assert_ptr_null(c);
	}
}
END_TEST

/* listen_addresses (conf/listen.c): a network's own, refused where they
 * would be a guest's, twice, another network's, or another network's
 * forward's; printed back as read. */
START_TEST(test_listen_addresses)
{
	static const struct {
		const char *n, *m, *want;
	} bad[] = {
		{ "listen_addresses = \"x\"", "",
		  "t.conf:3: network \"n\": listen_addresses: \"x\" is not an IPv4 or IPv6 "
		  "address" },
		{ "listen_addresses = \"127.0.0.2\"", "",
		  "t.conf:3: network \"n\": listen_addresses: \"127.0.0.2\" is not a unicast "
		  "address of the host (unspecified, loopback, multicast or reserved)" },
		{ "listen_addresses = \"10.214.0.9\"", "",
		  "t.conf:3: network \"n\": listen_addresses: 10.214.0.9 is inside network "
		  "\"m\"'s subnet: a guest's address, not the host's" },
		{ "listen_addresses = \"198.51.100.7\"", "listen_addresses = \"198.51.100.7\"",
		  "t.conf:7: network \"m\": listen_addresses: 198.51.100.7 is network \"n\"'s "
		  "already" },
		{ "listen_addresses = { \"2001:db8::7\", \"2001:db8::7\" }", "",
		  "t.conf:3: network \"n\": listen_addresses: 2001:db8::7 twice" },
		{ "listen_addresses = \"198.51.100.7\"",
		  "forward w { proto = tcp port = 80 to = \"10.214.0.9:80\"\nlisten = "
		  "\"198.51.100.7\" }",
		  "t.conf:8: network \"m\": forward \"w\": listen 198.51.100.7 is network \"n\"'s "
		  "(its listen_addresses)" },
		{ "listen_addresses = \"198.51.100.7\"",
		  "forward w { proto = tcp port = 80 to = \"10.214.0.9:80\" }",
		  "t.conf:7: network \"m\": forward \"w\" listens on every address, network "
		  "\"n\"'s listen_addresses too: give it a listen address" },
	};
	struct gw_conf *c;
	char err[512] = "", *text = NULL;
	size_t len = 0;
	FILE *f;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = NULL;
		ck_assert_msg(load(bad[i].n, bad[i].m, "", &c, err, sizeof(err)) < 0,
			      "case %zu accepted", i);
		ck_assert_str_eq(err, bad[i].want);
	}
	ck_assert_msg(load("listen_addresses = { \"198.51.100.7\", \"2001:db8::7\" }",
			   "forward w { proto = tcp port = 80 to = \"10.214.0.9:80\" listen = "
			   "\"198.51.100.9\" }",
			   "", &c, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(c->networks[0].laddrs.n, 2);
	ck_assert_ptr_eq(conf_listen_holder(c, AF_INET, &c->networks[0].laddrs.v[0].a),
			 &c->networks[0]);
	ck_assert(conf_listen_others(c, &c->networks[1]));
	ck_assert(!conf_listen_others(c, &c->networks[0]));
	f = open_memstream(&text, &len);
	conf_print(f, c);
	fclose(f);
	ck_assert_msg(strstr(text, "    listen_addresses = {\"198.51.100.7\", \"2001:db8::7\"}\n"),
		      "%s", text);
	free(text);
	conf_free(c);
}
END_TEST

static struct ctl_peer peer(uid_t uid, gid_t gid, size_t n, const gid_t *groups)
{
	struct ctl_peer p = { .uid = uid, .gid = gid, .n_groups = n };

	memcpy(p.groups, groups, n * sizeof(gid_t));
	return p;
}

START_TEST(test_authz_decides)
{
	/* n: nobody's; m: group daemon's; readers: nogroup */
	static const gid_t daemon_g[] = { 7, 1 }, nogroup_g[] = { 65534 }, other_g[] = { 7, 8 };
	struct gw_ctx ctx = { 0 };
	struct gw_conf *c;
	char err[512] = "", who[64];
	const struct gw_network *n, *m;
	struct ctl_peer root = peer(0, 0, 0, NULL), nob = peer(65534, 100, 0, NULL),
			dmn = peer(4242, 100, 2, daemon_g), dmn1 = peer(4242, 1, 0, NULL),
			rdr = peer(4243, 100, 1, nogroup_g), none = peer(4244, 100, 2, other_g),
			hidden = peer(4245, 100, 0, daemon_g), byuid = ctl_peer_uid(65534);

	ck_assert_msg(load("owner = nobody", "owner = \"@daemon\"", "readers_group = nogroup\n", &c,
			   err, sizeof(err)) == 0,
		      "%s", err);
	ctx.conf = c;
	n = &c->networks[0];
	m = &c->networks[1];
	/* root: everything */
	ck_assert(authz_sees_all(&ctx, &root) && authz_sees(&ctx, &root, m) &&
		  authz_manages(&ctx, &root, n) && authz_manages(&ctx, &root, m));
	/* an owner by uid: their network, not the other */
	ck_assert(authz_sees(&ctx, &nob, n) && authz_manages(&ctx, &nob, n));
	ck_assert(!authz_sees(&ctx, &nob, m) && !authz_manages(&ctx, &nob, m));
	ck_assert(authz_sees_any(&ctx, &nob) && !authz_sees_all(&ctx, &nob));
	ck_assert(authz_sees(&ctx, &byuid, n) && !authz_sees(&ctx, &byuid, m));
	/* an owner by group: supplementary or primary */
	ck_assert(authz_sees(&ctx, &dmn, m) && authz_manages(&ctx, &dmn, m));
	ck_assert(!authz_sees(&ctx, &dmn, n) && !authz_manages(&ctx, &dmn, n));
	ck_assert(authz_manages(&ctx, &dmn1, m) && !authz_sees(&ctx, &dmn1, n));
	/* only the groups the kernel gave count */
	ck_assert(!authz_sees(&ctx, &hidden, m) && !authz_sees_any(&ctx, &hidden));
	/* the readers: see all, change nothing */
	ck_assert(authz_sees_all(&ctx, &rdr) && authz_sees(&ctx, &rdr, n) &&
		  authz_sees(&ctx, &rdr, m));
	ck_assert(!authz_manages(&ctx, &rdr, n) && !authz_manages(&ctx, &rdr, m));
	/* anyone else: nothing */
	ck_assert(!authz_sees_any(&ctx, &none) && !authz_sees(&ctx, &none, n) &&
		  !authz_manages(&ctx, &none, m));
	/* names for the log come from the config, never from NSS */
	ck_assert_str_eq(authz_peer_name(&ctx, &nob, who, sizeof(who)), "uid 65534 (nobody)");
	ck_assert_str_eq(authz_peer_name(&ctx, &root, who, sizeof(who)), "uid 0 (root)");
	ck_assert_str_eq(authz_peer_name(&ctx, &dmn, who, sizeof(who)), "uid 4242");
	/* no readers group: nobody reads all but root */
	c->readers_gid = (gid_t)-1;
	ck_assert(!authz_sees_all(&ctx, &rdr) && !authz_sees_any(&ctx, &rdr));
	/* before any config: root only */
	ctx.conf = NULL;
	ck_assert(authz_sees_all(&ctx, &root) && !authz_sees_any(&ctx, &nob));
	conf_free(c);
}
END_TEST

/* cmd_pick_seen or cmd_pick_managed (what != NULL): its code, its words
 * into buf with net replaced by NET. */
static int pick(struct gw_ctx *ctx, const struct ctl_peer *p, const char *net, const char *what,
		char *buf, size_t len)
{
	char *text = NULL, q[64], *at;
	size_t tlen = 0;
	FILE *f = open_memstream(&text, &tlen);
	long which;
	int code = what ? cmd_pick_managed(ctx, p, net, what, &which, f)
			: cmd_pick_seen(ctx, p, net, &which, f);

	fclose(f);
	snprintf(buf, len, "%s", text);
	snprintf(q, sizeof(q), "\"%s\"", net);
	if ((at = strstr(buf, q))) {
		memmove(at + 5, at + strlen(q), strlen(at + strlen(q)) + 1);
		memcpy(at, "\"NET\"", 5);
	}
	free(text);
	return code;
}

START_TEST(test_pick_refusals)
{
	struct gw_ctx ctx = { 0 };
	struct gw_conf *c;
	char err[512] = "", a[256], b[256];
	static const gid_t nogroup_g[] = { 65534 };
	struct ctl_peer root = peer(0, 0, 0, NULL), nob = peer(65534, 100, 0, NULL),
			rdr = peer(4243, 100, 1, nogroup_g);

	ck_assert_msg(
		load("owner = nobody", "", "readers_group = nogroup\n", &c, err, sizeof(err)) == 0,
		"%s", err);
	ctx.conf = c;
	/* an owner: another's network and none at all, the same words */
	ck_assert_int_eq(pick(&ctx, &nob, "m", NULL, a, sizeof(a)), CTL_DENIED);
	ck_assert_int_eq(pick(&ctx, &nob, "zz", NULL, b, sizeof(b)), CTL_DENIED);
	ck_assert_str_eq(a, b);
	ck_assert_str_eq(a, "permission denied: no network \"NET\" of yours\n");
	ck_assert_int_eq(pick(&ctx, &nob, "m", "add a tap on it", a, sizeof(a)), CTL_DENIED);
	ck_assert_int_eq(pick(&ctx, &nob, "zz", "add a tap on it", b, sizeof(b)), CTL_DENIED);
	ck_assert_str_eq(a, b);
	ck_assert_int_eq(pick(&ctx, &nob, "n", "add a tap on it", a, sizeof(a)), CTL_OK);
	/* who sees every network may be told there is none */
	ck_assert_int_eq(pick(&ctx, &root, "zz", NULL, a, sizeof(a)), CTL_NO_NET);
	ck_assert_str_eq(a, "no network \"NET\"\n");
	ck_assert_int_eq(pick(&ctx, &rdr, "zz", NULL, a, sizeof(a)), CTL_NO_NET);
	/* a reader sees, and may not change */
	ck_assert_int_eq(pick(&ctx, &rdr, "m", NULL, a, sizeof(a)), CTL_OK);
	ck_assert_int_eq(pick(&ctx, &rdr, "m", "add a tap on it", a, sizeof(a)), CTL_DENIED);
	ck_assert_str_eq(a, "permission denied: only root or an owner of network \"NET\" may add a "
			    "tap on it\n");
	ck_assert_int_eq(pick(&ctx, &root, "m", "add a tap on it", a, sizeof(a)), CTL_OK);
	conf_free(c);
}
END_TEST

START_TEST(test_peer_get)
{
	int sv[2];
	struct ctl_peer p;
	gid_t mine[CTL_PEER_GROUPS];
	int n = getgroups(CTL_PEER_GROUPS, mine);

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(ctl_peer_get(sv[0], &p), 0);
	ck_assert_uint_eq(p.uid, getuid());
	ck_assert_uint_eq(p.gid, getgid());
	if (n >= 0)
		ck_assert_uint_eq(p.n_groups, (size_t)n);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

Suite *authz_suite(void)
{
	Suite *s = suite_create("authz");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_owner_good);
	tcase_add_test(tc, test_owner_refused);
	tcase_add_test(tc, test_listen_addresses);
	tcase_add_test(tc, test_authz_decides);
	tcase_add_test(tc, test_pick_refusals);
	tcase_add_test(tc, test_peer_get);
	suite_add_tcase(s, tc);
	return s;
}
