/* The run-time diff (rtplan.h). Which networks a batch touches is found
 * from the changed links, addresses and routes alone -- a link that is or
 * was one of our bridges, or whose master is or was one, or whose veth
 * peer is a port of one; an address or route on one of our bridges or
 * overlapping a network's subnet -- so a VM's tap or a container's veth
 * elsewhere costs a few lookups, not a pass over every network. Only the
 * touched networks are then checked, in one walk over the links. */
#include "gatewayd/core/rtplan.h"
#include "gatewayd/host/hostcheck.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void touch_name(const struct gw_plan *p, const char *name, bool *touched)
{
	long i;

	if (name && name[0] && (i = gw_plan_bridge(p, name)) >= 0)
		touched[i] = true;
}

static void touch_index(const struct gw_plan *p, const struct host_facts *f, int ifindex,
			bool *touched)
{
	const struct host_link *l = ifindex > 0 ? host_link_by_index(f, ifindex) : NULL;

	if (l)
		touch_name(p, l->name, touched);
}

static void touch_prefix(const struct gw_plan *p, const struct host_facts *f, int family,
			 const uint8_t *a, unsigned plen, int ifindex, bool *touched)
{
	touch_index(p, f, ifindex, touched);
	/* a default route overlaps everything and is never a collision */
	for (size_t i = 0; plen && i < p->conf->n_networks; i++)
		if (!touched[i] && hostcheck_overlaps(&p->conf->networks[i], family, a, plen))
			touched[i] = true;
}

void rt_touched(const struct gw_plan *p, const struct host_facts *f, const struct host_change *ch,
		const struct gw_net_rt *rts, bool *touched)
{
	size_t n = p->conf ? p->conf->n_networks : 0;

	for (size_t i = 0; i < n; i++)
		touched[i] = ch->all;
	if (ch->all || !n)
		return;
	for (size_t k = 0; k < ch->n_links; k++) {
		const struct host_link_change *c = &ch->links[k];
		const struct host_link *l = c->gone ? NULL : host_link_by_index(f, c->ifindex);

		touch_name(p, c->old_name, touched);
		touch_index(p, f, c->old_master, touched);
		if (!l)
			continue;
		touch_name(p, l->name, touched);
		touch_index(p, f, l->master, touched);
		/* a veth on our bridge whose peer was just put on another
		 * bridge patches the two together */
		if (l->peer > 0) {
			const struct host_link *peer = host_link_by_index(f, l->peer);

			if (peer)
				touch_index(p, f, peer->master, touched);
		}
	}
	for (size_t k = 0; k < ch->n_addrs; k++)
		touch_prefix(p, f, ch->addrs[k].family, ch->addrs[k].addr, ch->addrs[k].plen,
			     ch->addrs[k].ifindex, touched);
	for (size_t k = 0; k < ch->n_routes; k++)
		touch_prefix(p, f, ch->routes[k].family, ch->routes[k].dst, ch->routes[k].plen,
			     ch->routes[k].ifindex, touched);
	/* an overlap in force may end by a rename, a route's device going */
	if (ch->n_addrs || ch->n_routes || ch->n_links)
		for (size_t i = 0; i < n; i++)
			touched[i] |= rts[i].collision[0] != '\0';
}

/* --- one walk over the links for every touched network ------------------- */

struct tnet {
	int bridge;	 /* ifindex, 0 if gone */
	size_t net, act; /* index in the plan, in the diff */
	size_t n_ports, n_tests;
	char (*ports)[IFNAMSIZ], (*tests)[IFNAMSIZ];
	const struct host_link *foreign;
};

static int tnet_cmp(const void *a, const void *b)
{
	int x = ((const struct tnet *)a)->bridge, y = ((const struct tnet *)b)->bridge;

	return (x > y) - (x < y);
}

static int name_cmp(const void *a, const void *b)
{
	return strncmp(a, b, IFNAMSIZ);
}

/* With many networks to look at (ch->all: start, a resync), the host's
 * addresses sorted (a bridge's found by halving), and for the overlap
 * checks only the addresses and routes on none of our bridges -- what is
 * on them is never an overlap, so the answers are the same: N log A
 * instead of N x (A + R). A few networks are looked at directly. */
#define MANY_NETS 16

struct hindex {
	struct host_addr *sorted;
	size_t n_sorted;
	struct host_facts others;
};

