/* Port forwards added at run time (gatewayctl forward add, qemu-args
 * --forward): kept in state_dir/forwards ("NET NAME PROTO PORT TO LISTEN
 * [BY]" per line, LISTEN "-" for every address, BY the owner who added
 * it, none for root; mode 0600), merged into each
 * plan's networks beside the file's `forward` sections, so they become
 * the same map elements as those (nft/forward.c). */
#ifndef GW_CORE_FORWARDS_RT_H
#define GW_CORE_FORWARDS_RT_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf/conf.h"

#define STATE_FORWARDS "forwards"

struct gw_ctx;

/* A run-time forward as gatewayctl gave it (its target an address: a
 * static host's name is resolved when it is added). */
struct forward_rt {
	char net[NAME_NET_MAX + 1];
	char name[NAME_NET_MAX + 1];
	char proto[8];
	char port[16];			   /* "N" or "N-M" */
	char to[INET6_ADDRSTRLEN + 16];	   /* "A:P", "A:N-M", "[A6]:P", "A" */
	char listen[INET6_ADDRSTRLEN + 1]; /* "" for every address */
	/* The owner entry of the network that let it be added ("alice",
	 * "@ops"), "" for root. An owner's forward is in force only while
	 * that entry owns the network: given to another customer, or gone
	 * and made again for one, it does not carry the old one's forwards. */
	char by[GW_OWNER_NAME_MAX + 2];
};

/* Plan time: add the stored forwards to conf's networks (the resolved
 * copy, never the parsed config). One that conf refuses beside the file's
 * forwards (the config wins: a forward of the file now takes its port or
 * its name, its target left the subnet...) is left out and logged; it
 * stays stored, shown by `gatewayctl forwards`, until forward del. */
void forwards_rt_merge(struct gw_conf *conf);

/* Add req to network net of the running config, after the config's own
 * checks against every forward in force; stored, then applied (the map
 * elements of the one forward). who: the uid it is logged with. 0, or
 * -errno with the reason in err (-EINVAL refused, -EEXIST a conflict). */
int forwards_rt_add(struct gw_ctx *ctx, size_t net, const struct forward_rt *req, uid_t who,
		    char *err, size_t errlen);
/* Remove net's run-time forward name. 0, -ENOENT if there is none (a
 * forward of the file is removed from the file), or -errno; err says
 * why. */
int forwards_rt_del(struct gw_ctx *ctx, size_t net, const char *name, uid_t who, char *err,
		    size_t errlen);

/* The stored forwards of network net that conf left out, each with the
 * reason, to fn, and the network the reason names if it is another one
 * (its forward, its subnet: with, else NULL), for an answer to a customer
 * who does not see it; 0 or -errno (the file unreadable). */
int forwards_rt_left_out(const struct gw_conf *conf, const struct gw_network *net,
			 void (*fn)(void *arg, const struct forward_rt *s, const char *why,
				    const struct gw_network *with),
			 void *arg);

#endif
