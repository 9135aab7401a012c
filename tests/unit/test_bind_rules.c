/* The claim rules (nft/binding_claim.c): a DHCP chaddr and an ND
 * link-layer option must be the frame's source. Their text in claim_NET,
 * which bind_NET enters right after the DHCP meter on every network; their
 * bytecode parsed back from the batch and compared with what
 * `nft --debug=netlink` prints for the same rules (in a table of its own,
 * this kernel's nft 1.0.6); the mac_self set's declaration; the claim_NET
 * counter. */
#include "suites.h"
#include "conf/conf.h"
#include "nft/batch.h"
#include "nft/binding.h"
#include "nft/plan.h"

#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char nets[] = "network default {\n bridge = gw0\n ipv4 = \"10.213.0.1/24\"\n}\n"
			   "network open {\n bridge = gw1\n ipv4 = \"10.50.0.1/24\"\n"
			   " guest_binding = false\n}\n";
static const char *const ups[] = { "eth0", "eth0" };
static struct gw_conf *conf;
static struct nft_plan plan;

const char *bind_claims_text(const char *net)
{
	static char out[256];

	snprintf(out, sizeof(out),
		 "meta protocol 8021q @ll,112,16 & 0xfff == 0x0 counter name \"claim_%1$s\" drop\n"
		 "meta protocol 8021ad @ll,112,16 & 0xfff == 0x0 counter name \"claim_%1$s\" "
		 "drop\n"
		 "udp dport 67 jump claim_%1$s\n"
		 "icmpv6 type 133-136 jump claim_%1$s\n",
		 net);
	return out;
}

/* claim_NET */
static const char *claims_text(const char *net)
{
	static char out[2048];

	snprintf(
		out, sizeof(out),
		"meta protocol ip udp dport 67 update @mac_self { ether saddr . ether saddr }\n"
		"meta protocol ip udp dport 67 @th,64,24 != 0x10106 counter name \"claim_%1$s\" "
		"drop\n"
		"meta protocol ip udp dport 67 ether saddr . @th,288,48 @mac_self return\n"
		"meta protocol ip udp dport 67 counter name \"claim_%1$s\" drop\n"
		"icmpv6 type 133-136 iifname . ether saddr != @dhcp_clients add @dhcp_rate { "
		"iifname "
		"limit rate over 4/minute } counter name \"dhcp_rate_%1$s\" drop\n"
		"icmpv6 type 133-136 update @dhcp_clients { iifname . ether saddr }\n"
		"icmpv6 type 133-136 update @mac_self { ether saddr . ether saddr }\n"
		"icmpv6 type nd-neighbor-solicit ip6 saddr != :: @th,192,8 != 0x1 counter name "
		"\"claim_%1$s\" drop\n"
		"icmpv6 type nd-neighbor-solicit ip6 saddr != :: ether saddr . @th,208,48 != "
		"@mac_self counter name \"claim_%1$s\" drop\n"
		"icmpv6 type nd-neighbor-advert @th,192,8 != 0x2 counter name \"claim_%1$s\" drop\n"
		"icmpv6 type nd-neighbor-advert ether saddr . @th,208,48 != @mac_self counter name "
		"\"claim_%1$s\" drop\n"
		"icmpv6 type nd-router-solicit @th,64,8 != 0x1 counter name \"claim_%1$s\" drop\n"
		"icmpv6 type nd-router-solicit ether saddr . @th,80,48 != @mac_self counter name "
		"\"claim_%1$s\" drop\n",
		net);
	return out;
}

static void setup(void)
{
	char err[512];

	ck_assert_int_eq(conf_load_buf("t", nets, &conf, err, sizeof(err)), 0);
	ck_assert_int_eq(nft_plan_build(conf, ups, false, &plan), 0);
}

static void teardown(void)
{
	nft_plan_release(&plan);
	conf_free(conf);
}

