/* Apply and take down. Order on start: preflight checks that change
 * nothing (so a bad setup applies nothing), sysctls, bridges, the
 * nftables tables in one batch, then each network's dnsmasq (serve.c).
 * Stop runs the reverse; reload changes what differs. */
#include "gatewayd/core/apply.h"
#include "gatewayd/core/ctx.h"
#include "conf/addr.h"
#include "dhcp/supervisor.h"
#include "dhcp/upstream.h"
#include "gatewayd/host/hostcheck.h"
#include "lib/log.h"
#include "gatewayd/host/preflight.h"
#include "gatewayd/host/rtnl.h"
#include "lib/state.h"
#include "gatewayd/host/sysctl.h"
#include "nft/commit.h"
#include "nft/inspect.h"
#include "nft/monitor.h"
#include "nft/plan.h"

#include <dirent.h>
#include <linux/netfilter.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void on_monitor(int fd, uint32_t events, void *arg)
{
	struct gw_ctx *ctx = arg;
	unsigned what = rtnl_monitor_drain(fd);

	(void)events;
	log_debug("rtnetlink:%s%s%s changed: checking bridges, ports, addresses and forwarding",
		  what & RTNL_EV_LINK ? " links" : "",
		  what & RTNL_EV_ADDR ? " addresses/routes" : "",
		  what & RTNL_EV_NETCONF ? " forwarding" : "");
	if (what & RTNL_EV_NETCONF)
		watch_sysctls(ctx);
	if (what & RTNL_EV_LINK)
		watch_links(ctx);
	if (what & (RTNL_EV_LINK | RTNL_EV_ADDR))
		watch_addrs(ctx);
}

static int ruleset_apply(struct gw_ctx *ctx, const struct gw_conf *conf, char (*uplinks)[IFNAMSIZ],
			 char *err, size_t errlen);

/* resolv.conf named other servers: every dnsmasq re-reads them. */
static void on_upstream_changed(void *arg)
{
	struct gw_ctx *ctx = arg;

	for (size_t i = 0; ctx->conf && ctx->nets && i < ctx->conf->n_networks; i++)
		dnsmasq_reload(ctx->nets[i].dnsmasq);
}

/* Someone else flushed or deleted (part of) our unowned tables: put the
 * whole ruleset back in one batch, and refill the ports sets. */
static void on_nft_change(int fd, uint32_t events, void *arg)
{
	struct gw_ctx *ctx = arg;
	char(*ups)[IFNAMSIZ];
	char err[512];

	(void)events;
	if (!nft_monitor_drain(fd, nft_conn_portid(ctx->nft)) || !ctx->conf || !ctx->nets)
		return;
	log_debug("nftables: another process changed gatewayd's tables: restoring them");
	ups = calloc(ctx->conf->n_networks, IFNAMSIZ);
	if (!ups)
		return;
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		memcpy(ups[i], ctx->nets[i].uplink, IFNAMSIZ);
	if (ruleset_apply(ctx, ctx->conf, ups, err, sizeof(err)) < 0) {
		log_err("nftables: our tables were changed by another process; restoring them "
			"failed: %s",
			err);
	} else {
		log_warnx("nftables: another process flushed or deleted (part of) gatewayd's "
			  "tables; restored them");
		for (size_t i = 0; i < ctx->conf->n_networks; i++)
			watch_net_release(&ctx->nets[i]);
		watch_links(ctx);
	}
	free(ups);
}

static void nft_watch_start(struct gw_ctx *ctx)
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
	conf_free(ctx->conf);
	free(ctx->nets);
	free(ctx);
}

static bool bridge_listed(const struct gw_conf *conf, const char *bridge)
{
	char path[GW_PATH_MAX + 32];

	state_path(conf->state_dir, STATE_BRIDGES, path, sizeof(path));
	return state_names_has(path, bridge);
}

