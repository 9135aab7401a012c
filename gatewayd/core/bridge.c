/* A network's bridge on the host: created (or adopted), its stable MAC,
 * its addresses, up; taken down again. And the global forwarding
 * sysctls. Used by apply (start, reload) and by the watch's repairs. */
#include "gatewayd/core/bridge.h"
#include "conf/addr.h"
#include "lib/log.h"
#include "lib/state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool bridge_listed(const struct gw_conf *conf, const char *bridge)
{
	char path[GW_PATH_MAX + 32];

	state_path(conf->state_dir, STATE_BRIDGES, path, sizeof(path));
	return state_names_has(path, bridge);
}

int bridge_forwarding_undo(struct gw_ctx *ctx, const struct gw_conf *conf, bool v6,
			   struct sysctl_undo *u)
{
	char path[GW_PATH_MAX + 32];
	int r, changed;

	state_path(conf->state_dir, STATE_SYSCTL, path, sizeof(path));
	r = changed =
		sysctl_ensure_undo(&ctx->sysctls, SYSCTL_ROOT, "net/ipv4/ip_forward", "1", path, u);
	if (r >= 0 && v6) {
		r = sysctl_ensure_undo(&ctx->sysctls, SYSCTL_ROOT, "net/ipv6/conf/all/forwarding",
				       "1", path, u);
		changed |= r;
	}
	return r < 0 ? r : changed;
}

int bridge_forwarding(struct gw_ctx *ctx, const struct gw_conf *conf, bool v6)
{
	return bridge_forwarding_undo(ctx, conf, v6, NULL);
}

/* The bridge is a router on a segment gatewayd owns:
 * - no DAD: its link-local address is usable at once (the start-time probe
 *   solicits routers from it, and answers their neighbour solicitations);
 * - no accept_ra/autoconf: it must not configure itself from RAs that a
 *   guest might send. */
static int bridge_sysctls(const struct gw_network *n)
{
	static const char *const keys[] = { "accept_dad", "accept_ra", "autoconf" };
	char key[128];
	int r;

	if (access(SYSCTL_ROOT "/net/ipv6", F_OK) < 0)
		return 0; /* IPv6 off on this host */
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(key, sizeof(key), "net/ipv6/conf/%s/%s", n->bridge, keys[i]);
		if ((r = sysctl_write(SYSCTL_ROOT, key, "0")) < 0)
			return r;
	}
	return 0;
}

int bridge_up(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
	      struct gw_net_rt *rt, char *err, size_t errlen)
{
	return bridge_up_recorded(ctx, conf, n, rt, false, err, errlen);
}

int bridge_up_recorded(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
		       struct gw_net_rt *rt, bool recorded, char *err, size_t errlen)
{
	char path[GW_PATH_MAX + 32];
	struct rtnl_link l;
	uint8_t mac[6];
	int r;

