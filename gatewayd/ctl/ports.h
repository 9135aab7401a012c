/* gatewayctl's commands for the ports gatewayd plugs in itself -- tap
 * add/del, taps, attach, detach -- and the guest ports that status shows
 * (ports.c). */
#ifndef GW_CTL_PORTS_H
#define GW_CTL_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "dhcp/leases.h"
#include "gatewayd/ctl/out.h"

struct gw_ctx;

#define PORTS_NOT_MINE (-100) /* not one of these commands */

struct ctl_peer;

/* argv[0] is the command; answers into f, returns CTL_* or PORTS_NOT_MINE.
 * p: who asks (gatewayd/ctl/authz.h). */
int ports_command(struct gw_ctx *ctx, int argc, char **argv, const struct ctl_peer *p, bool json,
		  FILE *f);
/* Network i's guest ports, inside its status object: port, origin (tap,
 * script, helper, manual, veth), the guest's MAC and its IPv4 lease
 * (from the network's leases, as status read them: nl of them), its
 * static host and what drops its packets (from gs, read once for the
 * request: ctl/guests.h; NULL reads them for this network). */
struct guest_sets;
void ports_status(struct out *o, struct gw_ctx *ctx, size_t i, const struct guest_sets *gs,
		  const struct lease *leases, int nl);

#endif
