/* The host snapshot (snapshot.h): read in full by rtnl_read_facts(), then
 * kept current by applying each rtnetlink event to it (host_facts_apply(),
 * pure), parsed by the same functions as the dumps (rtnl_msg.c).
 *
 * Links stay sorted by name (host_link_by_name() halves); a link is found
 * by ifindex by a walk, which costs a few microseconds at 3,000 links (see
 * test_snapshot.c). Addresses and routes are sets: an event that adds
 * what is there already, or removes what is not, changes nothing. A route
 * is one entry per nexthop, known by its gateway, TOS and type too (the
 * kernel holds several under one destination and metric, and announces
 * an IPv6 route's nexthops one by one); an address by its peer too.
 *
 * Where the kernel removes without saying so, the snapshot does it too:
 * IPv4 routes through a link that goes down or away, or loses its last
 * IPv4 address, are flushed with no RTM_DELROUTE (a multipath one when
 * no nexthop is left alive, or one's link went), a deleted link's addresses and routes go with it,
 * and so do a deleted nexthop object's routes (RTM_DELNEXTHOP); a veth whose peer left or entered
 * the namespace names its peer anew. */
#include "gatewayd/host/snapshot.h"
#include "gatewayd/host/snapshot_int.h"
#include "gatewayd/host/rtnl.h"
#include "gatewayd/host/rtnl_msg.h"
#include "lib/nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct host_snap {
	struct rtnl *r;
	struct host_facts f;
	bool stale; /* events were lost or could not be applied: read it all */
	unsigned gen;
};

/* --- applying one event (pure) ------------------------------------------- */

static struct host_link_change *change_find(struct host_change *ch, int ifindex)
{
	for (size_t i = 0; i < ch->n_links; i++)
		if (ch->links[i].ifindex == ifindex)
			return &ch->links[i];
	return NULL;
}

/* Record that the link ifindex was old (NULL: it is new) and is now gone
 * or changed. One entry per link per batch: the first state it had. */
static int note_link(struct host_change *ch, int ifindex, const struct host_link *old, bool gone)
{
	struct host_link_change *c = change_find(ch, ifindex);

	if (c) {
		if (gone && c->added) /* came and went within the batch */
			*c = ch->links[--ch->n_links];
		else if (gone)
			c->gone = true;
		else
			c->gone = false; /* gone, then back under the same ifindex */
		return 0;
	}
	if (!(c = host_facts_grow(ch->links, ch->n_links, sizeof(*c))))
		return -ENOMEM;
	ch->links = c;
	c = &ch->links[ch->n_links++];
	memset(c, 0, sizeof(*c));
	c->ifindex = ifindex;
	c->added = !old;
	c->gone = gone;
	if (old) {
		memcpy(c->old_name, old->name, IFNAMSIZ);
		c->old_master = old->master;
		c->old_flags = old->flags;
	}
	return 0;
}

static int note_addr(struct host_change *ch, const struct host_addr *a)
{
	struct host_addr *v;

	for (size_t i = 0; i < ch->n_addrs; i++)
		if (host_addr_same(&ch->addrs[i], a))
			return 0;
	if (!(v = host_facts_grow(ch->addrs, ch->n_addrs, sizeof(*v))))
		return -ENOMEM;
	ch->addrs = v;
	v[ch->n_addrs++] = *a;
	return 0;
}

static int note_route(struct host_change *ch, const struct host_route *rt)
{
	struct host_route *v;

	for (size_t i = 0; i < ch->n_routes; i++)
		if (host_route_same(&ch->routes[i], rt))
			return 0;
	if (!(v = host_facts_grow(ch->routes, ch->n_routes, sizeof(*v))))
		return -ENOMEM;
	ch->routes = v;
	v[ch->n_routes++] = *rt;
	return 0;
}

/* Remove the addresses (or routes, of family AF_INET only when v4) of
 * link ifindex, noting each. */
static int drop_addrs(struct host_facts *f, int ifindex, struct host_change *ch)
{
	for (size_t i = f->n_addrs; i-- > 0;)
		if (f->addrs[i].ifindex == ifindex) {
			if (note_addr(ch, &f->addrs[i]) < 0)
				return -ENOMEM;
			f->addrs[i] = f->addrs[--f->n_addrs];
		}
	return 0;
}

/* The same IPv4 multipath route. */
static bool mp_same(const struct host_route *a, const struct host_route *b)
{
	return a->mp && b->mp && a->family == b->family && a->plen == b->plen &&
	       a->metric == b->metric && a->tos == b->tos && a->type == b->type &&
	       !memcmp(a->dst, b->dst, 16);
}

