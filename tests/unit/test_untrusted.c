/* Ports gatewayd does not know yet (nft/untrusted.c) and the backstop's
 * server-message drops (nft/guard.c), in both backstop forms: the plan's
 * text, and the built messages parsed back with libnftnl and compared
 * with what `nft --debug=netlink` prints for the same rules. */
#include "suites.h"
#include "conf/conf.h"
#include "nft/batch.h"
#include "nft/plan.h"
#include "nft/untrusted.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>

static const char one_net[] = "network default {\n bridge = gw0\n ipv4 = \"10.213.0.1/24\"\n"
			      " ipv6 = \"fd42:213::1/64\"\n}\n"
			      "network top {\n bridge = gw9\n ipv4 = \"223.255.255.1/24\"\n}\n";
static const char *const ups[] = { "eth0", "eth0" };
static struct gw_conf *conf;
static struct nft_plan ps, bm; /* port-set form, bridge-meta form */

static void setup(void)
{
	char err[256];

	ck_assert_int_eq(conf_load_buf("t", one_net, &conf, err, sizeof(err)), 0);
	ck_assert_int_eq(nft_plan_build(conf, ups, false, &ps), 0);
	ck_assert_int_eq(nft_plan_build(conf, ups, true, &bm), 0);
}

static void teardown(void)
{
	nft_plan_release(&ps);
	nft_plan_release(&bm);
	conf_free(conf);
}

static long chain_of(const struct nft_plan *p, const char *name)
{
	for (size_t c = 0; c < p->n_chains; c++)
		if (!strcmp(p->chains[c].name, name) && p->chains[c].family == NFPROTO_BRIDGE)
			return (long)c;
	return -1;
}

/* A bridge chain's rules, one a line, in nft syntax. */
static const char *text_of(const struct nft_plan *p, const char *chain)
{
	static char out[4096];
	char line[1024];
	long c = chain_of(p, chain);

	out[0] = '\0';
	ck_assert_msg(c >= 0, "no chain %s", chain);
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].chain == (size_t)c) {
			nft_rule_format(&p->rules[i], line, sizeof(line));
			strcat(out, line);
			strcat(out, "\n");
		}
	return out;
}

START_TEST(test_untrusted_chains)
{
	static const char untrusted[] = "udp sport 68 udp dport 67 accept\n"
					"arp saddr ip 0.0.0.0 accept\n"
					"ip6 saddr :: icmpv6 type nd-neighbor-solicit accept\n"
					"counter name \"untrusted\" drop\n";
	static const char unknown[] = "arp saddr ip @our_nets4 counter name \"untrusted\" drop\n"
				      "ip saddr @our_nets4 counter name \"untrusted\" drop\n"
				      "ip6 saddr @our_nets6 counter name \"untrusted\" drop\n"
				      "icmpv6 type nd-neighbor-advert @th,64,128 @our_nets6 "
				      "counter name \"untrusted\" drop\n";

	/* the same two chains in both forms */
	ck_assert_str_eq(text_of(&ps, NFT_UNTRUSTED_CHAIN), untrusted);
	ck_assert_str_eq(text_of(&bm, NFT_UNTRUSTED_CHAIN), untrusted);
	ck_assert_str_eq(text_of(&ps, NFT_UNKNOWN_CHAIN), unknown);
	ck_assert_str_eq(text_of(&bm, NFT_UNKNOWN_CHAIN), unknown);
	/* port-set: newcomers' frames towards known guests; their claims on
	 * our addresses towards the host */
	ck_assert_str_eq(text_of(&ps, "forward"),
			 "iifname vmap @port_nets\n"
			 "iifname != @bind_nets oifname @guest_ports jump untrusted_port\n");
	ck_assert_str_eq(text_of(&ps, "input"), "iifname != @bind_nets jump unknown_port\n");
	/* the bound guests' fast paths (nft/binding.c), then the dispatch */
	ck_assert_str_eq(text_of(&ps, "prerouting"),
			 "th dport != 67 th dport != 547 iif . ether saddr . ip saddr @bind4 "
			 "accept\n"
			 "meta l4proto != ipv6-icmp th dport != 67 th dport != 547 iif . "
			 "ether saddr . ip6 saddr @bind6 accept\n"
			 "iifname vmap @bind_nets\n");
	/* bridge-meta: every frame of a port of our bridges not listed */
	ck_assert_str_eq(text_of(&bm, "forward"), "meta ibrname vmap @br_nets\n");
	ck_assert_str_eq(text_of(&bm, "input"), "");
	ck_assert_str_eq(text_of(&bm, "prerouting"),
			 "th dport != 67 th dport != 547 iif . ether saddr . ip saddr @bind4 "
			 "accept\n"
			 "meta l4proto != ipv6-icmp th dport != 67 th dport != 547 iif . "
			 "ether saddr . ip6 saddr @bind6 accept\n"
			 "iifname vmap @bind_nets\n"
			 "meta ibrname @br_nets iifname != @bind_nets jump untrusted_port\n");
	/* the input base chain, on the bridge's local-in hook, accepts */
	ck_assert_str_eq(ps.chains[NC_BR_INPUT].name, "input");
	ck_assert_uint_eq(ps.chains[NC_BR_INPUT].family, NFPROTO_BRIDGE);
	ck_assert_uint_eq(ps.chains[NC_BR_INPUT].hooknum, NF_BR_LOCAL_IN);
	ck_assert(!ps.chains[NC_BR_INPUT].absent);
	/* bridge-meta: no rules there, so no hook either (issue 18: every
	 * frame for the host would enter an empty chain); the others stay */
	ck_assert(bm.chains[NC_BR_INPUT].absent);
	ck_assert(!bm.chains[NC_BR_PREROUTING].absent && !bm.chains[NC_BR_FORWARD].absent &&
		  !bm.chains[NC_BR_OUTPUT].absent);
}
END_TEST

