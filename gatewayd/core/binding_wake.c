/* Guest binding's wake-ups and life (the sync itself is binding.c's):
 * the settle timer that gathers dnsmasq's writes before a sync, the pace
 * new neighbours are synced at, inotify on state_dir naming the network
 * whose lease file changed, and the binding made at the first sync and
 * freed with the context. */
#include "gatewayd/core/binding.h"
#include "gatewayd/core/ctx.h"
#include "lib/log.h"
#include "lib/nl.h"

#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "gatewayd/core/binding_int.h"

uint64_t binding_pace(const struct gw_binding *b)
{
	uint64_t since = eloop_now_ms() - b->last_sync;

	return since >= BINDING6_GAP_MS ? BINDING_SETTLE_MS : BINDING6_GAP_MS - since;
}

uint64_t binding_settle_delay(uint64_t now, uint64_t *unsynced, uint64_t ms)
{
	return eloop_settle_ms(now, unsynced, ms, BINDING_SETTLE_MAX_MS);
}

void binding_settle(struct gw_binding *b, uint64_t ms)
{
	if (b->settle)
		eloop_timer_arm(b->settle, binding_settle_delay(eloop_now_ms(), &b->unsynced, ms));
}

static void on_settle(void *arg)
{
	struct gw_binding *b = arg;

	if (b->ctx->conf)
		binding_do_sync(b, false);
}

static void on_inotify(int fd, uint32_t events, void *arg)
{
	struct gw_binding *b = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool leases = false;
	ssize_t len;
	long i;

	(void)events;
	while ((len = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			size_t nl = ev->len ? strlen(ev->name) : 0;

			/* the network whose lease file it is, only */
			if (nl && b->ctx->conf &&
			    (i = binding_lease_net(b->ctx->conf, ev->name)) >= 0) {
				binding_dirty(b, (size_t)i);
				leases = true;
			}
			p += sizeof(*ev) + ev->len;
		}
	if (leases)
		binding_settle(b, BINDING_SETTLE_MS);
}

static void watch_dir(struct gw_binding *b, const char *dir)
{
	if (b->ifd < 0 || !strcmp(b->dir, dir))
		return;
	if (b->wd >= 0)
		inotify_rm_watch(b->ifd, b->wd);
	snprintf(b->dir, sizeof(b->dir), "%s", dir);
	b->wd = inotify_add_watch(
		b->ifd, dir, IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ONLYDIR);
	if (b->wd < 0)
		log_warn("guest binding: watching %s (lease changes will be seen only when links "
			 "change)",
			 dir);
}

static struct gw_binding *binding_new(struct gw_ctx *ctx)
{
	struct gw_binding *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->ctx = ctx;
	b->wd = -1;
	b->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (b->ifd >= 0 && eloop_add_fd(ctx->loop, b->ifd, on_inotify, b) < 0) {
		close(b->ifd);
		b->ifd = -1;
	}
	if (b->ifd < 0)
		log_warn("guest binding: inotify (lease changes will be seen only when links "
			 "change)");
	if (eloop_timer_new(ctx->loop, on_settle, b, &b->settle) < 0)
		b->settle = NULL;
	if (nl_open(NETLINK_ROUTE, RTMGRP_NEIGH, 0, &b->mon) < 0 ||
	    eloop_add_fd(ctx->loop, nl_fd(b->mon), on_neigh, b) < 0) {
		log_warn("guest binding: neighbour events (IPv6 addresses will be bound only when "
			 "links or leases change)");
		nl_close(b->mon);
		b->mon = NULL;
	}
	return b;
}

void binding_sync(struct gw_ctx *ctx, const struct host_facts *f, bool refill)
{
	if (!ctx->conf)
		return;
	if (!ctx->binding && !(ctx->binding = binding_new(ctx)))
		return;
	watch_dir(ctx->binding, ctx->conf->state_dir);
	if (!ctx->binding->loaded)
		binding_state_load(ctx->binding, ctx->conf->state_dir);
	binding_dirty_prepare(ctx->binding);
	if (f)
		binding_ports_from(ctx->binding, ctx->conf, f);
	binding_do_sync(ctx->binding, refill);
}

void binding_free(struct gw_binding *b)
{
	if (!b)
		return;
	if (b->ifd >= 0) {
		eloop_remove_fd(b->ctx->loop, b->ifd);
		close(b->ifd);
	}
	eloop_timer_free(b->settle);
	if (b->mon)
		eloop_remove_fd(b->ctx->loop, nl_fd(b->mon));
	nl_close(b->mon);
	nets_free(b);
	free(b->dirty);
	free(b->expiry);
	free(b->waiting);
	free(b->ports);
	free(b->binds);
	nft_bind_elems_release(&b->in_force);
	free(b->state_text);
	free(b);
}
