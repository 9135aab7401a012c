/* The one netlink transport: open a socket, send a request (one message or
 * a batch) and wait for its acks, dump, drain a monitor. Every netlink
 * socket of the daemon is opened here; rtnetlink and nf_tables build their
 * messages elsewhere and hand them over.
 *
 * Replies are matched by sequence number: a request's messages carry seqs
 * first..last, and anything queued outside that range (the leftovers of an
 * earlier request) is skipped. A socket in doubt (a failed read, a
 * truncated or malformed reply, replies that do not add up) is reopened, or
 * for a socket whose identity matters (it owns nf_tables tables), drained. */
#ifndef GW_NL_H
#define GW_NL_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl;

/* Called once per reply message that carries data (not acks, errors or
 * NLMSG_DONE). Return 0, or a negative errno: the request still reads its
 * replies to their end, then returns that error. */
typedef int (*nl_cb)(const struct nlmsghdr *nlh, void *data);

/* Never reopen this socket: it owns kernel objects that would go with it.
 * When in doubt, read and drop what is queued instead. */
#define NL_F_KEEP 1u

/* groups: multicast groups to join (a bitmask as for bind(), 0 for a
 * request socket). Sockets are non-blocking, close-on-exec, with
 * NETLINK_EXT_ACK and NETLINK_CAP_ACK on. */
int nl_open(int protocol, unsigned groups, unsigned flags, struct nl **out);
void nl_close(struct nl *nl);
int nl_fd(const struct nl *nl);
uint32_t nl_portid(const struct nl *nl);
/* Hand the socket over as a bare fd (the caller closes it) and free nl. */
int nl_release(struct nl *nl);
/* Set the receive buffer to bytes (root may pass rmem_max). */
int nl_set_rcvbuf(struct nl *nl, int bytes);
/* How many times the socket was reopened (tests, metrics). */
unsigned nl_reopens(const struct nl *nl);

/* The sequence number for the next request's first message. A request
 * whose messages carry other numbers works too; the counter moves past
 * them. */
uint32_t nl_seq_next(const struct nl *nl);

/* What failed: the seq of the message the kernel refused (0 when the
 * error was not the kernel's answer to a message) and its extended-ack
 * text, if any. */
struct nl_err {
	uint32_t seq;
	char msg[160];
};

/* Send len bytes of messages (one, or a batch) in one sendmsg and wait
 * for the answer to each message sent with NLM_F_ACK. Replies that carry
 * data go to cb (may be NULL). After an error the request's remaining
 * replies are read and dropped; returns the first error (-errno), 0 on
 * success. err (may be NULL) names the failed message. The socket's
 * buffers are grown to hold the batch and one ack per message. */
int nl_request(struct nl *nl, const void *msgs, size_t len, nl_cb cb, void *data,
	       struct nl_err *err);

/* Send one dump request (NLM_F_DUMP) and pass each reply to cb. When the
 * kernel marks the dump interrupted (NLM_F_DUMP_INTR: the objects changed
 * while it ran), the rest is read to NLMSG_DONE, restart(data) forgets
 * what cb collected, and the dump runs again, up to NL_DUMP_TRIES times;
 * then -EINTR. With restart NULL an interrupted dump returns -EINTR. The
 * request's seq is set here. */
#define NL_DUMP_TRIES 10
int nl_dump(struct nl *nl, struct nlmsghdr *req, nl_cb cb, void (*restart)(void *data), void *data);

/* Monitor sockets: read everything queued, without blocking, passing each
 * event to cb. Returns NL_LOST when the kernel dropped events (ENOBUFS:
 * the receive buffer overflowed) or an event could not be read whole --
 * the caller must then re-read the whole state, not rely on the events --
 * 0 when all was read, or a negative errno. */
#define NL_LOST 1
int nl_monitor_drain(struct nl *nl, nl_cb cb, void *data);
/* The same on a socket handed over by nl_release(). */
int nl_monitor_drain_fd(int fd, nl_cb cb, void *data);

/* --- reply matching (pure; exposed for unit tests) ----------------------- */

enum nl_class {
	NL_STALE, /* not this request's: an earlier one's, or not for us */
	NL_DATA,  /* a reply carrying data */
	NL_ACK,	  /* NLMSG_ERROR with error 0 */
	NL_ERROR, /* NLMSG_ERROR with an error */
	NL_DONE,  /* NLMSG_DONE: the end of a dump */
	NL_BAD,	  /* shorter than its type says */
};
/* Classify one message (m->nlmsg_len already checked against the buffer)
 * against a request whose messages carry seqs first..last (wrapping). */
enum nl_class nl_classify(const struct nlmsghdr *m, uint32_t portid, uint32_t first, uint32_t last);

/* The state of one request's wait. */
struct nl_wait {
	uint32_t portid, first, last; /* the request's seqs */
	bool dump;		      /* waiting for NLMSG_DONE */
	size_t sent;		      /* messages in the request */
	size_t acks_due;	      /* messages sent with NLM_F_ACK not yet answered */
	bool done;		      /* every answer is in */
	bool intr;		      /* a reply carried NLM_F_DUMP_INTR */
	bool doubt;		      /* replies that do not add up */
	int error;		      /* the first error, or 0 */
	struct nl_err err;
	size_t stale; /* replies skipped */
};
/* Set up w for the messages in msgs (their seqs and NLM_F_ACK flags). */
int nl_wait_init(struct nl_wait *w, uint32_t portid, const void *msgs, size_t len, bool dump);
/* Take one datagram of replies. Returns 1 once the request is answered,
 * 0 when more is due, -EBADMSG when the datagram is malformed. After an
 * error or an interrupted dump cb is no longer called. */
int nl_wait_feed(struct nl_wait *w, const void *buf, size_t len, nl_cb cb, void *data);

#endif
