/* BIRD's control socket: the protocol birdc speaks, without running
 * birdc. A client connects to the UNIX socket, BIRD greets it
 * ("0001 BIRD 2.0.12 ready."), and each command is one line answered by
 * numbered lines: "NNNN-text" goes on, " text" continues the previous
 * code, "NNNN text" ends the reply. 0xxx: done (0003 Reconfigured, 0004
 * in progress, 0005 queued, 0020 configuration OK), 1xxx table rows, 2xxx
 * headings, 8xxx run-time and 9xxx parse errors (8002: BIRD's config
 * failed to load; the message names file:line:column). */
#ifndef GW_BIRD_H
#define GW_BIRD_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/eloop.h"

/* configure "PATH": a path of GW_PATH_MAX and some */
#define GW_BIRD_CMD_MAX 300

/* One reply, fed line by line (pure). text holds every line as
 * "NNNN text\n", continuation lines with their code spelled out. */
struct bird_reply {
	int code; /* the last line's code, once done */
	bool done;
	int cur; /* code of the line being continued */
	char *text;
	size_t len, cap;
};
/* A line without its newline: 1 when it ended the reply, 0 when more
 * follow, -EPROTO when it is no reply line, -ENOMEM. */
int bird_reply_line(struct bird_reply *r, const char *line);
void bird_reply_reset(struct bird_reply *r);
/* Is this final code a success (0xxx)? */
bool bird_code_ok(int code);

/* The rows of "show protocols" whose name starts with prefix. */
struct bird_proto {
	char name[65];
	char proto[16];
	char state[16]; /* up, down, start, ... */
	char info[64];	/* Established, Active, Connect, ... */
};
size_t bird_protocols_parse(const char *text, const char *prefix, struct bird_proto *out,
			    size_t max);

/* The client, driven by the caller's loop: one command per connection,
 * one at a time (-EBUSY while one is in flight). done() gets 0 and the
 * reply, or -errno (-ENOENT / -ECONNREFUSED: no BIRD; -ETIMEDOUT; -EPROTO)
 * and NULL; it may issue the next request. */
struct bird;
typedef void bird_done_fn(void *arg, int err, const struct bird_reply *reply);
int bird_new(struct eloop *loop, struct bird **out);
int bird_request(struct bird *b, const char *socket, const char *cmd, unsigned timeout_ms,
		 bird_done_fn *done, void *arg);
bool bird_busy(const struct bird *b);
/* Drops a request in flight (done() is not called). */
void bird_free(struct bird *b);

/* The same, blocking up to timeout_ms: for stop and --teardown, when the
 * loop no longer runs. reply is the caller's (bird_reply_reset() it). */
int bird_request_sync(const char *socket, const char *cmd, unsigned timeout_ms,
		      struct bird_reply *reply);

#endif
