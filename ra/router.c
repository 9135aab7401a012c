/* The router advertisement sender (router.h): one raw ICMPv6 socket for
 * every served bridge, replacing dnsmasq's enable-ra, whose dnsmasqs each
 * walked every interface's addresses on every address event on the host.
 *
 * The socket passes only router solicitations (ICMP6_FILTER) that came in
 * on a bridge being served (a BPF filter on the ifindex), tells each
 * one's bridge and hop limit (IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT), and
 * sends with hop limit 255 to ff02::1 (or to a soliciting guest's
 * link-local address) through the bridge its scope id names. Each bridge
 * has one timer: the next multicast RA. A solicitation from a guest's
 * link-local address is answered by unicast at once while the bridge's
 * token bucket lasts; beyond that, and from :: or a global address, it
 * brings the next multicast RA forward to no sooner than
 * RA_MCAST_MIN_GAP_MS after the last. A guest flooding solicitations so
 * costs one recvmsg and a parse each, and at most one unicast RA per
 * RA_SOLICITED_EVERY_MS plus one multicast RA per RA_MCAST_MIN_GAP_MS.
 * The kernel checks the ICMPv6 checksum of what raw sockets receive and
 * fills it in what they send. */
#include "router.h"
#include "lib/log.h"

#include <errno.h>
#include <linux/filter.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#define RA_READS_PER_TURN 64 /* then the loop's other fds get a turn */
/* the socket filter's room: two instructions a bridge, of BPF_MAXINSNS */
#define RA_FILTER_MAX ((BPF_MAXINSNS - 2) / 2)

struct ra_iface {
	struct ra_router *r;
	struct ra_iface *next;
	char name[IF_NAMESIZE];
	int ifindex;
	struct ra_params p;
	size_t len;
	struct eloop_timer *timer;
	uint64_t next_ms, last_mcast_ms;
	bool paused;
	/* the bridge has no carrier (no port up): nobody to hear an RA, and
	 * each one sent would fail only after the kernel looked through every
	 * interface for a source address -- at 1,000 portless bridges most
	 * of gatewayd's idle CPU */
	bool no_carrier;
	unsigned initial; /* initial RAs still to send */
	unsigned tokens;  /* unicast answers left */
	uint64_t tokens_ms;
	struct ra_stats st;
	/* the RA it sends, len bytes: ~100 of RA_MSG_MAX's 1,280, and one
	 * of these per network */
	uint8_t msg[];
};

struct ra_router {
	struct eloop *loop;
	int fd;
	struct ra_iface *ifaces;
	uint64_t rnd;
};

static const struct in6_addr all_nodes = { { { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					       1 } } };
static const struct in6_addr all_routers = { { { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
						 2 } } };

/* xorshift64: timer jitter needs no better */
static uint64_t rnd_between(struct ra_router *r, uint64_t lo, uint64_t hi)
{
	r->rnd ^= r->rnd << 13;
	r->rnd ^= r->rnd >> 7;
	r->rnd ^= r->rnd << 17;
	return lo + r->rnd % (hi - lo + 1);
}

/* to is ff02::1 or a link-local address: link-scoped, so sin6_scope_id
 * alone names the bridge it leaves through. No IPV6_PKTINFO: a control
 * message that large comes out of the socket's option memory
 * (net.core.optmem_max), which the ff02::2 memberships of a few hundred
 * bridges use up, and then every send failed with ENOBUFS. */
