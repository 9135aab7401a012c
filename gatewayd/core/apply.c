/* Apply and take down: execute a diff (core/diff.c) between the desired
 * state in force and a new one. Order: every check that can refuse (the
 * preflight, the plan) before the first change; then the changes that can
 * fail -- sysctls, QEMU's ACL, the nftables change in one transaction --
 * with the first two put back if a later one fails (a reload changes
 * nothing or all); then dnsmasqs that go, bridges that go, bridges that
 * come, dnsmasqs that come (serve.c). Stop is the reverse of everything. */
#include "gatewayd/core/apply.h"
#include "gatewayd/core/shaping.h"
#include "gatewayd/core/binding.h"
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
#include "ra/ra.h"
#include "gatewayd/host/preflight.h"
#include "gatewayd/host/rtnl.h"
#include "lib/state.h"
#include "gatewayd/host/sysctl.h"
#include "nft/commit.h"
#include "nft/feature.h"
#include "nft/inspect.h"
#include "nft/monitor.h"
#include "nft/plan.h"
#include "nft/update.h"

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

/* The run-time ports map's elements for the networks that stay. */
static struct nft_elem *kept_ports(const struct gw_ctx *ctx, const struct gw_diff *d, size_t *n)
{
	size_t total = 0, k = 0;
	struct nft_elem *e;

	for (size_t i = 0; i < d->n; i++)
		if (d->nets[i].old_idx >= 0)
			total += ctx->nets[d->nets[i].old_idx].n_ports;
	if (!(e = calloc(total + 1, sizeof(*e))))
		return NULL;
	for (size_t i = 0; i < d->n; i++) {
		const struct gw_net_diff *nd = &d->nets[i];
		const struct gw_net_rt *rt;

		if (nd->old_idx < 0 || nd->new_idx < 0 || (nd->act & GA_BRIDGE_DOWN))
			continue;
		rt = &ctx->nets[nd->old_idx];
		for (size_t p = 0; p < rt->n_ports; p++, k++) {
			memcpy(e[k].key.ifname, rt->ports[p], IFNAMSIZ);
			nft_ports_chain_name(&ctx->conf->networks[nd->old_idx], e[k].chain,
					     NFT_NAME_MAX);
		}
	}
	*n = k;
	return e;
}

/* The nftables part of a diff, in one transaction: only what changed
 * (counters of the networks that stay keep counting), or both tables
 * anew when the diff says so or the update is refused (the tables are
 * not what we left: someone changed them). 1 if the tables were
 * replaced (the ports map is empty then), 0 if updated. */
static int nft_change(struct gw_ctx *ctx, const struct gw_plan *new, struct gw_diff *d, char *err,
		      size_t errlen)
{
	struct nft_batch *b = NULL;
	struct nft_elem *ports = NULL;
	size_t n_ports = 0;
	int r;

	if (d->nft.replace)
		goto replace;
	if (nft_update_empty(&d->nft))
		return 0;
	if (!(ports = kept_ports(ctx, d, &n_ports)))
		return fmt_errno(err, errlen, -ENOMEM, "out of memory");
	/* guest binding's map is rewritten with it: its ports kept */
	uint32_t *bind_ifindex = NULL;
	struct nft_elem *bind_ports =
		d->nft.ports_rewrite ? binding_port_elems(ctx->binding, ctx->conf,
							  &d->nft.n_bind_ports, &bind_ifindex)
				     : NULL;
	d->nft.bind_ports = bind_ports;
	d->nft.bind_ifindex = bind_ifindex;
	if (d->nft.ports_rewrite)
		binding_fast_in_force(ctx->binding, &d->nft);
	/* counted generously: the notifications of the whole new ruleset */
	nft_monitor_expect(ctx->nft_monitor_fd, new->nft.n_rules + new->nft.n_chains + 64);
	r = nft_batch_update(&ctx->plan.nft, &new->nft, &d->nft, ports, n_ports,
			     nft_conn_next_seq(ctx->nft), &b);
	free(ports);
	free(bind_ports);
	free(bind_ifindex);
	d->nft.bind_ports = NULL;
	d->nft.n_bind_ports = 0;
	d->nft.bind_ifindex = NULL;
	binding_fast_in_force(NULL, &d->nft);
	if (r >= 0 && (r = nft_commit(ctx->nft, b, err, errlen)) >= 0) {
		log_debug("nft: updated in one batch: %zu chains added, %zu refilled, %zu "
			  "removed",
			  d->nft.n_add_chains, d->nft.n_refill, d->nft.n_del_chains);
		nft_batch_free(b);
		return 0;
	}
	nft_batch_free(b);
	log_warnx("nft: updating gatewayd's tables failed (%s); replacing them whole",
		  r == -ENOMEM ? "out of memory" : err);
replace:
	nft_monitor_expect(ctx->nft_monitor_fd, new->nft.n_rules + new->nft.n_chains + 64);
	if ((r = nft_apply_plan(ctx->nft, &new->nft, err, errlen)) < 0)
		return r;
	log_debug("nft: committed tables inet and bridge %s in one batch: %zu chains, %zu rules, "
		  "%zu sets, %zu counters",
		  NFT_TABLE_NAME, new->nft.n_chains, new->nft.n_rules, new->nft.n_sets,
		  new->nft.n_counters);
	return 1;
}

