/* rtnetlink requests, one synchronous request/ack at a time. */
#include "gatewayd/host/rtnl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct rtnl {
	struct mnl_socket *nl;
	uint32_t seq, portid;
};

int rtnl_open(struct rtnl **out)
{
	struct rtnl *r = calloc(1, sizeof(*r));
	int one = 1;

	if (!r)
		return -ENOMEM;
	r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!r->nl || mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = -errno;
		rtnl_close(r);
		return e;
	}
	mnl_socket_setsockopt(r->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(r->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	r->portid = mnl_socket_get_portid(r->nl);
	r->seq = (uint32_t)time(NULL);
	*out = r;
	return 0;
}

void rtnl_close(struct rtnl *r)
{
	if (!r)
		return;
	if (r->nl)
		mnl_socket_close(r->nl);
	free(r);
}

/* The socket is in doubt (a reply was lost to ENOBUFS, a read failed):
 * a fresh one, so no stale reply can be taken for a later request's. */
static int rtnl_reopen(struct rtnl *r)
{
	struct rtnl *n;
	int ret = rtnl_open(&n);

	if (ret < 0)
		return ret;
	mnl_socket_close(r->nl);
	r->nl = n->nl;
	r->portid = n->portid;
	free(n);
	return 0;
}

/* Send one request and run cb over its replies, always reading them to
 * their end (the ack, the error or NLMSG_DONE), so that the next request
 * never reads this one's leftovers. Replies to earlier requests still
 * queued are skipped by sequence number. A dump the kernel marks
 * interrupted (NLM_F_DUMP_INTR: links changed while it ran) is read to its
 * end and returns -EINTR: the caller retries it whole. */
static int rtnl_talk_once(struct rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	uint32_t seq = ++r->seq;
	bool intr = false;
	int ret = 0;

	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(r->nl, buf, sizeof(buf));
		const struct nlmsghdr *m;
		int left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			rtnl_reopen(r);
			return ret;
		}
		left = (int)n;
		for (m = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(m, left);
		     m = mnl_nlmsg_next(m, &left)) {
			if (m->nlmsg_seq != seq || (m->nlmsg_pid && m->nlmsg_pid != r->portid))
				continue; /* an earlier request's */
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (m->nlmsg_type == NLMSG_DONE) {
				if (m->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) && ret == 0)
					ret = *(const int *)mnl_nlmsg_get_payload(m) < 0
						      ? *(const int *)mnl_nlmsg_get_payload(m)
						      : 0;
				return ret ? ret : intr ? -EINTR : 0;
			}
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

				if (m->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EPROTO;
				return ret ? ret : e->error;
			}
			if (m->nlmsg_type < NLMSG_MIN_TYPE || !cb || ret || intr)
				continue;
			if (cb(m, data) < MNL_CB_OK)
				ret = -EPROTO; /* keep reading to the end */
		}
	}
}

static int rtnl_talk(struct rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	/* NLM_F_DUMP shares its bits with NLM_F_REPLACE|NLM_F_EXCL: only a
	 * GET request is a dump. Everything else asks for an ack. */
	bool dump = nlh->nlmsg_type % 4 == 2 && (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

	if (!dump)
		nlh->nlmsg_flags |= NLM_F_ACK;
	return rtnl_talk_once(r, nlh, cb, data);
}

static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

struct link_query {
	struct rtnl_link *out;
	int found;
};

static int link_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = a;
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_query *q = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, tb);
	memset(q->out, 0, sizeof(*q->out));
	q->out->ifindex = ifi->ifi_index;
	q->out->flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME])
		snprintf(q->out->name, IFNAMSIZ, "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MASTER])
		q->out->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINKINFO]) {
		const struct nlattr *i;
		mnl_attr_for_each_nested(i, tb[IFLA_LINKINFO]) if (mnl_attr_get_type(i) ==
								   IFLA_INFO_KIND)
			snprintf(q->out->kind, sizeof(q->out->kind), "%s", mnl_attr_get_str(i));
	}
	q->found = 1;
	return MNL_CB_OK;
}

int rtnl_link_get(struct rtnl *r, const char *name, struct rtnl_link *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, 0);
	struct link_query q = { .out = out };
	int ret;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	ret = rtnl_talk(r, nlh, link_cb, &q);
	if (ret == -ENODEV || (ret == 0 && !q.found))
		return -ENODEV;
	return ret;
}

int rtnl_bridge_create(struct rtnl *r, const char *name, const uint8_t mac[6])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	struct nlattr *li, *data;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, 0);
	mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, 0);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	return rtnl_talk(r, nlh, NULL, NULL);
}

