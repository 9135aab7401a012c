/* Traffic control request builders and the qdisc parser (see tc.h). The
 * bytes are the ABI: struct nlmsghdr, struct tcmsg (or ifinfomsg), then
 * attributes; libmnl's *_check helpers refuse to write past size. The
 * whole buffer is zeroed first so padding is never stack garbage. */
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
#include <net/if.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#define HTB_QUANTUM_MIN 1600u
#define HTB_QUANTUM_MAX 200000u

uint32_t tc_ticks(uint64_t rate_bits, uint32_t bytes)
{
	/* ns = bytes * 8e9 / rate; a tick is 64 ns */
	unsigned __int128 ns;

	if (!rate_bits)
		return 0;
	ns = (unsigned __int128)bytes * 8000000000ull / rate_bits;
	return ns >> 6 > UINT32_MAX ? UINT32_MAX : (uint32_t)(ns >> 6);
}

static struct nlmsghdr *tc_hdr(void *buf, size_t size, uint16_t type, uint16_t flags, uint32_t seq,
			       int ifindex, uint32_t parent, uint32_t handle, uint32_t info)
{
	struct nlmsghdr *nlh;
	struct tcmsg *t;

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*t)))
		return NULL;
	memset(buf, 0, size);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq;
	t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_parent = parent;
	t->tcm_handle = handle;
	t->tcm_info = info;
	return nlh;
}

static int done(const struct nlmsghdr *nlh, bool ok)
{
	return ok ? (int)nlh->nlmsg_len : -EMSGSIZE;
}

int tc_msg_htb_root(void *buf, size_t size, uint32_t seq, int ifindex)
{
	struct nlmsghdr *nlh = tc_hdr(buf, size, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, seq,
				      ifindex, TC_H_ROOT, TC_ROOT_HANDLE, 0);
	struct tc_htb_glob g = {
		.version = TC_HTB_PROTOVER,
		.rate2quantum = 10,
		.defcls = TC_CLASS_HANDLE & 0xffff, /* unclassified -> 1:1 */
	};
	struct nlattr *o;
	bool ok;

	if (!nlh)
		return -EMSGSIZE;
	ok = mnl_attr_put_strz_check(nlh, size, TCA_KIND, "htb") &&
	     (o = mnl_attr_nest_start_check(nlh, size, TCA_OPTIONS)) &&
	     mnl_attr_put_check(nlh, size, TCA_HTB_INIT, sizeof(g), &g);
	if (ok)
		mnl_attr_nest_end(nlh, o);
	return done(nlh, ok);
}

static void ratespec(struct tc_ratespec *r, uint64_t bytes_per_s)
{
	r->linklayer = TC_LINKLAYER_ETHERNET;
	r->rate = bytes_per_s >= (1ull << 32) ? ~0u : (uint32_t)bytes_per_s;
}

int tc_msg_htb_class(void *buf, size_t size, uint32_t seq, int ifindex,
		     const struct tc_class_spec *c)
{
	struct nlmsghdr *nlh = tc_hdr(buf, size, RTM_NEWTCLASS, NLM_F_CREATE | NLM_F_REPLACE, seq,
				      ifindex, TC_ROOT_HANDLE, TC_CLASS_HANDLE, 0);
	uint64_t rate = c->rate / 8, ceil = (c->ceil > c->rate ? c->ceil : c->rate) / 8;
	uint32_t cburst = c->cburst ? c->cburst : c->burst;
	uint64_t q = rate / 10;
	struct tc_htb_opt o = {
		.buffer = tc_ticks(c->rate, c->burst),
		.cbuffer = tc_ticks(ceil * 8, cburst),
		.quantum = q < HTB_QUANTUM_MIN	 ? HTB_QUANTUM_MIN
			   : q > HTB_QUANTUM_MAX ? HTB_QUANTUM_MAX
						 : (uint32_t)q,
	};
	struct nlattr *n;
	bool ok;

	if (!nlh)
		return -EMSGSIZE;
	if (!rate)
		return -EINVAL;
	ratespec(&o.rate, rate);
	ratespec(&o.ceil, ceil);
	ok = mnl_attr_put_strz_check(nlh, size, TCA_KIND, "htb") &&
	     (n = mnl_attr_nest_start_check(nlh, size, TCA_OPTIONS)) &&
	     mnl_attr_put_check(nlh, size, TCA_HTB_PARMS, sizeof(o), &o) &&
	     (rate < (1ull << 32) || mnl_attr_put_u64_check(nlh, size, TCA_HTB_RATE64, rate)) &&
	     (ceil < (1ull << 32) || mnl_attr_put_u64_check(nlh, size, TCA_HTB_CEIL64, ceil));
	if (ok)
		mnl_attr_nest_end(nlh, n);
	return done(nlh, ok);
}

