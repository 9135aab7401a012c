/* Modes and addresses (conf/mode.c and what follows from them): the keys
 * parsed, refused with FILE:LINE where their mode would ignore them, the
 * rules each mode plans (nft text of the chains), the SNAT bytecode parsed
 * back with libnftnl, and the dnsmasq lines of an isolated network. */
#include "suites.h"
#include "conf/conf.h"
#include "dhcp/dnsmasq_conf.h"
#include "nft/batch.h"
#include "nft/plan.h"
#include "nft/update.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ups[] = { "eth0", "eth0", "eth0", "eth0" };

static struct gw_conf *load(const char *text)
{
	struct gw_conf *c = NULL;
	char err[512] = "";

	ck_assert_msg(conf_load_buf("m.conf", text, &c, err, sizeof(err)) == 0, "%s", err);
	return c;
}

START_TEST(test_mode_parse)
{
	struct gw_conf *c = load("network a {\n bridge = gw0\n mode = routed\n"
				 " ipv4 = \"10.1.0.1/24\"\n inbound = drop\n}\n"
				 "network b {\n bridge = gw1\n mode = isolated\n"
				 " ipv4 = \"10.2.0.1/24\"\n allow_from = {\"a\", \"c\"}\n}\n"
				 "network c {\n bridge = gw2\n ipv4 = \"10.3.0.1/24\"\n"
				 " ipv6 = \"fd00:3::1/64\"\n"
				 " snat_address = \"203.0.113.5:1024-65535\"\n"
				 " snat6_address = \"2001:db8::5\"\n}\n"
				 "network d {\n bridge = gw3\n ipv4 = \"10.4.0.1/24\"\n"
				 " ipv6 = \"fd00:4::1/64\"\n ipv6_nat = false\n}\n");
	char a[INET6_ADDRSTRLEN];

	ck_assert_int_eq(c->networks[0].mode, GW_MODE_ROUTED);
	ck_assert(c->networks[0].m.inbound_drop);
	ck_assert_int_eq(c->networks[1].mode, GW_MODE_ISOLATED);
	ck_assert_uint_eq(c->networks[1].m.n_allow, 2);
	ck_assert_str_eq(c->networks[1].m.allow_from[1], "c");
	ck_assert_int_eq(c->networks[2].mode, GW_MODE_NAT);
	ck_assert(c->networks[2].m.has_snat4);
	ck_assert_str_eq(inet_ntop(AF_INET, &c->networks[2].m.snat4, a, sizeof(a)), "203.0.113.5");
	ck_assert_uint_eq(c->networks[2].m.snat_port_min, 1024);
	ck_assert_uint_eq(c->networks[2].m.snat_port_max, 65535);
	ck_assert_int_eq(c->networks[2].m.snat_line, 17);
	/* NAT66 is what a nat network with IPv6 always did: on unless off */
	ck_assert(c->networks[2].m.ipv6_nat);
	ck_assert(c->networks[2].m.has_snat6);
	ck_assert(!c->networks[3].m.ipv6_nat);
	conf_free(c);
}
END_TEST

/* Printed (gatewayd -n -v), read back, equal; a copy is equal and owns
 * its own allow_from list. */