int rtnl_link_set_up(struct rtnl *r, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	return rtnl_talk(r, nlh, NULL, NULL);
}

int rtnl_veth_create(struct rtnl *r, const char *name, const char *peer)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	struct nlattr *li, *data, *pi;
	struct ifinfomsg *pifi;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	pi = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* the peer's attributes follow its own struct ifinfomsg */
	pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	memset(pifi, 0, sizeof(*pifi));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_nest_end(nlh, pi);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	return rtnl_talk(r, nlh, NULL, NULL);
}

int rtnl_link_set_mac(struct rtnl *r, int ifindex, const uint8_t mac[6])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex);

	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return rtnl_talk(r, nlh, NULL, NULL);
}

int rtnl_link_set_master(struct rtnl *r, int ifindex, int master)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex);

	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return rtnl_talk(r, nlh, NULL, NULL);
}

int rtnl_link_del(struct rtnl *r, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return rtnl_talk(r, link_msg(buf, RTM_DELLINK, 0, ifindex), NULL, NULL);
}

static struct nlmsghdr *addr_msg(char *buf, uint16_t type, uint16_t flags, int ifindex, int family,
				 const void *addr, unsigned plen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	size_t alen = family == AF_INET ? 4 : 16;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr);
	return nlh;
}

int rtnl_addr_del(struct rtnl *r, int ifindex, int family, const void *addr, unsigned plen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return rtnl_talk(r, addr_msg(buf, RTM_DELADDR, 0, ifindex, family, addr, plen), NULL, NULL);
}

int rtnl_addr_add(struct rtnl *r, int ifindex, int family, const void *addr, unsigned plen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	/* REPLACE: re-applying an address that is already there succeeds. */
	struct nlmsghdr *nlh = addr_msg(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex,
					family, addr, plen);

	if (family == AF_INET) {
		uint32_t a = ntohl(*(const uint32_t *)addr);
		uint32_t bcast = htonl(a | ~(plen ? 0xffffffffu << (32 - plen) : 0));
		mnl_attr_put_u32(nlh, IFA_BROADCAST, bcast);
	} else {
		/* The bridge is the only router on a segment we own: no DAD
		 * delay before dnsmasq can bind and advertise. */
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	}
	return rtnl_talk(r, nlh, NULL, NULL);
}

/* --- host facts ---------------------------------------------------------- */

static void *grow(void *p, size_t n, size_t size)
{
	/* Capacity 8, then doubling: n is the count before adding one. */
	if (n < 8 ? n != 0 : (n & (n - 1)) != 0)
		return p;
	return realloc(p, (n < 8 ? 8 : 2 * n) * size);
}

static int facts_link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct host_facts *f = data;
	struct rtnl_link l;
	struct link_query q = { .out = &l };
	struct host_link *links;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	link_cb(nlh, &q);
	links = grow(f->links, f->n_links, sizeof(*links));
	if (!links)
		return MNL_CB_ERROR;
	f->links = links;
	links[f->n_links].ifindex = l.ifindex;
	memcpy(links[f->n_links].name, l.name, IFNAMSIZ);
	memcpy(links[f->n_links].kind, l.kind, sizeof(l.kind));
	links[f->n_links].master = l.master;
	links[f->n_links].flags = l.flags;
	f->n_links++;
	return MNL_CB_OK;
}

static int addr_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, IFA_MAX) >= 0)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int facts_addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct host_facts *f = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	const struct nlattr *a;
	struct host_addr *addrs;

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || mnl_attr_get_payload_len(a) > 16)
		return MNL_CB_OK;
	addrs = grow(f->addrs, f->n_addrs, sizeof(*addrs));
	if (!addrs)
		return MNL_CB_ERROR;
	f->addrs = addrs;
	memset(&addrs[f->n_addrs], 0, sizeof(addrs[0]));
	addrs[f->n_addrs].family = ifa->ifa_family;
	addrs[f->n_addrs].plen = ifa->ifa_prefixlen;
	addrs[f->n_addrs].ifindex = (int)ifa->ifa_index;
	memcpy(addrs[f->n_addrs].addr, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
	f->n_addrs++;
	return MNL_CB_OK;
}

