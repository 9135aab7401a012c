/* The router advertisement sender: one raw ICMPv6 socket for every bridge
 * gatewayd serves, in the event loop. Unsolicited RAs go out on a
 * randomised timer per bridge; router solicitations are answered at once,
 * at a bounded rate per bridge; a bridge that stops being served gets a
 * last RA saying so. Host link and address events never reach this module:
 * it costs nothing per event, only per RA and per solicitation. */
#ifndef GW_RA_ROUTER_H
#define GW_RA_ROUTER_H

#include "lib/eloop.h"
#include "ra/msg.h"

struct ra_router;
struct ra_iface;

/* Timing (RFC 4861 6.2.1, 6.2.4, 6.2.6), milliseconds */
#define RA_INTERVAL_MIN_MS    7500  /* unsolicited RAs: random in [min, max] */
#define RA_INTERVAL_MAX_MS    10000 /* as dnsmasq's ra-param interval was */
#define RA_INITIAL	      3	    /* the first ones, faster: */
#define RA_INITIAL_MIN_MS     3000  /* MIN_DELAY_BETWEEN_RAS */
#define RA_INITIAL_MAX_MS     4000
#define RA_MCAST_MIN_GAP_MS   3000 /* between multicast RAs (6.2.6) */
#define RA_SOLICITED_BURST    3	   /* unicast answers to solicitations, */
#define RA_SOLICITED_EVERY_MS 1000 /* then one per this */

/* The socket, opened at once (needs CAP_NET_RAW). */
int ra_router_new(struct eloop *loop, struct ra_router **out);
/* Stops every bridge (each gets its last RA) and closes the socket. */
void ra_router_free(struct ra_router *r);

/* Serve bridge ifindex (name for messages) with the RA p describes: the
 * first RA goes out now, unless paused (ra_iface_pause()). */
int ra_iface_start(struct ra_router *r, const char *name, int ifindex, const struct ra_params *p,
		   bool paused, struct ra_iface **out);
/* Stop serving it; final: send the last RA (ra_params_final()) first. A
 * bridge that is gone or that keeps being served under new settings
 * (a reload) takes no final RA. NULL is a no-op. */
void ra_iface_stop(struct ra_iface *i, bool final);

/* Stop sending (the uplink guard tripped: at once, and no last RA onto a
 * segment with a foreign port) / send again, the first RAs faster, as at
 * start. Solicitations on a paused bridge are not answered. NULL is a
 * no-op for both. */
void ra_iface_pause(struct ra_iface *i);
void ra_iface_resume(struct ra_iface *i);

/* The bridge's carrier (a port up) came or went, as the host snapshot
 * says: without it no RA is sent (nobody hears it, and each failed send
 * costs the kernel a search of every interface for a source address);
 * when it comes back the first RAs go out at once, faster, as at start.
 * A bridge is taken to have carrier until told otherwise. NULL: no-op. */
void ra_iface_carrier(struct ra_iface *i, bool up);

struct ra_stats {
	bool paused;
	unsigned long sent, solicited, rs, rs_limited; /* RAs; of them unicast answers; RSs */
};
void ra_iface_stats(const struct ra_iface *i, struct ra_stats *s);

#endif
