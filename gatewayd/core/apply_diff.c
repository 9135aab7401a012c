/* Carrying out a diff (core/diff.c), step by step, for apply.c's start
 * and reload: the nftables change in one transaction, then dnsmasqs that
 * go, bridges that go, bridges that come (diff_run), and last the
 * dnsmasqs that come. The order and what may fail are apply.c's. */
#include "gatewayd/core/apply_int.h"
#include "gatewayd/core/binding.h"
#include "gatewayd/core/bridge.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/core/diff.h"
#include "gatewayd/core/watch.h"
#include "dhcp/supervisor.h"
#include "gatewayd/host/rtnl.h"
#include "lib/log.h"
#include "lib/state.h"
#include "nft/commit.h"
#include "nft/monitor.h"
#include "nft/plan.h"
#include "nft/update.h"
#include "ra/ra.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The run-time ports map's elements for the networks that stay. */
static struct nft_elem *kept_ports(const struct gw_ctx *ctx, const struct gw_diff *d, size_t *n)
{
	size_t total = 0, k = 0;
	struct nft_elem *e;

	for (size_t i = 0; i < d->n; i++)
		if (d->nets[i].old_idx >= 0)
			total += ctx->nets[d->nets[i].old_idx].n_ports;
	if (!(e = calloc(total + 1, sizeof(*e))))
		return NULL;
	for (size_t i = 0; i < d->n; i++) {
		const struct gw_net_diff *nd = &d->nets[i];
		const struct gw_net_rt *rt;

		if (nd->old_idx < 0 || nd->new_idx < 0 || (nd->act & GA_BRIDGE_DOWN))
			continue;
		rt = &ctx->nets[nd->old_idx];
		for (size_t p = 0; p < rt->n_ports; p++, k++) {
			memcpy(e[k].key.ifname, rt->ports[p], IFNAMSIZ);
			nft_ports_chain_name(&ctx->conf->networks[nd->old_idx], e[k].chain,
					     NFT_NAME_MAX);
		}
	}
	*n = k;
	return e;
}

/* The nftables part of a diff, in one transaction: only what changed
 * (counters of the networks that stay keep counting), or both tables
 * anew when the diff says so or the update is refused (the tables are
 * not what we left: someone changed them). 1 if the tables were
 * replaced (the ports map is empty then), 0 if updated. */
int apply_diff_nft(struct gw_ctx *ctx, const struct gw_plan *new, struct gw_diff *d, char *err,
		   size_t errlen)
{
	struct nft_batch *b = NULL;
	struct nft_elem *ports = NULL;
	size_t n_ports = 0;
	int r;

	if (d->nft.replace)
		goto replace;
	if (nft_update_empty(&d->nft))
		return 0;
	if (!(ports = kept_ports(ctx, d, &n_ports)))
		return fmt_errno(err, errlen, -ENOMEM, "out of memory");
	/* guest binding's map is rewritten with it: its ports kept */
	uint32_t *bind_ifindex = NULL;
	struct nft_elem *bind_ports =
		d->nft.ports_rewrite ? binding_port_elems(ctx->binding, ctx->conf,
							  &d->nft.n_bind_ports, &bind_ifindex)
				     : NULL;
	d->nft.bind_ports = bind_ports;
	d->nft.bind_ifindex = bind_ifindex;
	if (d->nft.ports_rewrite)
		binding_fast_in_force(ctx->binding, &d->nft);
	/* counted generously: the notifications of the whole new ruleset */
	nft_monitor_expect(ctx->nft_monitor_fd, new->nft.n_rules + new->nft.n_chains + 64);
	r = nft_batch_update(&ctx->plan.nft, &new->nft, &d->nft, ports, n_ports,
			     nft_conn_next_seq(ctx->nft), &b);
	free(ports);
	free(bind_ports);
	free(bind_ifindex);
	d->nft.bind_ports = NULL;
	d->nft.n_bind_ports = 0;
	d->nft.bind_ifindex = NULL;
	binding_fast_in_force(NULL, &d->nft);
	if (r >= 0 && (r = nft_commit(ctx->nft, b, err, errlen)) >= 0) {
		log_debug("nft: updated in one batch: %zu chains added, %zu refilled, %zu "
			  "removed",
			  d->nft.n_add_chains, d->nft.n_refill, d->nft.n_del_chains);
		nft_batch_free(b);
		return 0;
	}
	nft_batch_free(b);
	log_warnx("nft: updating gatewayd's tables failed (%s); replacing them whole",
		  r == -ENOMEM ? "out of memory" : err);
replace:
	nft_monitor_expect(ctx->nft_monitor_fd, new->nft.n_rules + new->nft.n_chains + 64);
	if ((r = nft_apply_plan(ctx->nft, &new->nft, err, errlen)) < 0)
		return r;
	log_debug("nft: committed tables inet and bridge %s in one batch: %zu chains, %zu rules, "
		  "%zu sets, %zu counters",
		  NFT_TABLE_NAME, new->nft.n_chains, new->nft.n_rules, new->nft.n_sets,
		  new->nft.n_counters);
	return 1;
}