/* Does route i go when link ifindex goes (unreg), or goes down or loses
 * its last IPv4 address? The kernel flushes an IPv4 route with no
 * RTM_DELROUTE: a multipath one when every nexthop is dead (on a link
 * that is down), or when one's link goes away. An IPv6 route's nexthops
 * go one by one. */
static bool route_goes(const struct host_facts *f, size_t i, int ifindex, bool v4, bool unreg)
{
	const struct host_route *r = &f->routes[i];

	if (v4 && r->family != AF_INET)
		return false;
	if (!r->mp || r->family != AF_INET)
		return r->ifindex == ifindex;
	for (size_t k = 0; k < f->n_routes; k++) {
		const struct host_route *o = &f->routes[k];
		const struct host_link *l;

		if (!mp_same(r, o))
			continue;
		if (unreg && o->ifindex == ifindex)
			return true;
		if (!unreg && o->ifindex != ifindex && (l = host_link_by_index(f, o->ifindex)) &&
		    (l->flags & IFF_UP))
			return false; /* a nexthop alive */
	}
	return !unreg;
}

/* Remove the routes that go with link ifindex (route_goes()), noting each. */
static int drop_routes(struct host_facts *f, int ifindex, bool v4, struct host_change *ch)
{
	bool unreg = !v4;
	bool *gone = calloc(f->n_routes + 1, sizeof(*gone));
	size_t n = 0;

	if (!gone)
		return -ENOMEM;
	for (size_t i = 0; i < f->n_routes; i++)
		gone[i] = route_goes(f, i, ifindex, v4, unreg);
	for (size_t i = 0; i < f->n_routes; i++) {
		if (!gone[i]) {
			f->routes[n++] = f->routes[i];
			continue;
		}
		if (note_route(ch, &f->routes[i]) < 0) {
			/* keep the rest: the snapshot is read again */
			memmove(&f->routes[n], &f->routes[i],
				(f->n_routes - i) * sizeof(*f->routes));
			f->n_routes = n + f->n_routes - i;
			free(gone);
			return -ENOMEM;
		}
	}
	f->n_routes = n;
	free(gone);
	return 0;
}

