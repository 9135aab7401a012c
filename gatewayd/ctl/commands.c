/* What gatewayctl's read-only commands answer: status, leases, forwards
 * and metrics, formatted from the running state and the kernel's
 * counters (the control socket, control.c, dispatches to them). Each
 * answer holds only the networks its peer sees (authz.h): a network's
 * owner gets theirs, and nothing of another customer's -- no row, no
 * label, no host-wide counter that sums other customers' packets. */
#include "gatewayd/ctl/commands.h"
#include "gatewayd/core/forwards_rt.h"
#include "gatewayd/ctl/authz.h"
#include "gatewayd/ctl/bandwidth_ctl.h"
#include "gatewayd/ctl/bgp_ctl.h"
#include "gatewayd/ctl/guests.h"
#include "gatewayd/ctl/ports.h"
#include "gatewayd/ctl/proto.h"
#include "gatewayd/ctl/quota_ctl.h"
#include "gatewayd/core/ctx.h"
#include "dhcp/dnsmasq_conf.h"
#include "dhcp/leases.h"
#include "nft/counters.h"
#include "nft/inspect.h"
#include "nft/feature.h"
#include "nft/plan.h"
#include "nft/untrusted.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct counters {
	uint64_t p, b;
};

/* cs: every counter, read once for the whole command (nft/counters.h) */
static struct counters counter(const struct nft_counters *cs, enum nft_ctr k, const char *net)
{
	struct counters c = { 0, 0 };
	char name[NFT_NAME_MAX];

	nft_counter_name(name, nft_ctr_kinds[k].what, net);
	nft_counters_get(cs, nft_ctr_kinds[k].family, name, &c.p, &c.b);
	return c;
}

static const char *bridge_state(struct gw_ctx *ctx, const struct gw_network *n)
{
	struct rtnl_link l;

	if (rtnl_link_get(ctx->rtnl, n->bridge, &l) < 0)
		return "missing";
	return (l.flags & IFF_UP) ? "up" : "down";
}

static const char *guard_state(const struct gw_net_rt *rt, char *buf, size_t len)
{
	if (rt->refused)
		return "refused";
	if (rt->tripped[0]) {
		snprintf(buf, len, "tripped by %s", rt->tripped);
		return buf;
	}
	return "ok";
}

/* The backstop's form (nft/feature.h), what it leaves open, and what it
 * dropped from ports not known yet (one counter for the bridge table:
 * the same for every network). */
static void backstop_status(struct out *o, const struct gw_ctx *ctx, const struct nft_counters *cs,
			    bool all)
{
	uint64_t p = 0, b = 0;

	out_str(o, "backstop", nft_backstop_mode(ctx->bridge_meta));
	out_str(o, "backstop_open", nft_backstop_gap(ctx->bridge_meta));
	/* every network's frames: for those who see them all */
	if (!all)
		return;
	nft_counters_get(cs, NFPROTO_BRIDGE, NFT_UNTRUSTED_CTR, &p, &b);
	out_int(o, "untrusted_dropped_packets", p);
}

/* "probing": the start-time probe listens before dnsmasq first serves. */
static const char *dnsmasq_state(const struct gw_net_rt *rt)
{
	if (rt->probe)
		return "probing";
	if (rt->dhcp_pending)
		return "restarting";
	return rt->dnsmasq && dnsmasq_pid(rt->dnsmasq) > 0 ? "running" : "stopped";
}

/* gatewayd's own router advertisements on the bridge (ra/router.h) */
static void ra_status(struct out *o, const struct gw_net_rt *rt)
{
	struct ra_stats st;

	ra_iface_stats(rt->ra, &st);
	out_str(o, "ra", !rt->ra ? "off" : st.paused ? "paused" : "sending");
	out_int(o, "ra_sent", st.sent);
	out_int(o, "ra_solicitations", st.rs);
}

