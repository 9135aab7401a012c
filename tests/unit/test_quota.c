/* Connection quota (issue 19 item 2): the keys (conf/quota.c), the
 * default from the host's table (conf_quota_resolve()), the rules
 * (nft/quota.c) as text and as the bytecode `nft --debug=netlink`
 * prints, and a reload that changes a cap touching no set. */
#include "suites.h"
#include "conf/conf.h"
#include "gatewayd/ctl/quota_ctl.h"
#include "nft/batch.h"
#include "nft/plan.h"
#include "nft/quota.h"
#include "nft/update.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ups[] = { "eth0", "eth0", "eth0" };

static struct gw_conf *load(const char *a_keys, const char *b_keys)
{
	char text[1024], err[512] = "";
	struct gw_conf *c = NULL;

	snprintf(text, sizeof(text),
		 "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n%s}\n"
		 "network b {\n bridge = gw1\n ipv4 = \"10.2.0.1/24\"\n%s}\n",
		 a_keys, b_keys);
	ck_assert_msg(conf_load_buf("t.conf", text, &c, err, sizeof(err)) == 0, "%s", err);
	return c;
}

static const char *load_err(const char *a_keys)
{
	static char err[512];
	char text[512];
	struct gw_conf *c = NULL;

	snprintf(text, sizeof(text), "network a {\n bridge = gw0\n ipv4 = \"10.1.0.1/24\"\n%s}\n",
		 a_keys);
	err[0] = '\0';
	ck_assert_int_eq(conf_load_buf("t.conf", text, &c, err, sizeof(err)), -EINVAL);
	return err;
}

START_TEST(test_quota_keys)
{
	struct gw_conf *c = load(" guest_connections = 20\n connections = \"100\"\n",
				 " guest_connections = none\n");

	ck_assert(!c->networks[0].q.guest_default);
	ck_assert_uint_eq(c->networks[0].q.guest, 20);
	ck_assert_uint_eq(c->networks[0].q.net, 100);
	ck_assert(!c->networks[1].q.guest_default);
	ck_assert_uint_eq(c->networks[1].q.guest, 0);
	ck_assert_uint_eq(c->networks[1].q.net, 0);
	conf_free(c);
	c = load("", "");
	ck_assert(c->networks[0].q.guest_default);
	ck_assert_uint_eq(c->networks[0].q.net, 0);
	conf_free(c);

	ck_assert_str_eq(load_err(" guest_connections = 0\n"),
			 "t.conf:4: network \"a\": guest_connections \"0\": expected a number of "
			 "connections (1-2147483647) or \"none\"");
	ck_assert_str_eq(load_err(" connections = 12x\n"),
			 "t.conf:4: network \"a\": connections \"12x\": expected a number of "
			 "connections (1-2147483647) or \"none\"");
	ck_assert_str_eq(load_err(" connections = -1\n"),
			 "t.conf:4: network \"a\": connections \"-1\": expected a number of "
			 "connections (1-2147483647) or \"none\"");
	ck_assert_str_eq(load_err(" connections = 4294967296\n"),
			 "t.conf:4: network \"a\": connections \"4294967296\": expected a number "
			 "of connections (1-2147483647) or \"none\"");
	/* comments before the value (libconfuse miscounts lines after them) */
	ck_assert_str_eq(load_err(" # a comment\n # another\n guest_connections = none\n"
				  " connections = lots\n"),
			 "t.conf:7: network \"a\": connections \"lots\": expected a number of "
			 "connections (1-2147483647) or \"none\"");
	ck_assert_str_eq(load_err(" guest_connections = 50\n connections = 40\n"),
			 "t.conf:4: network \"a\": guest_connections 50 is more than the "
			 "network's connections 40");
}
END_TEST

/* gatewayd -n -v prints the keys so that the printed config reads back
 * as the same networks: written values, "none", the default unresolved */
