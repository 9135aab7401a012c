/* Port forwards: each config error with FILE:LINE; one DNAT rule per
 * family whatever the number of forwards; the batch parsed back with
 * libnftnl (rules as `nft --debug=netlink` prints them, elements byte for
 * byte); adding one forward by reload is element updates only. */
#include "suites.h"
#include "conf/conf.h"
#include "nft/batch.h"
#include "nft/plan.h"
#include "nft/update.h"
#include "gatewayd/core/forwards_rt.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

static const char *const ups[] = { "eth0", "eth0", "eth0" };

/* Two networks; fa and fb are spliced into them (line 5 of the text is
 * the first line of fa). */
static int load(const char *fa, const char *fb, struct gw_conf **c, char *err, size_t len)
{
	char text[1 << 16];

	snprintf(text, sizeof(text),
		 "network a {\n"
		 " bridge = gw0\n"
		 " ipv4 = \"10.213.0.1/24\"\n"
		 " ipv6 = \"fd42:213::1/64\"\n"
		 "%s"
		 "}\n"
		 "network b {\n"
		 " bridge = gw1\n"
		 " ipv4 = \"10.214.0.1/24\"\n"
		 "%s"
		 "}\n",
		 fa ? fa : "", fb ? fb : "");
	return conf_load_buf("f.conf", text, c, err, len);
}

static const struct {
	const char *a, *b, *err;
} bad[] = {
	{ " forward x { proto = sctp\n port = 1\n to = \"10.213.0.9:1\" }\n", NULL,
	  "f.conf:5: network \"a\": forward \"x\": proto \"sctp\" is not tcp or udp" },
	{ " forward x {\n port = 0\n to = \"10.213.0.9:1\" }\n", NULL,
	  "f.conf:6: network \"a\": forward \"x\": port \"0\" is not a port" },
	{ " forward x {\n port = \"9-3\"\n to = \"10.213.0.9:1\" }\n", NULL,
	  "f.conf:6: network \"a\": forward \"x\": port \"9-3\" is not a port" },
	{ " forward x {\n port = 70000\n to = \"10.213.0.9:1\" }\n", NULL,
	  "f.conf:6: network \"a\": forward \"x\": port \"70000\" is not a port" },
	{ " forward x {\n port = 22\n to = \"10.213.0.9:x\" }\n", NULL,
	  "f.conf:7: network \"a\": forward \"x\": to \"10.213.0.9:x\" is not \"ADDRESS:PORT\"" },
	{ " forward x {\n port = 22\n to = \"fd42:213::9:22\" }\n", NULL,
	  "f.conf:7: network \"a\": forward \"x\": to \"fd42:213::9:22\" is not" },
	/* a target outside the network's subnets */
	{ " forward x {\n port = 22\n to = \"10.214.0.9:22\" }\n", NULL,
	  "f.conf:7: network \"a\": forward \"x\": to \"10.214.0.9:22\" is outside 10.213.0.0/24" },
	{ " forward x {\n port = 22\n to = \"10.213.0.1:22\" }\n", NULL,
	  "f.conf:7: network \"a\": forward \"x\": to \"10.213.0.1:22\" is the gateway" },
	{ NULL, " forward x {\n port = 22\n to = \"[fd42:213::9]:22\" }\n",
	  "f.conf:11: network \"b\": forward \"x\": to \"[fd42:213::9]:22\" is IPv6 but the "
	  "network has no ipv6" },
	/* a range mapped to a range of another size */
	{ " forward x {\n port = \"8000-8009\"\n to = \"10.213.0.9:80-85\" }\n", NULL,
	  "f.conf:7: network \"a\": forward \"x\": 10 listen ports mapped to 6 target ports" },
	{ " forward x {\n port = 8000\n to = \"10.213.0.9:80-81\" }\n", NULL,
	  "f.conf:7: network \"a\": forward \"x\": 1 listen port mapped to 2 target ports" },
	{ " forward x {\n port = \"1000-3000\"\n to = \"10.213.0.9:1000-3000\" }\n", NULL,
	  "f.conf:6: network \"a\": forward \"x\": a forward may have at most 1024 ports, "
	  "not 2001" },
	{ " forward x {\n port = 22\n to = \"10.213.0.9\"\n listen = \"fd00::1\" }\n", NULL,
	  "f.conf:8: network \"a\": forward \"x\": listen \"fd00::1\" and to 10.213.0.9 are not "
	  "of the same address family" },
	{ " forward x {\n port = 22\n to = \"10.213.0.9\"\n listen = \"127.0.0.1\" }\n", NULL,
	  "f.conf:8: network \"a\": forward \"x\": listen \"127.0.0.1\" is not a unicast" },
	{ " forward x {\n proto = udp\n port = 53\n to = \"10.213.0.9\" }\n", NULL,
	  "f.conf:7: network \"a\": forward \"x\": udp port 53 on every address would take "
	  "over the guests' DNS/DHCP" },
	/* listen: only a unicast address that can be the host's (issue 16, 13) */
	{ " forward x {\n port = 22\n to = \"10.213.0.9\"\n listen = \"0.0.0.0\" }\n", NULL,
	  "f.conf:8: network \"a\": forward \"x\": listen \"0.0.0.0\" is not a unicast address "
	  "of the host: the unspecified address (leave listen out for every address of the "
	  "host)" },
	{ " forward x {\n port = 22\n to = \"10.213.0.9\"\n listen = \"224.0.0.5\" }\n", NULL,
	  "f.conf:8: network \"a\": forward \"x\": listen \"224.0.0.5\" is not a unicast address "
	  "of the host: a multicast address" },
	{ " forward x {\n port = 22\n to = \"10.213.0.9\"\n listen = \"255.255.255.255\" }\n", NULL,
	  "f.conf:8: network \"a\": forward \"x\": listen \"255.255.255.255\" is not a unicast "
	  "address of the host: the broadcast address" },
	{ " forward x {\n port = 22\n to = \"[fd42:213::9]\"\n listen = \"fe80::1\" }\n", NULL,
	  "f.conf:8: network \"a\": forward \"x\": listen \"fe80::1\" is not a unicast address of "
	  "the host: a link-local address" },
	/* a guest's address (another network's: a routed guest's /32 would
	 * be announced over BGP), or its own network's */
	{ " forward x {\n port = 22\n to = \"10.213.0.9\"\n listen = \"10.214.0.7\" }\n", NULL,
	  "f.conf:8: network \"a\": forward \"x\": listen \"10.214.0.7\" is inside network "
	  "\"b\"'s subnet 10.214.0.0/24: a guest's address, not the host's" },
	{ " forward x {\n port = 22\n to = \"10.213.0.9\"\n listen = \"10.213.0.255\" }\n", NULL,
	  "f.conf:8: network \"a\": forward \"x\": listen \"10.213.0.255\" is inside network "
	  "\"a\"'s subnet 10.213.0.0/24" },
	/* another network's gateway, on its DNS port (issue 16, 14), and a
	 * gateway at all, IPv6 too */
	{ NULL,
	  " forward x {\n proto = udp\n port = 53\n to = \"10.214.0.9\"\n listen = "
	  "\"10.213.0.1\" }\n",
	  "f.conf:13: network \"b\": forward \"x\": listen \"10.213.0.1\" is the gateway address "
	  "of "
	  "network \"a\", where its guests' DNS and DHCP are served: a forward may not listen "
	  "on a gateway address" },
	{ " forward x {\n port = 8080\n to = \"10.213.0.9\"\n listen = \"10.214.0.1\" }\n", NULL,
	  "f.conf:8: network \"a\": forward \"x\": listen \"10.214.0.1\" is the gateway address of "
	  "network \"b\"" },
	{ " forward x {\n proto = tcp\n port = 53\n to = \"[fd42:213::9]\"\n listen = "
	  "\"fd42:213::1\" }\n",
	  NULL,
	  "f.conf:9: network \"a\": forward \"x\": listen \"fd42:213::1\" is the gateway address "
	  "of network \"a\"" },
	/* two forwards on one listen address, port and proto */
	{ " forward x {\n port = 22\n to = \"10.213.0.9\" }\n"
	  " forward y {\n port = 22\n to = \"10.213.0.8\" }\n",
	  NULL,
	  "f.conf:9: network \"a\": forward \"y\": tcp port 22 on every address overlaps "
	  "forward \"x\" of network \"a\" (line 6)" },
	/* overlapping ranges, across networks */
	{ " forward x {\n port = \"8000-8009\"\n to = \"10.213.0.9:80\" }\n",
	  " forward y {\n port = \"8005-8100\"\n to = \"10.214.0.9:80\" }\n",
	  "f.conf:13: network \"b\": forward \"y\": tcp ports 8005-8100 on every address overlaps "
	  "forward \"x\" of network \"a\" (line 6)" },
	/* one on every address, one on a given address */
	{ " forward x {\n port = 2222\n to = \"10.213.0.9:22\" }\n",
	  " forward y {\n port = 2222\n to = \"10.214.0.9:22\"\n listen = \"198.51.100.7\" }\n",
	  "f.conf:13: network \"b\": forward \"y\": tcp port 2222 on 198.51.100.7 overlaps "
	  "forward \"x\" of network \"a\" (line 6)" },
	/* nothing enters an isolated network */
	{ " mode = isolated\n forward x {\n port = 1\n to = \"10.213.0.9\" }\n", NULL,
	  "f.conf:7: network \"a\": forward \"x\": an isolated network takes no port forwards" },
	/* one name twice in a network */
	{ " forward x {\n port = 1\n to = \"10.213.0.9\" }\n"
	  " forward x {\n port = 2\n to = \"10.213.0.9\" }\n",
	  NULL, "f.conf:8:" },
};

