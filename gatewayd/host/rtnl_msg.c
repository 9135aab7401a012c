/* rtnetlink request builders and reply/event parsers (see rtnl_msg.h).
 * The bytes are the ABI: struct nlmsghdr, then struct ifinfomsg /
 * ifaddrmsg / rtmsg / ndmsg, then attributes, each padded to 4 bytes;
 * libmnl's *_check helpers refuse to write past size, and the parsers
 * check each length before they read. */
#include "gatewayd/host/rtnl_msg.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/nexthop.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* The header and the family header, or NULL when size is short. The
 * whole buffer is zeroed first: libmnl 1.0.4 leaves an attribute's
 * padding as it found it (the unit tests caught stack garbage there). */
static struct nlmsghdr *put_hdr(void *buf, size_t size, uint16_t type, uint16_t flags, uint32_t seq,
				size_t extra)
{
	struct nlmsghdr *nlh;

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(extra))
		return NULL;
	memset(buf, 0, size);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	mnl_nlmsg_put_extra_header(nlh, extra);
	return nlh;
}

static int done(const struct nlmsghdr *nlh, bool ok)
{
	return ok ? (int)nlh->nlmsg_len : -EMSGSIZE;
}

static struct nlmsghdr *link_hdr(void *buf, size_t size, uint16_t type, uint16_t flags,
				 uint32_t seq, int ifindex)
{
	struct nlmsghdr *nlh = put_hdr(buf, size, type, flags, seq, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi;

	if (!nlh)
		return NULL;
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

int rtnl_msg_bridge_new(void *buf, size_t size, uint32_t seq, const char *name,
			const uint8_t mac[6], uint32_t group)
{
	struct nlmsghdr *nlh =
		link_hdr(buf, size, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq, 0);
	struct nlattr *li = NULL, *data = NULL;
	bool ok;

	if (!nlh)
		return -EMSGSIZE;
	ok = mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, name) &&
	     mnl_attr_put_check(nlh, size, IFLA_ADDRESS, 6, mac) &&
	     (!group || mnl_attr_put_u32_check(nlh, size, IFLA_GROUP, group)) &&
	     (li = mnl_attr_nest_start_check(nlh, size, IFLA_LINKINFO)) &&
	     mnl_attr_put_strz_check(nlh, size, IFLA_INFO_KIND, "bridge") &&
	     (data = mnl_attr_nest_start_check(nlh, size, IFLA_INFO_DATA)) &&
	     mnl_attr_put_u32_check(nlh, size, IFLA_BR_STP_STATE, 0) &&
	     mnl_attr_put_u32_check(nlh, size, IFLA_BR_FORWARD_DELAY, 0);
	if (ok) {
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, li);
	}
	return done(nlh, ok);
}

int rtnl_msg_veth_new(void *buf, size_t size, uint32_t seq, const char *name, const char *peer)
{
	struct nlmsghdr *nlh =
		link_hdr(buf, size, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq, 0);
	struct nlattr *li = NULL, *data = NULL, *pi = NULL;
	bool ok;

	if (!nlh)
		return -EMSGSIZE;
	ok = mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, name) &&
	     (li = mnl_attr_nest_start_check(nlh, size, IFLA_LINKINFO)) &&
	     mnl_attr_put_strz_check(nlh, size, IFLA_INFO_KIND, "veth") &&
	     (data = mnl_attr_nest_start_check(nlh, size, IFLA_INFO_DATA)) &&
	     (pi = mnl_attr_nest_start_check(nlh, size, VETH_INFO_PEER)) &&
	     nlh->nlmsg_len + sizeof(struct ifinfomsg) <= size;
	if (!ok)
		return -EMSGSIZE;
	/* the peer's attributes follow its own (zeroed) struct ifinfomsg */
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	if (!mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, peer))
		return -EMSGSIZE;
	mnl_attr_nest_end(nlh, pi);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	return done(nlh, true);
}

int rtnl_msg_link_up(void *buf, size_t size, uint32_t seq, int ifindex)
{
	struct nlmsghdr *nlh = link_hdr(buf, size, RTM_NEWLINK, NLM_F_ACK, seq, ifindex);
	struct ifinfomsg *ifi;

	if (!nlh)
		return -EMSGSIZE;
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return done(nlh, true);
}

