/* The taps gatewayd keeps and the ports it attached (see taps.h).
 *
 * Desired state: the config's tap sections, the taps added at run time
 * (state_dir/taps) and the attached ports (state_dir/attached). The taps
 * gatewayd created are listed in state_dir/taps.made before they are
 * created, so that stop and --teardown delete those and no other: a
 * persistent tap that existed before (made by an admin) is adopted --
 * given its owner, plugged in -- and left at stop.
 *
 * A port we plug in is registered before it is enslaved, and the guard
 * (host/hostcheck.c) asks this registry, so it never sees our own port as
 * a foreign one, whatever the network's guest_ports say. */
#include "gatewayd/core/taps.h"
#include "gatewayd/core/bridge.h"
#include "gatewayd/core/guard.h"
#include "gatewayd/core/taps_int.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/host/hostcheck.h"
#include "gatewayd/host/rtnl.h"
#include "gatewayd/host/tun.h"
#include "lib/log.h"
#include "lib/state.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- the registry -------------------------------------------------------- */

long taps_rt_find(const struct gw_taps *t, const char *name)
{
	for (size_t i = 0; t && i < t->n_rt; i++)
		if (!strcmp(t->rt[i].name, name))
			return (long)i;
	return -1;
}

long taps_att_find(const struct gw_taps *t, const char *name)
{
	for (size_t i = 0; t && i < t->n_att; i++)
		if (!strcmp(t->att[i].name, name))
			return (long)i;
	return -1;
}

/* A tap of ours: the config's or one added at run time. */
const struct gw_tap *taps_tap_find(const struct gw_ctx *ctx, const char *name)
{
	long i;

	const struct gw_conf *c = ctx->conf ? ctx->conf : ctx->taps ? ctx->taps->pending : NULL;

	if (c && (i = conf_tap_find(c, name)) >= 0)
		return &c->taps[i];
	if ((i = taps_rt_find(ctx->taps, name)) >= 0)
		return &ctx->taps->rt[i];
	return NULL;
}

const char *taps_origin(const struct gw_ctx *ctx, const char *port)
{
	if (taps_tap_find(ctx, port))
		return "tap";
	if (taps_att_find(ctx->taps, port) >= 0)
		return "script";
	return NULL;
}

bool taps_nth(const struct gw_ctx *ctx, size_t i, const struct gw_tap **t, bool *runtime)
{
	size_t nc = ctx->conf ? ctx->conf->n_taps : 0;

	*runtime = i >= nc;
	if (i < nc)
		*t = &ctx->conf->taps[i];
	else if (ctx->taps && i - nc < ctx->taps->n_rt)
		*t = &ctx->taps->rt[i - nc];
	else
		return false;
	return true;
}

/* hostcheck's question: did gatewayd put this port on network's bridge? */
static bool own_port(const char *network, const char *port, void *arg)
{
	const struct gw_ctx *ctx = arg;
	const struct gw_tap *t = taps_tap_find(ctx, port);
	long a;

	if (t)
		return !strcmp(t->network, network);
	a = taps_att_find(ctx->taps, port);
	if (a < 0 || strcmp(ctx->taps->att[a].net, network))
		return false;
	/* the device attached, not a new one that took its name (asked
	 * before taps_watch() forgets the record in the same loop turn) */
	return !ctx->taps->att[a].ifindex || (int)if_nametoindex(port) == ctx->taps->att[a].ifindex;
}

int taps_load(struct gw_ctx *ctx, const struct gw_conf *conf)
{
	struct gw_taps *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	snprintf(t->dir, sizeof(t->dir), "%s", conf->state_dir);
	t->pending = conf;
	taps_records_load(t);
	taps_free(ctx->taps);
	ctx->taps = t;
	ctx->own.fn = own_port;
	ctx->own.arg = ctx;
	return 0;
}

void taps_free(struct gw_taps *t)
{
	if (!t)
		return;
	free(t->rt);
	free(t->att);
	free(t->applied);
	free(t->macs);
	free(t);
}

/* --- the host ------------------------------------------------------------ */

const struct gw_network *taps_net_find(const struct gw_ctx *ctx, const char *name)
{
	for (size_t i = 0; ctx->conf && i < ctx->conf->n_networks; i++)
		if (!strcmp(ctx->conf->networks[i].name, name))
			return &ctx->conf->networks[i];
	return NULL;
}

