/* The daemon's context and the event sources it owns from the start: the
 * rtnetlink monitor (links, addresses, forwarding: each batch of events
 * brings the host snapshot up to date once -- host/snapshot.c -- then
 * watch.c and taps.c act on what changed), the nftables monitor where the
 * kernel cannot own our tables (someone else's flush is undone), and the
 * resolv.conf watch (every dnsmasq re-reads its upstream servers). */
#include "gatewayd/core/apply.h"
#include "gatewayd/core/shaping.h"
#include "gatewayd/core/binding.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/core/names.h"
#include "gatewayd/core/taps.h"
#include "gatewayd/core/watch.h"
#include "dhcp/supervisor.h"
#include "lib/log.h"
#include "gatewayd/host/rtnl.h"
#include "gatewayd/host/snapshot.h"
#include "lib/nl.h"
#include "nft/commit.h"
#include "nft/monitor.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void snap_later(struct gw_ctx *ctx);
static bool host_batch(struct gw_ctx *ctx, int fd, bool taps);
static void snap_check_later(struct gw_ctx *ctx);

/* Test hook: once the events stop (SNAP_CHECK_MS after the last), the
 * snapshot kept from them is compared with a fresh read of the host, and
 * the log says whether they agree (t_snapshot.sh makes the kernel's every
 * kind of event). The kernel announces some changes a little after a
 * read shows them (a deleted bridge's): a check in between may differ,
 * the one after the next event may not. */
#define SNAP_CHECK_MS 300

static void on_snap_check(void *arg)
{
	struct gw_ctx *ctx = arg;
	const struct host_facts *f;
	char msg[256];
	int r;

	/* what is queued first: the check is of a snapshot up to date */
	if (host_batch(ctx, ctx->monitor_fd, true)) {
		snap_check_later(ctx); /* again once those stop */
		return;
	}
	if (!ctx->snap)
		return;
	f = host_snap_facts(ctx->snap);
	if ((r = host_snap_check(ctx->snap, msg, sizeof(msg))) < 0)
		log_warnx("snapshot: check: reading the host: %s", strerror(-r));
	else if (r)
		log_warnx("snapshot: differs from the host: %s", msg);
	else
		log_info("snapshot: matches the host (%zu links, %zu addresses, %zu routes)",
			 f->n_links, f->n_addrs, f->n_routes);
}

static void snap_check_later(struct gw_ctx *ctx)
{
	if (ctx->snap_check) /* made at start when the test asks */
		eloop_timer_arm(ctx->snap_check, SNAP_CHECK_MS);
}

/* Bring ctx->snap up to date with what the monitor holds (fd), or read it
 * in full (fd -1, or no snapshot yet): ch says what changed. */
static int snap_update(struct gw_ctx *ctx, int fd, struct host_change *ch)
{
	memset(ch, 0, sizeof(*ch));
	if (ctx->snap && fd >= 0)
		return host_snap_drain(ctx->snap, fd, ch);
	if (ctx->snap)
		return host_snap_reread(ctx->snap, ch);
	/* none yet (the first read failed): what is queued is in the read */
	if (fd >= 0)
		nl_monitor_drain_fd(fd, NULL, NULL);
	ch->all = ch->netconf = true;
	return host_snap_new(ctx->rtnl, &ctx->snap);
}

/* One batch: the snapshot brought up to date once, then the watch acts on
 * what changed (and the taps, when links did and taps is set). A snapshot
 * that could not be read is read again shortly, whether or not another
 * event comes (never a busy loop). True if anything changed. */
static bool host_batch(struct gw_ctx *ctx, int fd, bool taps)
{
	struct host_change ch;
	int r = snap_update(ctx, fd, &ch);
	bool changed;

	if (r < 0) {
		if (r == -EINTR)
			log_debug("rtnetlink: the host kept changing while read; reading it again "
				  "in %u ms",
				  WATCH_AGAIN_MS);
		else
			log_warnx("rtnetlink: reading links, addresses and routes: %s; reading "
				  "them again in %u ms",
				  strerror(-r), WATCH_AGAIN_MS);
		snap_later(ctx);
		host_change_release(&ch);
		return true;
	}
	if (ch.lost)
		log_debug("rtnetlink: monitor lost events (receive queue overflowed): the host "
			  "was read again in full; checking bridges, ports, addresses and "
			  "forwarding");
	else if (ch.all)
		log_debug("rtnetlink: host read in full: checking bridges, ports, addresses and "
			  "forwarding");
	else
		log_debug("rtnetlink: %zu link%s, %zu address%s, %zu route%s changed%s", ch.n_links,
			  ch.n_links == 1 ? "" : "s", ch.n_addrs, ch.n_addrs == 1 ? "" : "es",
			  ch.n_routes, ch.n_routes == 1 ? "" : "s",
			  ch.netconf ? ", and forwarding" : "");
	changed = ch.all || ch.netconf || ch.n_links || ch.n_addrs || ch.n_routes;
	watch_host(ctx, &ch);
	if (taps && (ch.all || ch.n_links))
		taps_watch(ctx, host_snap_facts(ctx->snap), &ch); /* our taps and attached ports */
	host_change_release(&ch);
	return changed;
}

static void on_snap_again(void *arg)
{
	host_batch(arg, -1, true);
}

static void snap_later(struct gw_ctx *ctx)
{
	if (!ctx->snap_timer &&
	    eloop_timer_new(ctx->loop, on_snap_again, ctx, &ctx->snap_timer) < 0)
		return;
	eloop_timer_arm(ctx->snap_timer, WATCH_AGAIN_MS);
}