START_TEST(test_quota_print)
{
	struct gw_conf *c = load(" guest_connections = 20\n connections = 30\n",
				 " guest_connections = none\n"),
		       *d = NULL;
	char *text = NULL, err[512] = "";
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	conf_print(f, c);
	fclose(f);
	ck_assert_msg(strstr(text, "    guest_connections = 20\n    connections = 30\n"), "%s",
		      text);
	ck_assert_msg(strstr(text, "    guest_connections = none\n"), "%s", text);
	ck_assert_msg(conf_load_buf("t.conf", text, &d, err, sizeof(err)) == 0, "%s in:\n%s", err,
		      text);
	/* (the other keys' round trip is test_conf's) */
	for (size_t i = 0; i < 2; i++)
		ck_assert(conf_quota_equal(&c->networks[i], &d->networks[i]));
	/* a cap differs: the networks differ */
	{
		struct gw_network n = d->networks[0];

		ck_assert(conf_network_equal(&n, &d->networks[0]));
		n.q.net++;
		ck_assert(!conf_network_equal(&n, &d->networks[0]));
	}
	free(text);
	conf_free(c);
	conf_free(d);
	c = load("", "");
	text = NULL;
	f = open_memstream(&text, &len);
	conf_print(f, c);
	fclose(f);
	ck_assert_msg(strstr(text, "# guest_connections: a quarter of nf_conntrack_max, at start"),
		      "%s", text);
	ck_assert_int_eq(conf_load_buf("t.conf", text, &d, err, sizeof(err)), 0);
	ck_assert(d->networks[0].q.guest_default);
	free(text);
	conf_free(c);
	conf_free(d);
}
END_TEST

/* The default is a quarter of the host's table (never above the
 * network's own cap); a written value above the table is refused with its
 * line; an unreadable table (conntrack not loaded yet) takes 65536. */
START_TEST(test_quota_resolve)
{
	struct gw_conf *c = load("", " connections = 1000\n");
	char err[512] = "";

	ck_assert_int_eq(conf_quota_resolve(c, 262144, err, sizeof(err)), 0);
	ck_assert_uint_eq(c->networks[0].q.guest, 65536);
	ck_assert_uint_eq(c->networks[1].q.guest, 1000);
	ck_assert_int_eq(conf_quota_resolve(c, 0, err, sizeof(err)), 0);
	ck_assert_uint_eq(c->networks[0].q.guest, 16384);
	conf_free(c);

	c = load(" guest_connections = 300000\n", "");
	ck_assert_int_eq(conf_quota_resolve(c, 262144, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "t.conf:4: network \"a\": guest_connections 300000 is more than "
			      "the host's whole connection table (nf_conntrack_max 262144)");
	conf_free(c);
	c = load("", " connections = 300000\n");
	ck_assert_int_eq(conf_quota_resolve(c, 262144, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "t.conf:8: network \"b\": connections 300000 is more than the "
			      "host's whole connection table (nf_conntrack_max 262144)");
	conf_free(c);

	/* guest_binding = false: any MAC a guest of its own, so the
	 * network is held as one guest unless connections is written
	 * (t_rt_quota_ctq_full.sh); guest_connections = none: no cap */
	c = load(" guest_binding = false\n", " guest_binding = false\n connections = 9000\n");
	ck_assert_int_eq(conf_quota_resolve(c, 262144, err, sizeof(err)), 0);
	ck_assert_uint_eq(c->networks[0].q.net, 65536);
	ck_assert(c->networks[0].q.net_default);
	ck_assert_uint_eq(c->networks[1].q.net, 9000);
	ck_assert(!c->networks[1].q.net_default);
	conf_free(c);
	c = load(" guest_binding = false\n guest_connections = 50\n",
		 " guest_binding = false\n guest_connections = none\n");
	ck_assert_int_eq(conf_quota_resolve(c, 262144, err, sizeof(err)), 0);
	ck_assert_uint_eq(c->networks[0].q.net, 50);
	ck_assert_uint_eq(c->networks[1].q.net, 0);
	conf_free(c);
}
END_TEST

static long chain_of(const struct nft_plan *p, const char *name)
{
	for (size_t c = 0; c < p->n_chains; c++)
		if (!strcmp(p->chains[c].name, name) && p->chains[c].family == NFPROTO_INET)
			return (long)c;
	return -1;
}

static const char *text_of(const struct nft_plan *p, const char *chain)
{
	static char out[4096];
	char line[1024];
	long c = chain_of(p, chain);

	out[0] = '\0';
	if (c < 0)
		return "no chain";
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].chain == (size_t)c) {
			nft_rule_format(&p->rules[i], line, sizeof(line));
			strcat(out, line);
			strcat(out, "\n");
		}
	return out;
}

