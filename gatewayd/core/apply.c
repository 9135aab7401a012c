/* Apply and take down: execute a diff (core/diff.c) between the desired
 * state in force and a new one. Order: every check that can refuse (the
 * preflight, the plan) before the first change; then the changes that can
 * fail -- sysctls, QEMU's ACL, the nftables change in one transaction --
 * with the first two put back if a later one fails (a reload changes
 * nothing or all); then dnsmasqs that go, bridges that go, bridges that
 * come, dnsmasqs that come (serve.c). Stop is the reverse of everything. */
#include "gatewayd/core/apply.h"
#include "gatewayd/core/apply_int.h"
#include "gatewayd/core/shaping.h"
#include "gatewayd/core/bridge.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/core/diff.h"
#include "gatewayd/core/bgp.h"
#include "gatewayd/core/names.h"
#include "gatewayd/core/qemu_acl.h"
#include "gatewayd/core/static_hosts.h"
#include "gatewayd/core/forwards_rt.h"
#include "gatewayd/core/taps.h"
#include "gatewayd/core/watch.h"
#include "dhcp/supervisor.h"
#include "dhcp/upstream.h"
#include "gatewayd/host/hostcheck.h"
#include "lib/log.h"
#include "gatewayd/host/preflight.h"
#include "gatewayd/host/rtnl.h"
#include "lib/state.h"
#include "gatewayd/host/sysctl.h"
#include "nft/commit.h"
#include "nft/feature.h"
#include "nft/inspect.h"
#include "nft/monitor.h"
#include "nft/plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The sysctls the plan needs: forwarding, and accept_ra = 2 on uplinks
 * that need it (the one change gatewayd makes to an uplink; recorded,
 * restored). With u (a reload), what is written is noted there, so that
 * a step failing later puts it back. */
static int ensure_sysctls(struct gw_ctx *ctx, const struct gw_plan *p, struct sysctl_undo *u,
			  char *err, size_t errlen)
{
	char path[GW_PATH_MAX + 32], key[128];
	int r;

	state_path(p->conf->state_dir, STATE_SYSCTL, path, sizeof(path));
	for (size_t i = 0; i < p->conf->n_networks; i++) {
		if (!p->nets[i].fix_accept_ra)
			continue;
		snprintf(key, sizeof(key), "net/ipv6/conf/%s/accept_ra", p->nets[i].uplink);
		if ((r = sysctl_ensure_undo(&ctx->sysctls, SYSCTL_ROOT, key, "2", path, u)) < 0)
			return fmt_errno(err, errlen, r, "setting %s = 2: %s", key, strerror(-r));
		if (r > 0)
			log_warnx("network \"%s\": set accept_ra = 2 on uplink %s (fix_accept_ra), "
				  "so it keeps its RA-learned IPv6 routes with forwarding on",
				  p->conf->networks[i].name, p->nets[i].uplink);
	}
	if ((r = bridge_forwarding_undo(ctx, p->conf, p->v6, u)) < 0)
		return fmt_errno(err, errlen, r, "enabling forwarding: %s", strerror(-r));
	return 0;
}

static void sysctl_skipped(const struct sysctl_rec *rec, const char *now)
{
	log_warnx("sysctl %s is now %s, not the %s gatewayd set: leaving it (original was %s)",
		  rec->key, now, rec->written, rec->orig);
}

static int dirs_make(const struct gw_conf *conf, char *err, size_t errlen)
{
	int r = state_dir_make("state_dir", conf->state_dir, 0700, err, errlen);

	return r < 0 ? r : state_dir_make("run_dir", conf->run_dir, 0755, err, errlen);
}

/* A gatewayd killed during doctor leaves its test ports (veths named
 * GW_TEST_PORT_PREFIX + 6 hex digits, and their peers, that name + "p"):
 * ours by the pair's names and shape (hostcheck_test_port_left()). */
