/* The start-time probe: before dnsmasq first serves a network, ask its
 * bridge whether anybody else already serves DHCP or sends RAs there. */
#ifndef GW_PROBE_H
#define GW_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROBE_MAX_PORTS 32

/* Sends a DHCPDISCOVER and a router solicitation through the bridge
 * ifindex (mac: the bridge's) and listens ms milliseconds on ports, the
 * bridge's ports that are not guest ports. Only an answer arriving through
 * one of those counts: a guest's own DHCP server or router is the kernel
 * backstop's business (its answers never reach the other guests), and must
 * not switch the network off. No ports: nobody but guests can answer, and
 * the probe returns 0 at once. Returns 1 and describes the first answer in
 * what ("DHCP server 10.0.0.1 (MAC aa:bb:..) on eth0" / "IPv6 router
 * fe80::1 (MAC ..) on eth0"), 0 if nobody answered, -errno if the probe
 * itself failed. At most PROBE_MAX_PORTS ports are listened on. */
int probe_bridge(int ifindex, const int *ports, size_t n_ports, const uint8_t mac[6], unsigned ms,
		 char *what, size_t len);

/* The doctor's self-test, driven by the caller's event loop: ifindex is a
 * test port plugged into the bridge; the DISCOVER comes from a random
 * client MAC and only an answer from our own server (from server_mac, the
 * bridge's) counts. open() sends the first DISCOVER; the caller waits for
 * p->fd to be readable (then read(): 1 and what answered, or 0) and calls
 * resend() now and then: a just-plugged port drops frames until the
 * kernel's link watch has seen its carrier. */
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
