/* The run-time watch. rtnetlink events (links, addresses, routes) wake the
 * event loop; each time, the host is read afresh and diffed with the plan
 * in force (gw_diff_host(), pure), and this file carries out what the diff
 * says:
 * - the map port_nets in the bridge table follows the bridges' ports, so
 *   the backstop's forward rules know which frames belong to which network;
 * - a port that is not a guest port (someone ran `ip link set eth0 master
 *   gw0`) stops DHCP and RA on that network at once, loudly, until it
 *   leaves; then they resume by themselves;
 * - a subnet that starts to overlap an address or route (a VPN coming up)
 *   is warned about, naming both;
 * - what someone else undid is redone, one log line per repair: a deleted
 *   bridge (recreated, dnsmasq restarted), a bridge set down, a removed
 *   address, forwarding turned off. The nftables tables are repaired
 *   elsewhere, if at all: normally they are owned by gatewayd's socket and
 *   nobody else can touch them (see nft/commit.c and on_nft_change()). */
#include "gatewayd/core/watch.h"
#include "gatewayd/core/bgp.h"
#include "gatewayd/core/binding.h"
#include "gatewayd/core/bridge.h"
#include "gatewayd/core/diff.h"
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
}

static int ports_of(const struct host_facts *f, const char *bridge, char (**out)[IFNAMSIZ],
		    size_t *n)
{
	const struct host_link *br = host_link_by_name(f, bridge);

	*n = 0;
	*out = calloc(f->n_links ? f->n_links : 1, IFNAMSIZ);
	if (!*out)
		return -1;
	for (size_t i = 0; br && i < f->n_links; i++)
		if (f->links[i].master == br->ifindex && !hostcheck_test_port(f->links[i].ifindex))
			memcpy((*out)[(*n)++], f->links[i].name, IFNAMSIZ);
	return 0;
}

/* The bridge table's map port -> ports_NET follows every guest bridge's
 * ports. One transaction rewrites the whole map when any network's ports
 * changed: a port that moves from one bridge to another is never in the
 * map twice, and no frame sees it half done. */
static void sync_ports(struct gw_ctx *ctx, const struct host_facts *f)
{
	const struct gw_conf *conf = ctx->conf;
	char(**ports)[IFNAMSIZ] = calloc(conf->n_networks, sizeof(*ports)), err[512];
	size_t *np = calloc(conf->n_networks, sizeof(*np)), total = 0, k = 0;
	struct nft_elem *elems = NULL;
	bool changed = false;

	if (!ports || !np)
		goto out;
	for (size_t i = 0; i < conf->n_networks; i++) {
		const struct gw_net_rt *rt = &ctx->nets[i];

		if (ports_of(f, conf->networks[i].bridge, &ports[i], &np[i]) < 0)
			goto out;
		total += np[i];
		changed |= np[i] != rt->n_ports ||
			   (np[i] && memcmp(ports[i], rt->ports, np[i] * IFNAMSIZ));
	}
	if (!changed)
		goto out;
	if (!(elems = calloc(total ? total : 1, sizeof(*elems))))
		goto out;
	for (size_t i = 0; i < conf->n_networks; i++)
		for (size_t p = 0; p < np[i]; p++, k++) {
			memcpy(elems[k].key.ifname, ports[i][p], IFNAMSIZ);
			nft_ports_chain_name(&conf->networks[i], elems[k].chain, NFT_NAME_MAX);
		}
	if (nft_set_ports(ctx->nft, elems, total, err, sizeof(err)) < 0) {
		log_warnx("watch: %s", err);
		goto out;
	}
	log_debug("map %s now holds %zu port%s", NFT_PORTS_MAP, total, total == 1 ? "" : "s");
	for (size_t i = 0; i < conf->n_networks; i++) {
		free(ctx->nets[i].ports);
		ctx->nets[i].ports = ports[i];
		ctx->nets[i].n_ports = np[i];
		ports[i] = NULL;
	}
out:
	for (size_t i = 0; ports && i < conf->n_networks; i++)
		free(ports[i]);
	free(ports);
	free(np);
	free(elems);
}

static void check_guard(const struct gw_network *n, struct gw_net_rt *rt,
			const struct host_link *bad)
{
	if (bad && !rt->tripped[0]) {
		memcpy(rt->tripped, bad->name, IFNAMSIZ);
		snprintf(rt->last_error, sizeof(rt->last_error),
			 "port %s (kind \"%s\") is not a guest port: DHCP and RA stopped",
			 bad->name, bad->kind[0] ? bad->kind : "physical");
		/* SIGTERM now; the loop reaps it (and SIGKILLs it if it lingers) */
		dnsmasq_stop_begin(rt->dnsmasq);
		ra_iface_pause(rt->ra);
		log_err("network \"%s\": port %s (kind \"%s\") joined bridge %s and is not a guest "
			"port: DHCP and router advertisements STOPPED on this network until it "
			"leaves (ip link set %s nomaster)",
			n->name, bad->name, bad->kind[0] ? bad->kind : "physical", n->bridge,
			bad->name);
	} else if (bad && strcmp(rt->tripped, bad->name)) {
		memcpy(rt->tripped, bad->name, IFNAMSIZ);
	} else if (!bad && rt->tripped[0]) {
		log_info("network \"%s\": port %s left bridge %s; DHCP and router advertisements "
			 "resume",
			 n->name, rt->tripped, n->bridge);
		rt->tripped[0] = '\0';
		if (rt->dnsmasq && !rt->refused && dnsmasq_start(rt->dnsmasq) < 0)
			log_err("network \"%s\": restarting dnsmasq failed", n->name);
		ra_iface_resume(rt->ra);
	}
}

