/* The ports gatewayd plugs in, as gatewayctl sees them:
 *
 *   tap add NET --user USER [--group GROUP] [--name TAP]   (root)
 *   tap del TAP                                            (root)
 *   taps [--json]
 *   attach IFNAME [NET]   detach IFNAME                    (root)
 *
 * and the guest ports of a network in status. A guest port's origin:
 * "tap" (a tap gatewayd keeps), "script" (gatewayctl attach: QEMU's
 * ifup script), "helper" (a tap that lives only while a process holds it:
 * QEMU's bridge helper, libvirt), "manual" (a persistent tap someone else
 * made), "veth" (a container or a test guest). The MAC is the one guest
 * binding learned on the port (or, unbound, the one it dropped), the
 * lease the IPv4 one dnsmasq gave it, the host its static host section,
 * and "dropped" what drops its packets (ctl/guests.c). */
#include "gatewayd/ctl/ports.h"
#include "gatewayd/ctl/commands.h"
#include "gatewayd/ctl/guests.h"
#include "gatewayd/core/binding.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/core/taps.h"
#include "gatewayd/ctl/proto.h"
#include "gatewayd/host/hostcheck.h"
#include "gatewayd/host/tun.h"
#include "dhcp/leases.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

/* linux/if.h has it, but clashes with net/if.h */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

static const char *port_origin(const struct gw_ctx *ctx, const struct rtnl_link *l)
{
	const char *o = taps_origin(ctx, l->name);
	struct tun_info ti;

	if (o)
		return o;
	if (!strcmp(l->kind, "veth"))
		return "veth";
	return tun_info_read(l->name, &ti) == 0 && ti.persist ? "manual" : "helper";
}

void ports_status(struct out *o, struct gw_ctx *ctx, size_t i, const struct guest_sets *gs,
		  const struct lease *leases, int nl)
{
	struct guest_list g;
	char drops[512];
	int r;

	/* the rows and what drops each guest's packets: ctl/guests.c */
	if ((r = guests_read(ctx, i, gs, leases, nl, &g)) < 0)
		out_str(o, "guest_ports_error", strerror(-r));
	if (o->json) {
		out_list_begin(o, "guest_ports");
		o->ncols = 6;
		strcpy(o->cols[0], "port");
		strcpy(o->cols[1], "origin");
		strcpy(o->cols[2], "mac");
		strcpy(o->cols[3], "ipv4");
		strcpy(o->cols[4], "host");
		strcpy(o->cols[5], "dropped");
	}
	for (size_t k = 0; k < g.n; k++) {
		const struct guest_row *w = &g.v[k];
		struct rtnl_link l;
		const char *origin =
			rtnl_link_get(ctx->rtnl, w->port, &l) < 0 ? "?" : port_origin(ctx, &l);
		char line[1024];

		guest_drops_text(&w->drops, drops, sizeof(drops));
		if (o->json) {
			out_row(o, 6, w->port, origin, w->mac, w->lease, w->host, drops);
			continue;
		}
		snprintf(line, sizeof(line), "%s origin=%s mac=%s ipv4=%s", w->port, origin,
			 w->mac[0] ? w->mac : "-", w->lease[0] ? w->lease : "-");
		out_str(o, "guest_port", line);
		/* a line of its own: scripts match guest_port's to its end */
		snprintf(line, sizeof(line), "%s host=%s dropped=%s", w->port,
			 w->host[0] ? w->host : "-", drops[0] ? drops : "-");
		out_str(o, "guest_drops", line);
	}
	if (o->json)
		out_list_end(o);
	guests_release(&g);
}

static int denied(FILE *f, const char *what)
{
	fprintf(f, "permission denied: only root may %s\n", what);
	return CTL_DENIED;
}

static int usage(FILE *f, const char *line)
{
	fprintf(f, "usage: gatewayctl %s\n", line);
	return CTL_USAGE;
}

