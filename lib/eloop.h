/* A small epoll event loop: file descriptors and one-shot timers. */
#ifndef GW_ELOOP_H
#define GW_ELOOP_H

#include <stdint.h>

struct eloop;
struct eloop_timer;

typedef void (*eloop_fd_cb)(int fd, uint32_t events, void *arg);
typedef void (*eloop_timer_cb)(void *arg);

int eloop_new(struct eloop **out);
void eloop_free(struct eloop *loop);
int eloop_add_fd(struct eloop *loop, int fd, eloop_fd_cb cb, void *arg);
/* What to wait for on fd: EPOLLIN (the default), EPOLLOUT, or both. */
int eloop_fd_events(struct eloop *loop, int fd, uint32_t events);
void eloop_remove_fd(struct eloop *loop, int fd);
/* Run until eloop_quit(); returns the value given to eloop_quit(). */
int eloop_run(struct eloop *loop);
void eloop_quit(struct eloop *loop, int code);

/* One-shot timers on a timerfd each. */
int eloop_timer_new(struct eloop *loop, eloop_timer_cb cb, void *arg, struct eloop_timer **out);
int eloop_timer_arm(struct eloop_timer *t, uint64_t msec);
void eloop_timer_disarm(struct eloop_timer *t);
void eloop_timer_free(struct eloop_timer *t);
/* CLOCK_MONOTONIC in milliseconds. */
uint64_t eloop_now_ms(void);
/* A debounce with a maximum wait: how long to wait (0: now) for an event
 * at now that asks for ms more quiet, when *first (0: none yet; set here)
 * is when the first event not yet handled came and nothing may wait past
 * first + max. A stream of events delays the handling, never starves it.
 * Pure; the caller sets *first = 0 when it has handled them. */
uint64_t eloop_settle_ms(uint64_t now, uint64_t *first, uint64_t ms, uint64_t max);

#endif
