/* The daemon's context and the event sources it owns from the start: the
 * rtnetlink monitor (links, addresses, forwarding: watch.c and taps.c
 * act on it), the nftables monitor where the kernel cannot own our tables
 * (someone else's flush is undone), and the resolv.conf watch (every
 * dnsmasq re-reads its upstream servers). */
#include "gatewayd/core/apply.h"
#include "gatewayd/core/binding.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/core/names.h"
#include "gatewayd/core/taps.h"
#include "gatewayd/core/watch.h"
#include "dhcp/supervisor.h"
#include "lib/log.h"
#include "gatewayd/host/rtnl.h"
#include "nft/commit.h"
#include "nft/monitor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_monitor(int fd, uint32_t events, void *arg)
{
	struct gw_ctx *ctx = arg;
	unsigned what = rtnl_monitor_drain(fd);

	(void)events;
	if (what & RTNL_EV_LOST)
		log_debug("rtnetlink: monitor lost events (receive queue overflowed): full resync "
			  "of links, addresses and forwarding follows");
	log_debug("rtnetlink:%s%s%s changed: checking bridges, ports, addresses and forwarding",
		  what & RTNL_EV_LINK ? " links" : "",
		  what & RTNL_EV_ADDR ? " addresses/routes" : "",
		  what & RTNL_EV_NETCONF ? " forwarding" : "");
	if (what)
		watch_host(ctx, &(struct host_change){ .netconf = (what & RTNL_EV_NETCONF) != 0 });
	if (what & RTNL_EV_LINK)
		taps_watch(ctx); /* our taps and attached ports */
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
	if (nft_apply_plan(ctx->nft, &ctx->plan.nft, err, sizeof(err)) < 0) {
		log_err("nftables: our tables were changed by another process; restoring them "
			"failed: %s",
			err);
		return;
	}
	log_warnx("nftables: another process changed gatewayd's tables (or their events were "
		  "lost); restored them whole");
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		watch_net_release(&ctx->nets[i]);
	watch_links(ctx);
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
	rtnl_close(ctx->rtnl);
	nft_conn_close(ctx->nft);
	gw_plan_release(&ctx->plan);
	eloop_timer_free(ctx->watch_timer);
	binding_free(ctx->binding);
	taps_free(ctx->taps);
	names_free(ctx->names);
	free(ctx->nets);
	free(ctx);
}