static void status_one(struct out *o, struct gw_ctx *ctx, size_t i, const struct nft_counters *cs,
		       const struct guest_sets *gs, bool all)
{
	const struct gw_network *n = &ctx->conf->networks[i];
	const struct gw_net_rt *rt = &ctx->nets[i];
	char a4[64], a6[64] = "", path[GW_PATH_MAX + 64], g[64];
	struct lease *leases = NULL;
	const char *err = rt->last_error[0] ? rt->last_error
			  : rt->dnsmasq	    ? dnsmasq_last_exit(rt->dnsmasq)
					    : "";
	int nl;

	inet_ntop(AF_INET, &n->ipv4.addr, a4, sizeof(a4));
	snprintf(a4 + strlen(a4), sizeof(a4) - strlen(a4), "/%u", n->ipv4.plen);
	if (n->has_ipv6) {
		inet_ntop(AF_INET6, &n->ipv6.addr, a6, sizeof(a6));
		snprintf(a6 + strlen(a6), sizeof(a6) - strlen(a6), "/%u", n->ipv6.plen);
	}
	dnsmasq_lease_path(ctx->conf, n, path, sizeof(path));
	nl = leases_load(path, &leases); /* all of them: the count is shown */

	out_obj_begin(o, n->name);
	out_str(o, "network", n->name);
	out_str(o, "bridge", n->bridge);
	out_str(o, "bridge_state", bridge_state(ctx, n));
	out_str(o, "ipv4", a4);
	out_str(o, "ipv6", a6);
	out_str(o, "mode", conf_mode_name(n->mode));
	out_str(o, "uplink", rt->uplink);
	out_list_begin(o, "ports");
	for (size_t k = 0; k < rt->n_ports; k++)
		out_item(o, rt->ports[k]);
	out_list_end(o);
	ports_status(o, ctx, i, gs, leases, nl); /* guest ports: origin, MAC, lease, drops */
	bw_ctl_status(o, ctx, i);		 /* bandwidth: limits, drops, overlimits */
	out_str(o, "dnsmasq", dnsmasq_state(rt));
	out_int(o, "dnsmasq_pid", rt->dnsmasq ? dnsmasq_pid(rt->dnsmasq) : 0);
	out_int(o, "dnsmasq_uptime_s", rt->dnsmasq ? dnsmasq_uptime_ms(rt->dnsmasq) / 1000 : 0);
	out_int(o, "dnsmasq_restarts", rt->dnsmasq ? dnsmasq_restarts(rt->dnsmasq) : 0);
	ra_status(o, rt);
	out_str(o, "guard", guard_state(rt, g, sizeof(g)));
	backstop_status(o, ctx, cs, all);
	bgp_ctl_status(o, ctx, i); /* announce, bgp */
	out_int(o, "leases", nl > 0 ? (uint64_t)nl : 0);
	quota_status(o, n, cs); /* caps; guests with drops */
	for (size_t k = 0; k < NCTR_COUNT; k++) {
		struct counters c = counter(cs, (enum nft_ctr)k, n->name);
		char key[64];

		snprintf(key, sizeof(key), "%s_packets", nft_ctr_kinds[k].status);
		out_int(o, key, c.p);
		if (nft_ctr_kinds[k].metric_bytes) {
			snprintf(key, sizeof(key), "%s_bytes", nft_ctr_kinds[k].status);
			out_int(o, key, c.b);
		}
	}
	out_str(o, "last_error", err);
	out_obj_end(o);
	free(leases);
}

/* Index of the named network, or all (-1); -2 if there is no such one. */
long cmd_pick(struct gw_ctx *ctx, const char *net)
{
	if (!net)
		return -1;
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		if (!strcmp(ctx->conf->networks[i].name, net))
			return (long)i;
	return -2;
}

int cmd_refuse_net(struct gw_ctx *ctx, const struct ctl_peer *p, const char *net, FILE *f)
{
	/* the same words whether net exists or not */
	if (!authz_sees_all(ctx, p)) {
		fprintf(f, "permission denied: no network \"%s\" of yours\n", net);
		return CTL_DENIED;
	}
	fprintf(f, "no network \"%s\"\n", net);
	return CTL_NO_NET;
}

