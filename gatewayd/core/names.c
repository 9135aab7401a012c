/* Guests' DHCP names pinned to their MACs at run time (see names.h and
 * dhcp/names.h).
 *
 * dnsmasq rewrites its lease file in place, several writes per change;
 * they are gathered for NAMES_SETTLE_MS, but never for more than
 * NAMES_MAX_WAIT_MS after the first (a guest renewing every few
 * milliseconds must not keep a neighbour's name unpinned). A network's
 * pins are written, and its dnsmasq sent SIGHUP, only when their text
 * changed: a renewal that changes no name costs a read and a compare.
 *
 * Between a lease that takes a name and its pin there is this settle time
 * and dnsmasq's SIGHUP: a second guest asking for the same name inside
 * that window (tens of milliseconds) still takes it. */
#include "gatewayd/core/names.h"
#include "gatewayd/core/ctx.h"
#include "dhcp/leases.h"
#include "dhcp/names.h"
#include "lib/log.h"
#include "lib/state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#define NAMES_SETTLE_MS	  20
#define NAMES_MAX_WAIT_MS 200
#define NAMES_LEASES	  4096

struct gw_names {
	struct gw_ctx *ctx;
	int ifd, wd;
	char dir[GW_PATH_MAX];
	struct eloop_timer *settle;
	uint64_t first; /* ms of the first event not yet synced; 0 = none */
	/* per network (by name): the pins' text last written */
	size_t n;
	struct pins {
		char net[GW_NETNAME_MAX + 1];
		char *text;
	} * v;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct pins *pins_of(struct gw_names *nm, const char *net)
{
	struct pins *v;

	for (size_t i = 0; i < nm->n; i++)
		if (!strcmp(nm->v[i].net, net))
			return &nm->v[i];
	if (!(v = realloc(nm->v, (nm->n + 1) * sizeof(*v))))
		return NULL;
	nm->v = v;
	memset(&v[nm->n], 0, sizeof(*v));
	snprintf(v[nm->n].net, sizeof(v[nm->n].net), "%s", net);
	return &v[nm->n++];
}

static int fill(FILE *f, void *arg)
{
	fputs(arg, f);
	return ferror(f) ? -EIO : 0;
}

/* One network: its pins from its lease file; written and dnsmasq told
 * only when they changed. */
static void sync_net(struct gw_names *nm, const struct gw_conf *conf, const struct gw_network *n,
		     struct gw_net_rt *rt, struct lease *ls)
{
	char path[GW_PATH_MAX + 64], *text = NULL;
	size_t len = 0;
	struct pins *p;
	FILE *f;
	int nl, r;

	if (!n->dhcp_enabled || !(p = pins_of(nm, n->name)))
		return;
	snprintf(path, sizeof(path), "%s/%s.leases", conf->state_dir, n->name);
	if ((nl = leases_read(path, ls, NAMES_LEASES)) < 0)
		nl = 0;
	if (!(f = open_memstream(&text, &len)))
		return;
	r = names_pins_write(f, n, ls, (size_t)nl, (uint64_t)time(NULL));
	if (fclose(f) || r < 0 || !text) {
		free(text);
		return;
	}
	names_pins_path(conf, n, path, sizeof(path));
	/* also when the file is gone (a new run_dir, dnsmasq stopped) */
	if (p->text && !strcmp(p->text, text) && access(path, F_OK) == 0) {
		free(text);
		return;
	}
	if ((r = state_file_write(path, 0644, fill, text)) < 0) {
		log_warnx("network \"%s\": writing %s: %s", n->name, path, strerror(-r));
		free(text);
		return;
	}
	free(p->text);
	p->text = text;
	dnsmasq_reload(rt->dnsmasq);
}

static void sync_all(struct gw_names *nm)
{
	struct gw_ctx *ctx = nm->ctx;
	struct lease *ls;

	nm->first = 0;
	if (!ctx->conf || !ctx->nets)
		return;
	if (!(ls = calloc(NAMES_LEASES, sizeof(*ls)))) {
		log_warnx("DHCP names: out of memory");
		return;
	}
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		sync_net(nm, ctx->conf, &ctx->conf->networks[i], &ctx->nets[i], ls);
	free(ls);
}

static void on_settle(void *arg)
{
	sync_all(arg);
}

static void on_inotify(int fd, uint32_t events, void *arg)
{
	struct gw_names *nm = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool leases = false;
	uint64_t now, wait = NAMES_SETTLE_MS;
	ssize_t len;

	(void)events;
	while ((len = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			size_t nl = ev->len ? strlen(ev->name) : 0;

			leases |= nl > 7 && !strcmp(ev->name + nl - 7, ".leases");
			p += sizeof(*ev) + ev->len;
		}
	if (!leases)
		return;
	now = mono_ms();
	if (!nm->first)
		nm->first = now;
	/* re-armed by every write, but never past the first one's limit */
	if (now - nm->first >= NAMES_MAX_WAIT_MS)
		wait = 0;
	else if (now - nm->first + wait > NAMES_MAX_WAIT_MS)
		wait = NAMES_MAX_WAIT_MS - (now - nm->first);
	if (!wait)
		sync_all(nm);
	else
		eloop_timer_arm(nm->settle, wait);
}

static struct gw_names *names_new(struct gw_ctx *ctx)
{
	struct gw_names *nm = calloc(1, sizeof(*nm));

	if (!nm)
		return NULL;
	nm->ctx = ctx;
	nm->wd = -1;
	if (eloop_timer_new(ctx->loop, on_settle, nm, &nm->settle) < 0) {
		free(nm);
		return NULL;
	}
	nm->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (nm->ifd >= 0 && eloop_add_fd(ctx->loop, nm->ifd, on_inotify, nm) < 0) {
		close(nm->ifd);
		nm->ifd = -1;
	}
	if (nm->ifd < 0)
		log_warn("DHCP names: inotify (names are pinned only at start and reload)");
	return nm;
}

void names_sync(struct gw_ctx *ctx)
{
	struct gw_names *nm;

	if (!ctx->conf)
		return;
	if (!ctx->names && !(ctx->names = names_new(ctx)))
		return;
	nm = ctx->names;
	if (nm->ifd >= 0 && strcmp(nm->dir, ctx->conf->state_dir)) {
		if (nm->wd >= 0)
			inotify_rm_watch(nm->ifd, nm->wd);
		snprintf(nm->dir, sizeof(nm->dir), "%s", ctx->conf->state_dir);
		nm->wd = inotify_add_watch(nm->ifd, nm->dir,
					   IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE |
						   IN_ONLYDIR);
		if (nm->wd < 0)
			log_warn("DHCP names: watching %s (names are pinned only at start and "
				 "reload)",
				 nm->dir);
	}
	eloop_timer_disarm(nm->settle);
	sync_all(nm);
}

void names_free(struct gw_names *nm)
{
	if (!nm)
		return;
	if (nm->ifd >= 0) {
		eloop_remove_fd(nm->ctx->loop, nm->ifd);
		close(nm->ifd);
	}
	eloop_timer_free(nm->settle);
	for (size_t i = 0; i < nm->n; i++)
		free(nm->v[i].text);
	free(nm->v);
	free(nm);
}
