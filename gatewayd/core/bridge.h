/* A network's bridge and the global forwarding sysctls: the host changes
 * that apply and the watch's repairs both make. */
#ifndef GW_CORE_BRIDGE_H
#define GW_CORE_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "gatewayd/core/ctx.h"

/* gatewayd's own netdev group ("gw"; `ip link show group 26487`): the
 * bridges and taps it makes are made in it. The next one is where the
 * links it deletes go first, so that they go in one RTM_DELLINK
 * (links_del_run()) while those that stay (a reload) are not touched. */
#define GW_NETDEV_GROUP	    0x6777u
#define GW_NETDEV_GROUP_DEL 0x6778u

/* Links gatewayd made, to be deleted together: each is named in its
 * record (rec, a file of state_dir: STATE_BRIDGES, STATE_TAPS_MADE) until
 * it is gone. */
struct links_del_item {
	int ifindex;
	char name[IFNAMSIZ];
	const char *what; /* "bridge", "tap": for the log */
	const char *rec;
	bool gone; /* set by links_del_run() */
};
struct links_del {
	struct links_del_item *v;
	size_t n;
};
/* Is l in gatewayd's netdev groups? A name on record is not enough to
 * call a link ours: names are recorded before the links are made (a crash
 * in between leaves a name on record, and a link of someone else's may
 * take it), so stop and --teardown delete a recorded link only if it is
 * also in GW_NETDEV_GROUP (or _DEL: a stop cut short), where gatewayd
 * makes its links. */
bool link_in_our_group(const struct rtnl_link *l);
/* Add l (read just now, known to be ours) to b; -ENOMEM. */
int links_del_add(struct links_del *b, const struct rtnl_link *l, const char *what,
		  const char *rec);
/* Delete every link of b and take each deleted one out of its record;
 * b is emptied. All in one RTM_DELLINK when GW_NETDEV_GROUP_DEL then holds
 * nothing else; one by one when it does (someone put a link of theirs
 * there: it must survive) or the kernel refuses. log_prefix starts each
 * log line ("teardown: "). The number deleted. */
int links_del_run(struct rtnl *rt, const char *state_dir, struct links_del *b,
		  const char *log_prefix);

/* Record names (bridges about to be created) in state_dir's STATE_BRIDGES
 * in one write; bridge_up() then finds them there. */
int bridge_record_many(const struct gw_conf *conf, char (*names)[IFNAMSIZ], size_t n);
/* Create (recorded in state_dir first) or adopt n's bridge; its MAC,
 * addresses, IPv6 settings; up. rt->created_bridge says whose it is. */
int bridge_up(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
	      struct gw_net_rt *rt, char *err, size_t errlen);
/* The same, for a bridge found missing and recorded already
 * (bridge_record_many()) when recorded is set. */
int bridge_up_recorded(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
		       struct gw_net_rt *rt, bool recorded, char *err, size_t errlen);
/* Delete the bridge if gatewayd created it, else remove the addresses it
 * added. With del, a bridge to delete is added there instead, for the
 * caller's links_del_run() (many go together). */
void bridge_down(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
		 struct gw_net_rt *rt, struct links_del *del);
/* Remove the addresses n put on its bridge, except those keep (the same
 * network's new config, or NULL) puts there too. */
void bridge_addrs_del(struct gw_ctx *ctx, const struct gw_network *n,
		      const struct gw_network *keep);
/* Forwarding on (IPv6 too if v6); 1 if something had to be written.
 * With u, what was written is noted there to be undone (sysctl_undo()). */
int bridge_forwarding(struct gw_ctx *ctx, const struct gw_conf *conf, bool v6);
struct sysctl_undo;
int bridge_forwarding_undo(struct gw_ctx *ctx, const struct gw_conf *conf, bool v6,
			   struct sysctl_undo *u);

#endif
