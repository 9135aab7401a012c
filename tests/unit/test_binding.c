/* Guest binding: the bridge table's prerouting dispatch and bind_NET
 * chains in nft syntax, their bytecode parsed back from the batch and
 * compared with what `nft --debug=netlink` prints for the same rules, the
 * sets' declarations, the run-time refill transaction, and which port a
 * lease's MAC is bound to (binding_compute()). */
#include "suites.h"
#include "conf/conf.h"
#include "gatewayd/core/binding.h"
#include "nft/batch.h"
#include "nft/binding.h"
#include "nft/plan.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char nets[] = "network default {\n bridge = gw0\n ipv4 = \"10.213.0.1/24\"\n}\n"
			   "network open {\n bridge = gw1\n ipv4 = \"10.50.0.1/24\"\n"
			   " guest_binding = false\n}\n";
static const char *const ups[] = { "eth0", "eth0" };
static struct gw_conf *conf;
static struct nft_plan plan;

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

static char *chain_text(const char *name)
{
	static char out[8192];
	char line[1024];
	size_t off = 0;

	out[0] = '\0';
	for (size_t c = 0; c < plan.n_chains; c++)
		if (!strcmp(plan.chains[c].name, name) && plan.chains[c].family == NFPROTO_BRIDGE)
			for (size_t i = 0; i < plan.n_rules; i++)
				if (plan.rules[i].chain == c) {
					nft_rule_format(&plan.rules[i], line, sizeof(line));
					off += (size_t)snprintf(out + off, sizeof(out) - off,
								"%s\n", line);
				}
	return out;
}

START_TEST(test_binding_conf)
{
	char err[512];
	struct gw_conf *c;

	ck_assert(conf->networks[0].guest_binding);
	ck_assert(!conf->networks[1].guest_binding);
	ck_assert_int_lt(conf_load_buf("t",
				       "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n"
				       " guest_binding = maybe\n}\n",
				       &c, err, sizeof(err)),
			 0);
	ck_assert_msg(strstr(err, "t:4") && strstr(err, "guest_binding"), "%s", err);
}
END_TEST

START_TEST(test_binding_text)
{
	static const char meter[] =
		"udp dport 67 iifname . ether saddr != @dhcp_clients add @dhcp_rate { iifname "
		"limit "
		"rate over 4/minute } counter name \"dhcp_rate_%s\" drop\n"
		"udp dport 67 update @dhcp_clients { iifname . ether saddr }\n"
		"udp dport 547 iifname . ether saddr != @dhcp_clients add @dhcp_rate { iifname "
		"limit "
		"rate over 4/minute } counter name \"dhcp_rate_%s\" drop\n"
		"udp dport 547 update @dhcp_clients { iifname . ether saddr }\n";
	char want[8192];

	/* the fast paths first (guest binding on), then the dispatch */
	ck_assert_str_eq(chain_text("prerouting"),
			 "th dport != 67 th dport != 547 iif . ether saddr . ip saddr "
			 "@bind4 accept\n"
			 "meta l4proto != ipv6-icmp th dport != 67 th dport != 547 iif . "
			 "ether saddr . ip6 saddr @bind6 accept\n"
			 "iifname vmap @bind_nets\n");
	snprintf(want, sizeof(want), meter, "default", "default");
	strcat(want, bind_claims_text("default")); /* test_bind_rules.c */
	strcat(want, "ether type 8021q counter name \"bind_default\" drop\n"
		     "ether type 8021ad counter name \"bind_default\" drop\n"
		     "iif . ether saddr . ip saddr @bind4 accept\n"
		     "iifname . ether saddr != @mac_clients add @mac_rate { iifname limit rate "
		     "over 4/minute } counter name \"bind_default\" drop\n"
		     "update @mac_clients { iifname . ether saddr }\n"
		     "0x933b5bde [invalid type] . ether saddr @bound_macs iif . ether saddr != "
		     "@bind_mac counter name "
		     "\"bind_default\" drop\n"
		     "0x933b5bde [invalid type] . ether saddr @dhcp_macs iif . ether saddr != "
		     "@dhcp_seen counter name "
		     "\"bind_default\" drop\n"
		     "udp dport 67 update @dhcp_macs { 0xde5b3b93 . ether saddr } update "
		     "@dhcp_seen { iif . "
		     "ether saddr }\n"
		     "ip saddr 0.0.0.0 udp dport 67 accept\n"
		     "iif . ether saddr . ip saddr @bind4 accept\n"
		     /* each drop recorded first, for doctor (issue 19) */
		     "update @bind_miss4 { iif . ether saddr . ip saddr }\n"
		     "meta protocol ip counter name \"bind_default\" drop\n"
		     "arp saddr ip 0.0.0.0 accept\n"
		     "iif . arp saddr ether . arp saddr ip @bind4 accept\n"
		     "update @bind_miss4 { iif . arp saddr ether . arp saddr ip "
		     "}\n"
		     "meta protocol arp counter name \"bind_default\" drop\n"
		     "ip6 saddr @claimed6 iif . ether saddr . ip6 saddr != @bind6 update "
		     "@bind_miss6 { iif . ether saddr . ip6 saddr }\n"
		     "ip6 saddr @claimed6 iif . ether saddr . ip6 saddr != @bind6 counter name "
		     "\"bind_default\" drop\n"
		     "icmpv6 type nd-neighbor-advert @th,64,128 @claimed6 iif . ether saddr . "
		     "@th,64,128 != @bind6 counter name \"bind_default\" drop\n"
		     "ip6 saddr :: icmpv6 type nd-neighbor-solicit @th,64,128 @claimed6 iif . "
		     "ether saddr . @th,64,128 != @bind6 counter name \"bind_default\" drop\n");
	ck_assert_str_eq(chain_text("bind_default"), want);
	/* guest_binding = false: the meter only */
	snprintf(want, sizeof(want), meter, "open", "open");
	strcat(want, bind_claims_text("open"));
	ck_assert_str_eq(chain_text("bind_open"), want);
}
END_TEST