/* On its network's bridge and up. 1 if something had to change. */
int taps_plug(struct gw_ctx *ctx, const char *port, int ifindex, const char *network, char *err,
	      size_t errlen)
{
	const struct gw_network *n = taps_net_find(ctx, network);
	struct rtnl_link br, l;
	int r, changed = 0;

	if (!n)
		return fmt_err(err, errlen, "no network \"%s\"", network);
	if ((r = rtnl_link_get(ctx->rtnl, n->bridge, &br)) < 0)
		return fmt_errno(err, errlen, r, "bridge %s of network \"%s\": %s", n->bridge,
				 n->name, strerror(-r));
	if ((r = rtnl_link_get(ctx->rtnl, port, &l)) < 0)
		return fmt_errno(err, errlen, r, "%s: %s", port, strerror(-r));
	if (ifindex && l.ifindex != ifindex) {
		fmt_err(err, errlen, "%s is another device now (ifindex %d, not %d)", port,
			l.ifindex, ifindex);
		return -ESTALE;
	}
	if (guard_tap_tripped(ctx, l.ifindex))
		return fmt_err(
			err, errlen,
			"%s took a guest's MAC or changed its own on the bridge: kept off it "
			"until it is closed",
			port);
	if (l.master != br.ifindex) {
		if ((r = rtnl_link_set_master(ctx->rtnl, l.ifindex, br.ifindex)) < 0)
			return fmt_errno(err, errlen, r, "enslaving %s to bridge %s: %s", port,
					 n->bridge, strerror(-r));
		changed = 1;
	}
	if (!(l.flags & IFF_UP)) {
		if ((r = rtnl_link_set_up(ctx->rtnl, l.ifindex)) < 0)
			return fmt_errno(err, errlen, r, "setting %s up: %s", port, strerror(-r));
		changed = 1;
	}
	return changed;
}

/* The tap exists with its owner: made (and recorded first) if missing,
 * given its owner if another. 1 if it was made. */
int taps_tap_make(struct gw_ctx *ctx, const struct gw_tap *t, char *err, size_t errlen)
{
	struct rtnl_link l;
	struct tun_info ti;
	int r = rtnl_link_get(ctx->rtnl, t->name, &l);

	if (r == 0) {
		if (strcmp(l.kind, "tun") || tun_info_read(t->name, &ti) < 0 || !ti.tap)
			return fmt_err(err, errlen, "%s exists and is not a tap (kind \"%s\")",
				       t->name, l.kind[0] ? l.kind : "physical");
		if (ti.owner == (unsigned)t->uid && ti.group == (unsigned)t->gid)
			return 0;
		/* adopted, or its owner changed in the config */
		if ((r = tun_tap_create(t->name, t->uid, t->gid)) == -EBUSY)
			return fmt_err(err, errlen,
				       "tap %s is open (a guest runs on it): its owner stays "
				       "uid %d until it is closed",
				       t->name, (int)ti.owner);
		return r < 0 ? fmt_errno(err, errlen, r, "tap %s: setting its owner: %s", t->name,
					 strerror(-r))
			     : 0;
	}
	if (r != -ENODEV)
		return fmt_errno(err, errlen, r, "%s: %s", t->name, strerror(-r));
	taps_made_edit(ctx->taps, t->name, true);
	if ((r = tun_tap_create(t->name, t->uid, t->gid)) < 0) {
		taps_made_edit(ctx->taps, t->name, false);
		return fmt_errno(err, errlen, r, "creating tap %s: %s", t->name, strerror(-r));
	}
	/* In gatewayd's netdev group, with its bridges: stop deletes them
	 * all in one go, and only a recorded tap in the group is ours
	 * (core/bridge.h). A config's tap or one of gatewayctl tap add. */
	if ((r = rtnl_link_get(ctx->rtnl, t->name, &l)) < 0 ||
	    (r = rtnl_link_set_group(ctx->rtnl, l.ifindex, GW_NETDEV_GROUP)) < 0)
		log_warnx("tap %s: putting it in netdev group %u: %s; it stays at stop", t->name,
			  GW_NETDEV_GROUP, strerror(-r));
	return 1;
}

/* Delete a tap if gatewayd made it; forget it either way. */
void taps_tap_unmake(struct gw_ctx *ctx, const char *name, const char *why)
{
	struct rtnl_link l;
	int r;

	if (!taps_made(ctx->taps, name))
		return;
	if (rtnl_link_get(ctx->rtnl, name, &l) == 0 && !strcmp(l.kind, "tun") &&
	    !link_in_our_group(&l)) {
		log_warnx("tap %s is on record as gatewayd's but not in its netdev group %u: "
			  "someone else's, left in place",
			  name, GW_NETDEV_GROUP);
	} else if (rtnl_link_get(ctx->rtnl, name, &l) == 0 && !strcmp(l.kind, "tun")) {
		if ((r = rtnl_link_del(ctx->rtnl, l.ifindex)) < 0)
			log_warnx("tap %s: deleting it: %s", name, strerror(-r));
		else
			log_info("deleted tap %s (%s)", name, why);
	}
	taps_made_edit(ctx->taps, name, false);
}