START_TEST(test_mode_print_roundtrip)
{
	/* (with IPv6 each: without, "ra" prints as off and reads back so) */
	struct gw_conf *c = load("network a {\n bridge = gw0\n mode = routed\n"
				 " ipv4 = \"10.1.0.1/24\"\n ipv6 = \"fd00:1::1/64\"\n"
				 " inbound = drop\n}\n"
				 "network b {\n bridge = gw1\n mode = isolated\n"
				 " ipv4 = \"10.2.0.1/24\"\n ipv6 = \"fd00:2::1/64\"\n"
				 " allow_from = {\"a\", \"c\"}\n}\n"
				 "network c {\n bridge = gw2\n ipv4 = \"10.3.0.1/24\"\n"
				 " ipv6 = \"fd00:3::1/64\"\n snat_address = \"203.0.113.5:2000\"\n"
				 " snat6_address = \"2001:db8::5\"\n}\n");
	struct gw_conf *d, *e;
	char *t = NULL, err[512] = "";
	size_t len = 0;
	FILE *f = open_memstream(&t, &len);

	conf_print(f, c);
	fclose(f);
	ck_assert_msg(strstr(t, "    inbound     = drop\n") &&
			      strstr(t, "    allow_from  = {\"a\", \"c\"}\n") &&
			      strstr(t, "    snat_address = \"203.0.113.5:2000\"\n") &&
			      strstr(t, "    snat6_address = \"2001:db8::5\"\n") &&
			      strstr(t, "    ipv6_nat    = true\n") &&
			      strstr(t, "    mode        = isolated\n"),
		      "%s", t);
	ck_assert_msg(conf_load_buf(c->path, t, &d, err, sizeof(err)) == 0, "%s in:\n%s", err, t);
	e = conf_dup(c);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_ne(e->networks[1].m.allow_from, c->networks[1].m.allow_from);
	for (size_t i = 0; i < c->n_networks; i++) {
		ck_assert_msg(conf_network_equal(&c->networks[i], &d->networks[i]), "%s",
			      c->networks[i].name);
		ck_assert(conf_network_equal(&c->networks[i], &e->networks[i]));
	}
	e->networks[1].m.allow_from[0][0] = 'x';
	ck_assert(!conf_network_equal(&c->networks[1], &e->networks[1]));
	e->networks[1].m.allow_from[0][0] = 'a';
	e->networks[2].m.snat_port_min++;
	ck_assert(!conf_network_equal(&c->networks[2], &e->networks[2]));
	free(t);
	conf_free(c);
	conf_free(d);
	conf_free(e);
}
END_TEST

static const struct {
	const char *text, *err;
} bad[] = {
	{ "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n mode = bridged\n}\n",
	  "m.conf:4: network \"a\": unknown mode \"bridged\" (expected nat, routed or isolated)" },
	{ "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n\n inbound = drop\n}\n",
	  "m.conf:5: network \"a\": inbound applies to mode = routed only (this network is nat)" },
	{ "network a {\n bridge = gw0\n mode = routed\n ipv4 = \"10.1.0.1/24\"\n inbound = "
	  "maybe\n}\n",
	  "m.conf:5: network \"a\": inbound \"maybe\": expected accept or drop" },
	{ "network a {\n bridge = gw0\n mode = routed\n ipv4 = \"10.1.0.1/24\"\n"
	  " snat_address = \"203.0.113.5\"\n}\n",
	  "m.conf:5: network \"a\": snat_address applies to mode = nat only (this network is "
	  "routed)" },
	{ "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n snat_address = \"203.0.113\"\n}\n",
	  "m.conf:4: network \"a\": snat_address \"203.0.113\" is not an IPv4 address (like "
	  "\"203.0.113.5\" or \"203.0.113.5:1024-65535\")" },
	{ "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n"
	  " snat_address = \"203.0.113.5:9-1\"\n}\n",
	  "m.conf:4: network \"a\": snat_address \"203.0.113.5:9-1\": ports must be PORT or "
	  "FIRST-LAST in 1-65535" },
	{ "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n snat_address = \"224.0.0.1\"\n}\n",
	  "m.conf:4: network \"a\": snat_address 224.0.0.1 is not a unicast address" },
	{ "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n ipv6_nat = true\n}\n",
	  "m.conf:4: network \"a\": ipv6_nat needs an ipv6 prefix" },
	{ "network a {\n bridge = gw0\n mode = isolated\n ipv4 = \"10.1.0.1/24\"\n"
	  " ipv6 = \"fd00::1/64\"\n ipv6_nat = true\n}\n",
	  "m.conf:6: network \"a\": ipv6_nat applies to mode = nat only (this network is "
	  "isolated)" },
	{ "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n"
	  " ipv6 = \"fd00::1/64\"\n ipv6_nat = sometimes\n}\n",
	  "m.conf:5: network \"a\": ipv6_nat \"sometimes\": expected true or false" },
	{ "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n ipv6 = \"fd00::1/64\"\n"
	  " ipv6_nat = false\n snat6_address = \"2001:db8::5\"\n}\n",
	  "m.conf:6: network \"a\": snat6_address needs mode = nat, an ipv6 prefix and ipv6_nat = "
	  "true" },
	{ "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n ipv6 = \"fd00::1/64\"\n"
	  " snat6_address = \"fe80::5\"\n}\n",
	  "m.conf:5: network \"a\": snat6_address \"fe80::5\" is not a unicast IPv6 address (like "
	  "\"2001:db8::5\")" },
	{ "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n # a comment\n"
	  " allow_from = {\"b\", \"other-net\"}\n}\n"
	  "network b {\n bridge = gw1\n ipv4 = \"10.2.0.1/24\"\n}\n",
	  "m.conf:5: network \"a\": allow_from \"other-net\": no such network" },
	{ "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n allow_from = {\"a\"}\n}\n",
	  "m.conf:4: network \"a\": allow_from names the network itself (its guests always reach "
	  "each other)" },
	{ "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n allow_from = {\"b\"}\n}\n"
	  "network b {\n bridge = gw1\n mode = isolated\n ipv4 = \"10.2.0.1/24\"\n}\n",
	  "m.conf:4: network \"a\": allow_from \"b\": that network is isolated, nothing is "
	  "forwarded out of it" },
	{ "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n"
	  " allow_from = {\"b\",\n \"b\"}\n}\n"
	  "network b {\n bridge = gw1\n ipv4 = \"10.2.0.1/24\"\n}\n",
	  "m.conf:5: network \"a\": allow_from names \"b\" twice" },
	{ "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n allow_from = {\"b c\"}\n}\n",
	  "m.conf:4: network \"a\": allow_from \"b c\" is not a network name" },
};

