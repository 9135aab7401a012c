/* The start-time probe: before dnsmasq first serves a network, ask its
 * bridge whether anybody else already serves DHCP or sends RAs there. */
#ifndef GW_PROBE_H
#define GW_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_MAX_PORTS 32

/* The start-time probe, driven by the caller's event loop. open() listens
 * on ports, the bridge's ports that are not guest ports, then sends a
 * DHCPDISCOVER and a router solicitation through the bridge ifindex (mac:
 * the bridge's). Only an answer arriving through one of those ports counts:
 * a guest's own DHCP server or router is the kernel backstop's business
 * (its answers never reach the other guests), and must not switch the
 * network off. At most PROBE_MAX_PORTS ports are listened on.
 *
 * The caller watches each of p->fds[0..n) and calls read() when one is
 * readable: 1 and a description of the first answer in
 * what ("DHCP server 10.0.0.1 (MAC aa:bb:..) on eth0" / "IPv6 router
 * fe80::1 (MAC ..) on eth0"), 0 if nothing that arrived was one, -errno if
 * that socket failed (its port was deleted: stop watching it; close()
 * still closes it). How long to wait is the caller's timer; close() ends
 * the probe (a failed open() has already closed what it opened). */
struct probe_start {
	int fds[PROBE_MAX_PORTS];
	size_t n;
	uint32_t xid;
};
int probe_start_open(struct probe_start *p, int ifindex, const int *ports, size_t n_ports,
		     const uint8_t mac[6]);
int probe_start_read(struct probe_start *p, int fd, char *what, size_t len);
void probe_start_close(struct probe_start *p);

/* The doctor's self-test, driven by the caller's event loop: ifindex is a
 * test port plugged into the bridge; the DISCOVER's chaddr is the port's
 * own MAC (fresh and random: a stranger's; a chaddr that is not the
 * frame's source is what guest binding drops) and only an answer from our own server (from
 * server_mac, the bridge's) counts. open() sends the first DISCOVER; the caller waits for p->fd to
 * be readable (then read(): 1 and what answered, 0, or -errno) and calls resend() now and then: a
 * just-plugged port drops frames until the kernel's link watch has seen its carrier. */
struct probe_dhcp {
	int fd, ifindex;
	uint32_t xid;
	uint8_t server_mac[6];
	uint8_t discover[328]; /* DHCP_PROBE_LEN */
	size_t len;
};
int probe_dhcp_open(struct probe_dhcp *p, int ifindex, const uint8_t server_mac[6]);
int probe_dhcp_resend(struct probe_dhcp *p);
int probe_dhcp_read(struct probe_dhcp *p, char *what, size_t len);
void probe_dhcp_close(struct probe_dhcp *p);

#endif
