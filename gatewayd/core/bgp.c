/* Announcing networks through BIRD: the run-time part (see bgp.h). What
 * it keeps: the fragment as last written, whether BIRD has loaded it, and
 * the sessions' states as BIRD last said. One request to BIRD at a time,
 * each on its own connection (host/bird.c); the timer either retries a
 * BIRD that was not there or reads the sessions again. */
#include "gatewayd/core/bgp.h"
#include "gatewayd/core/bgp_frag.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/host/facts.h"
#include "lib/log.h"
#include "lib/state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct gw_bgp_rt {
	struct gw_ctx *ctx;
	struct bird *bird;
	struct eloop_timer *timer;
	char socket[GW_PATH_MAX];
	char file[GW_PATH_MAX]; /* the fragment, as last written to */
	bool own;
	char *written;	     /* its text, or NULL */
	bool need_configure; /* BIRD has not loaded what was written */
	bool loaded;	     /* ... and now it has */
	bool reachable;
	bool told_unreachable;
	/* BIRD refused the configuration: asked again after backoff_ms (doubling
	 * to BGP_BACKOFF_MAX_MS) from refused_at, and on every bgp_update() */
	bool refused;
	bool configuring; /* a configure request is in flight */
	/* the config in force when BIRD was last asked for what is written:
	 * compared, never followed (a reload frees the one before) */
	const struct gw_conf *asked_conf;
	unsigned backoff_ms;
	long long refused_at;
	char problem[720];
	/* names of the networks in the fragment BIRD loaded */
	size_t n_announced;
	char (*announced)[GW_NETNAME_MAX + 1];
	char (*pending)[GW_NETNAME_MAX + 1]; /* written, not yet sent */
	size_t n_pending;
	char (*inflight)[GW_NETNAME_MAX + 1]; /* sent, no answer yet */
	size_t n_inflight;
	size_t n_sessions;
	struct bird_proto sessions[GW_BGP_NEIGHBORS_MAX];
};

struct frag_arg {
	const struct gw_conf *conf;
	const struct gw_net_rt *nets; /* their uplinks, "auto" resolved */
	/* the host: given (the watch's snapshot), or read only when a NAT
	 * network needs it, into own */
	const struct host_facts *facts;
	struct host_facts own;
	bool facts_read;
	struct rtnl *rtnl;
};

static void kick(struct gw_bgp_rt *b);

/* A forward's address needs no route from BIRD when it is on its
 * network's uplink (the router reaches it already), and must get none
 * when it is no address of this host at all: the forward answers only
 * the host's own addresses (fib daddr type local), and a /32 for
 * "8.8.8.8" would only pull someone else's traffic here. What is left is
 * the routed public address on lo or a dummy. Facts that cannot be read:
 * nothing is the host's, nothing announced. */
static bool on_uplink(const struct gw_network *n, int family, const void *addr, void *arg)
{
	struct frag_arg *fa = arg;
	const struct host_link *l;
	char up[IFNAMSIZ];
	bool host = false;

	if (!fa->facts) {
		fa->facts_read = true;
		if (!fa->rtnl || rtnl_read_facts(fa->rtnl, &fa->own) < 0)
			memset(&fa->own, 0, sizeof(fa->own));
		fa->facts = &fa->own;
	}
	snprintf(up, sizeof(up), "%s",
		 fa->nets && fa->nets[n - fa->conf->networks].uplink[0]
			 ? fa->nets[n - fa->conf->networks].uplink
			 : conf_network_uplink(fa->conf, n));
	l = host_link_by_name(fa->facts, up);
	for (size_t k = 0; k < fa->facts->n_addrs; k++)
		if (fa->facts->addrs[k].family == family &&
		    !memcmp(fa->facts->addrs[k].addr, addr, family == AF_INET ? 4 : 16)) {
			if (l && fa->facts->addrs[k].ifindex == l->ifindex)
				return true;
			host = true;
		}
	return !host;
}

static int fill_frag(FILE *f, void *arg)
{
	fputs(arg, f);
	return ferror(f) ? -EIO : 0;
}

