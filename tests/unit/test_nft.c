/* The nftables plan and batch builder: the plan's rules in nft syntax, and
 * the built netlink messages parsed back with libnftnl and compared with
 * the expressions `nft --debug=netlink` prints for the same rules.
 *
 * The base chains only dispatch, through verdict maps, to one chain per
 * network: their rule count must not grow with the number of networks. */
#include "suites.h"
#include "conf/conf.h"
#include "nft/batch.h"
#include "nft/counters.h"
#include "nft/feature.h"
#include "nft/plan.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static struct gw_conf *conf;
static struct nft_plan plan;
static const char *const uplinks[] = { "eth0", "eth1", "eth0" };

static const char two_nets[] =
	"network default {\n bridge = gw0\n ipv4 = \"10.213.0.1/24\"\n ipv6 = "
	"\"fd42:213::1/64\"\n}\n"
	"network cust {\n bridge = gw1\n ipv4 = \"10.50.0.1/16\"\n host_access = true\n}\n";

static void setup(void)
{
	char err[512];

	ck_assert_int_eq(conf_load_buf("t", two_nets, &conf, err, sizeof(err)), 0);
	ck_assert_int_eq(nft_plan_build(conf, uplinks, false, &plan), 0);
}

static void teardown(void)
{
	nft_plan_release(&plan);
	conf_free(conf);
}

static long chain_index(const struct nft_plan *p, const char *name)
{
	for (size_t c = 0; c < p->n_chains; c++)
		if (!strcmp(p->chains[c].name, name))
			return (long)c;
	return -1;
}

/* The rules of a chain, one per line, in nft syntax. */
static char *chain_text_in(const struct nft_plan *p, const char *name)
{
	static char out[8192];
	char line[1024];
	long c = chain_index(p, name);

	out[0] = '\0';
	ck_assert_msg(c >= 0, "no chain %s", name);
	for (size_t i = 0; i < p->n_rules; i++) {
		if (p->rules[i].chain != (size_t)c)
			continue;
		nft_rule_format(&p->rules[i], line, sizeof(line));
		strcat(out, line);
		strcat(out, "\n");
	}
	return out;
}

static char *chain_text(const char *name)
{
	return chain_text_in(&plan, name);
}

