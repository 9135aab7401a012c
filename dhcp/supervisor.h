/* dnsmasq supervisor: spawn, log relay, reap, restart with backoff, stop. */
#ifndef GW_SUPERVISOR_H
#define GW_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/eloop.h"

struct dnsmasq;

struct dnsmasq_params {
	const char *network; /* for log lines */
	const char *binary;
	const char *conf_path;
	const char *pid_path; /* gatewayd's record of the child's pid */
};

int dnsmasq_new(struct eloop *loop, const struct dnsmasq_params *p, struct dnsmasq **out);
/* Spawn now. Returns -errno if it could not be spawned at all. */
int dnsmasq_start(struct dnsmasq *d);
/* SIGTERM, wait up to 3 s, then SIGKILL. No restart afterwards. */
void dnsmasq_stop(struct dnsmasq *d);
/* Only the SIGTERM (and no more restarts): the exit is reaped by the
 * loop like any other (dnsmasq_reaped), a SIGKILL follows if it lingers,
 * and a dnsmasq_start() meanwhile starts it again once it is gone. Many
 * dnsmasqs stop side by side, and dnsmasq_stop() then mostly finds them
 * gone. */
void dnsmasq_stop_begin(struct dnsmasq *d);
void dnsmasq_free(struct dnsmasq *d);
/* Called for every child reaped by the daemon; true if it was this one's.
 * An unexpected exit is logged and a restart scheduled. */
bool dnsmasq_reaped(struct dnsmasq *d, pid_t pid, int status);
/* SIGHUP: dnsmasq re-reads its servers-file (and hosts files). */
void dnsmasq_reload(struct dnsmasq *d);
pid_t dnsmasq_pid(const struct dnsmasq *d);
const char *dnsmasq_network(const struct dnsmasq *d);
unsigned dnsmasq_restarts(const struct dnsmasq *d);
uint64_t dnsmasq_uptime_ms(const struct dnsmasq *d);	/* 0 when not running */
const char *dnsmasq_last_exit(const struct dnsmasq *d); /* "" if it never died */

/* Kill a dnsmasq left behind by a crashed gatewayd (pid file + cmdline
 * check). Returns 1 if one was killed, 0 if there was none. */
int dnsmasq_kill_orphan(const char *pid_path, const char *conf_path);

#endif