/* Rules from..to-1 of the bridge chain name, one per line. */
static char *rules_text(const char *name, size_t from, size_t to)
{
	static char out[4096];
	char line[1024];
	size_t off = 0, k = 0;

	out[0] = '\0';
	for (size_t c = 0; c < plan.n_chains; c++)
		if (!strcmp(plan.chains[c].name, name) && plan.chains[c].family == NFPROTO_BRIDGE)
			for (size_t i = 0; i < plan.n_rules; i++)
				if (plan.rules[i].chain == c && k++ >= from && k <= to) {
					nft_rule_format(&plan.rules[i], line, sizeof(line));
					off += (size_t)snprintf(out + off, sizeof(out) - off,
								"%s\n", line);
				}
	return out;
}

/* bind_NET jumps to claim_NET right after the meter's four rules, on
 * every network (guest_binding = false too); with guest binding the
 * source MACs' meter comes after the VLAN drops and the fast path. */
START_TEST(test_claims_text)
{
	char want[2048];

	ck_assert_str_eq(rules_text("bind_default", 4, 8), bind_claims_text("default"));
	ck_assert_str_eq(rules_text("bind_default", 11, 13),
			 "iifname . ether saddr != @mac_clients add @mac_rate { iifname limit rate "
			 "over 4/minute } counter name \"bind_default\" drop\n"
			 "update @mac_clients { iifname . ether saddr }\n");
	ck_assert_str_eq(rules_text("bind_open", 4, 8), bind_claims_text("open"));
	ck_assert_str_eq(rules_text("bind_default", 3, 4),
			 "udp dport 547 update @dhcp_clients { iifname . ether saddr }\n");
	snprintf(want, sizeof(want), "%s", claims_text("default"));
	ck_assert_str_eq(rules_text("claim_default", 0, 100), want);
	snprintf(want, sizeof(want), "%s", claims_text("open"));
	ck_assert_str_eq(rules_text("claim_open", 0, 100), want);
}
END_TEST