/* Where a link named name goes in f->links (the first not before it). */
static size_t link_slot(const struct host_facts *f, const char *name)
{
	size_t lo = 0, hi = f->n_links;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(f->links[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static size_t link_pos(const struct host_facts *f, int ifindex)
{
	const struct host_link *l = host_link_by_index(f, ifindex);

	return l ? (size_t)(l - f->links) : f->n_links;
}

static void link_remove(struct host_facts *f, size_t i)
{
	memmove(&f->links[i], &f->links[i + 1], (f->n_links - i - 1) * sizeof(*f->links));
	f->n_links--;
}

/* Room checked by the caller. */
static void link_insert(struct host_facts *f, const struct host_link *l)
{
	size_t i = link_slot(f, l->name);

	memmove(&f->links[i + 1], &f->links[i], (f->n_links - i) * sizeof(*f->links));
	f->links[i] = *l;
	f->n_links++;
}

/* A veth's peer that leaves or enters this namespace is announced; the
 * veth itself is not (only a carrier change would say it, and a veth that
 * is down has none). The kernel now names the peer by netns id (peer 0 in
 * our terms), or by its ifindex here: say so for the veth. ifindex is the
 * link that went (gone) or came. */
static int peer_moved(struct host_facts *f, int ifindex, int peer, bool gone,
		      struct host_change *ch)
{
	for (size_t i = 0; i < f->n_links; i++) {
		struct host_link *l = &f->links[i];
		int want;

		if (gone ? l->peer != ifindex : l->ifindex != peer || strcmp(l->kind, "veth"))
			continue;
		if ((want = gone ? 0 : ifindex) == l->peer)
			continue;
		if (note_link(ch, l->ifindex, l, false) < 0)
			return -ENOMEM;
		l->peer = want;
	}
	return 0;
}

static int apply_link(struct host_facts *f, const struct nlmsghdr *nlh, struct host_change *ch)
{
	struct rtnl_link rl;
	struct host_link l, old;
	size_t i;

	if (!rtnl_msg_parse_link(nlh, &rl))
		return 0;
	host_link_from(&l, &rl);
	i = link_pos(f, l.ifindex);
	if (nlh->nlmsg_type == RTM_DELLINK) {
		if (i == f->n_links)
			return 0;
		old = f->links[i];
		link_remove(f, i);
		/* the kernel says so for most of them first; not for IPv4
		 * routes */
		if (note_link(ch, old.ifindex, &old, true) < 0 ||
		    drop_addrs(f, old.ifindex, ch) < 0 ||
		    drop_routes(f, old.ifindex, false, ch) < 0 ||
		    peer_moved(f, old.ifindex, 0, true, ch) < 0)
			return -ENOMEM;
		return 0;
	}
	if (i == f->n_links) {
		struct host_link *v = host_facts_grow(f->links, f->n_links, sizeof(*v));

		if (!v)
			return -ENOMEM;
		f->links = v;
		link_insert(f, &l);
		if (note_link(ch, l.ifindex, NULL, false) < 0)
			return -ENOMEM;
		return l.peer > 0 ? peer_moved(f, l.ifindex, l.peer, false, ch) : 0;
	}
	old = f->links[i];
	if (strcmp(old.name, l.name)) {
		link_remove(f, i);
		link_insert(f, &l); /* room: the slot just freed */
	} else {
		f->links[i] = l;
	}
	if (host_link_same(&old, &l))
		return 0; /* statistics, IFF_RUNNING, MTU: nothing we keep */
	if (note_link(ch, l.ifindex, &old, false) < 0)
		return -ENOMEM;
	/* down: the kernel flushed its IPv4 routes without a word */
	if ((old.flags & IFF_UP) && !(l.flags & IFF_UP))
		return drop_routes(f, l.ifindex, true, ch);
	return 0;
}

static int apply_addr(struct host_facts *f, const struct nlmsghdr *nlh, struct host_change *ch)
{
	struct host_addr a, *v;
	size_t i;

	if (!rtnl_msg_parse_addr(nlh, &a))
		return 0;
	for (i = 0; i < f->n_addrs && !host_addr_same(&f->addrs[i], &a); i++)
		;
	if (nlh->nlmsg_type == RTM_DELADDR) {
		if (i == f->n_addrs)
			return 0;
		f->addrs[i] = f->addrs[--f->n_addrs];
		if (note_addr(ch, &a) < 0)
			return -ENOMEM;
		if (a.family != AF_INET)
			return 0;
		/* the link's last IPv4 address: the kernel flushed its IPv4
		 * routes (fib_disable_ip()) without a word */
		for (i = 0; i < f->n_addrs; i++)
			if (f->addrs[i].family == AF_INET && f->addrs[i].ifindex == a.ifindex)
				return 0;
		return drop_routes(f, a.ifindex, true, ch);
	}
	if (i < f->n_addrs)
		return 0; /* flags, lifetimes: nothing we keep */
	if (!(v = host_facts_grow(f->addrs, f->n_addrs, sizeof(*v))))
		return -ENOMEM;
	f->addrs = v;
	v[f->n_addrs++] = a;
	return note_addr(ch, &a);
}

static bool route_in(const struct host_route *rt, const struct host_route *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (host_route_same(rt, &v[i]))
			return true;
	return false;
}

static int apply_route1(struct host_facts *f, uint16_t type, const struct host_route *rt,
			struct host_change *ch)
{
	struct host_route *v;
	size_t i;

	for (i = 0; i < f->n_routes && !host_route_same(&f->routes[i], rt); i++)
		;
	if (type == RTM_DELROUTE) {
		if (i == f->n_routes)
			return 0;
		f->routes[i] = f->routes[--f->n_routes];
		return note_route(ch, rt);
	}
	if (i < f->n_routes) {
		f->routes[i].protocol = rt->protocol;
		f->routes[i].nhid = rt->nhid;
		return 0;
	}
	if (!(v = host_facts_grow(f->routes, f->n_routes, sizeof(*v))))
		return -ENOMEM;
	f->routes = v;
	v[f->n_routes++] = *rt;
	return note_route(ch, rt);
}

/* A route comes and goes nexthop by nexthop: a multipath one in one
 * message (added or deleted whole), an IPv6 one also a nexthop at a
 * time (ip -6 route append / del ... via), each announced alone. */
static int apply_route(struct host_facts *f, const struct nlmsghdr *nlh, struct host_change *ch)
{
	struct host_route rt[RTNL_ROUTE_NH_MAX];
	size_t n = rtnl_msg_parse_routes(nlh, rt, RTNL_ROUTE_NH_MAX);

	if (!n)
		return 0;
	if (nlh->nlmsg_type == RTM_NEWROUTE && (nlh->nlmsg_flags & NLM_F_REPLACE))
		/* what it replaced goes: same destination, metric and TOS */
		for (size_t i = f->n_routes; i-- > 0;) {
			const struct host_route *o = &f->routes[i];

			if (o->family == rt[0].family && o->plen == rt[0].plen &&
			    o->metric == rt[0].metric && o->tos == rt[0].tos &&
			    !memcmp(o->dst, rt[0].dst, 16) && !route_in(o, rt, n)) {
				if (note_route(ch, o) < 0)
					return -ENOMEM;
				f->routes[i] = f->routes[--f->n_routes];
			}
		}
	for (size_t k = 0; k < n; k++)
		if (apply_route1(f, nlh->nlmsg_type, &rt[k], ch) < 0)
			return -ENOMEM;
	return 0;
}

/* A nexthop object went, and the routes through it with no word. */
static int apply_nexthop_del(struct host_facts *f, const struct nlmsghdr *nlh,
			     struct host_change *ch)
{
	uint32_t id;

	if (!rtnl_msg_parse_nexthop_del(nlh, &id))
		return 0;
	for (size_t i = f->n_routes; i-- > 0;)
		if (f->routes[i].nhid == id) {
			if (note_route(ch, &f->routes[i]) < 0)
				return -ENOMEM;
			f->routes[i] = f->routes[--f->n_routes];
		}
	return 0;
}

int host_facts_apply(struct host_facts *f, const struct nlmsghdr *nlh, struct host_change *ch)
{
	if (!f->links_by_name) {
		qsort(f->links, f->n_links, sizeof(*f->links), host_link_name_cmp);
		f->links_by_name = true;
	}
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK: return apply_link(f, nlh, ch);
	case RTM_NEWADDR:
	case RTM_DELADDR: return apply_addr(f, nlh, ch);
	case RTM_NEWROUTE:
	case RTM_DELROUTE: return apply_route(f, nlh, ch);
	case RTM_DELNEXTHOP: return apply_nexthop_del(f, nlh, ch);
	case RTM_NEWNETCONF: ch->netconf |= rtnl_msg_parse_netconf_forwarding(nlh); return 0;
	}
	return 0;
}

void host_change_release(struct host_change *ch)
{
	free(ch->links);
	free(ch->addrs);
	free(ch->routes);
	memset(ch, 0, sizeof(*ch));
}

/* --- the snapshot -------------------------------------------------------- */

int host_snap_new(struct rtnl *r, struct host_snap **out)
{
	struct host_snap *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->r = r;
	if ((ret = rtnl_read_facts(r, &s->f)) < 0) {
		free(s);
		return ret;
	}
	*out = s;
	return 0;
}

void host_snap_free(struct host_snap *s)
{
	if (!s)
		return;
	host_facts_free(&s->f);
	free(s);
}

const struct host_facts *host_snap_facts(const struct host_snap *s)
{
	return &s->f;
}

unsigned host_snap_gen(const struct host_snap *s)
{
	return s->gen;
}

int host_snap_reread(struct host_snap *s, struct host_change *ch)
{
	struct host_facts f;
	int ret;

	host_change_release(ch);
	ch->all = ch->netconf = true;
	s->gen++;
	if ((ret = rtnl_read_facts(s->r, &f)) < 0) {
		s->stale = true;
		return ret;
	}
	host_facts_free(&s->f);
	s->f = f;
	s->stale = false;
	return 0;
}

struct drain {
	struct host_snap *s;
	struct host_change *ch;
	int err;
	bool lost;
};

static int drain_cb(const struct nlmsghdr *nlh, void *data)
{
	struct drain *d = data;

	if (!d->s->stale && (d->err = host_facts_apply(&d->s->f, nlh, d->ch)) < 0)
		d->s->stale = true; /* the rest would be applied to a wrong base */
	return 0;
}

int host_snap_drain(struct host_snap *s, int fd, struct host_change *ch)
{
	struct drain d = { s, ch, 0, false };
	int ret;

	memset(ch, 0, sizeof(*ch));
	s->gen++;
	ret = nl_monitor_drain_fd(fd, drain_cb, &d);
	if (ret == NL_LOST) {
		s->stale = d.lost = true;
		ret = 0;
	}
	if (ret < 0) {
		s->stale = true;
		return ret;
	}
	if (!s->stale)
		return 0;
	ret = host_snap_reread(s, ch);
	ch->lost = ret == 0 && d.lost;
	return ret;
}

/* --- checking it against the kernel (tests; the comparison in
 * snapshot_cmp.c) ---------------------------------------------------------- */

int host_snap_check(struct host_snap *s, char *msg, size_t len)
{
	struct host_facts f;
	int ret = rtnl_read_facts(s->r, &f);

	if (ret < 0)
		return ret;
	ret = host_facts_cmp(&s->f, &f, msg, len);
	host_facts_free(&f);
	return ret;
}
