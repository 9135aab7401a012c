/* BIRD's control socket (see bird.h). Each request is its own connection:
 * connect (a UNIX socket connects at once or fails), read the greeting,
 * send the command, read the reply to its last line, close. Nothing
 * waits: the loop wakes the client when the socket is readable, and a
 * timer gives up on a BIRD that does not answer. */
#include "gatewayd/host/bird.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define BIRD_LINE_MAX 4096

static bool is_code(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int reply_add(struct bird_reply *r, int code, const char *text)
{
	size_t n = strlen(text) + 6;

	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		char *t;

		while (cap < r->len + n + 1)
			cap *= 2;
		if (cap > (1u << 22) || !(t = realloc(r->text, cap)))
			return -ENOMEM;
		r->text = t;
		r->cap = cap;
	}
	r->len += (size_t)snprintf(r->text + r->len, r->cap - r->len, "%04d %s\n", code, text);
	return 0;
}

int bird_reply_line(struct bird_reply *r, const char *line)
{
	int code;

	if (r->done)
		return -EPROTO;
	if (line[0] == '+') /* spontaneous printout: not part of the reply */
		return 0;
	if (line[0] == ' ') {
		if (!r->cur)
			return -EPROTO;
		return reply_add(r, r->cur, line + 1);
	}
	if (!is_code(line) || (line[4] != '-' && line[4] != ' ' && line[4] != '\0'))
		return -EPROTO;
	code = (line[0] - '0') * 1000 + (line[1] - '0') * 100 + (line[2] - '0') * 10 +
	       (line[3] - '0');
	r->cur = code;
	if (reply_add(r, code, line[4] ? line + 5 : "") < 0)
		return -ENOMEM;
	if (line[4] == '-')
		return 0;
	r->code = code;
	r->done = true;
	return 1;
}

void bird_reply_reset(struct bird_reply *r)
{
	free(r->text);
	*r = (struct bird_reply){ 0 };
}

bool bird_code_ok(int code)
{
	return code >= 0 && code < 1000;
}

/* "1002 NAME PROTO TABLE STATE SINCE INFO..." (SINCE may be a date and a
 * time: INFO is what follows the time). */
size_t bird_protocols_parse(const char *text, const char *prefix, struct bird_proto *out,
			    size_t max)
{
	size_t n = 0, plen = strlen(prefix);

	for (const char *l = text; l && *l && n < max; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		char line[512], *save = NULL, *tok[8] = { 0 };
		const char *end = strchr(l, '\n');
		size_t len = end ? (size_t)(end - l) : strlen(l);
		int k = 0;
		struct bird_proto *p;

		if (len < 5 || len >= sizeof(line) || strncmp(l, "1002 ", 5))
			continue;
		memcpy(line, l + 5, len - 5);
		line[len - 5] = '\0';
		for (char *t = strtok_r(line, " \t", &save); t && k < 8;
		     t = strtok_r(NULL, k < 5 ? " \t" : "", &save))
			tok[k++] = t;
		/* name proto table state since [info] */
		if (k < 4 || strncmp(tok[0], prefix, plen) || strlen(tok[0]) >= sizeof(p->name))
			continue;
		p = &out[n++];
		memset(p, 0, sizeof(*p));
		snprintf(p->name, sizeof(p->name), "%s", tok[0]);
		snprintf(p->proto, sizeof(p->proto), "%s", tok[1]);
		snprintf(p->state, sizeof(p->state), "%s", tok[3]);
		if (k > 5) {
			const char *info = tok[5];

			while (*info == ' ' || *info == '\t')
				info++;
			/* "2026-11-27 10:20:05" for a since of more than a day */
			if (info[0] >= '0' && info[0] <= '9' && strchr(info, ':') &&
			    strchr(info, ' ') && strchr(info, ':') < strchr(info, ' '))
				info = strchr(info, ' ') + 1;
			while (*info == ' ')
				info++;
			snprintf(p->info, sizeof(p->info), "%s", info);
			for (size_t e = strlen(p->info); e && p->info[e - 1] == ' ';)
				p->info[--e] = '\0';
		}
	}
	return n;
}

enum bird_state { B_IDLE, B_GREETING, B_REPLY };

struct bird {
	struct eloop *loop;
	struct eloop_timer *timer;
	int fd;
	enum bird_state state;
	char cmd[GW_BIRD_CMD_MAX];
	char in[BIRD_LINE_MAX];
	size_t in_len;
	struct bird_reply reply;
	bird_done_fn *done;
	void *arg;
};

static void on_timeout(void *arg);

int bird_new(struct eloop *loop, struct bird **out)
{
	struct bird *b = calloc(1, sizeof(*b));
	int r;

	if (!b)
		return -ENOMEM;
	b->loop = loop;
	b->fd = -1;
	if ((r = eloop_timer_new(loop, on_timeout, b, &b->timer)) < 0) {
		free(b);
		return r;
	}
	*out = b;
	return 0;
}

