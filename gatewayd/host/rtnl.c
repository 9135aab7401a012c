/* rtnetlink: the requests host/ and core/ make of links and addresses,
 * the facts read back, and the monitor. The messages are built by
 * rtnl_msg.c; lib/nl.c sends them, matches the replies and retries
 * interrupted dumps. */
#include "gatewayd/host/rtnl.h"
#include "gatewayd/host/rtnl_msg.h"
#include "lib/nl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct rtnl {
	struct nl *nl;
};

int rtnl_open(struct rtnl **out)
{
	struct rtnl *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	if ((ret = nl_open(NETLINK_ROUTE, 0, 0, &r->nl)) < 0) {
		free(r);
		return ret;
	}
	*out = r;
	return 0;
}

void rtnl_close(struct rtnl *r)
{
	if (!r)
		return;
	nl_close(r->nl);
	free(r);
}

/* Send a request built by rtnl_msg (len: what the builder returned). */
static int request(struct rtnl *r, char *buf, int len, nl_cb cb, void *data)
{
	if (len < 0)
		return len;
	return nl_request(r->nl, buf, (size_t)len, cb, data, NULL);
}

struct link_query {
	struct rtnl_link *out;
	bool found;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_query *q = data;

	q->found |= nlh->nlmsg_type == RTM_NEWLINK && rtnl_msg_parse_link(nlh, q->out);
	return 0;
}

int rtnl_link_get(struct rtnl *r, const char *name, struct rtnl_link *out)
{
	char buf[RTNL_MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct link_query q = { .out = out };
	int ret = request(r, buf, rtnl_msg_link_get(buf, sizeof(buf), nl_seq_next(r->nl), name),
			  link_cb, &q);

	if (ret == -ENODEV || (ret == 0 && !q.found))
		return -ENODEV;
	return ret;
}

int rtnl_bridge_create(struct rtnl *r, const char *name, const uint8_t mac[6], uint32_t group)
{
	char buf[RTNL_MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));

	return request(r, buf,
		       rtnl_msg_bridge_new(buf, sizeof(buf), nl_seq_next(r->nl), name, mac, group),
		       NULL, NULL);
}

int rtnl_link_set_up(struct rtnl *r, int ifindex)
{
	char buf[RTNL_MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));

	return request(r, buf, rtnl_msg_link_up(buf, sizeof(buf), nl_seq_next(r->nl), ifindex),
		       NULL, NULL);
}

int rtnl_veth_create(struct rtnl *r, const char *name, const char *peer)
{
	char buf[RTNL_MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));

	return request(r, buf, rtnl_msg_veth_new(buf, sizeof(buf), nl_seq_next(r->nl), name, peer),
		       NULL, NULL);
}

int rtnl_link_set_mac(struct rtnl *r, int ifindex, const uint8_t mac[6])
{
	char buf[RTNL_MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));

	return request(r, buf,
		       rtnl_msg_link_mac(buf, sizeof(buf), nl_seq_next(r->nl), ifindex, mac), NULL,
		       NULL);
}

int rtnl_link_set_master(struct rtnl *r, int ifindex, int master)
{
	char buf[RTNL_MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));

	return request(r, buf,
		       rtnl_msg_link_master(buf, sizeof(buf), nl_seq_next(r->nl), ifindex, master),
		       NULL, NULL);
}

int rtnl_link_del(struct rtnl *r, int ifindex)
{
	char buf[RTNL_MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));

	return request(r, buf, rtnl_msg_link_del(buf, sizeof(buf), nl_seq_next(r->nl), ifindex),
		       NULL, NULL);
}

int rtnl_link_set_group(struct rtnl *r, int ifindex, uint32_t group)
{
	char buf[RTNL_MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));

	return request(r, buf,
		       rtnl_msg_link_group(buf, sizeof(buf), nl_seq_next(r->nl), ifindex, group),
		       NULL, NULL);
}

int rtnl_group_del(struct rtnl *r, uint32_t group)
{
	char buf[RTNL_MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));

	return request(r, buf, rtnl_msg_group_del(buf, sizeof(buf), nl_seq_next(r->nl), group),
		       NULL, NULL);
}