int cmd_pick_seen(struct gw_ctx *ctx, const struct ctl_peer *p, const char *net, long *which,
		  FILE *f)
{
	*which = cmd_pick(ctx, net);
	if (*which == -2 || (*which >= 0 && !authz_sees(ctx, p, &ctx->conf->networks[*which])))
		return cmd_refuse_net(ctx, p, net, f);
	return CTL_OK;
}

int cmd_pick_managed(struct gw_ctx *ctx, const struct ctl_peer *p, const char *net,
		     const char *what, long *which, FILE *f)
{
	int code = cmd_pick_seen(ctx, p, net, which, f);

	if (code != CTL_OK)
		return code;
	if (*which < 0 || !authz_manages(ctx, p, &ctx->conf->networks[*which])) {
		fprintf(f, "permission denied: only root or an owner of network \"%s\" may %s\n",
			net, what);
		return CTL_DENIED;
	}
	return CTL_OK;
}

/* Network i in an answer for p that asked for which (-1: all it sees)? */
static bool shown(struct gw_ctx *ctx, const struct ctl_peer *p, long which, size_t i)
{
	return (which < 0 || (size_t)which == i) && authz_sees(ctx, p, &ctx->conf->networks[i]);
}

int cmd_status(struct out *o, struct gw_ctx *ctx, long which, const struct ctl_peer *p)
{
	bool all = authz_sees_all(ctx, p);
	struct nft_counters cs;
	struct guest_sets *gs = NULL;

	/* unread: zeros, as before */
	nft_counters_read(NFT_CTRS_NAMED, which < 0 ? NULL : ctx->conf->networks[which].name, &cs);
	guest_sets_read(&gs); /* what the kernel dropped per guest, once (ctl/guests.h) */
	out_doc_begin(o, "networks");
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		if (shown(ctx, p, which, i))
			status_one(o, ctx, i, &cs, gs, all);
	out_doc_end(o);
	guest_sets_free(gs);
	nft_counters_release(&cs);
	return CTL_OK;
}

/* Is there a static host (file or gatewayctl qemu-args --static) with
 * this MAC and address? */
static bool lease_static(const struct gw_network *n, const char *mac, const char *ip)
{
	char m[32], a[INET_ADDRSTRLEN];

	for (size_t k = 0; k < n->hosts.n; k++) {
		const struct gw_host *h = &n->hosts.v[k];

		if (!h->has_mac || !h->has_ipv4)
			continue;
		conf_mac_format(h->mac, m, sizeof(m));
		inet_ntop(AF_INET, &h->ipv4, a, sizeof(a));
		if (!strcasecmp(m, mac) && !strcmp(a, ip))
			return true;
	}
	return false;
}

int cmd_leases(struct out *o, struct gw_ctx *ctx, long which, const struct ctl_peer *p)
{
	time_t now = time(NULL);

	out_table_begin(o, "leases", "NETWORK MAC IP HOSTNAME EXPIRES TYPE");
	for (size_t i = 0; i < ctx->conf->n_networks; i++) {
		const struct gw_network *n = &ctx->conf->networks[i];
		char path[GW_PATH_MAX + 64], exp[32];
		struct lease *leases = NULL;
		int nl;

		if (!shown(ctx, p, which, i))
			continue;
		dnsmasq_lease_path(ctx->conf, n, path, sizeof(path));
		nl = leases_load(path, &leases);
		for (int k = 0; k < nl; k++) {
			if (leases[k].expiry == 0)
				snprintf(exp, sizeof(exp), "never");
			else
				snprintf(exp, sizeof(exp), "%llds",
					 (long long)leases[k].expiry - (long long)now);
			out_row(o, 6, n->name, leases[k].mac, leases[k].ip, leases[k].hostname, exp,
				!leases[k].v6 && lease_static(n, leases[k].mac, leases[k].ip)
					? "static"
					: "dynamic");
		}
		/* static hosts whose guest has not asked yet */
		for (size_t h = 0; h < n->hosts.n; h++) {
			const struct gw_host *sh = &n->hosts.v[h];
			char m[32], a[INET_ADDRSTRLEN];
			bool leased = false;

			if (!sh->has_mac || !sh->has_ipv4)
				continue;
			conf_mac_format(sh->mac, m, sizeof(m));
			inet_ntop(AF_INET, &sh->ipv4, a, sizeof(a));
			for (int k = 0; k < nl && !leased; k++)
				leased = !leases[k].v6 && !strcasecmp(leases[k].mac, m) &&
					 !strcmp(leases[k].ip, a);
			if (!leased)
				out_row(o, 6, n->name, m, a, sh->name, "-", "static");
		}
		free(leases);
	}
	out_table_end(o);
	return CTL_OK;
}