static void on_watch_again(void *arg)
{
	struct gw_ctx *ctx = arg;
	unsigned what = ctx->watch_again;

	ctx->watch_again = 0;
	if (what & WATCH_LINKS)
		watch_links(ctx);
	if (what & WATCH_ADDRS)
		watch_addrs(ctx);
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
	char err[512];

	if (bridge_up(ctx, ctx->conf, n, rt, err, sizeof(err)) < 0) {
		log_err("network \"%s\": repairing bridge %s failed: %s", n->name, n->bridge, err);
		return;
	}
	if (gone) {
		struct rtnl_link nb, port;
		size_t back = 0;

		/* Its ports fell off with it: plug back those we knew that
		 * still exist and are free. */
		if (rtnl_link_get(ctx->rtnl, n->bridge, &nb) == 0)
			for (size_t k = 0; k < rt->n_ports; k++)
				if (rtnl_link_get(ctx->rtnl, rt->ports[k], &port) == 0 &&
				    !port.master &&
				    rtnl_link_set_master(ctx->rtnl, port.ifindex, nb.ifindex) ==
					    0 &&
				    rtnl_link_set_up(ctx->rtnl, port.ifindex) == 0)
					back++;
		/* dnsmasq's DHCP socket was bound to the old device. */
		log_warnx("network \"%s\": bridge %s was deleted; recreated it with its addresses, "
			  "put back %zu of its %zu ports and restarted dnsmasq",
			  n->name, n->bridge, back, rt->n_ports);
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

/* Read the host and diff it with the plan in force. */
static int host_diff(struct gw_ctx *ctx, struct host_facts *f, struct gw_host_diff *hd,
		     unsigned what)
{
	int r;

	if ((r = read_facts(ctx, f, what)) < 0)
		return r;
	if ((r = gw_diff_host(&ctx->plan, f, hd)) < 0)
		host_facts_free(f);
	return r;
}

void watch_links(struct gw_ctx *ctx)
{
	struct gw_host_diff hd;
	struct host_facts f;
	bool repaired = false;

	if (!ctx->conf || !ctx->nets || host_diff(ctx, &f, &hd, WATCH_LINKS) < 0)
		return;
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		if (hd.repair[i] & (GR_BRIDGE_GONE | GR_BRIDGE_DOWN)) {
			repair_bridge(ctx, i, hd.repair[i] & GR_BRIDGE_GONE);
			repaired = true;
		}
	if (repaired) {
		gw_host_diff_release(&hd);
		host_facts_free(&f);
		if (host_diff(ctx, &f, &hd, WATCH_LINKS) < 0)
			return;
	}
	/* a tap that took a guest's MAC takes its frames: off the bridge first */
	taps_mac_guard(ctx, &f);
	/* Guard first: stopping DHCP is the urgent part. */
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		check_guard(&ctx->conf->networks[i], &ctx->nets[i], hd.foreign[i]);
	bgp_update(ctx); /* a tripped guard withdraws its network */
	sync_ports(ctx, &f);
	binding_sync(ctx, &f);
	gw_host_diff_release(&hd);
	host_facts_free(&f);
}

void watch_addrs(struct gw_ctx *ctx)
{
	struct gw_host_diff hd;
	struct host_facts f;
	char msg[256];

	if (!ctx->conf || !ctx->nets || host_diff(ctx, &f, &hd, WATCH_ADDRS) < 0)
		return;
	for (size_t i = 0; i < ctx->conf->n_networks; i++) {
		const struct gw_network *n = &ctx->conf->networks[i];
		struct gw_net_rt *rt = &ctx->nets[i];

		if ((hd.repair[i] & GR_ADDR_MISSING) && !(hd.repair[i] & GR_BRIDGE_GONE)) {
			if (bridge_up(ctx, ctx->conf, n, rt, msg, sizeof(msg)) < 0)
				log_err("network \"%s\": re-adding addresses: %s", n->name, msg);
			else
				log_warnx("network \"%s\": an address of bridge %s was removed; "
					  "added it again",
					  n->name, n->bridge);
		}
		if (hostcheck_collides(ctx->conf, n, &f, msg, sizeof(msg))) {
			if (strcmp(msg, rt->collision))
				log_err("%s: guests' traffic to it will be misrouted; move the "
					"network or remove the overlap",
					msg);
			snprintf(rt->collision, sizeof(rt->collision), "%s", msg);
		} else if (rt->collision[0]) {
			log_info("network \"%s\": overlap gone (%s)", n->name, rt->collision);
			rt->collision[0] = '\0';
		}
	}
	gw_host_diff_release(&hd);
	host_facts_free(&f);
}

/* Transitional: the whole host again, whatever changed. */
void watch_host(struct gw_ctx *ctx, const struct host_change *ch)
{
	if (ch->all || ch->netconf)
		watch_sysctls(ctx);
	if (ch->all || ch->n_links)
		watch_links(ctx);
	if (ch->all || ch->n_addrs || ch->n_routes)
		watch_addrs(ctx);
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