START_TEST(test_omit_parse)
{
	unsigned v = 99;

	ck_assert_int_eq(nft_omit_parse("", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(nft_omit_parse("binding, counters dnat", &v), 0);
	ck_assert_uint_eq(v, NFT_OMIT_BINDING | NFT_OMIT_COUNTERS | NFT_OMIT_DNAT);
	ck_assert_int_eq(nft_omit_parse("meters untrusted,backstop filter", &v), 0);
	ck_assert_uint_eq(v, NFT_OMIT_METERS | NFT_OMIT_UNTRUSTED | NFT_OMIT_BACKSTOP |
				     NFT_OMIT_FWD_FILTER);
	ck_assert_int_eq(nft_omit_parse("bind", &v), -EINVAL);
	ck_assert_int_eq(nft_omit_parse("bindingx", &v), -EINVAL);
}
END_TEST

START_TEST(test_plan_dispatch)
{
	ck_assert_str_eq(chain_text("postrouting"), "iifname vmap @nat_nets\n"
						    "ip saddr vmap @local4_nets\n"
						    "ip6 saddr vmap @local6_nets\n");
	/* the host's own packets from a gateway address: to that network's
	 * NAT chain by their source, one lookup */
	{
		bool found = false;

		for (size_t s = 0; s < plan.n_sets; s++)
			for (size_t e = 0;
			     !strcmp(plan.sets[s].name, "local4_nets") && e < plan.sets[s].n_elems;
			     e++)
				found |= plan.sets[s].elems[e].key.a4.s_addr ==
						 inet_addr("10.50.0.1") &&
					 !strcmp(plan.sets[s].elems[e].chain, "nat_cust");
		ck_assert_msg(found, "no local4_nets element 10.50.0.1 : jump nat_cust");
	}
	ck_assert_int_lt(chain_index(&plan, "nat_local"), 0);
	ck_assert_str_eq(chain_text("input"), "ip daddr vmap @svc4_nets\n"
					      "ip6 daddr vmap @svc6_nets\n"
					      "iifname vmap @in_nets\n");
	/* no port forward: nothing of theirs in forward (with one:
	 * tests/unit/test_forward.c), no prerouting or output nat chain at
	 * all, in the plan or the printed ruleset */
	ck_assert_str_eq(chain_text("forward"), "iifname vmap @from_nets\n"
						"oifname vmap @to_nets\n");
	ck_assert(plan.chains[NC_PREROUTING].absent && plan.chains[NC_OUTPUT].absent);
	ck_assert(!plan.chains[NC_FORWARD].absent && !plan.chains[NC_BR_PREROUTING].absent);
	{
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		nft_plan_print(f, &plan);
		fclose(f);
		ck_assert_ptr_null(strstr(text, "hook prerouting priority dstnat"));
		ck_assert_ptr_null(strstr(text, "type nat hook output"));
		ck_assert_ptr_nonnull(strstr(text, "type nat hook postrouting"));
		free(text);
	}
	/* the bridge table's base chains come after the inet ones */
	ck_assert_str_eq(plan.chains[NC_BR_OUTPUT].name, "output");
	ck_assert_str_eq(chain_text_in(&plan, "output"), "ether saddr vmap @out_nets\n");
}
END_TEST

/* A packet's rule count does not grow with the networks: the same base
 * chains for 1 and for 300 networks. */
START_TEST(test_plan_flat)
{
	char *text = malloc(300 * 120), err[256];
	const char **ups = calloc(300, sizeof(*ups));
	struct gw_conf *c;
	struct nft_plan p;
	size_t off = 0, base = 0;

	for (int i = 0; i < 300; i++) {
		off += (size_t)sprintf(
			text + off, "network n%d {\n bridge = b%d\n ipv4 = \"10.%d.%d.1/24\"\n}\n",
			i, i, 100 + i / 256, i % 256);
		ups[i] = "eth0";
	}
	ck_assert_int_eq(conf_load_buf("t", text, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(nft_plan_build(c, ups, false, &p), 0);
	for (size_t i = 0; i < p.n_rules; i++)
		base += p.rules[i].chain < NC_BASE_COUNT;
	/* as for one network (2 of them the dispatch of ports not known
	 * yet: nft/untrusted.c; 2 the bound guests' fast paths:
	 * nft/binding.c; port forwards' only with a forward) */
	ck_assert_uint_eq(base, 15);
	ck_assert_uint_eq(p.sets[1].n_elems, 300);
	ck_assert_str_eq(p.sets[1].name, "svc4_nets");
	ck_assert_str_eq(p.sets[1].elems[299].chain, "svc_n299");
	nft_plan_release(&p);
	conf_free(c);
	free(ups);
	free(text);
}
END_TEST

START_TEST(test_plan_maps)
{
	char a[64];

	/* 11 of them port forwards', 16 binding's, 2 our subnets (untrusted.c),
	 * 6 the connection quota's (quota.c) */
	ck_assert_uint_eq(plan.n_sets, 45);
	/* nat_nets: bridge -> nat_NET */
	ck_assert(plan.sets[0].vmap && plan.sets[0].key == NK_IIFNAME);
	ck_assert_uint_eq(plan.sets[0].n_elems, 2);
	ck_assert_str_eq(plan.sets[0].elems[0].key.ifname, "gw0");
	ck_assert_str_eq(plan.sets[0].elems[0].chain, "nat_default");
	ck_assert_str_eq(plan.sets[0].elems[1].key.ifname, "gw1");
	ck_assert_str_eq(plan.sets[0].elems[1].chain, "nat_cust");
	/* svc4_nets / svc6_nets: the gateways' addresses -> svc_NET */
	ck_assert_uint_eq(plan.sets[1].n_elems, 2);
	inet_ntop(AF_INET, &plan.sets[1].elems[1].key.a4, a, sizeof(a));
	ck_assert_str_eq(a, "10.50.0.1");
	ck_assert_str_eq(plan.sets[1].elems[1].chain, "svc_cust");
	ck_assert_uint_eq(plan.sets[2].n_elems, 1); /* cust has no IPv6 */
	inet_ntop(AF_INET6, &plan.sets[2].elems[0].key.a6, a, sizeof(a));
	ck_assert_str_eq(a, "fd42:213::1");
	/* out_nets: the bridge's stable MAC -> out_NET */
	ck_assert_str_eq(plan.sets[6].name, "out_nets");
	ck_assert_uint_eq(plan.sets[6].elems[0].key.mac[0], 0x16);
	ck_assert_str_eq(plan.sets[6].elems[0].chain, "out_default");
	/* port_nets: filled at run time */
	ck_assert_str_eq(plan.sets[7].name, NFT_PORTS_MAP);
	ck_assert(plan.sets[7].dynamic);
	ck_assert_uint_eq(plan.sets[7].n_elems, 0);
}
END_TEST

START_TEST(test_plan_postrouting)
{
	/* one rule per family: multicast and broadcast fall off the end */
	ck_assert_str_eq(chain_text("nat_default"),
			 "oifname \"eth0\" ip saddr 10.213.0.0/24 ip daddr != 10.213.0.0/24 "
			 "ip daddr != 224.0.0.0/4 ip daddr != 255.255.255.255 "
			 "counter name \"nat_default\" masquerade\n"
			 "oifname \"eth0\" ip6 saddr fd42:213::/64 ip6 daddr != fd42:213::/64 "
			 "ip6 daddr != ff00::/8 counter name \"nat_default\" masquerade\n");
	ck_assert_str_eq(chain_text("nat_cust"),
			 "oifname \"eth1\" ip saddr 10.50.0.0/16 ip daddr != 10.50.0.0/16 "
			 "ip daddr != 224.0.0.0/4 ip daddr != 255.255.255.255 counter "
			 "name \"nat_cust\" masquerade\n");
}
END_TEST

START_TEST(test_plan_forward)
{
	/* from_NET: what came in on the bridge (the dispatch checked
	 * iifname); a guest's packet to the uplink leaves at the first rule
	 * of its family, its source checked there */
	ck_assert_str_eq(
		chain_text("from_default"),
		"oifname \"eth0\" ip saddr 10.213.0.0/24 counter name \"fwd_out_default\" "
		"accept\n"
		"ip6 saddr fd42:213::/64 oifname \"eth0\" counter name \"fwd_out_default\" "
		"accept\n"
		"oifname \"gw0\" accept\n"
		"ip saddr != 10.213.0.0/24 counter name \"drop_default\" drop\n"
		"ip6 saddr != fd42:213::/64 counter name \"drop_default\" drop\n"
		"counter name \"drop_default\" drop\n");
	ck_assert_str_eq(chain_text("to_default"),
			 "ct state established,related counter name \"fwd_in_default\" accept\n"
			 "drop\n");
	/* no IPv6 on "cust": none of its guests' IPv6 is routed */
	ck_assert_msg(strstr(chain_text("from_cust"),
			     "meta nfproto ipv6 counter name \"drop_cust\" drop\n"),
		      "%s", chain_text("from_cust"));
}
END_TEST

START_TEST(test_plan_input)
{
	const char *t;

	/* svc_NET, by destination address: only what came in on the bridge */
	ck_assert_str_eq(
		chain_text("svc_default"),
		"iifname != \"gw0\" udp dport 53 counter name \"outside_default\" drop\n"
		"iifname != \"gw0\" tcp dport 53 counter name \"outside_default\" drop\n"
		"iifname != \"gw0\" udp dport 67 counter name \"outside_default\" drop\n"
		"iifname != \"gw0\" udp dport 547 counter name \"outside_default\" drop\n");
	ck_assert_str_eq(chain_text("in_default"),
			 "ct state established,related accept\n"
			 "ip daddr 255.255.255.255 udp dport 67 accept\n"
			 "ip daddr 10.213.0.1 udp dport 67 accept\n"
			 "udp dport 67 counter name \"drop_default\" drop\n"
			 "ip6 daddr != ff02::1:2 ip6 daddr != fd42:213::1 ip6 daddr != fe80::/10 "
			 "udp dport 547 counter name \"drop_default\" drop\n"
			 "ip saddr != 10.213.0.0/24 counter name \"drop_default\" drop\n"
			 "ip6 saddr != fd42:213::/64 ip6 saddr != fe80::/10 ip6 saddr != :: "
			 "counter name \"drop_default\" drop\n"
			 "ip daddr != 10.213.0.1 drop\n"
			 "ip6 daddr != fd42:213::1 ip6 daddr != fe80::/10 ip6 daddr != ff00::/8 "
			 "drop\n"
			 "udp dport 53 accept\n"
			 "tcp dport 53 accept\n"
			 "meta l4proto icmp accept\n"
			 "udp dport 547 accept\n"
			 "meta l4proto ipv6-icmp accept\n"
			 "drop\n");
	/* host_access = true: no final drop, no "only the own gateway", no
	 * DHCPv6 without IPv6 -- but DHCP still only to the gateway */
	t = chain_text("in_cust");
	ck_assert_msg(!strstr(t, "\ndrop\n"), "%s", t);
	ck_assert_msg(!strstr(t, "ip daddr != 10.50.0.1 drop"), "%s", t);
	ck_assert_msg(!strstr(t, "udp dport 547 accept"), "%s", t);
	ck_assert_msg(strstr(t, "ip daddr 10.50.0.1 udp dport 67 accept\n"
				"udp dport 67 counter name \"drop_cust\" drop\n"),
		      "%s", t);
}
END_TEST

START_TEST(test_plan_counters)
{
	ck_assert_uint_eq(plan.n_counters, 21); /* "untrusted" first (untrusted.c) */
	ck_assert_str_eq(plan.counters[0].name, "untrusted");
	ck_assert_uint_eq(plan.counters[0].family, NFPROTO_BRIDGE);
	ck_assert_str_eq(plan.counters[1].name, "nat_default");
	ck_assert_uint_eq(plan.counters[1].family, NFPROTO_INET);
	ck_assert_str_eq(plan.counters[5].name, "guard_default");
	ck_assert_uint_eq(plan.counters[5].family, NFPROTO_BRIDGE);
	ck_assert_str_eq(plan.counters[6].name, "outside_default");
	ck_assert_uint_eq(plan.counters[6].family, NFPROTO_INET);
	ck_assert_str_eq(plan.counters[7].name, "bind_default");
	ck_assert_uint_eq(plan.counters[7].family, NFPROTO_BRIDGE);
	ck_assert_str_eq(plan.counters[8].name, "dhcp_rate_default");
	ck_assert_str_eq(plan.counters[9].name, "claim_default");
	ck_assert_str_eq(plan.counters[10].name, "quota_default");
	ck_assert_uint_eq(plan.counters[10].family, NFPROTO_INET);
	ck_assert_str_eq(plan.counters[11].name, "nat_cust");
}
END_TEST

START_TEST(test_plan_backstop)
{
	/* out_NET, reached by our dnsmasq's frames (the bridge's MAC) */
	ck_assert_str_eq(chain_text("out_default"),
			 "th dport > 546 meta l4proto != ipv6-icmp return\n"
			 "udp sport 67 udp dport 68 jump guard_default\n"
			 "udp sport 547 udp dport 546 jump guard_default\n"
			 "icmpv6 type nd-router-advert jump guard_default\n");
	/* ports_NET, reached by frames that came in on a port of the bridge:
	 * a server's message whatever its source port (a rogue answers from
	 * 6767 as well as from 67) */
	ck_assert_str_eq(chain_text("ports_default"),
			 "th dport > 546 meta l4proto != ipv6-icmp return\n"
			 "udp dport 68 counter name \"guard_default\" drop\n"
			 "udp dport 546 counter name \"guard_default\" drop\n"
			 "icmpv6 type nd-router-advert counter name \"guard_default\" drop\n"
			 "udp dport 67 @th,64,8 0x2 counter name \"guard_default\" drop\n");
	/* the guard chain: allow-list of guest ports, then drop */
	ck_assert_ptr_null(plan.chains[chain_index(&plan, "guard_default")].type);
	ck_assert_str_eq(chain_text("guard_default"), "meta oifkind \"tun\" accept\n"
						      "meta oifkind \"veth\" accept\n"
						      "counter name \"guard_default\" drop\n");
}
END_TEST

START_TEST(test_plan_guest_patterns)
{
	struct gw_conf *c;
	struct nft_plan p;
	char err[256];
	const char *text = "network n {\n bridge = gw9\n ipv4 = \"10.9.0.1/24\"\n"
			   " guest_ports = {\"tap*\", \"vm-web\"}\n}\n";

	ck_assert_int_eq(conf_load_buf("t", text, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(nft_plan_build(c, uplinks, false, &p), 0);
	/* no name of the doctor's test port: it is in guest_ports, which
	 * gatewayd fills with what it made (a gwdt* veth is just a veth) */
	ck_assert_str_eq(chain_text_in(&p, "guard_n"),
			 "meta oifkind \"tun\" oifname \"tap*\" accept\n"
			 "meta oifkind \"tun\" oifname \"vm-web\" accept\n"
			 "meta oifkind \"veth\" oifname \"tap*\" accept\n"
			 "meta oifkind \"veth\" oifname \"vm-web\" accept\n"
			 "oifname @guest_ports accept\n"
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
	int types[512];
	size_t n;
	char rules[256][2048];
	size_t n_rules;
	bool acks_last_only; /* asserted: only the last message asks an ack */
};

static void msgs_walk(const void *data, size_t len, struct walk *w)
{
	const struct nlmsghdr *nlh = data;
	int left = (int)len;
	bool last_only = w->acks_last_only;

	memset(w, 0, sizeof(*w));
	w->acks_last_only = last_only;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		int type = nlh->nlmsg_type;

		if (type >> 8 == NFNL_SUBSYS_NFTABLES)
			type &= 0xff;
		ck_assert(nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN ||
			  nlh->nlmsg_type == NFNL_MSG_BATCH_END || (nlh->nlmsg_flags & NLM_F_ACK) ||
			  w->acks_last_only);
		/* the batch builder's: an ack of the last message before the
		 * end only (nft/msg.c) */
		if (w->acks_last_only && nlh->nlmsg_type != NFNL_MSG_BATCH_BEGIN &&
		    nlh->nlmsg_type != NFNL_MSG_BATCH_END)
			ck_assert_int_eq(!!(nlh->nlmsg_flags & NLM_F_ACK),
					 mnl_nlmsg_next(nlh, &(int){ left })->nlmsg_type ==
						 NFNL_MSG_BATCH_END);
		ck_assert_uint_lt(w->n, sizeof(w->types) / sizeof(w->types[0]));
		w->types[w->n++] = type;
		if (type == NFT_MSG_NEWRULE && nlh->nlmsg_type != NFNL_MSG_BATCH_END) {
			struct nftnl_rule *r = nftnl_rule_alloc();
			ck_assert_uint_lt(w->n_rules, sizeof(w->rules) / sizeof(w->rules[0]));
			ck_assert_int_eq(nftnl_rule_nlmsg_parse(nlh, r), 0);
			nftnl_rule_snprintf(w->rules[w->n_rules], 2048, r, NFTNL_OUTPUT_DEFAULT, 0);
			objref_trim(w->rules[w->n_rules++]);
			nftnl_rule_free(r);
		}
	}
	ck_assert_int_eq(left, 0);
}

static void batch_walk(const struct nft_batch *b, struct walk *w)
{
	size_t len;
	const void *data = nft_batch_data(b, &len);

	w->acks_last_only = true;
	msgs_walk(data, len, w);
}

START_TEST(test_batch_shape)
{
	struct nft_batch *b;
	static struct walk w;
	size_t i = 0, maps_with_elems = 0;

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
		if (!plan.chains[k].absent)
			ck_assert_int_eq(w.types[i++], NFT_MSG_NEWCHAIN);
	/* elements after the chains they jump to, before the rules */
	for (size_t k = 0; k < plan.n_sets; k++)
		maps_with_elems += plan.sets[k].n_elems > 0;
	ck_assert_uint_eq(maps_with_elems, 11); /* 2: our subnets (untrusted.c) */
	for (size_t k = 0; k < maps_with_elems; k++)
		ck_assert_int_eq(w.types[i++], NFT_MSG_NEWSETELEM);
	for (size_t k = 0; k < plan.n_rules; k++)
		ck_assert_int_eq(w.types[i++], NFT_MSG_NEWRULE);
	ck_assert_int_eq(w.types[i++], NFNL_MSG_BATCH_END);
	ck_assert_uint_eq(i, w.n);
	ck_assert_uint_eq(w.n_rules, plan.n_rules);
	/* sequence numbers name what each message creates */
	ck_assert_str_eq(nft_batch_describe(b, 1001), "table inet gatewayd");
	ck_assert_str_eq(nft_batch_describe(b, 1003), "table bridge gatewayd");
	/* 1007: the counter "untrusted" (untrusted.c) */
	ck_assert_str_eq(nft_batch_describe(b, 1007), "counter bridge gatewayd untrusted");
	ck_assert_str_eq(nft_batch_describe(b, 1008), "counter inet gatewayd nat_default");
	ck_assert_str_eq(nft_batch_describe(b, 1012), "counter bridge gatewayd guard_default");
	ck_assert_str_eq(nft_batch_describe(b, 1028), "map inet gatewayd nat_nets");
	ck_assert_str_eq(nft_batch_describe(b, 1035), "map bridge gatewayd port_nets");
	ck_assert_str_eq(nft_batch_describe(b, 1037), "map inet gatewayd local6_nets");
	ck_assert_str_eq(nft_batch_describe(b, 1038), "map inet gatewayd fwd_closed");
	ck_assert_str_eq(nft_batch_describe(b, 1039), "map bridge gatewayd bind_nets");
	ck_assert_str_eq(nft_batch_describe(b, 1043), "set bridge gatewayd bind6");
	ck_assert_str_eq(nft_batch_describe(b, 1044), "set bridge gatewayd claimed6");
	ck_assert_str_eq(nft_batch_describe(b, 1045), "set bridge gatewayd guest_ports");
	ck_assert_str_eq(nft_batch_describe(b, 1046), "set bridge gatewayd dhcp_rate");
	ck_assert_str_eq(nft_batch_describe(b, 1047), "set bridge gatewayd dhcp_clients");
	ck_assert_str_eq(nft_batch_describe(b, 1048), "set bridge gatewayd mac_self");
	ck_assert_str_eq(nft_batch_describe(b, 1049), "set bridge gatewayd dhcp_macs");
	ck_assert_str_eq(nft_batch_describe(b, 1050), "set bridge gatewayd dhcp_seen");
	ck_assert_str_eq(nft_batch_describe(b, 1051), "set bridge gatewayd mac_clients");
	ck_assert_str_eq(nft_batch_describe(b, 1052), "set bridge gatewayd mac_rate");
	ck_assert_str_eq(nft_batch_describe(b, 1053), "set bridge gatewayd bind_miss4");
	ck_assert_str_eq(nft_batch_describe(b, 1054), "set bridge gatewayd bind_miss6");
	ck_assert_str_eq(nft_batch_describe(b, 1055), "set bridge gatewayd our_nets4");
	ck_assert_str_eq(nft_batch_describe(b, 1056), "set bridge gatewayd our_nets6");
	ck_assert_str_eq(nft_batch_describe(b, 1057), "set inet gatewayd ctq");
	ck_assert_str_eq(nft_batch_describe(b, 1058), "set inet gatewayd ctq_drops");
	ck_assert_str_eq(nft_batch_describe(b, 1059), "map inet gatewayd quota_nets");
	ck_assert_str_eq(nft_batch_describe(b, 1060), "set inet gatewayd ctq_in4");
	ck_assert_str_eq(nft_batch_describe(b, 1061), "set inet gatewayd ctq_in6");
	ck_assert_str_eq(nft_batch_describe(b, 1062), "map inet gatewayd quota_in_nets");
	ck_assert_str_eq(nft_batch_describe(b, 1072), "set inet gatewayd fwd_hairpin6");
	ck_assert_str_eq(nft_batch_describe(b, 1073), "chain inet gatewayd postrouting");
	/* prerouting and output (no forward) are not created */
	ck_assert_msg(strstr(nft_batch_describe(b, 1073 + plan.n_chains - 2),
			     "elements of map inet gatewayd nat_nets"),
		      "%s", nft_batch_describe(b, 1073 + plan.n_chains - 2));
	/* the first rule: postrouting's dispatch */
	ck_assert_str_eq(nft_batch_describe(b, 1073 + plan.n_chains - 2 + 11),
			 "rule in chain inet postrouting: iifname vmap @nat_nets");
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
	/* ip daddr vmap @svc4_nets */
	ck_assert_str_eq(strchr(find_rule(&w, "input", 0), '\n') + 1,
			 "  [ meta load nfproto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000002 ]\n"
			 "  [ payload load 4b @ network header + 16 => reg 1 ]\n"
			 "  [ lookup reg 1 set svc4_nets dreg 0 ]\n");
	/* iifname vmap @in_nets */
	ck_assert_str_eq(strchr(find_rule(&w, "input", 2), '\n') + 1,
			 "  [ meta load iifname => reg 1 ]\n"
			 "  [ lookup reg 1 set in_nets dreg 0 ]\n");
	/* iifname != "gw0" udp dport 53 counter name "outside_default" drop */
	ck_assert_str_eq(strchr(find_rule(&w, "svc_default", 0), '\n') + 1,
			 "  [ meta load iifname => reg 1 ]\n"
			 "  [ cmp neq reg 1 0x00307767 0x00000000 0x00000000 0x00000000 ]\n"
			 "  [ meta load l4proto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000011 ]\n"
			 "  [ payload load 2b @ transport header + 2 => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00003500 ]\n"
			 "  [ objref type 1 name outside_default ]\n"
			 "  [ immediate reg 0 drop ]\n");
	/* oifname "eth0" ip saddr 10.213.0.0/24 ip daddr != 10.213.0.0/24
	 * ip daddr != 224.0.0.0/4 ip daddr != 255.255.255.255 counter ... masquerade */
	ck_assert_str_eq(strchr(find_rule(&w, "nat_default", 0), '\n') + 1,
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
			 "  [ payload load 4b @ network header + 16 => reg 1 ]\n"
			 "  [ bitwise reg 1 = ( reg 1 & 0x000000f0 ) ^ 0x00000000 ]\n"
			 "  [ cmp neq reg 1 0x000000e0 ]\n"
			 "  [ payload load 4b @ network header + 16 => reg 1 ]\n"
			 "  [ cmp neq reg 1 0xffffffff ]\n"
			 "  [ objref type 1 name nat_default ]\n"
			 "  [ masq ]\n");
	/* ct state established,related counter name "fwd_in_default" accept */
	ck_assert_str_eq(strchr(find_rule(&w, "to_default", 0), '\n') + 1,
			 "  [ ct load state => reg 1 ]\n"
			 "  [ bitwise reg 1 = ( reg 1 & 0x00000006 ) ^ 0x00000000 ]\n"
			 "  [ cmp neq reg 1 0x00000000 ]\n"
			 "  [ objref type 1 name fwd_in_default ]\n"
			 "  [ immediate reg 0 accept ]\n");
	/* ip6 saddr != fd42:213::/64 counter name "drop_default" drop */
	ck_assert_str_eq(strchr(find_rule(&w, "from_default", 4), '\n') + 1,
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

START_TEST(test_batch_bridge_expressions)
{
	struct nft_batch *b;
	static struct walk w;

	ck_assert_int_eq(nft_batch_replace(&plan, 1, 0, &b), 0);
	batch_walk(b, &w);
	/* ether saddr vmap @out_nets */
	ck_assert_str_eq(strchr(find_rule_in(&w, "bridge gatewayd output", 0), '\n') + 1,
			 "  [ payload load 6b @ link header + 6 => reg 1 ]\n"
			 "  [ lookup reg 1 set out_nets dreg 0 ]\n");
	/* udp sport 67 udp dport 68 jump guard_default */
	ck_assert_str_eq(strchr(find_rule_in(&w, "bridge gatewayd out_default", 1), '\n') + 1,
			 "  [ meta load l4proto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00000011 ]\n"
			 "  [ payload load 2b @ transport header + 0 => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00004300 ]\n"
			 "  [ payload load 2b @ transport header + 2 => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00004400 ]\n"
			 "  [ immediate reg 0 jump -> guard_default ]\n");
	/* icmpv6 type nd-router-advert counter name "guard_default" drop */
	ck_assert_str_eq(strchr(find_rule_in(&w, "bridge gatewayd ports_default", 3), '\n') + 1,
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

/* The map elements of the nth NEWSETELEM message, read attribute by
 * attribute: "key:verdict:chain" per element. */
static void elems_of(const struct nft_batch *b, int nth, char *out, size_t len)
{
	size_t blen;
	const struct nlmsghdr *nlh = nft_batch_data(b, &blen);
	int left = (int)blen;

	out[0] = '\0';
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		const struct nlattr *a, *el, *x, *d, *v;

		if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSETELEM) ||
		    nth-- > 0)
			continue;
		mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		{
			if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
				continue;
			mnl_attr_for_each_nested(el, a)
			{
				char key[64] = "", chain[64] = "";
				int code = 0;

				mnl_attr_for_each_nested(x, el)
				{
					if (mnl_attr_get_type(x) == NFTA_SET_ELEM_KEY)
						mnl_attr_for_each_nested(d, x) snprintf(
							key, sizeof(key), "%.*s",
							(int)strnlen(mnl_attr_get_payload(d),
								     mnl_attr_get_payload_len(d)),
							(const char *)mnl_attr_get_payload(d));
					if (mnl_attr_get_type(x) != NFTA_SET_ELEM_DATA)
						continue;
					mnl_attr_for_each_nested(d, x)
						mnl_attr_for_each_nested(v, d)
					{
						if (mnl_attr_get_type(v) == NFTA_VERDICT_CODE)
							code = (int)ntohl(mnl_attr_get_u32(v));
						if (mnl_attr_get_type(v) == NFTA_VERDICT_CHAIN)
							snprintf(chain, sizeof(chain), "%s",
								 mnl_attr_get_str(v));
					}
				}
				snprintf(out + strlen(out), len - strlen(out), "%s:%d:%s\n", key,
					 code, chain);
			}
		}
		return;
	}
}

START_TEST(test_batch_map_elements)
{
	struct nft_batch *b;
	char text[512];

	ck_assert_int_eq(nft_batch_replace(&plan, 1, 0, &b), 0);
	elems_of(b, 0, text, sizeof(text));				 /* nat_nets */
	ck_assert_str_eq(text, "gw0:-3:nat_default\ngw1:-3:nat_cust\n"); /* -3: NFT_JUMP */
	nft_batch_free(b);
}
END_TEST

START_TEST(test_batch_ports_map)
{
	struct nft_batch *b;
	static struct walk w;
	struct nft_elem e[2] = { { .key.ifname = "tap0", .chain = "ports_default" },
				 { .key.ifname = "veth1", .chain = "ports_cust" } };
	char text[256];

	ck_assert_int_eq(nft_batch_port_elems(5, e, 2, &b), 0);
	batch_walk(b, &w);
	ck_assert_uint_eq(w.n, 4);
	ck_assert_int_eq(w.types[1], NFT_MSG_DELSETELEM); /* flush */
	ck_assert_int_eq(w.types[2], NFT_MSG_NEWSETELEM);
	ck_assert_str_eq(nft_batch_describe(b, 6), "flushing map bridge gatewayd port_nets");
	ck_assert_str_eq(nft_batch_describe(b, 7), "elements of map bridge gatewayd port_nets");
	elems_of(b, 0, text, sizeof(text));
	ck_assert_str_eq(text, "tap0:-3:ports_default\nveth1:-3:ports_cust\n");
	nft_batch_free(b);
	ck_assert_int_eq(nft_batch_port_elems(5, e, 0, &b), 0);
	batch_walk(b, &w);
	ck_assert_uint_eq(w.n, 3); /* flush only */
	nft_batch_free(b);
}
END_TEST

/* The watch's deltas: a port that moves is a delete and an add in one
 * transaction; nothing at all when there is nothing to change. */
START_TEST(test_batch_ports_delta)
{
	struct nft_batch *b;
	static struct walk w;
	struct nft_elem del = { .key.ifname = "tap0", .chain = "ports_default" };
	struct nft_elem add[2] = { { .key.ifname = "tap0", .chain = "ports_cust" },
				   { .key.ifname = "veth1", .chain = "ports_cust" } };
	char text[256];

	ck_assert_int_eq(nft_batch_port_delta(5, &del, 1, add, 2, &b), 0);
	batch_walk(b, &w);
	ck_assert_uint_eq(w.n, 4);
	ck_assert_int_eq(w.types[1], NFT_MSG_DELSETELEM);
	ck_assert_int_eq(w.types[2], NFT_MSG_NEWSETELEM);
	elems_of(b, 0, text, sizeof(text));
	ck_assert_str_eq(text, "tap0:-3:ports_cust\nveth1:-3:ports_cust\n");
	nft_batch_free(b);
	ck_assert_int_eq(nft_batch_port_delta(5, NULL, 0, add, 1, &b), 0);
	batch_walk(b, &w);
	ck_assert_uint_eq(w.n, 3); /* the add only, no flush */
	ck_assert_int_eq(w.types[1], NFT_MSG_NEWSETELEM);
	nft_batch_free(b);
	ck_assert_int_eq(nft_batch_port_delta(5, NULL, 0, NULL, 0, &b), 0);
	ck_assert_ptr_null(b);
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
	/* on failure, its start: Check cuts long messages */
	ck_assert_msg(!strncmp(text, "table inet gatewayd {\n\tcounter nat_default {\n\t}\n", 48),
		      "%.3000s", text);
	ck_assert_msg(strstr(text, "\tmap svc4_nets {\n\t\ttype ipv4_addr : verdict\n"
				   "\t\telements = { 10.213.0.1 : jump svc_default,\n"
				   "\t\t\t     10.50.0.1 : jump svc_cust }\n\t}\n"),
		      "%.3000s", text);
	ck_assert_msg(strstr(text, "\tmap port_nets {\n\t\ttype ifname : verdict\n\t}\n"),
		      "%.3000s", text);
	ck_assert_msg(strstr(text, "\tchain postrouting {\n\t\ttype nat hook postrouting priority "
				   "srcnat; policy accept;\n\t\tiifname vmap @nat_nets\n"),
		      "%.3000s", text);
	ck_assert_msg(strstr(text, "\tchain forward {\n\t\ttype filter hook forward priority "
				   "filter; policy accept;\n"),
		      "%.3000s", text);
	free(text);
}
END_TEST

/* The backstop's two forms (nft_plan_build()'s bridge_meta). They differ
 * in one thing only: how the bridge table's forward chain finds a frame's
 * network -- by the bridge it came in on (meta ibrname, every port
 * covered by the kernel alone) or by the port, in the map the daemon
 * keeps (port_nets). */
static char *chain_text_at(const struct nft_plan *p, size_t c)
{
	static char out[1024];
	char line[1024];

	out[0] = '\0';
	for (size_t i = 0; i < p->n_rules; i++) {
		if (p->rules[i].chain != c)
			continue;
		nft_rule_format(&p->rules[i], line, sizeof(line));
		strcat(out, line);
		strcat(out, "\n");
	}
	return out;
}

static long set_index(const struct nft_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_sets; i++)
		if (!strcmp(p->sets[i].name, name))
			return (long)i;
	return -1;
}

START_TEST(test_plan_forms)
{
	struct nft_plan meta;
	char a[1024], b[1024];
	long br, ports;

	ck_assert_int_eq(nft_plan_build(conf, uplinks, true, &meta), 0);
	/* the dispatch: by port through port_nets, or by bridge through br_nets */
	ck_assert_str_eq(plan.chains[NC_BR_FORWARD].name, "forward");
	ck_assert_uint_eq(plan.chains[NC_BR_FORWARD].family, NFPROTO_BRIDGE);
	ck_assert_str_eq(chain_text_at(&plan, NC_BR_FORWARD),
			 "iifname vmap @port_nets\n"
			 "iifname != @bind_nets oifname @guest_ports jump untrusted_port\n");
	ck_assert_str_eq(chain_text_at(&meta, NC_BR_FORWARD), "meta ibrname vmap @br_nets\n");
	/* ports not known yet (nft/untrusted.c): by their bridge, or by what
	 * they claim and where they send */
	ck_assert_str_eq(chain_text_at(&plan, NC_BR_PREROUTING),
			 "th dport != 67 th dport != 547 iif . ether saddr . ip saddr @bind4 "
			 "accept\n"
			 "meta l4proto != ipv6-icmp th dport != 67 th dport != 547 iif . "
			 "ether saddr . ip6 saddr @bind6 accept\n"
			 "iifname vmap @bind_nets\n");
	ck_assert_str_eq(chain_text_at(&plan, NC_BR_INPUT),
			 "iifname != @bind_nets jump unknown_port\n");
	ck_assert_str_eq(chain_text_at(&meta, NC_BR_INPUT), "");
	ck_assert_str_eq(chain_text_at(&meta, NC_BR_PREROUTING),
			 "th dport != 67 th dport != 547 iif . ether saddr . ip saddr @bind4 "
			 "accept\n"
			 "meta l4proto != ipv6-icmp th dport != 67 th dport != 547 iif . "
			 "ether saddr . ip6 saddr @bind6 accept\n"
			 "iifname vmap @bind_nets\n"
			 "meta ibrname @br_nets iifname != @bind_nets jump untrusted_port\n");
	/* the same chains, counters and rules otherwise, in the same order */
	ck_assert_uint_eq(meta.n_chains, plan.n_chains);
	ck_assert_uint_eq(meta.n_counters, plan.n_counters);
	ck_assert_uint_eq(meta.n_rules + 1, plan.n_rules);
	for (size_t i = 0, k = 0; i < plan.n_rules; i++, k++) {
		while (i < plan.n_rules && (plan.rules[i].chain == NC_BR_FORWARD ||
					    plan.rules[i].chain == NC_BR_PREROUTING ||
					    plan.rules[i].chain == NC_BR_INPUT))
			i++;
		while (k < meta.n_rules && (meta.rules[k].chain == NC_BR_FORWARD ||
					    meta.rules[k].chain == NC_BR_PREROUTING ||
					    meta.rules[k].chain == NC_BR_INPUT))
			k++;
		if (i == plan.n_rules) {
			ck_assert_uint_eq(k, meta.n_rules);
			break;
		}
		ck_assert_uint_eq(meta.rules[k].chain, plan.rules[i].chain);
		nft_rule_format(&plan.rules[i], a, sizeof(a));
		nft_rule_format(&meta.rules[k], b, sizeof(b));
		ck_assert_str_eq(b, a);
		ck_assert_msg(!strstr(b, "ibrname") && !strstr(b, "@port_nets"), "%s", b);
	}
	/* br_nets: bridge -> ports_NET, made with the table (type ifname) */
	ck_assert_int_eq(set_index(&plan, NFT_BRIDGES_MAP), -1);
	ck_assert_uint_eq(meta.n_sets, plan.n_sets + 1);
	br = set_index(&meta, NFT_BRIDGES_MAP);
	ck_assert_int_ge(br, 0);
	ck_assert_uint_eq(meta.sets[br].family, NFPROTO_BRIDGE);
	ck_assert(meta.sets[br].vmap && !meta.sets[br].dynamic);
	ck_assert_int_eq(meta.sets[br].key, NK_IIFNAME);
	ck_assert_uint_eq(meta.sets[br].n_elems, 2);
	ck_assert_str_eq(meta.sets[br].elems[0].key.ifname, "gw0");
	ck_assert_str_eq(meta.sets[br].elems[0].chain, "ports_default");
	ck_assert_str_eq(meta.sets[br].elems[1].key.ifname, "gw1");
	ck_assert_str_eq(meta.sets[br].elems[1].chain, "ports_cust");
	/* port_nets stays, where it was, for the daemon to fill (unused) */
	ports = set_index(&meta, NFT_PORTS_MAP);
	ck_assert_int_eq(ports, set_index(&plan, NFT_PORTS_MAP));
	ck_assert(meta.sets[ports].dynamic);
	nft_plan_release(&meta);
}
END_TEST

/* The NEWSET message of set NAME: its id, key type and key length. */
static bool set_msg(const struct nft_batch *b, const char *name, uint32_t *id, uint32_t *type,
		    uint32_t *keylen)
{
	size_t blen;
	const struct nlmsghdr *nlh = nft_batch_data(b, &blen);
	int left = (int)blen;
	bool found = false;

	for (; !found && mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct nftnl_set *s;

		if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWSET))
			continue;
		s = nftnl_set_alloc();
		ck_assert_int_eq(nftnl_set_nlmsg_parse(nlh, s), 0);
		if (!strcmp(nftnl_set_get_str(s, NFTNL_SET_NAME), name)) {
			*id = nftnl_set_get_u32(s, NFTNL_SET_ID);
			*type = nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE);
			*keylen = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
			found = true;
		}
		nftnl_set_free(s);
	}
	return found;
}

/* The set id the lookup of the rule in bridge chain CHAIN refers to. */
static uint32_t lookup_set_id(const struct nft_batch *b, const char *chain)
{
	size_t blen;
	const struct nlmsghdr *nlh = nft_batch_data(b, &blen);
	int left = (int)blen;
	uint32_t id = 0;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct nftnl_rule *r;
		struct nftnl_expr_iter *it;
		struct nftnl_expr *e;

		if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE))
			continue;
		r = nftnl_rule_alloc();
		ck_assert_int_eq(nftnl_rule_nlmsg_parse(nlh, r), 0);
		if (nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY) == NFPROTO_BRIDGE &&
		    !strcmp(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), chain)) {
			it = nftnl_expr_iter_create(r);
			while ((e = nftnl_expr_iter_next(it)))
				if (!strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "lookup"))
					id = nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_SET_ID);
			nftnl_expr_iter_destroy(it);
		}
		nftnl_rule_free(r);
	}
	return id;
}