START_TEST(test_forward_errors)
{
	struct gw_conf *c;
	char err[512];

	ck_assert_int_lt(load(bad[_i].a, bad[_i].b, &c, err, sizeof(err)), 0);
	ck_assert_msg(!strncmp(err, bad[_i].err, strlen(bad[_i].err)),
		      "case %d: got \"%s\"\nwant \"%s\"", _i, err, bad[_i].err);
}
END_TEST

/* Many forwards: network a with n forwards of port 80, one per line from
 * line 4, each on its own listen address (198.51.X.Y), hosts h0..h2 on
 * lines 4 + n.., then tail, then network b with forwards f0..f2 (names
 * are per network). */
static int load_many(int n, const char *tail, struct gw_conf **c, char *err, size_t len)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	int r;

	ck_assert_ptr_nonnull(f);
	fprintf(f, "network a {\n bridge = gw0\n ipv4 = \"10.213.0.1/24\"\n");
	for (int i = 0; i < n; i++)
		fprintf(f,
			" forward f%d { port = 80 to = \"10.213.0.9\" listen = \"198.51.%d.%d\" "
			"}\n",
			i, i / 200, i % 200 + 1);
	for (int i = 0; i < 3; i++)
		fprintf(f, " host h%d { mac = \"52:54:00:00:00:%02x\" }\n", i, i + 1);
	fprintf(f, "%s}\nnetwork b {\n bridge = gw1\n ipv4 = \"10.214.0.1/24\"\n", tail);
	for (int i = 0; i < 3; i++)
		fprintf(f,
			" forward f%d { port = 81 to = \"10.214.0.9\" listen = \"203.0.113.%d\" "
			"}\n",
			i, i + 1);
	fprintf(f, "}\n");
	ck_assert_int_eq(fclose(f), 0);
	r = conf_load_buf("m.conf", text, c, err, len);
	free(text);
	return r;
}

/* Among 20,000 forwards, a duplicate name, a duplicate host and an
 * overlap are each refused at their line, as with two. */
static const struct {
	const char *tail, *err;
} many_bad[] = {
	/* line 20007: the '{' of the second f17 */
	{ " forward f17\n {\n port = 1\n to = \"10.213.0.9\" }\n",
	  "m.conf:20008: found duplicate title 'f17'" },
	{ " host h1 { mac = \"52:54:00:00:00:09\" }\n",
	  "m.conf:20007: found duplicate title 'h1'" },
	/* f1234 listens on 198.51.6.35 */
	{ " forward late {\n port = \"79-81\"\n to = \"10.213.0.9\"\n listen = \"198.51.6.35\" }\n",
	  "m.conf:20008: network \"a\": forward \"late\": tcp ports 79-81 on 198.51.6.35 overlaps "
	  "forward \"f1234\" of network \"a\" (line 1238)" },
	{ " forward any {\n port = 80\n to = \"10.213.0.9\" }\n",
	  "m.conf:20008: network \"a\": forward \"any\": tcp port 80 on every address overlaps "
	  "forward \"f0\" of network \"a\" (line 4)" },
};