START_TEST(test_mode_errors)
{
	struct gw_conf *c = NULL;
	char err[512] = "";

	ck_assert_int_lt(conf_load_buf("m.conf", bad[_i].text, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(err, bad[_i].err);
}
END_TEST

/* The rules of one chain, one per line, in nft syntax. */
static char *chain_rules(const struct nft_plan *p, const char *name)
{
	static char out[8192];
	char line[1024];
	long c = -1;

	for (size_t i = 0; i < p->n_chains; i++)
		if (!strcmp(p->chains[i].name, name))
			c = (long)i;
	ck_assert_msg(c >= 0, "no chain %s", name);
	out[0] = '\0';
	for (size_t i = 0; i < p->n_rules; i++) {
		if (p->rules[i].chain != (size_t)c)
			continue;
		nft_rule_format(&p->rules[i], line, sizeof(line));
		strcat(out, line);
		strcat(out, "\n");
	}
	return out;
}

static const char four[] =
	"network nat {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n ipv6 = \"fd00:1::1/64\"\n"
	" snat_address = \"203.0.113.5:1024-65535\"\n snat6_address = \"2001:db8::5\"\n"
	" allow_from = {\"rt\"}\n}\n"
	"network rt {\n bridge = gw1\n mode = routed\n ipv4 = \"10.2.0.1/24\"\n"
	" ipv6 = \"2001:db8:2::1/64\"\n}\n"
	"network rd {\n bridge = gw2\n mode = routed\n ipv4 = \"10.3.0.1/24\"\n"
	" inbound = drop\n}\n"
	"network iso {\n bridge = gw3\n mode = isolated\n ipv4 = \"10.4.0.1/24\"\n"
	" allow_from = {\"nat\"}\n}\n";

START_TEST(test_mode_plan)
{
	struct gw_conf *c = load(four);
	struct nft_plan p;

	ck_assert_int_eq(nft_plan_build(c, ups, false, &p), 0);
	/* nat: SNAT to the address, ports for TCP and UDP; NAT66 to snat6 */
	ck_assert_str_eq(
		chain_rules(&p, "nat_nat"),
		"oifname \"eth0\" ip saddr 10.1.0.0/24 ip daddr != 10.1.0.0/24 ip daddr "
		"!= 224.0.0.0/4 ip daddr != 255.255.255.255 meta l4proto tcp counter name "
		"\"nat_nat\" snat ip to 203.0.113.5:1024-65535\n"
		"oifname \"eth0\" ip saddr 10.1.0.0/24 ip daddr != 10.1.0.0/24 ip daddr "
		"!= 224.0.0.0/4 ip daddr != 255.255.255.255 meta l4proto udp counter name "
		"\"nat_nat\" snat ip to 203.0.113.5:1024-65535\n"
		"oifname \"eth0\" ip saddr 10.1.0.0/24 ip daddr != 10.1.0.0/24 ip daddr "
		"!= 224.0.0.0/4 ip daddr != 255.255.255.255 counter name \"nat_nat\" snat "
		"ip to 203.0.113.5\n"
		"oifname \"eth0\" ip6 saddr fd00:1::/64 ip6 daddr != fd00:1::/64 ip6 daddr "
		"!= ff00::/8 counter name \"nat_nat\" snat ip6 to 2001:db8::5\n");
	/* routed and isolated: nothing translated, also not the host's own */
	ck_assert_str_eq(chain_rules(&p, "nat_rt"), "");
	ck_assert_str_eq(chain_rules(&p, "nat_rd"), "");
	ck_assert_str_eq(chain_rules(&p, "nat_iso"), "");
	/* the host's own packets from a gateway address go through the same
	 * chains (map local4_nets): routed and isolated ones translate
	 * nothing there either */
	/* nat allows from rt: rt's guests open connections to nat's, nat's
	 * guests only answer them; nat opens to iso, which allows it */
	ck_assert_str_eq(chain_rules(&p, "from_nat"),
			 "oifname \"eth0\" ip saddr 10.1.0.0/24 counter name \"fwd_out_nat\" "
			 "accept\n"
			 "ip6 saddr fd00:1::/64 oifname \"eth0\" counter name \"fwd_out_nat\" "
			 "accept\n"
			 "oifname \"gw0\" accept\n"
			 "ip saddr != 10.1.0.0/24 counter name \"drop_nat\" drop\n"
			 "ip6 saddr != fd00:1::/64 counter name \"drop_nat\" drop\n"
			 "oifname \"gw3\" counter name \"fwd_out_nat\" accept\n"
			 "oifname \"gw1\" ct state established,related counter name "
			 "\"fwd_out_nat\" accept\n"
			 "counter name \"drop_nat\" drop\n");
	ck_assert_str_eq(chain_rules(&p, "to_nat"),
			 "ct state established,related counter name \"fwd_in_nat\" accept\n"
			 "drop\n");
	/* routed, inbound = accept (default): new connections from the uplink */
	ck_assert_str_eq(chain_rules(&p, "from_rt"),
			 "oifname \"eth0\" ip saddr 10.2.0.0/24 counter name \"fwd_out_rt\" "
			 "accept\n"
			 "ip6 saddr 2001:db8:2::/64 oifname \"eth0\" counter name \"fwd_out_rt\" "
			 "accept\n"
			 "oifname \"gw1\" accept\n"
			 "ip saddr != 10.2.0.0/24 counter name \"drop_rt\" drop\n"
			 "ip6 saddr != 2001:db8:2::/64 counter name \"drop_rt\" drop\n"
			 "oifname \"gw0\" counter name \"fwd_out_rt\" accept\n"
			 "counter name \"drop_rt\" drop\n");
	ck_assert_str_eq(chain_rules(&p, "to_rt"),
			 "ct state established,related counter name \"fwd_in_rt\" accept\n"
			 "iifname \"eth0\" counter name \"fwd_in_rt\" accept\n"
			 "drop\n");
	/* routed, inbound = drop: replies only */
	ck_assert_str_eq(chain_rules(&p, "to_rd"),
			 "ct state established,related counter name \"fwd_in_rd\" accept\n"
			 "drop\n");
	/* isolated: nothing out but replies to networks it allows, nothing in */
	ck_assert_str_eq(chain_rules(&p, "from_iso"),
			 "oifname \"gw3\" accept\n"
			 "ip saddr != 10.4.0.0/24 counter name \"drop_iso\" drop\n"
			 "meta nfproto ipv6 counter name \"drop_iso\" drop\n"
			 "oifname \"gw0\" ct state established,related counter name "
			 "\"fwd_out_iso\" accept\n"
			 "counter name \"drop_iso\" drop\n");
	ck_assert_str_eq(chain_rules(&p, "to_iso"), "drop\n");
	/* nor through a port forward (issue 16, 12): fwd_closed leads its
	 * bridge, and only its, to from_iso, which drops a new connection */
	{
		size_t k = 0, found = 0;

		while (k < p.n_sets && strcmp(p.sets[k].name, "fwd_closed"))
			k++;
		ck_assert_uint_lt(k, p.n_sets);
		ck_assert(p.sets[k].vmap && p.sets[k].key == NK_IIFNAME);
		ck_assert_uint_eq(p.sets[k].n_elems, 1);
		found = !strcmp(p.sets[k].elems[0].key.ifname, "gw3") &&
			!strcmp(p.sets[k].elems[0].chain, "from_iso");
		ck_assert_msg(found, "fwd_closed: %s -> %s", p.sets[k].elems[0].key.ifname,
			      p.sets[k].elems[0].chain);
	}
	/* DNS, DHCP and ICMP to the gateway as in every mode */
	ck_assert_str_eq(chain_rules(&p, "in_iso"), chain_rules(&p, "in_rd"));
	nft_plan_release(&p);
	conf_free(c);
}
END_TEST

START_TEST(test_mode_ipv6_nat_off)
{
	struct gw_conf *c = load("network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n"
				 " ipv6 = \"2001:db8:1::1/64\"\n ipv6_nat = false\n}\n");
	struct nft_plan p;

	ck_assert_int_eq(nft_plan_build(c, ups, false, &p), 0);
	ck_assert_str_eq(chain_rules(&p, "nat_a"),
			 "oifname \"eth0\" ip saddr 10.1.0.0/24 ip daddr != 10.1.0.0/24 ip daddr "
			 "!= 224.0.0.0/4 ip daddr != 255.255.255.255 counter name \"nat_a\" "
			 "masquerade\n");
	nft_plan_release(&p);
	conf_free(c);
}
END_TEST

/* The built batch's SNAT rules parsed back: the bytecode
 * `nft --debug=netlink` shows for the same rules. */
START_TEST(test_mode_snat_bytecode)
{
	static const char *const want[] = {
		/* ... meta l4proto tcp counter ... snat ip to 203.0.113.5:1024-65535 */
		"  [ meta load l4proto => reg 1 ]\n"
		"  [ cmp eq reg 1 0x00000006 ]\n"
		"  [ objref type 1 name nat_nat ]\n"
		"  [ immediate reg 1 0x057100cb ]\n"
		"  [ immediate reg 2 0x00000004 ]\n"
		"  [ immediate reg 3 0x0000ffff ]\n"
		"  [ nat snat ip addr_min reg 1 proto_min reg 2 proto_max reg 3 flags 0x2 ]\n",
		/* ... counter ... snat ip to 203.0.113.5 */
		"  [ objref type 1 name nat_nat ]\n"
		"  [ immediate reg 1 0x057100cb ]\n"
		"  [ nat snat ip addr_min reg 1 ]\n",
		/* ... counter ... snat ip6 to 2001:db8::5 */
		"  [ objref type 1 name nat_nat ]\n"
		"  [ immediate reg 1 0xb80d0120 0x00000000 0x00000000 0x05000000 ]\n"
		"  [ nat snat ip6 addr_min reg 1 ]\n",
	};
	struct gw_conf *c = load(four);
	struct nft_plan p;
	struct nft_batch *b;
	const struct nlmsghdr *nlh;
	size_t len, found = 0;
	int left;
	static char text[4096];

	ck_assert_int_eq(nft_plan_build(c, ups, false, &p), 0);
	ck_assert_int_eq(nft_batch_replace(&p, 1, 0, &b), 0);
	nlh = nft_batch_data(b, &len);
	left = (int)len;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct nftnl_rule *r;
		const char *body;

		if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE))
			continue;
		r = nftnl_rule_alloc();
		ck_assert_int_eq(nftnl_rule_nlmsg_parse(nlh, r), 0);
		nftnl_rule_snprintf(text, sizeof(text), r, NFTNL_OUTPUT_DEFAULT, 0);
		nftnl_rule_free(r);
		if (strncmp(text, "inet gatewayd nat_nat", 21) || !strchr(" \n", text[21]) ||
		    !strstr(text, "[ nat snat"))
			continue;
		/* the matches before the verdict are the masquerade rule's */
		body = strstr(text, found == 0 ? "  [ meta load l4proto" : "  [ objref");
		ck_assert_ptr_nonnull(body);
		if (found == 1 && strstr(text, "cmp eq reg 1 0x00000011"))
			continue; /* the UDP twin of the first */
		ck_assert_uint_lt(found, 3);
		ck_assert_str_eq(body, want[found]);
		found++;
	}
	ck_assert_uint_eq(found, 3);
	nft_batch_free(b);
	nft_plan_release(&p);
	conf_free(c);
}
END_TEST

