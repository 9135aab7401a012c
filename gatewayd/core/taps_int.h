/* What taps.c and taps_cmd.c share (gatewayd/core only): the registry
 * and the steps that make, plug in and delete a port. */
#ifndef GW_CORE_TAPS_INT_H
#define GW_CORE_TAPS_INT_H

#include "gatewayd/core/taps.h"

struct port_mac; /* guard.c */

/* A port gatewayctl attach plugged in: the device, not just its name --
 * the kernel gives a name to the next device once its owner is gone (a
 * tap0 of another customer's VM) -- so its ifindex, in this boot. */
struct attached {
	char name[IFNAMSIZ];
	char net[NAME_NET_MAX + 1];
	int ifindex; /* 0: recorded by an older gatewayd, not known */
};

struct gw_taps {
	struct gw_tap *rt; /* added at run time */
	size_t n_rt;
	struct attached *att;
	size_t n_att;
	/* the config's taps as last applied: those that leave it are deleted */
	struct gw_tap *applied;
	size_t n_applied;
	char dir[GW_PATH_MAX]; /* state_dir */
	/* the config being started, until it is in force: its taps are
	 * guest ports to the preflight already */
	const struct gw_conf *pending;
	/* the MACs of the taps on our bridges (guard.c) */
	struct port_mac *macs;
	size_t n_macs;
};

/* Rewrite state_dir's records of run-time taps and attached ports. */
int taps_save(const struct gw_taps *t);
/* taps_records.c: t's run-time taps and attached ports (those of this
 * boot) read from state_dir; bad lines skipped. */
void taps_records_load(struct gw_taps *t);
/* taps_records.c: state_dir/taps.made, the taps gatewayd created: name
 * added or removed; is name there. */
void taps_made_edit(const struct gw_taps *t, const char *name, bool add);
bool taps_made(const struct gw_taps *t, const char *name);
long taps_rt_find(const struct gw_taps *t, const char *name);
long taps_att_find(const struct gw_taps *t, const char *name);
/* A tap of ours: the config's or one added at run time; or NULL. */
const struct gw_tap *taps_tap_find(const struct gw_ctx *ctx, const char *name);
const struct gw_network *taps_net_find(const struct gw_ctx *ctx, const char *name);
/* On its network's bridge and up: 1 if something changed, 0, or
 * -EINVAL with the reason in err. ifindex: the device it must be (0: any
 * device of that name); another device of that name is -ESTALE,
 * untouched. */
int taps_plug(struct gw_ctx *ctx, const char *port, int ifindex, const char *network, char *err,
	      size_t errlen);
/* The tap exists with its owner: made (recorded in taps.made first) if
 * missing, given its owner if another. 1 if made, 0, or -EINVAL. */
int taps_tap_make(struct gw_ctx *ctx, const struct gw_tap *t, char *err, size_t errlen);
/* Delete a tap if gatewayd made it (logged with why); forget it. */
void taps_tap_unmake(struct gw_ctx *ctx, const char *name, const char *why);

#endif