int rtnl_msg_link_mac(void *buf, size_t size, uint32_t seq, int ifindex, const uint8_t mac[6])
{
	struct nlmsghdr *nlh = link_hdr(buf, size, RTM_NEWLINK, NLM_F_ACK, seq, ifindex);

	if (!nlh)
		return -EMSGSIZE;
	return done(nlh, mnl_attr_put_check(nlh, size, IFLA_ADDRESS, 6, mac));
}

int rtnl_msg_link_master(void *buf, size_t size, uint32_t seq, int ifindex, int master)
{
	struct nlmsghdr *nlh = link_hdr(buf, size, RTM_NEWLINK, NLM_F_ACK, seq, ifindex);

	if (!nlh)
		return -EMSGSIZE;
	return done(nlh, mnl_attr_put_u32_check(nlh, size, IFLA_MASTER, (uint32_t)master));
}

int rtnl_msg_link_del(void *buf, size_t size, uint32_t seq, int ifindex)
{
	struct nlmsghdr *nlh = link_hdr(buf, size, RTM_DELLINK, NLM_F_ACK, seq, ifindex);

	return nlh ? done(nlh, true) : -EMSGSIZE;
}

int rtnl_msg_link_group(void *buf, size_t size, uint32_t seq, int ifindex, uint32_t group)
{
	struct nlmsghdr *nlh = link_hdr(buf, size, RTM_NEWLINK, NLM_F_ACK, seq, ifindex);

	if (!nlh)
		return -EMSGSIZE;
	return done(nlh, mnl_attr_put_u32_check(nlh, size, IFLA_GROUP, group));
}

int rtnl_msg_group_del(void *buf, size_t size, uint32_t seq, uint32_t group)
{
	struct nlmsghdr *nlh = link_hdr(buf, size, RTM_DELLINK, NLM_F_ACK, seq, 0);

	if (!nlh)
		return -EMSGSIZE;
	return done(nlh, mnl_attr_put_u32_check(nlh, size, IFLA_GROUP, group));
}

int rtnl_msg_link_get(void *buf, size_t size, uint32_t seq, const char *name)
{
	struct nlmsghdr *nlh = link_hdr(buf, size, RTM_GETLINK, NLM_F_ACK, seq, 0);

	if (!nlh)
		return -EMSGSIZE;
	return done(nlh, mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, name) &&
				 mnl_attr_put_u32_check(nlh, size, IFLA_EXT_MASK,
							RTEXT_FILTER_SKIP_STATS));
}

static struct nlmsghdr *addr_hdr(void *buf, size_t size, uint16_t type, uint16_t flags,
				 uint32_t seq, int ifindex, int family, const void *addr,
				 unsigned plen)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	size_t alen = family == AF_INET ? 4 : 16;

	if ((family != AF_INET && family != AF_INET6) || plen > alen * 8)
		return NULL;
	nlh = put_hdr(buf, size, type, flags, seq, sizeof(*ifa));
	if (!nlh)
		return NULL;
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	if (!mnl_attr_put_check(nlh, size, IFA_LOCAL, alen, addr) ||
	    !mnl_attr_put_check(nlh, size, IFA_ADDRESS, alen, addr))
		return NULL;
	return nlh;
}

int rtnl_msg_addr_add(void *buf, size_t size, uint32_t seq, int ifindex, int family,
		      const void *addr, unsigned plen)
{
	/* REPLACE: re-applying an address that is already there succeeds. */
	struct nlmsghdr *nlh =
		addr_hdr(buf, size, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, seq,
			 ifindex, family, addr, plen);
	uint32_t a, bcast;

	if (!nlh)
		return family == AF_INET || family == AF_INET6 ? -EMSGSIZE : -EAFNOSUPPORT;
	if (family == AF_INET6)
		/* The bridge is the only router on a segment we own: no
		 * DAD delay before dnsmasq can bind and advertise. */
		return done(nlh, mnl_attr_put_u32_check(nlh, size, IFA_FLAGS, IFA_F_NODAD));
	memcpy(&a, addr, 4);
	a = ntohl(a);
	bcast = htonl(a | ~(plen ? 0xffffffffu << (32 - plen) : 0));
	return done(nlh, mnl_attr_put_u32_check(nlh, size, IFA_BROADCAST, bcast));
}