/* Item 3: any server message crossing the bridge, whatever its port. */
START_TEST(test_server_any_sport)
{
	ck_assert_str_eq(text_of(&ps, "ports_default"),
			 "th dport > 546 meta l4proto != ipv6-icmp return\n"
			 "udp dport 68 counter name \"guard_default\" drop\n"
			 "udp dport 546 counter name \"guard_default\" drop\n"
			 "icmpv6 type nd-router-advert counter name \"guard_default\" drop\n"
			 "udp dport 67 @th,64,8 0x2 counter name \"guard_default\" drop\n");
	ck_assert_str_eq(text_of(&ps, "ports_default"), text_of(&bm, "ports_default"));
	/* leaving the bridge, our own dnsmasq's, from its server ports */
	ck_assert_str_eq(text_of(&ps, "out_default"),
			 "th dport > 546 meta l4proto != ipv6-icmp return\n"
			 "udp sport 67 udp dport 68 jump guard_default\n"
			 "udp sport 547 udp dport 546 jump guard_default\n"
			 "icmpv6 type nd-router-advert jump guard_default\n");
}
END_TEST

/* --- bytecode ------------------------------------------------------------ */

struct rules {
	char text[128][1024];
	size_t n;
};

static void rules_of(const struct nft_plan *p, struct rules *w)
{
	struct nft_batch *b;
	size_t len;
	const struct nlmsghdr *nlh;
	int left;

	memset(w, 0, sizeof(*w));
	ck_assert_int_eq(nft_batch_replace(p, 1, 0, &b), 0);
	nlh = nft_batch_data(b, &len);
	left = (int)len;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct nftnl_rule *r;

		if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE))
			continue;
		r = nftnl_rule_alloc();
		ck_assert_int_eq(nftnl_rule_nlmsg_parse(nlh, r), 0);
		if (nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY) == NFPROTO_BRIDGE) {
			ck_assert_uint_lt(w->n, 128);
			nftnl_rule_snprintf(w->text[w->n++], 1024, r, NFTNL_OUTPUT_DEFAULT, 0);
		}
		nftnl_rule_free(r);
	}
	nft_batch_free(b);
}

/* The nth rule of a bridge chain, without its first line. */
static const char *rule(const struct rules *w, const char *chain, size_t nth)
{
	char head[128];

	snprintf(head, sizeof(head), "bridge gatewayd %s\n", chain);
	for (size_t i = 0; i < w->n; i++)
		if (!strncmp(w->text[i], head, strlen(head)) && nth-- == 0)
			return w->text[i] + strlen(head);
	return "not found\n";
}