/* Both forms' bytecode, parsed back: what `nft --debug=netlink` prints for
 * "meta ibrname vmap @br_nets" and for "iifname vmap @port_nets". */
START_TEST(test_batch_forms)
{
	struct nft_plan meta;
	struct nft_batch *b, *bm;
	static struct walk w, wm;
	uint32_t id, type, keylen;
	char text[256];
	long br;

	ck_assert_int_eq(nft_plan_build(conf, uplinks, true, &meta), 0);
	ck_assert_int_eq(nft_batch_replace(&plan, 1, 0, &b), 0);
	ck_assert_int_eq(nft_batch_replace(&meta, 1, 0, &bm), 0);
	batch_walk(b, &w);
	batch_walk(bm, &wm);
	ck_assert_str_eq(strchr(find_rule_in(&w, "bridge gatewayd forward", 0), '\n') + 1,
			 "  [ meta load iifname => reg 1 ]\n"
			 "  [ lookup reg 1 set port_nets dreg 0 ]\n");
	ck_assert_str_eq(strchr(find_rule_in(&wm, "bridge gatewayd forward", 0), '\n') + 1,
			 "  [ meta load bri_iifname => reg 1 ]\n"
			 "  [ lookup reg 1 set br_nets dreg 0 ]\n");
	/* one dispatch rule either way; in port-set form, then the frames
	 * of ports not listed yet (nft/untrusted.c, test_untrusted.c) */
	ck_assert_str_ne(find_rule_in(&w, "bridge gatewayd forward", 1), "not found\n");
	ck_assert_str_eq(find_rule_in(&w, "bridge gatewayd forward", 2), "not found\n");
	ck_assert_str_eq(find_rule_in(&wm, "bridge gatewayd forward", 1), "not found\n");
	ck_assert_uint_eq(wm.n_rules + 1, w.n_rules);
	/* the map the lookup names, made in the same batch: type ifname
	 * (nft's 41), 16 bytes; the lookup refers to it by its id too */
	ck_assert(!set_msg(b, NFT_BRIDGES_MAP, &id, &type, &keylen));
	ck_assert(set_msg(bm, NFT_BRIDGES_MAP, &id, &type, &keylen));
	ck_assert_uint_eq(type, 41);
	ck_assert_uint_eq(keylen, IFNAMSIZ);
	ck_assert_uint_eq(lookup_set_id(bm, "forward"), id);
	ck_assert(set_msg(b, NFT_PORTS_MAP, &id, &type, &keylen));
	/* the last lookup of the port-set form's forward chain: guest_ports,
	 * where frames of ports not listed yet may not go (untrusted.c) */
	ck_assert(set_msg(b, "guest_ports", &id, &type, &keylen));
	/* its elements: the bridges (the 10th map with elements, after
	 * out_nets and local4/6_nets; port_nets has none) */
	br = set_index(&meta, NFT_BRIDGES_MAP);
	ck_assert_int_eq(br, 11);
	elems_of(bm, 9, text, sizeof(text));
	ck_assert_str_eq(text, "gw0:-3:ports_default\ngw1:-3:ports_cust\n");
	/* the port-set form's 10th: our subnets (untrusted.c), no bridges */
	elems_of(b, 9, text, sizeof(text));
	ck_assert_msg(!strstr(text, "ports_default"), "%s", text);
	nft_batch_free(bm);
	nft_batch_free(b);
	nft_plan_release(&meta);
}
END_TEST

