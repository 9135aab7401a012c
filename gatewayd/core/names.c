/* Guests' DHCP names pinned to their MACs at run time (see names.h and
 * dhcp/names.h).
 *
 * dnsmasq rewrites its lease file in place, several writes per change;
 * they are gathered for NAMES_SETTLE_MS, but never for more than
 * NAMES_MAX_WAIT_MS after the first (a guest renewing every few
 * milliseconds must not keep a neighbour's name unpinned). A network's
 * pins are written, and its dnsmasq sent SIGHUP, only when they differ
 * from the file: a renewal that changes no name costs two reads and a
 * compare. The file is first written before its dnsmasq starts
 * (serve.c), which reads it then.
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
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#define NAMES_SETTLE_MS	  20
#define NAMES_MAX_WAIT_MS 200

struct gw_names {
	struct gw_ctx *ctx;
	int ifd, wd;
	char dir[GW_PATH_MAX];
	struct eloop_timer *settle;
	uint64_t first; /* ms of the first event not yet synced; 0 = none */
	/* per network of ctx->conf: its lease file changed since */
	bool *dirty;
	size_t n_dirty;
};

struct pins_file {
	const char *text;
	uid_t uid; /* dnsmasq's user: it re-reads the file after dropping root */
};

/* Guests' MACs and names, like the lease file (0600): not for every
 * local user to read, as run_dir's other files are. dnsmasq's own (its
 * group is not its user's, but whatever -g or its build says): 0400, set
 * on the new file before it is renamed into place. gatewayd never reads
 * it back for anything but a compare. */
static int fill(FILE *f, void *arg)
{
	const struct pins_file *p = arg;

	if (p->uid != (uid_t)-1 && fchown(fileno(f), p->uid, 0) < 0)
		return -errno;
	fputs(p->text, f);
	return ferror(f) ? -EIO : 0;
}

uid_t names_dnsmasq_uid(const struct gw_conf *conf)
{
	/* asked once per user name (at start, or a reload naming another),
	 * not at every write: a lookup may block (NSS), and these files are
	 * written from the loop at each lease or static host change */
	static char name[sizeof(conf->dnsmasq_user)];
	static uid_t uid = (uid_t)-1;
	static bool known;

	if (!known || strcmp(name, conf->dnsmasq_user)) {
		const struct passwd *pw = getpwnam(conf->dnsmasq_user);

		uid = pw ? pw->pw_uid : (uid_t)-1;
		snprintf(name, sizeof(name), "%s", conf->dnsmasq_user);
		known = true;
	}
	return uid;
}

static int pins_file_write(const struct gw_conf *conf, const char *path, const char *text)
{
	struct pins_file p = { text, names_dnsmasq_uid(conf) };

	return state_file_write(path, 0400, fill, &p);
}

/* The pins' text of one network from its lease file, every lease of it
 * (dnsmasq writes the newest first: a cap would unpin the oldest guests'
 * names). NULL with *err: out of memory, or (settled: dnsmasq runs)
 * -EAGAIN while dnsmasq is in the middle of rewriting the file (its next
 * write wakes us again). Before dnsmasq starts, the file is what it is. */
static char *pins_text(const struct gw_conf *conf, const struct gw_network *n, bool settled,
		       int *err)
{
	char path[GW_PATH_MAX + 64], *text = NULL;
	struct lease *ls = NULL;
	size_t len = 0;
	FILE *f;
	int nl, r = -ENOMEM;

	snprintf(path, sizeof(path), "%s/%s.leases", conf->state_dir, n->name);
	if ((nl = settled ? leases_load_settled(path, &ls) : leases_load(path, &ls)) == -EAGAIN) {
		*err = -EAGAIN;
		return NULL;
	}
	if (nl < 0)
		nl = 0;
	if ((f = open_memstream(&text, &len))) {
		r = names_pins_write(f, n, ls, (size_t)nl, (uint64_t)time(NULL));
		if (fclose(f))
			r = -EIO;
	}
	free(ls);
	if (r < 0) {
		free(text);
		*err = r;
		return NULL;
	}
	return text;
}