int rtnl_msg_addr_del(void *buf, size_t size, uint32_t seq, int ifindex, int family,
		      const void *addr, unsigned plen)
{
	struct nlmsghdr *nlh =
		addr_hdr(buf, size, RTM_DELADDR, NLM_F_ACK, seq, ifindex, family, addr, plen);

	if (!nlh)
		return family == AF_INET || family == AF_INET6 ? -EMSGSIZE : -EAFNOSUPPORT;
	return done(nlh, true);
}

/* ifinfomsg, ifaddrmsg and rtmsg all start with the family byte. */
static int dump(void *buf, size_t size, uint32_t seq, uint16_t type, uint8_t family, size_t hdrlen)
{
	struct nlmsghdr *nlh = put_hdr(buf, size, type, NLM_F_DUMP, seq, hdrlen);

	if (!nlh)
		return -EMSGSIZE;
	*(uint8_t *)mnl_nlmsg_get_payload(nlh) = family;
	return done(nlh, true);
}

int rtnl_msg_dump_links(void *buf, size_t size, uint32_t seq)
{
	return dump(buf, size, seq, RTM_GETLINK, AF_UNSPEC, sizeof(struct ifinfomsg));
}

int rtnl_msg_dump_addrs(void *buf, size_t size, uint32_t seq)
{
	return dump(buf, size, seq, RTM_GETADDR, AF_UNSPEC, sizeof(struct ifaddrmsg));
}

int rtnl_msg_dump_routes(void *buf, size_t size, uint32_t seq, int family)
{
	return dump(buf, size, seq, RTM_GETROUTE, (uint8_t)family, sizeof(struct rtmsg));
}

int rtnl_msg_dump_neigh(void *buf, size_t size, uint32_t seq, int family, int master)
{
	int len = dump(buf, size, seq, RTM_GETNEIGH, (uint8_t)family, sizeof(struct ndmsg));

	/* the kernel reads NDA_MASTER of an AF_BRIDGE dump request as "only
	 * this bridge's ports" */
	if (len < 0 || !master)
		return len;
	return done(buf, mnl_attr_put_u32_check(buf, size, NDA_MASTER, (uint32_t)master));
}

/* --- parsers ------------------------------------------------------------- */

/* The attributes after a family header of hdrlen bytes into tb[0..max],
 * each at most once (the last wins); false when the message is shorter
 * than its header. */
struct attrs {
	const struct nlattr **tb;
	unsigned max;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct attrs *at = data;