START_TEST(test_untrusted_bytecode)
{
	static struct rules w, m;

	rules_of(&ps, &w);
	rules_of(&bm, &m);
	/* udp sport 68 udp dport 67 accept */
	ck_assert_str_eq(rule(&w, "untrusted_port", 0),
			 "  [ meta load l4proto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000011 ]\n"
			 "  [ payload load 2b @ transport header + 0 => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00004400 ]\n"
			 "  [ payload load 2b @ transport header + 2 => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00004300 ]\n"
			 "  [ immediate reg 0 accept ]\n");
	/* counter name "untrusted" drop */
	ck_assert_str_eq(rule(&w, "untrusted_port", 3), "  [ objref type 1 name untrusted ]\n"
							"  [ immediate reg 0 drop ]\n");
	/* arp saddr ip @our_nets4 counter name "untrusted" drop */
	ck_assert_str_eq(rule(&w, "unknown_port", 0),
			 "  [ payload load 2b @ link header + 12 => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000608 ]\n"
			 "  [ payload load 4b @ network header + 14 => reg 1 ]\n"
			 "  [ lookup reg 1 set our_nets4 ]\n"
			 "  [ objref type 1 name untrusted ]\n"
			 "  [ immediate reg 0 drop ]\n");
	/* ip saddr @our_nets4 ... */
	ck_assert_str_eq(rule(&w, "unknown_port", 1),
			 "  [ meta load protocol => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000008 ]\n"
			 "  [ payload load 4b @ network header + 12 => reg 1 ]\n"
			 "  [ lookup reg 1 set our_nets4 ]\n"
			 "  [ objref type 1 name untrusted ]\n"
			 "  [ immediate reg 0 drop ]\n");
	/* ip6 saddr @our_nets6 ... */
	ck_assert_str_eq(rule(&w, "unknown_port", 2),
			 "  [ meta load protocol => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x0000dd86 ]\n"
			 "  [ payload load 16b @ network header + 8 => reg 1 ]\n"
			 "  [ lookup reg 1 set our_nets6 ]\n"
			 "  [ objref type 1 name untrusted ]\n"
			 "  [ immediate reg 0 drop ]\n");
	/* icmpv6 type nd-neighbor-advert @th,64,128 @our_nets6 ... */
	ck_assert_str_eq(rule(&w, "unknown_port", 3),
			 "  [ meta load protocol => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x0000dd86 ]\n"
			 "  [ meta load l4proto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x0000003a ]\n"
			 "  [ payload load 1b @ transport header + 0 => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000088 ]\n"
			 "  [ payload load 16b @ transport header + 8 => reg 1 ]\n"
			 "  [ lookup reg 1 set our_nets6 ]\n"
			 "  [ objref type 1 name untrusted ]\n"
			 "  [ immediate reg 0 drop ]\n");
	/* port-set: iifname != @bind_nets jump unknown_port */
	ck_assert_str_eq(rule(&w, "input", 0), "  [ meta load iifname => reg 1 ]\n"
					       "  [ lookup reg 1 set bind_nets 0x1 ]\n"
					       "  [ immediate reg 0 jump -> unknown_port ]\n");
	/* iifname != @bind_nets oifname @guest_ports jump untrusted_port */
	ck_assert_str_eq(rule(&w, "forward", 1), "  [ meta load iifname => reg 1 ]\n"
						 "  [ lookup reg 1 set bind_nets 0x1 ]\n"
						 "  [ meta load oifname => reg 1 ]\n"
						 "  [ lookup reg 1 set guest_ports ]\n"
						 "  [ immediate reg 0 jump -> untrusted_port ]\n");
	/* bridge-meta: meta ibrname @br_nets iifname != @bind_nets jump ... */
	ck_assert_str_eq(rule(&m, "prerouting", 3),
			 "  [ meta load bri_iifname => reg 1 ]\n"
			 "  [ lookup reg 1 set br_nets ]\n"
			 "  [ meta load iifname => reg 1 ]\n"
			 "  [ lookup reg 1 set bind_nets 0x1 ]\n"
			 "  [ immediate reg 0 jump -> untrusted_port ]\n");
	ck_assert_str_eq(rule(&m, "input", 0), "not found\n");
	ck_assert_str_eq(rule(&m, "forward", 1), "not found\n");
	/* item 3: udp dport 67 @th,64,8 0x2 (op BOOTREPLY) */
	ck_assert_str_eq(rule(&w, "ports_default", 4),
			 "  [ meta load l4proto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000011 ]\n"
			 "  [ payload load 2b @ transport header + 2 => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00004300 ]\n"
			 "  [ payload load 1b @ transport header + 8 => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000002 ]\n"
			 "  [ objref type 1 name guard_default ]\n"
			 "  [ immediate reg 0 drop ]\n");
	/* th dport > 546 meta l4proto != ipv6-icmp return: nothing the
	 * rules after it drop (ports 67, 68, 546; RA) leaves here, one rule
	 * for most frames; big-endian compare, as nft's "th dport > 546" */
	ck_assert_str_eq(rule(&w, "ports_default", 0),
			 "  [ payload load 2b @ transport header + 2 => reg 1 ]\n"
			 "  [ cmp gt reg 1 0x00002202 ]\n"
			 "  [ meta load l4proto => reg 1 ]\n"
			 "  [ cmp neq reg 1 0x0000003a ]\n"
			 "  [ immediate reg 0 return ]\n");
	ck_assert_str_eq(rule(&w, "ports_default", 0), rule(&w, "out_default", 0));
	/* udp dport 68, from any source port */
	ck_assert_str_eq(rule(&w, "ports_default", 1),
			 "  [ meta load l4proto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000011 ]\n"
			 "  [ payload load 2b @ transport header + 2 => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00004400 ]\n"
			 "  [ objref type 1 name guard_default ]\n"
			 "  [ immediate reg 0 drop ]\n");
}
END_TEST

