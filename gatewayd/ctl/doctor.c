/* The doctor. Every check reads the host as it is now (not what gatewayd
 * believes), so it also finds what other tools did: another firewall's
 * policy-drop chain, forwarding turned off, a bridge taken down. */
#include "gatewayd/ctl/doctor.h"
#include "gatewayd/ctl/bgp_ctl.h"
#include "gatewayd/ctl/guests.h"
#include "gatewayd/core/ctx.h"
#include "conf/addr.h"
#include "dhcp/dnsmasq_conf.h"
#include "gatewayd/host/hostcheck.h"
#include "gatewayd/host/portcheck.h"
#include "gatewayd/host/probe.h"
#include "nft/inspect.h"
#include "nft/feature.h"
#include "nft/plan.h"
#include "nft/update.h"
#include "nft/untrusted.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

/* Checks are recorded, not printed: the DHCP self-tests finish later, in
 * the event loop, and the answer is written once all are in. */
struct rec {
	bool header; /* "-- network NAME --"; name holds NAME */
	char name[40], state[8], detail[512], fix[512];
};

struct tally {
	struct rec *recs;
	size_t n, cap;
	bool nomem;
};

static struct rec *rec_add(struct tally *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 32;
		struct rec *r = realloc(t->recs, cap * sizeof(*r));

		if (!r) {
			t->nomem = true;
			return NULL;
		}
		t->recs = r;
		t->cap = cap;
	}
	memset(&t->recs[t->n], 0, sizeof(t->recs[t->n]));
	return &t->recs[t->n++];
}

__attribute__((format(printf, 5, 6))) static void
check(struct tally *t, const char *name, const char *state, const char *fix, const char *fmt, ...)
{
	struct rec *r = rec_add(t);
	va_list ap;

	if (!r)
		return;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->state, sizeof(r->state), "%s", state);
	snprintf(r->fix, sizeof(r->fix), "%s", fix ? fix : "");
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

static void check_bgp(struct tally *t, struct gw_ctx *ctx)
{
	char detail[512];
	const char *fix, *state = bgp_ctl_check(ctx, detail, sizeof(detail), &fix);

	if (state)
		check(t, "bgp", state, fix, "%s", detail);
}

static void check_tables(struct tally *t, struct gw_ctx *ctx)
{
	const struct nft_plan *plan = &ctx->plan.nft;
	int in = nft_rule_count(NFPROTO_INET), br = nft_rule_count(NFPROTO_BRIDGE);

	if (in < 0 || br < 0)
		check(t, "gatewayd tables", "FAIL",
		      "restart gatewayd (the tables go with its socket)",
		      "table inet or bridge gatewayd is missing");
	else if ((size_t)(in + br) != nft_plan_rule_count(plan))
		check(t, "gatewayd tables", "FAIL", "gatewayctl reload",
		      "%d rules installed, %zu planned", in + br, nft_plan_rule_count(plan));
	else
		check(t, "gatewayd tables", "ok", NULL, "inet and bridge gatewayd, %d rules",
		      in + br);
}

/* The bench hook GATEWAYD_TEST_OMIT leaves guards out of the ruleset:
 * never on a real host, so never quiet (a variable left in a unit file or
 * a root shell). */
static void check_test_omit(struct tally *t, const struct gw_ctx *ctx)
{
	if (ctx->plan.nft.omit)
		check(t, "test hook", "FAIL",
		      "unset GATEWAYD_TEST_OMIT in gatewayd's environment and restart it",
		      "GATEWAYD_TEST_OMIT=\"%s\": parts of the ruleset left out, guards off",
		      getenv("GATEWAYD_TEST_OMIT") ? getenv("GATEWAYD_TEST_OMIT") : "");
}

/* The backstop's form: what the kernel checks on a port gatewayd has not
 * listed yet (nft/untrusted.c). */
static void check_backstop(struct tally *t, const struct gw_ctx *ctx)
{
	const char *form = nft_backstop_mode(ctx->bridge_meta);

	if (ctx->bridge_meta)
		check(t, "backstop", "ok", NULL, "%s: %s", form, nft_backstop_gap(true));
	else
		check(t, "backstop", "info",
		      "a kernel with bridge meta expressions (CONFIG_NFT_BRIDGE_META, module "
		      "nft_meta_bridge) closes this; restart gatewayd after loading it",
		      "%s: %s", form, nft_backstop_gap(false));
}

