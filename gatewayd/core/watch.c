/* The run-time watch: each batch of rtnetlink events (links, addresses,
 * routes, forwarding) is diffed with the plan in force and the run-time
 * value in force (rtplan.c, pure), and this file carries out only what
 * the diff says -- a batch that touched none of our bridges does nothing:
 * no netlink message, no nftables commit, no file written:
 * - the guard first (guard.c): a port that is not a guest port stops DHCP
 *   and RA on its network at once, until it leaves;
 * - what someone else undid is redone, one log line per repair: a deleted
 *   bridge (recreated, dnsmasq restarted), a bridge set down, a removed
 *   address, forwarding turned off;
 * - the map port_nets in the bridge table follows the bridges' ports, as
 *   element deletes and adds in one transaction (a port that moves is
 *   never in the map twice), so the backstop's forward rules know which
 *   frames belong to which network; guest binding is synced only when a
 *   network's ports changed;
 * - a subnet that starts to overlap an address or route (a VPN coming up)
 *   is warned about, naming both; BGP is told only when a guard or a
 *   repair changed what it announces.
 * The nftables tables are repaired elsewhere, if at all: normally they are
 * owned by gatewayd's socket and nobody else can touch them (see
 * nft/commit.c and on_nft_change()). */
#include "gatewayd/core/watch.h"
#include "gatewayd/core/shaping.h"
#include "gatewayd/core/bgp.h"
#include "gatewayd/core/binding.h"
#include "gatewayd/core/bridge.h"
#include "gatewayd/core/diff.h"
#include "gatewayd/core/guard.h"
#include "gatewayd/core/rtplan.h"
#include "gatewayd/core/taps.h"
#include "gatewayd/host/hostcheck.h"
#include "lib/log.h"
#include "nft/commit.h"
#include "nft/plan.h"

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

void watch_net_release(struct gw_net_rt *rt)
{
	free(rt->ports);
	rt->ports = NULL;
	rt->n_ports = 0;
	free(rt->test_ports);
	rt->test_ports = NULL;
	rt->n_test_ports = 0;
	free(rt->left);
	rt->left = NULL;
	rt->n_left = 0;
}

/* How long after its ports left a deleted bridge's repair still plugs
 * them back. */
#define WATCH_LEFT_MS 2000

/* The ports of old not in new (both sorted), as rt->left. */
static void ports_left(struct gw_net_rt *rt, char (*new)[IFNAMSIZ], size_t n_new)
{
	char(*v)[IFNAMSIZ] = calloc(rt->n_ports + 1, IFNAMSIZ);
	size_t k = 0;

	if (!v)
		return;
	for (size_t i = 0; i < rt->n_ports; i++)
		if (!n_new || !bsearch(rt->ports[i], new, n_new, IFNAMSIZ,
				       (int (*)(const void *, const void *))strcmp))
			memcpy(v[k++], rt->ports[i], IFNAMSIZ);
	free(rt->left);
	rt->left = v;
	rt->n_left = k;
	rt->left_at = eloop_now_ms();
}

static void on_watch_again(void *arg)
{
	struct gw_ctx *ctx = arg;

	ctx->watch_again = 0;
	watch_host(ctx, &(struct host_change){ .all = true });
}

/* The host could not be read (a dump interrupted more often than the
 * transport retries it, in a long burst of changes): look again shortly,
 * whether or not another event comes. */
static void watch_later(struct gw_ctx *ctx, unsigned what)
{
	if (!ctx->watch_timer &&
	    eloop_timer_new(ctx->loop, on_watch_again, ctx, &ctx->watch_timer) < 0)
		return;
	ctx->watch_again |= what;
	eloop_timer_arm(ctx->watch_timer, WATCH_AGAIN_MS);
}

static int read_facts(struct gw_ctx *ctx, struct host_facts *f, unsigned what)
{
	int r = rtnl_read_facts(ctx->rtnl, f);

	if (r == -EINTR)
		log_debug("watch: the host kept changing while read; looking again in %u ms",
			  WATCH_AGAIN_MS);
	else if (r < 0)
		log_warnx("watch: reading links, addresses and routes: %s; looking again in %u ms",
			  strerror(-r), WATCH_AGAIN_MS);
	if (r < 0)
		watch_later(ctx, what);
	return r;
}

