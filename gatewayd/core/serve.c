/* Serving a network: the start-time checks before its dnsmasq first
 * serves (probe, ports held by others), its config and lease file, the
 * supervisor's start and stop. Part of apply (see ctx.h). The probe runs
 * in the event loop: apply_dhcp_up() returns while it listens, and the
 * network is served, or refused, when it ends. */
#include "gatewayd/core/ctx.h"
#include "gatewayd/core/names.h"
#include "conf/addr.h"
#include "dhcp/dnsmasq_conf.h"
#include "dhcp/hosts.h"
#include "dhcp/names.h"
#include "dhcp/supervisor.h"
#include "gatewayd/host/hostcheck.h"
#include "lib/log.h"
#include "gatewayd/host/portcheck.h"
#include "gatewayd/host/probe.h"
#include "gatewayd/host/rtnl.h"
#include "lib/state.h"
#include "ra/ra.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct dnsmasq_conf_arg {
	const struct gw_conf *conf;
	const struct gw_network *n;
};

static int dnsmasq_conf_fill(FILE *f, void *arg)
{
	const struct dnsmasq_conf_arg *a = arg;

	dnsmasq_conf_write(f, a->conf, a->n);
	return 0;
}

static int dhcp_hosts_fill(FILE *f, void *arg)
{
	hosts_dhcp_write(f, arg);
	return 0;
}

static int dns_hosts_fill(FILE *f, void *arg)
{
	hosts_dns_write(f, arg);
	return 0;
}

/* The static hosts' files: names, addresses and MACs of a network's
 * guests, a customer's own (qemu-args --static) too. dnsmasq re-reads
 * them on SIGHUP after it has dropped root, so they are its user's, mode
 * 0400, as the name pins (names.c): run_dir is 0755, and any local user
 * could read every customer's hosts. (No such user: root's.) */
static int hosts_files_write(const struct gw_conf *conf, const struct gw_network *n, char *err,
			     size_t errlen)
{
	uid_t uid = names_dnsmasq_uid(conf);
	char path[GW_PATH_MAX + 64];
	int r;

	hosts_dhcp_path(conf, n, path, sizeof(path));
	if ((r = state_file_write_owned(path, 0400, uid, (gid_t)-1, dhcp_hosts_fill, (void *)n)) <
	    0)
		goto fail;
	hosts_dns_path(conf, n, path, sizeof(path));
	if ((r = state_file_write_owned(path, 0400, uid, (gid_t)-1, dns_hosts_fill, (void *)n)) < 0)
		goto fail;
	/* the names its guests' leases hold (names.c) */
	names_pins_path(conf, n, path, sizeof(path));
	if ((r = names_file_write(conf, n)) < 0)
		goto fail;
	return 0;
fail:
	return fmt_errno(err, errlen, r, "network \"%s\": writing %s: %s", n->name, path,
			 strerror(-r));
}

static void pid_path(const struct gw_conf *conf, const struct gw_network *n, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.dnsmasq.pid", conf->run_dir, n->name);
}

/* The start-time probe of one network, a job of the event loop: its
 * sockets and its deadline are loop fds. An answer refuses the network;
 * silence until the deadline serves it. Many networks probe side by side,
 * and the guards, the supervisor and the control socket go on meanwhile. */
struct serve_probe {
	struct gw_ctx *ctx;
	struct probe_start p;
	struct eloop_timer *deadline;
	unsigned ms;
};

static void serve_probe_free(struct serve_probe *sp)
{
	if (!sp)
		return;
	for (size_t k = 0; k < sp->p.n; k++)
		eloop_remove_fd(sp->ctx->loop, sp->p.fds[k]);
	probe_start_close(&sp->p);
	eloop_timer_free(sp->deadline);
	free(sp);
}

static void refuse(struct gw_net_rt *rt, const struct gw_network *n, const char *what)
{
	log_err("network \"%s\": %s already answers on %s: NOT serving DHCP or router "
		"advertisements on this network. Remove the other server, then reload",
		n->name, what, n->bridge);
	snprintf(rt->last_error, sizeof(rt->last_error), "not serving: %s already answers on %s",
		 what, n->bridge);
	rt->refused = true;
}

/* gatewayd's own router advertisements on n's bridge, where its dnsmasq
 * would have sent them (ra_wanted): started with dnsmasq, paused while
 * the guard is tripped. A failure is logged and the network goes on
 * without RAs (its guests keep IPv4). */