static int send_ra(struct ra_iface *i, const uint8_t *msg, size_t len, const struct in6_addr *to)
{
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6,
				    .sin6_addr = *to,
				    .sin6_scope_id = (uint32_t)i->ifindex };

	if (!IN6_IS_ADDR_MC_LINKLOCAL(to) && !IN6_IS_ADDR_LINKLOCAL(to))
		return -EINVAL;
	if (sendto(i->r->fd, msg, len, MSG_DONTWAIT, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		return -errno;
	i->st.sent++;
	return 0;
}

static void arm(struct ra_iface *i, uint64_t now, uint64_t at)
{
	i->next_ms = at;
	eloop_timer_arm(i->timer, at > now ? at - now : 1);
}

static void send_mcast(struct ra_iface *i, uint64_t now)
{
	int r;

	if (i->no_carrier) /* ra_iface_carrier() starts them again */
		return;
	r = send_ra(i, i->msg, i->len, &all_nodes);

	/* A bridge without ports has no carrier, and no link-local address
	 * to send from: nobody there to miss the RA. */
	if (r < 0)
		log_debug("ra: %s: sending a router advertisement: %s", i->name, strerror(-r));
	i->last_mcast_ms = now;
	if (i->initial)
		i->initial--;
	if (i->initial)
		arm(i, now, now + rnd_between(i->r, RA_INITIAL_MIN_MS, RA_INITIAL_MAX_MS));
	else
		arm(i, now, now + rnd_between(i->r, RA_INTERVAL_MIN_MS, RA_INTERVAL_MAX_MS));
}

static void on_timer(void *arg)
{
	send_mcast(arg, eloop_now_ms());
}

static struct ra_iface *iface_by_index(struct ra_router *r, int ifindex)
{
	for (struct ra_iface *i = r->ifaces; i; i = i->next)
		if (i->ifindex == ifindex)
			return i;
	return NULL;
}

/* A valid solicitation on i's bridge from src. */
static void solicited(struct ra_iface *i, const struct in6_addr *src, uint64_t now)
{
	uint64_t at;

	i->st.rs++;
	if (now - i->tokens_ms >= RA_SOLICITED_EVERY_MS) {
		uint64_t add = (now - i->tokens_ms) / RA_SOLICITED_EVERY_MS;

		i->tokens = add + i->tokens >= RA_SOLICITED_BURST ? RA_SOLICITED_BURST
								  : i->tokens + (unsigned)add;
		i->tokens_ms += add * RA_SOLICITED_EVERY_MS;
	}
	/* Unicast only to a link-local source: the kernel sends that from
	 * the bridge's own link-local address and only through the bridge.
	 * To any other source it would pick a global source address, which
	 * makes guests drop the RA (RFC 4861 6.1.2), and route it as it
	 * routes that address: out of the uplink for one that is not on the
	 * bridge's link. Those, and ::, get the multicast RA instead. */
	if (IN6_IS_ADDR_LINKLOCAL(src) && i->tokens) {
		i->tokens--;
		if (send_ra(i, i->msg, i->len, src) == 0) {
			i->st.solicited++;
			return;
		}
	} else {
		i->st.rs_limited++;
	}
	/* the next multicast RA, as soon as RFC 4861 6.2.6 lets it go */
	at = i->last_mcast_ms + RA_MCAST_MIN_GAP_MS;
	if (at < now)
		at = now;
	if (at < i->next_ms)
		arm(i, now, at);
}

/* The kernel queues for the socket only solicitations that came in on a
 * bridge being served (not paused): what arrives on the uplink or on any
 * other interface costs gatewayd nothing and cannot fill the receive
 * queue that every bridge shares. A classic BPF filter on the arrival
 * ifindex, two instructions a bridge; past RA_FILTER_MAX bridges none,
 * and on_readable() sorts them out as before. */
static void refilter(struct ra_router *r)
{
	struct sock_filter *f;
	struct sock_fprog prog;
	size_t n = 0, k = 0;

	for (struct ra_iface *i = r->ifaces; i; i = i->next)
		n += !i->paused;
	if (n > RA_FILTER_MAX) {
		setsockopt(r->fd, SOL_SOCKET, SO_DETACH_FILTER, NULL, 0);
		return;
	}
	if (!(f = calloc(2 * n + 2, sizeof(*f)))) {
		setsockopt(r->fd, SOL_SOCKET, SO_DETACH_FILTER, NULL, 0);
		return;
	}
	f[k++] =
		(struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_IFINDEX);
	for (struct ra_iface *i = r->ifaces; i; i = i->next) {
		if (i->paused)
			continue;
		/* equal: on to the accept right after; else skip it */
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						      (uint32_t)i->ifindex, 0, 1);
		f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffff);
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	prog = (struct sock_fprog){ .len = (unsigned short)k, .filter = f };
	if (setsockopt(r->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0) {
		log_debug("ra: socket filter: %s", strerror(errno));
		setsockopt(r->fd, SOL_SOCKET, SO_DETACH_FILTER, NULL, 0);
	}
	free(f);
}

static void on_readable(int fd, uint32_t events, void *arg)
{
	struct ra_router *r = arg;

	(void)events;
	for (int n = 0; n < RA_READS_PER_TURN; n++) {
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} c;
		struct sockaddr_in6 from;
		uint8_t pkt[1500], sll[6];
		struct iovec iov = { pkt, sizeof(pkt) };
		struct msghdr mh = { .msg_name = &from,
				     .msg_namelen = sizeof(from),
				     .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = c.buf,
				     .msg_controllen = sizeof(c.buf) };
		int hops = -1, ifindex = 0;
		struct ra_iface *i;
		bool has_sll;
		ssize_t len = recvmsg(fd, &mh, MSG_DONTWAIT);

		if (len < 0)
			return; /* EAGAIN: all read */
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level != IPPROTO_IPV6)
				continue;
			if (cm->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
				ifindex = (int)pi.ipi6_ifindex;
			} else if (cm->cmsg_type == IPV6_HOPLIMIT) {
				memcpy(&hops, CMSG_DATA(cm), sizeof(hops));
			}
		}
		/* not a bridge we serve (the uplink, a guarded network) */
		if (!(i = iface_by_index(r, ifindex)) || i->paused)
			continue;
		if (ra_parse_rs(pkt, (size_t)len, hops, &from.sin6_addr, sll, &has_sll) < 0)
			continue;
		solicited(i, &from.sin6_addr, eloop_now_ms());
	}
}

