/* Who owns a network: `owner = "alice"`, `owner = "@customers"` or a list
 * `owner = { "alice", "@ops" }` (conf/owner.c). An owner may use
 * gatewayctl on that network: see it, and change it at run time (port
 * forwards, static leases, taps for themselves); gatewayd/ctl/authz.c
 * decides. Names are resolved to uid/gid when the config is loaded, never
 * per request: a lookup may block (NSS), and the control socket is served
 * by the event loop. */
#ifndef GW_CONF_OWNER_H
#define GW_CONF_OWNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#define GW_OWNERS_MAX	  8  /* per network */
#define GW_OWNER_NAME_MAX 32 /* useradd's limit */

/* The network section's key of this feature, spliced into conf.c's
 * schema: one string or a list of them, each keeping its line. */
#define CONF_OWNER_OPTS SVAL_LIST("owner", NULL),

struct gw_owner {
	char name[GW_OWNER_NAME_MAX + 1]; /* without the '@' of a group */
	bool group;
	uid_t uid; /* a user's */
	gid_t gid; /* a group's */
};

struct gw_owners {
	size_t n;
	struct gw_owner v[GW_OWNERS_MAX];
};

struct gw_network;

/* The global key: the group whose members read every network through
 * gatewayctl and change none (default "gatewayd": none if it does not
 * exist; a group named in the file must exist). */
#define CONF_READERS_GROUP     "gatewayd"
#define CONF_OWNER_GLOBAL_OPTS SVAL("readers_group", NULL),

void conf_owners_print(FILE *f, const struct gw_network *net);
/* Is by ("alice", "@ops": the owner entry that let a run-time change in,
 * kept with it in state_dir; "" for root's) still an owner of net? */
bool conf_owner_entry_owns(const struct gw_network *net, const char *by);
bool conf_owners_equal(const struct gw_network *a, const struct gw_network *b);

#endif