static void test_ports_remove(struct gw_ctx *ctx)
{
	struct host_facts f;

	if (rtnl_read_facts(ctx->rtnl, &f) < 0)
		return;
	for (size_t i = 0; i < f.n_links; i++)
		if (hostcheck_test_port_left(&f, &f.links[i]) &&
		    rtnl_link_del(ctx->rtnl, f.links[i].ifindex) == 0)
			log_info("removed test port %s left by an earlier gatewayd's doctor",
				 f.links[i].name);
	host_facts_free(&f);
}

/* Global keys a running gatewayd cannot take over: the lock, the control
 * socket and the record of what it created live there. */
static int reload_globals_check(const struct gw_conf *old, const struct gw_conf *conf, char *err,
				size_t errlen)
{
	static const struct {
		const char *key;
		size_t off;
	} fixed[] = {
		{ "run_dir", offsetof(struct gw_conf, run_dir) },
		{ "state_dir", offsetof(struct gw_conf, state_dir) },
	};

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		const char *a = (const char *)old + fixed[i].off,
			   *b = (const char *)conf + fixed[i].off;

		if (strcmp(a, b))
			return fmt_err(err, errlen,
				       "%s: %s changed from \"%s\" to \"%s\": a running gatewayd "
				       "cannot move it (it holds the lock, the control socket and "
				       "the record of what gatewayd created); restart gatewayd to "
				       "use it",
				       conf->path, fixed[i].key, a, b);
	}
	return 0;
}

/* Preflight, then the plan: every check that can refuse, and nothing
 * changed yet but directories and a first auto-subnet choice. Takes conf
 * on success only. */
static int plan_new(struct gw_ctx *ctx, struct gw_conf *conf, struct gw_plan *out, char *err,
		    size_t errlen)
{
	struct preflight pf = { 0 };
	int r;

	if ((r = preflight_new(conf, &pf)) < 0)
		return fmt_errno(err, errlen, r, "out of memory");
	pf.running = ctx->conf; /* NULL at start */
	pf.rtnl = ctx->rtnl;
	pf.own = &ctx->own;
	if ((r = preflight_check(&pf, err, errlen)) >= 0 &&
	    (r = dirs_make(conf, err, errlen)) >= 0) {
		static_hosts_merge(pf.conf); /* gatewayctl qemu-args --static */
		forwards_rt_merge(pf.conf);  /* gatewayctl forward add */
		if ((r = gw_plan_build(conf, &pf, ctx->bridge_meta, out)) < 0)
			fmt_errno(err, errlen, r, "planning: %s", strerror(-r));
	}
	preflight_release(&pf);
	return r;
}

/* This boot's kernel has no bridge meta: known from an earlier start's
 * probe (run_dir/RUN_NO_BRIDGE_META: "boot ID"). The probe's refused
 * transaction waits for an RCU grace period, and the links gatewayd
 * creates meanwhile wait with it (a bridge: 0.4 ms alone, 7 ms beside the
 * probe, measured here): a restart in the same boot does not ask again.
 * Only "no" is kept: the port-set form is valid on every kernel, so a
 * stale or forged record costs nothing but the form, and a kernel with
 * bridge meta answers its probe without that wait (no abort). */
#define RUN_NO_BRIDGE_META "no-bridge-meta"

static bool no_bridge_meta_known(const struct gw_conf *conf)
{
	char path[GW_PATH_MAX + 32], line[64], id[40];
	bool known = false;
	FILE *f;

	state_path(conf->run_dir, RUN_NO_BRIDGE_META, path, sizeof(path));
	if (!(f = fopen(path, "re")))
		return false;
	state_boot_id(id);
	if (id[0] && fgets(line, sizeof(line), f) && !strncmp(line, "boot ", 5)) {
		line[strcspn(line, "\n")] = '\0';
		known = !strcmp(line + 5, id);
	}
	fclose(f);
	return known;
}

static int boot_fill(FILE *f, void *arg)
{
	char id[40];

	(void)arg;
	state_boot_id(id);
	fprintf(f, "boot %s\n", id);
	return 0;
}

/* The probe's answer, before the first commit: the plan's rules made again
 * for a kernel with bridge meta. Until then nothing used them. known: the
 * answer "no" came from this boot's record, not from a probe. */