	if (mnl_attr_get_type(a) <= at->max)
		at->tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static bool parse(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb, unsigned max)
{
	struct attrs at = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (nlh->nlmsg_len < NLMSG_LENGTH(hdrlen))
		return false;
	return mnl_attr_parse(nlh, (unsigned)hdrlen, attr_cb, &at) >= 0;
}

static uint32_t get_u32(const struct nlattr *a, uint32_t dflt)
{
	return a && mnl_attr_get_payload_len(a) >= 4 ? mnl_attr_get_u32(a) : dflt;
}

/* A string attribute into out (size bytes), cut at size - 1 or its NUL. */
static void get_str(const struct nlattr *a, char *out, size_t size)
{
	size_t n = a ? mnl_attr_get_payload_len(a) : 0;
	const char *s = a ? mnl_attr_get_payload(a) : "";

	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	out[strnlen(out, n)] = '\0';
}

bool rtnl_msg_parse_link(const struct nlmsghdr *nlh, struct rtnl_link *out)
{
	const struct nlattr *tb[IFLA_MAX + 1], *i;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if ((nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) ||
	    !parse(nlh, sizeof(*ifi), tb, IFLA_MAX) || ifi->ifi_family != AF_UNSPEC)
		return false;
	memset(out, 0, sizeof(*out));
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	get_str(tb[IFLA_IFNAME], out->name, sizeof(out->name));
	out->master = (int)get_u32(tb[IFLA_MASTER], 0);
	out->mtu = get_u32(tb[IFLA_MTU], 0);
	out->group = get_u32(tb[IFLA_GROUP], 0);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(out->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
	if (tb[IFLA_LINKINFO])
		mnl_attr_for_each_nested(i, tb[IFLA_LINKINFO])
		{
			if (mnl_attr_get_type(i) == IFLA_INFO_KIND)
				get_str(i, out->kind, sizeof(out->kind));
		}
	/* a veth's IFLA_LINK is its peer's ifindex, in the namespace
	 * IFLA_LINK_NETNSID names, or in ours without one */
	if (!strcmp(out->kind, "veth") && !tb[IFLA_LINK_NETNSID])
		out->peer = (int)get_u32(tb[IFLA_LINK], 0);
	return true;
}

bool rtnl_msg_parse_addr(const struct nlmsghdr *nlh, struct host_addr *out)
{
	const struct nlattr *tb[IFA_MAX + 1], *a;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	size_t alen;

	if ((nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR) ||
	    !parse(nlh, sizeof(*ifa), tb, IFA_MAX))
		return false;
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	alen = ifa->ifa_family == AF_INET ? 4 : ifa->ifa_family == AF_INET6 ? 16 : 0;
	if (!a || !alen || mnl_attr_get_payload_len(a) != alen)
		return false;
	memset(out, 0, sizeof(*out));
	out->family = ifa->ifa_family;
	out->plen = ifa->ifa_prefixlen;
	out->ifindex = (int)ifa->ifa_index;
	memcpy(out->addr, mnl_attr_get_payload(a), alen);
	a = tb[IFA_ADDRESS] && mnl_attr_get_payload_len(tb[IFA_ADDRESS]) == alen ? tb[IFA_ADDRESS]
										 : a;
	memcpy(out->peer, mnl_attr_get_payload(a), alen);
	return true;
}

/* A gateway (RTA_GATEWAY, or RTA_VIA: family, then the address) into gw. */
static void get_gw(const struct nlattr *gwa, const struct nlattr *via, uint8_t *gw)
{
	size_t n;

	if (gwa && (n = mnl_attr_get_payload_len(gwa)) <= 16)
		memcpy(gw, mnl_attr_get_payload(gwa), n);
	else if (via && (n = mnl_attr_get_payload_len(via)) > 2 && n - 2 <= 16)
		memcpy(gw, (const uint8_t *)mnl_attr_get_payload(via) + 2, n - 2);
}

size_t rtnl_msg_parse_routes(const struct nlmsghdr *nlh, struct host_route *out, size_t max)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct host_route r;
	size_t n = 0;

	if ((nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE) || !max ||
	    !parse(nlh, sizeof(*rtm), tb, RTA_MAX) ||
	    get_u32(tb[RTA_TABLE], rtm->rtm_table) != RT_TABLE_MAIN)
		return 0;
	memset(&r, 0, sizeof(r));
	r.family = rtm->rtm_family;
	r.plen = rtm->rtm_dst_len;
	r.protocol = rtm->rtm_protocol;
	r.tos = rtm->rtm_tos;
	r.type = rtm->rtm_type;
	r.ifindex = (int)get_u32(tb[RTA_OIF], 0);
	r.metric = get_u32(tb[RTA_PRIORITY], 0);
	r.nhid = get_u32(tb[RTA_NH_ID], 0);
	if (tb[RTA_DST] && mnl_attr_get_payload_len(tb[RTA_DST]) <= 16)
		memcpy(r.dst, mnl_attr_get_payload(tb[RTA_DST]),
		       mnl_attr_get_payload_len(tb[RTA_DST]));
	get_gw(tb[RTA_GATEWAY], tb[RTA_VIA], r.gw);
	if (tb[RTA_MULTIPATH]) {
		const uint8_t *p = mnl_attr_get_payload(tb[RTA_MULTIPATH]);
		size_t left = mnl_attr_get_payload_len(tb[RTA_MULTIPATH]);

		while (left >= sizeof(struct rtnexthop) && n < max) {
			const struct rtnexthop *nh = (const struct rtnexthop *)p;
			const struct nlattr *gwa = NULL, *via = NULL, *a;
			size_t len = nh->rtnh_len;

			if (len < sizeof(*nh) || len > left)
				break;
			for (a = (const struct nlattr *)(p + RTNH_ALIGN(sizeof(*nh)));
			     mnl_attr_ok(a, (int)((const uint8_t *)p + len - (const uint8_t *)a));
			     a = mnl_attr_next(a))
				if (mnl_attr_get_type(a) == RTA_GATEWAY)
					gwa = a;
				else if (mnl_attr_get_type(a) == RTA_VIA)
					via = a;
			out[n] = r;
			out[n].mp = true;
			out[n].ifindex = nh->rtnh_ifindex;
			memset(out[n].gw, 0, sizeof(out[n].gw));
			get_gw(gwa, via, out[n].gw);
			n++;
			len = RTNH_ALIGN(len);
			if (len >= left)
				break;
			p += len;
			left -= len;
		}
		if (n)
			return n;
	}
	out[0] = r;
	return 1;
}

bool rtnl_msg_parse_route(const struct nlmsghdr *nlh, struct host_route *out)
{
	return rtnl_msg_parse_routes(nlh, out, 1) == 1;
}

bool rtnl_msg_parse_nexthop_del(const struct nlmsghdr *nlh, uint32_t *id)
{
	const struct nlattr *tb[NHA_MAX + 1];

	if (nlh->nlmsg_type != RTM_DELNEXTHOP || !parse(nlh, sizeof(struct nhmsg), tb, NHA_MAX) ||
	    !tb[NHA_ID])
		return false;
	*id = get_u32(tb[NHA_ID], 0);
	return *id != 0;
}

static const struct ndmsg *neigh_hdr(const struct nlmsghdr *nlh, const struct nlattr **tb,
				     int family)
{
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWNEIGH || !parse(nlh, sizeof(*nd), tb, NDA_MAX) ||
	    nd->ndm_family != family)
		return NULL;
	return nd;
}