struct group_query {
	uint32_t group;
	int *v;
	size_t n;
	int err;
};

static int group_cb(const struct nlmsghdr *nlh, void *data)
{
	struct group_query *q = data;
	struct rtnl_link l;
	int *v;

	if (!rtnl_msg_parse_link(nlh, &l) || l.group != q->group)
		return 0;
	if (!(v = host_facts_grow(q->v, q->n, sizeof(*v)))) {
		q->err = -ENOMEM;
		return 0;
	}
	q->v = v;
	q->v[q->n++] = l.ifindex;
	return 0;
}

static void group_restart(void *data)
{
	struct group_query *q = data;

	q->n = 0;
}

int rtnl_group_members(struct rtnl *r, uint32_t group, int **out, size_t *n)
{
	char buf[RTNL_MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct group_query q = { .group = group };
	int ret = rtnl_msg_dump_links(buf, sizeof(buf), 0);

	if (ret >= 0)
		ret = rtnl_dump(r, buf, group_cb, group_restart, &q);
	if (ret >= 0 && q.err < 0)
		ret = q.err;
	if (ret < 0) {
		free(q.v);
		return ret;
	}
	*out = q.v;
	*n = q.n;
	return 0;
}

int rtnl_addr_add(struct rtnl *r, int ifindex, int family, const void *addr, unsigned plen)
{
	char buf[RTNL_MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));

	return request(r, buf,
		       rtnl_msg_addr_add(buf, sizeof(buf), nl_seq_next(r->nl), ifindex, family,
					 addr, plen),
		       NULL, NULL);
}

int rtnl_addr_del(struct rtnl *r, int ifindex, int family, const void *addr, unsigned plen)
{
	char buf[RTNL_MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));

	return request(r, buf,
		       rtnl_msg_addr_del(buf, sizeof(buf), nl_seq_next(r->nl), ifindex, family,
					 addr, plen),
		       NULL, NULL);
}

/* --- host facts ---------------------------------------------------------- */

void host_link_from(struct host_link *out, const struct rtnl_link *l)
{
	memset(out, 0, sizeof(*out));
	out->ifindex = l->ifindex;
	memcpy(out->name, l->name, IFNAMSIZ);
	memcpy(out->kind, l->kind, sizeof(out->kind));
	out->master = l->master;
	out->flags = l->flags;
	out->peer = l->peer;
	memcpy(out->mac, l->mac, 6);
}

void *host_facts_grow(void *p, size_t n, size_t size)
{
	/* Capacity 8, then doubling: n is the count before adding one. */
	if (n < 8 ? n != 0 : (n & (n - 1)) != 0)
		return p;
	return realloc(p, (n < 8 ? 8 : 2 * n) * size);
}

/* What one dump collects; mark is where it started, so that a dump run
 * again (interrupted) forgets only its own part. */
struct facts_dump {
	struct host_facts *f;
	size_t mark;
};

static int facts_link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct host_facts *f = ((struct facts_dump *)data)->f;
	struct rtnl_link l;
	struct host_link *links;

	if (nlh->nlmsg_type != RTM_NEWLINK || !rtnl_msg_parse_link(nlh, &l))
		return 0;
	links = host_facts_grow(f->links, f->n_links, sizeof(*links));
	if (!links)
		return -ENOMEM;
	f->links = links;
	host_link_from(&links[f->n_links++], &l);
	return 0;
}

static void facts_link_restart(void *data)
{
	struct facts_dump *d = data;

	d->f->n_links = d->mark;
}

static int facts_addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct host_facts *f = ((struct facts_dump *)data)->f;
	struct host_addr a, *addrs;

	if (nlh->nlmsg_type != RTM_NEWADDR || !rtnl_msg_parse_addr(nlh, &a))
		return 0;
	addrs = host_facts_grow(f->addrs, f->n_addrs, sizeof(*addrs));
	if (!addrs)
		return -ENOMEM;
	f->addrs = addrs;
	addrs[f->n_addrs++] = a;
	return 0;
}

