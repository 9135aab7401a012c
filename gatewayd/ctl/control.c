/* Control socket: accept, read one request, answer, close. Requests are
 * small and answered at once, so each is handled inside the event loop
 * with short socket timeouts instead of per-client state.
 *
 *   status [--json] [NET]   leases [--json] [NET]   doctor [--json] [NET]
 *   forwards [--json] [NET] metrics                 reload */
#include "gatewayd/ctl/control.h"
#include "gatewayd/core/ctx.h"
#include "dhcp/dnsmasq_conf.h"
#include "dhcp/leases.h"
#include "gatewayd/ctl/doctor.h"
#include "lib/log.h"
#include "gatewayd/ctl/out.h"
#include "nft/forward_count.h"
#include "nft/inspect.h"
#include "nft/plan.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <linux/netfilter.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_LEASES 4096

/* Clients are served by the loop like any other descriptor: a client
 * that sends its request slowly, or reads the answer slowly, costs the
 * loop nothing; one that takes longer than CLIENT_DEADLINE_MS is dropped,
 * and at most CLIENT_MAX are connected at once. */
#define CLIENT_MAX	   16
#define CLIENT_DEADLINE_MS 3000

struct client {
	struct control *c;
	int fd;
	uid_t uid;
	char req[512];
	size_t got;
	char *out; /* the answer, once the request is complete */
	size_t outlen, off;
	struct eloop_timer *deadline;
	struct doctor *doc; /* a doctor still running for this client */
	struct client *next;
};

struct control {
	struct eloop *loop;
	struct gw_ctx *ctx;
	int fd;
	char path[108];
	control_reload_fn reload;
	void *arg;
	struct client *clients;
	size_t n_clients;
};

struct counters {
	uint64_t p, b;
};

static struct counters counter(enum nft_ctr k, const char *net)
{
	struct counters c = { 0, 0 };
	char name[NFT_NAME_MAX];

