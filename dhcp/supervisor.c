/* The dnsmasq supervisor.
 *
 * dnsmasq runs with --keep-in-foreground so its pid stays ours, in its own
 * process group (a Ctrl-C on gatewayd's terminal must not reach it before
 * gatewayd stops it in order). It is spawned with posix_spawn and an empty
 * signal mask and default handlers: gatewayd blocks its signals for
 * signalfd, and a child inheriting that would ignore our SIGTERM.
 * Its stdout/stderr (log-facility=-) come back through a pipe and are
 * logged with the network's name.
 *
 * Restarts back off exponentially from 100 ms to 2 s, and never stop: a
 * DHCP server that is down is an outage for every guest, and a spawn is
 * cheap. A child that ran 10 s counts as healthy and resets the backoff. */
#include "supervisor.h"
#include "lib/log.h"
#include "lib/state.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
#define HEALTHY_MS     10000
#define STOP_GRACE_MS  3000

extern char **environ;

struct dnsmasq {
	struct eloop *loop;
	char *network, *binary, *conf_path, *pid_path;
	pid_t pid;
	int log_fd;
	char logbuf[1024];
	size_t loglen;
	struct eloop_timer *restart;
	struct eloop_timer *kill; /* SIGKILL if SIGTERM was not enough */
	bool start_after_stop;	  /* started again while still stopping */
	uint64_t started_ms;
	unsigned backoff_ms;
	unsigned restarts;
	bool stopping;
	uint64_t stop_sent_ms; /* when SIGTERM went out */
	char last_exit[160];   /* why it last died unexpectedly */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void log_flush_lines(struct dnsmasq *d, bool all)
{
	char *start = d->logbuf, *nl;

	while ((nl = memchr(start, '\n', d->loglen - (size_t)(start - d->logbuf)))) {
		*nl = '\0';
		if (*start)
			log_info("dnsmasq[%s]: %s", d->network, start);
		start = nl + 1;
	}
	d->loglen -= (size_t)(start - d->logbuf);
	memmove(d->logbuf, start, d->loglen);
	if (all || d->loglen == sizeof(d->logbuf)) {
		if (d->loglen)
			log_info("dnsmasq[%s]: %.*s", d->network, (int)d->loglen, d->logbuf);
		d->loglen = 0;
	}
}

static void log_close(struct dnsmasq *d)
{
	if (d->log_fd < 0)
		return;
	log_flush_lines(d, true);
	eloop_remove_fd(d->loop, d->log_fd);
	close(d->log_fd);
	d->log_fd = -1;
}

static void log_readable(int fd, uint32_t events, void *arg)
{
	struct dnsmasq *d = arg;
	ssize_t n;

	(void)events;
	n = read(fd, d->logbuf + d->loglen, sizeof(d->logbuf) - d->loglen);
	if (n > 0) {
		d->loglen += (size_t)n;
		log_flush_lines(d, false);
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		log_close(d);
	}
}

static void kill_fire(void *arg)
{
	struct dnsmasq *d = arg;

	if (d->pid > 0 && d->stopping) {
		log_warnx("dnsmasq[%s]: pid %d did not stop on SIGTERM; sending SIGKILL",
			  d->network, (int)d->pid);
		kill(d->pid, SIGKILL);
	}
}

static void restart_fire(void *arg)
{
	struct dnsmasq *d = arg;
	int r;

	if (d->stopping || d->pid > 0)
		return;
	d->restarts++;
	log_info("dnsmasq[%s]: restarting (restart #%u)", d->network, d->restarts);
	if ((r = dnsmasq_start(d)) < 0) {
		log_err("dnsmasq[%s]: cannot spawn %s: %s", d->network, d->binary, strerror(-r));
		d->backoff_ms =
			d->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : d->backoff_ms * 2;
		eloop_timer_arm(d->restart, d->backoff_ms);
	}
}

int dnsmasq_new(struct eloop *loop, const struct dnsmasq_params *p, struct dnsmasq **out)
{
	struct dnsmasq *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	d->loop = loop;
	d->log_fd = -1;
	d->backoff_ms = BACKOFF_MIN_MS;
	d->network = strdup(p->network);
	d->binary = strdup(p->binary);
	d->conf_path = strdup(p->conf_path);
	d->pid_path = strdup(p->pid_path);
	if (!d->network || !d->binary || !d->conf_path || !d->pid_path) {
		r = -ENOMEM;
		goto fail;
	}
	if ((r = eloop_timer_new(loop, restart_fire, d, &d->restart)) < 0 ||
	    (r = eloop_timer_new(loop, kill_fire, d, &d->kill)) < 0)
		goto fail;
	*out = d;
	return 0;
fail:
	dnsmasq_free(d);
	return r;
}

int dnsmasq_start(struct dnsmasq *d)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char confarg[512];
	char *argv[] = { d->binary, "--keep-in-foreground", confarg, NULL };
	int pipefd[2], r;
	pid_t pid;

