/* The run-time guard (guard.h): a network's trip and resume, and taps
 * that took a guest's MAC.
 *
 * Taps: whoever holds a tap open may set the tap's own MAC: SIOCSIFHWADDR
 * on the tun descriptor asks for no privilege, so the user of a tap
 * gatewayd made for them, or of one QEMU's bridge helper handed over, can.
 * On a bridge that MAC becomes a local entry of the forwarding database,
 * and if it is another guest's, the bridge keeps that guest's frames for
 * itself and drops the ones it sends: the guest is cut off, whatever the
 * guest binding says. So a tap on one of our bridges is taken off it when
 * its MAC changes while it is plugged in; it stays off (taps_plug() asks)
 * until its holder closes it, then gets back the MAC it had, and the next
 * watch plugs it in again. One first seen with the MAC of a guest on
 * another port is given a fresh MAC instead (renew()). */
#include "gatewayd/core/guard.h"
#include "gatewayd/core/bgp.h"
#include "gatewayd/core/taps.h"
#include "gatewayd/core/taps_int.h"
#include "gatewayd/core/binding.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/core/rtplan.h"
#include "gatewayd/host/rtnl.h"
#include "gatewayd/host/snapshot.h"
#include "gatewayd/host/tun.h"
#include "dhcp/dnsmasq_conf.h"
#include "dhcp/leases.h"
#include "lib/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* --- a network's guard ---------------------------------------------------- */

void guard_trip(struct gw_ctx *ctx, size_t i, const char *port, const char *kind)
{
	const struct gw_network *n = &ctx->conf->networks[i];
	struct gw_net_rt *rt = &ctx->nets[i];

	snprintf(rt->tripped, sizeof(rt->tripped), "%s", port);
	snprintf(rt->last_error, sizeof(rt->last_error),
		 "port %s (kind \"%s\") is not a guest port: DHCP and RA stopped", port, kind);
	/* SIGTERM now; the loop reaps it (and SIGKILLs it if it lingers) */
	dnsmasq_stop_begin(rt->dnsmasq);
	/* gatewayd's own router advertisements, solicited or not: no last
	 * one either, nothing goes onto a segment with a foreign port */
	ra_iface_pause(rt->ra);
	log_err("network \"%s\": port %s (kind \"%s\") joined bridge %s and is not a guest "
		"port: DHCP and router advertisements STOPPED on this network until it leaves "
		"(ip link set %s nomaster)",
		n->name, port, kind, n->bridge, port);
}

void guard_switch(struct gw_ctx *ctx, size_t i, const char *port)
{
	snprintf(ctx->nets[i].tripped, sizeof(ctx->nets[i].tripped), "%s", port);
}

void guard_resume(struct gw_ctx *ctx, size_t i)
{
	const struct gw_network *n = &ctx->conf->networks[i];
	struct gw_net_rt *rt = &ctx->nets[i];

	log_info("network \"%s\": port %s left bridge %s; DHCP and router advertisements resume",
		 n->name, rt->tripped, n->bridge);
	rt->tripped[0] = '\0';
	if (rt->dnsmasq && !rt->refused && dnsmasq_start(rt->dnsmasq) < 0)
		log_err("network \"%s\": restarting dnsmasq failed", n->name);
	ra_iface_resume(rt->ra);
}

/* --- taps that took a guest's MAC ----------------------------------------- */

#define PORT_MACS 8
/* linux/if.h has it, but clashes with net/if.h */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

struct port_mac {
	int ifindex;	/* the records are sorted by it */
	bool seen;	/* in this pass */
	uint8_t mac[6]; /* as first seen on the bridge */
	bool known;	/* mac is the tap's own, not a guest's it had taken */
	bool tripped;
};

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* ifindex is the first member: a record compares as its ifindex */
static struct port_mac *rec_find(const struct gw_taps *t, int ifindex)
{
	return t && t->n_macs ? bsearch(&ifindex, t->macs, t->n_macs, sizeof(*t->macs), cmp_int)
			      : NULL;
}

static struct port_mac *rec_add(struct gw_taps *t, int ifindex)
{
	struct port_mac *v = realloc(t->macs, (t->n_macs + 1) * sizeof(*v));
	size_t at = 0;

	if (!v)
		return NULL;
	t->macs = v;
	while (at < t->n_macs && v[at].ifindex < ifindex)
		at++;
	memmove(&v[at + 1], &v[at], (t->n_macs++ - at) * sizeof(*v));
	v[at] = (struct port_mac){ .ifindex = ifindex };
	return &v[at];
}

bool guard_tap_tripped(const struct gw_ctx *ctx, int ifindex)
{
	const struct port_mac *p = rec_find(ctx->taps, ifindex);

	return p && p->tripped;
}

/* Network's guests by their addresses: its static hosts' MACs and its
 * leases'. */