/* One tap as it should be; quiet when it already is. */
static void tap_ensure(struct gw_ctx *ctx, const struct gw_tap *t, bool repair)
{
	char err[300];
	int made_now, r;

	/* At start and reload what cannot be done is said loudly, once; the
	 * watch, which runs on every link event, says it again only in debug. */
	if (!taps_net_find(ctx, t->network)) {
		if (!repair)
			log_warnx("tap %s: its network \"%s\" is not in the config; left as it is",
				  t->name, t->network);
		return;
	}
	if ((made_now = taps_tap_make(ctx, t, err, sizeof(err))) < 0 ||
	    (r = taps_plug(ctx, t->name, 0, t->network, err, sizeof(err))) < 0) {
		if (repair)
			log_debug("tap %s: %s", t->name, err);
		else
			log_err("tap %s: %s", t->name, err);
		return;
	}
	if (made_now && repair)
		log_warnx("tap %s was deleted by someone else; created it again", t->name);
	else if (made_now)
		log_info("network \"%s\": created tap %s for user %s%s%s", t->network, t->name,
			 t->user, t->group[0] ? ", group " : "", t->group);
	else if (r > 0 && repair)
		log_warnx("tap %s: put it back on network \"%s\"'s bridge", t->name, t->network);
}

/* A recorded port is the device that was attached, not whatever has its
 * name now: the kernel reuses names, and a tap0 made for another
 * customer's VM after ours went (while gatewayd was stopped, or between
 * two looks of a busy one) must stay where it is. A record of an older
 * gatewayd (no ifindex) is trusted only for a device already on its
 * network's bridge. */
static bool attached_same(struct gw_ctx *ctx, struct attached *a, const struct rtnl_link *l)
{
	const struct gw_network *n = taps_net_find(ctx, a->net);
	struct rtnl_link br;

	if (a->ifindex)
		return l->ifindex == a->ifindex;
	if (n && l->master && rtnl_link_get(ctx->rtnl, n->bridge, &br) == 0 &&
	    br.ifindex == l->master) {
		a->ifindex = l->ifindex; /* adopted: it is where it was put */
		return true;
	}
	return false;
}

/* Attached ports that are gone are forgotten (their QEMU went), and so are
 * those whose name another device has now (left alone, said once); the
 * others go back on their bridge. */
static void attached_ensure(struct gw_ctx *ctx, const struct host_facts *f,
			    const struct host_change *ch)
{
	struct gw_taps *t = ctx->taps;
	size_t k = 0, n = t->n_att;
	bool save = false, repair = ch != NULL;
	char err[300];

	for (size_t i = 0; i < n; i++) {
		const struct gw_network *net = taps_net_find(ctx, t->att[i].net);
		struct rtnl_link l;
		int r, was = t->att[i].ifindex;

		if (ch && net && !taps_touched(t->att[i].name, net->bridge, f, ch)) {
			t->att[k++] = t->att[i];
			continue;
		}
		if (rtnl_link_get(ctx->rtnl, t->att[i].name, &l) == -ENODEV ||
		    !taps_net_find(ctx, t->att[i].net)) {
			log_info("attached port %s is gone; forgotten", t->att[i].name);
			continue;
		}
		if (!attached_same(ctx, &t->att[i], &l)) {
			if (was)
				log_warnx("attached port %s (ifindex %d) is gone; the %s there now "
					  "(ifindex %d) is another device: left alone, forgotten",
					  t->att[i].name, was, l.name, l.ifindex);
			else
				log_warnx("attached port %s was recorded without its ifindex (an "
					  "older gatewayd) and is not on network \"%s\"'s bridge: "
					  "left alone, forgotten (gatewayctl attach it again)",
					  t->att[i].name, t->att[i].net);
			continue;
		}
		save |= was != t->att[i].ifindex;
		t->att[k++] = t->att[i];
		if ((r = taps_plug(ctx, t->att[i].name, t->att[i].ifindex, t->att[i].net, err,
				   sizeof(err))) < 0)
			(repair ? log_debug : log_err)("attached port %s: %s", t->att[i].name, err);
		else if (r > 0 && repair)
			log_warnx("attached port %s: put it back on network \"%s\"'s bridge",
				  t->att[i].name, t->att[i].net);
	}
	t->n_att = k;
	if (k != n || save)
		taps_save(t);
}

