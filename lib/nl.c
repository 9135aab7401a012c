/* The netlink transport (see nl.h).
 *
 * Why the waits look the way they do: rtnetlink and nfnetlink handle a
 * request inside the sender's sendmsg(), so by the time it returns every
 * reply is queued (an nf_tables batch too: one ack per message sent with
 * NLM_F_ACK, errors tagged with the failing message's seq). A dump's first
 * part is queued the same way and each further part is produced inside
 * the recvmsg() that makes room for it. So an empty socket in the middle
 * of a request means the replies went missing (or an error cut the batch
 * short); the short poll below is a safety net, not a wait for work.
 *
 * The receive buffer is charged each reply's whole socket buffer, not its
 * bytes: about 700 bytes per ack here, so the default 208 KiB held the
 * acks of a batch of about 26 networks, and the 27th made it ENOBUFS.
 * nl_request grows both buffers to fit the batch before sending it. */
#include "lib/nl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libmnl/libmnl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Big enough for any one reply: the kernel sizes dump datagrams after the
 * biggest buffer recvmsg() was given, up to 32 KiB. */
#define NL_BUF_SIZE 32768
/* What the receive buffer is charged per ack, with room to spare. */
#define NL_ACK_TRUESIZE 1024u
/* The safety net for replies that should already be queued. */
#define NL_REPLY_TIMEOUT_MS 1000
/* Datagrams a monitor drain reads before it lets the loop run again (the
 * loop is level-triggered: it comes back for the rest). */
#define NL_MONITOR_BATCH 4096

struct nl {
	struct mnl_socket *sock;
	int protocol;
	unsigned groups, flags;
	uint32_t portid, seq;
	int rcvbuf;		   /* set by nl_set_rcvbuf, kept across reopens */
	size_t snd_room, rcv_room; /* what the buffers are known to hold */
	unsigned reopens;
};

static struct mnl_socket *sock_open(int protocol, unsigned groups)
{
	struct mnl_socket *s = mnl_socket_open2(protocol, SOCK_CLOEXEC | SOCK_NONBLOCK);
	int one = 1;

	if (!s)
		return NULL;
	if (mnl_socket_bind(s, groups, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(s);
		errno = e;
		return NULL;
	}
	/* Both best effort: older kernels lack them, and nothing depends on
	 * them but the text of an error and the size of an ack. */
	mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof(one));
	return s;
}

static int set_rcvbuf(int fd, int bytes)
{
	/* FORCE passes rmem_max when we are root; plain SO_RCVBUF is capped. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) == 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) == 0)
		return 0;
	return -errno;
}

int nl_open(int protocol, unsigned groups, unsigned flags, struct nl **out)
{
	struct nl *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return -ENOMEM;
	nl->sock = sock_open(protocol, groups);
	if (!nl->sock) {
		int e = -errno;
		free(nl);
		return e;
	}
	nl->protocol = protocol;
	nl->groups = groups;
	nl->flags = flags;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	*out = nl;
	return 0;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}

int nl_fd(const struct nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

uint32_t nl_portid(const struct nl *nl)
{
	return nl ? nl->portid : 0;
}

unsigned nl_reopens(const struct nl *nl)
{
	return nl->reopens;
}

int nl_release(struct nl *nl)
{
	/* libmnl owns its fd and closes it: keep a duplicate. */
	int fd = fcntl(nl_fd(nl), F_DUPFD_CLOEXEC, 0);
	int e = errno;

	nl_close(nl);
	return fd < 0 ? -e : fd;
}

int nl_set_rcvbuf(struct nl *nl, int bytes)
{
	int r = set_rcvbuf(nl_fd(nl), bytes);

	if (r == 0) {
		nl->rcvbuf = bytes;
		nl->rcv_room = 0;
	}
	return r;
}

uint32_t nl_seq_next(const struct nl *nl)
{
	return nl->seq + 1;
}

/* The socket is in doubt: a fresh one, so no stale reply (or the rest of
 * an abandoned dump) can be taken for a later request's. A socket that
 * must keep its identity is emptied instead; its requests are never
 * dumps, so what is queued is all there is. */
static void resync(struct nl *nl)
{
	char buf[NL_BUF_SIZE];
	struct mnl_socket *s;

	if (nl->flags & NL_F_KEEP) {
		while (recv(nl_fd(nl), buf, sizeof(buf), MSG_DONTWAIT) >= 0 || errno == EINTR ||
		       errno == ENOBUFS)
			;
		return;
	}
	s = sock_open(nl->protocol, nl->groups);
	if (!s)
		return; /* keep the old one; the seq check still guards it */
	mnl_socket_close(nl->sock);
	nl->sock = s;
	nl->portid = mnl_socket_get_portid(s);
	nl->snd_room = nl->rcv_room = 0;
	if (nl->rcvbuf)
		set_rcvbuf(nl_fd(nl), nl->rcvbuf);
	nl->reopens++;
}

