/* Ports gatewayd puts on its bridges itself: user-owned persistent taps
 * (config `tap` sections and `gatewayctl tap add`) and taps attached with
 * `gatewayctl attach` (QEMU's ifup script). Both count as guest ports
 * whatever guest_ports says; both are remembered in state_dir and put back
 * at start. */
#ifndef GW_CORE_TAPS_H
#define GW_CORE_TAPS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"

struct gw_ctx;
struct gw_taps;

/* state_dir files: taps added at run time ("NAME NETWORK USER GROUP",
 * GROUP "-" for none), attached ports ("NAME NETWORK"), and the names of
 * the taps gatewayd created (what stop and --teardown, core/teardown.c,
 * delete). */
#define STATE_TAPS	"taps"
#define STATE_ATTACHED	"attached"
#define STATE_TAPS_MADE "taps.made"

/* Before the first change of a start: read state_dir's records; from
 * now on the guard counts these ports as guest ports. */
int taps_load(struct gw_ctx *ctx, const struct gw_conf *conf);
void taps_free(struct gw_taps *t);
/* May conf's taps be made? A device of a tap's name that is not a tap is
 * refused (FILE:LINE in err): nothing is applied. */
int taps_check(struct gw_ctx *ctx, const struct gw_conf *conf, char *err, size_t errlen);
/* With a config in force (start, reload): delete the taps whose section
 * went, make the missing ones, plug every tap and attached port into its
 * network's bridge and set it up. */
void taps_apply(struct gw_ctx *ctx);
/* A batch of link events (f: the host now, ch: what changed): the same
 * for the taps and attached ports it concerns, one log line per repair (a
 * tap of ours deleted, a bridge recreated); attached ports that are gone
 * are forgotten. A batch that names none of them, nor their bridges,
 * costs no netlink request: with a thousand VMs' taps, a container's veth
 * coming and going must not make the daemon ask after each tap. */
struct host_facts;
struct host_change;
void taps_watch(struct gw_ctx *ctx, const struct host_facts *f, const struct host_change *ch);
/* Pure: does ch concern port (by its name before or after) or its
 * network's bridge? Always with ch->all. */
bool taps_touched(const char *port, const char *bridge, const struct host_facts *f,
		  const struct host_change *ch);
/* Stop: the taps gatewayd made go to del (deleted with the bridges,
 * core/bridge.h links_del_run()), attached ports are taken off the
 * bridges; the records of the configured taps stay, for the next start. */
struct links_del;
void taps_stop(struct gw_ctx *ctx, struct links_del *del);

/* The tap-MAC guard is in guard.h. */

/* The commands (root only; checked by the caller). 0, or -errno with the
 * reason in err. name: NULL for the first free gwtapN; the name made goes
 * to out. */
int taps_add(struct gw_ctx *ctx, const char *net, const char *user, const char *group,
	     const char *name, char out[IFNAMSIZ], char *err, size_t errlen);
int taps_del(struct gw_ctx *ctx, const char *name, char *err, size_t errlen);
/* net NULL: taps_default_network(). */
int taps_attach(struct gw_ctx *ctx, const char *ifname, const char *net, char *err, size_t errlen);
int taps_detach(struct gw_ctx *ctx, const char *ifname, char *err, size_t errlen);

/* The network an attach without one goes to (scripts/qemu-ifup without
 * GATEWAYD_NETWORK): the one named "default", else the only one; NULL. */
const struct gw_network *taps_default_network(const struct gw_ctx *ctx);
/* What put this port on a bridge: "tap" (gatewayd's user tap), "script"
 * (gatewayctl attach) or NULL (neither). */
const char *taps_origin(const struct gw_ctx *ctx, const char *port);
/* The i-th tap gatewayd keeps (config ones first, then run-time ones);
 * false past the last. */
bool taps_nth(const struct gw_ctx *ctx, size_t i, const struct gw_tap **t, bool *runtime);

/* Pure, for the unit tests: one line of STATE_TAPS (user and group are
 * looked up) or STATE_ATTACHED ("NAME NETWORK IFINDEX"; *ifindex 0 for a
 * line of an older gatewayd, which had none). 0 or -EINVAL. */
int taps_parse_tap(const char *line, struct gw_tap *t);
int taps_parse_attached(const char *line, char name[IFNAMSIZ], char net[NAME_NET_MAX + 1],
			int *ifindex);

#endif