/* o is advertised again as n, on the same bridge with the same prefix:
 * no last RA between the two (its guests would drop their default route
 * for nothing). RAs turned off, or a prefix that changes, do get it (the
 * old prefix is deprecated at once). */
static bool ra_goes_on(const struct gw_network *o, const struct gw_network *n)
{
	return ra_wanted(n) && !strcmp(o->bridge, n->bridge) && o->ipv6.plen == n->ipv6.plen &&
	       !memcmp(&o->ipv6.addr, &n->ipv6.addr, sizeof(o->ipv6.addr));
}

/* The bridges d brings up that do not exist yet, recorded as gatewayd's
 * in one write before any is made (one write per bridge rewrote the
 * record N times). Indexed like d->nets: true for those recorded; NULL
 * (each bridge recorded by bridge_up()) if none or on failure. */
static bool *bridges_record(struct gw_ctx *ctx, const struct gw_plan *new, const struct gw_diff *d)
{
	char(*names)[IFNAMSIZ] = calloc(d->n + 1, IFNAMSIZ);
	bool *recorded = calloc(d->n + 1, sizeof(*recorded));
	struct rtnl_link l;
	size_t n = 0;

	for (size_t k = 0; names && recorded && k < d->n; k++) {
		const struct gw_net_diff *nd = &d->nets[k];
		const char *br;

		if (nd->new_idx < 0 || !(nd->act & GA_BRIDGE_UP))
			continue;
		br = new->conf->networks[nd->new_idx].bridge;
		if (rtnl_link_get(ctx->rtnl, br, &l) == -ENODEV) {
			snprintf(names[n++], IFNAMSIZ, "%s", br);
			recorded[k] = true;
		}
	}
	if (!names || !recorded || n < 2 || bridge_record_many(new->conf, names, n) < 0) {
		free(recorded);
		recorded = NULL;
	}
	free(names);
	return recorded;
}

/* Carry out d (from the plan in force, if any, to new; nft already
 * done). old_rts is indexed like the old plan, rts like new. A network
 * whose bridge cannot be made is logged and skipped (the others go on)
 * at reload; at start it fails the whole start. */