static int addr_cmp(const void *x, const void *y)
{
	const struct host_addr *a = x, *b = y;

	if (a->ifindex != b->ifindex)
		return (a->ifindex > b->ifindex) - (a->ifindex < b->ifindex);
	if (a->family != b->family)
		return (a->family > b->family) - (a->family < b->family);
	return memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void hindex_release(struct hindex *h)
{
	free(h->sorted);
	free(h->others.addrs);
	free(h->others.routes);
	memset(h, 0, sizeof(*h));
}

static int hindex_make(const struct gw_plan *p, const struct host_facts *f, struct hindex *h)
{
	size_t n = p->conf->n_networks, nb = 0;
	int *brs = calloc(n + 1, sizeof(*brs));

	memset(h, 0, sizeof(*h));
	h->others = *f;
	h->others.n_addrs = h->others.n_routes = 0;
	h->sorted = malloc((f->n_addrs + 1) * sizeof(*h->sorted));
	h->others.addrs = malloc((f->n_addrs + 1) * sizeof(*f->addrs));
	h->others.routes = malloc((f->n_routes + 1) * sizeof(*f->routes));
	if (!brs || !h->sorted || !h->others.addrs || !h->others.routes) {
		free(brs);
		hindex_release(h);
		return -ENOMEM;
	}
	memcpy(h->sorted, f->addrs, f->n_addrs * sizeof(*f->addrs));
	h->n_sorted = f->n_addrs;
	qsort(h->sorted, h->n_sorted, sizeof(*h->sorted), addr_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct host_link *br = host_link_by_name(f, p->conf->networks[i].bridge);

		if (br)
			brs[nb++] = br->ifindex;
	}
	qsort(brs, nb, sizeof(*brs), int_cmp);
	for (size_t i = 0; i < f->n_addrs; i++)
		if (!nb || !bsearch(&f->addrs[i].ifindex, brs, nb, sizeof(*brs), int_cmp))
			h->others.addrs[h->others.n_addrs++] = f->addrs[i];
	for (size_t i = 0; i < f->n_routes; i++)
		if (!f->routes[i].ifindex || !nb ||
		    !bsearch(&f->routes[i].ifindex, brs, nb, sizeof(*brs), int_cmp))
			h->others.routes[h->others.n_routes++] = f->routes[i];
	free(brs);
	return 0;
}

static bool has_addr(const struct host_facts *f, const struct hindex *h, int ifindex, int family,
		     const void *a)
{
	if (h->sorted) {
		struct host_addr key = { .family = family, .ifindex = ifindex };

		memcpy(key.addr, a, family == AF_INET ? 4 : 16);
		return h->n_sorted &&
		       bsearch(&key, h->sorted, h->n_sorted, sizeof(*h->sorted), addr_cmp);
	}
	for (size_t i = 0; i < f->n_addrs; i++)
		if (f->addrs[i].ifindex == ifindex && f->addrs[i].family == family &&
		    !memcmp(f->addrs[i].addr, a, family == AF_INET ? 4 : 16))
			return true;
	return false;
}

static int names_push(char (**v)[IFNAMSIZ], size_t *n, const char *name)
{
	if (!(*n % 8)) {
		void *p = realloc(*v, (*n + 8) * IFNAMSIZ);

		if (!p)
			return -ENOMEM;
		*v = p;
	}
	memcpy((*v)[(*n)++], name, IFNAMSIZ);
	return 0;
}

/* Ports and the first foreign port of each touched network's bridge;
 * t sorted by bridge ifindex. */
static int walk_links(const struct gw_plan *p, const struct hostcheck_own *own,
		      const struct host_facts *f, struct tnet *t, size_t nt)
{
	for (size_t i = 0; i < f->n_links; i++) {
		const struct host_link *l = &f->links[i];
		struct tnet key = { .bridge = l->master }, *x;
		const struct gw_network *net;

		if (!l->master || !(x = bsearch(&key, t, nt, sizeof(*t), tnet_cmp)))
			continue;
		net = &p->conf->networks[x->net];
		if (!x->foreign && hostcheck_foreign_link(own, net, f, l, x->bridge))
			x->foreign = l;
		/* the doctor's test port is no port the map needs to know */
		if (names_push(hostcheck_test_port(own, l->ifindex) ? &x->tests : &x->ports,
			       hostcheck_test_port(own, l->ifindex) ? &x->n_tests : &x->n_ports,
			       l->name) < 0)
			return -ENOMEM;
	}
	for (size_t k = 0; k < nt; k++) {
		if (t[k].n_ports > 1)
			qsort(t[k].ports, t[k].n_ports, IFNAMSIZ, name_cmp);
		if (t[k].n_tests > 1)
			qsort(t[k].tests, t[k].n_tests, IFNAMSIZ, name_cmp);
	}
	return 0;
}

static int elem_push(struct nft_elem **v, size_t *n, const char *port, const struct gw_network *net)
{
	struct nft_elem *e = realloc(*v, (*n + 1) * sizeof(**v));

	if (!e)
		return -ENOMEM;
	*v = e;
	memset(&e[*n], 0, sizeof(e[*n]));
	memcpy(e[*n].key.ifname, port, IFNAMSIZ);
	nft_ports_chain_name(net, e[*n].chain, NFT_NAME_MAX);
	(*n)++;
	return 0;
}

static bool in_ports(char (*v)[IFNAMSIZ], size_t n, const char *name)
{
	return n && bsearch(name, v, n, IFNAMSIZ, name_cmp);
}

static bool ports_equal(char (*a)[IFNAMSIZ], size_t na, char (*b)[IFNAMSIZ], size_t nb)
{
	return na == nb && (!na || !memcmp(a, b, na * IFNAMSIZ));
}

/* The ports map's deltas of one network: old sorted, new sorted. */
static int port_deltas(const struct gw_network *net, char (*old)[IFNAMSIZ], size_t n_old,
		       char (*new)[IFNAMSIZ], size_t n_new, struct rt_diff *d)
{
	int r = 0;

	for (size_t i = 0; i < n_old && r >= 0; i++)
		if (!in_ports(new, n_new, old[i]))
			r = elem_push(&d->del, &d->n_del, old[i], net);
	for (size_t i = 0; i < n_new && r >= 0; i++)
		if (!in_ports(old, n_old, new[i]))
			r = elem_push(&d->add, &d->n_add, new[i], net);
	return r;
}

static struct rt_net_act *act_new(struct rt_diff *d, size_t net)
{
	memset(&d->nets[d->n], 0, sizeof(d->nets[d->n]));
	d->nets[d->n].net = net;
	return &d->nets[d->n++];
}

static void guard_of(const struct gw_net_rt *rt, const struct host_link *bad, struct rt_net_act *a)
{
	if (bad && !rt->tripped[0])
		a->guard = RG_TRIP;
	else if (bad && strcmp(rt->tripped, bad->name))
		a->guard = RG_SWITCH;
	else if (!bad && rt->tripped[0])
		a->guard = RG_RESUME;
	if (bad) {
		memcpy(a->foreign, bad->name, IFNAMSIZ);
		snprintf(a->foreign_kind, sizeof(a->foreign_kind), "%s",
			 bad->kind[0] ? bad->kind : "physical");
	}
}

static bool act_empty(const struct rt_net_act *a)
{
	return !a->repair && !a->guard && !a->ports_changed && !a->tests_changed &&
	       !a->collision_changed;
}

static int check_nets(const struct gw_plan *p, const struct hostcheck_own *own,
		      const struct host_facts *f, const struct gw_net_rt *rts, bool *touched,
		      size_t many, struct rt_diff *d)
{
	size_t n = p->conf->n_networks, nt = 0;
	struct tnet *t = calloc(many + 1, sizeof(*t));
	struct hindex h = { 0 };
	int r = 0;

	if (!t)
		return -ENOMEM;
	if (many > MANY_NETS && (r = hindex_make(p, f, &h)) < 0) {
		free(t);
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		const struct gw_network *net = &p->conf->networks[i];
		const struct host_link *br;
		struct rt_net_act *a;
		char msg[256];
		bool col;

		if (!touched[i])
			continue;
		a = act_new(d, i);
		col = hostcheck_collides(p->conf, net, h.sorted ? &h.others : f, msg, sizeof(msg));
		if (col && strcmp(msg, rts[i].collision)) {
			a->collision_changed = 1;
			snprintf(a->collision, sizeof(a->collision), "%s", msg);
		} else if (!col && rts[i].collision[0]) {
			a->collision_changed = -1;
		}
		if (!(br = host_link_by_name(f, net->bridge))) {
			/* its ports come back with it, and their events */
			a->repair = GR_BRIDGE_GONE;
			continue;
		}
		if (!(br->flags & IFF_UP))
			a->repair |= GR_BRIDGE_DOWN;
		if (!has_addr(f, &h, br->ifindex, AF_INET, &net->ipv4.addr) ||
		    (net->has_ipv6 && !has_addr(f, &h, br->ifindex, AF_INET6, &net->ipv6.addr)))
			a->repair |= GR_ADDR_MISSING;
		t[nt++] = (struct tnet){ .bridge = br->ifindex, .net = i, .act = d->n - 1 };
	}
	qsort(t, nt, sizeof(*t), tnet_cmp);
	if ((r = walk_links(p, own, f, t, nt)) < 0)
		goto out;
	for (size_t k = 0; k < nt; k++) {
		const struct gw_net_rt *rt = &rts[t[k].net];
		struct rt_net_act *a = &d->nets[t[k].act];

		guard_of(rt, t[k].foreign, a);
		if (!ports_equal(rt->test_ports, rt->n_test_ports, t[k].tests, t[k].n_tests)) {
			a->tests_changed = true;
			a->test_ports = t[k].tests;
			a->n_test_ports = t[k].n_tests;
			t[k].tests = NULL;
		}
		if (ports_equal(rt->ports, rt->n_ports, t[k].ports, t[k].n_ports))
			continue;
		if ((r = port_deltas(&p->conf->networks[t[k].net], rt->ports, rt->n_ports,
				     t[k].ports, t[k].n_ports, d)) < 0)
			goto out;
		a->ports_changed = true;
		a->ports = t[k].ports;
		a->n_ports = t[k].n_ports;
		t[k].ports = NULL;
	}
out:
	for (size_t k = 0; k < nt; k++) {
		free(t[k].ports);
		free(t[k].tests);
	}
	free(t);
	hindex_release(&h);
	return r;
}

/* A port added to one network that the map still has for a network this
 * batch did not touch (its move was not in the batch: an event lost and
 * read again): that network is looked at too, which deletes it there. */
static bool stale_elsewhere(const struct gw_plan *p, const struct gw_net_rt *rts,
			    const struct rt_diff *d, bool *touched)
{
	bool more = false;

	for (size_t k = 0; k < d->n_add; k++)
		for (size_t i = 0; i < p->conf->n_networks; i++)
			if (!touched[i] &&
			    in_ports(rts[i].ports, rts[i].n_ports, d->add[k].key.ifname)) {
				touched[i] = true;
				more = true;
			}
	return more;
}

int rt_diff(const struct gw_plan *p, const struct hostcheck_own *own, const struct host_facts *f,
	    const struct host_change *ch, const struct gw_net_rt *rts, struct rt_diff *out)
{
	size_t n = p->conf ? p->conf->n_networks : 0, nt;
	bool *touched = calloc(n + 1, sizeof(*touched));
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!touched)
		return -ENOMEM;
	rt_touched(p, f, ch, rts, touched);
	for (int pass = 0; pass < 2; pass++) {
		rt_diff_release(out);
		out->sysctls = ch->all || ch->netconf;
		/* sized by what the batch touched: an event elsewhere costs
		 * no clearing of a thousand entries */
		nt = 0;
		for (size_t i = 0; i < n; i++)
			nt += touched[i];
		if (!(out->nets = calloc(nt + 1, sizeof(*out->nets)))) {
			r = -ENOMEM;
			goto out;
		}
		if (nt && (r = check_nets(p, own, f, rts, touched, nt, out)) < 0)
			goto out;
		if (!out->n_add || !stale_elsewhere(p, rts, out, touched))
			break;
	}
	/* only what has something to do */
	size_t k = 0;
	for (size_t i = 0; i < out->n; i++)
		if (!act_empty(&out->nets[i])) {
			out->nets[k++] = out->nets[i];
		} else {
			free(out->nets[i].ports);
			free(out->nets[i].test_ports);
		}
	out->n = k;
out:
	if (r < 0)
		rt_diff_release(out);
	free(touched);
	return r;
}