/* `gatewayd -n -v` shows the form it would install. */
START_TEST(test_print_forms)
{
	static const char fwd_head[] =
		"\tchain forward {\n\t\ttype filter hook forward priority 0; policy accept;\n";
	struct nft_plan meta;
	char *text = NULL, *mtext = NULL, *bt, *mbt, want[256];
	size_t len = 0, mlen = 0;
	FILE *f = open_memstream(&text, &len), *mf = open_memstream(&mtext, &mlen);

	ck_assert_int_eq(nft_plan_build(conf, uplinks, true, &meta), 0);
	nft_plan_print(f, &plan);
	nft_plan_print(mf, &meta);
	fclose(f);
	fclose(mf);
	/* what a failure shows: the bridge table (Check cuts long messages) */
	bt = strstr(text, "table bridge");
	mbt = strstr(mtext, "table bridge");
	ck_assert(bt && mbt);
	snprintf(want, sizeof(want),
		 "%s\t\tiifname vmap @port_nets\n"
		 "\t\tiifname != @bind_nets oifname @guest_ports jump untrusted_port\n\t}\n",
		 fwd_head);
	ck_assert_msg(strstr(text, want), "%.3000s", bt);
	ck_assert_msg(!strstr(text, "ibrname") && !strstr(text, "br_nets"), "%.3000s", bt);
	snprintf(want, sizeof(want), "%s\t\tmeta ibrname vmap @br_nets\n\t}\n", fwd_head);
	ck_assert_msg(strstr(mtext, want), "%.3000s", mbt);
	ck_assert_msg(strstr(mtext, "\tmap br_nets {\n\t\ttype ifname : verdict\n"
				    "\t\telements = { \"gw0\" : jump ports_default,\n"
				    "\t\t\t     \"gw1\" : jump ports_cust }\n\t}\n"),
		      "%.3000s", mbt);
	/* port_nets is declared in both */
	ck_assert_msg(strstr(mtext, "\tmap port_nets {\n\t\ttype ifname : verdict\n\t}\n"),
		      "%.3000s", mbt);
	free(mtext);
	free(text);
	nft_plan_release(&meta);
}
END_TEST

