/* The doctor. Every check reads the host as it is now (not what gatewayd
 * believes), so it also finds what other tools did: another firewall's
 * policy-drop chain, forwarding turned off, a bridge taken down. */
#include "doctor.h"
#include "ctx.h"
#include "conf/addr.h"
#include "gatewayd/hostcheck.h"
#include "gatewayd/portcheck.h"
#include "gatewayd/probe.h"
#include "nft/inspect.h"
#include "nft/plan.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct tally {
	struct out *o;
	int fails;
};

__attribute__((format(printf, 5, 6))) static void
check(struct tally *t, const char *name, const char *state, const char *fix, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (!strcmp(state, "FAIL"))
		t->fails++;
	out_check(t->o, name, state, detail, fix);
}

static void check_forwarding(struct tally *t, const struct gw_conf *conf)
{
	char v4[8] = "?", v6[8] = "-";
	bool want6 = false;

	for (size_t i = 0; i < conf->n_networks; i++)
		want6 |= conf->networks[i].has_ipv6;
	sysctl_read(SYSCTL_ROOT, "net/ipv4/ip_forward", v4, sizeof(v4));
	if (want6)
		sysctl_read(SYSCTL_ROOT, "net/ipv6/conf/all/forwarding", v6, sizeof(v6));
	if (strcmp(v4, "1") || (want6 && strcmp(v6, "1")))
		check(t, "forwarding", "FAIL",
		      "sysctl -w net.ipv4.ip_forward=1 (and "
		      "net.ipv6.conf.all.forwarding=1); gatewayd turns it back on when told by the "
		      "kernel, so something keeps switching it off",
		      "ip_forward %s, ipv6 forwarding %s", v4, v6);
	else
		check(t, "forwarding", "ok", NULL, "ip_forward %s, ipv6 forwarding %s", v4, v6);
}

static void check_tables(struct tally *t, struct gw_ctx *ctx)
{
	const char **ups = calloc(ctx->conf->n_networks, sizeof(*ups));
	struct nft_plan plan;
	int in, br;

	if (!ups)
		return;
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		ups[i] = ctx->nets[i].uplink;
	in = nft_rule_count(NFPROTO_INET);
	br = nft_rule_count(NFPROTO_BRIDGE);
	if (nft_plan_build(ctx->conf, ups, &plan) == 0) {
		if (in < 0 || br < 0)
			check(t, "gatewayd tables", "FAIL",
			      "restart gatewayd (the tables go with its "
			      "socket)",
			      "table inet or bridge gatewayd is missing");
		else if ((size_t)(in + br) != plan.n_rules)
			check(t, "gatewayd tables", "FAIL", "gatewayctl reload",
			      "%d rules installed, "
			      "%zu planned",
			      in + br, plan.n_rules);
		else
			check(t, "gatewayd tables", "ok", NULL,
			      "inet and bridge gatewayd, %d rules", in + br);
		nft_plan_release(&plan);
	}
	free(ups);
}

/* Another table's base chain with policy drop on forward/input drops what
 * its rules do not accept, whatever our table accepts (Docker's FORWARD
 * DROP, ufw, firewalld, NixOS). */
static void check_foreign(struct tally *t, const struct gw_conf *conf)
{
	struct nft_foreign_chain fc[32];
	int n = nft_foreign_drop_chains(fc, 32);
	const char *br = conf->networks[0].bridge;

	if (n < 0) {
		check(t, "other firewalls", "WARN", NULL, "could not list nftables chains: %s",
		      strerror(-n));
		return;
	}
	if (n == 0)
		check(t, "other firewalls", "ok", NULL,
		      "no other base chain on forward/input drops "
		      "by policy");
	for (int i = 0; i < n; i++) {
		char fix[512];

		if (!strcmp(fc[i].hook, "forward"))
			snprintf(
				fix, sizeof(fix),
				"let guests through it: nft insert rule %s %s %s "
				"iifname \"%s\" accept; nft insert rule %s %s %s oifname \"%s\" ct "
				"state established,related accept (Docker: the DOCKER-USER chain)",
				fc[i].family, fc[i].table, fc[i].chain, br, fc[i].family,
				fc[i].table, fc[i].chain, br);
		else
			snprintf(fix, sizeof(fix),
				 "let DHCP and DNS in: nft insert rule %s %s %s "
				 "iifname \"%s\" udp dport { 53, 67 } accept (ufw: ufw allow in on "
				 "%s)",
				 fc[i].family, fc[i].table, fc[i].chain, br, br);
		check(t, "other firewalls", "FAIL", fix,
		      "table %s %s, chain %s (hook %s) has policy "
		      "drop: guest traffic its rules do not accept is dropped, whatever gatewayd's "
		      "table says",
		      fc[i].family, fc[i].table, fc[i].chain, fc[i].hook);
	}
}

static void self_test(struct tally *t, struct gw_ctx *ctx, const struct gw_network *n, int bridge);

