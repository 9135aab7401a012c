/* Who gets a control connection (see control_int.h): the slots per uid,
 * the per-uid request rate, and the refusals, told to the client in one
 * write and logged at most once a minute. */
#include "gatewayd/ctl/control_int.h"
#include "gatewayd/ctl/proto.h"
#include "lib/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* NULL if uid may have one more connection, else why not. */
const char *client_room(const struct control *c, uid_t uid, bool stranger)
{
	size_t mine = 0, others = 0, strangers = 0;

	if (c->n_clients >= CLIENT_MAX)
		return "too many control connections";
	if (uid == 0)
		return NULL;
	for (const struct client *cl = c->clients; cl; cl = cl->next) {
		mine += cl->uid == uid;
		others += cl->uid != 0;
		strangers += cl->stranger;
	}
	if (stranger && strangers >= CLIENT_STRANGERS)
		return "too many control connections from users who own no network";
	if (mine >= CLIENT_PER_USER)
		return "too many control connections from this user";
	if (others >= CLIENT_MAX - CLIENT_ROOT_ROOM)
		return "too many control connections from users other than root";
	return NULL;
}

static long long now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Refused: the answer says so in one write that a new socket's buffer
 * always takes; never SIGPIPE (the client may be gone already). */
static void refuse_send(int cfd, uid_t uid, const char *why)
{
	char msg[200];
	int n = snprintf(msg, sizeof(msg), "%d\ngatewayd: %s (uid %u); try again\n", CTL_BUSY, why,
			 (unsigned)uid);

	if (send(cfd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("control: telling uid %u it was refused: %s", (unsigned)uid,
			  strerror(errno));
	close(cfd);
}

/* May uid (not root) make one more request now? Takes a token if so. */
bool rate_take(struct control *c, uid_t uid)
{
	long long now = now_ms();
	struct rate *r = NULL;

	for (size_t i = 0; i < c->n_rates && !r; i++)
		if (c->rates[i].uid == uid)
			r = &c->rates[i];
	if (!r && c->n_rates < RATE_UIDS) {
		r = &c->rates[c->n_rates++];
		r->ms = 0;
	} else if (!r) {
		/* the one idle longest: its bucket is the fullest */
		r = &c->rates[0];
		for (size_t i = 1; i < c->n_rates; i++)
			if (c->rates[i].ms < r->ms)
				r = &c->rates[i];
		r->ms = 0;
	}
	if (r->ms == 0) {
		*r = (struct rate){ .uid = uid, .ms = now, .milli = RATE_BURST * 1000LL };
	} else {
		r->milli += (now - r->ms) * RATE_PER_S;
		if (r->milli > RATE_BURST * 1000LL)
			r->milli = RATE_BURST * 1000LL;
		r->ms = now;
	}
	if (r->milli < 1000)
		return false;
	r->milli -= 1000;
	return true;
}

void rate_refuse(struct control *c, int cfd, uid_t uid)
{
	long long now = now_ms();

	refuse_send(cfd, uid, "too many requests from this user");
	c->rate_count++;
	if (c->rate_said_ms && now - c->rate_said_ms < 60000)
		return;
	log_warnx("control: too many requests: refused %u, the last of uid %u (at most %d a "
		  "second, %d at once, per user other than root; said at most once a minute)",
		  c->rate_count, (unsigned)uid, RATE_PER_S, RATE_BURST);
	c->rate_said_ms = now;
	c->rate_count = 0;
}

void client_refuse(struct control *c, int cfd, uid_t uid, const char *why)
{
	long long now = now_ms();

	refuse_send(cfd, uid, why);
	c->busy_count++;
	if (c->busy_said_ms && now - c->busy_said_ms < 60000)
		return;
	log_warnx("control: %s: refused %u connection%s, the last of uid %u (at most %d per "
		  "user other than root, %d kept for root; said at most once a minute)",
		  why, c->busy_count, c->busy_count == 1 ? "" : "s", (unsigned)uid, CLIENT_PER_USER,
		  CLIENT_ROOT_ROOM);
	c->busy_said_ms = now;
	c->busy_count = 0;
}