	if (d->pid > 0) {
		/* still going after a stop: start it again once it is gone */
		if (d->stopping)
			d->start_after_stop = true;
		return 0;
	}
	snprintf(confarg, sizeof(confarg), "--conf-file=%s", d->conf_path);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	/* Only stdin/stdout/stderr: not a descriptor gatewayd inherited
	 * without close-on-exec, not one opened by a library. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
						POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	r = -posix_spawn(&pid, d->binary, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(pipefd[1]);
	if (r < 0) {
		close(pipefd[0]);
		return r;
	}
	log_close(d);
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	d->log_fd = pipefd[0];
	if (eloop_add_fd(d->loop, d->log_fd, log_readable, d) < 0) {
		close(d->log_fd);
		d->log_fd = -1;
	}
	d->pid = pid;
	d->started_ms = now_ms();
	d->stopping = false;
	state_pid_write(d->pid_path, pid);
	log_info("dnsmasq[%s]: started, pid %d", d->network, (int)pid);
	return 0;
}

static void describe_status(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) == 1)
		snprintf(buf, len, "exited with status 1 (configuration problem)");
	else if (WEXITSTATUS(status) == 2)
		snprintf(buf, len,
			 "exited with status 2 (network problem: is the address "
			 "or port in use?)");
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
}

bool dnsmasq_reaped(struct dnsmasq *d, pid_t pid, int status)
{
	char why[128];
	uint64_t ran;

	if (!d || pid != d->pid || pid <= 0)
		return false;
	d->pid = 0;
	unlink(d->pid_path);
	/* Read what it said last before saying why it died. */
	while (d->log_fd >= 0) {
		ssize_t n = read(d->log_fd, d->logbuf + d->loglen, sizeof(d->logbuf) - d->loglen);
		if (n <= 0)
			break;
		d->loglen += (size_t)n;
		log_flush_lines(d, false);
	}
	log_close(d);
	if (d->stopping) {
		eloop_timer_disarm(d->kill);
		log_info("dnsmasq[%s]: stopped", d->network);
		if (d->start_after_stop) {
			/* it was wanted back while it went: now it can bind */
			d->start_after_stop = false;
			d->stopping = false;
			if (dnsmasq_start(d) < 0)
				eloop_timer_arm(d->restart, d->backoff_ms);
		}
		return true;
	}
	ran = now_ms() - d->started_ms;
	if (ran >= HEALTHY_MS)
		d->backoff_ms = BACKOFF_MIN_MS;
	describe_status(status, why, sizeof(why));
	snprintf(d->last_exit, sizeof(d->last_exit), "%s", why);
	log_err("dnsmasq[%s]: pid %d %s after %llu ms; restarting in %u ms", d->network, (int)pid,
		why, (unsigned long long)ran, d->backoff_ms);
	eloop_timer_arm(d->restart, d->backoff_ms);
	d->backoff_ms = d->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : d->backoff_ms * 2;
	return true;
}