	state_path(conf->state_dir, STATE_BRIDGES, path, sizeof(path));
	r = rtnl_link_get(ctx->rtnl, n->bridge, &l);
	if (r == -ENODEV) {
		/* Record first: a crash right after creating still finds it. */
		if (!recorded && (r = state_names_add(path, n->bridge)) < 0)
			return fmt_errno(err, errlen, r, "%s: %s", path, strerror(-r));
		addr_bridge_mac(n->name, mac);
		if ((r = rtnl_bridge_create(ctx->rtnl, n->bridge, mac, GW_NETDEV_GROUP)) < 0) {
			state_names_remove(path, n->bridge);
			return fmt_errno(err, errlen, r,
					 "network \"%s\": creating bridge \"%s\": %s", n->name,
					 n->bridge, strerror(-r));
		}
		rt->created_bridge = true;
		log_info("network \"%s\": created bridge %s", n->name, n->bridge);
		r = rtnl_link_get(ctx->rtnl, n->bridge, &l);
	} else if (r == 0 && recorded) {
		/* someone made it since it was found missing and recorded: not
		 * ours */
		state_names_remove(path, n->bridge);
		rt->created_bridge = false;
	} else if (r == 0 && bridge_listed(conf, n->bridge) && !link_in_our_group(&l)) {
		/* on record but not in our group: a name recorded before a
		 * crash, taken since by someone else's bridge */
		log_warnx("network \"%s\": bridge %s is on record as gatewayd's but not in "
			  "its netdev group %u (group %u): someone else's; adopted, and "
			  "left in place at stop",
			  n->name, n->bridge, GW_NETDEV_GROUP, l.group);
		state_names_remove(path, n->bridge);
		rt->created_bridge = false;
	} else if (r == 0) {
		rt->created_bridge = bridge_listed(conf, n->bridge);
	}
	if (r < 0 && recorded && !rt->created_bridge)
		state_names_remove(path, n->bridge); /* never made */
	if (r < 0)
		return fmt_errno(err, errlen, r, "network \"%s\": bridge \"%s\": %s", n->name,
				 n->bridge, strerror(-r));
	if (strcmp(l.kind, "bridge"))
		return fmt_err(err, errlen, "network \"%s\": device \"%s\" is not a bridge",
			       n->name, n->bridge);
	if ((r = bridge_sysctls(n)) < 0)
		return fmt_errno(err, errlen, r, "network \"%s\": IPv6 settings of %s: %s", n->name,
				 n->bridge, strerror(-r));
	/* Also on a bridge we adopted: a bridge without an explicit MAC takes
	 * its ports' and changes it as they come and go, and the backstop
	 * rules know our own DHCP/RA frames by this address. (One we made
	 * was given it at creation: set, not inherited.) */
	addr_bridge_mac(n->name, mac);
	if ((!rt->created_bridge || memcmp(l.mac, mac, 6)) &&
	    (r = rtnl_link_set_mac(ctx->rtnl, l.ifindex, mac)) < 0)
		return fmt_errno(err, errlen, r, "network \"%s\": setting the MAC of %s: %s",
				 n->name, n->bridge, strerror(-r));
	r = rtnl_addr_add(ctx->rtnl, l.ifindex, AF_INET, &n->ipv4.addr, n->ipv4.plen);
	if (r >= 0 && n->has_ipv6)
		r = rtnl_addr_add(ctx->rtnl, l.ifindex, AF_INET6, &n->ipv6.addr, n->ipv6.plen);
	if (r < 0)
		return fmt_errno(err, errlen, r, "network \"%s\": adding addresses to %s: %s",
				 n->name, n->bridge, strerror(-r));
	if ((r = rtnl_link_set_up(ctx->rtnl, l.ifindex)) < 0)
		return fmt_errno(err, errlen, r, "network \"%s\": setting %s up: %s", n->name,
				 n->bridge, strerror(-r));
	return 0;
}

/* Remove the addresses n put on its bridge, except those keep (the same
 * network's new config, or NULL) puts there too. */
void bridge_addrs_del(struct gw_ctx *ctx, const struct gw_network *n, const struct gw_network *keep)
{
	struct rtnl_link l;

	if (rtnl_link_get(ctx->rtnl, n->bridge, &l) < 0)
		return;
	if (!keep || keep->ipv4.addr.s_addr != n->ipv4.addr.s_addr ||
	    keep->ipv4.plen != n->ipv4.plen)
		rtnl_addr_del(ctx->rtnl, l.ifindex, AF_INET, &n->ipv4.addr, n->ipv4.plen);
	if (n->has_ipv6 && (!keep || !keep->has_ipv6 || keep->ipv6.plen != n->ipv6.plen ||
			    memcmp(&keep->ipv6.addr, &n->ipv6.addr, 16)))
		rtnl_addr_del(ctx->rtnl, l.ifindex, AF_INET6, &n->ipv6.addr, n->ipv6.plen);
}