struct parsed {
	char rules[32][1024];
	size_t n_rules;
	uint32_t set_flags[32], set_klen[32], set_size[32];
	char set_names[32][32];
	size_t n_sets;
	int types[64];
	size_t n_types;
};

static void parse(const struct nft_batch *b, const char *chain, struct parsed *p)
{
	size_t len;
	const struct nlmsghdr *nlh = nft_batch_data(b, &len);
	int left = (int)len;

	memset(p, 0, sizeof(*p));
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		int type = nlh->nlmsg_type >> 8 == NFNL_SUBSYS_NFTABLES ? nlh->nlmsg_type & 0xff
									: nlh->nlmsg_type;

		if (p->n_types < 64)
			p->types[p->n_types++] = type;
		if (type == NFT_MSG_NEWRULE && nlh->nlmsg_type >> 8 == NFNL_SUBSYS_NFTABLES) {
			struct nftnl_rule *r = nftnl_rule_alloc();

			ck_assert_int_eq(nftnl_rule_nlmsg_parse(nlh, r), 0);
			if (!strcmp(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), chain) &&
			    p->n_rules < 32)
				nftnl_rule_snprintf(p->rules[p->n_rules++], 1024, r,
						    NFTNL_OUTPUT_DEFAULT, 0);
			nftnl_rule_free(r);
		}
		if (type == NFT_MSG_NEWSET && nlh->nlmsg_type >> 8 == NFNL_SUBSYS_NFTABLES) {
			struct nftnl_set *s = nftnl_set_alloc();

			ck_assert_int_eq(nftnl_set_nlmsg_parse(nlh, s), 0);
			if (nftnl_set_get_u32(s, NFTNL_SET_FAMILY) == NFPROTO_BRIDGE &&
			    p->n_sets < 32) {
				snprintf(p->set_names[p->n_sets], 32, "%s",
					 nftnl_set_get_str(s, NFTNL_SET_NAME));
				p->set_flags[p->n_sets] = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
				p->set_size[p->n_sets] = nftnl_set_get_u32(s, NFTNL_SET_DESC_SIZE);
				p->set_klen[p->n_sets++] = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
			}
			nftnl_set_free(s);
		}
	}
	ck_assert_int_eq(left, 0);
}

/* What `nft --debug=netlink` prints for the same rules in a table of its
 * own (objref's name aside). */
/* the bridge prerouting chain's first rules, before the bind_nets
 * dispatch */
static const char *const fast[] = {
	/* the fast paths: an untagged frame (ether type: a tag the driver
	 * took off reads as 802.1Q), not to port 67 or 547 (one load, two
	 * compares; a fragment after the first loads nothing and goes on),
	 * from a bound source */
	"[ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x00000008 ] [ payload "
	"load 2b @ transport header + 2 => reg 1 ] [ cmp neq reg 1 0x00004300 ] [ cmp neq reg 1 "
	"0x00002302 ] [ meta load iif => reg 1 ] [ payload load 6b @ link header + 6 => reg 9 ] [ "
	"payload load 4b @ network header + 12 => reg 11 ] [ lookup reg 1 set bind4 ] [ immediate "
	"reg 0 accept ]",
	/* IPv6: no ICMPv6 (the ND claims and checks) */
	"[ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x0000dd86 ] [ meta load "
	"l4proto => reg 1 ] [ cmp neq reg 1 0x0000003a ] [ payload load 2b @ transport header + 2 "
	"=> reg 1 ] [ cmp neq reg 1 0x00004300 ] [ cmp neq reg 1 0x00002302 ] [ meta load iif => "
	"reg 1 ] [ payload load 6b @ link header + 6 => reg 9 ] [ payload load 16b @ network "
	"header + 8 => reg 11 ] [ lookup reg 1 set bind6 ] [ immediate reg 0 accept ]",
};