/* o is advertised again as n, on the same bridge with the same prefix:
 * no last RA between the two (its guests would drop their default route
 * for nothing). RAs turned off, or a prefix that changes, do get it (the
 * old prefix is deprecated at once). */
static bool ra_goes_on(const struct gw_network *o, const struct gw_network *n)
{
	return ra_wanted(n) && !strcmp(o->bridge, n->bridge) && o->ipv6.plen == n->ipv6.plen &&
	       !memcmp(&o->ipv6.addr, &n->ipv6.addr, sizeof(o->ipv6.addr));
}

/* The bridges d brings up that do not exist yet, recorded as gatewayd's
 * in one write before any is made (one write per bridge rewrote the
 * record N times). Indexed like d->nets: true for those recorded; NULL
 * (each bridge recorded by bridge_up()) if none or on failure. */
static bool *bridges_record(struct gw_ctx *ctx, const struct gw_plan *new, const struct gw_diff *d)
{
	char(*names)[IFNAMSIZ] = calloc(d->n + 1, IFNAMSIZ);
	bool *recorded = calloc(d->n + 1, sizeof(*recorded));
	struct rtnl_link l;
	size_t n = 0;

	for (size_t k = 0; names && recorded && k < d->n; k++) {
		const struct gw_net_diff *nd = &d->nets[k];
		const char *br;

		if (nd->new_idx < 0 || !(nd->act & GA_BRIDGE_UP))
			continue;
		br = new->conf->networks[nd->new_idx].bridge;
		if (rtnl_link_get(ctx->rtnl, br, &l) == -ENODEV) {
			snprintf(names[n++], IFNAMSIZ, "%s", br);
			recorded[k] = true;
		}
	}
	if (!names || !recorded || n < 2 || bridge_record_many(new->conf, names, n) < 0) {
		free(recorded);
		recorded = NULL;
	}
	free(names);
	return recorded;
}

/* Carry out d (from the plan in force, if any, to new; nft already
 * done). old_rts is indexed like the old plan, rts like new. A network
 * whose bridge cannot be made is logged and skipped (the others go on)
 * at reload; at start it fails the whole start. */
