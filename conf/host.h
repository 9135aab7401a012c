/* A network's static hosts, names and what DHCP/RA tell guests besides
 * addresses: `host NAME { mac; ipv4; ipv6 }`, domain, dns_servers, mtu
 * (conf/host.c). */
#ifndef GW_CONF_HOST_H
#define GW_CONF_HOST_H

#include <confuse.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_HOSTNAME_MAX	   63  /* one DNS label */
#define GW_DOMAIN_MAX	   253 /* a DNS name, without the trailing dot */
#define GW_DNS_SERVERS_MAX 8
#define GW_HOSTS_MAX	   4096 /* per network */

/* The keys of one `host NAME { ... }` section (conf/host.c). */
extern cfg_opt_t conf_host_opts[];

/* The network section's keys of this feature (a list of CFG_* entries,
 * each followed by a comma), spliced into conf.c's schema. Every value is
 * a string that keeps its line (SVAL, conf/internal.h), mtu too. */
#define CONF_HOST_OPTS                                                                             \
	CFG_SEC("host", conf_host_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),            \
		SVAL("domain", NULL), SVAL_LIST("dns_servers", NULL), SVAL("mtu", NULL),           \
		SVAL("ipv6_dhcp_range", NULL),

/* A static host: a name, and a lease (mac + ipv4), a name for whatever
 * DHCP gives the MAC (mac alone), or a name only (addresses, no mac). */
struct gw_host {
	char name[GW_HOSTNAME_MAX + 1]; /* letters, digits, '-' */
	bool has_mac, has_ipv4, has_ipv6;
	uint8_t mac[6];
	struct in_addr ipv4;
	struct in6_addr ipv6;
	/* added at run time (gatewayctl qemu-args --static), kept in
	 * state_dir, not in the file: gatewayd/core/static_hosts.c */
	bool runtime;
};

struct gw_dns_server {
	int family; /* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} a;
};

struct gw_hosts {
	size_t n;
	struct gw_host *v;
	char domain[GW_DOMAIN_MAX + 1]; /* "" = none */
	/* none: the host's resolv.conf servers (dhcp/upstream.h) */
	size_t n_dns;
	struct gw_dns_server dns[GW_DNS_SERVERS_MAX];
	unsigned mtu;	 /* told to guests by DHCP and RA; 0 = not sent */
	bool mtu_uplink; /* mtu unset: the uplink's, below 1500 (host/preflight.c) */
	/* stateful DHCPv6 besides SLAAC (ipv6_dhcp_range) */
	bool has_dhcp6;
	struct in6_addr dhcp6_start, dhcp6_end;
};

/* Run-time static hosts (gatewayd/core/static_hosts.c) pass the same
 * rules as the file's. Pure. */
bool conf_hostname_ok(const char *s); /* one DNS label */
int conf_mac_parse(const char *s, uint8_t mac[6]);
void conf_mac_format(const uint8_t mac[6], char *buf, size_t len);
struct gw_network;
/* Why h cannot be one of net's static hosts (outside the subnet, the
 * gateway's address, a name, MAC or address another host has), or NULL;
 * buf holds the words. */
const char *conf_host_conflict(const struct gw_network *net, const struct gw_host *h, char *buf,
			       size_t len);
/* Append h to net's hosts: 0, -ENOSPC (GW_HOSTS_MAX) or -ENOMEM. */
int conf_host_append(struct gw_network *net, const struct gw_host *h);
/* A free IPv4 address for a new static host: the first in the subnet
 * outside the DHCP range, else the first inside it; never the gateway,
 * the network or broadcast address, a host's address or one of taken.
 * 0, or -ENOSPC. */
int conf_host_pick4(const struct gw_network *net, const struct in_addr *taken, size_t n_taken,
		    struct in_addr *out);

#endif
