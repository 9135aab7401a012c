/* The event loop: epoll over signalfd, timerfds, netlink and pipes.
 * Callbacks may remove their own or other descriptors while running:
 * removed entries are only marked and reaped after the dispatch round. */
#include "lib/eloop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct eloop_fd {
	int fd;
	eloop_fd_cb cb;
	void *arg;
	int dead;
	struct eloop_fd *next;
};

struct eloop {
	int epfd;
	int quit, code;
	struct eloop_fd *fds;
	/* entries marked dead since the last reap: a round with none walks
	 * nothing (with 1,000 networks the list holds thousands of entries,
	 * and walking it after every event was most of an event's cost) */
	size_t n_dead;
};

struct eloop_timer {
	struct eloop *loop;
	int fd;
	eloop_timer_cb cb;
	void *arg;
};

int eloop_new(struct eloop **out)
{
	struct eloop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int r = -errno;
		free(l);
		return r;
	}
	*out = l;
	return 0;
}

static void eloop_reap(struct eloop *l)
{
	struct eloop_fd **pp = &l->fds;

	if (!l->n_dead)
		return;
	l->n_dead = 0;
	while (*pp) {
		struct eloop_fd *e = *pp;
		if (e->dead) {
			*pp = e->next;
			free(e);
		} else {
			pp = &e->next;
		}
	}
}

void eloop_free(struct eloop *l)
{
	if (!l)
		return;
	for (struct eloop_fd *e = l->fds; e; e = e->next)
		e->dead = 1;
	l->n_dead = 1;
	eloop_reap(l);
	close(l->epfd);
	free(l);
}

int eloop_add_fd(struct eloop *l, int fd, eloop_fd_cb cb, void *arg)
{
	struct eloop_fd *e = calloc(1, sizeof(*e));
	struct epoll_event ev = { .events = EPOLLIN };

	if (!e)
		return -ENOMEM;
	e->fd = fd;
	e->cb = cb;
	e->arg = arg;
	ev.data.ptr = e;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;
		free(e);
		return r;
	}
	e->next = l->fds;
	l->fds = e;
	return 0;
}

int eloop_fd_events(struct eloop *l, int fd, uint32_t events)
{
	for (struct eloop_fd *e = l->fds; e; e = e->next)
		if (e->fd == fd && !e->dead) {
			struct epoll_event ev = { .events = events, .data.ptr = e };

			return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
		}
	return -ENOENT;
}

void eloop_remove_fd(struct eloop *l, int fd)
{
	for (struct eloop_fd *e = l->fds; e; e = e->next)
		if (e->fd == fd && !e->dead) {
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
			e->dead = 1;
			l->n_dead++;
		}
}

int eloop_run(struct eloop *l)
{
	struct epoll_event evs[16];

	l->quit = 0;
	while (!l->quit) {
		int n = epoll_wait(l->epfd, evs, 16, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->quit; i++) {
			struct eloop_fd *e = evs[i].data.ptr;
			if (!e->dead)
				e->cb(e->fd, evs[i].events, e->arg);
		}
		eloop_reap(l);
	}
	return l->code;
}

void eloop_quit(struct eloop *l, int code)
{
	l->quit = 1;
	l->code = code;
}

static void timer_fire(int fd, uint32_t events, void *arg)
{
	struct eloop_timer *t = arg;
	uint64_t ticks;

	(void)events;
	if (read(fd, &ticks, sizeof(ticks)) == sizeof(ticks))
		t->cb(t->arg);
}

int eloop_timer_new(struct eloop *l, eloop_timer_cb cb, void *arg, struct eloop_timer **out)
{
	struct eloop_timer *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	t->loop = l;
	t->cb = cb;
	t->arg = arg;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (t->fd < 0) {
		r = -errno;
		free(t);
		return r;
	}
	if ((r = eloop_add_fd(l, t->fd, timer_fire, t)) < 0) {
		close(t->fd);
		free(t);
		return r;
	}
	*out = t;
	return 0;
}

int eloop_timer_arm(struct eloop_timer *t, uint64_t msec)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = msec / 1000;
	its.it_value.tv_nsec = (msec % 1000) * 1000000 + (msec ? 0 : 1);
	return timerfd_settime(t->fd, 0, &its, NULL) < 0 ? -errno : 0;
}

uint64_t eloop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t eloop_settle_ms(uint64_t now, uint64_t *first, uint64_t ms, uint64_t max)
{
	uint64_t waited;

	if (!*first)
		*first = now ? now : 1;
	waited = now - *first;
	if (waited >= max)
		return 0;
	return ms < max - waited ? ms : max - waited;
}

void eloop_timer_disarm(struct eloop_timer *t)
{
	struct itimerspec its = { 0 };

	timerfd_settime(t->fd, 0, &its, NULL);
}

void eloop_timer_free(struct eloop_timer *t)
{
	if (!t)
		return;
	eloop_remove_fd(t->loop, t->fd);
	close(t->fd);
	free(t);
}