/* Another table's base chain with policy drop on forward/input drops what
 * its rules do not accept, whatever our table accepts (Docker's FORWARD
 * DROP, ufw, firewalld, NixOS). The fix names the bridge of the network
 * asked about (an owner's: never another customer's), or the first. */
static void check_foreign(struct tally *t, const struct gw_conf *conf, long which)
{
	struct nft_foreign_chain fc[32];
	int n = nft_foreign_drop_chains(fc, 32);
	const char *br = conf->networks[which >= 0 ? which : 0].bridge;

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

struct doctor;
static void self_test(struct tally *t, struct doctor *d, const struct gw_network *n, int bridge);

/* One check per guest port (ctl/guests.c): a guest whose packets guest
 * binding drops -- an address set by hand, say -- FAILs, named with its
 * port, MAC and the address it used, and the fix. */
static void check_guests(struct tally *t, struct gw_ctx *ctx, size_t i, const struct guest_sets *gs)
{
	const struct gw_network *n = &ctx->conf->networks[i];
	char path[GW_PATH_MAX + 64], detail[512], fix[512];
	struct lease *leases = NULL;
	struct guest_list g;
	int nl, r;

	dnsmasq_lease_path(ctx->conf, n, path, sizeof(path));
	nl = leases_load(path, &leases);
	if ((r = guests_read(ctx, i, gs, leases, nl, &g)) < 0) {
		check(t, "guests", "WARN", NULL, "could not read what drops guests' packets: %s",
		      strerror(-r));
	} else {
		for (size_t k = 0; k < g.n; k++) {
			bool fail = guest_diagnose(n, &g.v[k], detail, sizeof(detail), fix,
						   sizeof(fix)) > 0;

			check(t, "guest",
			      fail     ? "FAIL"
			      : fix[0] ? "WARN"
				       : "ok",
			      fix, "%s", detail);
		}
	}
	guests_release(&g);
	free(leases);
}

static void check_network(struct tally *t, struct doctor *d, struct gw_ctx *ctx, size_t i,
			  const struct guest_sets *gs)
{
	const struct gw_network *n = &ctx->conf->networks[i];
	const struct gw_net_rt *rt = &ctx->nets[i];
	struct rtnl_link l, up;
	struct host_facts f;
	char a[INET6_ADDRSTRLEN], what[256], key[128], v[8] = "?";
	int r;

	{
		struct rec *h = rec_add(t);

		if (h) {
			h->header = true;
			snprintf(h->name, sizeof(h->name), "%s", n->name);
		}
	}
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
	check_guests(t, ctx, i, gs);
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
	self_test(t, d, n, l.ifindex);
}

/* Ask our own DHCP server as a guest would: from a temporary veth plugged
 * into the bridge, so the DISCOVER takes the guests' path in, and the
 * offer theirs out, through every firewall on the way. Each test is a job
 * of the event loop (a few at a time), never a wait: a guard must react as
 * fast while doctor runs as when it does not. */
#define SELFTEST_MS	  2000
#define SELFTEST_TICK_MS  250
#define SELFTEST_PARALLEL 8

struct job {
	struct doctor *d;
	size_t rec;
	char net[GW_NETNAME_MAX + 1], bridge[IFNAMSIZ], a[IFNAMSIZ];
	int bridge_ifindex;
	int port_ifindex; /* the test port, told to hostcheck while it lives */
	uint8_t mac[6];
	struct probe_dhcp p;
	struct eloop_timer *tick;
	unsigned ticks;
	bool running, done;
};

struct doctor {
	struct gw_ctx *ctx;
	bool json;
	doctor_done_fn done;
	void *arg;
	struct tally t;
	struct job *jobs;
	size_t n_jobs, next, running;
	struct eloop_timer *finish;
};

static void self_test(struct tally *t, struct doctor *d, const struct gw_network *n, int bridge)
{
	struct rec *r;
	struct job *j;

	if (!n->dhcp_enabled) {
		check(t, "DHCP self-test", "info", NULL, "DHCP is off on this network");
		return;
	}
	if (!(r = rec_add(t)))
		return;
	snprintf(r->name, sizeof(r->name), "DHCP self-test");
	snprintf(r->state, sizeof(r->state), "WARN");
	snprintf(r->detail, sizeof(r->detail), "not run");
	if (!(j = realloc(d->jobs, (d->n_jobs + 1) * sizeof(*j)))) {
		t->nomem = true;
		return;
	}
	d->jobs = j;
	j = &d->jobs[d->n_jobs++];
	memset(j, 0, sizeof(*j));
	j->d = d;
	j->rec = t->n - 1;
	j->p.fd = -1;
	snprintf(j->net, sizeof(j->net), "%s", n->name);
	snprintf(j->bridge, sizeof(j->bridge), "%s", n->bridge);
	j->bridge_ifindex = bridge;
	addr_bridge_mac(n->name, j->mac);
}

static void render(struct doctor *d)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct out o;
	int fails = 0;

	if (!f) {
		d->done(d->arg, -ENOMEM, "", 0);
		return;
	}
	out_init(&o, f, d->json);
	out_doc_begin(&o, "checks");
	for (size_t i = 0; i < d->t.n; i++) {
		const struct rec *r = &d->t.recs[i];

		if (r->header) {
			if (!d->json)
				fprintf(f, "-- network %s --\n", r->name);
			continue;
		}
		fails += !strcmp(r->state, "FAIL");
		out_check(&o, r->name, r->state, r->detail, r->fix[0] ? r->fix : NULL);
	}
	out_doc_end(&o);
	if (!d->json)
		fprintf(f, "%s\n",
			d->t.nomem ? "out of memory: checks are missing"
			: fails	   ? "some checks FAILED"
				   : "all checks passed");
	fclose(f);
	d->done(d->arg, fails, text ? text : "", text ? len : 0);
	free(text);
}