int taps_check(struct gw_ctx *ctx, const struct gw_conf *conf, char *err, size_t errlen)
{
	for (size_t i = 0; i < conf->n_taps; i++) {
		const struct gw_tap *t = &conf->taps[i];
		struct rtnl_link l;
		struct tun_info ti;

		if (rtnl_link_get(ctx->rtnl, t->name, &l) < 0)
			continue;
		if (!strcmp(l.kind, "tun") && tun_info_read(t->name, &ti) == 0 && ti.tap)
			continue;
		return fmt_err(err, errlen,
			       "%s:%d: tap \"%s\": a device of that name exists and is not a tap "
			       "(kind \"%s\"); gatewayd will not touch it: rename the tap",
			       conf->path, t->line, t->name, l.kind[0] ? l.kind : "physical");
	}
	return 0;
}

void taps_apply(struct gw_ctx *ctx)
{
	struct gw_taps *tp = ctx->taps;
	const struct gw_tap *t;
	struct gw_tap *copy;
	bool runtime;

	if (!tp || !ctx->conf)
		return;
	tp->pending = NULL;
	for (size_t i = 0; i < tp->n_applied; i++)
		if (!taps_tap_find(ctx, tp->applied[i].name))
			taps_tap_unmake(ctx, tp->applied[i].name, "its section left the config");
	for (size_t i = 0; taps_nth(ctx, i, &t, &runtime); i++)
		tap_ensure(ctx, t, false);
	attached_ensure(ctx, NULL, NULL);
	copy = malloc((ctx->conf->n_taps + 1) * sizeof(*copy));
	if (!copy)
		return;
	if (ctx->conf->n_taps)
		memcpy(copy, ctx->conf->taps, ctx->conf->n_taps * sizeof(*copy));
	free(tp->applied);
	tp->applied = copy;
	tp->n_applied = ctx->conf->n_taps;
}

bool taps_touched(const char *port, const char *bridge, const struct host_facts *f,
		  const struct host_change *ch)
{
	if (ch->all)
		return true;
	for (size_t k = 0; k < ch->n_links; k++) {
		const struct host_link_change *c = &ch->links[k];
		const struct host_link *l = c->gone ? NULL : host_link_by_index(f, c->ifindex);

		if (!strcmp(c->old_name, port) || !strcmp(c->old_name, bridge) ||
		    (l && (!strcmp(l->name, port) || !strcmp(l->name, bridge))))
			return true;
	}
	return false;
}

void taps_watch(struct gw_ctx *ctx, const struct host_facts *f, const struct host_change *ch)
{
	const struct gw_network *n;
	const struct gw_tap *t;
	bool runtime;

	if (!ctx->taps || !ctx->conf)
		return;
	for (size_t i = 0; taps_nth(ctx, i, &t, &runtime); i++)
		if (!(n = taps_net_find(ctx, t->network)) ||
		    taps_touched(t->name, n->bridge, f, ch))
			tap_ensure(ctx, t, true);
	attached_ensure(ctx, f, ch);
}

void taps_stop(struct gw_ctx *ctx, struct links_del *del)
{
	const struct gw_tap *t;
	struct rtnl_link tl;
	bool runtime;

	if (!ctx->taps)
		return;
	for (size_t i = 0; ctx->conf && taps_nth(ctx, i, &t, &runtime); i++) {
		/* with the bridges, in one go (its record goes when it is gone) */
		if (taps_made(ctx->taps, t->name) && rtnl_link_get(ctx->rtnl, t->name, &tl) == 0 &&
		    !strcmp(tl.kind, "tun") && link_in_our_group(&tl) &&
		    links_del_add(del, &tl, "tap", STATE_TAPS_MADE) == 0)
			continue;
		taps_tap_unmake(ctx, t->name, "gatewayd stops");
	}
	/* Off the bridges: a bridge that is not ours stays, and the next
	 * start puts them back. */
	for (size_t i = 0; i < ctx->taps->n_att; i++) {
		struct rtnl_link l;

		if (rtnl_link_get(ctx->rtnl, ctx->taps->att[i].name, &l) == 0 && l.master &&
		    l.ifindex == ctx->taps->att[i].ifindex)
			rtnl_link_set_master(ctx->rtnl, l.ifindex, 0);
	}
	ctx->own.fn = NULL;
}