/* A forward's listen side and target, as written in the config. */
static void forward_text(const struct gw_forward *f, char *listen, size_t llen, char *to,
			 size_t tlen)
{
	char a[INET6_ADDRSTRLEN];
	const char *l = "*", *lb = "", *rb = "";

	if (f->family == AF_INET6)
		lb = "[", rb = "]";
	if (!f->listen_any) {
		inet_ntop(f->family, &f->listen, a, sizeof(a));
		l = a;
	}
	if (f->port_min == f->port_max)
		snprintf(listen, llen, "%s%s%s:%u", f->listen_any ? "" : lb, l,
			 f->listen_any ? "" : rb, f->port_min);
	else
		snprintf(listen, llen, "%s%s%s:%u-%u", f->listen_any ? "" : lb, l,
			 f->listen_any ? "" : rb, f->port_min, f->port_max);
	inet_ntop(f->family, &f->to, a, sizeof(a));
	if (f->to_min == f->to_max)
		snprintf(to, tlen, "%s%s%s:%u", lb, a, rb, f->to_min);
	else
		snprintf(to, tlen, "%s%s%s:%u-%u", lb, a, rb, f->to_min, f->to_max);
}

/* Run-time forwards the config left out: a row each (origin
 * "left-out"), and why on gatewayctl's stderr after the table. */
struct forwards_left {
	struct gw_ctx *ctx;
	const struct ctl_peer *peer;
	struct out *o;
	const struct gw_network *n;
	const char *net;
	FILE *notes;
	char *text;
	size_t len;
};

static void forward_left_row(void *arg, const struct forward_rt *s, const char *why,
			     const struct gw_network *with)
{
	struct forwards_left *l = arg;
	char listen[INET6_ADDRSTRLEN + 24];

	/* a former owner's forward is theirs, not the network's new owners'
	 * to read (its name, target, who added it): root and readers only */
	if (!authz_sees_all(l->ctx, l->peer) && !conf_owner_entry_owns(l->n, s->by))
		return;
	snprintf(listen, sizeof(listen), "%s:%s", s->listen[0] ? s->listen : "*", s->port);
	out_row(l->o, 8, l->net, s->name, s->proto, listen, s->to, "0", "0", "left-out");
	if (!l->notes && !(l->notes = open_memstream(&l->text, &l->len)))
		return;
	/* what keeps it out may be another customer's: not named to them */
	if (with && !authz_sees(l->ctx, l->peer, with))
		why = "its port or listen address is another network's now (a forward or a subnet "
		      "of the config)";
	fprintf(l->notes, CTL_STDERR "forward \"%s\" of network \"%s\" is left out: %s\n", s->name,
		l->net, why);
}

/* Port forwards with their counters (every packet of their connections,
 * both ways, as the forward chain counts them), and where each comes
 * from: the config file or gatewayctl forward add (run-time). */
