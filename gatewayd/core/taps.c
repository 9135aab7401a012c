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
#include "gatewayd/core/ctx.h"
#include "gatewayd/host/hostcheck.h"
#include "gatewayd/host/rtnl.h"
#include "gatewayd/host/tun.h"
#include "lib/log.h"
#include "lib/state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct attached {
	char name[IFNAMSIZ];
	char net[NAME_NET_MAX + 1];
};

struct gw_taps {
	struct gw_tap *rt; /* added at run time */
	size_t n_rt;
	struct attached *att;
	size_t n_att;
	/* the config's taps as last applied: those that leave it are deleted */
	struct gw_tap *applied;
	size_t n_applied;
	char dir[GW_PATH_MAX]; /* state_dir */
};

/* --- records ------------------------------------------------------------- */

int taps_parse_tap(const char *line, struct gw_tap *t)
{
	char name[32], net[64], user[GW_TAP_USER_MAX], group[GW_TAP_USER_MAX], err[160];

	if (sscanf(line, "%31s %63s %63s %63s", name, net, user, group) != 4 ||
	    !name_ifname(name) || !name_netname(net))
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	strcpy(t->name, name);
	strcpy(t->network, net);
	return conf_tap_owner(t, user, strcmp(group, "-") ? group : NULL, err, sizeof(err)) < 0
		       ? -EINVAL
		       : 0;
}

int taps_parse_attached(const char *line, char name[IFNAMSIZ], char net[NAME_NET_MAX + 1])
{
	char a[32], b[64];

	if (sscanf(line, "%31s %63s", a, b) != 2 || !name_ifname(a) || !name_netname(b))
		return -EINVAL;
	strcpy(name, a);
	strcpy(net, b);
	return 0;
}

static void rec_path(const struct gw_taps *t, const char *file, char *buf, size_t len)
{
	state_path(t->dir, file, buf, len);
}

static int fill_taps(FILE *f, void *arg)
{
	const struct gw_taps *t = arg;

	for (size_t i = 0; i < t->n_rt; i++)
		fprintf(f, "%s %s %s %s\n", t->rt[i].name, t->rt[i].network, t->rt[i].user,
			t->rt[i].group[0] ? t->rt[i].group : "-");
	return 0;
}

static int fill_attached(FILE *f, void *arg)
{
	const struct gw_taps *t = arg;

	for (size_t i = 0; i < t->n_att; i++)
		fprintf(f, "%s %s\n", t->att[i].name, t->att[i].net);
	return 0;
}

static int save(const struct gw_taps *t)
{
	char path[GW_PATH_MAX + 32];
	int r;

	rec_path(t, STATE_TAPS, path, sizeof(path));
	if ((r = state_file_write(path, 0600, fill_taps, (void *)t)) < 0)
		return r;
	rec_path(t, STATE_ATTACHED, path, sizeof(path));
	return state_file_write(path, 0600, fill_attached, (void *)t);
}

static void made_edit(const struct gw_taps *t, const char *name, bool add)
{
	char path[GW_PATH_MAX + 32];

	rec_path(t, STATE_TAPS_MADE, path, sizeof(path));
	if (add)
		state_names_add(path, name);
	else
		state_names_remove(path, name);
}

static bool made(const struct gw_taps *t, const char *name)
{
	char path[GW_PATH_MAX + 32];

	rec_path(t, STATE_TAPS_MADE, path, sizeof(path));
	return state_names_has(path, name);
}

/* Each line of path through one(); lines that do not parse are skipped. */
static void read_lines(const char *path, void (*one)(struct gw_taps *t, const char *line),
		       struct gw_taps *t)
{
	FILE *f = fopen(path, "re");
	char line[256];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		one(t, line);
	fclose(f);
}

static void load_tap(struct gw_taps *t, const char *line)
{
	struct gw_tap tap, *v;

	if (taps_parse_tap(line, &tap) < 0) {
		log_warnx("%s/%s: skipping \"%.*s\" (a bad line, or its user or group is gone)",
			  t->dir, STATE_TAPS, (int)strcspn(line, "\n"), line);
		return;
	}
	if (!(v = realloc(t->rt, (t->n_rt + 1) * sizeof(*v))))
		return;
	t->rt = v;
	t->rt[t->n_rt++] = tap;
}

