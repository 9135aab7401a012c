/* One pure function from two desired states (or none and one) to the
 * actions that turn the first into the second. Start, reload and the
 * watch's repairs execute what it says; the unit tests pin "this change ->
 * exactly these actions". */
#ifndef GW_CORE_DIFF_H
#define GW_CORE_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "gatewayd/core/plan.h"
#include "gatewayd/host/facts.h"
#include "nft/update.h"

/* Per network, in the order apply carries them out. */
enum {
	GA_DHCP_DOWN = 1u << 0,	  /* stop its dnsmasq (old) */
	GA_BRIDGE_DOWN = 1u << 1, /* delete the old bridge if ours, else our addresses */
	GA_ADDRS_DEL = 1u << 2,	  /* same bridge: remove old addresses not kept */
	GA_BRIDGE_UP = 1u << 3,	  /* create or adopt the bridge, addresses, up */
	GA_DHCP_UP = 1u << 4,	  /* probe, write its config, start dnsmasq (new) */
	/* only its static hosts changed: rewrite their files, SIGHUP its
	 * dnsmasq (same pid). Never with GA_DHCP_UP, which writes them. */
	GA_DHCP_HOSTS = 1u << 5,
};

struct gw_net_diff {
	long old_idx, new_idx; /* -1: not in that plan */
	unsigned act;	       /* GA_* */
	/* GA_BRIDGE_DOWN: the new network that takes the bridge over (a
	 * rename, a swap): the bridge stays, guests plugged, and only the
	 * addresses the taker does not use go; -1: the bridge goes. */
	long bridge_to;
};

struct gw_diff {
	size_t n;
	struct gw_net_diff *nets; /* old networks first (in old order), then new ones */
	/* nft.replace: both tables anew; nft.ports_rewrite also when a
	 * network leaves its bridge (its ports' elements must go) */
	struct nft_update nft;
};

/* old NULL: from nothing (start). redo_dhcp (old-indexed, or NULL): old
 * networks whose dnsmasq starts afresh whatever the plans say (refused
 * at their probe: the user was told to fix it and reload). */
int gw_diff_plans(const struct gw_plan *old, const struct gw_plan *new, const bool *redo_dhcp,
		  struct gw_diff *out);
void gw_diff_release(struct gw_diff *d);
/* What a network's entry says, for logs and tests: "dhcp-down,bridge-up". */
void gw_diff_format(unsigned act, char *buf, size_t len);

/* The plan against what the kernel shows (the watch, after any netlink
 * event): per network, what to repair. */
enum {
	GR_BRIDGE_GONE = 1u << 0, /* recreate, plug its ports back, restart dnsmasq */
	GR_BRIDGE_DOWN = 1u << 1, /* set it up */
	GR_ADDR_MISSING = 1u << 2 /* add its addresses again */
};

struct gw_host_diff {
	unsigned *repair;		  /* per network: GR_* */
	const struct host_link **foreign; /* per network: a non-guest port, or NULL */
};

/* own: what gatewayd put on its bridges itself (host/hostcheck.h), or
 * NULL. */
int gw_diff_host(const struct gw_plan *p, const struct hostcheck_own *own,
		 const struct host_facts *f, struct gw_host_diff *out);
void gw_host_diff_release(struct gw_host_diff *d);

#endif