void rt_diff_release(struct rt_diff *d)
{
	for (size_t i = 0; d->nets && i < d->n; i++) {
		free(d->nets[i].ports);
		free(d->nets[i].test_ports);
	}
	free(d->nets);
	free(d->del);
	free(d->add);
	memset(d, 0, sizeof(*d));
}

void rt_diff_format(const struct rt_diff *d, const struct gw_plan *p, char *buf, size_t len)
{
	static const char *const guard[] = { "", "trip", "switch", "resume" };
	size_t off = 0;

#define OUT(...) (off += (size_t)snprintf(buf + off, off < len ? len - off : 0, __VA_ARGS__))
	buf[0] = '\0';
	for (size_t i = 0; i < d->n; i++) {
		const struct rt_net_act *a = &d->nets[i];
		bool first = true;

		OUT("%s%s:", off ? " " : "", p->conf->networks[a->net].name);
		if (a->repair) {
			OUT("repair(%s%s%s)", a->repair & GR_BRIDGE_GONE ? "gone" : "",
			    a->repair & GR_BRIDGE_DOWN ? "down" : "",
			    a->repair & GR_ADDR_MISSING ? "addr" : "");
			first = false;
		}
		if (a->guard) {
			OUT("%s%s(%s)", first ? "" : ",", guard[a->guard],
			    a->guard == RG_RESUME ? "" : a->foreign);
			first = false;
		}
		if (a->ports_changed) {
			OUT("%sports", first ? "" : ",");
			first = false;
		}
		if (a->tests_changed) {
			OUT("%stest-ports", first ? "" : ",");
			first = false;
		}
		if (a->collision_changed)
			OUT("%s%s", first ? "" : ",",
			    a->collision_changed > 0 ? "collision" : "collision-gone");
	}
	for (size_t i = 0; i < d->n_del; i++)
		OUT("%s-%s@%s", off ? " " : "", d->del[i].key.ifname, d->del[i].chain);
	for (size_t i = 0; i < d->n_add; i++)
		OUT("%s+%s@%s", off ? " " : "", d->add[i].key.ifname, d->add[i].chain);
#undef OUT
}