/* four bytes read in host order */
static uint32_t le32(uint32_t v)
{
	uint32_t h;

	memcpy(&h, &v, 4);
	return h;
}

static void plan_of(const struct gw_conf *c, struct nft_plan *p)
{
	ck_assert_int_eq(nft_plan_build(c, ups, false, p), 0);
}

START_TEST(test_quota_rules)
{
	struct gw_conf *c = load(" guest_connections = 20\n connections = 100\n",
				 " guest_connections = none\n");
	struct nft_plan p;
	char want[1024];

	plan_of(c, &p);
	/* before the forwards' DNAT: a guest's connection to a forward on
	 * the host (hairpin) counts too */
	ck_assert_str_eq(text_of(&p, "prerouting"), "iifname vmap @quota_nets\n");
	/* the tags as nft lists them (t_forwards.sh compares): the add's
	 * read in host order. The network's cap before the guest's: over
	 * it, a network adds nothing to ctq; a full ctq (the add fails) is
	 * no drop, the network's cap holds (t_rt_quota_ctq_full.sh). */
	/* DHCP exempt only to the host, from the client port: UDP to port
	 * 67 of any other address counts; at most 1024 of a network's flows
	 * each (made-up IPv6 sources: t_rt_quota_dhcp.sh) */
	snprintf(want, sizeof(want),
		 "ip daddr 255.255.255.255 udp sport 68 udp dport 67 ct count 1024 return\n"
		 "ip daddr 10.1.0.1 udp sport 68 udp dport 67 ct count 1024 return\n"
		 "ip6 daddr ff02::1:2 udp sport 546 udp dport 547 ct count 1024 return\n"
		 "ip6 daddr fe80::/10 udp sport 546 udp dport 547 ct count 1024 return\n"
		 "ct state new ct count over 100 jump qdrop_a\n"
		 "ct state new add @ctq { 0x%08x . ether saddr ct count over 20 } jump qdrop_a\n",
		 le32(htonl(nft_quota_tag(&c->networks[0]))));
	ck_assert_str_eq(text_of(&p, "quota_a"), want);
	/* each guest's drop recorded (by the name's tag), then dropped and
	 * counted: the record in a rule of its own, so that a full
	 * ctq_drops still drops */
	snprintf(want, sizeof(want),
		 "update @ctq_drops { 0x%08x . ether saddr counter }\n"
		 "counter name \"quota_a\" drop\n",
		 le32(htonl(nft_quota_drop_tag(&c->networks[0]))));
	ck_assert_str_eq(text_of(&p, "qdrop_a"), want);
	ck_assert_uint_ne(nft_quota_drop_tag(&c->networks[0]), nft_quota_tag(&c->networks[0]));
	/* no quota at all: no chain, no element */
	ck_assert_str_eq(text_of(&p, "quota_b"), "no chain");
	for (size_t i = 0; i < p.n_sets; i++)
		if (!strcmp(p.sets[i].name, NFT_QUOTA_MAP)) {
			ck_assert_uint_eq(p.sets[i].n_elems, 1);
			ck_assert_str_eq(p.sets[i].elems[0].key.ifname, "gw0");
			ck_assert_str_eq(p.sets[i].elems[0].chain, "quota_a");
		}
	nft_plan_release(&p);
	conf_free(c);

	/* with IPv6: DHCPv6 to the gateway's address too */
	c = load(" ipv6 = \"fd00:1::1/64\"\n guest_connections = 3\n", "");
	plan_of(c, &p);
	ck_assert_ptr_nonnull(
		strstr(text_of(&p, "quota_a"),
		       "ip6 daddr fe80::/10 udp sport 546 udp dport 547 ct count 1024 return\n"
		       "ip6 daddr fd00:1::1 udp sport 546 udp dport 547 ct count 1024 return\n"
		       "ct state new add"));
	nft_plan_release(&p);
	conf_free(c);

	/* none anywhere: no dispatch, so no nat prerouting hook for it */
	c = load(" guest_connections = none\n", " guest_connections = none\n");
	plan_of(c, &p);
	ck_assert_str_eq(text_of(&p, "prerouting"), "");
	ck_assert(p.chains[NC_PREROUTING].absent);
	nft_plan_release(&p);
	conf_free(c);
}
END_TEST