static int ensure_sysctls(struct gw_ctx *ctx, const struct gw_conf *conf,
			  const struct preflight *pf, char *err, size_t errlen)
{
	char path[GW_PATH_MAX + 32], key[128];
	bool v6 = false;
	int r;

	state_path(conf->state_dir, STATE_SYSCTL, path, sizeof(path));
	for (size_t i = 0; i < conf->n_networks; i++) {
		v6 |= conf->networks[i].has_ipv6;
		if (!pf->fix_accept_ra[i])
			continue;
		/* The one change gatewayd makes to an uplink: keep accepting
		 * RAs there once forwarding is on (recorded, restored). */
		snprintf(key, sizeof(key), "net/ipv6/conf/%s/accept_ra", pf->uplinks[i]);
		if ((r = sysctl_ensure(&ctx->sysctls, SYSCTL_ROOT, key, "2", path)) < 0)
			return fmt_err(err, errlen, "setting %s = 2: %s", key, strerror(-r));
		if (r > 0)
			log_warnx("network \"%s\": set accept_ra = 2 on uplink %s (fix_accept_ra), "
				  "so "
				  "it keeps its RA-learned IPv6 routes with forwarding on",
				  conf->networks[i].name, pf->uplinks[i]);
	}
	if ((r = apply_forwarding(ctx, conf, v6)) < 0)
		return fmt_err(err, errlen, "enabling forwarding: %s", strerror(-r));
	return 0;
}

int apply_forwarding(struct gw_ctx *ctx, const struct gw_conf *conf, bool v6)
{
	char path[GW_PATH_MAX + 32];
	int r, changed;

	state_path(conf->state_dir, STATE_SYSCTL, path, sizeof(path));
	r = changed = sysctl_ensure(&ctx->sysctls, SYSCTL_ROOT, "net/ipv4/ip_forward", "1", path);
	if (r >= 0 && v6) {
		r = sysctl_ensure(&ctx->sysctls, SYSCTL_ROOT, "net/ipv6/conf/all/forwarding", "1",
				  path);
		changed |= r;
	}
	return r < 0 ? r : changed;
}

/* The bridge is a router on a segment gatewayd owns:
 * - no DAD: its link-local address is usable at once (the start-time probe
 *   solicits routers from it, and answers their neighbour solicitations);
 * - no accept_ra/autoconf: it must not configure itself from RAs that a
 *   guest might send. */
static int bridge_sysctls(const struct gw_network *n)
{
	static const char *const keys[] = { "accept_dad", "accept_ra", "autoconf" };
	char key[128];
	int r;

	if (access(SYSCTL_ROOT "/net/ipv6", F_OK) < 0)
		return 0; /* IPv6 off on this host */
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(key, sizeof(key), "net/ipv6/conf/%s/%s", n->bridge, keys[i]);
		if ((r = sysctl_write(SYSCTL_ROOT, key, "0")) < 0)
			return r;
	}
	return 0;
}

int apply_bridge_up(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
		    struct gw_net_rt *rt, char *err, size_t errlen)
{
	char path[GW_PATH_MAX + 32];
	struct rtnl_link l;
	uint8_t mac[6];
	int r;

