/* Bandwidth limits (conf/bandwidth.c): a network's `bandwidth { ... }`
 * (its bridge: everything routed into or out of the network) and
 * `guest_bandwidth { ... }` (each guest port on its own). ingress and
 * egress are the guest's point of view, as Incus's limits.ingress and
 * limits.egress: ingress is what the guests receive, egress what they
 * send. What is done with them: gatewayd/core/shaping.c. */
#ifndef GW_CONF_BANDWIDTH_H
#define GW_CONF_BANDWIDTH_H

#include <confuse.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* 8 kbit/s .. 100 Gbit/s; bursts 1,600 bytes .. 1 GiB */
#define GW_BW_RATE_MIN	8000ull
#define GW_BW_RATE_MAX	100000000000ull
#define GW_BW_BURST_MIN 1600u
#define GW_BW_BURST_MAX (1u << 30)

/* The keys of a bandwidth or guest_bandwidth section. */
extern cfg_opt_t conf_bw_opts[];

/* The network section's keys of this feature, spliced into conf.c's
 * schema. */
#define CONF_BANDWIDTH_OPTS                                                                        \
	CFG_SEC("bandwidth", conf_bw_opts, CFGF_NONE),                                             \
		CFG_SEC("guest_bandwidth", conf_bw_opts, CFGF_NONE),

/* One direction: rate 0 = no limit. */
struct gw_bw_dir {
	uint64_t rate;	/* bits per second */
	uint64_t peak;	/* bits per second, >= rate; 0 = the rate (HTB's ceil) */
	uint32_t burst; /* bytes; 0 = the default, gw_bw_burst() */
};

#define GW_BW_PORTS_MAX 16

struct gw_bandwidth {
	struct gw_bw_dir in;  /* ingress: to the guests */
	struct gw_bw_dir out; /* egress: from the guests */
	/* guest_bandwidth only: the guest ports it applies to, as name
	 * patterns ("tap-alice*"); none = every guest port of the network */
	size_t n_ports;
	char ports[GW_BW_PORTS_MAX][16];
};

/* "20mbit", "2.5gbit", "1500kbps": a number (decimals allowed) and a unit
 * as tc(8) spells them: bit, kbit, mbit, gbit, tbit (bits, powers of
 * 1000), bps, kbps, mbps, gbps, tbps (BYTES per second, as in tc),
 * kibit/mibit/gibit and kibps/mibps/gibps (powers of 1024). A unit is
 * required: a bare number means bytes to tc and kilobytes to libvirt. */
int conf_parse_rate(const char *s, uint64_t *bits);
/* "256k", "1m", "64kb", "1500", "1500b": bytes; k/kb, m/mb, g/gb are
 * powers of 1024 (tc's convention); kbit/mbit are bits. */
int conf_parse_size(const char *s, uint32_t *bytes);
/* The rate written back in the largest unit that keeps it exact. */
void conf_bw_format_rate(uint64_t bits, char *buf, size_t len);

/* The burst used: the one written, or 20 ms at the rate, at least
 * 32 KiB (room for a few TSO super-packets, which veths and taps pass
 * whole). */
uint32_t gw_bw_burst(const struct gw_bw_dir *d);
bool conf_bw_any(const struct gw_bandwidth *b);
/* gatewayd -n -v: both sections of a network, defaults spelled out. */
struct gw_network;
void conf_bw_print(FILE *f, const struct gw_network *n);
/* Does guest_bandwidth b apply to the port of this name? */
bool conf_bw_port(const struct gw_bandwidth *b, const char *port);
bool conf_bw_dir_equal(const struct gw_bw_dir *a, const struct gw_bw_dir *b);
/* The same rates (the ports it applies to are not compared). */
bool conf_bw_equal(const struct gw_bandwidth *a, const struct gw_bandwidth *b);

#endif