static bool addressed_mac(const struct gw_conf *conf, const struct gw_network *n,
			  const uint8_t mac[6])
{
	struct lease *ls = NULL;
	char path[GW_PATH_MAX + 64];
	uint8_t m[6];
	bool found = false;
	int nl;

	for (size_t k = 0; k < n->hosts.n && !found; k++)
		found = n->hosts.v[k].has_mac && !memcmp(n->hosts.v[k].mac, mac, 6);
	if (found)
		return found;
	dnsmasq_lease_path(conf, n, path, sizeof(path));
	nl = leases_load(path, &ls); /* every line: the newest come first */
	for (int i = 0; i < nl && !found; i++)
		found = !ls[i].v6 && conf_mac_parse(ls[i].mac, m) == 0 && !memcmp(m, mac, 6);
	free(ls);
	return found;
}

/* mac is a guest's on bridge br: bound to another of its ports, or
 * given an address on its network -- which also holds right after a
 * restart, before the binding has run, and with guest_binding off. */
static bool guest_mac(const struct gw_ctx *ctx, const struct host_facts *f, int br,
		      const struct host_link *l, const uint8_t mac[6])
{
	uint8_t macs[PORT_MACS][6];

	for (size_t i = 0; i < f->n_links; i++) {
		const struct host_link *o = &f->links[i];
		size_t n;

		if (o->master != br || o->ifindex == l->ifindex)
			continue;
		n = binding_port_macs(ctx->binding, (uint32_t)o->ifindex, macs, PORT_MACS);
		for (size_t k = 0; k < n && k < PORT_MACS; k++)
			if (!memcmp(macs[k], mac, 6))
				return true;
	}
	for (size_t i = 0; i < ctx->conf->n_networks; i++) {
		const struct gw_network *n = &ctx->conf->networks[i];
		const struct host_link *b = host_link_by_name(f, n->bridge);

		if (b && b->ifindex == br)
			return addressed_mac(ctx->conf, n, mac);
	}
	return false;
}

/* Our bridges' ifindexes, sorted; n set. NULL if there are none (or no memory). */
static int *our_bridges(const struct gw_ctx *ctx, const struct host_facts *f, size_t *n)
{
	int *v = calloc(ctx->conf->n_networks + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; v && i < ctx->conf->n_networks; i++) {
		const struct host_link *br = host_link_by_name(f, ctx->conf->networks[i].bridge);

		if (br)
			v[(*n)++] = br->ifindex;
	}
	if (v && *n)
		qsort(v, *n, sizeof(*v), cmp_int);
	return v;
}

static void trip(struct gw_ctx *ctx, struct port_mac *p, const struct host_link *l,
		 const uint8_t m[6], bool changed)
{
	int r;

	p->tripped = true;
	if ((r = rtnl_link_set_master(ctx->rtnl, l->ifindex, 0)) < 0)
		log_err("tap %s: taking it off its bridge: %s", l->name, strerror(-r));
	log_warnx("tap %s: %s %02x:%02x:%02x:%02x:%02x:%02x%s: taken off the bridge (whoever holds "
		  "a tap may set its MAC; the bridge would keep the frames of a guest with "
		  "that MAC for itself); back when it is closed",
		  l->name, changed ? "its MAC was changed on the bridge, to" : "came with the MAC",
		  m[0], m[1], m[2], m[3], m[4], m[5], changed ? "" : ", a guest's on another port");
}

/* A MAC of the kind QEMU's bridge helper gives its taps: high (fe:...),
 * so that the bridge never takes it for its own address. */
static void mac_fresh(uint8_t mac[6])
{
	mac[0] = 0xfe;
	if (getrandom(mac + 1, 5, GRND_NONBLOCK) != 5)
		for (int i = 1; i < 6; i++)
			mac[i] = (uint8_t)rand();
}

/* Closed (no carrier): its own MAC back, and pluggable again. */
static void release(struct gw_ctx *ctx, struct port_mac *p, const struct host_link *l,
		    const uint8_t now[6])
{
	uint8_t mac[6];
	int r;

	if (p->known) {
		memcpy(mac, p->mac, 6);
	} else {
		mac_fresh(mac);
	}
	if (memcmp(mac, now, 6) && (r = rtnl_link_set_mac(ctx->rtnl, l->ifindex, mac)) < 0) {
		log_debug("tap %s: giving it its MAC back: %s", l->name, strerror(-r));
		return; /* tried again on the next link event */
	}
	memcpy(p->mac, mac, 6);
	p->known = true;
	p->tripped = false;
	log_info("tap %s was closed: its MAC is its own again, and it may be plugged in", l->name);
}

/* The records of taps no longer on a bridge go (tripped ones stay while
 * the tap does); the order stays. */
/* First seen with the MAC of a guest on another port: its holder may
 * have set it before we looked, or a guest took the MAC libvirt derives
 * for this tap (fe: and the VM's MAC) to keep the VM off. Either way the
 * tap needs no particular MAC of its own: it gets a fresh one and stays
 * plugged in. */
