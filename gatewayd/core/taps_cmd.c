/* gatewayctl's tap add/del and attach/detach, carried out on the registry
 * of taps.c: each checks what it is given against the config, the
 * registry and the host first, then changes the host, then the records. */
#include "gatewayd/core/taps.h"
#include "gatewayd/core/taps_int.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/host/rtnl.h"
#include "gatewayd/host/tun.h"
#include "lib/log.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What else the name is: the config's bridges, uplinks and taps, the
 * uplinks in force, our run-time taps and attached ports. */
static const char *name_taken(const struct gw_ctx *ctx, const char *name, char *buf, size_t len)
{
	const char *c = conf_tap_clash(ctx->conf, name, -1, buf, len);

	if (c)
		return c;
	/* gwb + an ifindex: the IFB devices of bandwidth limits (core/shaping.c) */
	if (!strncmp(name, "gwb", 3) && name[3] >= '0' && name[3] <= '9')
		return "a name gatewayd keeps for its IFB devices (gwb + a number)";
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		if (!strcmp(ctx->nets[i].uplink, name))
			return "an uplink in use";
	if (taps_rt_find(ctx->taps, name) >= 0)
		return "a tap gatewayd keeps already";
	if (taps_att_find(ctx->taps, name) >= 0)
		return "an attached port";
	return NULL;
}

static int free_name(struct gw_ctx *ctx, char out[IFNAMSIZ])
{
	char buf[80];

	for (unsigned k = 0; k < 10000; k++) {
		struct rtnl_link l;

		snprintf(out, IFNAMSIZ, "gwtap%u", k);
		if (!name_taken(ctx, out, buf, sizeof(buf)) &&
		    rtnl_link_get(ctx->rtnl, out, &l) == -ENODEV)
			return 0;
	}
	return -ENOSPC;
}

int taps_add(struct gw_ctx *ctx, const char *net, const char *user, const char *group,
	     const char *name, char out[IFNAMSIZ], char *err, size_t errlen)
{
	struct gw_taps *t = ctx->taps;
	struct gw_tap tap = { 0 }, *v;
	struct rtnl_link l;
	const char *what;
	char buf[80];
	int r;

	if (!taps_net_find(ctx, net))
		return fmt_err(err, errlen, "no network \"%s\"", net);
	if ((r = conf_tap_owner(&tap, user, group, err, errlen)) < 0)
		return r;
	if (name && !name_ifname(name))
		return fmt_err(err, errlen,
			       "\"%s\" is not a valid interface name (1-15 letters, digits, "
			       "'-', '_' or '.')",
			       name);
	if (name && (what = name_taken(ctx, name, buf, sizeof(buf))))
		return fmt_err(err, errlen, "%s is %s", name, what);
	if (name && rtnl_link_get(ctx->rtnl, name, &l) == 0)
		return fmt_err(err, errlen,
			       "a device %s exists already (kind \"%s\"); a tap of its own needs "
			       "another name (gatewayctl attach plugs an existing tap in)",
			       name, l.kind[0] ? l.kind : "physical");
	if (!name && free_name(ctx, tap.name) < 0)
		return fmt_err(err, errlen, "no free gwtapN name");
	if (name)
		snprintf(tap.name, sizeof(tap.name), "%s", name);
	snprintf(tap.network, sizeof(tap.network), "%s", net);
	if (!(v = realloc(t->rt, (t->n_rt + 1) * sizeof(*v))))
		return fmt_errno(err, errlen, -ENOMEM, "out of memory");
	t->rt = v;
	if ((r = taps_tap_make(ctx, &tap, err, errlen)) < 0)
		return r;
	t->rt[t->n_rt++] = tap;
	/* taps_plug() wrote its own message */
	if ((r = taps_plug(ctx, tap.name, 0, net, err, errlen)) >= 0 && (r = taps_save(t)) < 0)
		fmt_errno(err, errlen, r, "%s/%s: %s", t->dir, STATE_TAPS, strerror(-r));
	if (r < 0) {
		t->n_rt--;
		taps_tap_unmake(ctx, tap.name, "it could not be set up");
		return r;
	}
	log_info("network \"%s\": created tap %s for user %s%s%s (gatewayctl tap add)", net,
		 tap.name, tap.user, tap.group[0] ? ", group " : "", tap.group);
	memcpy(out, tap.name, IFNAMSIZ);
	return 0;
}

int taps_del(struct gw_ctx *ctx, const char *name, char *err, size_t errlen)
{
	struct gw_taps *t = ctx->taps;
	long i = taps_rt_find(t, name);

	if (i < 0 && ctx->conf && conf_tap_find(ctx->conf, name) >= 0)
		return fmt_err(err, errlen,
			       "tap %s is defined in %s: remove its section and reload", name,
			       ctx->conf->path);
	if (i < 0)
		return fmt_err(err, errlen, "no tap %s made by gatewayctl tap add", name);
	memmove(&t->rt[i], &t->rt[i + 1], (t->n_rt - (size_t)i - 1) * sizeof(*t->rt));
	t->n_rt--;
	taps_tap_unmake(ctx, name, "gatewayctl tap del");
	taps_save(t);
	return 0;
}

const struct gw_network *taps_default_network(const struct gw_ctx *ctx)
{
	const struct gw_network *n = taps_net_find(ctx, "default");

	return n ? n : ctx->conf->n_networks == 1 ? &ctx->conf->networks[0] : NULL;
}

