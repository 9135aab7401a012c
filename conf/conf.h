/* gatewayd configuration: a plain, validated struct. No cfg_t leaves conf/. */
#ifndef GW_CONF_H
#define GW_CONF_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/bandwidth.h"
#include "conf/bgp.h"
#include "conf/forward.h"
#include "conf/host.h"
#include "conf/listen.h"
#include "conf/mode.h"
#include "conf/owner.h"
#include "conf/qemu.h"
#include "conf/quota.h"
#include "conf/tap.h"
#include "lib/names.h"

#define GW_CONF_DEFAULT_PATH  "/etc/gatewayd/gatewayd.conf"
#define GW_NETNAME_MAX	      NAME_NET_MAX
#define GW_PATH_MAX	      256
#define GW_GUEST_PATTERNS_MAX 16

enum gw_mode { GW_MODE_NAT, GW_MODE_ROUTED, GW_MODE_ISOLATED };

struct gw_prefix4 {
	struct in_addr addr; /* the bridge's own address */
	unsigned plen;
};

struct gw_prefix6 {
	struct in6_addr addr;
	unsigned plen;
};

struct gw_network {
	char name[GW_NETNAME_MAX + 1];
	char bridge[IFNAMSIZ];
	enum gw_mode mode;
	bool ipv4_auto, ipv6_auto; /* "auto": chosen at start, see hostcheck.h */
	struct gw_prefix4 ipv4;
	bool has_ipv6;
	struct gw_prefix6 ipv6;
	/* Name patterns a guest port must match (besides being a tun/tap or
	 * veth device); none = any tun/tap or veth. */
	size_t n_guest_ports;
	char guest_ports[GW_GUEST_PATTERNS_MAX][IFNAMSIZ];
	char uplink[IFNAMSIZ]; /* "" = use the global uplink */
	bool host_access;
	bool guest_binding; /* nft/binding.c: guests send from their own MAC and address */
	bool dhcp_enabled;
	bool dhcp_range_set; /* written in the file, not the default */
	struct in_addr dhcp_start, dhcp_end;
	unsigned lease_time; /* seconds; 0 = infinite */
	bool ra_enabled;
	struct gw_net_mode m;	/* conf/mode.h */
	struct gw_forwards fwd; /* conf/forward.h */
	struct gw_hosts hosts;	/* conf/host.h */
	bool announce;		/* conf/bgp.c: announced over BGP (when bgp is configured) */
	/* conf/owner.h: who may use gatewayctl on it */
	struct gw_owners owners;
	struct gw_quota q;	       /* conf/quota.h: connection quota */
	struct gw_listen_addrs laddrs; /* conf/listen.h: host addresses dedicated to it */
	/* conf/bandwidth.c: the bridge's limits and each guest port's */
	struct gw_bandwidth bw, guest_bw;
};

struct gw_conf {
	char path[GW_PATH_MAX]; /* file it came from, or "(built-in)" */
	char uplink[IFNAMSIZ];	/* "" = auto: interface of the IPv4 default route */
	char state_dir[GW_PATH_MAX];
	char run_dir[GW_PATH_MAX];
	char dnsmasq[GW_PATH_MAX];
	char dnsmasq_user[64];
	bool fix_accept_ra; /* may set the uplink's accept_ra to 2 */
	unsigned probe_ms;  /* start-time DHCP/RA probe; 0 = off */
	/* QEMU's bridge helper: conf/qemu.h */
	struct gw_qemu qemu;
	struct gw_bgp bgp;     /* conf/bgp.h */
	struct gw_pools pools; /* conf/bgp.h: where auto subnets come from */
	size_t n_networks;
	struct gw_network *networks;
	size_t n_taps; /* conf/tap.h */
	struct gw_tap *taps;
	/* readers_group (default gatewayd), resolved at load (conf/owner.c):
	 * its members read everything through gatewayctl and change
	 * nothing; (gid_t)-1 and "": none */
	gid_t readers_gid;
	char readers_group[GW_OWNER_NAME_MAX + 1];
};

