/* The nftables plan and batch builder: the plan's rules in nft syntax, and
 * the built netlink messages parsed back with libnftnl and compared with
 * the expressions `nft --debug=netlink` prints for the same rules. */
#include "suites.h"
#include "conf/conf.h"
#include "nft/batch.h"
#include "nft/plan.h"

#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>

static struct gw_conf *conf;
static struct nft_plan plan;
static const char *const uplinks[] = { "eth0", "eth1" };

static const char two_nets[] =
	"network default {\n bridge = gw0\n ipv4 = \"10.213.0.1/24\"\n ipv6 = "
	"\"fd42:213::1/64\"\n}\n"
	"network cust {\n bridge = gw1\n ipv4 = \"10.50.0.1/16\"\n host_access = true\n}\n";

static void setup(void)
{
	char err[512];

	ck_assert_int_eq(conf_load_buf("t", two_nets, &conf, err, sizeof(err)), 0);
	ck_assert_int_eq(nft_plan_build(conf, uplinks, &plan), 0);
}

static void teardown(void)
{
	nft_plan_release(&plan);
	conf_free(conf);
}

static char *rules_text(enum nft_chain_id chain)
{
	static char out[8192];
	char line[1024];

	out[0] = '\0';
	for (size_t i = 0; i < plan.n_rules; i++) {
		if (plan.rules[i].chain != chain)
			continue;
		nft_rule_format(&plan.rules[i], line, sizeof(line));
		strcat(out, line);
		strcat(out, "\n");
	}
	return out;
}

START_TEST(test_plan_postrouting)
{
	ck_assert_str_eq(rules_text(NC_POSTROUTING),
			 "oifname \"eth0\" ip saddr 10.213.0.0/24 ip daddr 224.0.0.0/4 return\n"
			 "oifname \"eth0\" ip saddr 10.213.0.0/24 ip daddr 255.255.255.255 return\n"
			 "oifname \"eth0\" ip saddr 10.213.0.0/24 ip daddr != 10.213.0.0/24 "
			 "counter name \"nat_default\" masquerade\n"
			 "oifname \"eth0\" ip6 saddr fd42:213::/64 ip6 daddr ff00::/8 return\n"
			 "oifname \"eth0\" ip6 saddr fd42:213::/64 ip6 daddr != fd42:213::/64 "
			 "counter name \"nat_default\" masquerade\n"
			 "oifname \"eth1\" ip saddr 10.50.0.0/16 ip daddr 224.0.0.0/4 return\n"
			 "oifname \"eth1\" ip saddr 10.50.0.0/16 ip daddr 255.255.255.255 return\n"
			 "oifname \"eth1\" ip saddr 10.50.0.0/16 ip daddr != 10.50.0.0/16 counter "
			 "name \"nat_cust\" masquerade\n");
}
END_TEST

START_TEST(test_plan_forward)
{
	const char *t = rules_text(NC_FORWARD);

	ck_assert_msg(
		strstr(t,
		       "iifname \"gw0\" oifname \"gw0\" accept\n"
		       "iifname \"gw0\" ip saddr != 10.213.0.0/24 counter name \"drop_default\" "
		       "drop\n"
		       "iifname \"gw0\" ip6 saddr != fd42:213::/64 counter name \"drop_default\" "
		       "drop\n"
		       "iifname \"gw0\" oifname \"eth0\" counter name \"fwd_out_default\" accept\n"
		       "iifname \"gw0\" counter name \"drop_default\" drop\n"
		       "oifname \"gw0\" ct state established,related counter name "
		       "\"fwd_in_default\" accept\n"
		       "oifname \"gw0\" drop\n"),
		"%s", t);
	/* no IPv6 on "cust": none of its guests' IPv6 is routed */
	ck_assert_msg(
		strstr(t, "iifname \"gw1\" meta nfproto ipv6 counter name \"drop_cust\" drop\n"),
		"%s", t);
}
END_TEST

