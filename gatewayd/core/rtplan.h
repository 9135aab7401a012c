/* The run-time half of the desired state, as a pure diff: from the plan in
 * force, the host as it is now (struct host_facts), what one batch of
 * events changed (struct host_change) and the run-time value in force
 * (struct gw_net_rt: the ports in the ports map, the guard, the last
 * collision), which networks the batch touches, what each of them should
 * be now, and the difference as actions: ports-map element deletes and
 * adds (one batch: a port that moves is a delete and an add), guard trips
 * and resumes, repairs, collisions, "this network's binding inputs
 * changed". watch.c carries them out; test_rtplan.c pins "this event ->
 * exactly these actions". A batch that touches none of our networks
 * gives an empty diff, computed in a few comparisons per changed link. */
#ifndef GW_CORE_RTPLAN_H
#define GW_CORE_RTPLAN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "gatewayd/core/ctx.h"
#include "gatewayd/core/diff.h"
#include "gatewayd/core/plan.h"
#include "gatewayd/host/snapshot.h"
#include "nft/plan.h"

/* What the guard of a network does. */
enum {
	RG_KEEP = 0,
	RG_TRIP,   /* a port that is not a guest port joined: stop DHCP and RA */
	RG_SWITCH, /* still tripped, by another port now (the name to show) */
	RG_RESUME, /* the last such port left */
};

struct rt_net_act {
	size_t net;	 /* index in the plan's networks */
	unsigned repair; /* GR_* (diff.h) */
	int guard;	 /* RG_* */
	char foreign[IFNAMSIZ], foreign_kind[32];
	/* its ports changed (binding's inputs with them): ports[] sorted by
	 * name, as the ports map holds them once the deltas are committed */
	bool ports_changed;
	size_t n_ports;
	char (*ports)[IFNAMSIZ];
	/* the doctor's test ports on its bridge changed (binding's inputs
	 * too, not the map's): test_ports[] as they are now, sorted */
	bool tests_changed;
	size_t n_test_ports;
	char (*test_ports)[IFNAMSIZ];
	/* 1: an overlap begins or reads differently (collision says it),
	 * -1: the one in force ended */
	int collision_changed;
	char collision[256];
};

struct rt_diff {
	size_t n; /* only networks with something to do */
	struct rt_net_act *nets;
	/* NFT_PORTS_MAP elements (port -> jump ports_NET): deletes first,
	 * then adds, in one transaction */
	size_t n_del, n_add;
	struct nft_elem *del, *add;
	bool sysctls; /* a forwarding setting changed: check them */
};

/* touched[0..n_networks): the networks the batch touches (all of them
 * with ch->all). rts: the value in force, parallel to the networks. */
void rt_touched(const struct gw_plan *p, const struct host_facts *f, const struct host_change *ch,
		const struct gw_net_rt *rts, bool *touched);
/* The whole diff. own: what gatewayd put on its bridges itself
 * (host/hostcheck.h), or NULL. 0 or -ENOMEM. */
int rt_diff(const struct gw_plan *p, const struct hostcheck_own *own, const struct host_facts *f,
	    const struct host_change *ch, const struct gw_net_rt *rts, struct rt_diff *out);
void rt_diff_release(struct rt_diff *d);
/* For logs and tests, one line: "a:trip(vx0) b:ports,repair(addr)
 * -x@ports_a +x@ports_b" ("" when empty). */
void rt_diff_format(const struct rt_diff *d, const struct gw_plan *p, char *buf, size_t len);

/* Pure, for the tests: what changed from old to new, as the snapshot
 * would say it (links by ifindex, addresses and routes by value); release
 * with host_change_release(). 0 or -ENOMEM. */
int rt_change_between(const struct host_facts *old, const struct host_facts *new,
		      struct host_change *ch);

#endif
