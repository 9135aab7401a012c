/* The probes' sockets: a DISCOVER and a router solicitation sent through
 * the bridge, a listening packet socket per port, and the reading of what
 * comes back. Nothing here waits: the caller's event loop does (see
 * serve.c for the start-time probe, doctor.c for the self-test). */
#include "gatewayd/host/probe.h"
#include "dhcp/packet.h"
#include "ra/packet.h"

_Static_assert(sizeof(((struct probe_dhcp *)0)->discover) >= DHCP_PROBE_LEN, "probe_dhcp.discover");

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

static void fmt_mac(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* A packet socket on the bridge for one ethertype, which sends one frame
 * (if given) to dst_mac. Packet sockets see frames before any firewall,
 * including our own input chain. */
static int packet_probe(int ifindex, uint16_t ethertype, const uint8_t dst_mac[6],
			const uint8_t *frame, size_t len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ethertype),
				   .sll_ifindex = ifindex,
				   .sll_halen = 6 };
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ethertype));

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	if (!frame)
		return fd; /* listen only */
	memcpy(sll.sll_addr, dst_mac, 6);
	if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	return fd;
fail : {
	int r = -errno;
	close(fd);
	return r;
}
}

/* A router solicitation from the bridge's own link-local address (valid at
 * once: gatewayd turns DAD off on its bridges), with the bridge's MAC as
 * source link-layer option. A bridge without ports has no link-local
 * address yet; then nobody could answer anyway. */
static void send_rs(int ifindex, const uint8_t mac[6])
{
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)ifindex };
	uint8_t rs[RA_RS_LEN];
	char name[IFNAMSIZ];
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6), hops = 255;
	size_t n = ra_build_rs(rs, sizeof(rs), mac);

	if (fd < 0)
		return;
	if (if_indextoname((unsigned)ifindex, name) &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)strlen(name)) == 0) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
		setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex));
		inet_pton(AF_INET6, "ff02::2", &dst.sin6_addr);
		sendto(fd, rs, n, 0, (struct sockaddr *)&dst, sizeof(dst));
	}
	close(fd);
}

/* A packet socket that sees every frame arriving on one bridge port. Not
 * one per ethertype: frames a bridge port hands to its bridge reach only
 * the ETH_P_ALL taps of the port, never its per-protocol handlers. */
static int packet_listen_all(int ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = ifindex };
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* "DHCP server 10.0.0.1 (MAC ..) on eth0": who answered, through which port. */
static void describe(char *what, size_t len, const char *role, int family, const void *addr,
		     const struct sockaddr_ll *from)
{
	char a[INET6_ADDRSTRLEN], m[24], dev[IFNAMSIZ] = "?";

	inet_ntop(family, addr, a, sizeof(a));
	fmt_mac(from->sll_addr, m, sizeof(m));
	if_indextoname((unsigned)from->sll_ifindex, dev);
	snprintf(what, len, "%s %s (MAC %s) on %s", role, a, m, dev);
}

/* Read what arrived; 1 and a description if it was another server, 0 once
 * the socket is drained (or after a batch: a busy port sees every frame,
 * and the loop has other work; it calls again while more are queued),
 * -errno if it failed. */
static int read_answers(int fd, uint32_t xid, const uint8_t *own_mac, char *what, size_t len)
{
	uint8_t pkt[1500];

	for (int batch = 0; batch < 64; batch++) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		struct in_addr s4;
		struct in6_addr s6;
		ssize_t n = recvfrom(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, &fl);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		/* Our own frames are not answers; for the doctor's self-test
		 * only our own server's (from the bridge's MAC) are. */
		if (from.sll_pkttype == PACKET_OUTGOING ||
		    (own_mac && memcmp(from.sll_addr, own_mac, 6)))
			continue;
		if (from.sll_protocol == htons(ETH_P_IP) &&
		    dhcp_parse_reply(pkt, (size_t)n, xid, &s4) == 0) {
			describe(what, len, "DHCP server", AF_INET, &s4, &from);
			return 1;
		}
		if (from.sll_protocol == htons(ETH_P_IPV6) &&
		    ra_parse_ra(pkt, (size_t)n, &s6) == 0) {
			describe(what, len, "IPv6 router", AF_INET6, &s6, &from);
			return 1;
		}
	}
	return 0;
}

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

int probe_start_open(struct probe_start *p, int ifindex, const int *ports, size_t n_ports,
		     const uint8_t mac[6])
{
	uint8_t discover[DHCP_PROBE_LEN];
	size_t nd;
	int fd, r;

	memset(p, 0, sizeof(*p));
	if (getrandom(&p->xid, sizeof(p->xid), 0) != sizeof(p->xid))
		return -errno;
	/* Listen first, then ask. */
	for (; p->n < n_ports && p->n < PROBE_MAX_PORTS; p->n++)
		if ((p->fds[p->n] = packet_listen_all(ports[p->n])) < 0) {
			r = p->fds[p->n];
			goto fail;
		}
	nd = dhcp_build_discover(discover, sizeof(discover), mac, p->xid);
	if ((fd = packet_probe(ifindex, ETH_P_IP, bcast, discover, nd)) < 0) {
		r = fd;
		goto fail;
	}
	close(fd);
	send_rs(ifindex, mac); /* best effort: IPv6 may be off on this host */
	return 0;
fail:
	probe_start_close(p);
	return r;
}

int probe_start_read(struct probe_start *p, int fd, char *what, size_t len)
{
	return read_answers(fd, p->xid, NULL, what, len);
}

void probe_start_close(struct probe_start *p)
{
	for (size_t k = 0; k < p->n; k++)
		close(p->fds[k]);
	p->n = 0;
}

int probe_dhcp_open(struct probe_dhcp *p, int ifindex, const uint8_t server_mac[6])
{
	struct sockaddr_ll me;
	socklen_t len = sizeof(me);
	int r;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	p->ifindex = ifindex;
	memcpy(p->server_mac, server_mac, 6);
	if (getrandom(&p->xid, sizeof(p->xid), 0) != sizeof(p->xid))
		return -errno;
	if ((p->fd = packet_probe(ifindex, ETH_P_IP, bcast, NULL, 0)) < 0)
		return p->fd;
	/* ask as the device itself (a fresh test port: a stranger): the
	 * kernel sends with its MAC, and guest binding's claim checks drop a
	 * DISCOVER whose chaddr is not the frame's source */
	if (getsockname(p->fd, (struct sockaddr *)&me, &len) < 0 || me.sll_halen != 6) {
		r = me.sll_halen != 6 ? -EINVAL : -errno;
		close(p->fd);
		p->fd = -1;
		return r;
	}
	p->len = dhcp_build_discover(p->discover, sizeof(p->discover), me.sll_addr, p->xid);
	if ((r = probe_dhcp_resend(p)) < 0) {
		close(p->fd);
		p->fd = -1;
	}
	return r;
}

int probe_dhcp_resend(struct probe_dhcp *p)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(ETH_P_IP),
				   .sll_ifindex = p->ifindex,
				   .sll_halen = 6 };

	memcpy(sll.sll_addr, bcast, 6);
	return sendto(p->fd, p->discover, p->len, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0
		       ? -errno
		       : 0;
}

int probe_dhcp_read(struct probe_dhcp *p, char *what, size_t len)
{
	return read_answers(p->fd, p->xid, p->server_mac, what, len);
}

void probe_dhcp_close(struct probe_dhcp *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}