/* Grow a socket buffer to hold at least want bytes (never shrink it). */
static int sock_room(int fd, int opt, int force_opt, size_t want, size_t *known)
{
	int have = 0, size;
	socklen_t l = sizeof(have);

	if (want <= *known)
		return 0;
	if (want > INT_MAX / 2)
		return -E2BIG;
	/* the kernel reports twice what was set (its bookkeeping overhead) */
	if (getsockopt(fd, SOL_SOCKET, opt, &have, &l) == 0 && (size_t)have / 2 >= want) {
		*known = (size_t)have / 2;
		return 0;
	}
	size = (int)want;
	if (setsockopt(fd, SOL_SOCKET, force_opt, &size, sizeof(size)) == 0 ||
	    setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size)) == 0) {
		*known = want;
		return 0;
	}
	return -errno;
}

/* Send, then read until w says the request is answered. */
static int talk(struct nl *nl, const void *msgs, size_t len, struct nl_wait *w, nl_cb cb,
		void *data)
{
	char buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	int r = 0;

	if ((int32_t)(w->last - nl->seq) > 0)
		nl->seq = w->last;
	if (mnl_socket_sendto(nl->sock, msgs, len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = { .fd = nl_fd(nl), .events = POLLIN };

			/* Everything was queued by now (see the top): an
			 * error, or a request without acks, is complete. */
			if (w->error || (!w->dump && !w->acks_due))
				break;
			if (poll(&p, 1, NL_REPLY_TIMEOUT_MS) > 0)
				continue;
			r = -ETIMEDOUT;
			w->doubt = true;
			break;
		}
		if (n < 0) {
			/* ENOBUFS: replies were lost; ENOSPC: one did not
			 * fit the buffer (libmnl's word for MSG_TRUNC). */
			r = errno == ENOSPC ? -EMSGSIZE : -errno;
			w->doubt = true;
			break;
		}
		r = nl_wait_feed(w, buf, (size_t)n, cb, data);
		if (r < 0 || r == 1)
			break;
	}
	if (w->doubt)
		resync(nl);
	if (w->error)
		return w->error;
	return r < 0 ? r : 0;
}

int nl_request(struct nl *nl, const void *msgs, size_t len, nl_cb cb, void *data,
	       struct nl_err *err)
{
	struct nl_wait w;
	int r = nl_wait_init(&w, nl->portid, msgs, len, false);

	if (r < 0)
		return r;
	if ((r = sock_room(nl_fd(nl), SO_SNDBUF, SO_SNDBUFFORCE, len + 64 * 1024, &nl->snd_room)) <
		    0 ||
	    (r = sock_room(nl_fd(nl), SO_RCVBUF, SO_RCVBUFFORCE,
			   w.sent * NL_ACK_TRUESIZE + 64 * 1024, &nl->rcv_room)) < 0)
		return r;
	r = talk(nl, msgs, len, &w, cb, data);
	if (err)
		*err = w.err;
	return r;
}

int nl_dump(struct nl *nl, struct nlmsghdr *req, nl_cb cb, void (*restart)(void *data), void *data)
{
	for (int tries = 1;; tries++) {
		struct nl_wait w;
		int r;

		req->nlmsg_seq = nl_seq_next(nl);
		if ((r = nl_wait_init(&w, nl->portid, req, req->nlmsg_len, true)) < 0 ||
		    (r = talk(nl, req, req->nlmsg_len, &w, cb, data)) < 0)
			return r;
		if (!w.intr)
			return 0;
		if (!restart || tries >= NL_DUMP_TRIES)
			return -EINTR;
		restart(data);
	}
}

int nl_monitor_drain_fd(int fd, nl_cb cb, void *data)
{
	char buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	int ret = 0;

	for (int i = 0; i < NL_MONITOR_BATCH; i++) {
		/* MSG_TRUNC: the real length of an event that did not fit */
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		const struct nlmsghdr *m;
		int left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* The queue overflowed and the kernel
				 * dropped events; it says so once. */
				ret = NL_LOST;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		if (n == 0)
			break;
		if ((size_t)n > sizeof(buf)) {
			ret = NL_LOST;
			continue;
		}
		left = (int)n;
		for (m = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(m, left);
		     m = mnl_nlmsg_next(m, &left))
			if (m->nlmsg_type >= NLMSG_MIN_TYPE && cb)
				cb(m, data);
		if (left > 0)
			ret = NL_LOST;
	}
	return ret;
}

int nl_monitor_drain(struct nl *nl, nl_cb cb, void *data)
{
	return nl_monitor_drain_fd(nl_fd(nl), cb, data);
}

/* --- reply matching ------------------------------------------------------ */

