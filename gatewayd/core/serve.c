/* Serving a network: the start-time checks before its dnsmasq first
 * serves (probe, ports held by others), its config and lease file, the
 * supervisor's start and stop. Part of apply (see ctx.h). */
#include "gatewayd/core/ctx.h"
#include "conf/addr.h"
#include "dhcp/dnsmasq_conf.h"
#include "dhcp/supervisor.h"
#include "gatewayd/host/hostcheck.h"
#include "lib/log.h"
#include "gatewayd/host/portcheck.h"
#include "gatewayd/host/probe.h"
#include "gatewayd/host/rtnl.h"
#include "lib/state.h"

#include <errno.h>
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

static void pid_path(const struct gw_conf *conf, const struct gw_network *n, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.dnsmasq.pid", conf->run_dir, n->name);
}

/* Before serving: is anybody else serving this bridge, or holding the
 * ports? Then this network gets no DHCP/RA (the others go on). */
static bool dhcp_refused(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
			 struct gw_net_rt *rt)
{
	char what[600];
	struct rtnl_link l;
	uint8_t mac[6];
	int r;

	rt->refused = false;
	if (conf->probe_ms && rtnl_link_get(ctx->rtnl, n->bridge, &l) == 0) {
		const struct host_link *fp[PROBE_MAX_PORTS];
		int ports[PROBE_MAX_PORTS];
		struct host_facts f;
		size_t np = 0;

		/* Only answers through non-guest ports count; a bridge with
		 * guests alone is served at once. */
		if ((r = rtnl_read_facts(ctx->rtnl, &f)) == 0) {
			np = hostcheck_foreign_ports(n, &f, fp, PROBE_MAX_PORTS);
			np = np < PROBE_MAX_PORTS ? np : PROBE_MAX_PORTS;
			for (size_t k = 0; k < np; k++)
				ports[k] = fp[k]->ifindex;
			host_facts_free(&f);
		}
		addr_bridge_mac(n->name, mac);
		if (r == 0)
			r = probe_bridge(l.ifindex, ports, np, mac, conf->probe_ms, what,
					 sizeof(what));
		if (r < 0)
			log_warnx(
				"network \"%s\": probing %s for other DHCP servers and routers: %s",
				n->name, n->bridge, strerror(-r));
		if (r > 0) {
			log_err("network \"%s\": %s already answers on %s: NOT serving DHCP or "
				"router "
				"advertisements on this network. Remove the other server, then "
				"reload",
				n->name, what, n->bridge);
			snprintf(rt->last_error, sizeof(rt->last_error),
				 "not serving: %s already answers on %s", what, n->bridge);
			rt->refused = true;
			return true;
		}
	}
	if (portcheck_bridge(n->bridge, n->ipv4.addr, n->has_ipv6 ? &n->ipv6.addr : NULL, what,
			     sizeof(what)) < 0) {
		log_err("network \"%s\": %s", n->name, what);
		snprintf(rt->last_error, sizeof(rt->last_error), "not serving: %s", what);
		rt->refused = true;
		return true;
	}
	return false;
}

int apply_dhcp_up(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
		  struct gw_net_rt *rt, char *err, size_t errlen)
{
	char cpath[GW_PATH_MAX + 64], ppath[GW_PATH_MAX + 64], lpath[GW_PATH_MAX + 64];
	struct dnsmasq_params p = { n->name, conf->dnsmasq, cpath, ppath };
	int r;

	dnsmasq_conf_path(conf, n, cpath, sizeof(cpath));
	pid_path(conf, n, ppath, sizeof(ppath));
	/* A dnsmasq left by a crashed gatewayd would hold the ports, and
	 * answer the probe. */
	if (dnsmasq_kill_orphan(ppath, cpath) > 0)
		log_warnx("network \"%s\": stopped a dnsmasq left by an earlier gatewayd", n->name);
	if (dhcp_refused(ctx, conf, n, rt))
		return 0;
	if ((r = state_file_write(cpath, 0644, dnsmasq_conf_fill,
				  &(struct dnsmasq_conf_arg){ conf, n })) < 0)
		return fmt_err(err, errlen, "network \"%s\": writing %s: %s", n->name, cpath,
			       strerror(-r));
	/* dnsmasq opens its lease file as root before it drops privileges,
	 * and would create it world-readable: guests' MACs and names. */
	dnsmasq_lease_path(conf, n, lpath, sizeof(lpath));
	if (n->dhcp_enabled && (r = state_file_create(lpath, 0600)) < 0)
		return fmt_err(err, errlen, "network \"%s\": lease file %s: %s", n->name, lpath,
			       strerror(-r));
	if ((r = dnsmasq_new(ctx->loop, &p, &rt->dnsmasq)) < 0 ||
	    (r = dnsmasq_start(rt->dnsmasq)) < 0)
		return fmt_err(err, errlen, "network \"%s\": starting %s: %s", n->name,
			       conf->dnsmasq, strerror(-r));
	return 0;
}

void apply_dhcp_down(const struct gw_conf *conf, const struct gw_network *n, struct gw_net_rt *rt)
{
	char cpath[GW_PATH_MAX + 64];

	dnsmasq_free(rt->dnsmasq);
	rt->dnsmasq = NULL;
	dnsmasq_conf_path(conf, n, cpath, sizeof(cpath));
	unlink(cpath);
}