/* tap add NET --user USER [--group GROUP] [--name TAP] */
static int cmd_tap_add(struct gw_ctx *ctx, int argc, char **argv, FILE *f)
{
	static const char use[] = "tap add NETWORK --user USER [--group GROUP] [--name TAP]";
	const char *net = NULL, *user = NULL, *group = NULL, *name = NULL;
	char made[IFNAMSIZ], err[512];

	for (int i = 2; i < argc; i++) {
		const char **dst = !strcmp(argv[i], "--user")	 ? &user
				   : !strcmp(argv[i], "--group") ? &group
				   : !strcmp(argv[i], "--name")	 ? &name
								 : NULL;

		if (dst && i + 1 < argc)
			*dst = argv[++i];
		else if (!dst && !net && argv[i][0] != '-')
			net = argv[i];
		else
			return usage(f, use);
	}
	if (!net || !user)
		return usage(f, use);
	if (cmd_pick(ctx, net) == -2) {
		fprintf(f, "no network \"%s\"\n", net);
		return CTL_NO_NET;
	}
	if (taps_add(ctx, net, user, group, name, made, err, sizeof(err)) < 0) {
		fprintf(f, "tap add: %s\n", err);
		return CTL_FAIL;
	}
	fprintf(f, "%s\n", made);
	return CTL_OK;
}

static const char *tap_state(struct gw_ctx *ctx, const char *name)
{
	struct rtnl_link l;

	if (rtnl_link_get(ctx->rtnl, name, &l) < 0)
		return "missing";
	if (!(l.flags & IFF_UP))
		return "down";
	/* a tap has a carrier while a process (its guest) holds it open */
	return (l.flags & IFF_LOWER_UP) ? "in use" : "idle";
}

static int cmd_taps(struct gw_ctx *ctx, bool json, FILE *f)
{
	const struct gw_tap *t;
	struct out o;
	bool runtime;

	out_init(&o, f, json);
	out_table_begin(&o, "taps", "TAP NETWORK USER GROUP FROM STATE");
	for (size_t i = 0; taps_nth(ctx, i, &t, &runtime); i++)
		out_row(&o, 6, t->name, t->network, t->user, t->group,
			runtime ? "gatewayctl" : "config", tap_state(ctx, t->name));
	out_table_end(&o);
	return CTL_OK;
}

int ports_command(struct gw_ctx *ctx, int argc, char **argv, uid_t uid, bool json, FILE *f)
{
	char err[512];
	bool add, del;

	if (!strcmp(argv[0], "taps"))
		return cmd_taps(ctx, json, f);
	if (!strcmp(argv[0], "tap")) {
		add = argc > 1 && !strcmp(argv[1], "add");
		del = argc > 1 && !strcmp(argv[1], "del");
		if (!add && !del)
			return usage(f,
				     "tap add NETWORK --user USER [--group GROUP] [--name TAP] | "
				     "tap del TAP");
		if (uid != 0)
			return denied(f, add ? "add a tap" : "delete a tap");
		if (add)
			return cmd_tap_add(ctx, argc, argv, f);
		if (argc != 3)
			return usage(f, "tap del TAP");
		if (taps_del(ctx, argv[2], err, sizeof(err)) < 0) {
			fprintf(f, "tap del: %s\n", err);
			return CTL_FAIL;
		}
		fprintf(f, "deleted tap %s\n", argv[2]);
		return CTL_OK;
	}
	if (!strcmp(argv[0], "attach")) {
		if (argc < 2 || argc > 3)
			return usage(f, "attach IFNAME [NETWORK]");
		if (uid != 0)
			return denied(f, "attach a port");
		if (argc == 3 && cmd_pick(ctx, argv[2]) == -2) {
			fprintf(f, "no network \"%s\"\n", argv[2]);
			return CTL_NO_NET;
		}
		if (taps_attach(ctx, argv[1], argc == 3 ? argv[2] : NULL, err, sizeof(err)) < 0) {
			fprintf(f, "attach: %s\n", err);
			return CTL_FAIL;
		}
		fprintf(f, "attached %s\n", argv[1]);
		return CTL_OK;
	}
	if (!strcmp(argv[0], "detach")) {
		if (argc != 2)
			return usage(f, "detach IFNAME");
		if (uid != 0)
			return denied(f, "detach a port");
		if (taps_detach(ctx, argv[1], err, sizeof(err)) < 0) {
			fprintf(f, "detach: %s\n", err);
			return CTL_FAIL;
		}
		fprintf(f, "detached %s\n", argv[1]);
		return CTL_OK;
	}
	return PORTS_NOT_MINE;
}