static void load_attached(struct gw_taps *t, const char *line)
{
	struct attached a, *v;

	if (taps_parse_attached(line, a.name, a.net) < 0 ||
	    !(v = realloc(t->att, (t->n_att + 1) * sizeof(*v))))
		return;
	t->att = v;
	t->att[t->n_att++] = a;
}

/* --- the registry -------------------------------------------------------- */

static long rt_find(const struct gw_taps *t, const char *name)
{
	for (size_t i = 0; t && i < t->n_rt; i++)
		if (!strcmp(t->rt[i].name, name))
			return (long)i;
	return -1;
}

static long att_find(const struct gw_taps *t, const char *name)
{
	for (size_t i = 0; t && i < t->n_att; i++)
		if (!strcmp(t->att[i].name, name))
			return (long)i;
	return -1;
}

/* A tap of ours: the config's or one added at run time. */
static const struct gw_tap *tap_find(const struct gw_ctx *ctx, const char *name)
{
	long i;

	if (ctx->conf && (i = conf_tap_find(ctx->conf, name)) >= 0)
		return &ctx->conf->taps[i];
	if ((i = rt_find(ctx->taps, name)) >= 0)
		return &ctx->taps->rt[i];
	return NULL;
}

const char *taps_origin(const struct gw_ctx *ctx, const char *port)
{
	if (tap_find(ctx, port))
		return "tap";
	if (att_find(ctx->taps, port) >= 0)
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
	const struct gw_tap *t = tap_find(ctx, port);
	long a;

	if (t)
		return !strcmp(t->network, network);
	a = att_find(ctx->taps, port);
	return a >= 0 && !strcmp(ctx->taps->att[a].net, network);
}

int taps_load(struct gw_ctx *ctx, const struct gw_conf *conf)
{
	struct gw_taps *t = calloc(1, sizeof(*t));
	char path[GW_PATH_MAX + 32];

	if (!t)
		return -ENOMEM;
	snprintf(t->dir, sizeof(t->dir), "%s", conf->state_dir);
	rec_path(t, STATE_TAPS, path, sizeof(path));
	read_lines(path, load_tap, t);
	rec_path(t, STATE_ATTACHED, path, sizeof(path));
	read_lines(path, load_attached, t);
	taps_free(ctx->taps);
	ctx->taps = t;
	hostcheck_set_own(own_port, ctx);
	return 0;
}

void taps_free(struct gw_taps *t)
{
	if (!t)
		return;
	hostcheck_set_own(NULL, NULL); /* it asked this registry */
	free(t->rt);
	free(t->att);
	free(t->applied);
	free(t);
}

/* --- the host ------------------------------------------------------------ */

static const struct gw_network *net_find(const struct gw_ctx *ctx, const char *name)
{
	for (size_t i = 0; ctx->conf && i < ctx->conf->n_networks; i++)
		if (!strcmp(ctx->conf->networks[i].name, name))
			return &ctx->conf->networks[i];
	return NULL;
}

/* On its network's bridge and up. 1 if something had to change. */
static int plug(struct gw_ctx *ctx, const char *port, const char *network, char *err, size_t errlen)
{
	const struct gw_network *n = net_find(ctx, network);
	struct rtnl_link br, l;
	int r, changed = 0;

	if (!n)
		return fmt_err(err, errlen, "no network \"%s\"", network);
	if ((r = rtnl_link_get(ctx->rtnl, n->bridge, &br)) < 0)
		return fmt_err(err, errlen, "bridge %s of network \"%s\": %s", n->bridge, n->name,
			       strerror(-r));
	if ((r = rtnl_link_get(ctx->rtnl, port, &l)) < 0)
		return fmt_err(err, errlen, "%s: %s", port, strerror(-r));
	if (l.master != br.ifindex) {
		if ((r = rtnl_link_set_master(ctx->rtnl, l.ifindex, br.ifindex)) < 0)
			return fmt_err(err, errlen, "enslaving %s to bridge %s: %s", port,
				       n->bridge, strerror(-r));
		changed = 1;
	}
	if (!(l.flags & IFF_UP)) {
		if ((r = rtnl_link_set_up(ctx->rtnl, l.ifindex)) < 0)
			return fmt_err(err, errlen, "setting %s up: %s", port, strerror(-r));
		changed = 1;
	}
	return changed;
}