static void renew(struct gw_ctx *ctx, struct port_mac *p, const struct host_link *l,
		  const uint8_t m[6])
{
	int r;

	mac_fresh(p->mac);
	if ((r = rtnl_link_set_mac(ctx->rtnl, l->ifindex, p->mac)) < 0) {
		log_err("tap %s: giving it a MAC of its own: %s", l->name, strerror(-r));
		p->known = false;
		trip(ctx, p, l, m, false);
		return;
	}
	log_warnx("tap %s came onto the bridge with %02x:%02x:%02x:%02x:%02x:%02x, the MAC of a "
		  "guest on another port: given %02x:%02x:%02x:%02x:%02x:%02x instead",
		  l->name, m[0], m[1], m[2], m[3], m[4], m[5], p->mac[0], p->mac[1], p->mac[2],
		  p->mac[3], p->mac[4], p->mac[5]);
}

static void prune(struct gw_taps *t)
{
	size_t k = 0;

	for (size_t i = 0; i < t->n_macs; i++)
		if (t->macs[i].seen)
			t->macs[k++] = t->macs[i];
	t->n_macs = k;
}

/* One tap (or any link: others are let be). */
static void tap_check(struct gw_ctx *ctx, const struct host_facts *f, const struct host_link *l,
		      const int *brs, size_t nb)
{
	struct gw_taps *t = ctx->taps;
	struct port_mac *p = rec_find(t, l->ifindex);
	bool ours = l->master && nb && bsearch(&l->master, brs, nb, sizeof(*brs), cmp_int);
	uint8_t mac[6];

	if (strcmp(l->kind, "tun") || !(l->master || (p && p->tripped)) ||
	    tun_mac_read(l->name, mac) < 0)
		return;
	if (p && p->tripped) {
		p->seen = true;
		/* closed: released; still held and put back by someone: off */
		if (!(l->flags & IFF_LOWER_UP))
			release(ctx, p, l, mac);
		else if (ours)
			rtnl_link_set_master(ctx->rtnl, l->ifindex, 0);
		return;
	}
	if (!ours)
		return;
	if (!p) {
		if (!(p = rec_add(t, l->ifindex)))
			return;
		memcpy(p->mac, mac, 6);
		p->known = true;
		if (guest_mac(ctx, f, l->master, l, mac))
			renew(ctx, p, l, mac);
	} else if (memcmp(p->mac, mac, 6)) {
		trip(ctx, p, l, mac, true);
	}
	p->seen = true;
}

/* Does the batch name a tap, or a link we keep a record of? (A VM's tap
 * elsewhere, a container's veth: nothing to look at.) */
static bool tun_changed(const struct gw_taps *t, const struct host_facts *f,
			const struct host_change *ch)
{
	for (size_t k = 0; k < ch->n_links; k++) {
		const struct host_link *l = host_link_by_index(f, ch->links[k].ifindex);

		if (rec_find(t, ch->links[k].ifindex) || (l && !strcmp(l->kind, "tun")))
			return true;
	}
	return false;
}

void guard_tap_mac(struct gw_ctx *ctx, const struct host_facts *f, const struct host_change *ch)
{
	struct gw_taps *t = ctx->taps;
	bool all = !ch || ch->all;
	size_t nb;
	int *brs;

	if (!t || !ctx->conf || (!all && !tun_changed(t, f, ch)) ||
	    !(brs = our_bridges(ctx, f, &nb)))
		return;
	/* every record stays but those of the links looked at again */
	for (size_t i = 0; i < t->n_macs; i++)
		t->macs[i].seen = !all;
	if (all) {
		for (size_t i = 0; i < f->n_links; i++)
			tap_check(ctx, f, &f->links[i], brs, nb);
	} else {
		for (size_t k = 0; k < ch->n_links; k++) {
			struct port_mac *p = rec_find(t, ch->links[k].ifindex);
			const struct host_link *l;

			if (p)
				p->seen = false;
			if (!ch->links[k].gone && (l = host_link_by_index(f, ch->links[k].ifindex)))
				tap_check(ctx, f, l, brs, nb);
		}
	}
	prune(t);
	free(brs);
}

/* --- from the run-time diff ----------------------------------------------- */

bool guard_apply(struct gw_ctx *ctx, const struct rt_diff *d)
{
	bool changed = false;

	for (size_t k = 0; k < d->n; k++) {
		const struct rt_net_act *a = &d->nets[k];

		if (a->guard == RG_TRIP)
			guard_trip(ctx, a->net, a->foreign, a->foreign_kind);
		else if (a->guard == RG_SWITCH)
			guard_switch(ctx, a->net, a->foreign);
		else if (a->guard == RG_RESUME)
			guard_resume(ctx, a->net);
		changed |= a->guard == RG_TRIP || a->guard == RG_RESUME;
	}
	return changed;
}