static const char *const bytecode[] = {
	"[ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000011 ] [ payload load 2b @ "
	"transport header + 2 => reg 1 ] [ cmp eq reg 1 0x00004300 ] [ meta load iifname => reg "
	"1 ] [ payload load 6b @ link header + 6 => reg 2 ] [ lookup reg 1 set dhcp_clients 0x1 ] "
	"[ meta load iifname => reg 1 ] [ dynset add reg_key 1 set dhcp_rate expr [ limit rate "
	"4/minute burst 5 type packets flags 0x1 ] ] [ objref type 1 name dhcp_rate_default ] [ "
	"immediate reg 0 drop ]",
	"[ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000011 ] [ payload load 2b @ "
	"transport header + 2 => reg 1 ] [ cmp eq reg 1 0x00004300 ] [ meta load iifname => reg "
	"1 ] [ payload load 6b @ link header + 6 => reg 2 ] [ dynset update reg_key 1 set "
	"dhcp_clients ]",
	NULL, /* the same for 547 */
	NULL,
	NULL, /* the priority tags' drops and the jumps to claim_default: */
	NULL, /* test_bind_rules.c */
	NULL,
	NULL,
	"[ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x00000081 ] [ objref "
	"type 1 name bind_default ] [ immediate reg 0 drop ]",
	"[ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x0000a888 ] [ objref "
	"type 1 name bind_default ] [ immediate reg 0 drop ]",
	/* the fast path: a bound guest's IPv4 */
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x00000008 ] [ meta load iif => reg 1 ] [ "
	"payload load 6b @ link header + 6 => reg 9 ] [ payload load 4b @ network header + 12 => "
	"reg 11 ] [ lookup reg 1 set bind4 ] [ immediate reg 0 accept ]",
	/* source MACs' meter */
	"[ meta load iifname => reg 1 ] [ payload load 6b @ link header + 6 => reg 2 ] [ lookup "
	"reg 1 set mac_clients 0x1 ] [ meta load iifname => reg 1 ] [ dynset add reg_key 1 set "
	"mac_rate expr [ limit rate 4/minute burst 5 type packets flags 0x1 ] ] [ objref type 1 "
	"name bind_default ] [ immediate reg 0 drop ]",
	"[ meta load iifname => reg 1 ] [ payload load 6b @ link header + 6 => reg 2 ] [ dynset "
	"update reg_key 1 set mac_clients ]",
	/* the network's tag, nft_net_tag("default") = 0x933b5bde, before the MAC */
	"[ immediate reg 1 0xde5b3b93 ] [ payload load 6b @ link header + 6 => reg 9 ] [ lookup "
	"reg 1 set bound_macs ] [ meta load iif => reg 1 ] [ payload load 6b @ link header + 6 => "
	"reg 9 ] [ lookup reg 1 set "
	"bind_mac 0x1 ] [ objref type 1 name bind_default ] [ immediate reg 0 drop ]",
	/* issue 16 item 1: the DHCP records */
	"[ immediate reg 1 0xde5b3b93 ] [ payload load 6b @ link header + 6 => reg 9 ] [ lookup "
	"reg 1 set dhcp_macs ] [ meta load iif => reg 1 ] [ payload load 6b @ link header + 6 => "
	"reg 9 ] [ lookup reg 1 set "
	"dhcp_seen 0x1 ] [ objref type 1 name bind_default ] [ immediate reg 0 drop ]",
	"[ meta load l4proto => reg 1 ] [ cmp eq reg 1 0x00000011 ] [ payload load 2b @ "
	"transport header + 2 => reg 1 ] [ cmp eq reg 1 0x00004300 ] [ immediate reg 1 "
	"0xde5b3b93 ] [ payload load 6b @ link header + 6 => reg 9 ] [ dynset update reg_key 1 set "
	"dhcp_macs ] [ meta load iif => reg 1 ] [ payload load 6b @ link header + 6 => reg 9 ] [ "
	"dynset update reg_key 1 set dhcp_seen "
	"]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x00000008 ] [ payload load 4b @ network "
	"header + 12 => reg 1 ] [ cmp eq reg 1 0x00000000 ] [ meta load l4proto => reg 1 ] [ cmp "
	"eq reg 1 0x00000011 ] [ payload load 2b @ transport header + 2 => reg 1 ] [ cmp eq reg "
	"1 0x00004300 ] [ immediate reg 0 accept ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x00000008 ] [ meta load iif => reg 1 ] [ "
	"payload load 6b @ link header + 6 => reg 9 ] [ payload load 4b @ network header + 12 => "
	"reg 11 ] [ lookup reg 1 set bind4 ] [ immediate reg 0 accept ]",
	/* the record of the drop after it: a full set ends this rule only */
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x00000008 ] [ meta load iif => reg 1 ] [ "
	"payload load 6b @ link header + 6 => reg 9 ] [ payload load 4b @ network header + 12 => "
	"reg 11 ] [ dynset update reg_key 1 set bind_miss4 ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x00000008 ] [ objref type 1 name "
	"bind_default ] [ immediate reg 0 drop ]",
	"[ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x00000608 ] [ payload "
	"load 4b @ network header + 14 => reg 1 ] [ cmp eq reg 1 0x00000000 ] [ immediate reg 0 "
	"accept ]",
	"[ payload load 2b @ link header + 12 => reg 1 ] [ cmp eq reg 1 0x00000608 ] [ meta load "
	"iif => reg 1 ] [ payload load 6b @ network header + 8 => reg 9 ] [ payload load 4b @ "
	"network header + 14 => reg 11 ] [ lookup reg 1 set bind4 ] [ immediate reg 0 accept ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x00000608 ] [ meta load iif => reg 1 ] [ "
	"payload load 6b @ network header + 8 => reg 9 ] [ payload load 4b @ network header + 14 "
	"=> reg 11 ] [ dynset update reg_key 1 set bind_miss4 ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x00000608 ] [ objref type 1 name "
	"bind_default ] [ immediate reg 0 drop ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x0000dd86 ] [ payload load 16b @ network "
	"header + 8 => reg 1 ] [ lookup reg 1 set claimed6 ] [ meta load iif => reg 1 ] [ payload "
	"load 6b @ link header + 6 => reg 9 ] [ payload load 16b @ network header + 8 => reg 11 ] "
	"[ lookup reg 1 set bind6 0x1 ] [ meta load iif => reg 1 ] [ payload load 6b @ link header "
	"+ 6 => reg 9 ] [ payload load 16b @ network header + 8 => reg 11 ] [ dynset update "
	"reg_key 1 set bind_miss6 ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x0000dd86 ] [ payload load 16b @ network "
	"header + 8 => reg 1 ] [ lookup reg 1 set claimed6 ] [ meta load iif => reg 1 ] [ payload "
	"load 6b @ link header + 6 => reg 9 ] [ payload load 16b @ network header + 8 => reg 11 ] "
	"[ lookup reg 1 set bind6 0x1 ] [ objref type 1 name bind_default ] [ immediate reg 0 "
	"drop ]",
	/* nft has no syntax for the target's lookup: its parts as nft
	 * makes them for "icmpv6 type nd-neighbor-advert" (with meta
	 * protocol, as for ip) and for the saddr rule above */
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x0000dd86 ] [ meta load l4proto => reg 1 "
	"] [ cmp eq reg 1 0x0000003a ] [ payload load 1b @ transport header + 0 => reg 1 ] [ cmp "
	"eq reg 1 0x00000088 ] [ payload load 16b @ transport header + 8 => reg 1 ] [ lookup reg "
	"1 set claimed6 ] [ meta load iif => reg 1 ] [ payload load 6b @ link header + 6 => reg 9 "
	"] [ payload load 16b @ transport header + 8 => reg 11 ] [ lookup reg 1 set bind6 0x1 ] "
	"[ objref type 1 name bind_default ] [ immediate reg 0 drop ]",
	"[ meta load protocol => reg 1 ] [ cmp eq reg 1 0x0000dd86 ] [ payload load 16b @ network "
	"header + 8 => reg 1 ] [ cmp eq reg 1 0x00000000 0x00000000 0x00000000 0x00000000 ] [ meta "
	"load l4proto => reg 1 ] [ cmp eq reg 1 0x0000003a ] [ payload load 1b @ transport header "
	"+ 0 => reg 1 ] [ cmp eq reg 1 0x00000087 ] [ payload load 16b @ transport header + 8 => "
	"reg 1 ] [ lookup reg 1 set claimed6 ] [ meta load iif => reg 1 ] [ payload load 6b @ link "
	"header + 6 => reg 9 ] [ payload load 16b @ transport header + 8 => reg 11 ] [ lookup reg "
	"1 set bind6 0x1 ] [ objref type 1 name bind_default ] [ immediate reg 0 drop ]",
};