/* The tap exists with its owner: made (and recorded first) if missing,
 * given its owner if another. 1 if it was made. */
static int tap_make(struct gw_ctx *ctx, const struct gw_tap *t, char *err, size_t errlen)
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
		return r < 0 ? fmt_err(err, errlen, "tap %s: setting its owner: %s", t->name,
				       strerror(-r))
			     : 0;
	}
	if (r != -ENODEV)
		return fmt_err(err, errlen, "%s: %s", t->name, strerror(-r));
	made_edit(ctx->taps, t->name, true);
	if ((r = tun_tap_create(t->name, t->uid, t->gid)) < 0) {
		made_edit(ctx->taps, t->name, false);
		return fmt_err(err, errlen, "creating tap %s: %s", t->name, strerror(-r));
	}
	return 1;
}

/* Delete a tap if gatewayd made it; forget it either way. */
static void tap_unmake(struct gw_ctx *ctx, const char *name, const char *why)
{
	struct rtnl_link l;
	int r;

	if (!made(ctx->taps, name))
		return;
	if (rtnl_link_get(ctx->rtnl, name, &l) == 0 && !strcmp(l.kind, "tun")) {
		if ((r = rtnl_link_del(ctx->rtnl, l.ifindex)) < 0)
			log_warnx("tap %s: deleting it: %s", name, strerror(-r));
		else
			log_info("deleted tap %s (%s)", name, why);
	}
	made_edit(ctx->taps, name, false);
}