static void ra_start(struct gw_ctx *ctx, const struct gw_network *n, struct gw_net_rt *rt)
{
	struct ra_params p;
	struct rtnl_link l;
	uint8_t mac[6];
	int r;

	if (!ra_wanted(n) || rt->ra)
		return;
	if ((r = rtnl_link_get(ctx->rtnl, n->bridge, &l)) < 0 ||
	    (!ctx->ra && (r = ra_router_new(ctx->loop, &ctx->ra)) < 0))
		goto fail;
	addr_bridge_mac(n->name, mac);
	ra_params_from_net(n, mac, &p);
	if ((r = ra_iface_start(ctx->ra, n->bridge, l.ifindex, &p, true, &rt->ra)) < 0)
		goto fail;
	ra_iface_carrier(rt->ra, (l.flags & HOST_LINK_CARRIER) != 0);
	if (!rt->tripped[0])
		ra_iface_resume(rt->ra);
	return;
fail:
	log_err("network \"%s\": NOT sending router advertisements on %s: %s", n->name, n->bridge,
		strerror(-r));
	snprintf(rt->last_error, sizeof(rt->last_error), "no router advertisements: %s",
		 strerror(-r));
}

void serve_ra_stop(struct gw_net_rt *rt, bool final)
{
	ra_iface_stop(rt->ra, final);
	rt->ra = NULL;
}

void serve_ra_restart(struct gw_ctx *ctx, const struct gw_network *n, struct gw_net_rt *rt)
{
	if (!rt->ra)
		return;
	serve_ra_stop(rt, false);
	ra_start(ctx, n, rt);
}

/* Write the config and start dnsmasq, unless something holds its ports.
 * While the guard is tripped (a non-guest port joined during the probe)
 * dnsmasq is made but not started: the guard starts it when the port
 * leaves. */
static int serve(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
		 struct gw_net_rt *rt, char *err, size_t errlen)
{
	char cpath[GW_PATH_MAX + 64], ppath[GW_PATH_MAX + 64], lpath[GW_PATH_MAX + 64], what[600];
	struct dnsmasq_params p = { n->name, conf->dnsmasq, cpath, ppath };
	int r;

	if (portcheck_bridge(n->bridge, n->ipv4.addr, n->has_ipv6 ? &n->ipv6.addr : NULL, what,
			     sizeof(what)) < 0) {
		log_err("network \"%s\": %s", n->name, what);
		snprintf(rt->last_error, sizeof(rt->last_error), "not serving: %s", what);
		rt->refused = true;
		return 0;
	}
	dnsmasq_conf_path(conf, n, cpath, sizeof(cpath));
	pid_path(conf, n, ppath, sizeof(ppath));
	if ((r = hosts_files_write(conf, n, err, errlen)) < 0)
		return r;
	/* read by dnsmasq as root, at start only; the subnets and ranges
	 * of a customer's network are no other user's */
	if ((r = state_file_write(cpath, 0600, dnsmasq_conf_fill,
				  &(struct dnsmasq_conf_arg){ conf, n })) < 0)
		return fmt_errno(err, errlen, r, "network \"%s\": writing %s: %s", n->name, cpath,
				 strerror(-r));
	/* dnsmasq opens its lease file as root before it drops privileges,
	 * and would create it world-readable: guests' MACs and names. */
	dnsmasq_lease_path(conf, n, lpath, sizeof(lpath));
	if (n->dhcp_enabled && (r = state_file_create(lpath, 0600)) < 0)
		return fmt_errno(err, errlen, r, "network \"%s\": lease file %s: %s", n->name,
				 lpath, strerror(-r));
	if ((r = dnsmasq_new(ctx->loop, &p, &rt->dnsmasq)) < 0 ||
	    (!rt->tripped[0] && (r = dnsmasq_start(rt->dnsmasq)) < 0))
		return fmt_errno(err, errlen, r, "network \"%s\": starting %s: %s", n->name,
				 conf->dnsmasq, strerror(-r));
	ra_start(ctx, n, rt);
	return 0;
}

/* The probe is over (what: the answer that ended it, or NULL at the
 * deadline). Its network is found afresh: a reload since it began may have
 * moved the network's runtime state and replaced the config (a probe whose
 * network changed or went was cancelled by apply_dhcp_down). */
static void probe_end(struct serve_probe *sp, const char *what)
{
	struct gw_ctx *ctx = sp->ctx;
	const struct gw_network *n = NULL;
	struct gw_net_rt *rt = NULL;
	unsigned ms = sp->ms;
	char err[512];

	for (size_t i = 0; ctx->conf && ctx->nets && i < ctx->conf->n_networks; i++)
		if (ctx->nets[i].probe == sp) {
			n = &ctx->conf->networks[i];
			rt = &ctx->nets[i];
			rt->probe = NULL;
			break;
		}
	serve_probe_free(sp);
	if (!rt)
		return;
	if (what) {
		refuse(rt, n, what);
		return;
	}
	if (rt->tripped[0])
		log_warnx("network \"%s\": nobody else answered on %s in %u ms, but port %s is not "
			  "a guest port: DHCP and router advertisements start when it leaves",
			  n->name, n->bridge, ms, rt->tripped);
	else
		log_info("network \"%s\": nobody else answered on %s in %u ms: serving", n->name,
			 n->bridge, ms);
	if (serve(ctx, ctx->conf, n, rt, err, sizeof(err)) < 0) {
		log_err("%s", err);
		snprintf(rt->last_error, sizeof(rt->last_error), "%s", err);
	}
}