static int backstop_settle(struct gw_ctx *ctx, struct nft_probe *probe, bool known, char *err,
			   size_t errlen)
{
	char path[GW_PATH_MAX + 32];
	struct nft_plan nft;
	int r, answer = nft_bridge_meta_probe_wait(probe);

	ctx->bridge_meta = answer > 0;
	log_info("backstop mode: %s%s", nft_backstop_mode(ctx->bridge_meta),
		 known ? " (no bridge meta in this kernel: known since this boot's first start)"
		       : "");
	state_path(ctx->conf->run_dir, RUN_NO_BRIDGE_META, path, sizeof(path));
	if (!known && answer == 0 && (r = state_file_write(path, 0644, boot_fill, NULL)) < 0)
		log_warnx("%s: %s; the next start probes again", path, strerror(-r));
	if (ctx->bridge_meta == ctx->plan.bridge_meta)
		return 0;
	ctx->plan.bridge_meta = ctx->bridge_meta;
	if ((r = gw_plan_nft_rebuild(&ctx->plan, &nft)) < 0)
		return fmt_errno(err, errlen, r, "building the nftables plan: %s", strerror(-r));
	nft_plan_release(&ctx->plan.nft);
	ctx->plan.nft = nft;
	return 0;
}

int apply_start(struct gw_ctx *ctx, struct gw_conf *conf, char *err, size_t errlen)
{
	struct nft_probe probe;
	struct gw_plan plan;
	struct gw_diff d = { 0 };
	char path[GW_PATH_MAX + 32];
	bool known;
	int r, q;

	test_ports_remove(ctx);
	/* our ports are known to the guard before the preflight looks */
	if ((r = taps_load(ctx, conf)) < 0)
		return fmt_errno(err, errlen, r, "out of memory");
	if ((r = taps_check(ctx, conf, err, errlen)) < 0)
		return r;
	/* Asked once: the answer shapes the backstop in every plan. Asked
	 * beside the start's own work (the kernel's answer takes a grace
	 * period); the plan is made for a kernel without bridge meta and its
	 * rules made again before the first commit if the kernel has it. */
	if ((known = no_bridge_meta_known(conf)))
		probe = (struct nft_probe){ .answer = 0, .running = false };
	else
		nft_bridge_meta_probe_start(&probe);
	ctx->bridge_meta = false;
	if ((r = plan_new(ctx, conf, &plan, err, errlen)) < 0) {
		nft_bridge_meta_probe_wait(&probe);
		return r;
	}
	/* From here ctx holds the plan; the caller still owns conf on failure. */
	ctx->plan = plan;
	ctx->conf = plan.conf;
	if (!(ctx->nets = calloc(plan.conf->n_networks + 1, sizeof(*ctx->nets))) ||
	    gw_diff_plans(NULL, &plan, NULL, &d) < 0) {
		r = fmt_errno(err, errlen, -ENOMEM, "out of memory");
		goto fail;
	}
	/* Originals recorded by a crashed instance are still the originals. */
	state_path(conf->state_dir, STATE_SYSCTL, path, sizeof(path));
	sysctl_state_load(path, &ctx->sysctls);
	if ((r = ensure_sysctls(ctx, &plan, NULL, err, errlen)) < 0 ||
	    (r = qemu_acl_sync(plan.conf, err, errlen)) < 0)
		goto fail;
	/* From nothing: the "old" state has no networks. */
	ctx->plan = (struct gw_plan){ 0 };
	r = apply_diff_run(ctx, &plan, &d, NULL, ctx->nets, true, err, errlen);
	ctx->plan = plan;
	if ((q = backstop_settle(ctx, &probe, known, err, errlen)) < 0 && r >= 0)
		r = q;
	plan = ctx->plan;
	if (r < 0 || (r = apply_diff_nft(ctx, &plan, &d, err, errlen)) < 0)
		goto fail;
	nft_plan_compact(&ctx->plan.nft); /* the kernel has the rules (ENOMEM: kept) */
	if (!nft_conn_owned(ctx->nft) && ctx->nft_monitor_fd < 0)
		gw_ctx_watch_nft(ctx);
	taps_apply(ctx);
	gw_ctx_host_resync(ctx); /* fill the ports map */
	if ((r = resolv_watch_new(ctx->loop, conf->run_dir, gw_ctx_upstream_changed, ctx,
				  &ctx->resolv)) < 0) {
		r = fmt_errno(err, errlen, r, "writing %s/%s: %s", conf->run_dir, UPSTREAM_FILE,
			      strerror(-r));
		goto fail;
	}
	if ((r = apply_diff_dhcp(ctx, &d, true, err, errlen)) < 0)
		goto fail;
	bgp_update(ctx);
	names_sync(ctx);
	gw_diff_release(&d);
	return 0;
fail:
	nft_bridge_meta_probe_wait(&probe); /* answered already, or its thread joined */
	gw_diff_release(&d);
	if (ctx->nets)
		apply_stop(ctx);
	ctx->plan.parsed = NULL; /* the caller's */
	gw_plan_release(&ctx->plan);
	ctx->conf = NULL;
	return r;
}