/* nftnl's rule text, one line: the expressions only (objref's name
 * without the stray byte libnftnl prints after it); test_bind_rules.c's
 * too. */
void rule_flatten(const char *in, char *out, size_t len)
{
	const char *p = strchr(in, '\n');
	size_t o = 0;
	char *q;

	for (p = p ? p + 1 : in; *p && o + 2 < len; p++) {
		if (*p == '\n') {
			if (o && out[o - 1] != ' ')
				out[o++] = ' ';
			continue;
		}
		if (*p == ' ' && (o == 0 || out[o - 1] == ' '))
			continue;
		out[o++] = *p;
	}
	while (o && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
	/* libnftnl prints an objref's name with a stray byte after it */
	if ((q = strstr(out, "_default")) && q[8] != ' ')
		memmove(q + 8, strchr(q + 8, ' '), strlen(strchr(q + 8, ' ')) + 1);
}

START_TEST(test_binding_bytecode)
{
	static struct parsed p;
	struct nft_batch *b;
	char flat[1024];
	int misses = 0;

	ck_assert_int_eq(nft_batch_replace(&plan, 1000, 0, &b), 0);
	parse(b, "prerouting", &p);
	ck_assert_uint_ge(p.n_rules, 3);
	for (size_t i = 0; i < 2; i++) {
		rule_flatten(p.rules[i], flat, sizeof(flat));
		ck_assert_str_eq(flat, fast[i]);
	}
	parse(b, "bind_default", &p);
	ck_assert_uint_eq(p.n_rules, sizeof(bytecode) / sizeof(bytecode[0]));
	for (size_t i = 0; i < p.n_rules; i++) {
		if (!bytecode[i])
			continue;
		rule_flatten(p.rules[i], flat, sizeof(flat));
		ck_assert_str_eq(flat, bytecode[i]);
	}
	/* the sets: bind_nets a verdict map, dhcp_rate dynamic */
	for (size_t i = 0; i < p.n_sets; i++) {
		if (!strcmp(p.set_names[i], NFT_BIND_MAP))
			ck_assert_uint_eq(p.set_flags[i], NFT_SET_MAP);
		if (!strcmp(p.set_names[i], NFT_METER_SET))
			ck_assert_uint_eq(p.set_flags[i], NFT_SET_EVAL);
		if (!strcmp(p.set_names[i], NFT_METER_CLIENTS))
			ck_assert_uint_eq(p.set_flags[i], NFT_SET_EVAL | NFT_SET_TIMEOUT);
		if (!strcmp(p.set_names[i], NFT_BIND4_SET))
			ck_assert_uint_eq(p.set_klen[i], 16);
		if (!strcmp(p.set_names[i], NFT_BIND_MAC_SET))
			ck_assert_uint_eq(p.set_klen[i], 12);
		if (!strcmp(p.set_names[i], NFT_DHCP_SEEN))
			ck_assert_uint_eq(p.set_klen[i], 12);
		if (!strcmp(p.set_names[i], NFT_DHCP_MACS) ||
		    !strcmp(p.set_names[i], NFT_DHCP_SEEN))
			ck_assert_uint_eq(p.set_flags[i], NFT_SET_EVAL | NFT_SET_TIMEOUT);
		/* the drops' records: bounded, and they expire */
		if (!strcmp(p.set_names[i], NFT_BIND_MISS4_SET) ||
		    !strcmp(p.set_names[i], NFT_BIND_MISS6_SET)) {
			ck_assert_uint_eq(p.set_flags[i], NFT_SET_EVAL | NFT_SET_TIMEOUT);
			ck_assert_uint_eq(p.set_size[i], NFT_BIND_MISS_SIZE);
			ck_assert_uint_eq(p.set_klen[i],
					  strcmp(p.set_names[i], NFT_BIND_MISS4_SET) ? 28 : 16);
			misses++;
		}
	}
	ck_assert_int_eq(misses, 2);
	nft_batch_free(b);
}
END_TEST

/* The refill: one transaction, each set flushed and filled. */
START_TEST(test_binding_refill)
{
	static struct parsed p;
	struct nft_elem port = { 0 };
	struct nft_bind bi[3] = {
		{ .ifindex = 7, .mac = { 0x52, 0x54, 0, 1, 2, 3 }, .has4 = true },
		{ .ifindex = 7, .mac = { 0x52, 0x54, 0, 1, 2, 3 }, .has4 = true },
		{ .ifindex = 7, .mac = { 0x52, 0x54, 0, 1, 2, 3 }, .has6 = true },
	};
	struct in6_addr gw;
	static const int want[] = {
		NFNL_MSG_BATCH_BEGIN, NFT_MSG_DELSETELEM, /* flush bind_nets */
		NFT_MSG_NEWSETELEM,   NFT_MSG_DELSETELEM, /* bind4 */
		NFT_MSG_NEWSETELEM,   NFT_MSG_DELSETELEM, /* bind_mac */
		NFT_MSG_NEWSETELEM,   NFT_MSG_DELSETELEM, /* bound_macs */
		NFT_MSG_NEWSETELEM,   NFT_MSG_DELSETELEM, /* bind6 */
		NFT_MSG_NEWSETELEM,   NFT_MSG_DELSETELEM, /* claimed6 */
		NFT_MSG_NEWSETELEM,   NFT_MSG_DELSETELEM, /* guest_ports */
		NFT_MSG_NEWSETELEM,   NFNL_MSG_BATCH_END,
	};
	struct nft_batch *b;

	inet_pton(AF_INET, "10.213.0.5", &bi[0].a4);
	inet_pton(AF_INET, "10.213.0.6", &bi[1].a4);
	inet_pton(AF_INET6, "fd42:213::5", &bi[2].a6);
	inet_pton(AF_INET6, "fd42:213::1", &gw);
	snprintf(port.key.ifname, sizeof(port.key.ifname), "vnet3");
	nft_bind_chain_name("default", port.chain, sizeof(port.chain));
	ck_assert_str_eq(port.chain, "bind_default");
	struct nft_bind_set set = { &port, 1, bi, 3, &gw, 1 };
	ck_assert_int_eq(nft_batch_binding(1000, &set, &b), 0);
	parse(b, "", &p);
	ck_assert_uint_eq(p.n_types, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < p.n_types; i++)
		ck_assert_int_eq(p.types[i], want[i]);
	ck_assert_str_eq(nft_batch_describe(b, 1004), "elements of set bridge gatewayd bind4");
	nft_batch_free(b);
}
END_TEST

/* At run time only the elements that differ: one guest's address changed
 * -> bind4's old element deleted and the new one added, nothing else;
 * the same content -> no transaction at all. */
START_TEST(test_binding_delta)
{
	static struct parsed p;
	struct nft_elem port = { 0 };
	struct nft_bind bi[2] = {
		{ .ifindex = 7, .mac = { 0x52, 0x54, 0, 1, 2, 3 }, .has4 = true },
		{ .ifindex = 8, .mac = { 0x52, 0x54, 0, 1, 2, 4 }, .has4 = true },
	};
	struct nft_bind_elems e1, e2;
	struct nft_batch *b;
	static const int want[] = { NFNL_MSG_BATCH_BEGIN, NFT_MSG_DELSETELEM, NFT_MSG_NEWSETELEM,
				    NFNL_MSG_BATCH_END };

	inet_pton(AF_INET, "10.213.0.5", &bi[0].a4);
	inet_pton(AF_INET, "10.213.0.6", &bi[1].a4);
	snprintf(port.key.ifname, sizeof(port.key.ifname), "vnet3");
	nft_bind_chain_name("default", port.chain, sizeof(port.chain));
	struct nft_bind_set set = { &port, 1, bi, 2, NULL, 0 };
	ck_assert_int_eq(nft_bind_elems_make(&set, &e1), 0);
	ck_assert_uint_eq(e1.n[0], 1); /* bind_nets */
	ck_assert_uint_eq(e1.n[1], 2); /* bind4 */
	ck_assert_uint_eq(e1.n[6], 1); /* guest_ports */
	ck_assert_int_eq(nft_batch_binding_delta(1000, &e1, &e1, &b), 0);
	ck_assert_ptr_null(b);
	inet_pton(AF_INET, "10.213.0.7", &bi[1].a4);
	ck_assert_int_eq(nft_bind_elems_make(&set, &e2), 0);
	ck_assert_int_eq(nft_batch_binding_delta(1000, &e1, &e2, &b), 0);
	ck_assert_ptr_nonnull(b);
	parse(b, "", &p);
	ck_assert_uint_eq(p.n_types, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < p.n_types; i++)
		ck_assert_int_eq(p.types[i], want[i]);
	ck_assert_str_eq(nft_batch_describe(b, 1001),
			 "deleting elements of set bridge gatewayd bind4");
	ck_assert_str_eq(nft_batch_describe(b, 1002), "elements of set bridge gatewayd bind4");
	nft_batch_free(b);
	nft_bind_elems_release(&e2);
	/* the port's network changed: the map's element goes and comes */
	nft_bind_chain_name("other", port.chain, sizeof(port.chain));
	ck_assert_int_eq(nft_bind_elems_make(&set, &e2), 0);
	ck_assert_int_eq(nft_batch_binding_delta(1000, &e1, &e2, &b), 0);
	parse(b, "", &p);
	ck_assert_uint_eq(p.n_types, 6); /* and bind4's change, as before */
	ck_assert_str_eq(nft_batch_describe(b, 1001),
			 "deleting elements of map bridge gatewayd bind_nets");
	ck_assert_str_eq(nft_batch_describe(b, 1003), "elements of map bridge gatewayd bind_nets");
	nft_batch_free(b);
	nft_bind_elems_release(&e1);
	nft_bind_elems_release(&e2);
}
END_TEST

START_TEST(test_binding_compute)
{
	const uint32_t ports[] = { 5, 6 };
	const struct binding_fdb fdb[] = {
		{ 6, { 2, 0, 0, 0, 0, 1 } }, /* guest 1's MAC, now seen on port 6 */
		{ 6, { 2, 0, 0, 0, 0, 2 } },
		{ 9, { 2, 0, 0, 0, 0, 3 } }, /* another network's port */
	};
	struct nft_bind addrs[3] = {
		{ .mac = { 2, 0, 0, 0, 0, 1 }, .has4 = true },
		{ .mac = { 2, 0, 0, 0, 0, 2 }, .has4 = true },
		{ .mac = { 2, 0, 0, 0, 0, 3 }, .has4 = true },
	};
	const struct nft_bind prev[] = { { .ifindex = 5, .mac = { 2, 0, 0, 0, 0, 1 } } };
	struct nft_bind *out = NULL;
	size_t n = 0;

	ck_assert_int_eq(binding_compute(ports, 2, fdb, 3, addrs, 3, prev, 1, &out, &n), 2);
	ck_assert_uint_eq(n, 2);
	/* guest 1 stays on its port although its MAC was seen elsewhere */
	ck_assert_uint_eq(out[0].ifindex, 5);
	ck_assert_uint_eq(out[1].ifindex, 6);
	ck_assert_int_eq(out[1].mac[5], 2);
	/* its port gone: where the bridge saw it last */
	n = 0;
	ck_assert_int_eq(binding_compute(ports + 1, 1, fdb, 3, addrs, 1, prev, 1, &out, &n), 1);
	ck_assert_uint_eq(out[0].ifindex, 6);
	free(out);
}
END_TEST

/* Many bindings, given in any order and sorted by binding_sort(): each
 * MAC is found, also the first and the last, and with several entries
 * (IPv4 and IPv6) for one MAC the one on a port still there counts. */
START_TEST(test_binding_compute_many)
{
	enum { N = 300 };
	static struct nft_bind prev[N + 1];
	static struct binding_fdb fdb[N];
	const uint32_t ports[] = { 7, 8 };
	struct nft_bind want[3] = { { .mac = { 2, 0, 0, 0, 0, 0 }, .has4 = true },
				    { .mac = { 2, 0, 0, 0, 1, 43 }, .has4 = true },
				    { .mac = { 2, 0, 0, 0, 0, 99 }, .has6 = true } };
	struct nft_bind *out = NULL;
	size_t n = 0;

	for (int i = 0; i < N; i++) {
		int m = (i * 7919) % N; /* every MAC once, out of order */

		prev[i].ifindex = 100 + (uint32_t)m; /* ports gone */
		prev[i].mac[0] = 2;
		prev[i].mac[4] = (uint8_t)(m >> 8);
		prev[i].mac[5] = (uint8_t)m;
		fdb[i].ifindex = m == 299 ? 8 : 100;
		memcpy(fdb[i].mac, prev[i].mac, 6);
	}
	prev[N] = prev[0]; /* MAC 0 twice: the second entry on port 7 */
	prev[N].mac[5] = 0;
	prev[N].mac[4] = 0;
	prev[N].ifindex = 7;
	binding_sort(prev, N + 1, fdb, N);
	ck_assert_int_eq(binding_compute(ports, 2, fdb, N, want, 3, prev, N + 1, &out, &n), 2);
	ck_assert_uint_eq(out[0].ifindex, 7); /* MAC 0: its second entry */
	ck_assert_uint_eq(out[1].ifindex, 8); /* MAC 299 (1:43): the fdb's port */
	ck_assert(out[1].mac[4] == 1 && out[1].mac[5] == 43);
	free(out);
}
END_TEST

/* A sync asked for again and again (a lease file rewritten every few ms)
 * still happens BINDING_SETTLE_MAX_MS after the first request. */
START_TEST(test_binding_settle_max)
{
	uint64_t unsynced = 0, due = 0;

	ck_assert_uint_eq(binding_settle_delay(1000, &unsynced, 20), 20);
	ck_assert_uint_eq(unsynced, 1000);
	/* a write every 4 ms: each re-arms, but the deadline stays */
	for (uint64_t t = 1004; t < 1400 && !due; t += 4) {
		uint64_t d = binding_settle_delay(t, &unsynced, 20);

		if (t + d <= t + 4 || d == 0)
			due = t + d;
	}
	ck_assert_uint_ge(due, 1000 + 180);
	ck_assert_uint_le(due, 1000 + 200);
	ck_assert_uint_eq(binding_settle_delay(1300, &unsynced, 20), 0);
	/* after a sync (unsynced = 0) the wait starts again */
	unsynced = 0;
	ck_assert_uint_eq(binding_settle_delay(2000, &unsynced, 250), 200);
}
END_TEST

/* Binding reads every lease line: dnsmasq writes the newest first, and a
 * guest that makes up thousands of leases must not push an older guest's
 * (the last line) out of what is read. */
START_TEST(test_binding_all_leases)
{
	enum { N = 5000 };
	char dir[] = "/tmp/gwbind.XXXXXX", path[64], cfg[512], err[512];
	struct gw_conf *c = NULL;
	struct nft_bind *v = NULL;
	size_t n = 0, nl = 0;
	bool found = false;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cfg, sizeof(cfg),
		 "state_dir = \"%s\"\nnetwork big {\n bridge = gw9\n ipv4 = \"10.9.0.1/16\"\n}\n",
		 dir);
	ck_assert_int_eq(conf_load_buf("t", cfg, &c, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/big.leases", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	for (int i = 0; i < N - 1; i++) /* the newcomers, newest first */
		fprintf(f, "0 02:00:00:00:%02x:%02x 10.9.%d.%d * *\n", (i >> 8) & 0xff, i & 0xff,
			1 + i / 250, 1 + i % 250);
	fprintf(f, "0 52:54:00:00:00:01 10.9.200.1 old *\n"); /* the oldest guest */
	fclose(f);
	ck_assert_int_eq(binding_net_addrs(c, &c->networks[0], &v, &n, &nl), 0);
	ck_assert_uint_eq(nl, N);
	ck_assert_uint_eq(n, N);
	for (size_t i = 0; i < n; i++)
		found |= v[i].mac[0] == 0x52 && v[i].mac[5] == 1 &&
			 v[i].a4.s_addr == inet_addr("10.9.200.1");
	ck_assert(found);
	free(v);
	unlink(path);
	rmdir(dir);
	conf_free(c);
}
END_TEST

/* A static host's MAC: the port its DHCP came in on if it did DHCP (the
 * forwarding database says otherwise: ignored), else where the bridge
 * learned it. */
START_TEST(test_binding_where)
{
	const struct binding_fdb seen[] = { { 5, { 2, 0, 0, 0, 0, 1 } } };
	const struct binding_fdb fdb[] = {
		{ 6, { 2, 0, 0, 0, 0, 2 } }, /* set by hand: no DHCP */
		{ 7, { 2, 0, 0, 0, 0, 1 } }, /* a forged frame's trace */
	};
	const uint32_t ports[] = { 5, 6, 7 };
	struct nft_bind addrs[2] = { { .mac = { 2, 0, 0, 0, 0, 1 }, .has4 = true },
				     { .mac = { 2, 0, 0, 0, 0, 2 }, .has4 = true } };
	struct binding_fdb *w = NULL;
	struct nft_bind *out = NULL;
	size_t n = 0;

	ck_assert_int_eq(binding_where(seen, 1, fdb, 2, &w), 2);
	ck_assert_int_eq(binding_compute(ports, 3, w, 2, addrs, 2, NULL, 0, &out, &n), 2);
	ck_assert_uint_eq(out[0].ifindex, 5);
	ck_assert_uint_eq(out[1].ifindex, 6);
	free(out);
	free(w);
}
END_TEST

/* The records of a port that is gone are deleted (with their MAC), and a
 * MAC left without its port; those of ports still there stay. MACs are
 * per network (tag): the same MAC on two networks is two records, and a
 * port of one network does not keep the other's. */
START_TEST(test_binding_forget)
{
	const uint32_t ports[] = { 5, 7 }, tags[] = { 100, 200 };
	const struct binding_fdb seen[] = { { 5, { 2, 0, 0, 0, 0, 1 } },
					    { 9, { 2, 0, 0, 0, 0, 2 } },
					    { 7, { 2, 0, 0, 0, 0, 4 } } };
	const struct binding_fdb macs[] = { { 100, { 2, 0, 0, 0, 0, 1 } },
					    { 100, { 2, 0, 0, 0, 0, 2 } },
					    { 100, { 2, 0, 0, 0, 0, 3 } },
					    { 200, { 2, 0, 0, 0, 0, 4 } },
					    { 100, { 2, 0, 0, 0, 0, 4 } } };
	struct nft_bind *gone = NULL, *gm = NULL;
	size_t ng, ngm;

	ck_assert_int_eq(binding_forget(ports, tags, 2, seen, 3, macs, 5, &gone, &ng, &gm, &ngm),
			 4);
	ck_assert_uint_eq(ng, 1);
	ck_assert_uint_eq(gone[0].ifindex, 9);
	ck_assert_int_eq(gone[0].mac[5], 2);
	ck_assert_uint_eq(ngm, 3);
	ck_assert_int_eq(gm[0].mac[5], 2);
	ck_assert_int_eq(gm[1].mac[5], 3);
	/* ...:04 on port 7 (tag 200) keeps network 200's record, not 100's */
	ck_assert_int_eq(gm[2].mac[5], 4);
	ck_assert_uint_eq(gm[2].ifindex, 100);
	free(gone);
	free(gm);
	/* the deletion: one transaction, dhcp_seen's then dhcp_macs' */
	struct nft_batch *b;
	static struct parsed p;
	static const int want[] = { NFNL_MSG_BATCH_BEGIN, NFT_MSG_DELSETELEM, NFT_MSG_DELSETELEM,
				    NFNL_MSG_BATCH_END };
	const struct nft_bind one = { .ifindex = 9, .mac = { 2, 0, 0, 0, 0, 2 } };
	const struct nft_bind m = { .ifindex = 100, .mac = { 2, 0, 0, 0, 0, 2 } };

	ck_assert_int_eq(nft_batch_dhcp_forget(1000, &one, 1, &m, 1, &b), 0);
	parse(b, "", &p);
	ck_assert_uint_eq(p.n_types, 4);
	for (size_t i = 0; i < 4; i++)
		ck_assert_int_eq(p.types[i], want[i]);
	ck_assert_str_eq(nft_batch_describe(b, 1001),
			 "deleting elements of set bridge gatewayd dhcp_seen");
	nft_batch_free(b);
}
END_TEST

Suite *binding_suite(void)
{
	Suite *s = suite_create("binding");
	TCase *tc = tcase_create("binding");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_binding_conf);
	tcase_add_test(tc, test_binding_text);
	tcase_add_test(tc, test_binding_bytecode);
	tcase_add_test(tc, test_binding_refill);
	tcase_add_test(tc, test_binding_delta);
	tcase_add_test(tc, test_binding_compute);
	tcase_add_test(tc, test_binding_compute_many);
	tcase_add_test(tc, test_binding_settle_max);
	tcase_add_test(tc, test_binding_all_leases);
	tcase_add_test(tc, test_binding_where);
	tcase_add_test(tc, test_binding_forget);
	suite_add_tcase(s, tc);
	return s;
}