static void facts_addr_restart(void *data)
{
	struct facts_dump *d = data;

	d->f->n_addrs = d->mark;
}

static int facts_route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct host_facts *f = ((struct facts_dump *)data)->f;
	struct host_route rt[RTNL_ROUTE_NH_MAX], *routes;
	size_t n = nlh->nlmsg_type == RTM_NEWROUTE
			   ? rtnl_msg_parse_routes(nlh, rt, RTNL_ROUTE_NH_MAX)
			   : 0;

	for (size_t i = 0; i < n; i++) {
		routes = host_facts_grow(f->routes, f->n_routes, sizeof(*routes));
		if (!routes)
			return -ENOMEM;
		f->routes = routes;
		routes[f->n_routes++] = rt[i];
	}
	return 0;
}

static void facts_route_restart(void *data)
{
	struct facts_dump *d = data;

	d->f->n_routes = d->mark;
}

int rtnl_dump(struct rtnl *r, void *req, rtnl_cb cb, void (*restart)(void *data), void *data)
{
	return nl_dump(r->nl, req, cb, restart, data);
}

/* One dump into f; an interrupted one is run again by nl_dump. */
static int dump(struct rtnl *r, int len, char *buf, struct host_facts *f, size_t mark, nl_cb cb,
		void (*restart)(void *data))
{
	struct facts_dump d = { f, mark };

	if (len < 0)
		return len;
	return nl_dump(r->nl, (struct nlmsghdr *)buf, cb, restart, &d);
}

int host_link_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct host_link *)a)->name, ((const struct host_link *)b)->name);
}

int rtnl_read_facts(struct rtnl *r, struct host_facts *out)
{
	char buf[RTNL_MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = dump(r, rtnl_msg_dump_links(buf, sizeof(buf), 0), buf, out, 0, facts_link_cb,
			facts_link_restart)) < 0 ||
	    (ret = dump(r, rtnl_msg_dump_addrs(buf, sizeof(buf), 0), buf, out, 0, facts_addr_cb,
			facts_addr_restart)) < 0 ||
	    (ret = dump(r, rtnl_msg_dump_routes(buf, sizeof(buf), 0, AF_INET), buf, out, 0,
			facts_route_cb, facts_route_restart)) < 0 ||
	    (ret = dump(r, rtnl_msg_dump_routes(buf, sizeof(buf), 0, AF_INET6), buf, out,
			out->n_routes, facts_route_cb, facts_route_restart)) < 0) {
		host_facts_free(out);
		return ret;
	}
	qsort(out->links, out->n_links, sizeof(*out->links), host_link_name_cmp);
	out->links_by_name = true;
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
	if (f->links_by_name) {
		struct host_link key = { 0 };

		snprintf(key.name, sizeof(key.name), "%s", name);
		return bsearch(&key, f->links, f->n_links, sizeof(*f->links), host_link_name_cmp);
	}
	for (size_t i = 0; i < f->n_links; i++)
		if (!strcmp(f->links[i].name, name))
			return &f->links[i];
	return NULL;
}

/* --- monitor ------------------------------------------------------------- */

int rtnl_monitor_open(void)
{
	/* netconf: the kernel announces forwarding changes, so a flipped
	 * ip_forward is an event like any other. */
	unsigned groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
			  RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | 1u << (RTNLGRP_IPV4_NETCONF - 1) |
			  1u << (RTNLGRP_IPV6_NETCONF - 1) |
			  /* a nexthop object deleted takes its routes silently */
			  1u << (RTNLGRP_NEXTHOP - 1);
	/* Room for a burst; events beyond it are lost, and the drain says so
	 * (then everything is re-read). Test hook: a tiny buffer, so a test
	 * can make it overflow. */
	const char *test = getenv("GATEWAYD_TEST_MONITOR_RCVBUF");
	int size = test ? atoi(test) : 1 << 20;
	struct nl *nl;
	int ret;

	if ((ret = nl_open(NETLINK_ROUTE, groups, 0, &nl)) < 0)
		return ret;
	if (size > 0)
		nl_set_rcvbuf(nl, size);
	return nl_release(nl);
}