static void doctor_free(struct doctor *d);
static void job_next(struct doctor *d);

/* A job is over: its test port goes, its record gets the result. */
static void job_end(struct job *j, const char *state, const char *fix, const char *detail)
{
	struct doctor *d = j->d;
	struct rec *r = &d->t.recs[j->rec];
	struct rtnl_link l;

	if (j->p.fd >= 0)
		eloop_remove_fd(d->ctx->loop, j->p.fd);
	probe_dhcp_close(&j->p);
	eloop_timer_free(j->tick);
	j->tick = NULL;
	if (j->a[0] && rtnl_link_get(d->ctx->rtnl, j->a, &l) == 0 &&
	    (!j->port_ifindex || l.ifindex == j->port_ifindex))
		rtnl_link_del(d->ctx->rtnl, l.ifindex);
	hostcheck_test_port_del(&d->ctx->own, j->port_ifindex);
	j->port_ifindex = 0;
	snprintf(r->state, sizeof(r->state), "%s", state);
	snprintf(r->fix, sizeof(r->fix), "%s", fix ? fix : "");
	snprintf(r->detail, sizeof(r->detail), "%s", detail);
	if (j->running) {
		j->running = false;
		d->running--;
	}
	j->done = true;
	job_next(d);
}

static void job_readable(int fd, uint32_t events, void *arg)
{
	struct job *j = arg;
	char what[256], detail[400];

	(void)fd;
	(void)events;
	if (probe_dhcp_read(&j->p, what, sizeof(what)) > 0) {
		snprintf(detail, sizeof(detail), "%s answered a DISCOVER from a test port", what);
		job_end(j, "ok", NULL, detail);
	}
}

static void job_tick(void *arg)
{
	struct job *j = arg;
	char detail[128];

	if (++j->ticks * SELFTEST_TICK_MS >= SELFTEST_MS) {
		snprintf(detail, sizeof(detail), "no answer to a DISCOVER on %s", j->bridge);
		job_end(j, "FAIL",
			"look for a firewall on the host dropping udp/67, or dnsmasq errors "
			"in the log",
			detail);
		return;
	}
	probe_dhcp_resend(&j->p);
	eloop_timer_arm(j->tick, SELFTEST_TICK_MS);
}