/* The rules of quota_a as libnftnl prints the built messages: what `nft
 * --debug=netlink` shows for "ct state new add @ctq { meta mark . ether
 * saddr ct count over 4 } ... drop" and "ct state new ct count over 20
 * ... drop" (the tag an immediate where nft loads the mark). */
START_TEST(test_quota_bytecode)
{
	struct gw_conf *c = load(" guest_connections = 4\n connections = 20\n", "");
	struct nft_plan p;
	struct nft_batch *b;
	const struct nlmsghdr *nlh;
	char got[8][1024], drop[4][1024], want[1024];
	uint32_t tag;
	size_t len, n = 0, nd = 0;
	int left;
	bool set_seen = false;

	plan_of(c, &p);
	tag = nft_quota_tag(&c->networks[0]);
	ck_assert_int_eq(nft_batch_replace(&p, 1, 0, &b), 0);
	nlh = nft_batch_data(b, &len);
	left = (int)len;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		uint16_t type = nlh->nlmsg_type & 0xff;

		if (type == NFT_MSG_NEWSET) {
			struct nftnl_set *s = nftnl_set_alloc();

			ck_assert_int_eq(nftnl_set_nlmsg_parse(nlh, s), 0);
			if (!strcmp(nftnl_set_get_str(s, NFTNL_SET_NAME), NFT_QUOTA_SET)) {
				set_seen = true;
				/* flags dynamic, no timeout: the kernel refuses
				 * ct count in a set with timeouts */
				ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_FLAGS),
						  NFT_SET_EVAL);
				ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), 12);
				ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_FAMILY),
						  NFPROTO_INET);
			}
			nftnl_set_free(s);
		}
		if (type == NFT_MSG_NEWRULE) {
			struct nftnl_rule *r = nftnl_rule_alloc();

			ck_assert_int_eq(nftnl_rule_nlmsg_parse(nlh, r), 0);
			if (!strcmp(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), "quota_a")) {
				ck_assert_uint_lt(n, 8);
				nftnl_rule_snprintf(got[n++], 1024, r, NFTNL_OUTPUT_DEFAULT, 0);
			}
			if (!strcmp(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), "qdrop_a")) {
				ck_assert_uint_lt(nd, 4);
				nftnl_rule_snprintf(drop[nd++], 1024, r, NFTNL_OUTPUT_DEFAULT, 0);
			}
			nftnl_rule_free(r);
		}
	}
	nft_batch_free(b);
	ck_assert(set_seen);
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(nd, 2);
	/* the DHCP exemption's budget: "ct count 1024", not inverted */
	ck_assert_ptr_nonnull(strstr(got[0], "[ connlimit count 1024 flags 0 ]\n"
					     "  [ immediate reg 0 return ]"));
	ck_assert_str_eq(got[4], "inet gatewayd quota_a\n"
				 "  [ ct load state => reg 1 ]\n"
				 "  [ bitwise reg 1 = ( reg 1 & 0x00000008 ) ^ 0x00000000 ]\n"
				 "  [ cmp neq reg 1 0x00000000 ]\n"
				 "  [ connlimit count 20 flags 1 ]\n"
				 "  [ immediate reg 0 jump -> qdrop_a ]\n");
	snprintf(want, sizeof(want),
		 "inet gatewayd quota_a\n"
		 "  [ ct load state => reg 1 ]\n"
		 "  [ bitwise reg 1 = ( reg 1 & 0x00000008 ) ^ 0x00000000 ]\n"
		 "  [ cmp neq reg 1 0x00000000 ]\n"
		 "  [ meta load iiftype => reg 1 ]\n"
		 "  [ cmp eq reg 1 0x00000001 ]\n"
		 "  [ immediate reg 1 0x%08x ]\n"
		 "  [ payload load 6b @ link header + 6 => reg 9 ]\n"
		 "  [ dynset add reg_key 1 set ctq expr [ connlimit count 4 flags 1 ] ]\n"
		 "  [ immediate reg 0 jump -> qdrop_a ]\n",
		 htonl(tag));
	ck_assert_str_eq(got[5], want);
	/* nft's "update @d { meta mark . ether saddr counter }" */
	snprintf(want, sizeof(want),
		 "inet gatewayd qdrop_a\n"
		 "  [ meta load iiftype => reg 1 ]\n"
		 "  [ cmp eq reg 1 0x00000001 ]\n"
		 "  [ immediate reg 1 0x%08x ]\n"
		 "  [ payload load 6b @ link header + 6 => reg 9 ]\n"
		 "  [ dynset update reg_key 1 set ctq_drops expr [ counter pkts 0 bytes 0 ] ]\n",
		 htonl(nft_quota_drop_tag(&c->networks[0])));
	ck_assert_str_eq(drop[0], want);
	ck_assert_str_eq(drop[1], "inet gatewayd qdrop_a\n"
				  "  [ objref type 1 name quota_a ]\n"
				  "  [ immediate reg 0 drop ]\n");
	nft_plan_release(&p);
	conf_free(c);
}
END_TEST