static void finish(struct bird *b, int err)
{
	struct bird_reply reply = b->reply;
	bird_done_fn *done = b->done;
	void *arg = b->arg;

	if (b->fd >= 0) {
		eloop_remove_fd(b->loop, b->fd);
		close(b->fd);
		b->fd = -1;
	}
	eloop_timer_disarm(b->timer);
	b->state = B_IDLE;
	b->reply = (struct bird_reply){ 0 };
	b->in_len = 0;
	b->done = NULL;
	/* done() may start the next request */
	if (done)
		done(arg, err, err ? NULL : &reply);
	bird_reply_reset(&reply);
}

static int open_socket(const char *path, int flags)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
	if (fd < 0)
		return -errno;
	/* a UNIX stream socket connects at once, or fails (EAGAIN: BIRD's
	 * backlog is full; tried again later like a refusal) */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

static int send_cmd(int fd, const char *cmd)
{
	char line[GW_BIRD_CMD_MAX + 2];
	int n = snprintf(line, sizeof(line), "%s\n", cmd);

	/* one short line into an empty socket buffer */
	if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n)
		return errno ? -errno : -EIO;
	return 0;
}

/* Feed what arrived, line by line: 1 when the reply is complete. */
static int take_lines(struct bird *b, bool *greeted)
{
	char *nl;

	while ((nl = memchr(b->in, '\n', b->in_len))) {
		size_t n = (size_t)(nl - b->in);
		int r;

		*nl = '\0';
		r = bird_reply_line(&b->reply, b->in);
		memmove(b->in, nl + 1, b->in_len - n - 1);
		b->in_len -= n + 1;
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		if (*greeted)
			return 1;
		/* the greeting: 0001 ready, or 0016 access restricted etc. */
		if (b->reply.code != 1)
			return -EPROTO;
		bird_reply_reset(&b->reply);
		*greeted = true;
		if ((r = send_cmd(b->fd, b->cmd)) < 0)
			return r;
	}
	if (b->in_len == sizeof(b->in))
		return -EPROTO;
	return 0;
}

static void on_readable(int fd, uint32_t events, void *arg)
{
	struct bird *b = arg;
	bool greeted = b->state == B_REPLY;
	ssize_t n;
	int r;

	(void)events;
	n = read(fd, b->in + b->in_len, sizeof(b->in) - b->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		finish(b, n < 0 ? -errno : -ECONNRESET);
		return;
	}
	b->in_len += (size_t)n;
	r = take_lines(b, &greeted);
	b->state = greeted ? B_REPLY : B_GREETING;
	if (r != 0)
		finish(b, r < 0 ? r : 0);
}

static void on_timeout(void *arg)
{
	finish(arg, -ETIMEDOUT);
}

int bird_request(struct bird *b, const char *socket, const char *cmd, unsigned timeout_ms,
		 bird_done_fn *done, void *arg)
{
	int r;

	if (b->state != B_IDLE)
		return -EBUSY;
	if (strlen(cmd) >= sizeof(b->cmd) || strchr(cmd, '\n'))
		return -EINVAL;
	if ((b->fd = open_socket(socket, SOCK_NONBLOCK)) < 0) {
		r = b->fd;
		b->fd = -1;
		return r;
	}
	if ((r = eloop_add_fd(b->loop, b->fd, on_readable, b)) < 0) {
		close(b->fd);
		b->fd = -1;
		return r;
	}
	strcpy(b->cmd, cmd);
	b->state = B_GREETING;
	b->done = done;
	b->arg = arg;
	if ((r = eloop_timer_arm(b->timer, timeout_ms)) < 0) {
		b->done = NULL;
		finish(b, r);
		return r;
	}
	return 0;
}

bool bird_busy(const struct bird *b)
{
	return b && b->state != B_IDLE;
}

void bird_free(struct bird *b)
{
	if (!b)
		return;
	b->done = NULL;
	if (b->state != B_IDLE)
		finish(b, -ECANCELED);
	eloop_timer_free(b->timer);
	free(b);
}

static long ms_left(const struct timespec *end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (end->tv_sec - now.tv_sec) * 1000 + (end->tv_nsec - now.tv_nsec) / 1000000;
}

int bird_request_sync(const char *socket, const char *cmd, unsigned timeout_ms,
		      struct bird_reply *reply)
{
	struct bird b = { .fd = -1 };
	struct timespec end;
	bool greeted = false;
	int r = 0;

	if (strlen(cmd) >= sizeof(b.cmd) || strchr(cmd, '\n'))
		return -EINVAL;
	strcpy(b.cmd, cmd);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	/* Non-blocking, like the loop's: a hung BIRD whose backlog is full
	 * must fail the connect at once (EAGAIN), not hold a stopping or
	 * reloading gatewayd for ever; the answer is waited for with poll. */
	if ((b.fd = open_socket(socket, SOCK_NONBLOCK)) < 0)
		return b.fd;
	while (r == 0) {
		struct pollfd p = { .fd = b.fd, .events = POLLIN };
		long left = ms_left(&end);
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) == 0) {
			r = -ETIMEDOUT;
			break;
		}
		n = read(b.fd, b.in + b.in_len, sizeof(b.in) - b.in_len);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -ECONNRESET;
			break;
		}
		b.in_len += (size_t)n;
		r = take_lines(&b, &greeted);
	}
	close(b.fd);
	if (r > 0) {
		*reply = b.reply;
		return 0;
	}
	bird_reply_reset(&b.reply);
	return r;
}