enum nl_class nl_classify(const struct nlmsghdr *m, uint32_t portid, uint32_t first, uint32_t last)
{
	if (m->nlmsg_pid && m->nlmsg_pid != portid)
		return NL_STALE;
	if (m->nlmsg_seq - first > last - first)
		return NL_STALE;
	switch (m->nlmsg_type) {
	case NLMSG_NOOP: return NL_STALE;
	case NLMSG_OVERRUN: return NL_BAD;
	case NLMSG_DONE: return NL_DONE;
	case NLMSG_ERROR:
		if (m->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
			return NL_BAD;
		return ((const struct nlmsgerr *)NLMSG_DATA(m))->error ? NL_ERROR : NL_ACK;
	}
	return NL_DATA;
}

int nl_wait_init(struct nl_wait *w, uint32_t portid, const void *msgs, size_t len, bool dump)
{
	const struct nlmsghdr *m;
	int left = (int)len;
	bool any = false;

	if (len > INT_MAX)
		return -E2BIG;
	memset(w, 0, sizeof(*w));
	w->portid = portid;
	w->dump = dump;
	for (m = msgs; mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
		if (!any || (int32_t)(m->nlmsg_seq - w->first) < 0)
			w->first = m->nlmsg_seq;
		if (!any || (int32_t)(m->nlmsg_seq - w->last) > 0)
			w->last = m->nlmsg_seq;
		if (m->nlmsg_flags & NLM_F_ACK)
			w->acks_due++;
		w->sent++;
		any = true;
	}
	return any && left == 0 ? 0 : -EINVAL;
}

/* The kernel's text for an error (NETLINK_EXT_ACK), if it gave one. */
static void ext_ack_msg(const struct nlmsghdr *m, char *out, size_t outlen)
{
	const struct nlmsgerr *e = NLMSG_DATA(m);
	size_t off = sizeof(*e);
	const struct nlattr *a;

	out[0] = '\0';
	if (!(m->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* without NETLINK_CAP_ACK the failed message is quoted whole */
	if (!(m->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (NLMSG_LENGTH(off) > m->nlmsg_len)
		return;
	mnl_attr_for_each(a, m, off)
	{
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(out, outlen, "%s", mnl_attr_get_str(a));
	}
}

static void fail(struct nl_wait *w, int error, const struct nlmsghdr *m)
{
	if (w->error)
		return;
	w->error = error;
	w->err.seq = m ? m->nlmsg_seq : 0;
	w->err.msg[0] = '\0';
	if (m && m->nlmsg_type == NLMSG_ERROR)
		ext_ack_msg(m, w->err.msg, sizeof(w->err.msg));
}

int nl_wait_feed(struct nl_wait *w, const void *buf, size_t len, nl_cb cb, void *data)
{
	const struct nlmsghdr *m;
	int left = len > INT_MAX ? INT_MAX : (int)len;

	for (m = buf; mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
		int r;

		switch (nl_classify(m, w->portid, w->first, w->last)) {
		case NL_STALE: w->stale++; break;
		case NL_BAD: w->doubt = true; return -EBADMSG;
		case NL_DATA:
			if (w->done) {
				w->doubt = true; /* a reply after the end */
				break;
			}
			if (w->dump && (m->nlmsg_flags & NLM_F_DUMP_INTR))
				w->intr = true;
			/* an interrupted dump is read to its end, unused */
			if (cb && !w->error && !w->intr && (r = cb(m, data)) < 0)
				fail(w, r, NULL);
			break;
		case NL_DONE:
			if (!w->dump || w->done) {
				w->doubt = true;
				break;
			}
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				w->intr = true;
			if (m->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) &&
			    *(const int *)NLMSG_DATA(m) < 0)
				fail(w, *(const int *)NLMSG_DATA(m), m);
			w->done = true;
			break;
		case NL_ACK:
			if (w->dump) {
				/* a dump acked instead of answered: over */
				w->done = true;
			} else if (w->acks_due) {
				if (--w->acks_due == 0 && !w->error)
					w->done = true;
			} else if (!w->error) {
				w->doubt = true; /* more acks than requests */
			}
			/* after an error: the ack of a later message (a batch
			 * acks only its last, and an error counted as one) */
			break;
		case NL_ERROR:
			fail(w, ((const struct nlmsgerr *)NLMSG_DATA(m))->error, m);
			/* A dump ends with its error. A batch goes on: the
			 * rest of its replies are read until none is left
			 * (the caller's EAGAIN), since an error may answer a
			 * message that asked for no ack. */
			if (w->dump)
				w->done = true;
			else if (w->acks_due)
				w->acks_due--;
			break;
		}
	}
	if (left > 0) {
		w->doubt = true;
		return -EBADMSG;
	}
	return w->done ? 1 : 0;
}
