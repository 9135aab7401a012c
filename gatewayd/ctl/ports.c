/* The ports gatewayd plugs in, as gatewayctl sees them:
 *
 *   tap add NET --user USER [--group GROUP] [--name TAP]   (root, owners)
 *   tap del TAP                                            (root, owners)
 *   taps [--json]
 *   attach IFNAME [NET]   detach IFNAME                    (root)
 *
 * A network's owner (conf: owner) may add a tap on it for themselves
 * (USER is their own name, GROUP one of their groups) and delete a tap
 * so made that is theirs; taps lists the taps of the networks its peer
 * sees.
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
#include "gatewayd/ctl/authz.h"
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

/* An owner's tap is their own: USER's uid is theirs, GROUP one of their
 * groups. The names are looked up as taps_add() looks them up. */
static int tap_for_self(const struct ctl_peer *p, const char *user, const char *group, FILE *f)
{
	struct gw_tap t;
	char err[256];

	if (conf_tap_owner(&t, user, group, err, sizeof(err)) < 0 || t.uid != p->uid ||
	    (group && !ctl_peer_in_group(p, t.gid))) {
		fprintf(f, "permission denied: a tap you add must be yours: --user your own name, "
			   "--group one of your groups\n");
		return CTL_DENIED;
	}
	return CTL_OK;
}

#define OWNER_TAPS_MAX 32 /* run-time taps per owner (root: no cap) */

/* tap add NET --user USER [--group GROUP] [--name TAP] */
static int cmd_tap_add(struct gw_ctx *ctx, int argc, char **argv, const struct ctl_peer *p, FILE *f)
{
	static const char use[] = "tap add NETWORK --user USER [--group GROUP] [--name TAP]";
	const char *net = NULL, *user = NULL, *group = NULL, *name = NULL;
	char made[IFNAMSIZ], err[512];
	long which;
	int code;

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
	if ((code = cmd_pick_managed(ctx, p, net, "add a tap on it", &which, f)) != CTL_OK)
		return code;
	if (!ctl_peer_root(p) && (code = tap_for_self(p, user, group, f)) != CTL_OK)
		return code;
	if (!ctl_peer_root(p)) {
		const struct gw_tap *t;
		bool rt;
		size_t mine = 0;

		/* each tap is a netdev and a bridge port every sync walks */
		for (size_t i = 0; taps_nth(ctx, i, &t, &rt); i++)
			mine += rt && t->uid == p->uid;
		if (mine >= OWNER_TAPS_MAX) {
			fprintf(f,
				"tap add: you have %zu taps, as many as an owner may add (%d); "
				"`gatewayctl tap del TAP` one first\n",
				mine, OWNER_TAPS_MAX);
			return CTL_FAIL;
		}
	}
	/* taps_add() would name the network whose bridge or uplink it is */
	for (size_t i = 0; name && i < ctx->conf->n_networks; i++) {
		const struct gw_network *n = &ctx->conf->networks[i];

		if ((!strcmp(n->bridge, name) || !strcmp(n->uplink, name)) &&
		    !authz_sees(ctx, p, n)) {
			fprintf(f, "tap add: %s is taken: an interface gatewayd uses\n", name);
			return CTL_FAIL;
		}
	}
	if (taps_add(ctx, net, user, group, name, made, err, sizeof(err)) < 0) {
		fprintf(f, "tap add: %s\n", err);
		return CTL_FAIL;
	}
	fprintf(f, "%s\n", made);
	return CTL_OK;
}

/* Is t on a network p sees? */
static bool tap_seen(struct gw_ctx *ctx, const struct ctl_peer *p, const struct gw_tap *t)
{
	long i = cmd_pick(ctx, t->network);

	return i >= 0 && authz_sees(ctx, p, &ctx->conf->networks[i]);
}

/* tap del TAP: root any run-time tap; an owner one of theirs, on a
 * network they manage. Another's tap and no tap get the same words. */
static int cmd_tap_del(struct gw_ctx *ctx, const char *name, const struct ctl_peer *p, FILE *f)
{
	const struct gw_tap *t = NULL;
	bool runtime = false, mine = ctl_peer_root(p);
	char err[512];
	long i;

	for (size_t k = 0; !mine && taps_nth(ctx, k, &t, &runtime); k++)
		if (runtime && !strcmp(t->name, name) && t->uid == p->uid &&
		    (i = cmd_pick(ctx, t->network)) >= 0 &&
		    authz_manages(ctx, p, &ctx->conf->networks[i]))
			mine = true;
	if (!mine) {
		fprintf(f, "permission denied: no tap %s of yours made by gatewayctl tap add\n",
			name);
		return CTL_DENIED;
	}
	if (taps_del(ctx, name, err, sizeof(err)) < 0) {
		fprintf(f, "tap del: %s\n", err);
		return CTL_FAIL;
	}
	fprintf(f, "deleted tap %s\n", name);
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

static int cmd_taps(struct gw_ctx *ctx, const struct ctl_peer *p, bool json, FILE *f)
{
	const struct gw_tap *t;
	struct out o;
	bool runtime;

	out_init(&o, f, json);
	out_table_begin(&o, "taps", "TAP NETWORK USER GROUP FROM STATE");
	for (size_t i = 0; taps_nth(ctx, i, &t, &runtime); i++)
		if (tap_seen(ctx, p, t))
			out_row(&o, 6, t->name, t->network, t->user, t->group,
				runtime ? "gatewayctl" : "config", tap_state(ctx, t->name));
	out_table_end(&o);
	return CTL_OK;
}

int ports_command(struct gw_ctx *ctx, int argc, char **argv, const struct ctl_peer *p, bool json,
		  FILE *f)
{
	char err[512];
	bool add, del;

	if (!strcmp(argv[0], "taps"))
		return cmd_taps(ctx, p, json, f);
	if (!strcmp(argv[0], "tap")) {
		add = argc > 1 && !strcmp(argv[1], "add");
		del = argc > 1 && !strcmp(argv[1], "del");
		if (!add && !del)
			return usage(f,
				     "tap add NETWORK --user USER [--group GROUP] [--name TAP] | "
				     "tap del TAP");
		if (add)
			return cmd_tap_add(ctx, argc, argv, p, f);
		if (argc != 3)
			return usage(f, "tap del TAP");
		return cmd_tap_del(ctx, argv[2], p, f);
	}
	if (!strcmp(argv[0], "attach")) {
		if (argc < 2 || argc > 3)
			return usage(f, "attach IFNAME [NETWORK]");
		if (!ctl_peer_root(p))
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
		if (!ctl_peer_root(p))
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