/* The bridge is gone or down: put it back as apply made it. */
static void repair_bridge(struct gw_ctx *ctx, size_t i, bool gone)
{
	const struct gw_network *n = &ctx->conf->networks[i];
	struct gw_net_rt *rt = &ctx->nets[i];
	struct rtnl_link cur;
	char err[512];

	/* The snapshot can be a batch behind the kernel: a bridge set down,
	 * then deleted, may come as two batches, and the first one's repair
	 * finds no bridge at all -- then it is a recreation, ports and
	 * dnsmasq included, not a "set it up". */
	if (!gone && rtnl_link_get(ctx->rtnl, n->bridge, &cur) == -ENODEV)
		gone = true;
	if (bridge_up(ctx, ctx->conf, n, rt, err, sizeof(err)) < 0) {
		log_err("network \"%s\": repairing bridge %s failed: %s", n->name, n->bridge, err);
		return;
	}
	if (gone) {
		struct rtnl_link nb, port;
		size_t back = 0;

		/* Its ports fell off with it: plug back those we knew that
		 * still exist and are free -- also those the events said left
		 * just before (a bridge drops its ports, then goes). */
		size_t n_left = eloop_now_ms() - rt->left_at < WATCH_LEFT_MS ? rt->n_left : 0;
		size_t all = rt->n_ports + n_left;

		if (rtnl_link_get(ctx->rtnl, n->bridge, &nb) == 0)
			for (size_t k = 0; k < all; k++) {
				const char *name =
					k < rt->n_ports ? rt->ports[k] : rt->left[k - rt->n_ports];

				if (rtnl_link_get(ctx->rtnl, name, &port) == 0 && !port.master &&
				    rtnl_link_set_master(ctx->rtnl, port.ifindex, nb.ifindex) ==
					    0 &&
				    rtnl_link_set_up(ctx->rtnl, port.ifindex) == 0)
					back++;
			}
		/* dnsmasq's DHCP socket was bound to the old device. */
		log_warnx("network \"%s\": bridge %s was deleted; recreated it with its addresses, "
			  "put back %zu of its %zu ports and restarted dnsmasq",
			  n->name, n->bridge, back, all);
		serve_ra_restart(ctx, n, rt); /* the new bridge's ifindex */
		/* Not waited for: it starts again once the loop has reaped it. */
		if (rt->dnsmasq && !rt->refused && !rt->tripped[0]) {
			dnsmasq_stop_begin(rt->dnsmasq);
			dnsmasq_start(rt->dnsmasq);
		}
	} else {
		log_warnx("network \"%s\": bridge %s was set down; set it up again", n->name,
			  n->bridge);
	}
}

static void repair_addrs(struct gw_ctx *ctx, size_t i)
{
	const struct gw_network *n = &ctx->conf->networks[i];
	char msg[256];

	if (bridge_up(ctx, ctx->conf, n, &ctx->nets[i], msg, sizeof(msg)) < 0)
		log_err("network \"%s\": re-adding addresses: %s", n->name, msg);
	else
		log_warnx("network \"%s\": an address of bridge %s was removed; added it again",
			  n->name, n->bridge);
}

static void collision_note(struct gw_ctx *ctx, const struct rt_net_act *a)
{
	struct gw_net_rt *rt = &ctx->nets[a->net];

	if (a->collision_changed > 0) {
		log_err("%s: guests' traffic to it will be misrouted; move the network or remove "
			"the overlap",
			a->collision);
		snprintf(rt->collision, sizeof(rt->collision), "%s", a->collision);
	} else if (a->collision_changed < 0) {
		log_info("network \"%s\": overlap gone (%s)", ctx->conf->networks[a->net].name,
			 rt->collision);
		rt->collision[0] = '\0';
	}
}

/* The ports map's deltas in one transaction, then the ports in force. */
static int ports_commit(struct gw_ctx *ctx, struct rt_diff *d)
{
	char err[512];
	int r;

	if ((d->n_add || d->n_del) && (r = nft_ports_delta(ctx->nft, d->del, d->n_del, d->add,
							   d->n_add, err, sizeof(err))) < 0) {
		log_warnx("watch: %s; looking again in %u ms", err, WATCH_AGAIN_MS);
		return r;
	}
	if (d->n_add || d->n_del)
		log_debug("map %s: %zu port%s deleted, %zu added", NFT_PORTS_MAP, d->n_del,
			  d->n_del == 1 ? "" : "s", d->n_add);
	for (size_t k = 0; k < d->n; k++) {
		struct rt_net_act *a = &d->nets[k];
		struct gw_net_rt *rt = &ctx->nets[a->net];

		if (a->tests_changed) {
			free(rt->test_ports);
			rt->test_ports = a->test_ports;
			rt->n_test_ports = a->n_test_ports;
			a->test_ports = NULL;
		}
		if (!a->ports_changed)
			continue;
		ports_left(rt, a->ports, a->n_ports);
		free(rt->ports);
		rt->ports = a->ports;
		rt->n_ports = a->n_ports;
		a->ports = NULL;
	}
	return 0;
}