	r = rtnl_link_get(ctx->rtnl, n->bridge, &l);
	if (r == -ENODEV) {
		/* Record first: a crash right after creating still finds it. */
		state_path(conf->state_dir, STATE_BRIDGES, path, sizeof(path));
		if ((r = state_names_add(path, n->bridge)) < 0)
			return fmt_err(err, errlen, "%s: %s", path, strerror(-r));
		addr_bridge_mac(n->name, mac);
		if ((r = rtnl_bridge_create(ctx->rtnl, n->bridge, mac)) < 0) {
			state_names_remove(path, n->bridge);
			return fmt_err(err, errlen, "network \"%s\": creating bridge \"%s\": %s",
				       n->name, n->bridge, strerror(-r));
		}
		rt->created_bridge = true;
		log_info("network \"%s\": created bridge %s", n->name, n->bridge);
		r = rtnl_link_get(ctx->rtnl, n->bridge, &l);
	} else if (r == 0) {
		rt->created_bridge = bridge_listed(conf, n->bridge);
	}
	if (r < 0)
		return fmt_err(err, errlen, "network \"%s\": bridge \"%s\": %s", n->name, n->bridge,
			       strerror(-r));
	if (strcmp(l.kind, "bridge"))
		return fmt_err(err, errlen, "network \"%s\": device \"%s\" is not a bridge",
			       n->name, n->bridge);
	if ((r = bridge_sysctls(n)) < 0)
		return fmt_err(err, errlen, "network \"%s\": IPv6 settings of %s: %s", n->name,
			       n->bridge, strerror(-r));
	/* Also on a bridge we adopted: a bridge without an explicit MAC takes
	 * its ports' and changes it as they come and go, and the backstop
	 * rules know our own DHCP/RA frames by this address. */
	addr_bridge_mac(n->name, mac);
	if ((r = rtnl_link_set_mac(ctx->rtnl, l.ifindex, mac)) < 0)
		return fmt_err(err, errlen, "network \"%s\": setting the MAC of %s: %s", n->name,
			       n->bridge, strerror(-r));
	r = rtnl_addr_add(ctx->rtnl, l.ifindex, AF_INET, &n->ipv4.addr, n->ipv4.plen);
	if (r >= 0 && n->has_ipv6)
		r = rtnl_addr_add(ctx->rtnl, l.ifindex, AF_INET6, &n->ipv6.addr, n->ipv6.plen);
	if (r < 0)
		return fmt_err(err, errlen, "network \"%s\": adding addresses to %s: %s", n->name,
			       n->bridge, strerror(-r));
	if ((r = rtnl_link_set_up(ctx->rtnl, l.ifindex)) < 0)
		return fmt_err(err, errlen, "network \"%s\": setting %s up: %s", n->name, n->bridge,
			       strerror(-r));
	return 0;
}

/* Remove the addresses n put on its bridge, except those keep (the same
 * network's new config, or NULL) puts there too. */
static void bridge_addrs_del(struct gw_ctx *ctx, const struct gw_network *n,
			     const struct gw_network *keep)
{
	struct rtnl_link l;

	if (rtnl_link_get(ctx->rtnl, n->bridge, &l) < 0)
		return;
	if (!keep || keep->ipv4.addr.s_addr != n->ipv4.addr.s_addr ||
	    keep->ipv4.plen != n->ipv4.plen)
		rtnl_addr_del(ctx->rtnl, l.ifindex, AF_INET, &n->ipv4.addr, n->ipv4.plen);
	if (n->has_ipv6 && (!keep || !keep->has_ipv6 || keep->ipv6.plen != n->ipv6.plen ||
			    memcmp(&keep->ipv6.addr, &n->ipv6.addr, 16)))
		rtnl_addr_del(ctx->rtnl, l.ifindex, AF_INET6, &n->ipv6.addr, n->ipv6.plen);
}

static void bridge_down(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
			struct gw_net_rt *rt)
{
	char path[GW_PATH_MAX + 32];
	struct rtnl_link l;
	int r;

	if (!rt->created_bridge) {
		/* Someone else's bridge: take back only what we added. */
		bridge_addrs_del(ctx, n, NULL);
		return;
	}
	if (rtnl_link_get(ctx->rtnl, n->bridge, &l) == 0 && !strcmp(l.kind, "bridge")) {
		if ((r = rtnl_link_del(ctx->rtnl, l.ifindex)) < 0)
			log_warnx("network \"%s\": deleting bridge %s: %s", n->name, n->bridge,
				  strerror(-r));
		else
			log_info("network \"%s\": deleted bridge %s", n->name, n->bridge);
	}
	state_path(conf->state_dir, STATE_BRIDGES, path, sizeof(path));
	state_names_remove(path, n->bridge);
	rt->created_bridge = false;
}