static int route_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(a, RTA_MAX) >= 0)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int facts_route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct host_facts *f = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct host_route *routes, *rt;
	uint32_t table;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, tb);
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (table != RT_TABLE_MAIN)
		return MNL_CB_OK;
	routes = grow(f->routes, f->n_routes, sizeof(*routes));
	if (!routes)
		return MNL_CB_ERROR;
	f->routes = routes;
	rt = &routes[f->n_routes++];
	memset(rt, 0, sizeof(*rt));
	rt->family = rtm->rtm_family;
	rt->plen = rtm->rtm_dst_len;
	rt->protocol = rtm->rtm_protocol;
	rt->ifindex = tb[RTA_OIF] ? (int)mnl_attr_get_u32(tb[RTA_OIF]) : 0;
	rt->metric = tb[RTA_PRIORITY] ? mnl_attr_get_u32(tb[RTA_PRIORITY]) : 0;
	if (tb[RTA_DST] && mnl_attr_get_payload_len(tb[RTA_DST]) <= 16)
		memcpy(rt->dst, mnl_attr_get_payload(tb[RTA_DST]),
		       mnl_attr_get_payload_len(tb[RTA_DST]));
	return MNL_CB_OK;
}

static int dump(struct rtnl *r, uint16_t type, uint8_t family, size_t hdrlen, mnl_cb_t cb,
		void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	uint8_t *fam;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	/* ifinfomsg, ifaddrmsg and rtmsg all start with the family byte. */
	fam = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	*fam = family;
	return rtnl_talk(r, nlh, cb, data);
}

int rtnl_read_facts(struct rtnl *r, struct host_facts *out)
{
	int ret;

	/* An interrupted dump (the host changed while it ran) is not a
	 * picture of the host: read all of it again, a few times. */
	for (int attempt = 0; attempt < 10; attempt++) {
		memset(out, 0, sizeof(*out));
		if ((ret = dump(r, RTM_GETLINK, AF_UNSPEC, sizeof(struct ifinfomsg), facts_link_cb,
				out)) < 0 ||
		    (ret = dump(r, RTM_GETADDR, AF_UNSPEC, sizeof(struct ifaddrmsg), facts_addr_cb,
				out)) < 0 ||
		    (ret = dump(r, RTM_GETROUTE, AF_INET, sizeof(struct rtmsg), facts_route_cb,
				out)) < 0 ||
		    (ret = dump(r, RTM_GETROUTE, AF_INET6, sizeof(struct rtmsg), facts_route_cb,
				out)) < 0)
			host_facts_free(out);
		if (ret != -EINTR)
			break;
	}
	return ret;
}

void host_facts_free(struct host_facts *f)
{
	free(f->links);
	free(f->addrs);
	free(f->routes);
	memset(f, 0, sizeof(*f));
}

const struct host_link *host_link_by_index(const struct host_facts *f, int ifindex)
{
	for (size_t i = 0; i < f->n_links; i++)
		if (f->links[i].ifindex == ifindex)
			return &f->links[i];
	return NULL;
}

const struct host_link *host_link_by_name(const struct host_facts *f, const char *name)
{
	for (size_t i = 0; i < f->n_links; i++)
		if (!strcmp(f->links[i].name, name))
			return &f->links[i];
	return NULL;
}

/* --- monitor ------------------------------------------------------------- */

int rtnl_monitor_open(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	/* netconf: the kernel announces forwarding changes, so a flipped
	 * ip_forward is an event like any other. */
	unsigned groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
			  RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | 1u << (RTNLGRP_IPV4_NETCONF - 1) |
			  1u << (RTNLGRP_IPV6_NETCONF - 1);
	int fd, size = 1 << 20;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) {
		int e = -errno;
		mnl_socket_close(nl);
		return e;
	}
	fd = dup(mnl_socket_get_fd(nl));
	mnl_socket_close(nl);
	if (fd < 0)
		return -errno;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

unsigned rtnl_monitor_drain(int fd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned what = 0;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) != 0) {
		const struct nlmsghdr *nlh;
		int left;

		if (n < 0) {
			/* ENOBUFS: we missed events; assume everything changed. */
			if (errno == ENOBUFS) {
				what |= RTNL_EV_LINK | RTNL_EV_ADDR | RTNL_EV_NETCONF;
				continue;
			}
			break;
		}
		left = (int)n;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			switch (nlh->nlmsg_type) {
			case RTM_NEWLINK:
			case RTM_DELLINK: what |= RTNL_EV_LINK; break;
			case RTM_NEWADDR:
			case RTM_DELADDR:
			case RTM_NEWROUTE:
			case RTM_DELROUTE: what |= RTNL_EV_ADDR; break;
			case RTM_NEWNETCONF:
			case RTM_DELNETCONF: what |= RTNL_EV_NETCONF; break;
			}
		}
	}
	return what;
}
