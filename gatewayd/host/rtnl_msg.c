/* rtnetlink request builders (see rtnl_msg.h). The bytes are the ABI:
 * struct nlmsghdr, then struct ifinfomsg / ifaddrmsg / rtmsg, then
 * attributes, each padded to 4 bytes; libmnl's *_check helpers refuse to
 * write past size. */
#include "gatewayd/host/rtnl_msg.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
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
			const uint8_t mac[6])
{
	struct nlmsghdr *nlh =
		link_hdr(buf, size, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq, 0);
	struct nlattr *li = NULL, *data = NULL;
	bool ok;

	if (!nlh)
		return -EMSGSIZE;
	ok = mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, name) &&
	     mnl_attr_put_check(nlh, size, IFLA_ADDRESS, 6, mac) &&
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
