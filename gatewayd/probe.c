/* The probe's sockets: a packet socket on the bridge for DHCP (it sees the
 * offers before any firewall, and before our own inet input chain that
 * drops udp/68 from guests), and a raw ICMPv6 socket bound to the bridge
 * for router advertisements. */
#include "probe.h"
#include "dhcp/packet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void fmt_mac(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int dhcp_socket(int ifindex, const uint8_t mac[6], uint32_t xid)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
				   .sll_ifindex = ifindex, .sll_halen = 6 };
	uint8_t pkt[DHCP_PROBE_LEN];
	size_t n = dhcp_build_discover(pkt, sizeof(pkt), mac, xid);
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_IP));

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	memset(sll.sll_addr, 0xff, 6);
	if (sendto(fd, pkt, n, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* A bridge without ports has no link-local address yet, so the RS may not
 * go out; listening still catches a router's periodic RAs. */
static int ra_socket(int ifindex)
{
	struct icmp6_filter filt;
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)ifindex };
	struct nd_router_solicit rs = { .nd_rs_type = ND_ROUTER_SOLICIT };
	char name[IFNAMSIZ];
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_ICMPV6);
	int hops = 255;

	if (fd < 0)
		return -errno;
	ICMP6_FILTER_SETBLOCKALL(&filt);
	ICMP6_FILTER_SETPASS(ND_ROUTER_ADVERT, &filt);
	if (!if_indextoname((unsigned)ifindex, name) ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)strlen(name)) < 0 ||
	    setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof(filt)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
	setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex));
	inet_pton(AF_INET6, "ff02::2", &dst.sin6_addr);
	sendto(fd, &rs, sizeof(rs), 0, (struct sockaddr *)&dst, sizeof(dst));
	return fd;
}

static int read_dhcp(int fd, uint32_t xid, char *what, size_t len)
{
	uint8_t pkt[1500];
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	while ((n = recvfrom(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, &fl)) > 0) {
		struct in_addr server;
		char a[INET_ADDRSTRLEN], m[24];

		if (from.sll_pkttype == PACKET_OUTGOING ||
		    dhcp_parse_reply(pkt, (size_t)n, xid, &server) < 0)
			continue;
		inet_ntop(AF_INET, &server, a, sizeof(a));
		fmt_mac(from.sll_addr, m, sizeof(m));
		snprintf(what, len, "DHCP server %s (MAC %s)", a, m);
		return 1;
	}
	return 0;
}

static int read_ra(int fd, char *what, size_t len)
{
	uint8_t pkt[1500];
	struct sockaddr_in6 from;
	socklen_t fl = sizeof(from);
	ssize_t n;

	while ((n = recvfrom(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, &fl)) > 0) {
		char a[INET6_ADDRSTRLEN];

		if ((size_t)n < sizeof(struct nd_router_advert) || pkt[0] != ND_ROUTER_ADVERT)
			continue;
		inet_ntop(AF_INET6, &from.sin6_addr, a, sizeof(a));
		snprintf(what, len, "IPv6 router %s", a);
		return 1;
	}
	return 0;
}

int probe_bridge(int ifindex, const uint8_t mac[6], unsigned ms, char *what, size_t len)
{
	struct pollfd pfd[2] = { { .fd = -1, .events = POLLIN }, { .fd = -1, .events = POLLIN } };
	uint64_t deadline = now_ms() + ms;
	uint32_t xid;
	int found = 0, r;

	if (getrandom(&xid, sizeof(xid), 0) != sizeof(xid))
		return -errno;
	if ((r = dhcp_socket(ifindex, mac, xid)) < 0)
		return r;
	pfd[0].fd = r;
	pfd[1].fd = ra_socket(ifindex); /* best effort: IPv6 may be off */
	while (!found) {
		uint64_t now = now_ms();

		if (now >= deadline)
			break;
		if (poll(pfd, 2, (int)(deadline - now)) < 0 && errno != EINTR) {
			found = -errno;
			break;
		}
		if (pfd[0].revents & POLLIN)
			found = read_dhcp(pfd[0].fd, xid, what, len);
		if (!found && pfd[1].fd >= 0 && (pfd[1].revents & POLLIN))
			found = read_ra(pfd[1].fd, what, len);
	}
	close(pfd[0].fd);
	if (pfd[1].fd >= 0)
		close(pfd[1].fd);
	return found;
}