/* --- a change from two readings (transitional path, tests) --------------- */

static bool addr_in(const struct host_facts *f, const struct host_addr *a)
{
	for (size_t i = 0; i < f->n_addrs; i++)
		if (!memcmp(&f->addrs[i], a, sizeof(*a)))
			return true;
	return false;
}

static bool route_in(const struct host_facts *f, const struct host_route *x)
{
	for (size_t i = 0; i < f->n_routes; i++)
		if (!memcmp(&f->routes[i], x, sizeof(*x)))
			return true;
	return false;
}

static int push(void **v, size_t *n, size_t size, const void *x)
{
	void *p = realloc(*v, (*n + 1) * size);

	if (!p)
		return -ENOMEM;
	*v = p;
	memcpy((char *)p + *n * size, x, size);
	(*n)++;
	return 0;
}

int rt_change_between(const struct host_facts *old, const struct host_facts *new,
		      struct host_change *ch)
{
	int r = 0;

	memset(ch, 0, sizeof(*ch));
	for (size_t i = 0; i < old->n_links && r >= 0; i++) {
		const struct host_link *o = &old->links[i],
				       *l = host_link_by_index(new, o->ifindex);
		struct host_link_change c = { .ifindex = o->ifindex,
					      .old_master = o->master,
					      .old_flags = o->flags };

		memcpy(c.old_name, o->name, IFNAMSIZ);
		c.gone = !l;
		if (l && !strcmp(l->name, o->name) && l->master == o->master &&
		    l->flags == o->flags && !strcmp(l->kind, o->kind) && l->peer == o->peer)
			continue;
		r = push((void **)&ch->links, &ch->n_links, sizeof(c), &c);
	}
	for (size_t i = 0; i < new->n_links &&r >= 0; i++)
		if (!host_link_by_index(old, new->links[i].ifindex)) {
			struct host_link_change c = { .ifindex = new->links[i].ifindex,
						      .added = true };

			r = push((void **)&ch->links, &ch->n_links, sizeof(c), &c);
		}
	for (size_t i = 0; i < old->n_addrs && r >= 0; i++)
		if (!addr_in(new, &old->addrs[i]))
			r = push((void **)&ch->addrs, &ch->n_addrs, sizeof(*ch->addrs),
				 &old->addrs[i]);
	for (size_t i = 0; i < new->n_addrs &&r >= 0; i++)
		if (!addr_in(old, &new->addrs[i]))
			r = push((void **)&ch->addrs, &ch->n_addrs, sizeof(*ch->addrs),
				 &new->addrs[i]);
	for (size_t i = 0; i < old->n_routes && r >= 0; i++)
		if (!route_in(new, &old->routes[i]))
			r = push((void **)&ch->routes, &ch->n_routes, sizeof(*ch->routes),
				 &old->routes[i]);
	for (size_t i = 0; i < new->n_routes &&r >= 0; i++)
		if (!route_in(old, &new->routes[i]))
			r = push((void **)&ch->routes, &ch->n_routes, sizeof(*ch->routes),
				 &new->routes[i]);
	if (r < 0)
		host_change_release(ch);
	return r;
}