START_TEST(test_forward_many_errors)
{
	struct gw_conf *c;
	char err[512];

	ck_assert_int_lt(load_many(20000, many_bad[_i].tail, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(err, many_bad[_i].err);
}
END_TEST

START_TEST(test_forward_many_ok)
{
	struct gw_conf *c;
	char err[512] = "";

	/* the same port on another address, or udp; network b's names
	 * are a's too */
	ck_assert_msg(load_many(20000,
				" forward late { port = 80 to = \"10.213.0.9\" listen = "
				"\"198.51.0.201\" }\n"
				" forward u { proto = udp port = 80 to = \"10.213.0.9\" }\n",
				&c, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(c->networks[0].fwd.n, 20002);
	ck_assert_str_eq(c->networks[0].fwd.v[19999].name, "f19999");
	ck_assert_str_eq(c->networks[0].fwd.v[20001].name, "u");
	ck_assert_uint_eq(c->networks[0].hosts.n, 3);
	ck_assert_uint_eq(c->networks[1].fwd.n, 3);
	ck_assert_str_eq(c->networks[1].fwd.v[2].name, "f2");
	conf_free(c);
}
END_TEST

/* BIRD listens on tcp/179: no forward may take it while a bgp section
 * exists; without one, or udp, it is a port like any other. */
START_TEST(test_forward_bgp_port)
{
	static const char bgp[] = "bgp {\n local_as = 64512\n neighbor up { address = "
				  "\"198.51.100.1\"  as = 64500 }\n}\n";
	static const char *const fwd[] = {
		" forward x {\n port = 179\n to = \"10.213.0.9\" }\n",
		" forward x {\n port = \"100-200\"\n to = \"10.213.0.9\"\n listen = "
		"\"198.51.100.7\" }\n",
		" forward x {\n proto = udp\n port = 179\n to = \"10.213.0.9\" }\n",
	};
	char text[1024], err[512];
	struct gw_conf *c;

	for (int with_bgp = 0; with_bgp < 2; with_bgp++)
		for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++) {
			int r;

			snprintf(text, sizeof(text),
				 "network a {\n bridge = gw0\n ipv4 = \"10.213.0.1/24\"\n%s}\n%s",
				 fwd[i], with_bgp ? bgp : "");
			r = conf_load_buf("f.conf", text, &c, err, sizeof(err));
			if (with_bgp && i < 2) {
				ck_assert_int_lt(r, 0);
				ck_assert_str_eq(err,
						 "f.conf:5: network \"a\": forward \"x\": tcp port "
						 "179 is BGP's, and the bgp section makes BIRD "
						 "listen there: the router's session would reach "
						 "a guest");
				continue;
			}
			ck_assert_msg(r == 0, "%s: %s", text, err);
			conf_free(c);
		}
}
END_TEST

/* An auto subnet is known only at start: preflight asks again with it
 * resolved (gatewayd/host/preflight.c). */
START_TEST(test_forward_listen_auto)
{
	struct gw_conf *c;
	char err[512], msg[400];
	struct in_addr sub;

	ck_assert_msg(
		load(" forward x {\n port = 22\n to = \"10.213.0.9\"\n listen = \"10.77.0.1\" }\n",
		     NULL, &c, err, sizeof(err)) == 0,
		"%s", err);
	conf_free(c);
	ck_assert_msg(conf_load_buf("f.conf",
				    "network a {\n bridge = gw0\n ipv4 = \"10.213.0.1/24\"\n"
				    " forward x { port = 22  to = \"10.213.0.9\"  listen = "
				    "\"10.77.0.1\" }\n}\n"
				    "network b {\n bridge = gw1\n ipv4 = auto\n}\n",
				    &c, err, sizeof(err)) == 0,
		      "%s", err);
	/* unresolved: nothing to compare with */
	ck_assert_ptr_null(conf_forward_listen_net(c, &c->networks[0].fwd.v[0], true));
	inet_pton(AF_INET, "10.77.0.0", &sub);
	conf_network_set_ipv4(&c->networks[1], sub, 24);
	ck_assert_ptr_null(conf_forward_listen_net(c, &c->networks[0].fwd.v[0], false));
	ck_assert_ptr_eq(conf_forward_listen_net(c, &c->networks[0].fwd.v[0], true),
			 &c->networks[1]);
	conf_forward_listen_msg(msg, sizeof(msg), &c->networks[0], &c->networks[0].fwd.v[0],
				&c->networks[1]);
	ck_assert_str_eq(msg,
			 "network \"a\": forward \"x\": listen \"10.77.0.1\" is the gateway "
			 "address of network \"b\", where its guests' DNS and DHCP are served: "
			 "a forward may not listen on a gateway address");
	conf_free(c);
}
END_TEST

/* What may stand side by side. */
START_TEST(test_forward_ok)
{
	struct gw_conf *c;
	char err[512];
	const struct gw_forward *f;

	ck_assert_msg(
		load(" forward ssh {\n port = 2222\n to = \"10.213.0.10:22\" }\n"
		     " forward ssh_udp {\n proto = udp\n port = 2222\n to = \"10.213.0.10:22\" }\n"
		     " forward ssh6 {\n port = 2222\n to = \"[fd42:213::10]:22\" }\n"
		     " forward web {\n port = \"8000-8009\"\n to = \"10.213.0.11:80-89\" }\n"
		     " forward dns {\n proto = udp\n port = 53\n to = \"10.213.0.12\"\n listen = "
		     "\"198.51.100.7\" }\n",
		     " forward dns {\n proto = udp\n port = 53\n to = \"10.214.0.12\"\n listen = "
		     "\"198.51.100.8\" }\n"
		     " forward web {\n port = 8010\n to = \"10.214.0.11:80\" }\n",
		     &c, err, sizeof(err)) == 0,
		"%s", err);
	ck_assert_uint_eq(c->networks[0].fwd.n, 5);
	f = &c->networks[0].fwd.v[3];
	ck_assert_str_eq(f->name, "web");
	ck_assert_uint_eq(f->port_min, 8000);
	ck_assert_uint_eq(f->port_max, 8009);
	ck_assert_uint_eq(f->to_min, 80);
	ck_assert_uint_eq(f->to_max, 89);
	ck_assert(f->listen_any);
	f = &c->networks[0].fwd.v[4];
	ck_assert(!f->listen_any);
	ck_assert_uint_eq(f->to_min, 53); /* no port: the listen port */
	ck_assert_int_eq(c->networks[0].fwd.v[2].family, AF_INET6);
	conf_free(c);
}
END_TEST

static size_t rules_in(const struct nft_plan *p, size_t chain)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_rules; i++)
		n += p->rules[i].chain == chain;
	return n;
}

static const struct nft_set_plan *set_named(const struct nft_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_sets; i++)
		if (!strcmp(p->sets[i].name, name))
			return &p->sets[i];
	ck_abort_msg("no set %s", name);
	return NULL;
}

static char *forwards_text(size_t n, size_t first_port)
{
	char *t = malloc(n * 80 + 1);
	size_t off = 0;

	t[0] = '\0';
	for (size_t i = 0; i < n; i++)
		off += (size_t)sprintf(t + off,
				       " forward f%zu { port = %zu to = \"10.213.0.10:80\" }\n", i,
				       first_port + i);
	return t;
}

static long chain_named(const struct nft_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_chains; i++)
		if (p->chains[i].family == NFPROTO_INET && !strcmp(p->chains[i].name, name))
			return (long)i;
	return -1;
}

/* The same DNAT rules for 1 or 1,000 forwards -- per family, one for the
 * forwards on every address and one for those with a listen address: the
 * forwards are elements of hash maps; one fib lookup per hook leads
 * there. */