/* One batch: the diff, carried out. refill: the binding sets flushed and
 * refilled whatever changed -- a full read (ch->all: start, reload,
 * tables restored, events lost) may follow anything, the sets emptied by
 * a new ruleset included. sysctls: forwarding checked if the diff says. */
static void watch_run(struct gw_ctx *ctx, const struct host_facts *f, const struct host_change *ch,
		      bool refill, bool sysctls)
{
	struct rt_diff d;
	bool bgp, ports = false;

	if (rt_diff(&ctx->plan, &ctx->own, f, ch, ctx->nets, &d) < 0) {
		log_err("watch: out of memory; looking again in %u ms", WATCH_AGAIN_MS);
		watch_later(ctx, WATCH_LINKS);
		return;
	}
	/* Guard first: stopping DHCP is the urgent part. */
	bgp = guard_apply(ctx, &d);
	/* a tap that took a guest's MAC takes its frames: off the bridge */
	guard_tap_mac(ctx, f, ch);
	for (size_t k = 0; k < d.n; k++) {
		const struct rt_net_act *a = &d.nets[k];

		if (a->repair & (GR_BRIDGE_GONE | GR_BRIDGE_DOWN))
			repair_bridge(ctx, a->net, a->repair & GR_BRIDGE_GONE);
		else if (a->repair & GR_ADDR_MISSING)
			repair_addrs(ctx, a->net);
		bgp |= a->repair != 0;
		collision_note(ctx, a);
		ports |= a->ports_changed || a->tests_changed;
	}
	if (bgp)
		bgp_update_facts(ctx, f); /* a tripped guard withdraws its network */
	if (ports_commit(ctx, &d) < 0)
		watch_later(ctx, WATCH_LINKS);
	/* binding's inputs: the guest ports */
	if (refill || ports)
		binding_sync(ctx, f, refill);
	if (refill || ports || bgp)
		shaping_sync(ctx, f); /* bandwidth: new ports, reload, bridges made again */
	if (d.sysctls && sysctls)
		watch_sysctls(ctx);
	rt_diff_release(&d);
}

/* gatewayd's RAs follow their bridges' carrier (ra/router.h): a bridge
 * whose first port came up gets its first RAs at once; one whose last
 * port went gets none. */
static void ra_carrier(struct gw_ctx *ctx, const struct host_facts *f, const struct host_change *ch)
{
	const struct host_link *l;
	long i;

	for (size_t k = 0; ch->all && k < ctx->conf->n_networks; k++)
		if ((l = host_link_by_name(f, ctx->conf->networks[k].bridge)))
			ra_iface_carrier(ctx->nets[k].ra, (l->flags & HOST_LINK_CARRIER) != 0);
	for (size_t k = 0; !ch->all && k < ch->n_links; k++)
		if (!ch->links[k].gone && (l = host_link_by_index(f, ch->links[k].ifindex)) &&
		    (i = gw_plan_bridge(&ctx->plan, l->name)) >= 0)
			ra_iface_carrier(ctx->nets[i].ra, (l->flags & HOST_LINK_CARRIER) != 0);
}

void watch_host_facts(struct gw_ctx *ctx, const struct host_facts *f, const struct host_change *ch)
{
	if (!ctx->conf || !ctx->nets)
		return;
	watch_run(ctx, f, ch, ch->all, true);
	ra_carrier(ctx, f, ch);
}

void watch_host(struct gw_ctx *ctx, const struct host_change *ch)
{
	struct host_facts own;

	if (!ctx->conf || !ctx->nets)
		return;
	if (ctx->snap) {
		watch_host_facts(ctx, host_snap_facts(ctx->snap), ch);
		return;
	}
	/* no snapshot (its first read failed; ctx.c reads it again shortly):
	 * the whole host read here, every network checked */
	if (read_facts(ctx, &own, WATCH_LINKS) < 0)
		return;
	watch_run(ctx, &own, &(struct host_change){ .all = true }, ch->all, ch->all || ch->netconf);
	host_facts_free(&own);
}

void watch_links(struct gw_ctx *ctx)
{
	struct host_facts f;

	if (!ctx->conf || !ctx->nets || read_facts(ctx, &f, WATCH_LINKS) < 0)
		return;
	watch_run(ctx, &f, &(struct host_change){ .all = true }, true, false);
	host_facts_free(&f);
}

void watch_sysctls(struct gw_ctx *ctx)
{
	int r;

	if (!ctx->conf)
		return;
	r = bridge_forwarding(ctx, ctx->conf, ctx->plan.v6);
	if (r < 0)
		log_err("re-enabling forwarding: %s", strerror(-r));
	else if (r > 0)
		log_warnx("forwarding was turned off by someone else; turned it on again "
			  "(guests had no way out)");
}
