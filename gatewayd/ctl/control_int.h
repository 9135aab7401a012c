/* The control socket's state, shared by control.c (accept, read, answer)
 * and control_admit.c (who gets a connection). Not for use elsewhere. */
#ifndef GW_CTL_CONTROL_INT_H
#define GW_CTL_CONTROL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "gatewayd/ctl/authz.h"
#include "gatewayd/ctl/control.h"

struct eloop;
struct eloop_timer;
struct gw_ctx;
struct doctor;

/* Clients are served by the loop like any other descriptor: a client
 * that sends its request slowly, or reads the answer slowly, costs the
 * loop nothing; one that takes longer than CLIENT_DEADLINE_MS is dropped,
 * and at most CLIENT_MAX are connected at once. The group gatewayd may
 * connect too, so the slots are shared by uid (SO_PEERCRED): users other
 * than root hold at most CLIENT_MAX - CLIENT_ROOT_ROOM together and
 * CLIENT_PER_USER each, so a member of the group renewing idle
 * connections as they are dropped never locks root out (its status, the
 * attach that qemu-ifup runs) nor the other members. A refused client is
 * told so (CTL_BUSY), not just hung up on. */
#define CLIENT_MAX	   16
#define CLIENT_ROOT_ROOM   4 /* kept for root */
#define CLIENT_PER_USER	   8 /* per uid other than root */
#define CLIENT_DEADLINE_MS 3000
/* Users who own nothing and read nothing (authz_sees_any() false at
 * accept) are told "permission denied" or help and nothing else: they
 * hold CLIENT_STRANGERS slots together, so that two such users (a web
 * server's, nobody's) idling on 8 connections each cannot leave every
 * owner "too many control connections". */
#define CLIENT_STRANGERS 2
/* Requests (connections) of a uid other than root: RATE_PER_S a second
 * on average, RATE_BURST at once; kept for the RATE_UIDS users seen last.
 * A customer's script polling status once a second is far below it; one
 * in a tight loop is told CTL_BUSY and slowed, not the loop. */
#define RATE_PER_S 10
#define RATE_BURST 20
#define RATE_UIDS  64

struct rate {
	uid_t uid;
	long long ms;	 /* last refill */
	long long milli; /* tokens, in thousandths */
};

struct client {
	struct control *c;
	int fd;
	uid_t uid;
	bool stranger;	      /* sees no network (authz_sees_any()) */
	struct ctl_peer peer; /* its credentials at accept */
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
	/* refusals for want of a slot: said at most once a minute */
	long long busy_said_ms;
	unsigned busy_count;
	/* per-uid rate of users other than root, and its refusals (said at
	 * most once a minute too) */
	struct rate rates[RATE_UIDS];
	size_t n_rates;
	long long rate_said_ms;
	unsigned rate_count;
};

/* NULL if uid may have one more connection, else why not. */
const char *client_room(const struct control *c, uid_t uid, bool stranger);
/* May uid (not root) make one more request now? Takes a token if so. */
bool rate_take(struct control *c, uid_t uid);
/* cfd refused: told why, closed, and logged at most once a minute. */
void rate_refuse(struct control *c, int cfd, uid_t uid);
void client_refuse(struct control *c, int cfd, uid_t uid, const char *why);

#endif