int tc_msg_leaf(void *buf, size_t size, uint32_t seq, int ifindex, const char *kind, uint32_t limit)
{
	struct nlmsghdr *nlh = tc_hdr(buf, size, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_REPLACE, seq,
				      ifindex, TC_CLASS_HANDLE, TC_LEAF_HANDLE, 0);
	struct tc_fifo_qopt f = { .limit = limit };
	bool fifo = !strcmp(kind, "bfifo");
	bool ok;

	if (!nlh)
		return -EMSGSIZE;
	ok = mnl_attr_put_strz_check(nlh, size, TCA_KIND, kind) &&
	     (!fifo || mnl_attr_put_check(nlh, size, TCA_OPTIONS, sizeof(f), &f));
	return done(nlh, ok);
}

int tc_msg_ingress(void *buf, size_t size, uint32_t seq, int ifindex)
{
	struct nlmsghdr *nlh = tc_hdr(buf, size, RTM_NEWQDISC, NLM_F_CREATE, seq, ifindex,
				      TC_H_INGRESS, TC_INGRESS_HANDLE, 0);

	if (!nlh)
		return -EMSGSIZE;
	return done(nlh, mnl_attr_put_strz_check(nlh, size, TCA_KIND, "ingress"));
}

int tc_msg_redirect(void *buf, size_t size, uint32_t seq, int ifindex, int to_ifindex)
{
	struct nlmsghdr *nlh =
		tc_hdr(buf, size, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, seq, ifindex,
		       TC_INGRESS_HANDLE, 0, TC_H_MAKE(1u << 16, htons(ETH_P_ALL)));
	struct {
		struct tc_u32_sel sel;
		struct tc_u32_key key;
	} s = { .sel = { .flags = TC_U32_TERMINAL, .nkeys = 1 } }; /* mask 0: every packet */
	struct tc_mirred m = {
		.action = TC_ACT_STOLEN,
		.eaction = TCA_EGRESS_REDIR,
		.ifindex = (uint32_t)to_ifindex,
	};
	struct nlattr *o, *acts, *a, *ao;
	bool ok;

	if (!nlh)
		return -EMSGSIZE;
	ok = mnl_attr_put_strz_check(nlh, size, TCA_KIND, "u32") &&
	     (o = mnl_attr_nest_start_check(nlh, size, TCA_OPTIONS)) &&
	     mnl_attr_put_check(nlh, size, TCA_U32_SEL, sizeof(s), &s) &&
	     (acts = mnl_attr_nest_start_check(nlh, size, TCA_U32_ACT)) &&
	     (a = mnl_attr_nest_start_check(nlh, size, 1)) &&
	     mnl_attr_put_strz_check(nlh, size, TCA_ACT_KIND, "mirred") &&
	     (ao = mnl_attr_nest_start_check(nlh, size, TCA_ACT_OPTIONS)) &&
	     mnl_attr_put_check(nlh, size, TCA_MIRRED_PARMS, sizeof(m), &m);
	if (ok) {
		mnl_attr_nest_end(nlh, ao);
		mnl_attr_nest_end(nlh, a);
		mnl_attr_nest_end(nlh, acts);
		mnl_attr_nest_end(nlh, o);
	}
	return done(nlh, ok);
}