void apply_stop(struct gw_ctx *ctx)
{
	const struct gw_conf *conf = ctx->conf;
	char err[512], path[GW_PATH_MAX + 32];
	struct links_del del = { 0 };

	if (!conf || !ctx->nets)
		return;
	bgp_stop(ctx); /* BIRD withdraws first: nothing routed to what goes */
	for (size_t i = 0; i < conf->n_networks; i++)
		dnsmasq_stop_begin(ctx->nets[i].dnsmasq);
	for (size_t i = 0; i < conf->n_networks; i++)
		apply_dhcp_down(conf, &conf->networks[i], &ctx->nets[i]);
	apply_dhcp_retired_free(ctx);
	shaping_stop(ctx);    /* qdiscs on what stays, its IFB devices */
	taps_stop(ctx, &del); /* the taps it made go with the bridges */
	resolv_watch_free(ctx->resolv);
	ctx->resolv = NULL;
	if (nft_remove_table(ctx->nft, err, sizeof(err)) < 0)
		log_warnx("%s", err);
	for (size_t i = 0; i < conf->n_networks; i++) {
		bridge_down(ctx, conf, &conf->networks[i], &ctx->nets[i], &del);
		watch_net_release(&ctx->nets[i]);
	}
	links_del_run(ctx->rtnl, conf->state_dir, &del, "");
	state_path(conf->state_dir, STATE_SYSCTL, path, sizeof(path));
	sysctl_restore(&ctx->sysctls, SYSCTL_ROOT, path, sysctl_skipped);
	if (qemu_acl_remove(conf->state_dir, err, sizeof(err)) < 0)
		log_warnx("%s", err);
	free(ctx->nets);
	ctx->nets = NULL;
}

/* The diff changes map and set elements only: no network comes, goes or
 * changes, no chain or table is made, rewritten or removed (a run-time
 * port forward). The host then holds nothing new to read again. */
static bool diff_elements_only(const struct gw_diff *d)
{
	const struct nft_update *u = &d->nft;

	if (u->replace || u->ports_rewrite || u->n_add_chains || u->n_del_chains || u->n_refill)
		return false;
	for (size_t i = 0; i < d->n; i++)
		if (d->nets[i].act || d->nets[i].old_idx < 0 || d->nets[i].new_idx < 0)
			return false;
	return true;
}

static int reload(struct gw_ctx *ctx, struct gw_conf *conf, bool elements, char *err,
		  size_t errlen);

int apply_reload(struct gw_ctx *ctx, struct gw_conf *conf, char *err, size_t errlen)
{
	return reload(ctx, conf, false, err, errlen);
}

int apply_reload_running(struct gw_ctx *ctx, bool elements, char *err, size_t errlen)
{
	struct gw_conf *c = conf_dup(ctx->plan.parsed);
	int r;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if ((r = reload(ctx, c, elements, err, errlen)) < 0)
		conf_free(c);
	return r;
}

