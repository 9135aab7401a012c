/* User-owned persistent taps: `tap NAME { network = "NET"; user = "alice";
 * group = "kvm" }` (conf/tap.c). gatewayd creates each, owned by that
 * user (and group), on the network's bridge; the user's unprivileged QEMU
 * opens it with -netdev tap,ifname=NAME,script=no,downscript=no. */
#ifndef GW_CONF_TAP_H
#define GW_CONF_TAP_H

#include <confuse.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/types.h>

#include "lib/names.h"

#define GW_TAP_USER_MAX 64
#define GW_TAP_NO_GROUP ((gid_t)-1)

/* The keys of one `tap NAME { ... }` section. */
extern cfg_opt_t conf_tap_opts[];

/* The global section of this feature, spliced into conf.c's schema. */
#define CONF_TAP_OPTS CFG_SEC("tap", conf_tap_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),

struct gw_tap {
	char name[IFNAMSIZ]; /* the interface */
	char network[NAME_NET_MAX + 1];
	char user[GW_TAP_USER_MAX];
	char group[GW_TAP_USER_MAX]; /* "" = none */
	uid_t uid;
	gid_t gid; /* GW_TAP_NO_GROUP = none */
	int line;  /* of its section; 0: made at run time */
};

struct gw_conf;

/* What a tap called name would be, besides a tap: "the bridge of network
 * \"a\"", "the uplink ...", "tap section ..." (skip: a tap of c->taps not
 * to compare with, or -1); NULL if nothing. For the config and for
 * `gatewayctl tap add`. */
const char *conf_tap_clash(const struct gw_conf *c, const char *name, long skip, char *buf,
			   size_t len);
/* Fill t->uid/gid from its user and group names: 0, or -ENOENT with what
 * is missing in err. For taps made at run time (gatewayctl tap add). */
int conf_tap_owner(struct gw_tap *t, const char *user, const char *group, char *err, size_t errlen);
/* The index of the config's tap called name, or -1. */
long conf_tap_find(const struct gw_conf *c, const char *name);

void conf_taps_print(FILE *f, const struct gw_conf *c);
int conf_taps_dup(struct gw_conf *dst, const struct gw_conf *src);

#endif