int tc_msg_qdisc_del(void *buf, size_t size, uint32_t seq, int ifindex, bool ingress)
{
	struct nlmsghdr *nlh =
		tc_hdr(buf, size, RTM_DELQDISC, 0, seq, ifindex, ingress ? TC_H_INGRESS : TC_H_ROOT,
		       ingress ? TC_INGRESS_HANDLE : TC_ROOT_HANDLE, 0);

	return nlh ? (int)nlh->nlmsg_len : -EMSGSIZE;
}

int tc_msg_ifb_new(void *buf, size_t size, uint32_t seq, const char *name, uint32_t group)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *li;
	bool ok;

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifi)))
		return -EMSGSIZE;
	memset(buf, 0, size);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	ok = mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, name) &&
	     (!group || mnl_attr_put_u32_check(nlh, size, IFLA_GROUP, group)) &&
	     (li = mnl_attr_nest_start_check(nlh, size, IFLA_LINKINFO)) &&
	     mnl_attr_put_strz_check(nlh, size, IFLA_INFO_KIND, "ifb");
	if (ok)
		mnl_attr_nest_end(nlh, li);
	return done(nlh, ok);
}

int tc_msg_qdisc_dump(void *buf, size_t size)
{
	struct nlmsghdr *nlh = tc_hdr(buf, size, RTM_GETQDISC, NLM_F_DUMP, 0, 0, 0, 0, 0);

	if (!nlh)
		return -EMSGSIZE;
	nlh->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
	return (int)nlh->nlmsg_len;
}

static int stats_cb(const struct nlattr *a, void *data)
{
	struct tc_qdisc_info *q = data;

	if (mnl_attr_get_type(a) == TCA_STATS_BASIC &&
	    mnl_attr_get_payload_len(a) >= sizeof(struct gnet_stats_basic)) {
		struct gnet_stats_basic b;

		memcpy(&b, mnl_attr_get_payload(a), sizeof(b));
		q->bytes = b.bytes;
		q->packets = b.packets;
	} else if (mnl_attr_get_type(a) == TCA_STATS_QUEUE &&
		   mnl_attr_get_payload_len(a) >= sizeof(struct gnet_stats_queue)) {
		struct gnet_stats_queue s;

		memcpy(&s, mnl_attr_get_payload(a), sizeof(s));
		q->drops = s.drops;
		q->overlimits = s.overlimits;
		q->qlen = s.qlen;
		q->backlog = s.backlog;
	}
	return MNL_CB_OK;
}

static int qdisc_cb(const struct nlattr *a, void *data)
{
	struct tc_qdisc_info *q = data;

	if (mnl_attr_get_type(a) == TCA_KIND) {
		size_t n = mnl_attr_get_payload_len(a);
		const char *s = mnl_attr_get_payload(a);

		n = strnlen(s, n);
		if (n >= sizeof(q->kind))
			n = sizeof(q->kind) - 1;
		memcpy(q->kind, s, n);
		q->kind[n] = 0;
	} else if (mnl_attr_get_type(a) == TCA_STATS2) {
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0 ||
		    mnl_attr_parse_nested(a, stats_cb, q) < 0)
			return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int tc_parse_qdisc(const struct nlmsghdr *nlh, struct tc_qdisc_info *out)
{
	const struct tcmsg *t;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWQDISC || nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*t))
		return -EBADMSG;
	t = mnl_nlmsg_get_payload(nlh);
	out->ifindex = t->tcm_ifindex;
	out->handle = t->tcm_handle;
	out->parent = t->tcm_parent;
	if (mnl_attr_parse(nlh, sizeof(*t), qdisc_cb, out) < 0)
		return -EBADMSG;
	return 0;
}