/* The bridge-meta probe: a scratch table, created exclusively, holding a
 * "meta ibrname" rule, deleted in the same transaction. */
START_TEST(test_probe_build)
{
	static char buf[NFT_PROBE_BUFSIZE];
	static struct walk w;
	const struct nlmsghdr *nlh = (const void *)buf;
	long len = nft_bridge_meta_probe_build(buf, sizeof(buf), 100, "gatewayd_probe_1");
	int left;

	ck_assert_int_gt(len, 0);
	msgs_walk(buf, (size_t)len, &w);
	ck_assert_uint_eq(w.n, 6);
	ck_assert_int_eq(w.types[0], NFNL_MSG_BATCH_BEGIN);
	ck_assert_int_eq(w.types[1], NFT_MSG_NEWTABLE);
	ck_assert_int_eq(w.types[2], NFT_MSG_NEWCHAIN);
	ck_assert_int_eq(w.types[3], NFT_MSG_NEWRULE);
	ck_assert_int_eq(w.types[4], NFT_MSG_DELTABLE);
	ck_assert_int_eq(w.types[5], NFNL_MSG_BATCH_END);
	ck_assert_str_eq(w.rules[0],
			 "bridge gatewayd_probe_1 probe\n"
			 "  [ meta load bri_iifname => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x00307767 0x00000000 0x00000000 0x00000000 ]\n"
			 "  [ immediate reg 0 accept ]\n");
	left = (int)len;
	for (int i = 0; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left), i++) {
		ck_assert_uint_eq(nlh->nlmsg_seq, 100 + (unsigned)i);
		if (i == 3)
			ck_assert_uint_eq(nlh->nlmsg_seq, NFT_PROBE_RULE_SEQ(100));
		if (i == 0 || i == 5)
			continue;
		ck_assert_uint_eq(
			((const struct nfgenmsg *)mnl_nlmsg_get_payload(nlh))->nfgen_family,
			NFPROTO_BRIDGE);
		/* only an exclusive create: never someone else's table */
		ck_assert_uint_eq(nlh->nlmsg_flags & NLM_F_EXCL, i == 1 ? NLM_F_EXCL : 0);
	}
	ck_assert_int_eq(nft_bridge_meta_probe_build(buf, 100, 1, "x"), -EINVAL);
}
END_TEST