void bridge_down(struct gw_ctx *ctx, const struct gw_conf *conf, const struct gw_network *n,
		 struct gw_net_rt *rt, struct links_del *del)
{
	char path[GW_PATH_MAX + 32];
	struct links_del one = { 0 };
	struct rtnl_link l;

	if (!rt->created_bridge) {
		/* Someone else's bridge: take back only what we added. */
		bridge_addrs_del(ctx, n, NULL);
		return;
	}
	rt->created_bridge = false;
	if (rtnl_link_get(ctx->rtnl, n->bridge, &l) == 0 && !strcmp(l.kind, "bridge")) {
		if (link_in_our_group(&l)) {
			/* out of memory: the record stays, and a teardown finds it */
			if (links_del_add(del ? del : &one, &l, "bridge", STATE_BRIDGES) == 0 &&
			    !del)
				links_del_run(ctx->rtnl, conf->state_dir, &one, "");
			return;
		}
		/* out of our group since: not ours to delete (bridge.h) */
		log_warnx("network \"%s\": bridge %s is no longer in gatewayd's netdev group "
			  "%u (group %u): left in place",
			  n->name, n->bridge, GW_NETDEV_GROUP, l.group);
		bridge_addrs_del(ctx, n, NULL);
	}
	state_path(conf->state_dir, STATE_BRIDGES, path, sizeof(path));
	state_names_remove(path, n->bridge);
}

struct names_fill_arg {
	char (*names)[IFNAMSIZ];
	size_t n;
};

static int names_fill(FILE *f, void *arg)
{
	const struct names_fill_arg *a = arg;

	for (size_t i = 0; i < a->n; i++)
		fprintf(f, "%s\n", a->names[i]);
	return 0;
}

/* The record file path (STATE_BRIDGES, ...) less the names del says go,
 * plus add[0..n_add), in one write: N bridges made or deleted one record
 * write at a time rewrote the file N times, and each rewrite leaves a
 * deleted inode behind that the file system's next creations step over
 * (ext4's recently_deleted(): a third of gatewayd's start at 200
 * networks). */
static int record_edit(const char *path, char (*add)[IFNAMSIZ], size_t n_add,
		       bool (*del)(const char *name, void *arg), void *arg)
{
	char(*names)[IFNAMSIZ] = NULL, (*nv)[IFNAMSIZ];
	size_t n = 0, k = 0;
	bool changed = false;
	int r;

	if ((r = state_names_read(path, &names, &n)) < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (del && del(names[i], arg)) {
			changed = true;
			continue;
		}
		memmove(names[k++], names[i], IFNAMSIZ);
	}
	if (n_add && !(nv = realloc(names, (k + n_add) * IFNAMSIZ))) {
		free(names);
		return -ENOMEM;
	} else if (n_add) {
		names = nv;
	}
	for (size_t j = 0; j < n_add; j++) {
		size_t i = 0;

		while (i < k && strcmp(names[i], add[j]))
			i++;
		if (i == k) {
			memcpy(names[k++], add[j], IFNAMSIZ);
			changed = true;
		}
	}
	if (!changed)
		r = 0;
	else if (k == 0)
		r = unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	else
		r = state_file_write(path, 0644, names_fill, &(struct names_fill_arg){ names, k });
	free(names);
	return r;
}

int bridge_record_many(const struct gw_conf *conf, char (*names)[IFNAMSIZ], size_t n)
{
	char path[GW_PATH_MAX + 32];

	if (!n)
		return 0;
	state_path(conf->state_dir, STATE_BRIDGES, path, sizeof(path));
	return record_edit(path, names, n, NULL, NULL);
}

bool link_in_our_group(const struct rtnl_link *l)
{
	return l->group == GW_NETDEV_GROUP || l->group == GW_NETDEV_GROUP_DEL;
}