static void probe_readable(int fd, uint32_t events, void *arg)
{
	struct serve_probe *sp = arg;
	char what[600];
	int r = probe_start_read(&sp->p, fd, what, sizeof(what));

	(void)events;
	if (r > 0) {
		probe_end(sp, what);
	} else if (r < 0) {
		/* its port was deleted: nothing more can come through it */
		log_debug("probe: listening on a port: %s", strerror(-r));
		eloop_remove_fd(sp->ctx->loop, fd);
	}
}

static void probe_deadline(void *arg)
{
	probe_end(arg, NULL);
}

/* The ports the probe listens on: those of n's bridge that are not guest
 * ports; a bridge with guests alone is served at once. Such a port makes
 * preflight refuse the network, so only one that joined in between is
 * found here. GATEWAYD_TEST_PROBE_ALL=1 (for the tests alone) takes every
 * port, so that the probe runs on a bridge of guests too.
 *
 * The bridge's ports are the watch's (rt->ports), refreshed by the
 * watch (gw_ctx_host_resync()) that runs just before the dnsmasqs come
 * up: one read for all networks, not one each (1,000 networks started in 51 s instead of
 * 18 s with one dump per network). Should that list be stale (the ports
 * map could not be updated), the guard has still seen the fresh ports: a
 * non-guest port has tripped it, and dnsmasq waits until it leaves. */
static size_t probe_ports(struct gw_ctx *ctx, const struct gw_network *n,
			  const struct gw_net_rt *rt, int bridge, int *ports)
{
	const char *all = getenv("GATEWAYD_TEST_PROBE_ALL");
	bool every = all && !strcmp(all, "1");
	struct rtnl_link l;
	size_t np = 0;

	for (size_t k = 0; k < rt->n_ports && np < PROBE_MAX_PORTS; k++)
		if (rtnl_link_get(ctx->rtnl, rt->ports[k], &l) == 0 && l.master == bridge &&
		    (every || !hostcheck_guest_port(&ctx->own, n, l.ifindex, l.kind, l.name)))
			ports[np++] = l.ifindex;
	return np;
}

/* Before serving: is anybody else serving this bridge? Starts the probe
 * (rt->probe) and returns 1, or 0 if there is nothing to probe -- or the
 * probe could not start (warned): then the network is served at once. */
static int probe_begin(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
		       struct gw_net_rt *rt)
{
	int ports[PROBE_MAX_PORTS], r;
	struct serve_probe *sp = NULL;
	struct rtnl_link l;
	uint8_t mac[6];
	size_t np;

	if (!conf->probe_ms || rtnl_link_get(ctx->rtnl, n->bridge, &l) < 0)
		return 0;
	if ((np = probe_ports(ctx, n, rt, l.ifindex, ports)) == 0)
		return 0;
	if (!(sp = calloc(1, sizeof(*sp)))) {
		r = -ENOMEM;
		goto fail;
	}
	sp->ctx = ctx;
	sp->ms = conf->probe_ms;
	addr_bridge_mac(n->name, mac);
	if ((r = probe_start_open(&sp->p, l.ifindex, ports, np, mac)) < 0 ||
	    (r = eloop_timer_new(ctx->loop, probe_deadline, sp, &sp->deadline)) < 0)
		goto fail;
	for (size_t k = 0; k < sp->p.n; k++)
		if ((r = eloop_add_fd(ctx->loop, sp->p.fds[k], probe_readable, sp)) < 0)
			goto fail;
	if ((r = eloop_timer_arm(sp->deadline, conf->probe_ms)) < 0)
		goto fail;
	rt->probe = sp;
	log_info("network \"%s\": listening %u ms on %zu port%s of %s for other DHCP servers and "
		 "routers before serving",
		 n->name, conf->probe_ms, np, np == 1 ? "" : "s", n->bridge);
	return 1;
fail:
	serve_probe_free(sp);
	log_warnx("network \"%s\": probing %s for other DHCP servers and routers: %s", n->name,
		  n->bridge, strerror(-r));
	return 0;
}