START_TEST(test_probe_hook)
{
	struct rlimit old, none = { 0, 0 };

	/* No file descriptor to be had: asking the kernel fails (EMFILE),
	 * so a 0 can only be the forced "no", answered unasked. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	none.rlim_max = old.rlim_max;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &none), 0);
	ck_assert_int_eq(nft_bridge_meta_supported(), -EMFILE);
	setenv("GATEWAYD_TEST_NO_BRIDGE_META", "1", 1);
	ck_assert_int_eq(nft_bridge_meta_supported(), 0);
	setenv("GATEWAYD_TEST_NO_BRIDGE_META", "0", 1);
	ck_assert_int_eq(nft_bridge_meta_supported(), -EMFILE);
	unsetenv("GATEWAYD_TEST_NO_BRIDGE_META");
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	ck_assert_str_eq(nft_backstop_mode(true), "bridge-meta");
	ck_assert_str_eq(nft_backstop_mode(false), "port-set");
}
END_TEST

/* One object as a GETOBJ dump answers it (NEWOBJ), parsed into c. */
static void obj_reply(struct nft_counters *c, uint8_t family, const char *table, const char *name,
		      uint32_t type, uint64_t pkts, uint64_t bytes)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWOBJ, family, NLM_F_MULTI, 7);

	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, table);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, type);
	if (type == NFT_OBJECT_COUNTER) {
		nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_PKTS, pkts);
		nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_BYTES, bytes);
	} else {
		nftnl_obj_set_u64(o, NFTNL_OBJ_QUOTA_BYTES, bytes);
	}
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	ck_assert_int_eq(nft_counters_parse(nlh, c), 0);
}