/* Connections in through a port forward (t_rt_quota_forward_inbound.sh):
 * fwd_conns sends new ones by the bridge they go out of to qin_NET, which
 * counts the network's (its own "ct count" rule) and each guest
 * address's in ctq_in4 / ctq_in6, and drops over either, counted in
 * quota_NET; nothing for a network without a quota or without forwards;
 * the bytecode as `nft --debug=netlink` prints "add @ctq_in4 { meta mark
 * . ip daddr ct count over 4 } drop" (the tag an immediate). */
START_TEST(test_quota_forward_in)
{
	struct gw_conf *c =
		load(" ipv6 = \"fd00:1::1/64\"\n guest_connections = 4\n connections = 20\n"
		     " forward t { proto = tcp port = 7000 to = \"10.1.0.10:7000\" }\n"
		     " forward t6 { proto = tcp port = 7006 to = \"[fd00:1::10]:7006\" }\n",
		     " guest_connections = none\n"
		     " forward u { proto = tcp port = 8000 to = \"10.2.0.10:80\" }\n");
	struct nft_plan p;
	struct nft_batch *b;
	const struct nlmsghdr *nlh;
	char got[4][1024], want[2048];
	uint32_t tag;
	size_t len, n = 0;
	int left, sets = 0;

	plan_of(c, &p);
	tag = nft_quota_tag(&c->networks[0]);
	/* after fwd_closed (an isolated network's guests reach no forward),
	 * before the accepts */
	ck_assert_ptr_nonnull(strstr(text_of(&p, "fwd_conns"),
				     "iifname vmap @fwd_closed\n"
				     "ct state new oifname vmap @quota_in_nets\n"));
	snprintf(
		want, sizeof(want),
		"ct count over 20 counter name \"quota_a\" drop\n"
		"add @ctq_in4 { 0x%08x . ip daddr ct count over 4 } counter name \"quota_a\" drop\n"
		"add @ctq_in6 { 0x%08x . ip6 daddr ct count over 4 } counter name \"quota_a\" "
		"drop\n",
		le32(htonl(tag)), le32(htonl(tag)));
	ck_assert_str_eq(text_of(&p, "qin_a"), want);
	ck_assert_str_eq(text_of(&p, "qin_b"), "no chain");
	for (size_t i = 0; i < p.n_sets; i++)
		if (!strcmp(p.sets[i].name, NFT_QUOTA_IN_MAP)) {
			ck_assert(p.sets[i].vmap);
			ck_assert_uint_eq(p.sets[i].n_elems, 1);
			ck_assert_str_eq(p.sets[i].elems[0].key.ifname, "gw0");
			ck_assert_str_eq(p.sets[i].elems[0].chain, "qin_a");
		}

	/* gatewayd -n -v as nft lists the sets (t_forwards.sh,
	 * t_guest_network.sh compare): the size the kernel gives a set once a
	 * rule adds to it */
	{
		char *text = NULL;
		size_t tlen = 0;
		FILE *f = open_memstream(&text, &tlen);

		nft_plan_print(f, &p);
		fclose(f);
		ck_assert_ptr_nonnull(strstr(text, "\tset ctq_in4 {\n\t\ttype mark . ipv4_addr\n"
						   "\t\tsize 65535\n\t\tflags dynamic\n\t}\n"));
		ck_assert_ptr_nonnull(strstr(text, "\tset ctq_in6 {\n\t\ttype mark . ipv6_addr\n"
						   "\t\tsize 65535\n\t\tflags dynamic\n\t}\n"));
		free(text);
	}
	ck_assert_int_eq(nft_batch_replace(&p, 1, 0, &b), 0);
	nlh = nft_batch_data(b, &len);
	left = (int)len;
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		uint16_t type = nlh->nlmsg_type & 0xff;

		if (type == NFT_MSG_NEWSET) {
			struct nftnl_set *s = nftnl_set_alloc();
			const char *name;

			ck_assert_int_eq(nftnl_set_nlmsg_parse(nlh, s), 0);
			name = nftnl_set_get_str(s, NFTNL_SET_NAME);
			if (!strcmp(name, NFT_QUOTA_IN4_SET) || !strcmp(name, NFT_QUOTA_IN6_SET)) {
				bool v6 = !strcmp(name, NFT_QUOTA_IN6_SET);

				sets++;
				/* flags dynamic, no timeout (ct count), as nft makes
				 * "type mark . ipv4_addr; flags dynamic" */
				ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_FLAGS),
						  NFT_SET_EVAL);
				ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN),
						  v6 ? 20 : 8);
				ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE),
						  v6 ? (19 << 6) | 8 : (19 << 6) | 7);
			}
			nftnl_set_free(s);
		}
		if (type == NFT_MSG_NEWRULE) {
			struct nftnl_rule *r = nftnl_rule_alloc();

			ck_assert_int_eq(nftnl_rule_nlmsg_parse(nlh, r), 0);
			if (!strcmp(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), "qin_a")) {
				ck_assert_uint_lt(n, 4);
				nftnl_rule_snprintf(got[n++], 1024, r, NFTNL_OUTPUT_DEFAULT, 0);
			}
			nftnl_rule_free(r);
		}
	}
	nft_batch_free(b);
	ck_assert_int_eq(sets, 2);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(got[0], "inet gatewayd qin_a\n"
				 "  [ connlimit count 20 flags 1 ]\n"
				 "  [ objref type 1 name quota_a ]\n"
				 "  [ immediate reg 0 drop ]\n");
	for (int v6 = 0; v6 < 2; v6++) {
		snprintf(want, sizeof(want),
			 "inet gatewayd qin_a\n"
			 "  [ meta load nfproto => reg 1 ]\n"
			 "  [ cmp eq reg 1 0x%08x ]\n"
			 "  [ immediate reg 1 0x%08x ]\n"
			 "  [ payload load %db @ network header + %d => reg 9 ]\n"
			 "  [ dynset add reg_key 1 set %s expr [ connlimit count 4 flags 1 ] ]\n"
			 "  [ objref type 1 name quota_a ]\n"
			 "  [ immediate reg 0 drop ]\n",
			 v6 ? 10 : 2, htonl(tag), v6 ? 16 : 4, v6 ? 24 : 16,
			 v6 ? NFT_QUOTA_IN6_SET : NFT_QUOTA_IN4_SET);
		ck_assert_str_eq(got[1 + v6], want);
	}
	nft_plan_release(&p);
	conf_free(c);

	/* forwards but no quota anywhere: no dispatch; a quota but no
	 * forward: no qin chain */
	c = load(" guest_connections = none\n"
		 " forward t { proto = tcp port = 7000 to = \"10.1.0.10:7000\" }\n",
		 " guest_connections = 3\n");
	plan_of(c, &p);
	ck_assert_ptr_null(strstr(text_of(&p, "fwd_conns"), "quota_in_nets"));
	ck_assert_str_eq(text_of(&p, "qin_a"), "no chain");
	ck_assert_str_eq(text_of(&p, "qin_b"), "no chain");
	{
		char *text = NULL;
		size_t tlen = 0;
		FILE *f = open_memstream(&text, &tlen);

		nft_plan_print(f, &p);
		fclose(f);
		ck_assert_ptr_nonnull(strstr(text, "\tset ctq_in4 {\n\t\ttype mark . ipv4_addr\n"
						   "\t\tflags dynamic\n\t}\n"));
		free(text);
	}
	nft_plan_release(&p);
	conf_free(c);
}
END_TEST