int cmd_forwards(struct out *o, struct gw_ctx *ctx, long which, const struct ctl_peer *peer)
{
	struct forwards_left left = { .ctx = ctx, .peer = peer, .o = o };
	struct nft_counters cs;
	struct nft_fwd_count *v;
	long n;

	nft_counters_read(NFT_CTRS_FORWARDS, NULL, &cs);
	v = cs.fwd;
	n = (long)cs.n_fwd;

	out_table_begin(o, "forwards", "NETWORK NAME PROTO LISTEN TO PACKETS BYTES ORIGIN");
	for (size_t i = 0; i < ctx->conf->n_networks; i++) {
		const struct gw_network *net = &ctx->conf->networks[i];

		if (!shown(ctx, peer, which, i))
			continue;
		for (size_t k = 0; k < net->fwd.n; k++) {
			const struct gw_forward *f = &net->fwd.v[k];
			const struct nft_fwd_count *c =
				n > 0 ? nft_forward_count_find(v, (size_t)n, net->name, f->name)
				      : NULL;
			char listen[INET6_ADDRSTRLEN + 16], to[INET6_ADDRSTRLEN + 16], p[24], b[24];

			forward_text(f, listen, sizeof(listen), to, sizeof(to));
			snprintf(p, sizeof(p), "%llu", c ? (unsigned long long)c->packets : 0ULL);
			snprintf(b, sizeof(b), "%llu", c ? (unsigned long long)c->bytes : 0ULL);
			out_row(o, 8, net->name, f->name, f->proto == IPPROTO_TCP ? "tcp" : "udp",
				listen, to, p, b, f->runtime ? "run-time" : "config");
		}
		left.n = net;
		left.net = net->name;
		forwards_rt_left_out(ctx->conf, net, forward_left_row, &left);
	}
	out_table_end(o);
	nft_counters_release(&cs);
	if (left.notes) {
		fclose(left.notes);
		fputs(left.text, o->f);
		free(left.text);
	}
	return CTL_OK;
}

/* Each forward's counters as Prometheus counters. */
static void metric_forwards(FILE *f, struct gw_ctx *ctx, const struct nft_counters *cs,
			    const struct ctl_peer *p)
{
	const struct nft_fwd_count *v = cs->fwd;
	long n = (long)cs->n_fwd;

	for (int bytes = 0; bytes < 2; bytes++) {
		const char *name =
			bytes ? "gatewayd_forward_bytes_total" : "gatewayd_forward_packets_total";

		fprintf(f, "# HELP %s %s of a port forward's connections, both ways\n", name,
			bytes ? "bytes" : "packets");
		fprintf(f, "# TYPE %s counter\n", name);
		for (size_t i = 0; i < ctx->conf->n_networks; i++) {
			const struct gw_network *net = &ctx->conf->networks[i];

			if (!shown(ctx, p, -1, i))
				continue;
			for (size_t k = 0; k < net->fwd.n; k++) {
				const struct nft_fwd_count *c =
					n > 0 ? nft_forward_count_find(v, (size_t)n, net->name,
								       net->fwd.v[k].name)
					      : NULL;

				fprintf(f, "%s{network=\"%s\",forward=\"%s\"} %llu\n", name,
					net->name, net->fwd.v[k].name,
					c ? (unsigned long long)(bytes ? c->bytes : c->packets)
					  : 0ULL);
			}
		}
	}
}

static void metric(FILE *f, const char *name, const char *net, uint64_t v)
{
	fprintf(f, "%s{network=\"%s\"} %llu\n", name, net, (unsigned long long)v);
}

/* One counter kind (nft_ctr_kinds) as a Prometheus counter. */
static void metric_counter(FILE *f, struct gw_ctx *ctx, const struct nft_counters *cs,
			   enum nft_ctr k, bool bytes, const struct ctl_peer *p)
{
	const struct nft_ctr_kind *c = &nft_ctr_kinds[k];
	const char *name = bytes ? c->metric_bytes : c->metric_packets;