/* status and metrics read every counter in one dump and look each one up:
 * by family and name; another table's or another type's objects are not
 * ours; a missing counter reads as zero (as a failed single read did). */
START_TEST(test_counters_lookup)
{
	struct nft_counters c = { 0 };
	const struct nft_ctr_val *v;
	uint64_t p = 1, b = 1;
	char name[NFT_NAME_MAX];

	obj_reply(&c, NFPROTO_INET, NFT_TABLE_NAME, "nat_b", NFT_OBJECT_COUNTER, 3, 300);
	obj_reply(&c, NFPROTO_BRIDGE, NFT_TABLE_NAME, "nat_a", NFT_OBJECT_COUNTER, 9, 900);
	obj_reply(&c, NFPROTO_INET, NFT_TABLE_NAME, "nat_a", NFT_OBJECT_COUNTER, 5, 500);
	obj_reply(&c, NFPROTO_INET, "other", "nat_c", NFT_OBJECT_COUNTER, 1, 1);
	obj_reply(&c, NFPROTO_INET, NFT_TABLE_NAME, "quota_a", NFT_OBJECT_QUOTA, 0, 10);
	/* a network per counter, in the kernel's order (by handle, not name) */
	for (int i = 999; i >= 0; i--) {
		snprintf(name, sizeof(name), "drop_net%d", i);
		obj_reply(&c, NFPROTO_INET, NFT_TABLE_NAME, name, NFT_OBJECT_COUNTER, (uint64_t)i,
			  2 * (uint64_t)i);
	}
	ck_assert_uint_eq(c.n, 1003);
	nft_counters_sort(&c);
	v = nft_counters_find(&c, NFPROTO_INET, "nat_a");
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(v->packets, 5);
	ck_assert_uint_eq(v->bytes, 500);
	nft_counters_get(&c, NFPROTO_BRIDGE, "nat_a", &p, &b);
	ck_assert_uint_eq(p, 9);
	ck_assert_uint_eq(b, 900);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "drop_net%d", i);
		nft_counters_get(&c, NFPROTO_INET, name, &p, &b);
		ck_assert_uint_eq(p, (uint64_t)i);
		ck_assert_uint_eq(b, 2 * (uint64_t)i);
	}
	ck_assert_ptr_null(nft_counters_find(&c, NFPROTO_INET, "nat_c"));
	ck_assert_ptr_null(nft_counters_find(&c, NFPROTO_INET, "quota_a"));
	ck_assert_ptr_null(nft_counters_find(&c, NFPROTO_BRIDGE, "nat_b"));
	nft_counters_get(&c, NFPROTO_INET, "nat_missing", &p, &b);
	ck_assert_uint_eq(p, 0);
	ck_assert_uint_eq(b, 0);
	nft_counters_release(&c);
	/* nothing read (the dump failed): every counter zero */
	nft_counters_get(&c, NFPROTO_INET, "nat_a", &p, &b);
	ck_assert_uint_eq(p + b, 0);
}
END_TEST

