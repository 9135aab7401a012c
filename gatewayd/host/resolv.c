/* Watching resolv.conf: see resolv.h.
 *
 * resolv.conf is often a symlink (systemd-resolved, NetworkManager) and is
 * replaced by rename rather than rewritten, so three things are watched:
 * the file itself (written in place), /etc (the name replaced), and the
 * directory of the file a symlink points to (the target replaced). Any
 * event on them re-reads the file; only a change of servers counts. */
#include "gatewayd/host/resolv.h"
#include "dhcp/upstream.h"
#include "lib/log.h"
#include "lib/state.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

struct resolv_watch {
	struct eloop *loop;
	int fd;
	char path[PATH_MAX];
	struct upstream cur;
	void (*changed)(void *arg);
	void *arg;
};

static void read_servers(struct upstream *u)
{
	char buf[16384];
	int fd = open(GW_RESOLV_CONF, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	upstream_parse(buf, u);
}

static int servers_fill(FILE *f, void *arg)
{
	upstream_write(f, arg);
	return 0;
}

/* (Re)arm the watches; inotify_add_watch on a watched inode is a no-op. */
static void arm(struct resolv_watch *w)
{
	char target[PATH_MAX], dir[PATH_MAX];
	const uint32_t dirmask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ONLYDIR;

	inotify_add_watch(w->fd, GW_RESOLV_CONF,
			  IN_CLOSE_WRITE | IN_MODIFY | IN_DELETE_SELF | IN_MOVE_SELF);
	snprintf(dir, sizeof(dir), "%s", GW_RESOLV_CONF);
	inotify_add_watch(w->fd, dirname(dir), dirmask);
	if (realpath(GW_RESOLV_CONF, target) && strcmp(target, GW_RESOLV_CONF)) {
		inotify_add_watch(w->fd, target, IN_CLOSE_WRITE | IN_MODIFY | IN_DELETE_SELF);
		inotify_add_watch(w->fd, dirname(target), dirmask);
	}
}

static void on_event(int fd, uint32_t events, void *arg)
{
	struct resolv_watch *w = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct upstream u;
	int r;

	(void)events;
	while (read(fd, buf, sizeof(buf)) > 0)
		; /* what changed does not matter: read the file again */
	arm(w);
	read_servers(&u);
	if (upstream_equal(&u, &w->cur))
		return;
	if ((r = state_file_write(w->path, 0644, servers_fill, &u)) < 0) {
		log_warnx("%s changed, but writing %s failed: %s; dnsmasq keeps the old servers",
			  GW_RESOLV_CONF, w->path, strerror(-r));
		return;
	}
	w->cur = u;
	log_info("%s changed: %zu upstream DNS server%s for the networks' dnsmasq", GW_RESOLV_CONF,
		 u.n, u.n == 1 ? "" : "s");
	w->changed(w->arg);
}

int resolv_watch_new(struct eloop *loop, const char *run_dir, void (*changed)(void *arg), void *arg,
		     struct resolv_watch **out)
{
	struct resolv_watch *w = calloc(1, sizeof(*w));
	int r;

	if (!w)
		return -ENOMEM;
	w->loop = loop;
	w->changed = changed;
	w->arg = arg;
	snprintf(w->path, sizeof(w->path), "%s/%s", run_dir, UPSTREAM_FILE);
	read_servers(&w->cur);
	if ((r = state_file_write(w->path, 0644, servers_fill, &w->cur)) < 0) {
		free(w);
		return r;
	}
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0 || eloop_add_fd(loop, w->fd, on_event, w) < 0) {
		log_warn("watching %s (upstream DNS changes will not be seen)", GW_RESOLV_CONF);
		if (w->fd >= 0)
			close(w->fd);
		w->fd = -1;
	} else {
		arm(w);
	}
	*out = w;
	return 0;
}

void resolv_watch_free(struct resolv_watch *w)
{
	if (!w)
		return;
	if (w->fd >= 0) {
		eloop_remove_fd(w->loop, w->fd);
		close(w->fd);
	}
	unlink(w->path);
	free(w);
}