int ra_router_new(struct eloop *loop, struct ra_router **out)
{
	struct ra_router *r = calloc(1, sizeof(*r));
	struct icmp6_filter filt;
	int one = 1, hops = 255, zero = 0, e;

	if (!r)
		return -ENOMEM;
	r->loop = loop;
	if (getrandom(&r->rnd, sizeof(r->rnd), GRND_NONBLOCK) != sizeof(r->rnd) || !r->rnd)
		r->rnd = eloop_now_ms() | 1;
	ICMP6_FILTER_SETBLOCKALL(&filt);
	ICMP6_FILTER_SETPASS(ND_ROUTER_SOLICIT, &filt);
	r->fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (r->fd < 0 || setsockopt(r->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof(filt)) < 0 ||
	    setsockopt(r->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) < 0 ||
	    setsockopt(r->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)) < 0 ||
	    setsockopt(r->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(r->fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(r->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero)) < 0)
		goto fail;
	refilter(r); /* no bridge served yet: nothing let through */
	if ((e = eloop_add_fd(loop, r->fd, on_readable, r)) < 0) {
		errno = -e;
		goto fail;
	}
	*out = r;
	return 0;
fail:
	e = -errno;
	if (r->fd >= 0)
		close(r->fd);
	free(r);
	return e;
}

void ra_router_free(struct ra_router *r)
{
	if (!r)
		return;
	while (r->ifaces)
		ra_iface_stop(r->ifaces, true);
	eloop_remove_fd(r->loop, r->fd);
	close(r->fd);
	free(r);
}

