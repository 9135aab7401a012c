/* A network's bridge on the host: created (or adopted), its stable MAC,
 * its addresses, up; taken down again. And the global forwarding
 * sysctls. Used by apply (start, reload) and by the watch's repairs. */
#include "gatewayd/core/bridge.h"
#include "conf/addr.h"
#include "lib/log.h"
#include "lib/state.h"

#include <errno.h>
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
	char path[GW_PATH_MAX + 32];
	struct rtnl_link l;
	uint8_t mac[6];
	int r;

	r = rtnl_link_get(ctx->rtnl, n->bridge, &l);
	if (r == -ENODEV) {
		/* Record first: a crash right after creating still finds it. */
		state_path(conf->state_dir, STATE_BRIDGES, path, sizeof(path));
		if ((r = state_names_add(path, n->bridge)) < 0)
			return fmt_errno(err, errlen, r, "%s: %s", path, strerror(-r));
		addr_bridge_mac(n->name, mac);
		if ((r = rtnl_bridge_create(ctx->rtnl, n->bridge, mac)) < 0) {
			state_names_remove(path, n->bridge);
			return fmt_errno(err, errlen, r,
					 "network \"%s\": creating bridge \"%s\": %s", n->name,
					 n->bridge, strerror(-r));
		}
		rt->created_bridge = true;
		log_info("network \"%s\": created bridge %s", n->name, n->bridge);
		r = rtnl_link_get(ctx->rtnl, n->bridge, &l);
	} else if (r == 0) {
		rt->created_bridge = bridge_listed(conf, n->bridge);
	}
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
	 * rules know our own DHCP/RA frames by this address. */
	addr_bridge_mac(n->name, mac);
	if ((r = rtnl_link_set_mac(ctx->rtnl, l.ifindex, mac)) < 0)
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
		 struct gw_net_rt *rt)
{
	char path[GW_PATH_MAX + 32];
	struct rtnl_link l;
	int r;

	if (!rt->created_bridge) {
		/* Someone else's bridge: take back only what we added. */
		bridge_addrs_del(ctx, n, NULL);
		return;
	}
	if (rtnl_link_get(ctx->rtnl, n->bridge, &l) == 0 && !strcmp(l.kind, "bridge")) {
		if ((r = rtnl_link_del(ctx->rtnl, l.ifindex)) < 0)
			log_warnx("network \"%s\": deleting bridge %s: %s", n->name, n->bridge,
				  strerror(-r));
		else
			log_info("network \"%s\": deleted bridge %s", n->name, n->bridge);
	}
	state_path(conf->state_dir, STATE_BRIDGES, path, sizeof(path));
	state_names_remove(path, n->bridge);
	rt->created_bridge = false;
}
