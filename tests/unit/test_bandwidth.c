/* Bandwidth (issue 19): rates and sizes in tc's units, the bandwidth and
 * guest_bandwidth sections with every refusal at its line, and the tc
 * messages (lib/tc.c) read back field by field as the kernel would. */
#include "suites.h"
#include "conf/conf.h"
#include "lib/tc.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/gen_stats.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_bw_rates)
{
	uint64_t b;
	uint32_t s;

	ck_assert_int_eq(conf_parse_rate("20mbit", &b), 0);
	ck_assert_uint_eq(b, 20000000);
	ck_assert_int_eq(conf_parse_rate("2.5Gbit", &b), 0);
	ck_assert_uint_eq(b, 2500000000ull);
	ck_assert_int_eq(conf_parse_rate("1500kbps", &b), 0); /* bytes, as tc */
	ck_assert_uint_eq(b, 12000000);
	ck_assert_int_eq(conf_parse_rate("1mibit", &b), 0);
	ck_assert_uint_eq(b, 1048576);
	ck_assert_int_eq(conf_parse_rate("100gbit", &b), 0);
	ck_assert_int_eq(conf_parse_rate("101gbit", &b), -ERANGE);
	ck_assert_int_eq(conf_parse_rate("7kbit", &b), -ERANGE);
	ck_assert_int_eq(conf_parse_rate("20", &b), -EINVAL); /* a unit is required */
	ck_assert_int_eq(conf_parse_rate("fast", &b), -EINVAL);
	ck_assert_int_eq(conf_parse_rate("20 mbit", &b), -EINVAL);
	ck_assert_int_eq(conf_parse_rate(".5mbit", &b), -EINVAL);
	ck_assert_int_eq(conf_parse_rate("1.mbit", &b), -EINVAL);
	ck_assert_int_eq(conf_parse_rate("1.0000001kbit", &b), -EINVAL); /* a tenth of a bit */
	ck_assert_int_eq(conf_parse_rate("99999999999999999999mbit", &b), -ERANGE);

	ck_assert_int_eq(conf_parse_size("256k", &s), 0);
	ck_assert_uint_eq(s, 262144);
	ck_assert_int_eq(conf_parse_size("2000", &s), 0);
	ck_assert_uint_eq(s, 2000);
	ck_assert_int_eq(conf_parse_size("1mb", &s), 0);
	ck_assert_uint_eq(s, 1048576);
	ck_assert_int_eq(conf_parse_size("80kbit", &s), 0);
	ck_assert_uint_eq(s, 10000);
	ck_assert_int_eq(conf_parse_size("100", &s), -ERANGE);
	ck_assert_int_eq(conf_parse_size("2g", &s), -ERANGE);
	ck_assert_int_eq(conf_parse_size("9bit", &s), -EINVAL);
}
END_TEST