static int ruleset_apply(struct gw_ctx *ctx, const struct gw_conf *conf, char (*uplinks)[IFNAMSIZ],
			 char *err, size_t errlen)
{
	const char *ups[conf->n_networks ? conf->n_networks : 1];
	struct nft_plan plan;
	int r;

	for (size_t i = 0; i < conf->n_networks; i++)
		ups[i] = uplinks[i];
	if ((r = nft_plan_build(conf, ups, ctx->bridge_meta, &plan)) < 0)
		return fmt_err(err, errlen, "nft: planning ruleset: %s", strerror(-r));
	r = nft_apply_plan(ctx->nft, &plan, err, errlen);
	if (r >= 0)
		log_debug("nft: committed tables inet and bridge %s in one batch: %zu chains, %zu "
			  "rules, %zu sets, %zu counters",
			  NFT_TABLE_NAME, plan.n_chains, plan.n_rules, plan.n_sets,
			  plan.n_counters);
	nft_plan_release(&plan);
	return r;
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
 * GW_TEST_PORT_PREFIX + 6 hex digits, and their peers): ours by name. */
static void test_ports_remove(struct gw_ctx *ctx)
{
	const size_t len = sizeof(GW_TEST_PORT_PREFIX) - 1 + 6;
	struct host_facts f;

	if (rtnl_read_facts(ctx->rtnl, &f) < 0)
		return;
	for (size_t i = 0; i < f.n_links; i++)
		if (hostcheck_test_port(f.links[i].kind, f.links[i].name) &&
		    strlen(f.links[i].name) == len &&
		    rtnl_link_del(ctx->rtnl, f.links[i].ifindex) == 0)
			log_info("removed test port %s left by an earlier gatewayd's doctor",
				 f.links[i].name);
	host_facts_free(&f);
}

int apply_start(struct gw_ctx *ctx, struct gw_conf *conf, char *err, size_t errlen)
{
	struct preflight pf = { 0 };
	char path[GW_PATH_MAX + 32];
	int r;

	test_ports_remove(ctx);

	ctx->nets = calloc(conf->n_networks, sizeof(*ctx->nets));
	if (!ctx->nets || preflight_new(conf, &pf) < 0) {
		r = fmt_err(err, errlen, "out of memory");
		goto fail;
	}
	ctx->conf = conf;
	if ((r = preflight_check(conf, &pf, err, errlen)) < 0 ||
	    (r = dirs_make(conf, err, errlen)) < 0)
		goto fail;
	/* Originals recorded by a crashed instance are still the originals. */
	state_path(conf->state_dir, STATE_SYSCTL, path, sizeof(path));
	sysctl_state_load(path, &ctx->sysctls);
	if ((r = ensure_sysctls(ctx, conf, &pf, err, errlen)) < 0)
		goto fail;
	for (size_t i = 0; i < conf->n_networks; i++) {
		snprintf(ctx->nets[i].uplink, IFNAMSIZ, "%s", pf.uplinks[i]);
		if ((r = apply_bridge_up(ctx, conf, &conf->networks[i], &ctx->nets[i], err,
					 errlen)) < 0)
			goto fail;
	}
	if ((r = ruleset_apply(ctx, conf, pf.uplinks, err, errlen)) < 0)
		goto fail;
	if (!nft_conn_owned(ctx->nft) && ctx->nft_monitor_fd < 0)
		nft_watch_start(ctx);
	watch_links(ctx); /* fill the ports sets */
	if ((r = resolv_watch_new(ctx->loop, conf->run_dir, on_upstream_changed, ctx,
				  &ctx->resolv)) < 0) {
		r = fmt_err(err, errlen, "writing %s/%s: %s", conf->run_dir, UPSTREAM_FILE,
			    strerror(-r));
		goto fail;
	}
	for (size_t i = 0; i < conf->n_networks; i++)
		if ((r = apply_dhcp_up(ctx, conf, &conf->networks[i], &ctx->nets[i], err, errlen)) <
		    0)
			goto fail;
	for (size_t i = 0; i < conf->n_networks; i++)
		log_info("network \"%s\": %s up, NAT out of %s", conf->networks[i].name,
			 conf->networks[i].bridge, pf.uplinks[i]);
	preflight_release(&pf);
	return 0;
fail:
	preflight_release(&pf);
	if (ctx->nets)
		apply_stop(ctx);
	ctx->conf = NULL; /* the caller still owns conf on failure */
	return r;
}