/* Wait for our child pid to exit, up to ms, and reap it. On a pidfd, not
 * on SIGCHLD: taking SIGCHLD here (sigtimedwait) would swallow the exit of
 * any other child that dies meanwhile -- another network's dnsmasq left a
 * zombie, never restarted. The SIGCHLD stays queued for the event loop,
 * which reaps whatever else exited. */
static bool wait_exit(pid_t pid, int *status, unsigned ms)
{
	struct pollfd pfd = { .fd = (int)syscall(SYS_pidfd_open, pid, 0), .events = POLLIN };
	uint64_t deadline = now_ms() + ms, now;
	bool gone;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		gone = r == pid || (r < 0 && errno == ECHILD);
		if (gone || (now = now_ms()) >= deadline)
			break;
		if (pfd.fd >= 0)
			poll(&pfd, 1, (int)(deadline - now));
		else
			poll(NULL, 0, 10); /* no pidfd (Linux < 5.3): look every 10 ms */
	}
	if (pfd.fd >= 0)
		close(pfd.fd);
	return gone;
}

void dnsmasq_stop_begin(struct dnsmasq *d)
{
	if (!d)
		return;
	d->start_after_stop = false;
	if (d->stopping)
		return;
	d->stopping = true;
	eloop_timer_disarm(d->restart);
	d->stop_sent_ms = now_ms();
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		eloop_timer_arm(d->kill, STOP_GRACE_MS);
	}
}

void dnsmasq_stop(struct dnsmasq *d)
{
	uint64_t waited;
	int status = 0;
	pid_t pid;

	if (!d)
		return;
	dnsmasq_stop_begin(d);
	pid = d->pid;
	if (pid <= 0)
		return;
	waited = now_ms() - d->stop_sent_ms;
	if (!wait_exit(pid, &status,
		       waited < STOP_GRACE_MS ? STOP_GRACE_MS - (unsigned)waited : 0)) {
		log_warnx("dnsmasq[%s]: pid %d did not stop on SIGTERM; sending SIGKILL",
			  d->network, (int)pid);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	dnsmasq_reaped(d, pid, status);
}

void dnsmasq_free(struct dnsmasq *d)
{
	if (!d)
		return;
	dnsmasq_stop(d);
	log_close(d);
	eloop_timer_free(d->restart);
	eloop_timer_free(d->kill);
	free(d->network);
	free(d->binary);
	free(d->conf_path);
	free(d->pid_path);
	free(d);
}

void dnsmasq_reload(struct dnsmasq *d)
{
	if (d && d->pid > 0 && !d->stopping)
		kill(d->pid, SIGHUP);
}

pid_t dnsmasq_pid(const struct dnsmasq *d)
{
	return d->pid;
}

const char *dnsmasq_network(const struct dnsmasq *d)
{
	return d->network;
}

unsigned dnsmasq_restarts(const struct dnsmasq *d)
{
	return d->restarts;
}

uint64_t dnsmasq_uptime_ms(const struct dnsmasq *d)
{
	return d->pid > 0 ? now_ms() - d->started_ms : 0;
}

const char *dnsmasq_last_exit(const struct dnsmasq *d)
{
	return d->last_exit;
}

int dnsmasq_kill_orphan(const char *pid_path, const char *conf_path)
{
	pid_t pid = state_pid_read(pid_path);
	struct pollfd pfd = { .events = POLLIN };

	if (pid <= 0)
		return 0;
	/* Not our child (its parent crashed): wait on a pidfd, which becomes
	 * readable when the process exits. The cmdline check makes sure a
	 * recycled pid is never killed. */
	pfd.fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd.fd < 0 || !state_pid_matches(pid, conf_path)) {
		if (pfd.fd >= 0)
			close(pfd.fd);
		unlink(pid_path);
		return 0;
	}
	kill(pid, SIGTERM);
	if (poll(&pfd, 1, STOP_GRACE_MS) == 0) {
		kill(pid, SIGKILL);
		poll(&pfd, 1, STOP_GRACE_MS);
	}
	close(pfd.fd);
	unlink(pid_path);
	return 1;
}