/* What the file holds now ("" when it is missing or unreadable). */
static char *file_text(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len), *in = fopen(path, "re");
	char buf[4096];
	size_t k;

	if (!out) {
		if (in)
			fclose(in);
		return NULL;
	}
	while (in && (k = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, k, out);
	if (in)
		fclose(in);
	if (fclose(out)) {
		free(text);
		return NULL;
	}
	return text;
}

int names_file_write(const struct gw_conf *conf, const struct gw_network *n)
{
	char path[GW_PATH_MAX + 64], *text;
	int r = 0;

	if (!(text = pins_text(conf, n, false, &r)))
		return r;
	names_pins_path(conf, n, path, sizeof(path));
	r = pins_file_write(conf, path, text);
	free(text);
	return r;
}

/* One network: written, and its dnsmasq told, only when the pins differ
 * from the file (serve.c writes it before dnsmasq starts: a SIGHUP
 * before dnsmasq has set up its handlers would kill it). */
static void sync_net(const struct gw_conf *conf, const struct gw_network *n, struct gw_net_rt *rt)
{
	char path[GW_PATH_MAX + 64], *text, *old;
	int r = 0;

	if (!n->dhcp_enabled || !(text = pins_text(conf, n, true, &r)))
		return;
	names_pins_path(conf, n, path, sizeof(path));
	old = file_text(path);
	if (old && !strcmp(old, text)) {
		free(old);
		free(text);
		return;
	}
	free(old);
	if ((r = pins_file_write(conf, path, text)) < 0)
		log_warnx("network \"%s\": writing %s: %s", n->name, path, strerror(-r));
	else
		dnsmasq_reload(rt->dnsmasq);
	free(text);
}

/* The networks whose lease files changed (all: every one). */
static void sync_dirty(struct gw_names *nm, bool all)
{
	struct gw_ctx *ctx = nm->ctx;

	nm->first = 0;
	if (!ctx->conf || !ctx->nets)
		return;
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		if (all || (i < nm->n_dirty && nm->dirty[i]))
			sync_net(ctx->conf, &ctx->conf->networks[i], &ctx->nets[i]);
	if (nm->dirty)
		memset(nm->dirty, 0, nm->n_dirty * sizeof(*nm->dirty));
}

/* "NET.leases": mark NET; false when it is no lease file of ours. */
static bool mark(struct gw_names *nm, const char *file)
{
	const struct gw_conf *conf = nm->ctx->conf;
	size_t len = strlen(file);

	if (!conf || len <= 7 || strcmp(file + len - 7, ".leases"))
		return false;
	if (nm->n_dirty != conf->n_networks) {
		bool *d =
			realloc(nm->dirty, (conf->n_networks ? conf->n_networks : 1) * sizeof(*d));

		if (!d)
			return false;
		nm->dirty = d;
		nm->n_dirty = conf->n_networks;
		memset(d, 0, nm->n_dirty * sizeof(*d));
	}
	for (size_t i = 0; i < conf->n_networks; i++)
		if (strlen(conf->networks[i].name) == len - 7 &&
		    !memcmp(conf->networks[i].name, file, len - 7))
			return nm->dirty[i] = true;
	return false;
}

static void on_settle(void *arg)
{
	sync_dirty(arg, false);
}

static void on_inotify(int fd, uint32_t events, void *arg)
{
	struct gw_names *nm = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool leases = false;
	uint64_t wait;
	ssize_t len;

	(void)events;
	while ((len = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (ev->len && mark(nm, ev->name))
				leases = true;
			p += sizeof(*ev) + ev->len;
		}
	if (!leases)
		return;
	/* re-armed by every write, but never past the first one's limit */
	wait = eloop_settle_ms(eloop_now_ms(), &nm->first, NAMES_SETTLE_MS, NAMES_MAX_WAIT_MS);
	if (!wait)
		sync_dirty(nm, false);
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
	sync_dirty(nm, true);
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
	free(nm->dirty);
	free(nm);
}