static void job_start(struct job *j)
{
	struct gw_ctx *ctx = j->d->ctx;
	struct rtnl_link la, lb;
	char b[IFNAMSIZ], detail[300];
	uint32_t rnd = 0;
	int r;

	j->running = true;
	j->d->running++;
	/* a name nobody else uses, for the short while it exists */
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t)(uintptr_t)j;
	rnd &= 0xffffff;
	snprintf(j->a, sizeof(j->a), GW_TEST_PORT_PREFIX "%06x", rnd);
	snprintf(b, sizeof(b), GW_TEST_PORT_PREFIX "%06xp", rnd);
	if ((r = rtnl_veth_create(ctx->rtnl, j->a, b)) < 0 ||
	    (r = rtnl_link_get(ctx->rtnl, j->a, &la)) < 0 ||
	    (r = rtnl_link_get(ctx->rtnl, b, &lb)) < 0 ||
	    /* ours by its ifindex, before the bridge (and the watch) sees it */
	    (r = hostcheck_test_port_add(&ctx->own, j->port_ifindex = la.ifindex)) < 0 ||
	    (r = rtnl_link_set_master(ctx->rtnl, la.ifindex, j->bridge_ifindex)) < 0 ||
	    (r = rtnl_link_set_up(ctx->rtnl, la.ifindex)) < 0 ||
	    (r = rtnl_link_set_up(ctx->rtnl, lb.ifindex)) < 0 ||
	    (r = probe_dhcp_open(&j->p, lb.ifindex, j->mac)) < 0 ||
	    (r = eloop_timer_new(ctx->loop, job_tick, j, &j->tick)) < 0 ||
	    (r = eloop_add_fd(ctx->loop, j->p.fd, job_readable, j)) < 0) {
		if (r == -EEXIST)
			j->a[0] = '\0'; /* not ours to delete */
		snprintf(detail, sizeof(detail), "could not plug a test port into %s: %s",
			 j->bridge, strerror(-r));
		job_end(j, "WARN", NULL, detail);
		return;
	}
	eloop_timer_arm(j->tick, SELFTEST_TICK_MS);
}

static void job_next(struct doctor *d)
{
	while (d->running < SELFTEST_PARALLEL && d->next < d->n_jobs)
		job_start(&d->jobs[d->next++]);
	if (d->running == 0 && d->next == d->n_jobs)
		eloop_timer_arm(d->finish, 0);
}

static void on_finish(void *arg)
{
	struct doctor *d = arg;

	render(d);
	doctor_free(d);
}

int doctor_start(struct gw_ctx *ctx, long which, bool json, doctor_done_fn done, void *arg,
		 struct doctor **out)
{
	struct doctor *d = calloc(1, sizeof(*d));
	struct guest_sets *gs = NULL;
	int r;

	if (!d)
		return -ENOMEM;
	d->ctx = ctx;
	d->json = json;
	d->done = done;
	d->arg = arg;
	if ((r = eloop_timer_new(ctx->loop, on_finish, d, &d->finish)) < 0) {
		free(d);
		return r;
	}
	check_forwarding(&d->t, ctx->conf);
	check_tables(&d->t, ctx);
	check_test_omit(&d->t, ctx);
	check_backstop(&d->t, ctx);
	check_foreign(&d->t, ctx->conf, which);
	check_bgp(&d->t, ctx);
	/* the kernel's records of what it dropped, once for every network
	 * (NULL if unread: each network then tries and says why) */
	guest_sets_read(&gs);
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		if (which < 0 || (size_t)which == i)
			check_network(&d->t, d, ctx, i, gs);
	guest_sets_free(gs);
	*out = d;
	/* done() always comes from the loop, never from here */
	job_next(d);
	return 0;
}

static void doctor_free(struct doctor *d)
{
	eloop_timer_free(d->finish);
	free(d->jobs);
	free(d->t.recs);
	free(d);
}

unsigned doctor_deadline_ms(const struct doctor *d)
{
	return (unsigned)((d->n_jobs + SELFTEST_PARALLEL - 1) / SELFTEST_PARALLEL + 1) *
		       (SELFTEST_MS + 500) +
	       5000;
}

void doctor_cancel(struct doctor *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_jobs; i++)
		if (d->jobs[i].running) {
			d->next = d->n_jobs; /* start no more */
			job_end(&d->jobs[i], "WARN", NULL, "cancelled");
		}
	doctor_free(d);
}