START_TEST(test_forward_flat)
{
	static const size_t counts[] = { 1, 1000 };
	static const char *const dnat[] = {
		"dnat ip to ip daddr . meta l4proto . th dport map @fwd4_at",
		"meta nfproto ipv4 dnat ip to meta l4proto . th dport map @fwd4",
		"dnat ip6 to ip6 daddr . meta l4proto . th dport map @fwd6_at",
		"meta nfproto ipv6 dnat ip6 to meta l4proto . th dport map @fwd6",
	};

	for (size_t k = 0; k < 2; k++) {
		char *t = forwards_text(counts[k], 20000), err[512];
		struct gw_conf *c;
		struct nft_plan p;
		char line[1024];
		size_t n = 0;

		ck_assert_msg(load(t, NULL, &c, err, sizeof(err)) == 0, "%s", err);
		ck_assert_int_eq(nft_plan_build(c, ups, false, &p), 0);
		ck_assert_uint_eq(rules_in(&p, NC_PREROUTING), 1);
		ck_assert_uint_eq(rules_in(&p, NC_OUTPUT), 2);
		ck_assert(!p.chains[NC_PREROUTING].absent && !p.chains[NC_OUTPUT].absent);
		ck_assert_int_ge(chain_named(&p, "fwd_dnat"), 0);
		ck_assert_uint_eq(rules_in(&p, (size_t)chain_named(&p, "fwd_dnat")), 4);
		for (size_t i = 0; i < p.n_rules; i++) {
			if (p.rules[i].chain == NC_PREROUTING) {
				nft_rule_format(&p.rules[i], line, sizeof(line));
				ck_assert_str_eq(line, "fib daddr type local jump fwd_dnat");
			}
			if (p.rules[i].chain != (size_t)chain_named(&p, "fwd_dnat"))
				continue;
			nft_rule_format(&p.rules[i], line, sizeof(line));
			ck_assert_str_eq(line, dnat[n++]);
		}
		ck_assert_uint_eq(set_named(&p, "fwd4")->n_elems, counts[k]);
		ck_assert_uint_eq(set_named(&p, "fwd_count4")->n_elems, counts[k]);
		ck_assert_uint_eq(set_named(&p, "fwd4_at")->n_elems, 0);
		ck_assert_uint_eq(set_named(&p, "fwd_hairpin4")->n_elems, 1);
		ck_assert_uint_eq(set_named(&p, "fwd_hairpin6")->n_elems, 1);
		ck_assert_str_eq(set_named(&p, "fwd_count4")->elems[counts[k] - 1].comment,
				 counts[k] == 1 ? "a/f0" : "a/f999");
		nft_plan_release(&p);
		conf_free(c);
		free(t);
	}
}
END_TEST

/* One element per port, in the map of its listen kind: a range to one
 * port maps every port there, a range to a range port for port. */
START_TEST(test_forward_elements)
{
	struct gw_conf *c;
	struct nft_plan p;
	char err[512];
	const struct nft_set_plan *m;
	static const uint8_t one_key[8] = { 6, 0, 0, 0, 0x1f, 0x49 },
			     one_data[8] = { 10, 213, 0, 11, 0, 80 },
			     rr_key[12] = { 198, 51, 100, 7, 17, 0, 0, 0, 0x23, 0x2a },
			     rr_data[8] = { 10, 213, 0, 11, 0, 92 };

	ck_assert_msg(load(" forward web {\n port = \"8000-8009\"\n to = \"10.213.0.11:80\" }\n"
			   " forward r {\n proto = udp\n port = \"9000-9002\"\n to = "
			   "\"10.213.0.11:90-92\"\n listen = \"198.51.100.7\" }\n",
			   NULL, &c, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_int_eq(nft_plan_build(c, ups, false, &p), 0);
	m = set_named(&p, "fwd4");
	ck_assert(m->data && !m->interval && !m->vmap);
	ck_assert_uint_eq(m->n_elems, 10);
	/* tcp . 8009 : 10.213.0.11 . 80 */
	ck_assert_mem_eq(m->elems[9].key.raw, one_key, 8);
	ck_assert_mem_eq(m->elems[9].data, one_data, 8);
	/* 198.51.100.7 . udp . 9002 : 10.213.0.11 . 92 */
	m = set_named(&p, "fwd4_at");
	ck_assert_uint_eq(m->n_elems, 3);
	ck_assert_mem_eq(m->elems[2].key.raw, rr_key, 12);
	ck_assert_mem_eq(m->elems[2].data, rr_data, 8);
	ck_assert_uint_eq(set_named(&p, "fwd_count4")->n_elems, 10);
	ck_assert_uint_eq(set_named(&p, "fwd_count4_at")->n_elems, 3);
	ck_assert_str_eq(set_named(&p, "fwd_count4_at")->elems[2].comment, "a/r");
	nft_plan_release(&p);
	conf_free(c);
}
END_TEST

/* The batch parsed back: the rules' expressions as nft --debug=netlink
 * prints them for the same text, the map's elements with key, key end
 * and data, the counting set's with their comments. */
struct back {
	char rules[64][2048];
	size_t n_rules;
	size_t elems;
	char first_elem[256];
	char comment[128];
};

/* An element's NFTA_DATA_VALUE inside attribute a, or NULL. */
static const uint8_t *value_of(const struct nlattr *a)
{
	const struct nlattr *v;

	if (!a)
		return NULL;
	mnl_attr_for_each_nested(v, a) if (mnl_attr_get_type(v) ==
					   NFTA_DATA_VALUE) return mnl_attr_get_payload(v);
	return NULL;
}

/* libnftnl 1.2.4 does not parse these messages back: their attributes,
 * read with libmnl. */
static void elems_read(const struct nlmsghdr *nlh, const char *set, struct back *b)
{
	const struct nlattr *a, *list = NULL, *e, *x;
	const char *name = NULL;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_SET)
			name = mnl_attr_get_str(a);
		if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_ELEMENTS)
			list = a;
	}
	if (!name || strcmp(name, set) || !list)
		return;
	mnl_attr_for_each_nested(e, list)
	{
		const struct nlattr *tb[NFTA_SET_ELEM_MAX + 1] = { 0 };
		const uint8_t *k, *d;

		mnl_attr_for_each_nested(x, e) if (mnl_attr_get_type(x) <= NFTA_SET_ELEM_MAX)
			tb[mnl_attr_get_type(x)] = x;
		k = value_of(tb[NFTA_SET_ELEM_KEY]);
		d = value_of(tb[NFTA_SET_ELEM_DATA]);
		if (!b->elems++ && k && d)
			snprintf(b->first_elem, sizeof(b->first_elem),
				 "%02x %02x%02x : %u.%u.%u.%u %02x%02x", k[0], k[4], k[5], d[0],
				 d[1], d[2], d[3], d[4], d[5]);
		if (tb[NFTA_SET_ELEM_USERDATA] && !b->comment[0]) {
			const uint8_t *u = mnl_attr_get_payload(tb[NFTA_SET_ELEM_USERDATA]);

			/* one TLV: type 0 (comment), length, the string with its NUL */
			snprintf(b->comment, sizeof(b->comment), "%u %s", u[0],
				 (const char *)u + 2);
		}
	}
}

static void walk(const struct nft_batch *bt, struct back *b, const char *set)
{
	size_t len;
	const struct nlmsghdr *nlh = nft_batch_data(bt, &len);
	int left = (int)len;

	memset(b, 0, sizeof(*b));
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		int type = nlh->nlmsg_type & 0xff;

		if (nlh->nlmsg_type >> 8 != NFNL_SUBSYS_NFTABLES)
			continue;
		if (type == NFT_MSG_NEWRULE && b->n_rules < 64) {
			struct nftnl_rule *r = nftnl_rule_alloc();

			ck_assert_int_eq(nftnl_rule_nlmsg_parse(nlh, r), 0);
			nftnl_rule_snprintf(b->rules[b->n_rules++], 2048, r, NFTNL_OUTPUT_DEFAULT,
					    0);
			nftnl_rule_free(r);
		} else if (type == NFT_MSG_NEWSETELEM) {
			elems_read(nlh, set, b);
		}
	}
}