void apply_stop(struct gw_ctx *ctx)
{
	const struct gw_conf *conf = ctx->conf;
	char err[512], path[GW_PATH_MAX + 32];

	if (!conf || !ctx->nets)
		return;
	/* All dnsmasqs are told at once, then collected: they stop side by
	 * side, not one after the other. */
	for (size_t i = 0; i < conf->n_networks; i++)
		dnsmasq_stop_begin(ctx->nets[i].dnsmasq);
	for (size_t i = 0; i < conf->n_networks; i++)
		apply_dhcp_down(conf, &conf->networks[i], &ctx->nets[i]);
	resolv_watch_free(ctx->resolv);
	ctx->resolv = NULL;
	if (nft_remove_table(ctx->nft, err, sizeof(err)) < 0)
		log_warnx("%s", err);
	for (size_t i = 0; i < conf->n_networks; i++) {
		bridge_down(ctx, conf, &conf->networks[i], &ctx->nets[i]);
		watch_net_release(&ctx->nets[i]);
	}
	state_path(conf->state_dir, STATE_SYSCTL, path, sizeof(path));
	sysctl_restore(&ctx->sysctls, SYSCTL_ROOT, path, sysctl_skipped);
	free(ctx->nets);
	ctx->nets = NULL;
}

static const struct gw_network *find_net(const struct gw_conf *c, const char *name, size_t *idx)
{
	for (size_t i = 0; i < c->n_networks; i++)
		if (!strcmp(c->networks[i].name, name)) {
			*idx = i;
			return &c->networks[i];
		}
	return NULL;
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

/* Global keys every dnsmasq depends on: a change restarts them all. */
static bool dnsmasq_globals_changed(const struct gw_conf *old, const struct gw_conf *conf)
{
	return strcmp(old->dnsmasq, conf->dnsmasq) || strcmp(old->dnsmasq_user, conf->dnsmasq_user);
}

/* Does old network i carry over unchanged to conf (as network *j)? A
 * network refused at its probe never does: it is probed again (the user
 * was told to remove the other server and reload). */
static bool network_kept(const struct gw_conf *old, size_t i, const struct gw_conf *conf,
			 char (*uplinks)[IFNAMSIZ], const struct gw_net_rt *rts, size_t *j)
{
	const struct gw_network *n = find_net(conf, old->networks[i].name, j);

	return n && conf_network_equal(&old->networks[i], n) &&
	       !strcmp(uplinks[*j], rts[i].uplink) && !rts[i].refused;
}

int apply_reload(struct gw_ctx *ctx, struct gw_conf *conf, char *err, size_t errlen)
{
	struct gw_conf *old = ctx->conf;
	struct preflight pf = { 0 };
	struct gw_net_rt *nets = calloc(conf->n_networks, sizeof(*nets));
	/* per new network: what this reload does to it */
	enum {
		NET_NEW,
		NET_KEEP,
		NET_KEEP_NEW_DHCP,
		NET_FAILED
	} *act = calloc(conf->n_networks, sizeof(*act));
	bool redo_dhcp = dnsmasq_globals_changed(old, conf);
	char(*uplinks)[IFNAMSIZ];
	int r;

	if (!nets || !act || preflight_new(conf, &pf) < 0) {
		r = fmt_err(err, errlen, "out of memory");
		goto out;
	}
	if ((r = reload_globals_check(old, conf, err, errlen)) < 0)
		goto out;
	uplinks = pf.uplinks;
	/* Everything that can refuse comes before the first change. */
	if ((r = preflight_check(conf, &pf, err, errlen)) < 0 ||
	    (r = dirs_make(conf, err, errlen)) < 0 ||
	    (r = ensure_sysctls(ctx, conf, &pf, err, errlen)) < 0)
		goto out;
	if ((r = ruleset_apply(ctx, conf, uplinks, err, errlen)) < 0)
		goto out;

	if (redo_dhcp)
		log_info("reload: dnsmasq = \"%s\", dnsmasq_user = \"%s\": restarting the dnsmasq "
			 "of every network",
			 conf->dnsmasq, conf->dnsmasq_user);
	/* Take down what went away or changed; carry over what did not.
	 * First tell every dnsmasq that goes to stop, so they stop side by
	 * side. */
	for (size_t i = 0; i < old->n_networks; i++) {
		size_t j;

		if (redo_dhcp || !network_kept(old, i, conf, uplinks, ctx->nets, &j))
			dnsmasq_stop_begin(ctx->nets[i].dnsmasq);
	}
	for (size_t i = 0; i < old->n_networks; i++) {
		const struct gw_network *o = &old->networks[i];
		size_t j;
		const struct gw_network *n = find_net(conf, o->name, &j);

		if (network_kept(old, i, conf, uplinks, ctx->nets, &j)) {
			nets[j] = ctx->nets[i];
			act[j] = NET_KEEP;
			if (redo_dhcp) {
				/* the bridge stays; the new dnsmasq comes up below */
				apply_dhcp_down(old, o, &nets[j]);
				act[j] = NET_KEEP_NEW_DHCP;
			}
			continue;
		}
		apply_dhcp_down(old, o, &ctx->nets[i]);
		watch_net_release(&ctx->nets[i]);
		if (!n || strcmp(n->bridge, o->bridge))
			bridge_down(ctx, old, o, &ctx->nets[i]);
		else
			bridge_addrs_del(ctx, o, n); /* same bridge: bridge_up adds the new ones */
		log_info("network \"%s\": %s", o->name, n ? "changed" : "removed");
	}
	free(ctx->nets);
	ctx->nets = nets;
	ctx->conf = conf;
	nets = NULL;
	conf_free(old);
	for (size_t j = 0; j < conf->n_networks; j++) {
		const struct gw_network *n = &conf->networks[j];

		/* The new table starts with empty ports sets. */
		watch_net_release(&ctx->nets[j]);
		if (act[j] != NET_NEW)
			continue;
		snprintf(ctx->nets[j].uplink, IFNAMSIZ, "%s", uplinks[j]);
		if ((r = apply_bridge_up(ctx, conf, n, &ctx->nets[j], err, errlen)) < 0) {
			log_err("%s", err); /* keep going: the other networks still work */
			act[j] = NET_FAILED;
		}
	}
	watch_links(ctx);
	for (size_t j = 0; j < conf->n_networks; j++) {
		const struct gw_network *n = &conf->networks[j];

		if (act[j] == NET_KEEP || act[j] == NET_FAILED)
			continue;
		if ((r = apply_dhcp_up(ctx, conf, n, &ctx->nets[j], err, errlen)) < 0)
			log_err("%s", err);
		else
			log_info("network \"%s\": %s up, NAT out of %s", n->name, n->bridge,
				 uplinks[j]);
	}
	r = 0;
out:
	preflight_release(&pf);
	free(nets);
	free(act);
	return r;
}

void apply_child_exited(struct gw_ctx *ctx, pid_t pid, int status)
{
	if (!ctx->conf || !ctx->nets)
		return;
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		if (dnsmasq_reaped(ctx->nets[i].dnsmasq, pid, status))
			return;
}