/* The directory BIRD reads: Debian's /etc/bird is bird's own (0750). It
 * may be another user's, but not writable by group or others, and it is
 * reached without a link that user (or anyone but root) could have
 * planted on the way: the fragment in /etc/bird/conf.d/ must not become,
 * through bird's link swapped for conf.d, a file in a root-only directory.
 * The file is then created exclusively in that very directory (the
 * descriptor, never the path again), never through a link, and given its
 * owner on the open descriptor before it is renamed into place, so the
 * owner swapping it for a link to a root-only file changes nothing but
 * their own directory (issue 16). Root's, readable by the directory's
 * group (Debian: bird), which BIRD runs as; not by others (a neighbour's
 * password may be in it). */
static int write_file(const char *path, const char *text, char *err, size_t errlen)
{
	char d[GW_PATH_MAX], what[GW_PATH_MAX + 32];
	const char *base = strrchr(path, '/');
	struct stat st;
	int dfd, r;

	if (!base || !base[1]) {
		fmt_err(err, errlen, "bgp: config_file \"%s\": not a file path", path);
		return -EINVAL;
	}
	snprintf(d, sizeof(d), "%.*s", base == path ? 1 : (int)(base - path), path);
	snprintf(what, sizeof(what), "bgp: config_file \"%s\": directory", path);
	if ((dfd = state_dir_open_shared(what, d, &st, err, errlen)) < 0)
		return dfd;
	r = state_file_write_owned_at(dfd, base + 1, 0640, 0, st.st_gid, fill_frag, (void *)text);
	close(dfd);
	/* Root refused a directory of another user: gatewayd.service keeps
	 * no CAP_DAC_OVERRIDE, and Debian's /etc/bird is bird:bird 0750. */
	if (r == -EACCES && st.st_uid != geteuid())
		fmt_err(err, errlen,
			"bgp: writing %s: %s: %s is uid %u's (mode %04o) and gatewayd runs without "
			"CAP_DAC_OVERRIDE (gatewayd.service): set config_file in a directory root "
			"owns, group bird (install -d -o root -g bird -m 0750 /etc/gatewayd/bird), "
			"and include that file from bird.conf",
			path, strerror(-r), d, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	else if (r < 0)
		fmt_err(err, errlen, "bgp: writing %s: %s", path, strerror(-r));
	return r;
}

/* live NULL: the fragment of a stopped gatewayd (own: BIRD's whole
 * config, as it was). */
static char *frag_text(struct gw_ctx *ctx, const bool *live, bool own,
		       const struct host_facts *facts)
{
	struct gw_conf stopped = *ctx->conf;
	struct frag_arg fa = {
		.conf = ctx->conf, .nets = ctx->nets, .facts = facts, .rtnl = ctx->rtnl
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return NULL;
	stopped.bgp.own = own;
	r = bgp_frag_write(f, live ? ctx->conf : &stopped, live, live ? on_uplink : NULL, &fa);
	if (fclose(f) != 0 || r < 0) {
		free(buf);
		buf = NULL;
	}
	if (fa.facts_read)
		host_facts_free(&fa.own);
	return buf;
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ms until the refused configuration is asked for again (0: now). */
static unsigned retry_left(const struct gw_bgp_rt *b)
{
	long long left = b->refused_at + b->backoff_ms - now_ms();

	return left > 0 ? (unsigned)left : 0;
}

static void on_timer(void *arg)
{
	struct gw_bgp_rt *b = arg;

	/* the admin may have fixed BIRD's config since it refused: the
	 * loop's timer, never a wait */
	if (b->refused && !retry_left(b))
		b->need_configure = true;
	kick(b);
}

static struct gw_bgp_rt *rt_new(struct gw_ctx *ctx)
{
	struct gw_bgp_rt *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->ctx = ctx;
	if (bird_new(ctx->loop, &b->bird) < 0 ||
	    eloop_timer_new(ctx->loop, on_timer, b, &b->timer) < 0) {
		bird_free(b->bird);
		free(b);
		return NULL;
	}
	b->reachable = true; /* until asked */
	return b;
}

static void unreachable(struct gw_bgp_rt *b, int err)
{
	b->reachable = false;
	b->n_sessions = 0;
	snprintf(b->problem, sizeof(b->problem),
		 "BIRD not reachable at %s (%s): networks are not announced", b->socket,
		 strerror(-err));
	if (!b->told_unreachable)
		log_warnx("bgp: %s; asking again every %u s", b->problem, BGP_RETRY_MS / 1000);
	b->told_unreachable = true;
	eloop_timer_arm(b->timer, BGP_RETRY_MS);
}

static void reachable(struct gw_bgp_rt *b)
{
	if (b->told_unreachable)
		log_info("bgp: BIRD answers at %s again", b->socket);
	b->told_unreachable = false;
	b->reachable = true;
}

static void on_show(void *arg, int err, const struct bird_reply *reply)
{
	struct gw_bgp_rt *b = arg;
	struct bird_proto p[GW_BGP_NEIGHBORS_MAX];
	size_t n;

	if (err) {
		unreachable(b, err);
		return;
	}
	reachable(b);
	n = bird_protocols_parse(reply->text ? reply->text : "", BGP_PROTO_PREFIX, p,
				 GW_BGP_NEIGHBORS_MAX);
	for (size_t i = 0; i < n; i++) {
		bool same = false;

		for (size_t k = 0; k < b->n_sessions; k++)
			if (!strcmp(b->sessions[k].name, p[i].name))
				same = !strcmp(b->sessions[k].info, p[i].info) &&
				       !strcmp(b->sessions[k].state, p[i].state);
		if (!same)
			log_info("bgp: neighbor %s: %s %s", p[i].name + strlen(BGP_PROTO_PREFIX),
				 p[i].state, p[i].info);
	}
	memcpy(b->sessions, p, n * sizeof(*p));
	b->n_sessions = n;
	if (b->need_configure)
		kick(b);
	else if (b->refused && retry_left(b) < BGP_REFRESH_MS)
		eloop_timer_arm(b->timer, retry_left(b) ? retry_left(b) : 1);
	else
		eloop_timer_arm(b->timer, BGP_REFRESH_MS);
}

static void on_configure(void *arg, int err, const struct bird_reply *reply)
{
	struct gw_bgp_rt *b = arg;
	const char *msg;

	b->configuring = false;
	if (err) {
		b->need_configure = true;
		unreachable(b, err);
		return;
	}
	reachable(b);
	/* what BIRD loaded may be older than what is written now: then
	 * need_configure was set again meanwhile and kick() goes on */
	if (bird_code_ok(reply->code)) {
		if (b->refused)
			log_info("bgp: BIRD accepts %s again", b->file);
		b->refused = false;
		b->backoff_ms = 0;
		b->loaded = true;
		b->problem[0] = '\0';
		if (b->inflight) { /* else the same as loaded before */
			free(b->announced);
			b->announced = b->inflight;
			b->n_announced = b->n_inflight;
			b->inflight = NULL;
		}
		log_info("bgp: BIRD loaded %s: %zu network%s announced", b->file, b->n_announced,
			 b->n_announced == 1 ? "" : "s");
	} else {
		/* the last line names BIRD's complaint (file:line:column) */
		msg = reply->text ? reply->text : "";
		for (const char *l = msg; (l = strchr(l, '\n')) && l[1]; l++)
			msg = l + 1;
		b->loaded = false;
		snprintf(b->problem, sizeof(b->problem), "BIRD refused %s: %.*s", b->file,
			 (int)strcspn(msg, "\n"), msg);
		if (!b->refused)
			b->backoff_ms = BGP_BACKOFF_MIN_MS;
		else if ((b->backoff_ms *= 2) > BGP_BACKOFF_MAX_MS)
			b->backoff_ms = BGP_BACKOFF_MAX_MS;
		if (!b->refused) /* once, not at every retry */
			log_err("bgp: %s; asking again (backoff up to %u s) and at every change",
				b->problem, BGP_BACKOFF_MAX_MS / 1000);
		else
			log_debug("bgp: BIRD refused %s again; asking again in %u s", b->file,
				  b->backoff_ms / 1000);
		b->refused = true;
		b->refused_at = now_ms();
		/* what was sent is what to send again, unless newer is written */
		if (!b->pending) {
			b->pending = b->inflight;
			b->n_pending = b->n_inflight;
		} else {
			free(b->inflight);
		}
		b->inflight = NULL;
	}
	/* the sessions' states, now that the protocols changed */
	kick(b);
}

static void kick(struct gw_bgp_rt *b)
{
	char cmd[GW_BIRD_CMD_MAX];
	int r;

	if (bird_busy(b->bird))
		return; /* its done() kicks again */
	eloop_timer_disarm(b->timer);
	if (b->need_configure) {
		if (b->own)
			snprintf(cmd, sizeof(cmd), "configure \"%s\"", b->file);
		else
			snprintf(cmd, sizeof(cmd), "configure");
		r = bird_request(b->bird, b->socket, cmd, BGP_TIMEOUT_MS, on_configure, b);
		if (r < 0) {
			unreachable(b, r);
			return;
		}
		b->need_configure = false;
		b->configuring = true;
		if (b->pending) { /* else a retry of what is in flight already */
			free(b->inflight);
			b->inflight = b->pending;
			b->n_inflight = b->n_pending;
			b->pending = NULL;
		}
		return;
	}
	if (!b->ctx->conf || !b->ctx->conf->bgp.enabled)
		return; /* bgp turned off by a reload: nothing to watch */
	r = bird_request(b->bird, b->socket, "show protocols", BGP_TIMEOUT_MS, on_show, b);
	if (r < 0)
		unreachable(b, r);
}

/* Which networks are live: their guard holds. (A network whose start
 * probe found another DHCP server still routes its subnet: it is
 * announced, only DHCP is off.) */
static bool *live_nets(struct gw_ctx *ctx)
{
	bool *live = calloc(ctx->conf->n_networks + 1, sizeof(*live));

	for (size_t i = 0; live && i < ctx->conf->n_networks; i++)
		live[i] = ctx->nets && !ctx->nets[i].tripped[0];
	return live;
}

void bgp_update(struct gw_ctx *ctx)
{
	bgp_update_facts(ctx, NULL);
}

void bgp_update_facts(struct gw_ctx *ctx, const struct host_facts *facts)
{
	const struct gw_conf *c = ctx->conf;
	struct gw_bgp_rt *b = ctx->bgp;
	char err[700], *text;
	bool *live = NULL;
	size_t k = 0;
	int r;

	if (!c || (!c->bgp.enabled && (!b || !b->written)))
		return;
	if (c->bgp.enabled && b && b->written && strcmp(b->file, c->bgp.config_file)) {
		/* moved by a reload: the old file no longer says anything */
		bgp_stop(ctx);
		b = NULL;
	}
	if (!b && !(b = ctx->bgp = rt_new(ctx))) {
		log_err("bgp: out of memory");
		return;
	}
	if (c->bgp.enabled) {
		snprintf(b->file, sizeof(b->file), "%s", c->bgp.config_file);
		snprintf(b->socket, sizeof(b->socket), "%s", c->bgp.socket);
		b->own = c->bgp.own;
		if (!(live = live_nets(ctx)))
			goto oom;
	}
	/* bgp removed by a reload: the stopped fragment, BIRD told */
	if (!(text = frag_text(ctx, live, b->own, facts)))
		goto oom;
	if (b->written && !strcmp(text, b->written)) {
		free(text);
		/* The same fragment. A reload (a new config: the admin may have
		 * fixed BIRD too) asks BIRD again at once, unless a request
		 * already is out; a link event that changed nothing here waits
		 * for the backoff -- else every veth made on the host sent BIRD
		 * a configure it would refuse again. */
		if (b->refused && c != b->asked_conf && !b->need_configure && !b->configuring) {
			b->asked_conf = c;
			b->need_configure = true;
			kick(b);
		}
		goto out;
	}
	if ((r = write_file(b->file, text, err, sizeof(err))) < 0) {
		snprintf(b->problem, sizeof(b->problem), "%s", err);
		log_err("%s", err);
		free(text);
		goto out;
	}
	free(b->written);
	b->written = text;
	b->asked_conf = c;
	free(b->pending);
	if (!(b->pending = calloc(c->n_networks + 1, sizeof(*b->pending))))
		goto oom;
	for (size_t i = 0; live && i < c->n_networks; i++)
		if (live[i] && bgp_net_announces(c, &c->networks[i], NULL, NULL))
			snprintf(b->pending[k++], sizeof(b->pending[0]), "%s", c->networks[i].name);
	b->n_pending = k;
	b->need_configure = true;
	kick(b);
	goto out;
oom:
	log_err("bgp: out of memory");
out:
	free(live);
}

static void rt_free(struct gw_bgp_rt *b)
{
	if (!b)
		return;
	bird_free(b->bird);
	eloop_timer_free(b->timer);
	free(b->written);
	free(b->announced);
	free(b->pending);
	free(b->inflight);
	free(b);
}

/* The stopped fragment, and BIRD told now: bridges going away withdraw
 * the subnets by themselves, but not the forwards' static routes. */
static void stop_file(const struct gw_conf *c, const char *file, const char *socket, bool own)
{
	struct gw_conf stopped = *c;
	struct bird_reply reply = { 0 };
	char *buf = NULL, err[700], cmd[GW_BIRD_CMD_MAX];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return;
	stopped.bgp.own = own;
	bgp_frag_write(f, &stopped, NULL, NULL, NULL);
	if (fclose(f) != 0 || write_file(file, buf, err, sizeof(err)) < 0) {
		log_warnx("bgp: emptying %s: %s", file, buf ? err : "out of memory");
		free(buf);
		return;
	}
	free(buf);
	if (own)
		snprintf(cmd, sizeof(cmd), "configure \"%s\"", file);
	else
		snprintf(cmd, sizeof(cmd), "configure");
	r = bird_request_sync(socket, cmd, 1000, &reply);
	if (r < 0)
		log_info("bgp: BIRD at %s not told (%s); it withdraws what it loaded from %s when "
			 "it next reads it",
			 socket, strerror(-r), file);
	else if (!bird_code_ok(reply.code))
		log_warnx("bgp: BIRD refused %s: %s", file, reply.text ? reply.text : "");
	else
		log_info("bgp: BIRD loaded the stopped %s: nothing announced", file);
	bird_reply_reset(&reply);
}

void bgp_stop(struct gw_ctx *ctx)
{
	struct gw_bgp_rt *b = ctx->bgp;

	if (!b)
		return;
	if (b->written && ctx->conf)
		stop_file(ctx->conf, b->file, b->socket, b->own);
	rt_free(b);
	ctx->bgp = NULL;
}

void bgp_teardown(const struct gw_conf *conf)
{
	if (conf->bgp.enabled && access(conf->bgp.config_file, F_OK) == 0)
		stop_file(conf, conf->bgp.config_file, conf->bgp.socket, conf->bgp.own);
}

const char *bgp_net_state(const struct gw_ctx *ctx, const struct gw_network *n)
{
	const struct gw_bgp_rt *b = ctx->bgp;

	if (!ctx->conf->bgp.enabled || !n->announce)
		return "off";
	if (!b || !b->loaded || !b->reachable)
		return "withdrawn";
	for (size_t i = 0; i < b->n_announced; i++)
		if (!strcmp(b->announced[i], n->name))
			return "announced";
	return "withdrawn";
}

const char *bgp_problem(const struct gw_ctx *ctx)
{
	if (!ctx->conf || !ctx->conf->bgp.enabled)
		return "";
	if (!ctx->bgp)
		return "not started";
	return ctx->bgp->problem;
}

size_t bgp_sessions(const struct gw_ctx *ctx, const struct bird_proto **out)
{
	if (!ctx->bgp)
		return 0;
	*out = ctx->bgp->sessions;
	return ctx->bgp->n_sessions;
}