/* Parse and validate. On error returns -EINVAL (or -errno) and writes one
 * "FILE:LINE: message" line into err. *out is owned by the caller. */
int conf_load_file(const char *path, struct gw_conf **out, char *err, size_t errlen);
int conf_load_buf(const char *name, const char *buf, struct gw_conf **out, char *err,
		  size_t errlen);
/* The built-in default used when the default path does not exist. */
int conf_load_default(struct gw_conf **out, char *err, size_t errlen);
void conf_free(struct gw_conf *conf);
/* What a network owns beyond its struct (its features' lists). */
void conf_network_release(struct gw_network *net);
/* Each feature's part of a network: freed, deep-copied (0 or -ENOMEM),
 * printed (normalized, inside the network's block, for gatewayd -n -v). */
void conf_mode_release(struct gw_network *net);
int conf_mode_dup(struct gw_network *dst, const struct gw_network *src);
void conf_mode_print(FILE *f, const struct gw_network *net);
bool conf_mode_equal(const struct gw_network *a, const struct gw_network *b);
void conf_forwards_release(struct gw_network *net);
int conf_forwards_dup(struct gw_network *dst, const struct gw_network *src);
void conf_forwards_print(FILE *f, const struct gw_network *net);
/* The network whose subnet holds f's listen address (NULL: none); with
 * with_auto, auto subnets too (resolved ones: gatewayd/host/preflight.c).
 * The message for it, without file:line. */
const struct gw_network *conf_forward_listen_net(const struct gw_conf *c,
						 const struct gw_forward *f, bool with_auto);
void conf_forward_listen_msg(char *buf, size_t len, const struct gw_network *net,
			     const struct gw_forward *f, const struct gw_network *in);
void conf_hosts_release(struct gw_network *net);
int conf_hosts_dup(struct gw_network *dst, const struct gw_network *src);
void conf_hosts_print(FILE *f, const struct gw_network *net);
/* A deep copy (the plan resolves auto subnets in its own copy: the parsed
 * config is never changed). NULL when out of memory. */
struct gw_conf *conf_dup(const struct gw_conf *conf);

const char *conf_mode_name(enum gw_mode mode);
const char *conf_network_uplink(const struct gw_conf *conf, const struct gw_network *net);
/* Every field equal (the printer's round-trip test). A reload does not ask
 * this: it diffs what the networks lead to (gatewayd/core/diff.c). */
bool conf_network_equal(const struct gw_network *a, const struct gw_network *b);
void conf_print(FILE *f, const struct gw_conf *conf);
/* The global keys of QEMU's bridge helper (conf/qemu.c). */
void conf_qemu_print(FILE *f, const struct gw_conf *conf);
bool conf_qemu_equal(const struct gw_conf *a, const struct gw_conf *b);
/* The bgp section, pools and announce (conf/bgp.c). */
void conf_bgp_print(FILE *f, const struct gw_conf *conf);
void conf_bgp_net_print(FILE *f, const struct gw_conf *conf, const struct gw_network *net);
/* Give an "auto" network its subnet (the bridge gets .1 / ::1) and, when
 * the file set no range, the default DHCP range. */
/* The upper half of the subnet, never the gateway, network or broadcast. */
void conf_default_range(struct gw_network *net);
void conf_network_set_ipv4(struct gw_network *net, struct in_addr subnet, unsigned plen);
void conf_network_set_ipv6(struct gw_network *net, const struct in6_addr *subnet, unsigned plen);

/* Durations as written in the file: 90, 90s, 30m, 1h, 2d, infinite. */
int conf_parse_duration(const char *s, unsigned *secs);
/* Ports as written in the file: "PORT" or "FIRST-LAST", 1-65535; 0 or
 * -EINVAL. */
int conf_parse_ports(const char *s, uint16_t *lo, uint16_t *hi);
void conf_format_duration(unsigned secs, char *buf, size_t len);

#endif