static const char *rule_of(struct back *b, const char *chain, size_t nth)
{
	char head[64];

	snprintf(head, sizeof(head), "inet gatewayd %s", chain);
	for (size_t i = 0; i < b->n_rules; i++)
		if (!strncmp(b->rules[i], head, strlen(head)) &&
		    (b->rules[i][strlen(head)] == ' ' || b->rules[i][strlen(head)] == '\n') &&
		    nth-- == 0)
			return strchr(b->rules[i], '\n') + 1;
	return "not found";
}

START_TEST(test_forward_batch)
{
	struct gw_conf *c;
	struct nft_plan p;
	struct nft_batch *bt;
	static struct back b;
	char err[512];

	ck_assert_msg(load(" forward web {\n port = \"8000-8009\"\n to = \"10.213.0.11:80\" }\n",
			   NULL, &c, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_int_eq(nft_plan_build(c, ups, false, &p), 0);
	ck_assert_int_eq(nft_batch_replace(&p, 1, 0, &bt), 0);
	walk(bt, &b, "fwd4");
	/* fib daddr type local jump fwd_dnat */
	ck_assert_str_eq(rule_of(&b, "prerouting", 0), "  [ fib daddr type => reg 1 ]\n"
						       "  [ cmp eq reg 1 0x00000002 ]\n"
						       "  [ immediate reg 0 jump -> fwd_dnat ]\n");
	ck_assert_str_eq(rule_of(&b, "prerouting", 1), "not found");
	/* ip daddr != 127.0.0.0/8 fib daddr type local jump fwd_dnat */
	ck_assert_str_eq(rule_of(&b, "output", 0),
			 "  [ meta load nfproto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000002 ]\n"
			 "  [ payload load 4b @ network header + 16 => reg 1 ]\n"
			 "  [ bitwise reg 1 = ( reg 1 & 0x000000ff ) ^ 0x00000000 ]\n"
			 "  [ cmp neq reg 1 0x0000007f ]\n"
			 "  [ fib daddr type => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000002 ]\n"
			 "  [ immediate reg 0 jump -> fwd_dnat ]\n");
	/* dnat ip to ip daddr . meta l4proto . th dport map @fwd4_at */
	ck_assert_str_eq(rule_of(&b, "fwd_dnat", 0),
			 "  [ meta load nfproto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000002 ]\n"
			 "  [ payload load 4b @ network header + 16 => reg 1 ]\n"
			 "  [ meta load l4proto => reg 9 ]\n"
			 "  [ payload load 2b @ transport header + 2 => reg 10 ]\n"
			 "  [ lookup reg 1 set fwd4_at dreg 1 ]\n"
			 "  [ nat dnat ip addr_min reg 1 proto_min reg 9 ]\n");
	/* meta nfproto ipv4 dnat ip to meta l4proto . th dport map @fwd4 */
	ck_assert_str_eq(rule_of(&b, "fwd_dnat", 1),
			 "  [ meta load nfproto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000002 ]\n"
			 "  [ meta load l4proto => reg 1 ]\n"
			 "  [ payload load 2b @ transport header + 2 => reg 9 ]\n"
			 "  [ lookup reg 1 set fwd4 dreg 1 ]\n"
			 "  [ nat dnat ip addr_min reg 1 proto_min reg 9 ]\n");
	ck_assert_str_eq(rule_of(&b, "fwd_dnat", 2),
			 "  [ meta load nfproto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x0000000a ]\n"
			 "  [ payload load 16b @ network header + 24 => reg 1 ]\n"
			 "  [ meta load l4proto => reg 2 ]\n"
			 "  [ payload load 2b @ transport header + 2 => reg 13 ]\n"
			 "  [ lookup reg 1 set fwd6_at dreg 1 ]\n"
			 "  [ nat dnat ip6 addr_min reg 1 proto_min reg 2 ]\n");
	ck_assert_str_eq(rule_of(&b, "fwd_dnat", 3),
			 "  [ meta load nfproto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x0000000a ]\n"
			 "  [ meta load l4proto => reg 1 ]\n"
			 "  [ payload load 2b @ transport header + 2 => reg 9 ]\n"
			 "  [ lookup reg 1 set fwd6 dreg 1 ]\n"
			 "  [ nat dnat ip6 addr_min reg 1 proto_min reg 2 ]\n");
	/* ct status dnat jump fwd_conns: one test for a packet of no
	 * forward */
	ck_assert_str_eq(rule_of(&b, "forward", 0),
			 "  [ ct load status => reg 1 ]\n"
			 "  [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ]\n"
			 "  [ cmp neq reg 1 0x00000000 ]\n"
			 "  [ immediate reg 0 jump -> fwd_conns ]\n");
	/* iifname vmap @fwd_closed: an isolated network's connections to its
	 * from_ chain first */
	ck_assert_str_eq(rule_of(&b, "fwd_conns", 0), "  [ meta load iifname => reg 1 ]\n"
						      "  [ lookup reg 1 set fwd_closed dreg 0 ]\n");
	/* ct original ip daddr . meta l4proto . ct original
	 * proto-dst @fwd_count4_at accept */
	ck_assert_str_eq(rule_of(&b, "fwd_conns", 1),
			 "  [ ct load dst_ip => reg 1 , dir original ]\n"
			 "  [ meta load l4proto => reg 9 ]\n"
			 "  [ ct load proto_dst => reg 10 , dir original ]\n"
			 "  [ lookup reg 1 set fwd_count4_at ]\n"
			 "  [ immediate reg 0 accept ]\n");
	/* meta nfproto ipv4 meta l4proto . ct original proto-dst @fwd_count4
	 * accept */
	ck_assert_str_eq(rule_of(&b, "fwd_conns", 2),
			 "  [ meta load nfproto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000002 ]\n"
			 "  [ meta load l4proto => reg 1 ]\n"
			 "  [ ct load proto_dst => reg 9 , dir original ]\n"
			 "  [ lookup reg 1 set fwd_count4 ]\n"
			 "  [ immediate reg 0 accept ]\n");
	/* ct status dnat oifname . ip saddr @fwd_hairpin4 masquerade */
	ck_assert_str_eq(rule_of(&b, "postrouting", 3),
			 "  [ ct load status => reg 1 ]\n"
			 "  [ bitwise reg 1 = ( reg 1 & 0x00000020 ) ^ 0x00000000 ]\n"
			 "  [ cmp neq reg 1 0x00000000 ]\n"
			 "  [ meta load nfproto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000002 ]\n"
			 "  [ meta load oifname => reg 1 ]\n"
			 "  [ payload load 4b @ network header + 12 => reg 2 ]\n"
			 "  [ lookup reg 1 set fwd_hairpin4 ]\n"
			 "  [ masq ]\n");
	ck_assert_uint_eq(b.elems, 10);
	/* tcp . 8000 : 10.213.0.11 . 80 */
	ck_assert_str_eq(b.first_elem, "06 1f40 : 10.213.0.11 0050");
	nft_batch_free(bt);
	ck_assert_int_eq(nft_batch_replace(&p, 1, 0, &bt), 0);
	walk(bt, &b, "fwd_count4");
	ck_assert_str_eq(b.comment, "0 a/web");
	nft_batch_free(bt);
	nft_plan_release(&p);
	conf_free(c);
}
END_TEST

/* One forward more: one element in the map and one in the counting set,
 * no chain, counter or other element touched; the batch says so. */
START_TEST(test_forward_update)
{
	char *t0 = forwards_text(100, 20000), *t1 = malloc(100 * 80 + 200), err[512];
	struct gw_conf *c0, *c1;
	struct nft_plan p0, p1;
	struct nft_update u;
	struct nft_batch *bt;
	size_t changed = 0;

	sprintf(t1, "%s forward late { port = 2300 to = \"10.213.0.10:22\" }\n", t0);
	ck_assert_msg(load(t0, NULL, &c0, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(load(t1, NULL, &c1, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(nft_plan_build(c0, ups, false, &p0), 0);
	ck_assert_int_eq(nft_plan_build(c1, ups, false, &p1), 0);
	ck_assert_int_eq(nft_update_plan(&p0, &p1, &u), 0);
	ck_assert(!u.replace);
	ck_assert_uint_eq(u.n_add_chains + u.n_del_chains + u.n_refill, 0);
	ck_assert_uint_eq(u.n_add_ctrs + u.n_del_ctrs, 0);
	for (size_t i = 0; i < u.n_sets; i++) {
		changed += u.sets[i].n_add + u.sets[i].n_del;
		if (u.sets[i].n_add)
			ck_assert_msg(!strcmp(p1.sets[i].name, "fwd4") ||
					      !strcmp(p1.sets[i].name, "fwd_count4"),
				      "%s", p1.sets[i].name);
	}
	ck_assert_uint_eq(changed, 2);
	ck_assert_int_eq(nft_batch_update(&p0, &p1, &u, NULL, 0, 10, &bt), 0);
	/* begin, the map's element, the set's element, end */
	ck_assert_uint_eq(nft_batch_count(bt), 4);
	ck_assert_str_eq(nft_batch_describe(bt, 11), "elements of map inet gatewayd fwd4");
	ck_assert_str_eq(nft_batch_describe(bt, 12), "elements of set inet gatewayd fwd_count4");
	nft_batch_free(bt);
	nft_update_release(&u);

	/* a changed target: the element goes and comes back, in one batch */
	nft_plan_release(&p1);
	conf_free(c1);
	memcpy(strstr(t0, "10.213.0.10:80"), "10.213.0.20:80", 14);
	ck_assert_msg(load(t0, NULL, &c1, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(nft_plan_build(c1, ups, false, &p1), 0);
	ck_assert_int_eq(nft_update_plan(&p0, &p1, &u), 0);
	changed = 0;
	for (size_t i = 0; i < u.n_sets; i++)
		changed += u.sets[i].n_add + u.sets[i].n_del;
	ck_assert_uint_eq(changed, 2); /* fwd4: f0 deleted and added */
	ck_assert_uint_eq(u.n_refill, 0);
	nft_update_release(&u);
	nft_plan_release(&p0);
	nft_plan_release(&p1);
	conf_free(c0);
	conf_free(c1);
	free(t0);
	free(t1);
}
END_TEST

/* The first forward, added by a reload: the prerouting and output nat
 * chains come into being (with their hooks), fwd_dnat and fwd_conns with
 * them, forward and postrouting are refilled -- one update, no replace
 * (a replace empties the bridge ports' map for a moment); the last
 * removed takes them away the same way. */
START_TEST(test_forward_first_last)
{
	char err[512];
	struct gw_conf *c0, *c1;
	struct nft_plan p0, p1;
	struct nft_update u;
	struct nft_batch *bt;
	bool pre = false, out = false;

	ck_assert_msg(load(NULL, NULL, &c0, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(load(" forward ssh { port = 2222 to = \"10.213.0.10:22\" }\n", NULL, &c1, err,
			   sizeof(err)) == 0,
		      "%s", err);
	ck_assert_int_eq(nft_plan_build(c0, ups, false, &p0), 0);
	ck_assert_int_eq(nft_plan_build(c1, ups, false, &p1), 0);
	ck_assert(p0.chains[NC_PREROUTING].absent && p0.chains[NC_OUTPUT].absent);
	ck_assert(!p1.chains[NC_PREROUTING].absent && !p1.chains[NC_OUTPUT].absent);
	ck_assert_int_lt(chain_named(&p0, "fwd_dnat"), 0);
	ck_assert_int_eq(nft_update_plan(&p0, &p1, &u), 0);
	ck_assert(!u.replace);
	ck_assert_uint_eq(u.n_add_chains, 4);
	ck_assert_uint_eq(u.n_del_chains, 0);
	for (size_t i = 0; i < u.n_add_chains; i++) {
		pre |= u.add_chains[i] == NC_PREROUTING;
		out |= u.add_chains[i] == NC_OUTPUT;
	}
	ck_assert(pre && out);
	ck_assert_uint_eq(u.n_refill, 2); /* forward, postrouting */
	ck_assert_int_eq(nft_batch_update(&p0, &p1, &u, NULL, 0, 10, &bt), 0);
	/* the counters first, then the chains: postrouting is "chain inet
	 * gatewayd prerouting" created with its hook */
	{
		bool seen = false;

		for (uint32_t s = 11; s < 11 + nft_batch_count(bt); s++)
			seen |= !strcmp(nft_batch_describe(bt, s),
					"chain inet gatewayd prerouting");
		ck_assert(seen);
	}
	nft_batch_free(bt);
	nft_update_release(&u);
	/* and back: deleted, no replace */
	ck_assert_int_eq(nft_update_plan(&p1, &p0, &u), 0);
	ck_assert(!u.replace);
	ck_assert_uint_eq(u.n_add_chains, 0);
	ck_assert_uint_eq(u.n_del_chains, 4);
	ck_assert_uint_eq(u.n_refill, 2);
	ck_assert_int_eq(nft_batch_update(&p1, &p0, &u, NULL, 0, 10, &bt), 0);
	{
		bool seen = false;

		for (uint32_t s = 11; s < 11 + nft_batch_count(bt); s++)
			seen |= !strcmp(nft_batch_describe(bt, s),
					"deleting chain inet gatewayd prerouting");
		ck_assert(seen);
	}
	nft_batch_free(bt);
	nft_update_release(&u);
	nft_plan_release(&p0);
	nft_plan_release(&p1);
	conf_free(c0);
	conf_free(c1);
}
END_TEST

/* GATEWAYD_TEST_OMIT, the bench's hook (nft/plan.h), for the inet
 * table's parts: what each leaves out is gone, the rest stays. */
static void plan_omitting(const char *what, struct gw_conf **c, struct nft_plan *p)
{
	char err[512];

	ck_assert_msg(load(" forward ssh { port = 2222 to = \"10.213.0.10:22\" }\n", NULL, c, err,
			   sizeof(err)) == 0,
		      "%s", err);
	setenv("GATEWAYD_TEST_OMIT", what, 1);
	ck_assert_int_eq(nft_plan_build(*c, ups, false, p), 0);
	unsetenv("GATEWAYD_TEST_OMIT");
}

START_TEST(test_forward_omit)
{
	struct gw_conf *c;
	struct nft_plan p;
	char line[1024];
	size_t ctr = 0;

	/* dnat: no DNAT dispatch, no forwards' rules anywhere */
	plan_omitting("dnat", &c, &p);
	ck_assert(p.chains[NC_PREROUTING].absent && p.chains[NC_OUTPUT].absent);
	ck_assert_int_lt(chain_named(&p, "fwd_dnat"), 0);
	ck_assert_int_lt(chain_named(&p, "fwd_conns"), 0);
	for (size_t i = 0; i < p.n_rules; i++) {
		nft_rule_format(&p.rules[i], line, sizeof(line));
		ck_assert_msg(!strstr(line, "ct status dnat") && !strstr(line, "@fwd") &&
				      !strstr(line, "jump fwd_"),
			      "%s", line);
	}
	ck_assert_uint_eq(rules_in(&p, (size_t)chain_named(&p, "nat_a")), 2);
	nft_plan_release(&p);
	conf_free(c);

	/* filter: no input or forward dispatch, the networks' filter chains
	 * empty; NAT and the forwards stay */
	plan_omitting("filter", &c, &p);
	ck_assert(p.chains[NC_INPUT].absent);
	ck_assert_uint_eq(rules_in(&p, NC_FORWARD), 1); /* ct status dnat jump fwd_conns */
	for (size_t i = 0; i < p.n_chains; i++)
		if (!strncmp(p.chains[i].name, "from_", 5) ||
		    !strncmp(p.chains[i].name, "to_", 3) || !strncmp(p.chains[i].name, "in_", 3) ||
		    !strncmp(p.chains[i].name, "svc_", 4))
			ck_assert_msg(rules_in(&p, i) == 0, "%s", p.chains[i].name);
	ck_assert_uint_eq(rules_in(&p, (size_t)chain_named(&p, "nat_a")), 2);
	ck_assert_uint_eq(rules_in(&p, NC_PREROUTING), 1);
	nft_plan_release(&p);
	conf_free(c);

	/* counters: no rule counts; the counter objects stay (status reads
	 * them) */
	plan_omitting("counters", &c, &p);
	for (size_t i = 0; i < p.n_rules; i++)
		ctr += p.rules[i].counter[0] != '\0';
	ck_assert_uint_eq(ctr, 0);
	ck_assert_uint_gt(p.n_counters, 0);
	ck_assert_uint_eq(rules_in(&p, (size_t)chain_named(&p, "from_a")), 6);
	nft_plan_release(&p);
	conf_free(c);

	/* and without the variable, all of it */
	plan_omitting("", &c, &p);
	for (size_t i = 0; i < p.n_rules; i++)
		ctr += p.rules[i].counter[0] != '\0';
	ck_assert_uint_gt(ctr, 0);
	ck_assert(!p.chains[NC_INPUT].absent && !p.chains[NC_PREROUTING].absent);
	nft_plan_release(&p);
	conf_free(c);
}
END_TEST

/* gatewayctl forward add: the config's refusals, without file:line. */
static const struct {
	const char *proto, *port, *to, *listen, *err;
} rt_bad[] = {
	{ "sctp", "2222", "10.213.0.10:22", NULL,
	  "network \"a\": forward \"x\": proto \"sctp\" is not tcp or udp" },
	{ "tcp", "0", "10.213.0.10:22", NULL,
	  "network \"a\": forward \"x\": port \"0\" is not a port" },
	{ "tcp", "2222", "10.214.0.10:22", NULL,
	  "network \"a\": forward \"x\": to \"10.214.0.10:22\" is outside 10.213.0.0/24" },
	{ "tcp", "2222", "10.213.0.1:22", NULL,
	  "network \"a\": forward \"x\": to \"10.213.0.1:22\" is the gateway, network or "
	  "broadcast" },
	{ "udp", "53", "10.213.0.10", NULL,
	  "network \"a\": forward \"x\": udp port 53 on every address would take over the guests' "
	  "DNS/DHCP" },
	{ "tcp", "2222", "10.213.0.10:22", "127.0.0.1",
	  "network \"a\": forward \"x\": listen \"127.0.0.1\" is not a unicast address of the "
	  "host: "
	  "a loopback" },
	{ "tcp", "8000-8009", "10.213.0.10:90-92", NULL,
	  "network \"a\": forward \"x\": 10 listen ports mapped to 3 target ports" },
};

START_TEST(test_forward_rt_refused)
{
	struct gw_conf *c = NULL;
	struct gw_forward f;
	char err[512] = "";

	ck_assert_int_eq(load(NULL, NULL, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_forward_make(&c->networks[0], "x", rt_bad[_i].proto, rt_bad[_i].port,
					   rt_bad[_i].to, rt_bad[_i].listen, &f, err, sizeof(err)),
			 -EINVAL);
	ck_assert_msg(!strncmp(err, rt_bad[_i].err, strlen(rt_bad[_i].err)), "%s", err);
	conf_free(c);
}
END_TEST

/* Each forward against the ones in force, of the file and run-time. */
START_TEST(test_forward_rt_conflict)
{
	struct gw_conf *c = NULL;
	struct gw_forward f, g;
	char err[512] = "";

	ck_assert_int_eq(load(" forward ssh { port = 2222 to = \"10.213.0.10:22\" }\n",
			      " forward web { port = 8080 to = \"10.214.0.10:80\" listen = "
			      "\"198.51.100.7\" }\n",
			      &c, err, sizeof(err)),
			 0);
	ck_assert_int_eq(conf_forward_make(&c->networks[1], "x", "tcp", "2220-2230",
					   "10.214.0.5:22", NULL, &f, err, sizeof(err)),
			 0);
	ck_assert(f.runtime && f.port_min == 2220 && f.port_max == 2230 && f.to_min == 22);
	ck_assert(conf_forward_conflict(c, &c->networks[1], &f, err, sizeof(err)));
	ck_assert_str_eq(err, "network \"b\": forward \"x\": tcp ports 2220-2230 on every address "
			      "overlaps forward \"ssh\" of network \"a\" (f.conf line 5)");
	/* another protocol, another port, or another listen address: fine */
	ck_assert_int_eq(conf_forward_make(&c->networks[1], "x", "udp", "2222", "10.214.0.5:22",
					   NULL, &f, err, sizeof(err)),
			 0);
	ck_assert(!conf_forward_conflict(c, &c->networks[1], &f, err, sizeof(err)));
	ck_assert_int_eq(conf_forward_make(&c->networks[0], "x", "tcp", "8080", "10.213.0.5:80",
					   "198.51.100.8", &f, err, sizeof(err)),
			 0);
	ck_assert(!conf_forward_conflict(c, &c->networks[0], &f, err, sizeof(err)));
	/* every address meets a listen address */
	ck_assert_int_eq(conf_forward_make(&c->networks[0], "x", "tcp", "8080", "10.213.0.5:80",
					   NULL, &f, err, sizeof(err)),
			 0);
	ck_assert(conf_forward_conflict(c, &c->networks[0], &f, err, sizeof(err)));
	ck_assert_msg(strstr(err, "overlaps forward \"web\" of network \"b\" (f.conf line 10)"),
		      "%s", err);
	/* a name the network has */
	ck_assert_int_eq(conf_forward_make(&c->networks[0], "ssh", "tcp", "3000", "10.213.0.5:80",
					   NULL, &f, err, sizeof(err)),
			 0);
	ck_assert(conf_forward_conflict(c, &c->networks[0], &f, err, sizeof(err)));
	ck_assert_str_eq(err, "network \"a\" has a forward \"ssh\" already (f.conf line 5)");
	/* a listen address inside a network */
	ck_assert_int_eq(conf_forward_make(&c->networks[0], "x", "tcp", "3000", "10.213.0.5:80",
					   "10.214.0.9", &f, err, sizeof(err)),
			 0);
	ck_assert(conf_forward_conflict(c, &c->networks[0], &f, err, sizeof(err)));
	ck_assert_msg(strstr(err, "is inside network \"b\"'s subnet 10.214.0.0/24"), "%s", err);
	/* a run-time one in force is met too, and said so */
	ck_assert_int_eq(conf_forward_make(&c->networks[0], "rt", "tcp", "4000", "10.213.0.5:80",
					   NULL, &g, err, sizeof(err)),
			 0);
	c->networks[0].fwd.v = realloc(c->networks[0].fwd.v, 2 * sizeof(g));
	c->networks[0].fwd.v[c->networks[0].fwd.n++] = g;
	ck_assert_int_eq(conf_forward_make(&c->networks[1], "y", "tcp", "4000", "10.214.0.5:80",
					   NULL, &f, err, sizeof(err)),
			 0);
	ck_assert(conf_forward_conflict(c, &c->networks[1], &f, err, sizeof(err)));
	ck_assert_msg(strstr(err, "overlaps forward \"rt\" of network \"a\" (added by gatewayctl)"),
		      "%s", err);
	/* which network was met, for an answer to a customer (forward_ctl.c) */
	{
		const struct gw_network *with = &c->networks[1];

		ck_assert(conf_forward_conflict_with(c, &c->networks[1], &f, err, sizeof(err),
						     &with));
		ck_assert_ptr_eq(with, &c->networks[0]);
		ck_assert_int_eq(conf_forward_make(&c->networks[0], "ssh", "tcp", "3000",
						   "10.213.0.5:80", NULL, &f, err, sizeof(err)),
				 0);
		ck_assert(conf_forward_conflict_with(c, &c->networks[0], &f, err, sizeof(err),
						     &with));
		ck_assert_ptr_null(with);
		ck_assert_int_eq(conf_forward_make(&c->networks[0], "x", "tcp", "3000",
						   "10.213.0.5:80", "10.214.0.9", &f, err,
						   sizeof(err)),
				 0);
		ck_assert(conf_forward_conflict_with(c, &c->networks[0], &f, err, sizeof(err),
						     &with));
		ck_assert_ptr_eq(with, &c->networks[1]);
		ck_assert_int_eq(conf_forward_make(&c->networks[0], "x", "tcp", "3001",
						   "10.213.0.5:80", NULL, &f, err, sizeof(err)),
				 0);
		ck_assert(!conf_forward_conflict_with(c, &c->networks[0], &f, err, sizeof(err),
						      &with));
		ck_assert_ptr_null(with);
	}
	conf_free(c);
}
END_TEST

/* The stored forwards join the plan's networks after the file's; one the
 * config refuses now is left out (the config wins), one of a network
 * gone waits for it. */
START_TEST(test_forward_rt_merge)
{
	char dir[] = "/tmp/gwfwdrtXXXXXX", path[64], text[1024], err[512] = "";
	struct gw_conf *c = NULL;
	const struct gw_network *n;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/" STATE_FORWARDS, dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("a ok tcp 2200 10.213.0.10:22 -\n"	      /* kept */
	      "a late tcp 2222 10.213.0.11:22 -\n"	      /* the file's ssh took 2222 */
	      "a ssh tcp 3000 10.213.0.11:22 -\n"	      /* the file's name */
	      "a far tcp 3001 10.214.0.11:22 -\n"	      /* not in a's subnet */
	      "gone g tcp 3002 10.213.0.11:22 -\n"	      /* no such network */
	      "a bad tcp 3003 10.213.0.11:22 - root extra\n"  /* a field too many */
	      "a mine tcp 2400 10.213.0.12:22 - root\n"	      /* its owner's: kept */
	      "a theirs tcp 2401 10.213.0.12:22 - nobody\n"   /* no owner of a now */
	      "a grp tcp 2402 10.213.0.12:22 - @root\n"	      /* user root owns, not @root */
	      "b byb tcp 5354 10.214.0.12:53 - root\n"	      /* b has no owner now */
	      "b six udp 5353 10.214.0.12:53 198.51.100.7\n", /* kept */
	      f);
	fclose(f);
	snprintf(text, sizeof(text),
		 "state_dir = \"%s\"\n"
		 "network a { bridge = gw0 ipv4 = \"10.213.0.1/24\" owner = \"root\"\n"
		 " forward ssh { port = 2222 to = \"10.213.0.10:22\" } }\n"
		 "network b { bridge = gw1 ipv4 = \"10.214.0.1/24\" }\n",
		 dir);
	ck_assert_int_eq(conf_load_buf("f.conf", text, &c, err, sizeof(err)), 0);
	forwards_rt_merge(c);
	n = &c->networks[0];
	ck_assert_uint_eq(n->fwd.n, 3);
	ck_assert(!n->fwd.v[0].runtime);
	ck_assert_str_eq(n->fwd.v[1].name, "ok");
	ck_assert(n->fwd.v[1].runtime && n->fwd.v[1].port_min == 2200);
	ck_assert_str_eq(n->fwd.v[2].name, "mine");
	n = &c->networks[1];
	ck_assert_uint_eq(n->fwd.n, 1);
	ck_assert_str_eq(n->fwd.v[0].name, "six");
	ck_assert(n->fwd.v[0].proto == IPPROTO_UDP && !n->fwd.v[0].listen_any);
	conf_free(c);
	unlink(path);
	rmdir(dir);
}
END_TEST

Suite *forward_suite(void)
{
	Suite *s = suite_create("forward");
	TCase *tc = tcase_create("forward");

	tcase_add_loop_test(tc, test_forward_errors, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_forward_ok);
	tcase_add_loop_test(tc, test_forward_many_errors, 0,
			    sizeof(many_bad) / sizeof(many_bad[0]));
	tcase_add_test(tc, test_forward_many_ok);
	tcase_add_test(tc, test_forward_bgp_port);
	tcase_add_test(tc, test_forward_listen_auto);
	tcase_add_test(tc, test_forward_flat);
	tcase_add_test(tc, test_forward_elements);
	tcase_add_test(tc, test_forward_batch);
	tcase_add_test(tc, test_forward_update);
	tcase_add_test(tc, test_forward_first_last);
	tcase_add_test(tc, test_forward_omit);
	tcase_add_loop_test(tc, test_forward_rt_refused, 0, sizeof(rt_bad) / sizeof(rt_bad[0]));
	tcase_add_test(tc, test_forward_rt_conflict);
	tcase_add_test(tc, test_forward_rt_merge);
	suite_add_tcase(s, tc);
	return s;
}