static int diff_run(struct gw_ctx *ctx, const struct gw_plan *new, const struct gw_diff *d,
		    struct gw_net_rt *old_rts, struct gw_net_rt *rts, bool strict, char *err,
		    size_t errlen)
{
	const struct gw_plan *old = &ctx->plan;
	struct links_del del = { 0 };
	char what[128], path[GW_PATH_MAX + 32];
	bool *recorded;
	int r;

	/* Every dnsmasq that goes is told first: they stop side by side. */
	for (size_t k = 0; k < d->n; k++)
		if (d->nets[k].act & GA_DHCP_DOWN)
			dnsmasq_stop_begin(old_rts[d->nets[k].old_idx].dnsmasq);
	for (size_t k = 0; k < d->n; k++) {
		const struct gw_net_diff *nd = &d->nets[k];
		const struct gw_network *o, *n;
		struct gw_net_rt *rt;

		if (nd->old_idx < 0)
			continue;
		o = &old->conf->networks[nd->old_idx];
		n = nd->new_idx >= 0 ? &new->conf->networks[nd->new_idx] : NULL;
		rt = &old_rts[nd->old_idx];
		/* a network advertised on as before takes no last RA */
		if ((nd->act & GA_DHCP_DOWN) && n && ra_goes_on(o, n))
			serve_ra_stop(rt, false);
		if (nd->act & GA_DHCP_DOWN)
			apply_dhcp_retire(ctx, old->conf, o, rt);
		if ((nd->act & GA_BRIDGE_DOWN) && nd->bridge_to >= 0) {
			watch_net_release(rt);
			bridge_addrs_del(ctx, o, &new->conf->networks[nd->bridge_to]);
		} else if (nd->act & GA_BRIDGE_DOWN) {
			watch_net_release(rt);
			bridge_down(ctx, old->conf, o, rt, &del);
		} else if (nd->act & GA_ADDRS_DEL) {
			bridge_addrs_del(ctx, o, n);
		}
		if (nd->act) {
			gw_diff_format(nd->act, what, sizeof(what));
			log_info("network \"%s\": %s (%s)", o->name, n ? "changed" : "removed",
				 what);
		}
		if (n && !(nd->act & GA_BRIDGE_DOWN))
			rts[nd->new_idx] = *rt; /* carried over */
		else
			watch_net_release(rt);
	}
	/* the bridges that go, together: before those that come (a bridge
	 * renamed back, a name taken over) */
	if (del.n)
		links_del_run(ctx->rtnl, old->conf->state_dir, &del, "");
	recorded = bridges_record(ctx, new, d);
	for (size_t k = 0; k < d->n; k++) {
		const struct gw_net_diff *nd = &d->nets[k];
		const struct gw_network *n;
		struct gw_net_rt *rt;

		if (nd->new_idx < 0 || !(nd->act & GA_BRIDGE_UP))
			continue;
		n = &new->conf->networks[nd->new_idx];
		rt = &rts[nd->new_idx];
		r = bridge_up_recorded(ctx, new->conf, n, rt, recorded && recorded[k], err, errlen);
		if (r < 0 && strict) {
			/* those recorded and never to be made are not ours */
			state_path(new->conf->state_dir, STATE_BRIDGES, path, sizeof(path));
			for (size_t j = k + 1; recorded && j < d->n; j++)
				if (recorded[j])
					state_names_remove(
						path,
						new->conf->networks[d->nets[j].new_idx].bridge);
			free(recorded);
			return r;
		}
		if (r < 0) {
			log_err("%s", err);
			snprintf(rt->last_error, sizeof(rt->last_error), "%s", err);
		}
	}
	free(recorded);
	for (size_t j = 0; j < new->conf->n_networks; j++)
		snprintf(rts[j].uplink, IFNAMSIZ, "%s", new->nets[j].uplink);
	return 0;
}

/* The dnsmasqs that come, once the new state is in force. */
static int dhcp_up(struct gw_ctx *ctx, const struct gw_diff *d, bool strict, char *err,
		   size_t errlen)
{
	const struct gw_conf *conf = ctx->conf;
	int r;

	for (size_t k = 0; k < d->n; k++) {
		const struct gw_net_diff *nd = &d->nets[k];
		const struct gw_network *n;

		if (nd->new_idx < 0 || !(nd->act & (GA_DHCP_UP | GA_DHCP_HOSTS)))
			continue;
		n = &conf->networks[nd->new_idx];
		if (!(nd->act & GA_DHCP_UP)) {
			if (apply_dhcp_hosts(conf, n, &ctx->nets[nd->new_idx], err, errlen) < 0)
				log_err("%s", err);
			continue;
		}
		if ((r = apply_dhcp_up(ctx, conf, n, &ctx->nets[nd->new_idx], err, errlen)) < 0) {
			if (strict)
				return r;
			log_err("%s", err);
			continue;
		}
		log_info("network \"%s\": %s up, %s %s", n->name, n->bridge,
			 n->mode == GW_MODE_NAT	     ? "NAT out of"
			 : n->mode == GW_MODE_ROUTED ? "routed out of"
						     : "isolated; uplink",
			 ctx->plan.nets[nd->new_idx].uplink);
	}
	return 0;
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
	r = diff_run(ctx, &plan, &d, NULL, ctx->nets, true, err, errlen);
	ctx->plan = plan;
	if ((q = backstop_settle(ctx, &probe, known, err, errlen)) < 0 && r >= 0)
		r = q;
	plan = ctx->plan;
	if (r < 0 || (r = nft_change(ctx, &plan, &d, err, errlen)) < 0)
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
	if ((r = dhcp_up(ctx, &d, true, err, errlen)) < 0)
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
	if ((r = nft_change(ctx, &plan, &d, err, errlen)) < 0)
		goto fail;
	if (r > 0) /* both tables anew: the ports map is empty */
		for (size_t i = 0; i < n_old; i++)
			watch_net_release(&ctx->nets[i]);
	diff_run(ctx, &plan, &d, ctx->nets, rts, false, err, errlen);
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
	dhcp_up(ctx, &d, false, err, errlen);
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
