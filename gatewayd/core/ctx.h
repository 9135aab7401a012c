/* The daemon's running state: the core (apply, serve, watch) changes it;
 * the operator surfaces (control, doctor) read it. */
#ifndef GW_CTX_H
#define GW_CTX_H

#include <net/if.h>
#include <stdbool.h>

#include "conf/conf.h"
#include "gatewayd/core/plan.h"
#include "dhcp/supervisor.h"
#include "lib/eloop.h"
#include "gatewayd/host/resolv.h"
#include "gatewayd/host/hostcheck.h"
#include "gatewayd/host/rtnl.h"
#include "gatewayd/host/snapshot.h"
#include "gatewayd/host/sysctl.h"
#include "nft/commit.h"
#include "ra/router.h"

struct gw_shaping;

struct gw_net_rt {
	char uplink[IFNAMSIZ];
	bool created_bridge;
	struct dnsmasq *dnsmasq;
	struct ra_iface *ra;	   /* gatewayd's RAs on the bridge, with dnsmasq; or NULL */
	bool refused;		   /* start-time probe found another server */
	struct serve_probe *probe; /* start-time probe under way (serve.c), or NULL */
	bool dhcp_pending;	   /* starts once its old dnsmasq is gone (retired) */
	/* run-time watch */
	size_t n_ports;
	char (*ports)[IFNAMSIZ]; /* bridge ports as last put into ports_NET */
	/* the doctor's test ports on its bridge: in no map, but guest
	 * binding's guest_ports set lets our answer to them out */
	size_t n_test_ports;
	char (*test_ports)[IFNAMSIZ];
	/* ports that left the bridge in the last change of its ports, and
	 * when (eloop_now_ms()): a bridge being deleted drops its ports
	 * first, maybe in an earlier batch of events than its own deletion,
	 * and its repair plugs them back */
	size_t n_left;
	char (*left)[IFNAMSIZ];
	uint64_t left_at;
	char tripped[IFNAMSIZ]; /* non-guest port that stopped DHCP/RA, or "" */
	char collision[256];	/* last overlap warned about, or "" */
	char last_error[700];	/* for gatewayctl status */
};

struct gw_ctx {
	struct eloop *loop;
	struct rtnl *rtnl;
	struct gw_plan plan;	/* the desired state now in force */
	struct gw_conf *conf;	/* = plan.conf: the config, auto subnets resolved */
	struct gw_net_rt *nets; /* parallel to conf->networks */
	struct sysctl_state sysctls;
	int monitor_fd;
	/* the host as of the last batch of rtnetlink events (host/snapshot.h) */
	struct host_snap *snap;
	struct eloop_timer *snap_timer; /* a failed read of it, read again */
	/* tests (GATEWAYD_TEST_SNAP_CHECK=1): the snapshot compared with a
	 * fresh read once events stop for SNAP_CHECK_MS, or NULL */
	struct eloop_timer *snap_check;
	struct nft_conn *nft;	     /* owns our tables for the daemon's life */
	int nft_monitor_fd;	     /* -1, or nf_tables events when not owned */
	bool bridge_meta;	     /* the backstop matches bridges (meta ibrname) */
	struct resolv_watch *resolv; /* upstream DNS servers for every dnsmasq */
	/* a watch that could not read the host looks again (watch.c) */
	struct eloop_timer *watch_timer;
	unsigned watch_again; /* WATCH_* */
	/* guest binding's sets (binding.c), or NULL */
	struct gw_binding *binding;
	/* what gatewayd put on its bridges itself, told to the host checks:
	 * its taps and attached ports (answered by taps.c), the doctor's
	 * test ports */
	struct hostcheck_own own;
	/* gatewayd's own taps and attached ports (taps.c), or NULL */
	struct gw_taps *taps;
	/* announcing through BIRD (bgp.c), or NULL */
	struct gw_bgp_rt *bgp;
	/* dnsmasqs told to stop and not waited for: reaped by the loop */
	struct dnsmasq **retired;
	size_t n_retired;
	/* the router advertisement sender (ra/router.h), from the first
	 * network that is advertised; or NULL */
	struct ra_router *ra;
	/* guests' DHCP names pinned to their MACs (names.c), or NULL */
	struct gw_names *names;
	/* bandwidth limits in force (shaping.c), or NULL */
	struct gw_shaping *shaping;
};

/* serve.c: a network's dnsmasq, after the checks that may refuse it
 * (rt->refused, rt->last_error); down stops it and removes its config. */
int apply_dhcp_up(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
		  struct gw_net_rt *rt, char *err, size_t errlen);
void apply_dhcp_down(const struct gw_conf *conf, const struct gw_network *n, struct gw_net_rt *rt);
/* Only its static hosts changed: rewrite their files and SIGHUP its
 * dnsmasq, which re-reads them (same pid). */
int apply_dhcp_hosts(const struct gw_conf *conf, const struct gw_network *n, struct gw_net_rt *rt,
		     char *err, size_t errlen);
/* Like down, without waiting: the dnsmasq gets SIGTERM and goes to
 * ctx->retired; the loop reaps it (SIGKILL if it lingers) and only then
 * does a new dnsmasq of the same network start (rt->dhcp_pending). */
void apply_dhcp_retire(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
		       struct gw_net_rt *rt);
/* A child exited: true if it was a retired dnsmasq (then freed, and the
 * network waiting for it served). */
bool apply_dhcp_reaped(struct gw_ctx *ctx, pid_t pid, int status);
/* Free every retired dnsmasq, waiting for each (stop). */
void apply_dhcp_retired_free(struct gw_ctx *ctx);

/* serve.c: gatewayd's own router advertisements on a network's bridge
 * go with its dnsmasq (started where it is served, paused while the
 * guard is tripped: ra_iface_pause/resume); start again after the bridge
 * was recreated (a new ifindex); stop without the last RA, which says
 * "no router here" (final), when the network goes on under new settings. */
void serve_ra_restart(struct gw_ctx *ctx, const struct gw_network *n, struct gw_net_rt *rt);
void serve_ra_stop(struct gw_net_rt *rt, bool final);

/* ctx.c: the event sources started with the daemon are in gw_ctx_new()
 * (apply.h); these two start later, with the first config. */
/* Our tables are not the kernel's to keep (Linux < 6.9): watch them. */
void gw_ctx_watch_nft(struct gw_ctx *ctx);
/* resolv.conf named other servers: every dnsmasq re-reads them. */
void gw_ctx_upstream_changed(void *arg);
/* Read the host afresh into ctx->snap and act on all of it (watch_host()
 * with ch->all; the taps are the caller's): start, reload, our tables put
 * back. A
 * failed read is tried again WATCH_AGAIN_MS later. */
void gw_ctx_host_resync(struct gw_ctx *ctx);

#endif