/* A reload that changes a cap, adds a quota or a network with one
 * refills chains and map elements; the set stays (its counts with it):
 * no replace of the tables. The new cap takes a new tag. */
START_TEST(test_quota_reload)
{
	struct gw_conf *c1 = load(" guest_connections = 20\n", " guest_connections = none\n");
	struct gw_conf *c2 = load(" guest_connections = 30\n", " connections = 50\n");
	struct nft_plan p1, p2;
	struct nft_update u;

	ck_assert_uint_ne(nft_quota_tag(&c1->networks[0]), nft_quota_tag(&c2->networks[0]));
	plan_of(c1, &p1);
	plan_of(c2, &p2);
	ck_assert_int_eq(nft_update_plan(&p1, &p2, &u), 0);
	ck_assert(!u.replace);
	ck_assert_uint_eq(u.n_add_chains, 2); /* quota_b, qdrop_b */
	/* in the order update.c keeps them (by name) */
	ck_assert_str_eq(p2.chains[u.add_chains[0]].name, "qdrop_b");
	ck_assert_str_eq(p2.chains[u.add_chains[1]].name, "quota_b");
	ck_assert_uint_eq(u.n_refill, 1); /* quota_a */
	ck_assert_str_eq(p2.chains[u.refill[0]].name, "quota_a");
	nft_update_release(&u);
	nft_plan_release(&p1);
	nft_plan_release(&p2);
	conf_free(c1);
	conf_free(c2);
}
END_TEST