static void check_network(struct tally *t, struct gw_ctx *ctx, size_t i)
{
	const struct gw_network *n = &ctx->conf->networks[i];
	const struct gw_net_rt *rt = &ctx->nets[i];
	struct rtnl_link l, up;
	struct host_facts f;
	char a[INET6_ADDRSTRLEN], what[256], key[128], v[8] = "?";
	int r;

	fprintf(t->o->f, t->o->json ? "" : "-- network %s --\n", n->name);
	if (rtnl_link_get(ctx->rtnl, n->bridge, &l) < 0 || !(l.flags & IFF_UP)) {
		check(t, "bridge", "FAIL", "gatewayd repairs this itself; if it stays, see its log",
		      "%s is missing or down", n->bridge);
		return;
	}
	inet_ntop(AF_INET, &n->ipv4.addr, a, sizeof(a));
	check(t, "bridge", "ok", NULL, "%s up, %s/%u", n->bridge, a, n->ipv4.plen);
	if (rt->n_ports)
		check(t, "guest ports", "ok", NULL, "%zu attached (%s%s)", rt->n_ports,
		      rt->ports[0], rt->n_ports > 1 ? ", ..." : "");
	else
		check(t, "guest ports", "WARN", "attach a guest: ip link set tapN master BRIDGE up",
		      "no guest is attached to %s", n->bridge);
	if (rt->tripped[0] || rt->refused)
		check(t, "guards", "FAIL",
		      rt->tripped[0] ? "remove the port from the bridge"
				     : "remove the other server, then gatewayctl reload",
		      "%s", rt->last_error);
	else
		check(t, "guards", "ok", NULL, "no foreign port, no other DHCP server or router");
	snprintf(key, sizeof(key), "net/ipv4/conf/%s/rp_filter", n->bridge);
	sysctl_read(SYSCTL_ROOT, key, v, sizeof(v));
	check(t, "rp_filter", "info", NULL, "%s: %s (strict or loose both suit a routed bridge)",
	      n->bridge, v);
	r = rtnl_link_get(ctx->rtnl, rt->uplink, &up);
	if (r < 0 || !(up.flags & IFF_UP)) {
		check(t, "uplink", "FAIL", "bring the uplink up, or set uplink = in the config",
		      "%s is missing or down", rt->uplink);
	} else if (rtnl_read_facts(ctx->rtnl, &f) == 0) {
		bool def = false;

		for (size_t k = 0; k < f.n_routes; k++)
			def |= f.routes[k].family == AF_INET && f.routes[k].plen == 0 &&
			       f.routes[k].ifindex == up.ifindex;
		host_facts_free(&f);
		check(t, "uplink", def ? "ok" : "FAIL",
		      def ? NULL
			  : "add a default route via the "
			    "uplink",
		      "%s up, %s", rt->uplink,
		      def ? "IPv4 default route via it" : "no IPv4 default route via it");
	}
	if (!rt->dnsmasq || dnsmasq_pid(rt->dnsmasq) <= 0) {
		check(t, "dnsmasq", "FAIL", "see the log: dnsmasq[NET] lines", "not running");
		return;
	}
	/* bound: its DNS port on the bridge address is taken */
	if (portcheck_bridge(n->bridge, n->ipv4.addr, NULL, what, sizeof(what)) == 0)
		check(t, "dnsmasq", "FAIL", "see the log: dnsmasq[NET] lines",
		      "pid %d runs but "
		      "does not listen on %s:53",
		      dnsmasq_pid(rt->dnsmasq), a);
	else
		check(t, "dnsmasq", "ok", NULL, "pid %d, listening on %s", dnsmasq_pid(rt->dnsmasq),
		      a);
	self_test(t, ctx, n, l.ifindex);
}

/* Ask our own DHCP server as a guest would: from a temporary veth plugged
 * into the bridge, so the DISCOVER takes the guests' path in, and the
 * offer theirs out, through every firewall on the way. */
static void self_test(struct tally *t, struct gw_ctx *ctx, const struct gw_network *n, int bridge)
{
	char a[16], b[16], what[256];
	struct rtnl_link la, lb;
	uint8_t mac[6];
	int r;

	snprintf(a, sizeof(a), "gwdoc%d", (int)getpid() % 100000);
	snprintf(b, sizeof(b), "gwdoc%dp", (int)getpid() % 100000);
	if ((r = rtnl_veth_create(ctx->rtnl, a, b)) < 0 ||
	    (r = rtnl_link_get(ctx->rtnl, a, &la)) < 0 ||
	    (r = rtnl_link_get(ctx->rtnl, b, &lb)) < 0 ||
	    (r = rtnl_link_set_master(ctx->rtnl, la.ifindex, bridge)) < 0 ||
	    (r = rtnl_link_set_up(ctx->rtnl, la.ifindex)) < 0 ||
	    (r = rtnl_link_set_up(ctx->rtnl, lb.ifindex)) < 0) {
		check(t, "DHCP self-test", "WARN", NULL, "could not plug a test port into %s: %s",
		      n->bridge, strerror(-r));
		goto out;
	}
	addr_bridge_mac(n->name, mac);
	r = probe_self_test(lb.ifindex, mac, 2000, what, sizeof(what));
	if (r > 0)
		check(t, "DHCP self-test", "ok", NULL, "%s answered a DISCOVER from a test port",
		      what);
	else
		check(t, "DHCP self-test", "FAIL",
		      "look for a firewall on the host dropping udp/67, "
		      "or dnsmasq errors in the log",
		      "no answer to a DISCOVER on %s%s%s", n->bridge, r < 0 ? ": " : "",
		      r < 0 ? strerror(-r) : "");
out:
	if (rtnl_link_get(ctx->rtnl, a, &la) == 0)
		rtnl_link_del(ctx->rtnl, la.ifindex);
}

int doctor_run(struct out *o, struct gw_ctx *ctx, long which)
{
	struct tally t = { o, 0 };

	out_doc_begin(o, "checks");
	check_forwarding(&t, ctx->conf);
	check_tables(&t, ctx);
	check_foreign(&t, ctx->conf);
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		if (which < 0 || (size_t)which == i)
			check_network(&t, ctx, i);
	out_doc_end(o);
	if (!o->json)
		fprintf(o->f, "%s\n", t.fails ? "some checks FAILED" : "all checks passed");
	return t.fails;
}