static const struct gw_network *default_net(const struct gw_ctx *ctx, char *err, size_t errlen)
{
	const struct gw_network *n = taps_default_network(ctx);

	if (!n)
		fmt_err(err, errlen,
			"no network named \"default\" and %zu networks: say which one "
			"(gatewayctl attach IFNAME NETWORK, or GATEWAYD_NETWORK=NETWORK for the "
			"QEMU scripts)",
			ctx->conf->n_networks);
	return n;
}

/* A tap that is something else already: a network's uplink (a VPN's tap
 * may be one: enslaved, the host loses that uplink and the guests get its
 * wire), or a port of a bridge that is not this network's and that
 * gatewayctl attach did not put it on (an admin's bridge, a guest of
 * another network): not gatewayd's to take. NULL if it may be attached. */
static const char *attach_clash(const struct gw_ctx *ctx, const struct rtnl_link *l,
				const struct gw_network *n, bool ours, char *buf, size_t len)
{
	const char *c = conf_tap_clash(ctx->conf, l->name, -1, buf, len);
	struct rtnl_link br;
	char master[IF_NAMESIZE];

	if (c)
		return c;
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		if (!strcmp(ctx->nets[i].uplink, l->name))
			return "an uplink in use";
	if (!l->master || ours ||
	    (rtnl_link_get(ctx->rtnl, n->bridge, &br) == 0 && br.ifindex == l->master))
		return NULL;
	snprintf(buf, len,
		 "a port of bridge %s already (take it off first: ip link set %s nomaster)",
		 if_indextoname((unsigned)l->master, master) ? master : "?", l->name);
	return buf;
}

int taps_attach(struct gw_ctx *ctx, const char *ifname, const char *net, char *err, size_t errlen)
{
	struct gw_taps *t = ctx->taps;
	const struct gw_network *n = net ? taps_net_find(ctx, net) : default_net(ctx, err, errlen);
	struct attached *v;
	struct rtnl_link l;
	const char *what;
	struct tun_info ti;
	bool fresh, ours;
	char buf[120];
	long i;
	int r;

	if (!n)
		return net ? fmt_err(err, errlen, "no network \"%s\"", net) : -GW_EREFUSED;
	if (!name_ifname(ifname))
		return fmt_err(err, errlen, "\"%s\" is not a valid interface name", ifname);
	if ((r = rtnl_link_get(ctx->rtnl, ifname, &l)) < 0)
		return fmt_errno(err, errlen, r, "%s: %s", ifname,
				 r == -ENODEV ? "no such device" : strerror(-r));
	if (strcmp(l.kind, "tun") || tun_info_read(ifname, &ti) < 0 || !ti.tap)
		return fmt_err(err, errlen,
			       "%s is not a tap device (kind \"%s\"): only a guest's tap may be "
			       "attached",
			       ifname, l.kind[0] ? l.kind : "physical");
	if (taps_tap_find(ctx, ifname))
		return fmt_err(err, errlen, "%s is a tap gatewayd keeps; it is attached already",
			       ifname);
	/* ours: the very device attached before, not one that took its name */
	i = taps_att_find(t, ifname);
	ours = i >= 0 && t->att[i].ifindex == l.ifindex;
	if ((what = attach_clash(ctx, &l, n, ours, buf, sizeof(buf))))
		return fmt_err(err, errlen, "%s is %s", ifname, what);
	if (i >= 0 && !ours) { /* the recorded device is gone: a new record */
		t->n_att--;
		memmove(&t->att[i], &t->att[i + 1], (t->n_att - (size_t)i) * sizeof(*t->att));
		i = -1;
	}
	if ((fresh = i < 0)) {
		if (!(v = realloc(t->att, (t->n_att + 1) * sizeof(*v))))
			return fmt_errno(err, errlen, -ENOMEM, "out of memory");
		t->att = v;
		i = (long)t->n_att++;
	}
	/* registered before it is enslaved: the guard counts it a guest port */
	snprintf(t->att[i].name, IFNAMSIZ, "%s", ifname);
	snprintf(t->att[i].net, sizeof(t->att[i].net), "%s", n->name);
	t->att[i].ifindex = l.ifindex;
	if ((r = taps_plug(ctx, ifname, l.ifindex, n->name, err, errlen)) < 0) {
		if (fresh)
			t->n_att--; /* the last one */
		return r;
	}
	if ((r = taps_save(t)) < 0)
		log_warnx("%s/%s: %s; %s will not be attached again after a restart", t->dir,
			  STATE_ATTACHED, strerror(-r), ifname);
	log_info("network \"%s\": attached %s to bridge %s", n->name, ifname, n->bridge);
	return 0;
}

int taps_detach(struct gw_ctx *ctx, const char *ifname, char *err, size_t errlen)
{
	struct gw_taps *t = ctx->taps;
	long i = taps_att_find(t, ifname);
	struct rtnl_link l;

	if (i < 0)
		return fmt_err(err, errlen, "%s was not attached with gatewayctl attach", ifname);
	/* the device attached, not another that took its name since */
	if (rtnl_link_get(ctx->rtnl, ifname, &l) == 0 && l.master &&
	    (!t->att[i].ifindex || l.ifindex == t->att[i].ifindex))
		rtnl_link_set_master(ctx->rtnl, l.ifindex, 0);
	log_info("network \"%s\": detached %s", t->att[i].net, ifname);
	t->n_att--;
	memmove(&t->att[i], &t->att[i + 1], (t->n_att - (size_t)i) * sizeof(*t->att));
	taps_save(t);
	return 0;
}