/* elements: a run-time change (apply_reload_elements) */
static int reload(struct gw_ctx *ctx, struct gw_conf *conf, bool elements, char *err, size_t errlen)
{
	size_t n_old = ctx->conf->n_networks;
	struct gw_net_rt *rts = NULL;
	struct gw_diff d = { 0 };
	struct sysctl_undo undo;
	bool *redo = NULL;
	struct gw_plan plan;
	bool acl = false, sysctls = false;
	int r;

	if ((r = reload_globals_check(ctx->conf, conf, err, errlen)) < 0 ||
	    (r = taps_check(ctx, conf, err, errlen)) < 0 ||
	    (r = plan_new(ctx, conf, &plan, err, errlen)) < 0)
		return r;
	rts = calloc(plan.conf->n_networks + 1, sizeof(*rts));
	redo = calloc(n_old + 1, sizeof(*redo));
	if (!rts || !redo) {
		r = fmt_errno(err, errlen, -ENOMEM, "out of memory");
		goto fail;
	}
	/* A network refused at its probe is probed again: the user was
	 * told to remove the other server and reload. */
	for (size_t i = 0; i < n_old; i++)
		redo[i] = ctx->nets[i].refused;
	if ((r = gw_diff_plans(&ctx->plan, &plan, redo, &d)) < 0) {
		r = fmt_errno(err, errlen, r, "out of memory");
		goto fail;
	}
	/* The changes that can fail: sysctls, QEMU's ACL and the ruleset,
	 * which either applies whole or leaves the old one in force. The
	 * first two are put back when a later one fails: a reload changes
	 * nothing or all. After the ruleset nothing fails the reload (a
	 * network that cannot be brought up is logged, the others go on). */
	sysctl_undo_begin(&undo, &ctx->sysctls);
	sysctls = true;
	if ((r = ensure_sysctls(ctx, &plan, &undo, err, errlen)) < 0)
		goto fail;
	/* set before: a sync refused half-way (another qemu_conf_dir whose
	 * bridge.conf is a link) has taken the running ACL out already */
	acl = true;
	if ((r = qemu_acl_sync(plan.conf, err, errlen)) < 0)
		goto fail;
	if ((r = apply_diff_nft(ctx, &plan, &d, err, errlen)) < 0)
		goto fail;
	if (r > 0) /* both tables anew: the ports map is empty */
		for (size_t i = 0; i < n_old; i++)
			watch_net_release(&ctx->nets[i]);
	apply_diff_run(ctx, &plan, &d, ctx->nets, rts, false, err, errlen);
	free(ctx->nets);
	ctx->nets = rts;
	rts = NULL;
	gw_plan_release(&ctx->plan);
	ctx->plan = plan;
	ctx->conf = plan.conf;
	nft_plan_compact(&ctx->plan.nft);
	taps_apply(ctx);
	/* A reload reads the host again in full and refills the guest
	 * binding's sets; a run-time change of elements alone has nothing
	 * for it to find, and costs one transaction (the watch still sees
	 * every event). */
	if (!elements || !diff_elements_only(&d))
		gw_ctx_host_resync(ctx);
	apply_diff_dhcp(ctx, &d, false, err, errlen);
	bgp_update(ctx);
	names_sync(ctx);
	r = 0;
	goto out;
fail:
	if (acl) { /* QEMU's bridge helper: the bridges in force again */
		char e2[512];

		if (qemu_acl_sync(ctx->conf, e2, sizeof(e2)) < 0)
			log_warnx("%s", e2);
	}
	if (sysctls) { /* the values in force before, and their record */
		char path[GW_PATH_MAX + 32];
		int k;

		state_path(ctx->conf->state_dir, STATE_SYSCTL, path, sizeof(path));
		if ((k = sysctl_undo(&undo, &ctx->sysctls, SYSCTL_ROOT, path)) > 0)
			log_info("reload: put back %d sysctl%s it had written", k,
				 k == 1 ? "" : "s");
	}
	plan.parsed = NULL; /* the caller's on failure */
	gw_plan_release(&plan);
out:
	gw_diff_release(&d);
	free(rts);
	free(redo);
	return r;
}

void apply_child_exited(struct gw_ctx *ctx, pid_t pid, int status)
{
	if (!ctx->conf || !ctx->nets)
		return;
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		if (dnsmasq_reaped(ctx->nets[i].dnsmasq, pid, status))
			return;
	apply_dhcp_reaped(ctx, pid, status);
}