int apply_dhcp_up(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
		  struct gw_net_rt *rt, char *err, size_t errlen)
{
	char cpath[GW_PATH_MAX + 64], ppath[GW_PATH_MAX + 64];

	/* A retired dnsmasq may still hold this network's ports: its own old
	 * one, or another network's that had these addresses or this bridge
	 * (a rename, a subnet moved or swapped). Start once all are gone. */
	if ((rt->dhcp_pending = ctx->n_retired > 0)) {
		log_debug("network \"%s\": its dnsmasq starts when the retired ones are gone",
			  n->name);
		return 0;
	}

	dnsmasq_conf_path(conf, n, cpath, sizeof(cpath));
	pid_path(conf, n, ppath, sizeof(ppath));
	/* A dnsmasq left by a crashed gatewayd would hold the ports, and
	 * answer the probe. */
	if (dnsmasq_kill_orphan(ppath, cpath) > 0)
		log_warnx("network \"%s\": stopped a dnsmasq left by an earlier gatewayd", n->name);
	rt->refused = false;
	if (probe_begin(ctx, conf, n, rt) > 0)
		return 0; /* served (or refused) when the probe ends */
	return serve(ctx, conf, n, rt, err, errlen);
}

static void probe_cancel(const struct gw_network *n, struct gw_net_rt *rt)
{
	if (rt->probe)
		log_debug("network \"%s\": start-time probe cancelled", n->name);
	serve_probe_free(rt->probe);
	rt->probe = NULL;
	rt->dhcp_pending = false;
}

void apply_dhcp_down(const struct gw_conf *conf, const struct gw_network *n, struct gw_net_rt *rt)
{
	char cpath[GW_PATH_MAX + 64];

	probe_cancel(n, rt);
	serve_ra_stop(rt, true); /* "no router here any more" */
	dnsmasq_free(rt->dnsmasq);
	rt->dnsmasq = NULL;
	dnsmasq_conf_path(conf, n, cpath, sizeof(cpath));
	unlink(cpath);
	hosts_dhcp_path(conf, n, cpath, sizeof(cpath));
	unlink(cpath);
	hosts_dns_path(conf, n, cpath, sizeof(cpath));
	unlink(cpath);
	names_pins_path(conf, n, cpath, sizeof(cpath));
	unlink(cpath);
}

int apply_dhcp_hosts(const struct gw_conf *conf, const struct gw_network *n, struct gw_net_rt *rt,
		     char *err, size_t errlen)
{
	int r;

	/* No dnsmasq yet (probing, refused, its old one still going): the
	 * files are written when it is served. */
	if (!rt->dnsmasq)
		return 0;
	if ((r = hosts_files_write(conf, n, err, errlen)) < 0)
		return r;
	dnsmasq_reload(rt->dnsmasq);
	return 0;
}

void apply_dhcp_retire(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
		       struct gw_net_rt *rt)
{
	struct dnsmasq **v;

	probe_cancel(n, rt);
	dnsmasq_stop_begin(rt->dnsmasq);
	if (rt->dnsmasq && dnsmasq_pid(rt->dnsmasq) > 0 &&
	    (v = realloc(ctx->retired, (ctx->n_retired + 1) * sizeof(*v)))) {
		ctx->retired = v;
		v[ctx->n_retired++] = rt->dnsmasq;
		rt->dnsmasq = NULL;
	}
	apply_dhcp_down(conf, n, rt); /* whatever is left: nothing to wait for */
}

bool apply_dhcp_reaped(struct gw_ctx *ctx, pid_t pid, int status)
{
	char err[512];

	for (size_t k = 0; k < ctx->n_retired; k++) {
		struct dnsmasq *d = ctx->retired[k];

		if (!dnsmasq_reaped(d, pid, status))
			continue;
		if (dnsmasq_pid(d) > 0)
			return true;
		ctx->retired[k] = ctx->retired[--ctx->n_retired];
		dnsmasq_free(d);
		for (size_t i = 0;
		     !ctx->n_retired && ctx->conf && ctx->nets && i < ctx->conf->n_networks; i++) {
			const struct gw_network *n = &ctx->conf->networks[i];

			if (!ctx->nets[i].dhcp_pending)
				continue;
			ctx->nets[i].dhcp_pending = false;
			if (apply_dhcp_up(ctx, ctx->conf, n, &ctx->nets[i], err, sizeof(err)) < 0)
				log_err("%s", err);
		}
		return true;
	}
	return false;
}

void apply_dhcp_retired_free(struct gw_ctx *ctx)
{
	for (size_t k = 0; k < ctx->n_retired; k++)
		dnsmasq_free(ctx->retired[k]);
	free(ctx->retired);
	ctx->retired = NULL;
	ctx->n_retired = 0;
}