/* bind_default's jumps, then claim_default's rules */
static const char *const bytecode[] = {
	/* two tags, the outer one a priority tag */
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x00000081 ] [ payload load 2b @ link "
	"header + 14 => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x0000ff0f ) ^ 0x00000000 ] [ cmp eq "
	"reg 1 0x00000000 ] [ objref type 1 name claim_default ] [ immediate reg 0 drop ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x0000a888 ] [ payload load 2b @ link "
	"header + 14 => reg 1 ] [ bitwise reg 1 = ( reg 1 & 0x0000ff0f ) ^ 0x00000000 ] [ cmp eq "
	"reg 1 0x00000000 ] [ objref type 1 name claim_default ] [ immediate reg 0 drop ]",
	"[ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000011 ] [ payload load 2b @ "
	"transport header + 2 => reg 1 ] [ cmp eq reg 1 0x00004300 ] [ immediate reg 0 jump -> "
	"claim_default ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x0000dd86 ] [ meta load l4proto => reg 1 "
	"] [ cmp eq reg 1 0x0000003a ] [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp "
	"gte reg 1 0x00000085 ] [ cmp lte reg 1 0x00000088 ] [ immediate reg 0 jump -> "
	"claim_default ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x00000008 ] [ meta load l4proto => reg 1 "
	"] [ cmp eq reg 1 0x00000011 ] [ payload load 2b @ transport header + 2 => reg 1 ] [ cmp "
	"eq reg 1 0x00004300 ] [ payload load 6b @ link header + 6 => reg 1 ] [ payload load 6b @ "
	"link header + 6 => reg 10 ] [ dynset update reg_key 1 set mac_self ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x00000008 ] [ meta load l4proto => reg 1 "
	"] [ cmp eq reg 1 0x00000011 ] [ payload load 2b @ transport header + 2 => reg 1 ] [ cmp "
	"eq reg 1 0x00004300 ] [ payload load 3b @ transport header + 8 => reg 1 ] [ cmp neq reg "
	"1 0x00060101 ] [ objref type 1 name claim_default ] [ immediate reg 0 drop ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x00000008 ] [ meta load l4proto => reg 1 "
	"] [ cmp eq reg 1 0x00000011 ] [ payload load 2b @ transport header + 2 => reg 1 ] [ cmp "
	"eq reg 1 0x00004300 ] [ payload load 6b @ link header + 6 => reg 1 ] [ payload load 6b @ "
	"transport header + 36 => reg 10 ] [ lookup reg 1 set mac_self ] [ immediate reg 0 "
	"return ]",
	/* fails closed: a chaddr that cannot be loaded (a first fragment
	 * cut short) is dropped */
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x00000008 ] [ meta load l4proto => reg 1 "
	"] [ cmp eq reg 1 0x00000011 ] [ payload load 2b @ transport header + 2 => reg 1 ] [ cmp "
	"eq reg 1 0x00004300 ] [ objref type 1 name claim_default ] [ immediate reg 0 drop ]",
	/* ND from a new port . MAC through the DHCP meter, then known */
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x0000dd86 ] [ meta load l4proto => reg 1 "
	"] [ cmp eq reg 1 0x0000003a ] [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp "
	"gte reg 1 0x00000085 ] [ cmp lte reg 1 0x00000088 ] [ meta load iifname => reg 1 ] [ "
	"payload load 6b @ link header + 6 => reg 2 ] [ lookup reg 1 set dhcp_clients 0x1 ] [ meta "
	"load iifname => reg 1 ] [ dynset add reg_key 1 set dhcp_rate expr [ limit rate 4/minute "
	"burst 5 type packets flags 0x1 ] ] [ objref type 1 name dhcp_rate_default ] [ immediate "
	"reg 0 drop ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x0000dd86 ] [ meta load l4proto => reg 1 "
	"] [ cmp eq reg 1 0x0000003a ] [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp "
	"gte reg 1 0x00000085 ] [ cmp lte reg 1 0x00000088 ] [ meta load iifname => reg 1 ] [ "
	"payload load 6b @ link header + 6 => reg 2 ] [ dynset update reg_key 1 set dhcp_clients ]",
	/* nft checks "ether type ip6" here; we check meta protocol, as
	 * binding.c's rules do (a tag the driver took off) */
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x0000dd86 ] [ meta load l4proto => reg 1 "
	"] [ cmp eq reg 1 0x0000003a ] [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp "
	"gte reg 1 0x00000085 ] [ cmp lte reg 1 0x00000088 ] [ payload load 6b @ link header + 6 "
	"=> reg 1 ] [ payload load 6b @ link header + 6 => reg 10 ] [ dynset update reg_key 1 set "
	"mac_self ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x0000dd86 ] [ meta load l4proto => reg 1 "
	"] [ cmp eq reg 1 0x0000003a ] [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp "
	"eq reg 1 0x00000087 ] [ payload load 16b @ network header + 8 => reg 1 ] [ cmp neq reg 1 "
	"0x00000000 0x00000000 0x00000000 0x00000000 ] [ payload load 1b @ transport header + 24 "
	"=> reg 1 ] [ cmp neq reg 1 0x00000001 ] [ objref type 1 name claim_default ] [ immediate "
	"reg 0 drop ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x0000dd86 ] [ meta load l4proto => reg 1 "
	"] [ cmp eq reg 1 0x0000003a ] [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp "
	"eq reg 1 0x00000087 ] [ payload load 16b @ network header + 8 => reg 1 ] [ cmp neq reg 1 "
	"0x00000000 0x00000000 0x00000000 0x00000000 ] [ payload load 6b @ link header + 6 => reg "
	"1 ] [ payload load 6b @ transport header + 26 => reg 10 ] [ lookup reg 1 set mac_self 0x1 "
	"] [ objref type 1 name claim_default ] [ immediate reg 0 drop ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x0000dd86 ] [ meta load l4proto => reg 1 "
	"] [ cmp eq reg 1 0x0000003a ] [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp "
	"eq reg 1 0x00000088 ] [ payload load 1b @ transport header + 24 => reg 1 ] [ cmp neq reg "
	"1 0x00000002 ] [ objref type 1 name claim_default ] [ immediate reg 0 drop ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x0000dd86 ] [ meta load l4proto => reg 1 "
	"] [ cmp eq reg 1 0x0000003a ] [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp "
	"eq reg 1 0x00000088 ] [ payload load 6b @ link header + 6 => reg 1 ] [ payload load 6b @ "
	"transport header + 26 => reg 10 ] [ lookup reg 1 set mac_self 0x1 ] [ objref type 1 name "
	"claim_default ] [ immediate reg 0 drop ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x0000dd86 ] [ meta load l4proto => reg 1 "
	"] [ cmp eq reg 1 0x0000003a ] [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp "
	"eq reg 1 0x00000085 ] [ payload load 1b @ transport header + 8 => reg 1 ] [ cmp neq reg "
	"1 0x00000001 ] [ objref type 1 name claim_default ] [ immediate reg 0 drop ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x0000dd86 ] [ meta load l4proto => reg 1 "
	"] [ cmp eq reg 1 0x0000003a ] [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp "
	"eq reg 1 0x00000085 ] [ payload load 6b @ link header + 6 => reg 1 ] [ payload load 6b @ "
	"transport header + 10 => reg 10 ] [ lookup reg 1 set mac_self 0x1 ] [ objref type 1 name "
	"claim_default ] [ immediate reg 0 drop ]",
};