Suite *nft_suite(void)
{
	Suite *s = suite_create("nft");
	TCase *tc = tcase_create("plan+batch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_omit_parse);
	tcase_add_test(tc, test_plan_dispatch);
	tcase_add_test(tc, test_plan_flat);
	tcase_add_test(tc, test_plan_maps);
	tcase_add_test(tc, test_plan_postrouting);
	tcase_add_test(tc, test_plan_forward);
	tcase_add_test(tc, test_plan_input);
	tcase_add_test(tc, test_plan_counters);
	tcase_add_test(tc, test_counters_lookup);
	tcase_add_test(tc, test_plan_backstop);
	tcase_add_test(tc, test_plan_guest_patterns);
	tcase_add_test(tc, test_batch_ports_map);
	tcase_add_test(tc, test_batch_shape);
	tcase_add_test(tc, test_batch_expressions);
	tcase_add_test(tc, test_batch_bridge_expressions);
	tcase_add_test(tc, test_batch_map_elements);
	tcase_add_test(tc, test_batch_delete);
	tcase_add_test(tc, test_batch_ports_delta);
	tcase_add_test(tc, test_print_ruleset);
	tcase_add_test(tc, test_plan_forms);
	tcase_add_test(tc, test_batch_forms);
	tcase_add_test(tc, test_print_forms);
	tcase_add_test(tc, test_probe_build);
	tcase_add_test(tc, test_probe_hook);
	suite_add_tcase(s, tc);
	return s;
}