	if (c->metric_bytes)
		fprintf(f, "# HELP %s %s %s\n", name, bytes ? "bytes" : "packets", c->help);
	else
		fprintf(f, "# HELP %s %s\n", name, c->help);
	fprintf(f, "# TYPE %s counter\n", name);
	for (size_t i = 0; i < ctx->conf->n_networks; i++) {
		struct counters v;

		if (!shown(ctx, p, -1, i))
			continue;
		v = counter(cs, k, ctx->conf->networks[i].name);
		metric(f, name, ctx->conf->networks[i].name, bytes ? v.b : v.p);
	}
}

/* The backstop's drops from ports not listed yet: one for the host; and
 * its form, as a label. */
static void metric_untrusted(FILE *f, const struct gw_ctx *ctx, const struct nft_counters *cs)
{
	uint64_t p = 0, b = 0;

	nft_counters_get(cs, NFPROTO_BRIDGE, NFT_UNTRUSTED_CTR, &p, &b);
	fprintf(f,
		"# HELP gatewayd_untrusted_dropped_packets_total frames dropped from bridge ports "
		"gatewayd has not listed yet\n"
		"# TYPE gatewayd_untrusted_dropped_packets_total counter\n"
		"gatewayd_untrusted_dropped_packets_total{backstop=\"%s\"} %llu\n",
		nft_backstop_mode(ctx->bridge_meta), (unsigned long long)p);
}

int cmd_metrics(FILE *f, struct gw_ctx *ctx, const struct ctl_peer *p)
{
	struct nft_counters cs;
	static const struct {
		const char *name, *help, *type;
	} m[] = {
		{ "gatewayd_network_up", "1 if the bridge is up and DHCP is served", "gauge" },
		{ "gatewayd_dnsmasq_restarts_total", "dnsmasq restarts by the supervisor",
		  "counter" },
		{ "gatewayd_guard_tripped", "1 while a non-guest port stops DHCP/RA", "gauge" },
		{ "gatewayd_leases", "DHCP leases in the lease file", "gauge" },
	};
	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", m[k].name, m[k].help, m[k].name,
			m[k].type);
		for (size_t i = 0; i < ctx->conf->n_networks; i++) {
			const struct gw_network *n = &ctx->conf->networks[i];
			const struct gw_net_rt *rt = &ctx->nets[i];
			char path[GW_PATH_MAX + 64];
			uint64_t v = 0;
			struct lease *leases = NULL;
			int nl;

			if (!shown(ctx, p, -1, i))
				continue;
			switch (k) {
			case 0:
				v = !strcmp(bridge_state(ctx, n), "up") && rt->dnsmasq &&
				    dnsmasq_pid(rt->dnsmasq) > 0;
				break;
			case 1: v = rt->dnsmasq ? dnsmasq_restarts(rt->dnsmasq) : 0; break;
			case 2: v = rt->tripped[0] != 0; break;
			case 3:
				dnsmasq_lease_path(ctx->conf, n, path, sizeof(path));
				nl = leases_load(path, &leases);
				v = nl > 0 ? (uint64_t)nl : 0;
				free(leases);
				break;
			}
			metric(f, m[k].name, n->name, v);
		}
	}
	/* every counter the figures need: one socket, read once */
	nft_counters_read(NFT_CTRS_NAMED | NFT_CTRS_FORWARDS, NULL, &cs);
	for (size_t k = 0; k < NCTR_COUNT; k++) {
		metric_counter(f, ctx, &cs, (enum nft_ctr)k, false, p);
		if (nft_ctr_kinds[k].metric_bytes)
			metric_counter(f, ctx, &cs, (enum nft_ctr)k, true, p);
	}
	/* the host's, summing every network's frames: not a customer's */
	if (authz_sees_all(ctx, p))
		metric_untrusted(f, ctx, &cs);
	metric_forwards(f, ctx, &cs, p);
	nft_counters_release(&cs);
	bgp_ctl_metrics(f, ctx, p);
	return CTL_OK;
}