bool rtnl_msg_parse_fdb(const struct nlmsghdr *nlh, struct host_fdb *out)
{
	const struct nlattr *tb[NDA_MAX + 1];
	const struct ndmsg *nd = neigh_hdr(nlh, tb, AF_BRIDGE);

	if (!nd || (nd->ndm_state & NUD_PERMANENT) || /* the ports' own MACs */
	    !tb[NDA_LLADDR] || mnl_attr_get_payload_len(tb[NDA_LLADDR]) != 6)
		return false;
	out->ifindex = nd->ndm_ifindex;
	out->master = (int)get_u32(tb[NDA_MASTER], 0);
	memcpy(out->mac, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
	return true;
}

bool rtnl_msg_parse_neigh6(const struct nlmsghdr *nlh, struct host_neigh6 *out)
{
	const struct nlattr *tb[NDA_MAX + 1];
	const struct ndmsg *nd = neigh_hdr(nlh, tb, AF_INET6);

	if (!nd || (nd->ndm_state & (NUD_INCOMPLETE | NUD_FAILED | NUD_NOARP | NUD_PERMANENT)) ||
	    !tb[NDA_DST] || mnl_attr_get_payload_len(tb[NDA_DST]) != 16 || !tb[NDA_LLADDR] ||
	    mnl_attr_get_payload_len(tb[NDA_LLADDR]) != 6)
		return false;
	out->ifindex = nd->ndm_ifindex;
	memcpy(out->mac, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
	memcpy(&out->a6, mnl_attr_get_payload(tb[NDA_DST]), 16);
	return true;
}

bool rtnl_msg_parse_netconf_forwarding(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[NETCONFA_MAX + 1];

	return nlh->nlmsg_type == RTM_NEWNETCONF &&
	       parse(nlh, sizeof(struct netconfmsg), tb, NETCONFA_MAX) && tb[NETCONFA_FORWARDING] &&
	       (int32_t)get_u32(tb[NETCONFA_IFINDEX], 0) == NETCONFA_IFINDEX_ALL;
}