START_TEST(test_mode_dnsmasq_isolated)
{
	struct gw_conf *c =
		load("run_dir = \"/r\"\nstate_dir = \"/s\"\n"
		     "network a {\n bridge = gw0\n mode = isolated\n ipv4 = \"10.1.0.1/24\"\n"
		     " ipv6 = \"fd00:1::1/64\"\n}\n"
		     "network b {\n bridge = gw1\n mode = routed\n ipv4 = \"10.2.0.1/24\"\n"
		     " ipv6 = \"fd00:2::1/64\"\n}\n");
	char *t[2] = { NULL, NULL };
	size_t len;

	for (int i = 0; i < 2; i++) {
		FILE *f = open_memstream(&t[i], &len);

		dnsmasq_conf_write(f, c, &c->networks[i]);
		fclose(f);
	}
	/* no router option at all (dnsmasq would send itself by default),
	 * DNS still the gateway; RAs with router lifetime 0 */
	ck_assert_msg(strstr(t[0], "\ndhcp-option=option:router\n") &&
			      !strstr(t[0], "option:router,") &&
			      strstr(t[0], "\ndhcp-option=option:dns-server,10.1.0.1\n") &&
			      strstr(t[0], "router lifetime 0,") && !strstr(t[0], "ra-param"),
		      "%s", t[0]);
	ck_assert_msg(strstr(t[1], "\ndhcp-option=option:router,10.2.0.1\n") &&
			      strstr(t[1], "router lifetime 1800,"),
		      "%s", t[1]);
	free(t[0]);
	free(t[1]);
	conf_free(c);
}
END_TEST