static void on_monitor(int fd, uint32_t events, void *arg)
{
	(void)events;
	host_batch(arg, fd, true);
	snap_check_later(arg);
}

void gw_ctx_host_resync(struct gw_ctx *ctx)
{
	if (ctx->snap_timer)
		eloop_timer_disarm(ctx->snap_timer);
	host_batch(ctx, -1, false);
	snap_check_later(ctx);
}

/* resolv.conf named other servers: every dnsmasq re-reads them. */
void gw_ctx_upstream_changed(void *arg)
{
	struct gw_ctx *ctx = arg;

	for (size_t i = 0; ctx->conf && ctx->nets && i < ctx->conf->n_networks; i++)
		dnsmasq_reload(ctx->nets[i].dnsmasq);
}

/* Someone else flushed or deleted (part of) our unowned tables: put the
 * whole ruleset back in one batch, and refill the ports map. */
static void on_nft_change(int fd, uint32_t events, void *arg)
{
	struct gw_ctx *ctx = arg;
	int why = nft_monitor_drain(fd, nft_conn_portid(ctx->nft));
	char err[512];

	(void)events;
	if (!why || !ctx->conf || !ctx->nets)
		return;
	if (why == NFT_MON_LOST)
		log_debug("nftables: monitor lost events (receive queue overflowed): restoring "
			  "the tables whatever they hold");
	else
		log_debug("nftables: another process changed gatewayd's tables: restoring them");
	/* the plan in force is kept without its rules (nft_plan_compact) */
	struct nft_plan whole;
	int r = gw_plan_nft_rebuild(&ctx->plan, &whole);

	if (r < 0)
		snprintf(err, sizeof(err), "planning: %s", strerror(-r));
	else
		r = nft_apply_plan(ctx->nft, &whole, err, sizeof(err));
	nft_plan_release(&whole);
	if (r < 0) {
		log_err("nftables: our tables were changed by another process; restoring them "
			"failed: %s",
			err);
		return;
	}
	log_warnx("nftables: another process changed gatewayd's tables (or their events were "
		  "lost); restored them whole");
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		watch_net_release(&ctx->nets[i]);
	gw_ctx_host_resync(ctx);
}

void gw_ctx_watch_nft(struct gw_ctx *ctx)
{
	log_warnx("this kernel has no NFT_TABLE_F_PERSIST (Linux < 6.9): gatewayd's tables "
		  "are not owned, so that guests' connections survive a crash of gatewayd; it "
		  "restores them when another process removes them");
	ctx->nft_monitor_fd = nft_monitor_open();
	if (ctx->nft_monitor_fd < 0 ||
	    eloop_add_fd(ctx->loop, ctx->nft_monitor_fd, on_nft_change, ctx) < 0)
		log_warnx("nftables: cannot watch for changes to our tables: %s",
			  strerror(ctx->nft_monitor_fd < 0 ? -ctx->nft_monitor_fd : errno));
}

int gw_ctx_new(struct eloop *loop, struct gw_ctx **out)
{
	struct gw_ctx *ctx = calloc(1, sizeof(*ctx));
	int r;

	if (!ctx)
		return -ENOMEM;
	ctx->loop = loop;
	ctx->monitor_fd = ctx->nft_monitor_fd = -1;
	if ((r = rtnl_open(&ctx->rtnl)) < 0 || (r = nft_conn_open(&ctx->nft)) < 0)
		goto fail;
	/* Subscribe before the first apply: nothing that happens after it
	 * can be missed. */
	if ((r = ctx->monitor_fd = rtnl_monitor_open()) < 0 ||
	    (r = eloop_add_fd(loop, ctx->monitor_fd, on_monitor, ctx)) < 0)
		goto fail;
	if (getenv("GATEWAYD_TEST_SNAP_CHECK") &&
	    !strcmp(getenv("GATEWAYD_TEST_SNAP_CHECK"), "1") &&
	    eloop_timer_new(loop, on_snap_check, ctx, &ctx->snap_check) < 0)
		ctx->snap_check = NULL;
	/* Then the host as it is; the events queued meanwhile are applied on
	 * top (each says what its object is now). Read again later if the
	 * host keeps changing under the read. */
	if ((r = host_snap_new(ctx->rtnl, &ctx->snap)) < 0) {
		log_debug("rtnetlink: first read of the host: %s; again in %u ms", strerror(-r),
			  WATCH_AGAIN_MS);
		snap_later(ctx);
	}
	*out = ctx;
	return 0;
fail:
	gw_ctx_free(ctx);
	return r;
}

void gw_ctx_free(struct gw_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->monitor_fd >= 0) {
		eloop_remove_fd(ctx->loop, ctx->monitor_fd);
		close(ctx->monitor_fd);
	}
	if (ctx->nft_monitor_fd >= 0) {
		eloop_remove_fd(ctx->loop, ctx->nft_monitor_fd);
		close(ctx->nft_monitor_fd);
	}
	shaping_free(ctx->shaping);
	rtnl_close(ctx->rtnl);
	nft_conn_close(ctx->nft);
	gw_plan_release(&ctx->plan);
	eloop_timer_free(ctx->watch_timer);
	eloop_timer_free(ctx->snap_timer);
	eloop_timer_free(ctx->snap_check);
	host_snap_free(ctx->snap);
	binding_free(ctx->binding);
	taps_free(ctx->taps);
	names_free(ctx->names);
	ra_router_free(ctx->ra);
	free(ctx->nets);
	free(ctx);
}