/* ctq_drops' elements as the kernel dumps them: key (tag . MAC, padded)
 * and a counter; read back sorted, found by tag and MAC. */
START_TEST(test_quota_drop_parse)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	static const uint8_t mac[2][6] = { { 0x52, 0x54, 0, 0, 0, 9 }, { 0x52, 0x54, 0, 0, 0, 1 } };
	struct nftnl_set *set = nftnl_set_alloc();
	struct nft_quota_drop v[2];
	struct nlmsghdr *nlh;
	const struct nlattr *a, *e;
	size_t n = 0;

	nftnl_set_set_str(set, NFTNL_SET_TABLE, "gatewayd");
	nftnl_set_set_str(set, NFTNL_SET_NAME, NFT_QUOTA_DROP_SET);
	for (int i = 0; i < 2; i++) {
		struct nftnl_set_elem *el = nftnl_set_elem_alloc();
		struct nftnl_expr *c = nftnl_expr_alloc("counter");
		uint8_t key[12] = { 0x12, 0x34, 0x56, (uint8_t)(0x78 + i) };

		memcpy(key + 4, mac[i], 6);
		nftnl_set_elem_set(el, NFTNL_SET_ELEM_KEY, key, sizeof(key));
		nftnl_expr_set_u64(c, NFTNL_EXPR_CTR_PACKETS, 7 + (uint64_t)i);
		nftnl_expr_set_u64(c, NFTNL_EXPR_CTR_BYTES, 420);
		nftnl_set_elem_add_expr(el, c);
		nftnl_set_elem_add(set, el);
	}
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_NEWSETELEM, NFPROTO_INET, 0, 1);
	nftnl_set_elems_nlmsg_build_payload(nlh, set);
	nftnl_set_free(set);
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(e, a)
		{
			ck_assert_uint_lt(n, 2);
			ck_assert_int_eq(nft_quota_drop_parse(e, &v[n]), 1);
			n++;
		}
	}
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(v[0].tag, 0x12345678);
	ck_assert_mem_eq(v[0].mac, mac[0], 6);
	ck_assert_uint_eq(v[0].packets, 7);
	ck_assert_uint_eq(v[1].tag, 0x12345679);
	ck_assert_uint_eq(v[1].packets, 8);
	/* sorted, the reader's order: by tag, then MAC */
	ck_assert_uint_eq(nft_quota_drop_find(v, 2, 0x12345678, mac[0]), 7);
	ck_assert_uint_eq(nft_quota_drop_find(v, 2, 0x12345679, mac[1]), 8);
	ck_assert_uint_eq(nft_quota_drop_find(v, 2, 0x12345679, mac[0]), 0);
	ck_assert_uint_eq(nft_quota_drop_find(v, 0, 0x12345678, mac[0]), 0);
}
END_TEST