START_TEST(test_plan_input)
{
	const char *t = rules_text(NC_INPUT);

	ck_assert_msg(strstr(t,
			     "iifname != \"gw0\" ip daddr 10.213.0.1 udp dport 53 counter name "
			     "\"outside_default\" drop\n"
			     "iifname != \"gw0\" ip daddr 10.213.0.1 tcp dport 53 counter name "
			     "\"outside_default\" drop\n"
			     "iifname != \"gw0\" ip daddr 10.213.0.1 udp dport 67 counter name "
			     "\"outside_default\" drop\n"
			     "iifname != \"gw0\" ip6 daddr fd42:213::1 udp dport 53 counter name "
			     "\"outside_default\" drop\n"
			     "iifname != \"gw0\" ip6 daddr fd42:213::1 tcp dport 53 counter name "
			     "\"outside_default\" drop\n"
			     "iifname != \"gw0\" ip6 daddr fd42:213::1 udp dport 547 counter name "
			     "\"outside_default\" drop\n"
			     "iifname != \"gw1\" ip daddr 10.50.0.1 udp dport 53 counter name "
			     "\"outside_cust\" drop\n"),
		      "%s", t);
	/* every network's outside drops before any network's accepts */
	ck_assert(strstr(t, "iifname != \"gw1\"") < strstr(t, "iifname \"gw0\""));
	ck_assert_msg(strstr(t,
			     "iifname \"gw0\" ct state established,related accept\n"
			     "iifname \"gw0\" ip daddr 255.255.255.255 udp dport 67 accept\n"
			     "iifname \"gw0\" ip daddr 10.213.0.1 udp dport 67 accept\n"
			     "iifname \"gw0\" udp dport 67 counter name \"drop_default\" drop\n"
			     "iifname \"gw0\" ip6 daddr != ff02::1:2 ip6 daddr != fd42:213::1 ip6 "
			     "daddr != fe80::/10 udp dport 547 counter name \"drop_default\" drop\n"
			     "iifname \"gw0\" ip saddr != 10.213.0.0/24 counter name "
			     "\"drop_default\" drop\n"
			     "iifname \"gw0\" ip6 saddr != fd42:213::/64 ip6 saddr != fe80::/10 "
			     "ip6 saddr != :: counter name \"drop_default\" drop\n"
			     "iifname \"gw0\" ip daddr != 10.213.0.1 drop\n"
			     "iifname \"gw0\" ip6 daddr != fd42:213::1 ip6 daddr != fe80::/10 "
			     "ip6 daddr != ff00::/8 drop\n"
			     "iifname \"gw0\" udp dport 53 accept\n"
			     "iifname \"gw0\" tcp dport 53 accept\n"
			     "iifname \"gw0\" meta l4proto icmp accept\n"
			     "iifname \"gw0\" udp dport 547 accept\n"
			     "iifname \"gw0\" meta l4proto ipv6-icmp accept\n"
			     "iifname \"gw0\" drop\n"),
		      "%s", t);
	/* host_access = true: no final drop for gw1, and no DHCPv6 without IPv6 */
	ck_assert_msg(!strstr(t, "iifname \"gw1\" drop"), "%s", t);
	ck_assert_msg(!strstr(t, "iifname \"gw1\" ip daddr !="), "%s", t); /* host_access */
	ck_assert_msg(!strstr(t, "iifname \"gw1\" udp dport 547"), "%s", t);
	ck_assert_msg(strstr(t, "iifname \"gw1\" ip daddr 10.50.0.1 udp dport 67 accept\n"), "%s",
		      t);
	/* services of a network without IPv6: only its IPv4 address */
	ck_assert_msg(strstr(t, "iifname != \"gw1\" ip daddr 10.50.0.1 udp dport 53 counter name "
				"\"outside_cust\" drop\n"),
		      "%s", t);
	ck_assert_msg(!strstr(t, "iifname != \"gw1\" ip6"), "%s", t);
	/* never a DHCP accept without a destination */
	ck_assert_msg(!strstr(t, "\" udp dport 67 accept"), "%s", t);
}
END_TEST

START_TEST(test_plan_counters)
{
	ck_assert_uint_eq(plan.n_counters, 12);
	ck_assert_str_eq(plan.counters[0].name, "nat_default");
	ck_assert_uint_eq(plan.counters[0].family, NFPROTO_INET);
	ck_assert_str_eq(plan.counters[4].name, "guard_default");
	ck_assert_uint_eq(plan.counters[4].family, NFPROTO_BRIDGE);
	ck_assert_str_eq(plan.counters[5].name, "outside_default");
	ck_assert_uint_eq(plan.counters[5].family, NFPROTO_INET);
	ck_assert_str_eq(plan.counters[6].name, "nat_cust");
	ck_assert_uint_eq(plan.n_sets, 2);
	ck_assert_str_eq(plan.sets[1].name, "ports_cust");
}
END_TEST