START_TEST(test_bw_format)
{
	char buf[32];

	conf_bw_format_rate(20000000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "20mbit");
	conf_bw_format_rate(1500000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1500kbit");
	conf_bw_format_rate(1048576, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1048576bit");
	ck_assert_uint_eq(gw_bw_burst(&(struct gw_bw_dir){ .rate = 8000000 }), 32768);
	ck_assert_uint_eq(gw_bw_burst(&(struct gw_bw_dir){ .rate = 8000000000ull }), 20000000);
	ck_assert_uint_eq(gw_bw_burst(&(struct gw_bw_dir){ .rate = 8000000, .burst = 5000 }), 5000);
}
END_TEST

static int load(const char *lines, struct gw_conf **c, char *err, size_t errlen)
{
	char buf[2048];

	/* line 1: network a {, 2: bridge, 3: ipv4, then lines */
	snprintf(buf, sizeof(buf), "network a {\nbridge = gw0\nipv4 = \"10.213.0.1/24\"\n%s}\n",
		 lines);
	return conf_load_buf("t.conf", buf, c, err, errlen);
}

START_TEST(test_bw_conf_good)
{
	struct gw_conf *c, *d;
	char err[512] = "";

	ck_assert_msg(load("bandwidth {\n ingress = \"100mbit\"\n egress = 50mbit\n"
			   " ingress_burst = 256k\n ingress_peak = \"200mbit\"\n}\n"
			   "guest_bandwidth { egress = \"20mbit\" ports = {\"tap-a*\", vm2} }\n",
			   &c, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_uint_eq(c->networks[0].bw.in.rate, 100000000);
	ck_assert_uint_eq(c->networks[0].bw.in.peak, 200000000);
	ck_assert_uint_eq(c->networks[0].bw.in.burst, 262144);
	ck_assert_uint_eq(c->networks[0].bw.out.rate, 50000000);
	ck_assert_uint_eq(c->networks[0].bw.out.burst, 0);
	ck_assert_uint_eq(c->networks[0].guest_bw.in.rate, 0);
	ck_assert_uint_eq(c->networks[0].guest_bw.out.rate, 20000000);
	ck_assert(conf_bw_any(&c->networks[0].guest_bw));
	ck_assert(conf_bw_port(&c->networks[0].guest_bw, "tap-alice"));
	ck_assert(conf_bw_port(&c->networks[0].guest_bw, "vm2"));
	ck_assert(!conf_bw_port(&c->networks[0].guest_bw, "vm3"));
	d = conf_dup(c);
	ck_assert_ptr_nonnull(d);
	ck_assert(conf_bw_equal(&d->networks[0].bw, &c->networks[0].bw));
	conf_free(d);
	conf_free(c);

	/* none written: nothing limited, every port would match */
	ck_assert_msg(load("", &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert(!conf_bw_any(&c->networks[0].bw));
	ck_assert(!conf_bw_any(&c->networks[0].guest_bw));
	ck_assert(conf_bw_port(&c->networks[0].guest_bw, "anything"));
	conf_free(c);
}
END_TEST

static void refused(const char *lines, const char *want)
{
	struct gw_conf *c = NULL;
	char err[512] = "";

	ck_assert_int_eq(load(lines, &c, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, want), "got \"%s\", want \"%s\"", err, want);
	ck_assert_ptr_null(c);
}

START_TEST(test_bw_conf_refused)
{
	refused("bandwidth {\n ingress = \"fast\"\n}\n",
		"t.conf:5: network \"a\": bandwidth ingress \"fast\": not a number with a unit");
	refused("bandwidth {\n\n egress = \"200gbit\"\n}\n",
		"t.conf:6: network \"a\": bandwidth egress \"200gbit\": out of range");
	refused("guest_bandwidth {\n ingress = 10mbit\n ingress_peak = 5mbit\n}\n",
		"t.conf:6: network \"a\": guest_bandwidth ingress_peak \"5mbit\" is below ingress");
	refused("guest_bandwidth {\n egress_burst = 64k\n}\n",
		"t.conf:5: network \"a\": guest_bandwidth egress_burst needs egress");
	refused("bandwidth {\n ingress = 10mbit\n ingress_burst = \"lots\"\n}\n",
		"t.conf:6: network \"a\": bandwidth ingress_burst \"lots\": not a number");
	refused("bandwidth {\n ingress = 10mbit\n ports = {vm1}\n}\n",
		"t.conf:6: network \"a\": bandwidth: ports is for guest_bandwidth");
	refused("guest_bandwidth {\n ingress = 10mbit\n ports = {\"a b\"}\n}\n",
		"t.conf:6: network \"a\": guest_bandwidth ports pattern \"a b\" must be");
	refused("bandwidth {\n rate = 10mbit\n}\n", "t.conf:5: ");
}
END_TEST

/* gatewayd -n -v prints what parses back to the same limits */
START_TEST(test_bw_print_round_trip)
{
	struct gw_conf *c, *d;
	char err[512] = "", *text = NULL;
	size_t len = 0;
	FILE *f;

	ck_assert_msg(
		load("bandwidth { ingress = 100mbit egress_peak = 30mbit egress = 20mbit }\n"
		     "guest_bandwidth { ingress = 1500kbps ingress_burst = 64k ports = {vm1} }\n",
		     &c, err, sizeof(err)) == 0,
		"%s", err);
	f = open_memstream(&text, &len);
	conf_print(f, c);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "        ingress = \"100mbit\"\n"));
	ck_assert_ptr_nonnull(strstr(text, "        ingress_burst = \"250000b\"    # default"));
	ck_assert_ptr_nonnull(strstr(text, "        ingress = \"12mbit\"\n"));
	ck_assert_msg(conf_load_buf("p.conf", text, &d, err, sizeof(err)) == 0, "%s\n%s", err,
		      text);
	/* the defaults are written out, so compare the bursts in force */
	ck_assert_uint_eq(d->networks[0].bw.in.rate, c->networks[0].bw.in.rate);
	ck_assert_uint_eq(gw_bw_burst(&d->networks[0].bw.in), gw_bw_burst(&c->networks[0].bw.in));
	ck_assert_uint_eq(d->networks[0].bw.out.peak, 30000000);
	ck_assert_uint_eq(d->networks[0].guest_bw.in.burst, 65536);
	ck_assert_str_eq(d->networks[0].guest_bw.ports[0], "vm1");
	conf_free(d);
	conf_free(c);
	free(text);
}
END_TEST

/* --- tc messages --------------------------------------------------------- */

struct attrs {
	const struct nlattr *a[64];
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *t = data;

	if (mnl_attr_get_type(a) < 64)
		t->a[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

/* The tcmsg and top-level attributes of the message in buf. */
static const struct tcmsg *tc_read(const void *buf, int len, uint16_t type, struct attrs *t)
{
	const struct nlmsghdr *nlh = buf;

	ck_assert_int_gt(len, 0);
	ck_assert_int_eq((int)nlh->nlmsg_len, len);
	ck_assert_uint_eq(nlh->nlmsg_type, type);
	ck_assert(nlh->nlmsg_flags & NLM_F_ACK);
	memset(t, 0, sizeof(*t));
	ck_assert_int_ge(mnl_attr_parse(nlh, sizeof(struct tcmsg), attr_cb, t), 0);
	return mnl_nlmsg_get_payload(nlh);
}

static void nested(const struct nlattr *a, struct attrs *t)
{
	ck_assert_ptr_nonnull(a);
	memset(t, 0, sizeof(*t));
	ck_assert_int_ge(mnl_attr_parse_nested(a, attr_cb, t), 0);
}

START_TEST(test_tc_htb)
{
	char buf[512] __attribute__((aligned(4)));
	struct tc_class_spec c = { .rate = 16000000, .ceil = 0, .burst = 32768 };
	const struct tcmsg *tm;
	struct attrs t, o;
	struct tc_htb_glob g;
	struct tc_htb_opt h;
	int len;

	len = tc_msg_htb_root(buf, sizeof(buf), 7, 42);
	tm = tc_read(buf, len, RTM_NEWQDISC, &t);
	ck_assert_int_eq(tm->tcm_ifindex, 42);
	ck_assert_uint_eq(tm->tcm_parent, TC_H_ROOT);
	ck_assert_uint_eq(tm->tcm_handle, 0x10000);
	ck_assert_uint_eq(((const struct nlmsghdr *)buf)->nlmsg_flags,
			  NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
	ck_assert_str_eq(mnl_attr_get_str(t.a[TCA_KIND]), "htb");
	nested(t.a[TCA_OPTIONS], &o);
	ck_assert_uint_eq(mnl_attr_get_payload_len(o.a[TCA_HTB_INIT]), sizeof(g));
	memcpy(&g, mnl_attr_get_payload(o.a[TCA_HTB_INIT]), sizeof(g));
	ck_assert_uint_eq(g.version, 3);
	ck_assert_uint_eq(g.defcls, 1); /* everything to 1:1 without a filter */

	len = tc_msg_htb_class(buf, sizeof(buf), 8, 42, &c);
	tm = tc_read(buf, len, RTM_NEWTCLASS, &t);
	ck_assert_uint_eq(tm->tcm_parent, 0x10000);
	ck_assert_uint_eq(tm->tcm_handle, 0x10001);
	nested(t.a[TCA_OPTIONS], &o);
	memcpy(&h, mnl_attr_get_payload(o.a[TCA_HTB_PARMS]), sizeof(h));
	ck_assert_uint_eq(h.rate.rate, 2000000);		    /* bytes per second */
	ck_assert_uint_eq(h.ceil.rate, 2000000);		    /* ceil 0: the rate */
	ck_assert_uint_eq(h.rate.linklayer, TC_LINKLAYER_ETHERNET); /* no rate table */
	/* 32768 bytes at 2 MB/s: 16.384 ms = 256000 ticks of 64 ns */
	ck_assert_uint_eq(h.buffer, 256000);
	ck_assert_uint_eq(h.cbuffer, 256000);
	ck_assert_uint_eq(h.quantum, 200000);
	ck_assert_ptr_null(o.a[TCA_HTB_RATE64]);

	/* above 4 GB/s: the 64-bit attributes, and ~0 in the u32 */
	c = (struct tc_class_spec){ .rate = 40000000000ull,
				    .ceil = 80000000000ull,
				    .burst = 1 << 20 };
	len = tc_msg_htb_class(buf, sizeof(buf), 9, 42, &c);
	tc_read(buf, len, RTM_NEWTCLASS, &t);
	nested(t.a[TCA_OPTIONS], &o);
	memcpy(&h, mnl_attr_get_payload(o.a[TCA_HTB_PARMS]), sizeof(h));
	ck_assert_uint_eq(h.rate.rate, ~0u);
	ck_assert_uint_eq(mnl_attr_get_u64(o.a[TCA_HTB_RATE64]), 5000000000ull);
	ck_assert_uint_eq(mnl_attr_get_u64(o.a[TCA_HTB_CEIL64]), 10000000000ull);

	ck_assert_int_eq(tc_msg_htb_class(buf, 40, 9, 42, &c), -EMSGSIZE);
	ck_assert_uint_eq(tc_ticks(8000000, 1000), 15625); /* 1 ms */
	ck_assert_uint_eq(tc_ticks(8000, 1u << 30), UINT32_MAX);
}
END_TEST

START_TEST(test_tc_leaf_ingress_del)
{
	char buf[512] __attribute__((aligned(4)));
	const struct tcmsg *tm;
	struct tc_fifo_qopt f;
	struct attrs t;
	int len;

	len = tc_msg_leaf(buf, sizeof(buf), 1, 5, "bfifo", 262144);
	tm = tc_read(buf, len, RTM_NEWQDISC, &t);
	ck_assert_uint_eq(tm->tcm_parent, 0x10001);
	ck_assert_uint_eq(tm->tcm_handle, 0x100000);
	ck_assert_str_eq(mnl_attr_get_str(t.a[TCA_KIND]), "bfifo");
	memcpy(&f, mnl_attr_get_payload(t.a[TCA_OPTIONS]), sizeof(f));
	ck_assert_uint_eq(f.limit, 262144);
	len = tc_msg_leaf(buf, sizeof(buf), 1, 5, "fq_codel", 0);
	tc_read(buf, len, RTM_NEWQDISC, &t);
	ck_assert_str_eq(mnl_attr_get_str(t.a[TCA_KIND]), "fq_codel");
	ck_assert_ptr_null(t.a[TCA_OPTIONS]); /* the kernel's defaults */

	len = tc_msg_ingress(buf, sizeof(buf), 2, 5);
	tm = tc_read(buf, len, RTM_NEWQDISC, &t);
	ck_assert_uint_eq(tm->tcm_parent, TC_H_INGRESS);
	ck_assert_uint_eq(tm->tcm_handle, 0xffff0000);
	ck_assert_str_eq(mnl_attr_get_str(t.a[TCA_KIND]), "ingress");

	len = tc_msg_qdisc_del(buf, sizeof(buf), 3, 5, false);
	tm = tc_read(buf, len, RTM_DELQDISC, &t);
	ck_assert_uint_eq(tm->tcm_parent, TC_H_ROOT);
	ck_assert_uint_eq(tm->tcm_handle, 0x10000); /* only ours: ENOENT for another */
	len = tc_msg_qdisc_del(buf, sizeof(buf), 3, 5, true);
	tm = tc_read(buf, len, RTM_DELQDISC, &t);
	ck_assert_uint_eq(tm->tcm_parent, TC_H_INGRESS);
}
END_TEST

START_TEST(test_tc_redirect)
{
	char buf[512] __attribute__((aligned(4)));
	struct {
		struct tc_u32_sel sel;
		struct tc_u32_key key;
	} s;
	const struct tcmsg *tm;
	struct attrs t, o, acts, a, ao;
	struct tc_mirred m;
	int len;

	len = tc_msg_redirect(buf, sizeof(buf), 4, 5, 99);
	tm = tc_read(buf, len, RTM_NEWTFILTER, &t);
	ck_assert_int_eq(tm->tcm_ifindex, 5);
	ck_assert_uint_eq(tm->tcm_parent, 0xffff0000);
	ck_assert_uint_eq(tm->tcm_info, TC_H_MAKE(1u << 16, htons(ETH_P_ALL)));
	ck_assert_str_eq(mnl_attr_get_str(t.a[TCA_KIND]), "u32");
	nested(t.a[TCA_OPTIONS], &o);
	ck_assert_uint_eq(mnl_attr_get_payload_len(o.a[TCA_U32_SEL]), sizeof(s));
	memcpy(&s, mnl_attr_get_payload(o.a[TCA_U32_SEL]), sizeof(s));
	ck_assert_uint_eq(s.sel.nkeys, 1);
	ck_assert_uint_eq(s.sel.flags, TC_U32_TERMINAL);
	ck_assert_uint_eq(s.key.mask, 0); /* every packet */
	nested(o.a[TCA_U32_ACT], &acts);
	nested(acts.a[1], &a);
	ck_assert_str_eq(mnl_attr_get_str(a.a[TCA_ACT_KIND]), "mirred");
	nested(a.a[TCA_ACT_OPTIONS], &ao);
	memcpy(&m, mnl_attr_get_payload(ao.a[TCA_MIRRED_PARMS]), sizeof(m));
	ck_assert_int_eq(m.eaction, TCA_EGRESS_REDIR);
	ck_assert_int_eq(m.action, TC_ACT_STOLEN);
	ck_assert_uint_eq(m.ifindex, 99);
}
END_TEST

START_TEST(test_tc_ifb_and_parse)
{
	char buf[512] __attribute__((aligned(4)));
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct ifinfomsg *ifi;
	struct tc_qdisc_info q;
	struct attrs t, li;
	struct nlmsghdr *r;
	struct tcmsg *tm;
	struct nlattr *st;
	int len;

	len = tc_msg_ifb_new(buf, sizeof(buf), 5, "gwb12", 0x6777);
	ck_assert_int_gt(len, 0);
	ck_assert_uint_eq(nlh->nlmsg_type, RTM_NEWLINK);
	ck_assert(nlh->nlmsg_flags & NLM_F_EXCL);
	ifi = mnl_nlmsg_get_payload(nlh);
	ck_assert_uint_eq(ifi->ifi_flags & IFF_UP, IFF_UP);
	memset(&t, 0, sizeof(t));
	ck_assert_int_ge(mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, &t), 0);
	ck_assert_str_eq(mnl_attr_get_str(t.a[IFLA_IFNAME]), "gwb12");
	ck_assert_uint_eq(mnl_attr_get_u32(t.a[IFLA_GROUP]), 0x6777);
	nested(t.a[IFLA_LINKINFO], &li);
	ck_assert_str_eq(mnl_attr_get_str(li.a[IFLA_INFO_KIND]), "ifb");

	/* a dump reply as the kernel writes it */
	memset(buf, 0, sizeof(buf));
	r = mnl_nlmsg_put_header(buf);
	r->nlmsg_type = RTM_NEWQDISC;
	tm = mnl_nlmsg_put_extra_header(r, sizeof(*tm));
	tm->tcm_ifindex = 12;
	tm->tcm_handle = 0x10000;
	tm->tcm_parent = TC_H_ROOT;
	mnl_attr_put_strz(r, TCA_KIND, "htb");
	st = mnl_attr_nest_start(r, TCA_STATS2);
	mnl_attr_put(r, TCA_STATS_BASIC, sizeof(struct gnet_stats_basic),
		     &(struct gnet_stats_basic){ .bytes = 1000, .packets = 10 });
	mnl_attr_put(r, TCA_STATS_QUEUE, sizeof(struct gnet_stats_queue),
		     &(struct gnet_stats_queue){ .drops = 3, .overlimits = 44, .backlog = 5 });
	mnl_attr_nest_end(r, st);
	ck_assert_int_eq(tc_parse_qdisc(r, &q), 0);
	ck_assert_int_eq(q.ifindex, 12);
	ck_assert_str_eq(q.kind, "htb");
	ck_assert_uint_eq(q.bytes, 1000);
	ck_assert_uint_eq(q.packets, 10);
	ck_assert_uint_eq(q.drops, 3);
	ck_assert_uint_eq(q.overlimits, 44);
	r->nlmsg_type = RTM_NEWLINK;
	ck_assert_int_eq(tc_parse_qdisc(r, &q), -EBADMSG);
}
END_TEST

Suite *bandwidth_suite(void)
{
	Suite *s = suite_create("bandwidth");
	TCase *tc = tcase_create("bandwidth");

	tcase_add_test(tc, test_bw_rates);
	tcase_add_test(tc, test_bw_format);
	tcase_add_test(tc, test_bw_conf_good);
	tcase_add_test(tc, test_bw_conf_refused);
	tcase_add_test(tc, test_bw_print_round_trip);
	tcase_add_test(tc, test_tc_htb);
	tcase_add_test(tc, test_tc_leaf_ingress_del);
	tcase_add_test(tc, test_tc_redirect);
	tcase_add_test(tc, test_tc_ifb_and_parse);
	suite_add_tcase(s, tc);
	return s;
}