/* One tap as it should be; quiet when it already is. */
static void tap_ensure(struct gw_ctx *ctx, const struct gw_tap *t, bool repair)
{
	char err[300];
	int made_now, r;

	if (!net_find(ctx, t->network)) {
		log_warnx("tap %s: its network \"%s\" is not in the config; left as it is", t->name,
			  t->network);
		return;
	}
	if ((made_now = tap_make(ctx, t, err, sizeof(err))) < 0 ||
	    (r = plug(ctx, t->name, t->network, err, sizeof(err))) < 0) {
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

/* Attached ports that are gone are forgotten (their QEMU went); the
 * others go back on their bridge. */
static void attached_ensure(struct gw_ctx *ctx, bool repair)
{
	struct gw_taps *t = ctx->taps;
	size_t k = 0, n = t->n_att;
	char err[300];

	for (size_t i = 0; i < n; i++) {
		struct rtnl_link l;
		int r;

		if (rtnl_link_get(ctx->rtnl, t->att[i].name, &l) == -ENODEV ||
		    !net_find(ctx, t->att[i].net)) {
			log_info("attached port %s is gone; forgotten", t->att[i].name);
			continue;
		}
		t->att[k++] = t->att[i];
		if ((r = plug(ctx, t->att[i].name, t->att[i].net, err, sizeof(err))) < 0)
			log_err("attached port %s: %s", t->att[i].name, err);
		else if (r > 0 && repair)
			log_warnx("attached port %s: put it back on network \"%s\"'s bridge",
				  t->att[i].name, t->att[i].net);
	}
	t->n_att = k;
	if (k != n)
		save(t);
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
	for (size_t i = 0; i < tp->n_applied; i++)
		if (!tap_find(ctx, tp->applied[i].name))
			tap_unmake(ctx, tp->applied[i].name, "its section left the config");
	for (size_t i = 0; taps_nth(ctx, i, &t, &runtime); i++)
		tap_ensure(ctx, t, false);
	attached_ensure(ctx, false);
	copy = malloc((ctx->conf->n_taps + 1) * sizeof(*copy));
	if (!copy)
		return;
	if (ctx->conf->n_taps)
		memcpy(copy, ctx->conf->taps, ctx->conf->n_taps * sizeof(*copy));
	free(tp->applied);
	tp->applied = copy;
	tp->n_applied = ctx->conf->n_taps;
}

void taps_watch(struct gw_ctx *ctx)
{
	const struct gw_tap *t;
	bool runtime;

	if (!ctx->taps || !ctx->conf)
		return;
	for (size_t i = 0; taps_nth(ctx, i, &t, &runtime); i++)
		tap_ensure(ctx, t, true);
	attached_ensure(ctx, true);
}

void taps_stop(struct gw_ctx *ctx)
{
	const struct gw_tap *t;
	bool runtime;

	if (!ctx->taps)
		return;
	for (size_t i = 0; ctx->conf && taps_nth(ctx, i, &t, &runtime); i++)
		tap_unmake(ctx, t->name, "gatewayd stops");
	/* Off the bridges: a bridge that is not ours stays, and the next
	 * start puts them back. */
	for (size_t i = 0; i < ctx->taps->n_att; i++) {
		struct rtnl_link l;

		if (rtnl_link_get(ctx->rtnl, ctx->taps->att[i].name, &l) == 0 && l.master)
			rtnl_link_set_master(ctx->rtnl, l.ifindex, 0);
	}
	hostcheck_set_own(NULL, NULL);
}

int taps_teardown(const struct gw_conf *conf)
{
	char path[GW_PATH_MAX + 32], (*names)[IFNAMSIZ] = NULL;
	struct rtnl *rt = NULL;
	size_t n = 0;
	int removed = 0;

	state_path(conf->state_dir, STATE_TAPS_MADE, path, sizeof(path));
	if (state_names_read(path, &names, &n) < 0 || !n || rtnl_open(&rt) < 0) {
		free(names);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct rtnl_link l;

		if (rtnl_link_get(rt, names[i], &l) == 0 && !strcmp(l.kind, "tun") &&
		    rtnl_link_del(rt, l.ifindex) == 0) {
			log_info("teardown: deleted tap %s", names[i]);
			removed++;
		}
	}
	rtnl_close(rt);
	free(names);
	unlink(path);
	return removed;
}

/* --- the commands -------------------------------------------------------- */

/* What else the name is: the config's bridges, uplinks and taps, the
 * uplinks in force, our run-time taps and attached ports. */
static const char *name_taken(const struct gw_ctx *ctx, const char *name, char *buf, size_t len)
{
	const char *c = conf_tap_clash(ctx->conf, name, -1, buf, len);

	if (c)
		return c;
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		if (!strcmp(ctx->nets[i].uplink, name))
			return "an uplink in use";
	if (rt_find(ctx->taps, name) >= 0)
		return "a tap gatewayd keeps already";
	if (att_find(ctx->taps, name) >= 0)
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

	if (!net_find(ctx, net))
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
		return fmt_err(err, errlen, "out of memory");
	t->rt = v;
	if ((r = tap_make(ctx, &tap, err, errlen)) < 0)
		return r;
	t->rt[t->n_rt++] = tap;
	if ((r = plug(ctx, tap.name, net, err, errlen)) < 0 || (r = save(t)) < 0) {
		if (r != -EINVAL)
			fmt_err(err, errlen, "%s/%s: %s", t->dir, STATE_TAPS, strerror(-r));
		t->n_rt--;
		tap_unmake(ctx, tap.name, "it could not be set up");
		return -EINVAL;
	}
	log_info("network \"%s\": created tap %s for user %s%s%s (gatewayctl tap add)", net,
		 tap.name, tap.user, tap.group[0] ? ", group " : "", tap.group);
	memcpy(out, tap.name, IFNAMSIZ);
	return 0;
}

int taps_del(struct gw_ctx *ctx, const char *name, char *err, size_t errlen)
{
	struct gw_taps *t = ctx->taps;
	long i = rt_find(t, name);

	if (i < 0 && ctx->conf && conf_tap_find(ctx->conf, name) >= 0)
		return fmt_err(err, errlen,
			       "tap %s is defined in %s: remove its section and reload", name,
			       ctx->conf->path);
	if (i < 0)
		return fmt_err(err, errlen, "no tap %s made by gatewayctl tap add", name);
	memmove(&t->rt[i], &t->rt[i + 1], (t->n_rt - (size_t)i - 1) * sizeof(*t->rt));
	t->n_rt--;
	tap_unmake(ctx, name, "gatewayctl tap del");
	save(t);
	return 0;
}

/* The network an attach without one goes to. */
static const struct gw_network *default_net(const struct gw_ctx *ctx, char *err, size_t errlen)
{
	const struct gw_network *n = net_find(ctx, "default");

	if (n)
		return n;
	if (ctx->conf->n_networks == 1)
		return &ctx->conf->networks[0];
	fmt_err(err, errlen,
		"no network named \"default\" and %zu networks: say which one "
		"(gatewayctl attach IFNAME NETWORK, or GATEWAYD_NETWORK=NETWORK for the QEMU "
		"scripts)",
		ctx->conf->n_networks);
	return NULL;
}

int taps_attach(struct gw_ctx *ctx, const char *ifname, const char *net, char *err, size_t errlen)
{
	struct gw_taps *t = ctx->taps;
	const struct gw_network *n = net ? net_find(ctx, net) : default_net(ctx, err, errlen);
	struct attached *v;
	struct rtnl_link l;
	struct tun_info ti;
	long i;
	int r;

	if (!n)
		return net ? fmt_err(err, errlen, "no network \"%s\"", net) : -EINVAL;
	if (!name_ifname(ifname))
		return fmt_err(err, errlen, "\"%s\" is not a valid interface name", ifname);
	if ((r = rtnl_link_get(ctx->rtnl, ifname, &l)) < 0)
		return fmt_err(err, errlen, "%s: %s", ifname,
			       r == -ENODEV ? "no such device" : strerror(-r));
	if (strcmp(l.kind, "tun") || tun_info_read(ifname, &ti) < 0 || !ti.tap)
		return fmt_err(err, errlen,
			       "%s is not a tap device (kind \"%s\"): only a guest's tap may be "
			       "attached",
			       ifname, l.kind[0] ? l.kind : "physical");
	if (tap_find(ctx, ifname))
		return fmt_err(err, errlen, "%s is a tap gatewayd keeps; it is attached already",
			       ifname);
	if ((i = att_find(t, ifname)) < 0) {
		if (!(v = realloc(t->att, (t->n_att + 1) * sizeof(*v))))
			return fmt_err(err, errlen, "out of memory");
		t->att = v;
		i = (long)t->n_att++;
	}
	/* registered before it is enslaved: the guard counts it a guest port */
	snprintf(t->att[i].name, IFNAMSIZ, "%s", ifname);
	snprintf(t->att[i].net, sizeof(t->att[i].net), "%s", n->name);
	if ((r = plug(ctx, ifname, n->name, err, errlen)) < 0) {
		t->n_att--;
		memmove(&t->att[i], &t->att[i + 1], (t->n_att - (size_t)i) * sizeof(*t->att));
		return r;
	}
	if ((r = save(t)) < 0)
		log_warnx("%s/%s: %s; %s will not be attached again after a restart", t->dir,
			  STATE_ATTACHED, strerror(-r), ifname);
	log_info("network \"%s\": attached %s to bridge %s", n->name, ifname, n->bridge);
	return 0;
}

int taps_detach(struct gw_ctx *ctx, const char *ifname, char *err, size_t errlen)
{
	struct gw_taps *t = ctx->taps;
	long i = att_find(t, ifname);
	struct rtnl_link l;

	if (i < 0)
		return fmt_err(err, errlen, "%s was not attached with gatewayctl attach", ifname);
	if (rtnl_link_get(ctx->rtnl, ifname, &l) == 0 && l.master)
		rtnl_link_set_master(ctx->rtnl, l.ifindex, 0);
	log_info("network \"%s\": detached %s", t->att[i].net, ifname);
	t->n_att--;
	memmove(&t->att[i], &t->att[i + 1], (t->n_att - (size_t)i) * sizeof(*t->att));
	save(t);
	return 0;
}
