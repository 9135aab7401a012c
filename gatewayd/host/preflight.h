/* Before the first change: resolve what the config leaves to the host
 * ("auto" uplink and subnets) and refuse what must not be applied. */
#ifndef GW_PREFLIGHT_H
#define GW_PREFLIGHT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"

struct rtnl;

struct preflight {
	/* The config as given, with auto subnets resolved: a copy that the
	 * plan may take over (then set it to NULL). */
	struct gw_conf *conf;
	/* The config in force when this is a reload (else NULL): its bridges
	 * are gatewayd's, and its guards already watch them. */
	const struct gw_conf *running;
	char (*uplinks)[IFNAMSIZ]; /* per network: the resolved uplink */
	bool *fix_accept_ra;	   /* per network: set accept_ra=2 on its uplink */
	/* The daemon's rtnetlink transport (set by the caller), or NULL: then
	 * one is opened when first needed and closed by preflight_release(). */
	struct rtnl *rtnl;
	/* what the daemon put on its bridges itself (set by the caller), or
	 * NULL (gatewayd -n) */
	const struct hostcheck_own *own;
	bool own_rtnl;
	int rtnl_err;
};

int preflight_new(const struct gw_conf *conf, struct preflight *pf);
void preflight_release(struct preflight *pf);

/* Resolve uplinks and auto subnets. With persist, auto subnets chosen for
 * the first time are recorded in state_dir (the daemon); without, nothing
 * is written (gatewayd -n -v). */
int preflight_resolve(struct preflight *pf, bool persist, char *err, size_t errlen);
/* Resolve (persisting), then every check that can refuse a network. */
int preflight_check(struct preflight *pf, char *err, size_t errlen);

#endif