	nft_counter_name(name, nft_ctr_kinds[k].what, net);
	nft_counter_read(nft_ctr_kinds[k].family, name, &c.p, &c.b);
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

/* "probing": the start-time probe listens before dnsmasq first serves. */
static const char *dnsmasq_state(const struct gw_net_rt *rt)
{
	if (rt->probe)
		return "probing";
	if (rt->dhcp_pending)
		return "restarting";
	return rt->dnsmasq && dnsmasq_pid(rt->dnsmasq) > 0 ? "running" : "stopped";
}

static void status_one(struct out *o, struct gw_ctx *ctx, size_t i)
{
	const struct gw_network *n = &ctx->conf->networks[i];
	const struct gw_net_rt *rt = &ctx->nets[i];
	char a4[64], a6[64] = "", path[GW_PATH_MAX + 64], g[64];
	static struct lease leases[MAX_LEASES];
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
	nl = leases_read(path, leases, MAX_LEASES);

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
	out_str(o, "dnsmasq", dnsmasq_state(rt));
	out_int(o, "dnsmasq_pid", rt->dnsmasq ? dnsmasq_pid(rt->dnsmasq) : 0);
	out_int(o, "dnsmasq_uptime_s", rt->dnsmasq ? dnsmasq_uptime_ms(rt->dnsmasq) / 1000 : 0);
	out_int(o, "dnsmasq_restarts", rt->dnsmasq ? dnsmasq_restarts(rt->dnsmasq) : 0);
	out_str(o, "guard", guard_state(rt, g, sizeof(g)));
	out_int(o, "leases", nl > 0 ? (uint64_t)nl : 0);
	for (size_t k = 0; k < NCTR_COUNT; k++) {
		struct counters c = counter((enum nft_ctr)k, n->name);
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
}

/* Index of the named network, or all (-1); -2 if there is no such one. */
static long pick(struct gw_ctx *ctx, const char *net)
{
	if (!net)
		return -1;
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		if (!strcmp(ctx->conf->networks[i].name, net))
			return (long)i;
	return -2;
}

static int cmd_status(struct out *o, struct gw_ctx *ctx, long which)
{
	out_doc_begin(o, "networks");
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		if (which < 0 || (size_t)which == i)
			status_one(o, ctx, i);
	out_doc_end(o);
	return CTL_OK;
}

static int cmd_leases(struct out *o, struct gw_ctx *ctx, long which)
{
	static struct lease leases[MAX_LEASES];
	time_t now = time(NULL);

	out_table_begin(o, "leases", "NETWORK MAC IP HOSTNAME EXPIRES TYPE");
	for (size_t i = 0; i < ctx->conf->n_networks; i++) {
		const struct gw_network *n = &ctx->conf->networks[i];
		char path[GW_PATH_MAX + 64], exp[32];
		int nl;

		if (which >= 0 && (size_t)which != i)
			continue;
		dnsmasq_lease_path(ctx->conf, n, path, sizeof(path));
		nl = leases_read(path, leases, MAX_LEASES);
		for (int k = 0; k < nl; k++) {
			if (leases[k].expiry == 0)
				snprintf(exp, sizeof(exp), "never");
			else
				snprintf(exp, sizeof(exp), "%llds",
					 (long long)leases[k].expiry - (long long)now);
			out_row(o, 6, n->name, leases[k].mac, leases[k].ip, leases[k].hostname, exp,
				"dynamic");
		}
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

/* Port forwards with their counters (every packet of their connections,
 * both ways, as the forward chain counts them). */
static int cmd_forwards(struct out *o, struct gw_ctx *ctx, long which)
{
	struct nft_fwd_count *v = NULL;
	long n = nft_forward_counts(&v);

	out_table_begin(o, "forwards", "NETWORK NAME PROTO LISTEN TO PACKETS BYTES");
	for (size_t i = 0; i < ctx->conf->n_networks; i++) {
		const struct gw_network *net = &ctx->conf->networks[i];

		if (which >= 0 && (size_t)which != i)
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
			out_row(o, 7, net->name, f->name, f->proto == IPPROTO_TCP ? "tcp" : "udp",
				listen, to, p, b);
		}
	}
	out_table_end(o);
	free(v);
	return CTL_OK;
}

/* Each forward's counters as Prometheus counters. */
static void metric_forwards(FILE *f, struct gw_ctx *ctx)
{
	struct nft_fwd_count *v = NULL;
	long n = nft_forward_counts(&v);

	for (int bytes = 0; bytes < 2; bytes++) {
		const char *name =
			bytes ? "gatewayd_forward_bytes_total" : "gatewayd_forward_packets_total";

		fprintf(f, "# HELP %s %s of a port forward's connections, both ways\n", name,
			bytes ? "bytes" : "packets");
		fprintf(f, "# TYPE %s counter\n", name);
		for (size_t i = 0; i < ctx->conf->n_networks; i++) {
			const struct gw_network *net = &ctx->conf->networks[i];

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
	free(v);
}

static void metric(FILE *f, const char *name, const char *net, uint64_t v)
{
	fprintf(f, "%s{network=\"%s\"} %llu\n", name, net, (unsigned long long)v);
}

/* One counter kind (nft_ctr_kinds) as a Prometheus counter. */
static void metric_counter(FILE *f, struct gw_ctx *ctx, enum nft_ctr k, bool bytes)
{
	const struct nft_ctr_kind *c = &nft_ctr_kinds[k];
	const char *name = bytes ? c->metric_bytes : c->metric_packets;

	if (c->metric_bytes)
		fprintf(f, "# HELP %s %s %s\n", name, bytes ? "bytes" : "packets", c->help);
	else
		fprintf(f, "# HELP %s %s\n", name, c->help);
	fprintf(f, "# TYPE %s counter\n", name);
	for (size_t i = 0; i < ctx->conf->n_networks; i++) {
		struct counters v = counter(k, ctx->conf->networks[i].name);

		metric(f, name, ctx->conf->networks[i].name, bytes ? v.b : v.p);
	}
}

static int cmd_metrics(FILE *f, struct gw_ctx *ctx)
{
	static const struct {
		const char *name, *help, *type;
	} m[] = {
		{ "gatewayd_network_up", "1 if the bridge is up and DHCP is served", "gauge" },
		{ "gatewayd_dnsmasq_restarts_total", "dnsmasq restarts by the supervisor",
		  "counter" },
		{ "gatewayd_guard_tripped", "1 while a non-guest port stops DHCP/RA", "gauge" },
		{ "gatewayd_leases", "DHCP leases in the lease file", "gauge" },
	};
	static struct lease leases[MAX_LEASES];

	for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", m[k].name, m[k].help, m[k].name,
			m[k].type);
		for (size_t i = 0; i < ctx->conf->n_networks; i++) {
			const struct gw_network *n = &ctx->conf->networks[i];
			const struct gw_net_rt *rt = &ctx->nets[i];
			char path[GW_PATH_MAX + 64];
			uint64_t v = 0;
			int nl;

			switch (k) {
			case 0:
				v = !strcmp(bridge_state(ctx, n), "up") && rt->dnsmasq &&
				    dnsmasq_pid(rt->dnsmasq) > 0;
				break;
			case 1: v = rt->dnsmasq ? dnsmasq_restarts(rt->dnsmasq) : 0; break;
			case 2: v = rt->tripped[0] != 0; break;
			case 3:
				dnsmasq_lease_path(ctx->conf, n, path, sizeof(path));
				nl = leases_read(path, leases, MAX_LEASES);
				v = nl > 0 ? (uint64_t)nl : 0;
				break;
			}
			metric(f, m[k].name, n->name, v);
		}
	}
	for (size_t k = 0; k < NCTR_COUNT; k++) {
		metric_counter(f, ctx, (enum nft_ctr)k, false);
		if (nft_ctr_kinds[k].metric_bytes)
			metric_counter(f, ctx, (enum nft_ctr)k, true);
	}
	metric_forwards(f, ctx);
	return CTL_OK;
}

#define CTL_PENDING (-1) /* the answer comes later (doctor) */
#define DOCTOR_MAX  2

static void client_doctor_done(void *arg, int fails, const char *text, size_t len);

static int dispatch(struct control *c, struct client *cl, char *req, uid_t uid, FILE *f)
{
	char *argv[8], *save = NULL, *tok, err[1024];
	int argc = 0, json = 0;
	const char *net = NULL;
	struct out o;
	long which;

	for (tok = strtok_r(req, " \t\r\n", &save); tok && argc < 8;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = tok;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else
			net = argv[i];
	}
	if (argc == 0) {
		fprintf(f, "empty request\n");
		return CTL_USAGE;
	}
	if (!c->ctx->conf || !c->ctx->nets) {
		fprintf(f, "gatewayd is not running any network\n");
		return CTL_FAIL;
	}
	if (!strcmp(argv[0], "reload")) {
		if (uid != 0) {
			fprintf(f, "permission denied: only root may reload gatewayd\n");
			return CTL_DENIED;
		}
		if (c->reload(c->arg, err, sizeof(err)) < 0) {
			fprintf(f, "%s\nnothing changed: the running configuration stays\n", err);
			return CTL_CONFIG;
		}
		fprintf(f, "reloaded: new configuration applied\n");
		return CTL_OK;
	}
	if (!strcmp(argv[0], "metrics"))
		return cmd_metrics(f, c->ctx);
	which = pick(c->ctx, net);
	if (which == -2) {
		fprintf(f, "no network \"%s\"\n", net);
		return CTL_NO_NET;
	}
	out_init(&o, f, json);
	if (!strcmp(argv[0], "status"))
		return cmd_status(&o, c->ctx, which);
	if (!strcmp(argv[0], "leases"))
		return cmd_leases(&o, c->ctx, which);
	if (!strcmp(argv[0], "forwards"))
		return cmd_forwards(&o, c->ctx, which);
	if (!strcmp(argv[0], "doctor")) {
		size_t busy = 0;

		/* each holds test ports and a client slot for seconds */
		for (struct client *o2 = c->clients; o2; o2 = o2->next)
			busy += o2->doc != NULL;
		if (busy >= DOCTOR_MAX) {
			fprintf(f,
				"%zu doctors are running already; try again when they are done\n",
				busy);
			return CTL_FAIL;
		}
		if (doctor_start(c->ctx, which, json, client_doctor_done, cl, &cl->doc) < 0) {
			fprintf(f, "doctor: out of memory\n");
			return CTL_FAIL;
		}
		return CTL_PENDING;
	}
	fprintf(f, "unknown command \"%s\" (status, leases, forwards, reload, doctor, metrics)\n",
		argv[0]);
	return CTL_USAGE;
}

static void client_free(struct client *cl)
{
	struct client **pp = &cl->c->clients;

	while (*pp && *pp != cl)
		pp = &(*pp)->next;
	if (*pp)
		*pp = cl->next;
	cl->c->n_clients--;
	doctor_cancel(cl->doc);
	eloop_remove_fd(cl->c->loop, cl->fd);
	close(cl->fd);
	eloop_timer_free(cl->deadline);
	free(cl->out);
	free(cl);
}

/* Write what the socket takes; wait for room for the rest. */
static void client_flush(struct client *cl)
{
	while (cl->off < cl->outlen) {
		ssize_t n = write(cl->fd, cl->out + cl->off, cl->outlen - cl->off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			eloop_fd_events(cl->c->loop, cl->fd, EPOLLOUT);
			return;
		}
		if (n <= 0)
			break;
		cl->off += (size_t)n;
	}
	client_free(cl);
}

/* The answer: the code on the first line, then the text. */
static void client_reply(struct client *cl, int code, const char *body, size_t blen)
{
	cl->out = malloc(blen + 16);
	if (!cl->out) {
		client_free(cl);
		return;
	}
	cl->outlen = (size_t)snprintf(cl->out, 16, "%d\n", code);
	memcpy(cl->out + cl->outlen, body, blen);
	cl->outlen += blen;
	client_flush(cl);
}

static void client_doctor_done(void *arg, int fails, const char *text, size_t len)
{
	struct client *cl = arg;

	cl->doc = NULL; /* it frees itself */
	client_reply(cl, fails > 0 ? CTL_FAIL : fails < 0 ? CTL_FAIL : CTL_OK, text, len);
}

static void client_answer(struct client *cl)
{
	char *body = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&body, &blen);
	int code;

	if (!f) {
		client_free(cl);
		return;
	}
	cl->req[cl->got] = '\0';
	code = dispatch(cl->c, cl, cl->req, cl->uid, f);
	fclose(f);
	if (code == CTL_PENDING) {
		/* doctor: its self-tests run in the loop; the answer follows */
		free(body);
		eloop_timer_arm(cl->deadline, doctor_deadline_ms(cl->doc));
		return;
	}
	client_reply(cl, code, body, blen);
	free(body);
}

static void on_client_io(int fd, uint32_t events, void *arg)
{
	struct client *cl = arg;
	ssize_t n;

	if (cl->out) {
		client_flush(cl);
		return;
	}
	if (cl->doc) {
		/* Waiting for the doctor. A client that shut down its sending
		 * side (EOF) still waits for the answer: stop watching its
		 * input. Only a hang-up or an error means it went away. */
		if (events & (EPOLLHUP | EPOLLERR))
			client_free(cl);
		else
			eloop_fd_events(cl->c->loop, fd, 0);
		return;
	}
	n = read(fd, cl->req + cl->got, sizeof(cl->req) - 1 - cl->got);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		client_free(cl);
		return;
	}
	cl->got += (size_t)n;
	/* a whole line, a full buffer, or the client's end of the request */
	if (n == 0 || memchr(cl->req, '\n', cl->got) || cl->got == sizeof(cl->req) - 1)
		client_answer(cl);
}

static void on_client_deadline(void *arg)
{
	struct client *cl = arg;

	log_debug("control: client uid %u took longer than %d ms; dropped", (unsigned)cl->uid,
		  CLIENT_DEADLINE_MS);
	client_free(cl);
}

static void on_accept(int fd, uint32_t events, void *arg)
{
	struct control *c = arg;
	int cfd;

	(void)events;
	while ((cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct ucred cred;
		socklen_t cl_len = sizeof(cred);
		struct client *cl;

		if (c->n_clients >= CLIENT_MAX ||
		    getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &cl_len) < 0 ||
		    !(cl = calloc(1, sizeof(*cl)))) {
			close(cfd);
			continue;
		}
		cl->c = c;
		cl->fd = cfd;
		cl->uid = cred.uid;
		if (eloop_timer_new(c->loop, on_client_deadline, cl, &cl->deadline) < 0 ||
		    eloop_add_fd(c->loop, cfd, on_client_io, cl) < 0) {
			eloop_timer_free(cl->deadline);
			close(cfd);
			free(cl);
			continue;
		}
		eloop_timer_arm(cl->deadline, CLIENT_DEADLINE_MS);
		cl->next = c->clients;
		c->clients = cl;
		c->n_clients++;
	}
}

int control_new(struct eloop *loop, struct gw_ctx *ctx, const char *path, control_reload_fn reload,
		void *arg, struct control **out)
{
	struct control *c = calloc(1, sizeof(*c));
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct group *gr = getgrnam("gatewayd");
	mode_t old_mask;
	int r;

	if (!c)
		return -ENOMEM;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		free(c);
		return -ENAMETOOLONG;
	}
	c->loop = loop;
	c->ctx = ctx;
	c->reload = reload;
	c->arg = arg;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		goto fail;
	unlink(path); /* a stale socket: we hold the instance lock */
	/* Born 0600 whatever the umask: nobody may connect before the
	 * chmod/chown below says who may. */
	old_mask = umask(0177);
	r = bind(c->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if (r < 0 || listen(c->fd, 16) < 0)
		goto fail;
	/* Root and, if it exists, group gatewayd may connect; what they may
	 * do is decided per request from SO_PEERCRED. */
	if (gr && chown(path, 0, gr->gr_gid) == 0)
		chmod(path, 0660);
	else
		chmod(path, 0600);
	if ((r = eloop_add_fd(loop, c->fd, on_accept, c)) < 0) {
		errno = -r;
		goto fail;
	}
	*out = c;
	return 0;
fail:
	r = -errno;
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return r;
}

void control_free(struct control *c)
{
	if (!c)
		return;
	while (c->clients)
		client_free(c->clients);
	eloop_remove_fd(c->loop, c->fd);
	close(c->fd);
	unlink(c->path);
	free(c);
}