START_TEST(test_plan_backstop)
{
	const char *out = rules_text(NC_BR_OUTPUT);
	const char *fwd;

	/* our dnsmasq's frames carry the bridge's stable MAC */
	ck_assert_msg(strstr(out, "ether saddr 16:0a:79:22:99:bc udp sport 67 udp dport 68 jump "
				  "guard_default\n"
				  "ether saddr 16:0a:79:22:99:bc udp sport 547 udp dport 546 jump "
				  "guard_default\n"
				  "ether saddr 16:0a:79:22:99:bc icmpv6 type nd-router-advert jump "
				  "guard_default\n"),
		      "%s", out);
	fwd = rules_text(NC_BR_FORWARD);
	ck_assert_msg(strstr(fwd, "iifname @ports_default udp sport 67 udp dport 68 counter name "
				  "\"guard_default\" drop\n"
				  "iifname @ports_default udp sport 547 udp dport 546 counter name "
				  "\"guard_default\" drop\n"
				  "iifname @ports_default icmpv6 type nd-router-advert counter "
				  "name \"guard_default\" drop\n"),
		      "%s", fwd);
	/* the guard chain: allow-list of guest ports, then drop */
	ck_assert_str_eq(plan.chains[NC_BASE_COUNT].name, "guard_default");
	ck_assert_ptr_null(plan.chains[NC_BASE_COUNT].type);
	ck_assert_str_eq(rules_text(NC_BASE_COUNT), "meta oifkind \"tun\" accept\n"
						    "meta oifkind \"veth\" accept\n"
						    "counter name \"guard_default\" drop\n");
}
END_TEST