/* No network translates: no NAT dispatch, so no postrouting chain and
 * no nat hook at all (no forward either); one nat network brings it
 * back, and an update adds it without a replace. */
START_TEST(test_mode_no_nat_hook)
{
	static const char routed[] =
		"network rt {\n bridge = gw1\n mode = routed\n ipv4 = \"10.2.0.1/24\"\n}\n"
		"network iso {\n bridge = gw3\n mode = isolated\n ipv4 = \"10.4.0.1/24\"\n}\n";
	struct gw_conf *c = load(routed), *c2 = load(four);
	struct nft_plan p, p2;
	struct nft_update u;

	ck_assert_int_eq(nft_plan_build(c, ups, false, &p), 0);
	ck_assert(p.chains[NC_POSTROUTING].absent);
	ck_assert(p.chains[NC_PREROUTING].absent && p.chains[NC_OUTPUT].absent);
	ck_assert(!p.chains[NC_FORWARD].absent && !p.chains[NC_INPUT].absent);
	ck_assert_int_eq(nft_plan_build(c2, ups, false, &p2), 0);
	ck_assert(!p2.chains[NC_POSTROUTING].absent);
	ck_assert_str_eq(chain_rules(&p2, "postrouting"), "iifname vmap @nat_nets\n"
							  "ip saddr vmap @local4_nets\n"
							  "ip6 saddr vmap @local6_nets\n");
	ck_assert_int_eq(nft_update_plan(&p, &p2, &u), 0);
	ck_assert(!u.replace);
	nft_update_release(&u);
	nft_plan_release(&p);
	nft_plan_release(&p2);
	conf_free(c);
	conf_free(c2);
}
END_TEST

Suite *mode_suite(void)
{
	Suite *s = suite_create("mode");
	TCase *tc = tcase_create("mode");

	tcase_add_test(tc, test_mode_parse);
	tcase_add_test(tc, test_mode_print_roundtrip);
	tcase_add_loop_test(tc, test_mode_errors, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_mode_plan);
	tcase_add_test(tc, test_mode_ipv6_nat_off);
	tcase_add_test(tc, test_mode_no_nat_hook);
	tcase_add_test(tc, test_mode_snat_bytecode);
	tcase_add_test(tc, test_mode_dnsmasq_isolated);
	suite_add_tcase(s, tc);
	return s;
}