/* What the per-guest doctor asks: a port's MACs, as status lists them,
 * summed; the network's tag picks its own guests' records. */
START_TEST(test_quota_macs_dropped)
{
	struct gw_conf *c = load("", "");
	uint32_t ta = nft_quota_drop_tag(&c->networks[0]), tb = nft_quota_drop_tag(&c->networks[1]);
	struct nft_quota_drop v[3] = {
		{ ta, { 0x52, 0x54, 0, 0, 0, 1 }, 5 },
		{ ta, { 0x52, 0x54, 0, 0, 0, 2 }, 7 },
		{ tb, { 0x52, 0x54, 0, 0, 0, 3 }, 11 },
	};

	/* sorted as the reader leaves them */
	if (ta > tb) {
		struct nft_quota_drop t = v[2];

		v[2] = v[1];
		v[1] = v[0];
		v[0] = t;
	}
	ck_assert_uint_eq(quota_macs_dropped(v, 3, &c->networks[0], "52:54:00:00:00:01"), 5);
	ck_assert_uint_eq(
		quota_macs_dropped(v, 3, &c->networks[0], "52:54:00:00:00:01,52:54:00:00:00:02"),
		12);
	/* another network's guest is not this one's */
	ck_assert_uint_eq(quota_macs_dropped(v, 3, &c->networks[0], "52:54:00:00:00:03"), 0);
	ck_assert_uint_eq(quota_macs_dropped(v, 3, &c->networks[1], "52:54:00:00:00:03"), 11);
	ck_assert_uint_eq(quota_macs_dropped(v, 3, &c->networks[0], ""), 0);
	ck_assert_uint_eq(quota_macs_dropped(v, 3, &c->networks[0], "junk,52:54:00:00:00:02"), 7);
	ck_assert_uint_eq(quota_macs_dropped(NULL, 0, &c->networks[0], "52:54:00:00:00:02"), 0);
	conf_free(c);
}
END_TEST

Suite *quota_suite(void)
{
	Suite *s = suite_create("quota");
	TCase *tc = tcase_create("quota");

	tcase_add_test(tc, test_quota_keys);
	tcase_add_test(tc, test_quota_resolve);
	tcase_add_test(tc, test_quota_print);
	tcase_add_test(tc, test_quota_rules);
	tcase_add_test(tc, test_quota_bytecode);
	tcase_add_test(tc, test_quota_forward_in);
	tcase_add_test(tc, test_quota_reload);
	tcase_add_test(tc, test_quota_drop_parse);
	tcase_add_test(tc, test_quota_macs_dropped);
	suite_add_tcase(s, tc);
	return s;
}