int apply_diff_run(struct gw_ctx *ctx, const struct gw_plan *new, const struct gw_diff *d,
		   struct gw_net_rt *old_rts, struct gw_net_rt *rts, bool strict, char *err,
		   size_t errlen)
{
	const struct gw_plan *old = &ctx->plan;
	struct links_del del = { 0 };
	char what[128], path[GW_PATH_MAX + 32];
	bool *recorded;
	int r;

	/* Every dnsmasq that goes is told first: they stop side by side. */
	for (size_t k = 0; k < d->n; k++)
		if (d->nets[k].act & GA_DHCP_DOWN)
			dnsmasq_stop_begin(old_rts[d->nets[k].old_idx].dnsmasq);
	for (size_t k = 0; k < d->n; k++) {
		const struct gw_net_diff *nd = &d->nets[k];
		const struct gw_network *o, *n;
		struct gw_net_rt *rt;

		if (nd->old_idx < 0)
			continue;
		o = &old->conf->networks[nd->old_idx];
		n = nd->new_idx >= 0 ? &new->conf->networks[nd->new_idx] : NULL;
		rt = &old_rts[nd->old_idx];
		/* a network advertised on as before takes no last RA */
		if ((nd->act & GA_DHCP_DOWN) && n && ra_goes_on(o, n))
			serve_ra_stop(rt, false);
		if (nd->act & GA_DHCP_DOWN)
			apply_dhcp_retire(ctx, old->conf, o, rt);
		if ((nd->act & GA_BRIDGE_DOWN) && nd->bridge_to >= 0) {
			watch_net_release(rt);
			bridge_addrs_del(ctx, o, &new->conf->networks[nd->bridge_to]);
		} else if (nd->act & GA_BRIDGE_DOWN) {
			watch_net_release(rt);
			bridge_down(ctx, old->conf, o, rt, &del);
		} else if (nd->act & GA_ADDRS_DEL) {
			bridge_addrs_del(ctx, o, n);
		}
		if (nd->act) {
			gw_diff_format(nd->act, what, sizeof(what));
			log_info("network \"%s\": %s (%s)", o->name, n ? "changed" : "removed",
				 what);
		}
		if (n && !(nd->act & GA_BRIDGE_DOWN))
			rts[nd->new_idx] = *rt; /* carried over */
		else
			watch_net_release(rt);
	}
	/* the bridges that go, together: before those that come (a bridge
	 * renamed back, a name taken over) */
	if (del.n)
		links_del_run(ctx->rtnl, old->conf->state_dir, &del, "");
	recorded = bridges_record(ctx, new, d);
	for (size_t k = 0; k < d->n; k++) {
		const struct gw_net_diff *nd = &d->nets[k];
		const struct gw_network *n;
		struct gw_net_rt *rt;

		if (nd->new_idx < 0 || !(nd->act & GA_BRIDGE_UP))
			continue;
		n = &new->conf->networks[nd->new_idx];
		rt = &rts[nd->new_idx];
		r = bridge_up_recorded(ctx, new->conf, n, rt, recorded && recorded[k], err, errlen);
		if (r < 0 && strict) {
			/* those recorded and never to be made are not ours */
			state_path(new->conf->state_dir, STATE_BRIDGES, path, sizeof(path));
			for (size_t j = k + 1; recorded && j < d->n; j++)
				if (recorded[j])
					state_names_remove(
						path,
						new->conf->networks[d->nets[j].new_idx].bridge);
			free(recorded);
			return r;
		}
		if (r < 0) {
			log_err("%s", err);
			snprintf(rt->last_error, sizeof(rt->last_error), "%s", err);
		}
	}
	free(recorded);
	for (size_t j = 0; j < new->conf->n_networks; j++)
		snprintf(rts[j].uplink, IFNAMSIZ, "%s", new->nets[j].uplink);
	return 0;
}

/* The dnsmasqs that come, once the new state is in force. */
int apply_diff_dhcp(struct gw_ctx *ctx, const struct gw_diff *d, bool strict, char *err,
		    size_t errlen)
{
	const struct gw_conf *conf = ctx->conf;
	int r;

	for (size_t k = 0; k < d->n; k++) {
		const struct gw_net_diff *nd = &d->nets[k];
		const struct gw_network *n;

		if (nd->new_idx < 0 || !(nd->act & (GA_DHCP_UP | GA_DHCP_HOSTS)))
			continue;
		n = &conf->networks[nd->new_idx];
		if (!(nd->act & GA_DHCP_UP)) {
			if (apply_dhcp_hosts(conf, n, &ctx->nets[nd->new_idx], err, errlen) < 0)
				log_err("%s", err);
			continue;
		}
		if ((r = apply_dhcp_up(ctx, conf, n, &ctx->nets[nd->new_idx], err, errlen)) < 0) {
			if (strict)
				return r;
			log_err("%s", err);
			continue;
		}
		log_info("network \"%s\": %s up, %s %s", n->name, n->bridge,
			 n->mode == GW_MODE_NAT	     ? "NAT out of"
			 : n->mode == GW_MODE_ROUTED ? "routed out of"
						     : "isolated; uplink",
			 ctx->plan.nets[nd->new_idx].uplink);
	}
	return 0;
}