START_TEST(test_plan_guest_patterns)
{
	struct gw_conf *c;
	struct nft_plan p;
	char err[256], line[512], all[2048] = "";
	const char *text = "network n {\n bridge = gw9\n ipv4 = \"10.9.0.1/24\"\n"
			   " guest_ports = {\"tap*\", \"vm-web\"}\n}\n";

	ck_assert_int_eq(conf_load_buf("t", text, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(nft_plan_build(c, uplinks, &p), 0);
	for (size_t i = 0; i < p.n_rules; i++) {
		if (p.rules[i].chain != NC_BASE_COUNT)
			continue;
		nft_rule_format(&p.rules[i], line, sizeof(line));
		strcat(all, line);
		strcat(all, "\n");
	}
	ck_assert_str_eq(all, "meta oifkind \"tun\" oifname \"tap*\" accept\n"
			      "meta oifkind \"tun\" oifname \"vm-web\" accept\n"
			      "meta oifkind \"veth\" oifname \"tap*\" accept\n"
			      "meta oifkind \"veth\" oifname \"vm-web\" accept\n"
			      "counter name \"guard_n\" drop\n");
	nft_plan_release(&p);
	conf_free(c);
}
END_TEST

/* libnftnl 1.2.4 builds the objref name without its NUL and reads it back
 * with mnl_attr_get_str(), so a name whose length is a multiple of 4 comes
 * back with the next attribute's bytes appended (the kernel, which copies
 * by length, is not affected: `nft list` shows the right name). Cut the
 * printed name at the first character that cannot be part of ours. */
static void objref_trim(char *text)
{
	char *p = strstr(text, "[ objref type 1 name ");

	if (!p)
		return;
	p += strlen("[ objref type 1 name ");
	for (char *end = p; *end && *end != ' '; end++) {
		if (!strncmp(end, "_default", 8) || !strncmp(end, "_cust", 5)) {
			char *stop = end + (end[1] == 'd' ? 8 : 5);
			memmove(stop, strchr(stop, ' '), strlen(strchr(stop, ' ')) + 1);
			return;
		}
	}
}

/* Walk the batch: message types in order, and rule expressions. */
struct walk {
	int types[256];
	size_t n;
	char rules[128][2048];
	size_t n_rules;
};

static void batch_walk(const struct nft_batch *b, struct walk *w)
{
	size_t len;
	const void *data = nft_batch_data(b, &len);
	const struct nlmsghdr *nlh = data;
	int left = (int)len;

	memset(w, 0, sizeof(*w));
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		int type = nlh->nlmsg_type;

		if (type >> 8 == NFNL_SUBSYS_NFTABLES)
			type &= 0xff;
		ck_assert(nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN ||
			  nlh->nlmsg_type == NFNL_MSG_BATCH_END || (nlh->nlmsg_flags & NLM_F_ACK));
		w->types[w->n++] = type;
		if (type == NFT_MSG_NEWRULE && nlh->nlmsg_type != NFNL_MSG_BATCH_END) {
			struct nftnl_rule *r = nftnl_rule_alloc();
			ck_assert_int_eq(nftnl_rule_nlmsg_parse(nlh, r), 0);
			nftnl_rule_snprintf(w->rules[w->n_rules], 2048, r, NFTNL_OUTPUT_DEFAULT, 0);
			objref_trim(w->rules[w->n_rules++]);
			nftnl_rule_free(r);
		}
	}
	ck_assert_int_eq(left, 0);
}

START_TEST(test_batch_shape)
{
	struct nft_batch *b;
	static struct walk w;
	size_t i = 0;

	ck_assert_int_eq(nft_batch_replace(&plan, 1000, NFT_TABLE_F_OWNER, &b), 0);
	batch_walk(b, &w);
	ck_assert_int_eq(w.types[i++], NFNL_MSG_BATCH_BEGIN);
	for (int f = 0; f < 2; f++) {
		ck_assert_int_eq(w.types[i++], NFT_MSG_NEWTABLE);
		ck_assert_int_eq(w.types[i++], NFT_MSG_DELTABLE);
	}
	ck_assert_int_eq(w.types[i++], NFT_MSG_NEWTABLE);
	ck_assert_int_eq(w.types[i++], NFT_MSG_NEWTABLE);
	for (size_t k = 0; k < plan.n_counters; k++)
		ck_assert_int_eq(w.types[i++], NFT_MSG_NEWOBJ);
	for (size_t k = 0; k < plan.n_sets; k++)
		ck_assert_int_eq(w.types[i++], NFT_MSG_NEWSET);
	for (size_t k = 0; k < plan.n_chains; k++)
		ck_assert_int_eq(w.types[i++], NFT_MSG_NEWCHAIN);
	for (size_t k = 0; k < plan.n_rules; k++)
		ck_assert_int_eq(w.types[i++], NFT_MSG_NEWRULE);
	ck_assert_int_eq(w.types[i++], NFNL_MSG_BATCH_END);
	ck_assert_uint_eq(i, w.n);
	ck_assert_uint_eq(w.n_rules, plan.n_rules);
	/* sequence numbers name what each message creates */
	ck_assert_str_eq(nft_batch_describe(b, 1001), "table inet gatewayd");
	ck_assert_str_eq(nft_batch_describe(b, 1003), "table bridge gatewayd");
	ck_assert_str_eq(nft_batch_describe(b, 1007), "counter inet gatewayd nat_default");
	ck_assert_str_eq(nft_batch_describe(b, 1011), "counter bridge gatewayd guard_default");
	ck_assert_str_eq(nft_batch_describe(b, 1019), "set bridge gatewayd ports_default");
	ck_assert_str_eq(nft_batch_describe(b, 1021), "chain inet gatewayd postrouting");
	ck_assert_str_eq(
		nft_batch_describe(b, 1021 + plan.n_chains),
		"rule in chain inet input: iifname != \"gw0\" ip daddr 10.213.0.1 udp dport "
		"53 counter name \"outside_default\" drop");
	ck_assert_str_eq(nft_batch_describe(b, 99999), "unknown message");
	nft_batch_free(b);
}
END_TEST

static const char *find_rule_in(const struct walk *w, const char *head, size_t nth)
{
	size_t n = strlen(head);

	for (size_t i = 0; i < w->n_rules; i++)
		if (!strncmp(w->rules[i], head, n) &&
		    (w->rules[i][n] == ' ' || w->rules[i][n] == '\n') && nth-- == 0)
			return w->rules[i];
	return "not found\n";
}

static const char *find_rule(const struct walk *w, const char *chain, size_t nth)
{
	char head[64];

	snprintf(head, sizeof(head), "inet gatewayd %s", chain);
	return find_rule_in(w, head, nth);
}

START_TEST(test_batch_expressions)
{
	struct nft_batch *b;
	static struct walk w;

	ck_assert_int_eq(nft_batch_replace(&plan, 1, 0, &b), 0);
	batch_walk(b, &w);
	/* oifname "eth0" ip saddr 10.213.0.0/24 ip daddr != 10.213.0.0/24
	 *   counter name "nat_default" masquerade */
	ck_assert_str_eq(strchr(find_rule(&w, "postrouting", 2), '\n') + 1,
			 "  [ meta load oifname => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x30687465 0x00000000 0x00000000 0x00000000 ]\n"
			 "  [ meta load nfproto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000002 ]\n"
			 "  [ payload load 4b @ network header + 12 => reg 1 ]\n"
			 "  [ bitwise reg 1 = ( reg 1 & 0x00ffffff ) ^ 0x00000000 ]\n"
			 "  [ cmp eq reg 1 0x0000d50a ]\n"
			 "  [ payload load 4b @ network header + 16 => reg 1 ]\n"
			 "  [ bitwise reg 1 = ( reg 1 & 0x00ffffff ) ^ 0x00000000 ]\n"
			 "  [ cmp neq reg 1 0x0000d50a ]\n"
			 "  [ objref type 1 name nat_default ]\n"
			 "  [ masq ]\n");
	/* oifname "gw0" ct state established,related counter name "fwd_in_default" accept */
	ck_assert_str_eq(strchr(find_rule(&w, "forward", 5), '\n') + 1,
			 "  [ meta load oifname => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00307767 0x00000000 0x00000000 0x00000000 ]\n"
			 "  [ ct load state => reg 1 ]\n"
			 "  [ bitwise reg 1 = ( reg 1 & 0x00000006 ) ^ 0x00000000 ]\n"
			 "  [ cmp neq reg 1 0x00000000 ]\n"
			 "  [ objref type 1 name fwd_in_default ]\n"
			 "  [ immediate reg 0 accept ]\n");
	/* iifname != "gw0" ip daddr 10.213.0.1 udp dport 53 counter ... drop */
	ck_assert_str_eq(strchr(find_rule(&w, "input", 0), '\n') + 1,
			 "  [ meta load iifname => reg 1 ]\n"
			 "  [ cmp neq reg 1 0x00307767 0x00000000 0x00000000 0x00000000 ]\n"
			 "  [ meta load nfproto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000002 ]\n"
			 "  [ payload load 4b @ network header + 16 => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x0100d50a ]\n"
			 "  [ meta load l4proto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000011 ]\n"
			 "  [ payload load 2b @ transport header + 2 => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00003500 ]\n"
			 "  [ objref type 1 name outside_default ]\n"
			 "  [ immediate reg 0 drop ]\n");
	/* iifname "gw0" ip6 saddr != fd42:213::/64 counter name "drop_default" drop */
	ck_assert_str_eq(strchr(find_rule(&w, "forward", 2), '\n') + 1,
			 "  [ meta load iifname => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00307767 0x00000000 0x00000000 0x00000000 ]\n"
			 "  [ meta load nfproto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x0000000a ]\n"
			 "  [ payload load 16b @ network header + 8 => reg 1 ]\n"
			 "  [ bitwise reg 1 = ( reg 1 & 0xffffffff 0xffffffff 0x00000000 "
			 "0x00000000 ) ^ 0x00000000 0x00000000 0x00000000 0x00000000 ]\n"
			 "  [ cmp neq reg 1 0x130242fd 0x00000000 0x00000000 0x00000000 ]\n"
			 "  [ objref type 1 name drop_default ]\n"
			 "  [ immediate reg 0 drop ]\n");
	nft_batch_free(b);
}
END_TEST

static const char *find_rule_in(const struct walk *w, const char *head, size_t nth);

START_TEST(test_batch_bridge_expressions)
{
	struct nft_batch *b;
	static struct walk w;

	ck_assert_int_eq(nft_batch_replace(&plan, 1, 0, &b), 0);
	batch_walk(b, &w);
	/* ether saddr 16:0a:79:22:99:bc udp sport 67 udp dport 68 jump guard_default */
	ck_assert_str_eq(strchr(find_rule_in(&w, "bridge gatewayd output", 0), '\n') + 1,
			 "  [ payload load 6b @ link header + 6 => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x22790a16 0x0000bc99 ]\n"
			 "  [ meta load l4proto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000011 ]\n"
			 "  [ payload load 2b @ transport header + 0 => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00004300 ]\n"
			 "  [ payload load 2b @ transport header + 2 => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00004400 ]\n"
			 "  [ immediate reg 0 jump -> guard_default ]\n");
	/* iifname @ports_default icmpv6 type nd-router-advert counter name "guard_default" drop */
	ck_assert_str_eq(strchr(find_rule_in(&w, "bridge gatewayd forward", 2), '\n') + 1,
			 "  [ meta load iifname => reg 1 ]\n"
			 "  [ lookup reg 1 set ports_default ]\n"
			 "  [ meta load l4proto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x0000003a ]\n"
			 "  [ payload load 1b @ transport header + 0 => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000086 ]\n"
			 "  [ objref type 1 name guard_default ]\n"
			 "  [ immediate reg 0 drop ]\n");
	/* guard chain: meta oifkind "tun" accept */
	ck_assert_str_eq(strchr(find_rule_in(&w, "bridge gatewayd guard_default", 0), '\n') + 1,
			 "  [ meta load oifkind => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x006e7574 0x00000000 0x00000000 0x00000000 ]\n"
			 "  [ immediate reg 0 accept ]\n");
	nft_batch_free(b);
}
END_TEST

START_TEST(test_batch_ports_set)
{
	struct nft_batch *b;
	static struct walk w;
	char names[2][IFNAMSIZ] = { "tap0", "veth1" };

	ck_assert_int_eq(nft_batch_set_names(5, NFPROTO_BRIDGE, "ports_default", names, 2, &b), 0);
	batch_walk(b, &w);
	ck_assert_uint_eq(w.n, 4);
	ck_assert_int_eq(w.types[1], NFT_MSG_DELSETELEM); /* flush */
	ck_assert_int_eq(w.types[2], NFT_MSG_NEWSETELEM);
	ck_assert_str_eq(nft_batch_describe(b, 6), "elements of set bridge gatewayd ports_default");
	nft_batch_free(b);
	ck_assert_int_eq(nft_batch_set_names(5, NFPROTO_BRIDGE, "ports_default", names, 0, &b), 0);
	batch_walk(b, &w);
	ck_assert_uint_eq(w.n, 3); /* flush only */
	nft_batch_free(b);
}
END_TEST

START_TEST(test_batch_delete)
{
	struct nft_batch *b;
	static struct walk w;

	ck_assert_int_eq(nft_batch_delete(7, 0, &b), 0);
	batch_walk(b, &w);
	ck_assert_uint_eq(w.n, 6);
	ck_assert_int_eq(w.types[0], NFNL_MSG_BATCH_BEGIN);
	ck_assert_int_eq(w.types[1], NFT_MSG_NEWTABLE);
	ck_assert_int_eq(w.types[2], NFT_MSG_DELTABLE);
	ck_assert_int_eq(w.types[3], NFT_MSG_NEWTABLE);
	ck_assert_int_eq(w.types[4], NFT_MSG_DELTABLE);
	ck_assert_int_eq(w.types[5], NFNL_MSG_BATCH_END);
	nft_batch_free(b);
}
END_TEST

START_TEST(test_print_ruleset)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	nft_plan_print(f, &plan);
	fclose(f);
	ck_assert_msg(!strncmp(text, "table inet gatewayd {\n\tcounter nat_default {\n\t}\n", 48),
		      "%s", text);
	ck_assert_msg(strstr(text, "\tchain postrouting {\n\t\ttype nat hook postrouting priority "
				   "srcnat; policy accept;\n"),
		      "%s", text);
	ck_assert_msg(strstr(text, "\tchain forward {\n\t\ttype filter hook forward priority "
				   "filter; policy accept;\n"),
		      "%s", text);
	free(text);
}
END_TEST

Suite *nft_suite(void)
{
	Suite *s = suite_create("nft");
	TCase *tc = tcase_create("plan+batch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_plan_postrouting);
	tcase_add_test(tc, test_plan_forward);
	tcase_add_test(tc, test_plan_input);
	tcase_add_test(tc, test_plan_counters);
	tcase_add_test(tc, test_plan_backstop);
	tcase_add_test(tc, test_plan_guest_patterns);
	tcase_add_test(tc, test_batch_ports_set);
	tcase_add_test(tc, test_batch_shape);
	tcase_add_test(tc, test_batch_expressions);
	tcase_add_test(tc, test_batch_bridge_expressions);
	tcase_add_test(tc, test_batch_delete);
	tcase_add_test(tc, test_print_ruleset);
	suite_add_tcase(s, tc);
	return s;
}