/* --- our subnets: interval sets ------------------------------------------- */

static const struct nft_set_plan *set_of(const struct nft_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_sets; i++)
		if (!strcmp(p->sets[i].name, name))
			return &p->sets[i];
	return NULL;
}

START_TEST(test_our_sets_plan)
{
	const struct nft_set_plan *s4 = set_of(&ps, NFT_OUR4_SET), *s6 = set_of(&ps, NFT_OUR6_SET);
	char a[INET6_ADDRSTRLEN], *text = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_ptr_nonnull(s4);
	ck_assert_ptr_nonnull(s6);
	ck_assert(s4->interval && !s4->vmap && !s4->dynamic);
	ck_assert_uint_eq(s4->family, NFPROTO_BRIDGE);
	ck_assert_uint_eq(s4->n_elems, 2);
	inet_ntop(AF_INET, s4->elems[0].key.raw, a, sizeof(a));
	ck_assert_str_eq(a, "10.213.0.0");
	inet_ntop(AF_INET, s4->elems[0].key_end.raw, a, sizeof(a));
	ck_assert_str_eq(a, "10.213.0.255");
	inet_ntop(AF_INET, s4->elems[1].key_end.raw, a, sizeof(a));
	ck_assert_str_eq(a, "223.255.255.255");
	/* the prefix, and the gateway's EUI-64 link-local (network "top" has
	 * no IPv6 prefix, but a link-local address all the same) */
	ck_assert_uint_eq(s6->n_elems, 3);
	inet_ntop(AF_INET6, s6->elems[0].key_end.raw, a, sizeof(a));
	ck_assert_str_eq(a, "fd42:213::ffff:ffff:ffff:ffff");
	inet_ntop(AF_INET6, s6->elems[1].key.raw, a, sizeof(a));
	ck_assert_str_eq(a, "fe80::140a:79ff:fe22:99bc");
	ck_assert(!memcmp(s6->elems[1].key.raw, s6->elems[1].key_end.raw, 16));
	/* printed as nft lists them */
	ck_assert_ptr_nonnull(f = open_memstream(&text, &len));
	nft_plan_print(f, &ps);
	fclose(f);
	ck_assert_msg(strstr(text, "\tset our_nets4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n"
				   "\t\telements = { 10.213.0.0/24,\n"
				   "\t\t\t     223.255.255.0/24 }\n\t}\n"),
		      "%s", strstr(text, "set our_nets4"));
	ck_assert_msg(strstr(text, "\t\telements = { fd42:213::/64,\n"
				   "\t\t\t     fe80::140a:79ff:fe22:99bc,\n"),
		      "%s", strstr(text, "set our_nets6"));
	free(text);
}
END_TEST

/* The kernel's rbtree takes an interval as two elements: its start, and
 * flagged as an end, the address after it -- none past the top. */
