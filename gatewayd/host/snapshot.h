/* The host as the daemon last saw it: links, addresses, main-table routes
 * and forwarding settings, read in full once (start, and again only when
 * the monitor lost events or a read was interrupted), then kept current
 * from the rtnetlink events themselves. Each batch of events -- whatever
 * the monitor socket holds when the loop gets to it -- updates the
 * snapshot once and says exactly what changed (struct host_change), so
 * that an event touching nothing of ours costs a few comparisons, not a
 * re-read of a host with thousands of links.
 *
 * The bridges' forwarding databases and the IPv6 neighbours are read on
 * demand (guest binding asks only when one of its inputs moved), at most
 * once per batch, through the same transport. */
#ifndef GW_HOST_SNAPSHOT_H
#define GW_HOST_SNAPSHOT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gatewayd/host/facts.h"

struct rtnl;
struct host_snap;

/* The link flags a change is recorded for: up/down and carrier (a tap
 * QEMU closed). The facts hold all of them as the kernel last said; a
 * notification that changes only others (IFF_RUNNING, ...), statistics
 * or the MTU is not a change. */
#define HOST_LINK_CARRIER 0x10000 /* IFF_LOWER_UP (linux/if.h clashes with net/if.h) */
#define HOST_LINK_FLAGS	  (IFF_UP | HOST_LINK_CARRIER)

/* One link that appeared, went away or changed (name, master, flags, kind,
 * peer, MAC: a tap whose MAC changed on a bridge is taken off it). Its state now is in the
 * snapshot's facts (host_link_by_index()), unless gone. */
struct host_link_change {
	int ifindex;
	bool added, gone;
	char old_name[IFNAMSIZ]; /* "" if added */
	int old_master;		 /* 0 if none or added */
	unsigned old_flags;
};

/* What one batch of events changed. all: the snapshot was read afresh
 * (start, lost events): treat everything as changed; the lists are then
 * empty. Addresses and routes are listed as they were (gone) or are
 * (added): a collision check looks at these, not at the whole host. */
struct host_change {
	bool all;
	bool lost;    /* all, because the kernel dropped events (ENOBUFS) */
	bool netconf; /* a forwarding setting changed */
	size_t n_links, n_addrs, n_routes;
	struct host_link_change *links;
	struct host_addr *addrs;
	struct host_route *routes;
};

/* Full read (links sorted by name). */
int host_snap_new(struct rtnl *r, struct host_snap **out);
void host_snap_free(struct host_snap *s);
/* The host as of the last batch. Valid until the next call that changes
 * the snapshot. */
const struct host_facts *host_snap_facts(const struct host_snap *s);

/* Read what the monitor socket fd (rtnl_monitor_open()) holds, apply it to
 * the snapshot and say what changed into *ch (host_change_release()
 * after use). When the kernel dropped events the snapshot is read again in
 * full and ch->all is set. 0, or a negative errno when the snapshot could
 * not be brought up to date (then it is marked stale and the next call
 * re-reads it in full: ch->all). */
int host_snap_drain(struct host_snap *s, int fd, struct host_change *ch);
/* Read everything again (after -EINTR from an interrupted dump, or when
 * a caller knows the snapshot is stale); ch->all set. */
int host_snap_reread(struct host_snap *s, struct host_change *ch);
void host_change_release(struct host_change *ch);
/* Moves on with every drain or re-read: what was read from the host for
 * one generation (the forwarding databases, the neighbours) may be kept
 * until it changes. */
unsigned host_snap_gen(const struct host_snap *s);

/* Pure: a and b hold the same links (name, ifindex, kind, master, peer,
 * HOST_LINK_FLAGS), addresses and routes, in any order: 0, or 1 with the
 * first difference described in msg. */
int host_facts_cmp(const struct host_facts *a, const struct host_facts *b, char *msg, size_t len);
/* The snapshot against a fresh read of the host (tests: a snapshot kept
 * from events must not drift from the kernel): 0 same, 1 differs (msg),
 * or a negative errno. Call it when no events are queued. */
int host_snap_check(struct host_snap *s, char *msg, size_t len);

/* Pure, for the unit tests: apply one rtnetlink message (RTM_NEWLINK,
 * RTM_DELLINK, RTM_NEWADDR, RTM_DELADDR, RTM_NEWROUTE, RTM_DELROUTE,
 * RTM_NEWNETCONF, RTM_DELNETCONF) to facts, recording the change (into
 * ch, which starts zeroed and gathers a batch). Links are kept sorted by
 * name (facts not sorted yet are sorted first). ch->netconf is set only
 * for the forwarding of "all" (the only one the daemon keeps), not the
 * announcements every new link makes. 0 or -ENOMEM. */
struct nlmsghdr;
int host_facts_apply(struct host_facts *f, const struct nlmsghdr *nlh, struct host_change *ch);

#endif