struct walked {
	char rules[20][1024]; /* bind_default's rules 6 to 9, claim_default's */
	size_t n_rules, seen;
	bool set_found;
	uint32_t set_flags, set_klen, set_ktype, set_size;
	uint64_t set_timeout;
};

static void walk(const struct nft_batch *b, struct walked *w)
{
	size_t len;
	const struct nlmsghdr *nlh = nft_batch_data(b, &len);
	int left = (int)len;

	memset(w, 0, sizeof(*w));
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		int type = nlh->nlmsg_type & 0xff;

		if (nlh->nlmsg_type >> 8 != NFNL_SUBSYS_NFTABLES)
			continue;
		if (type == NFT_MSG_NEWRULE) {
			struct nftnl_rule *r = nftnl_rule_alloc();

			ck_assert_int_eq(nftnl_rule_nlmsg_parse(nlh, r), 0);
			const char *chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
			bool bind = !strcmp(chain, "bind_default");

			/* bind_default's rules come first in the batch */
			if (((bind && w->seen >= 4 && w->seen < 8) ||
			     !strcmp(chain, "claim_default")) &&
			    w->n_rules < 20)
				nftnl_rule_snprintf(w->rules[w->n_rules++], 1024, r,
						    NFTNL_OUTPUT_DEFAULT, 0);
			w->seen += bind;
			nftnl_rule_free(r);
		}
		if (type == NFT_MSG_NEWSET) {
			struct nftnl_set *s = nftnl_set_alloc();

			ck_assert_int_eq(nftnl_set_nlmsg_parse(nlh, s), 0);
			if (!strcmp(nftnl_set_get_str(s, NFTNL_SET_NAME), NFT_MAC_SELF_SET)) {
				ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_FAMILY),
						  NFPROTO_BRIDGE);
				w->set_found = true;
				w->set_flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
				w->set_klen = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
				w->set_ktype = nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE);
				w->set_size = nftnl_set_get_u32(s, NFTNL_SET_DESC_SIZE);
				w->set_timeout = nftnl_set_get_u64(s, NFTNL_SET_TIMEOUT);
			}
			nftnl_set_free(s);
		}
	}
	ck_assert_int_eq(left, 0);
}

START_TEST(test_claims_bytecode)
{
	static struct walked w;
	struct nft_batch *b;
	char flat[1024];
	size_t n = sizeof(bytecode) / sizeof(bytecode[0]);

	ck_assert_int_eq(nft_batch_replace(&plan, 1000, 0, &b), 0);
	walk(b, &w);
	ck_assert_uint_eq(w.n_rules, n);
	for (size_t i = 0; i < n; i++) {
		rule_flatten(w.rules[i], flat, sizeof(flat));
		ck_assert_str_eq(flat, bytecode[i]);
	}
	/* ether_addr . ether_addr, each part 8 bytes; rules add to it, with
	 * a timeout */
	ck_assert(w.set_found);
	ck_assert_uint_eq(w.set_flags, NFT_SET_EVAL | NFT_SET_TIMEOUT);
	ck_assert_uint_eq(w.set_klen, 16);
	ck_assert_uint_eq(w.set_ktype, (9 << 6) | 9);
	/* no size: the kernel's dynset caps it at NFT_MAC_SELF_SIZE (65535)
	 * and a size would make the kernel allocate a hash for that many at
	 * start (nft/msg.c) */
	ck_assert_uint_eq(w.set_size, 0);
	ck_assert_uint_eq(w.set_timeout, NFT_MAC_SELF_TIMEOUT_MS);
	nft_batch_free(b);
}
END_TEST