START_TEST(test_our_sets_batch)
{
	struct nft_batch *b;
	const struct nlmsghdr *nlh;
	size_t len;
	int left;
	char got[512] = "";
	bool declared = false;

	ck_assert_int_eq(nft_batch_replace(&ps, 1, 0, &b), 0);
	nlh = nft_batch_data(b, &len);
	left = (int)len;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		const struct nlattr *a, *el, *x, *d;

		if (nlh->nlmsg_type == ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSET)) {
			struct nftnl_set *s = nftnl_set_alloc();

			ck_assert_int_eq(nftnl_set_nlmsg_parse(nlh, s), 0);
			if (!strcmp(nftnl_set_get_str(s, NFTNL_SET_NAME), NFT_OUR4_SET)) {
				declared = true;
				ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_FLAGS),
						  NFT_SET_INTERVAL);
				ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), 7);
				ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 4);
			}
			nftnl_set_free(s);
			continue;
		}
		if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM))
			continue;
		mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		{
			if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_SET &&
			    strcmp(mnl_attr_get_str(a), NFT_OUR4_SET))
				break;
			if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
				continue;
			mnl_attr_for_each_nested(el, a)
			{
				char one[64] = "";
				uint32_t flags = 0;

				mnl_attr_for_each_nested(x, el)
				{
					if (mnl_attr_get_type(x) == NFTA_SET_ELEM_FLAGS)
						flags = ntohl(mnl_attr_get_u32(x));
					if (mnl_attr_get_type(x) == NFTA_SET_ELEM_KEY)
						mnl_attr_for_each_nested(d, x)
							inet_ntop(AF_INET, mnl_attr_get_payload(d),
								  one, sizeof(one));
				}
				snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s\n",
					 one, flags & NFT_SET_ELEM_INTERVAL_END ? " end" : "");
			}
		}
	}
	ck_assert(declared);
	ck_assert_str_eq(got, "10.213.0.0\n10.213.1.0 end\n223.255.255.0\n224.0.0.0 end\n");
	nft_batch_free(b);
}
END_TEST

START_TEST(test_backstop_gap)
{
	ck_assert_ptr_nonnull(strstr(nft_backstop_gap(false), "not listed yet"));
	ck_assert_ptr_nonnull(strstr(nft_backstop_gap(true), "frozen"));
}
END_TEST

/* GATEWAYD_TEST_OMIT (bench/ruleset.sh's per-part figures): "untrusted"
 * leaves untrusted_port's and unknown_port's rules and the jumps there
 * out, "backstop" out_NET's, ports_NET's, guard_NET's and their dispatch;
 * the chains stay (maps' elements jump there), everything else is as it
 * was. */
static struct nft_plan omit_plan(const char *omit)
{
	struct nft_plan p;

	setenv("GATEWAYD_TEST_OMIT", omit, 1);
	ck_assert_int_eq(nft_plan_build(conf, ups, false, &p), 0);
	unsetenv("GATEWAYD_TEST_OMIT");
	return p;
}

START_TEST(test_omit_untrusted)
{
	struct nft_plan p = omit_plan("untrusted");

	ck_assert_str_eq(text_of(&p, NFT_UNTRUSTED_CHAIN), "");
	ck_assert_str_eq(text_of(&p, NFT_UNKNOWN_CHAIN), "");
	ck_assert_str_eq(text_of(&p, "input"), "");
	ck_assert_str_eq(text_of(&p, "forward"), "iifname vmap @port_nets\n");
	ck_assert_str_eq(text_of(&p, "output"), text_of(&ps, "output"));
	ck_assert_ptr_nonnull(strstr(text_of(&p, "out_default"), "jump guard_default"));
	ck_assert_ptr_nonnull(strstr(text_of(&ps, "input"), "jump unknown_port"));
	nft_plan_release(&p);
}
END_TEST

START_TEST(test_omit_backstop)
{
	struct nft_plan p = omit_plan("backstop");

	ck_assert_str_eq(text_of(&p, "output"), "");
	ck_assert_str_eq(text_of(&p, "out_default"), "");
	ck_assert_str_eq(text_of(&p, "ports_default"), "");
	ck_assert_str_eq(text_of(&p, "guard_default"), "");
	ck_assert_ptr_null(strstr(text_of(&p, "forward"), "port_nets"));
	ck_assert_ptr_nonnull(strstr(text_of(&p, "forward"), "jump untrusted_port"));
	ck_assert_str_eq(text_of(&p, NFT_UNKNOWN_CHAIN), text_of(&ps, NFT_UNKNOWN_CHAIN));
	ck_assert_ptr_nonnull(strstr(text_of(&ps, "output"), "@out_nets"));
	nft_plan_release(&p);
}
END_TEST

Suite *untrusted_suite(void)
{
	Suite *s = suite_create("untrusted");
	TCase *tc = tcase_create("untrusted");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_untrusted_chains);
	tcase_add_test(tc, test_server_any_sport);
	tcase_add_test(tc, test_untrusted_bytecode);
	tcase_add_test(tc, test_our_sets_plan);
	tcase_add_test(tc, test_our_sets_batch);
	tcase_add_test(tc, test_backstop_gap);
	tcase_add_test(tc, test_omit_untrusted);
	tcase_add_test(tc, test_omit_backstop);
	suite_add_tcase(s, tc);
	return s;
}