int links_del_add(struct links_del *b, const struct rtnl_link *l, const char *what, const char *rec)
{
	struct links_del_item *v = realloc(b->v, (b->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	b->v = v;
	v += b->n++;
	v->ifindex = l->ifindex;
	snprintf(v->name, sizeof(v->name), "%s", l->name);
	v->what = what;
	v->rec = rec;
	return 0;
}

/* Put b's links in the deletion group; true if it then holds only b's
 * links (a link that could not join is left out of b's group delete:
 * ifindex negated, deleted on its own). */
static bool group_ours(struct rtnl *rt, struct links_del *b)
{
	int *members = NULL;
	size_t n = 0;
	bool ours = true;

	for (size_t i = 0; i < b->n; i++)
		if (rtnl_link_set_group(rt, b->v[i].ifindex, GW_NETDEV_GROUP_DEL) < 0)
			b->v[i].ifindex = -b->v[i].ifindex;
	if (rtnl_group_members(rt, GW_NETDEV_GROUP_DEL, &members, &n) < 0)
		return false;
	for (size_t k = 0; k < n && ours; k++) {
		size_t i = 0;

		while (i < b->n && b->v[i].ifindex != members[k])
			i++;
		if (i == b->n) {
			log_warnx(
				"netdev group %u holds a link gatewayd did not make (ifindex %d): "
				"deleting its own links one by one",
				GW_NETDEV_GROUP_DEL, members[k]);
			ours = false;
		}
	}
	free(members);
	return ours;
}

struct del_arg {
	const struct links_del *b;
	const char *rec;
};

static bool del_gone(const char *name, void *arg)
{
	const struct del_arg *a = arg;

	for (size_t i = 0; i < a->b->n; i++)
		if (a->b->v[i].gone && !strcmp(a->b->v[i].rec, a->rec) &&
		    !strcmp(a->b->v[i].name, name))
			return true;
	return false;
}

int links_del_run(struct rtnl *rt, const char *state_dir, struct links_del *b,
		  const char *log_prefix)
{
	char path[GW_PATH_MAX + 32];
	bool together = false;
	int r, deleted = 0;

	/* One by one, each unregister waits for the kernel's RCU grace
	 * periods (~40 ms here, 20 s for 500 bridges); one group delete
	 * waits once for all. Between the check and the delete someone could
	 * still put a link in our group: that is their choice of a group
	 * named for gatewayd, and the window is one round trip. */
	if (b->n > 1 && group_ours(rt, b)) {
		if ((r = rtnl_group_del(rt, GW_NETDEV_GROUP_DEL)) == 0)
			together = true;
		else
			log_warnx("deleting netdev group %u: %s; deleting its links one by one",
				  GW_NETDEV_GROUP_DEL, strerror(-r));
	}
	for (size_t i = 0; i < b->n; i++) {
		struct links_del_item *it = &b->v[i];
		int ifindex = it->ifindex < 0 ? -it->ifindex : it->ifindex;

		r = together && it->ifindex > 0 ? 0 : rtnl_link_del(rt, ifindex);
		it->gone = r == 0 || r == -ENODEV;
		if (r < 0 && r != -ENODEV)
			log_warnx("%sdeleting %s %s: %s", log_prefix, it->what, it->name,
				  strerror(-r));
		else if (r == 0) {
			log_info("%sdeleted %s %s", log_prefix, it->what, it->name);
			deleted++;
		}
	}
	/* each record rewritten once: what is gone is off it */
	for (size_t i = 0; i < b->n; i++) {
		struct del_arg a = { b, b->v[i].rec };
		size_t j = 0;

		while (j < i && strcmp(b->v[j].rec, b->v[i].rec))
			j++;
		if (j < i)
			continue; /* done with that record */
		state_path(state_dir, b->v[i].rec, path, sizeof(path));
		record_edit(path, NULL, 0, del_gone, &a);
	}
	free(b->v);
	b->v = NULL;
	b->n = 0;
	return deleted;
}
