/* The desired state, as a value: per network its bridge and addresses
 * (the resolved config), its uplink, the sysctls it needs, the text its
 * dnsmasq will read, and the whole nftables ruleset. Built from the parsed
 * config + what preflight resolved on the host (uplinks, auto subnets,
 * stored subnets) without a system call; diff.c compares two of them. */
#ifndef GW_CORE_PLAN_H
#define GW_CORE_PLAN_H

#include <net/if.h>
#include <stdbool.h>

#include "conf/conf.h"
#include "gatewayd/host/preflight.h"
#include "nft/plan.h"

struct gw_net_plan {
	char uplink[IFNAMSIZ];
	bool fix_accept_ra; /* accept_ra = 2 on the uplink */
	char *dnsmasq_conf; /* what its dnsmasq is told */
	/* its static hosts, in the files dnsmasq re-reads on SIGHUP
	 * (dhcp/hosts.h): compared apart from the config */
	char *dhcp_hosts, *dns_hosts;
};

struct gw_plan {
	struct gw_conf *parsed;	  /* as the file said: never changed */
	struct gw_conf *conf;	  /* resolved (auto subnets filled in) */
	struct gw_net_plan *nets; /* parallel to conf->networks */
	bool v6;		  /* some network has IPv6: IPv6 forwarding */
	bool bridge_meta;	  /* the backstop matches bridges (see nft/plan.h) */
	struct nft_plan nft;
	/* network indexes by bridge name (gw_plan_bridge() halves: the watch
	 * asks for every link a batch of host events names), or NULL */
	size_t *by_bridge;
};

/* Takes parsed on success only (NULL: none to keep), and pf->conf always
 * (NULL afterwards); pf must have been resolved or checked. */
int gw_plan_build(struct gw_conf *parsed, struct preflight *pf, bool bridge_meta,
		  struct gw_plan *out);
void gw_plan_release(struct gw_plan *p);
/* p's ruleset built again, whole: the daemon keeps the plan in force
 * compacted (nft_plan_compact()), and needs all its rules only to put
 * back tables someone else removed. */
int gw_plan_nft_rebuild(const struct gw_plan *p, struct nft_plan *out);
/* Network name -> index in p->conf, or -1. */
long gw_plan_find(const struct gw_plan *p, const char *name);
/* The network whose bridge this is, or -1. */
long gw_plan_bridge(const struct gw_plan *p, const char *bridge);

#endif