/* `gatewayd -n -v`: the set as `nft list` shows it, the counter. */
START_TEST(test_claims_print)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	bool ctr = false;

	nft_plan_print(f, &plan);
	fclose(f);
	ck_assert_msg(strstr(out, "\tset mac_self {\n\t\ttype ether_addr . ether_addr\n\t\tsize "
				  "65535\n\t\tflags dynamic,timeout\n\t\ttimeout 2s\n\t}\n"),
		      "%s", out);
	ck_assert_msg(strstr(out, "\tcounter claim_open {\n"), "%s", out);
	free(out);
	for (size_t i = 0; i < plan.n_counters; i++)
		ctr |= !strcmp(plan.counters[i].name, "claim_default") &&
		       plan.counters[i].family == NFPROTO_BRIDGE;
	ck_assert(ctr);
	ck_assert_str_eq(nft_ctr_kinds[NCTR_CLAIM].status, "claim_dropped");
}
END_TEST

/* GATEWAYD_TEST_OMIT (bench/ruleset.sh's per-part figures): "binding"
 * leaves bind_NET's address and MAC checks out (the fast paths, the VLAN
 * drops, the records), "meters" the DHCP meters and the claims (the jumps
 * to claim_NET and the chain itself); the other part stays as it was;
 * both: no prerouting dispatch at all. */
static char *omit_text(const char *omit, const char *chain)
{
	static char out[8192];
	struct nft_plan keep = plan;

	setenv("GATEWAYD_TEST_OMIT", omit, 1);
	ck_assert_int_eq(nft_plan_build(conf, ups, false, &plan), 0);
	unsetenv("GATEWAYD_TEST_OMIT");
	snprintf(out, sizeof(out), "%s", rules_text(chain, 0, 1000));
	nft_plan_release(&plan);
	plan = keep;
	return out;
}

START_TEST(test_omit_binding)
{
	char want[2048];

	snprintf(want, sizeof(want), "%s", rules_text("bind_default", 0, 8));
	ck_assert_str_eq(omit_text("binding", "bind_default"), want);
	ck_assert_ptr_nonnull(strstr(rules_text("bind_default", 0, 1000), "@bind4 accept"));
	ck_assert_str_eq(omit_text("binding", "claim_default"),
			 rules_text("claim_default", 0, 1000));
	ck_assert_str_eq(omit_text("binding", "prerouting"), "iifname vmap @bind_nets\n");
}
END_TEST

START_TEST(test_omit_meters)
{
	char want[4096];

	/* what follows the claim jumps (the fast paths are prerouting's) */
	snprintf(want, sizeof(want), "%s", rules_text("bind_default", 8, 1000));
	ck_assert_str_eq(omit_text("meters", "bind_default"), want);
	ck_assert_ptr_null(strstr(want, "dhcp_rate"));
	ck_assert_ptr_null(strstr(want, "claim_default"));
	ck_assert_str_eq(omit_text("meters", "claim_default"), "");
	ck_assert_str_eq(omit_text("meters", "bind_open"), "");
	ck_assert_str_eq(omit_text("binding meters", "prerouting"), "");
}
END_TEST

Suite *bind_rules_suite(void)
{
	Suite *s = suite_create("bind_rules");
	TCase *tc = tcase_create("bind_rules");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_claims_text);
	tcase_add_test(tc, test_claims_bytecode);
	tcase_add_test(tc, test_claims_print);
	tcase_add_test(tc, test_omit_binding);
	tcase_add_test(tc, test_omit_meters);
	suite_add_tcase(s, tc);
	return s;
}