int ra_iface_start(struct ra_router *r, const char *name, int ifindex, const struct ra_params *p,
		   bool paused, struct ra_iface **out)
{
	struct ipv6_mreq mr = { .ipv6mr_multiaddr = all_routers,
				.ipv6mr_interface = (unsigned)ifindex };
	uint8_t msg[RA_MSG_MAX];
	struct ra_iface *i;
	int n = ra_build(p, msg, sizeof(msg)), e;

	if (n < 0)
		return n;
	if (!(i = calloc(1, sizeof(*i) + (size_t)n)))
		return -ENOMEM;
	i->r = r;
	snprintf(i->name, sizeof(i->name), "%s", name);
	i->ifindex = ifindex;
	i->p = *p;
	memcpy(i->msg, msg, (size_t)n);
	i->len = (size_t)n;
	if ((e = eloop_timer_new(r->loop, on_timer, i, &i->timer)) < 0) {
		free(i);
		return e;
	}
	/* Solicitations go to all-routers: the bridge (a router, forwarding
	 * on) is in the group already; this keeps it so whatever the sysctls.
	 * Past optmem_max (~56 bytes a membership: ~365 bridges at 20480,
	 * the default before Linux 6.9) joins fail with ENOMEM; forwarding
	 * keeps the bridges in the group, and sending needs none of it. */
	if (setsockopt(r->fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)) < 0 &&
	    errno != EADDRINUSE)
		log_debug("ra: %s: joining ff02::2: %s", name, strerror(errno));
	i->tokens = RA_SOLICITED_BURST;
	i->tokens_ms = eloop_now_ms();
	i->next = r->ifaces;
	r->ifaces = i;
	i->paused = true;
	if (!paused)
		ra_iface_resume(i);
	*out = i;
	return 0;
}

void ra_iface_pause(struct ra_iface *i)
{
	if (!i)
		return;
	i->paused = true;
	eloop_timer_disarm(i->timer);
	refilter(i->r);
}

void ra_iface_resume(struct ra_iface *i)
{
	if (!i || !i->paused)
		return;
	i->paused = false;
	refilter(i->r);
	i->initial = RA_INITIAL;
	send_mcast(i, eloop_now_ms());
}

void ra_iface_carrier(struct ra_iface *i, bool up)
{
	if (!i || i->no_carrier == !up)
		return;
	i->no_carrier = !up;
	if (i->paused) /* ra_iface_resume() sends when it may */
		return;
	if (!up) {
		eloop_timer_disarm(i->timer);
		return;
	}
	/* a first port came up: a guest may be waiting, as at start */
	i->initial = RA_INITIAL;
	send_mcast(i, eloop_now_ms());
}

void ra_iface_stop(struct ra_iface *i, bool final)
{
	struct ipv6_mreq mr;
	struct ra_iface **pp;

	if (!i)
		return;
	if (final && !i->paused && !i->no_carrier) {
		struct ra_params last = i->p;
		uint8_t msg[RA_MSG_MAX];
		int n;

		ra_params_final(&last);
		if ((n = ra_build(&last, msg, sizeof(msg))) > 0 &&
		    (n = send_ra(i, msg, (size_t)n, &all_nodes)) < 0)
			log_debug("ra: %s: sending the last router advertisement: %s", i->name,
				  strerror(-n));
	}
	mr = (struct ipv6_mreq){ .ipv6mr_multiaddr = all_routers,
				 .ipv6mr_interface = (unsigned)i->ifindex };
	setsockopt(i->r->fd, IPPROTO_IPV6, IPV6_LEAVE_GROUP, &mr, sizeof(mr));
	for (pp = &i->r->ifaces; *pp; pp = &(*pp)->next)
		if (*pp == i) {
			*pp = i->next;
			break;
		}
	refilter(i->r);
	eloop_timer_free(i->timer);
	free(i);
}

void ra_iface_stats(const struct ra_iface *i, struct ra_stats *s)
{
	*s = i ? i->st : (struct ra_stats){ 0 };
	s->paused = i && i->paused;
}
