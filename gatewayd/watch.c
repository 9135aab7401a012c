/* The run-time watch. rtnetlink events (links, addresses, routes) wake the
 * event loop; each time, the host is read afresh and compared with what
 * each network needs:
 * - the set ports_NET in the bridge table follows the bridge's ports, so
 *   the backstop's forward rules know which frames belong to the network;
 * - a port that is not a guest port (someone ran `ip link set eth0 master
 *   gw0`) stops DHCP and RA on that network at once, loudly, until it
 *   leaves; then they resume by themselves;
 * - a subnet that starts to overlap an address or route (a VPN coming up)
 *   is warned about, naming both. */
#include "ctx.h"
#include "gatewayd/hostcheck.h"
#include "gatewayd/log.h"
#include "nft/commit.h"
#include "nft/plan.h"

#include <stdlib.h>
#include <string.h>

void watch_net_release(struct gw_net_rt *rt)
{
	free(rt->ports);
	rt->ports = NULL;
	rt->n_ports = 0;
}

static int ports_of(const struct host_facts *f, const char *bridge, char (**out)[IFNAMSIZ],
		    size_t *n)
{
	const struct host_link *br = host_link_by_name(f, bridge);

	*n = 0;
	*out = calloc(f->n_links ? f->n_links : 1, IFNAMSIZ);
	if (!*out)
		return -1;
	for (size_t i = 0; br && i < f->n_links; i++)
		if (f->links[i].master == br->ifindex)
			memcpy((*out)[(*n)++], f->links[i].name, IFNAMSIZ);
	return 0;
}

static void sync_ports(struct gw_ctx *ctx, const struct gw_network *n, struct gw_net_rt *rt,
		       const struct host_facts *f)
{
	char (*ports)[IFNAMSIZ], set[NFT_NAME_MAX], err[512];
	size_t np;

	if (ports_of(f, n->bridge, &ports, &np) < 0)
		return;
	if (np == rt->n_ports && rt->ports && !memcmp(ports, rt->ports, np * IFNAMSIZ)) {
		free(ports);
		return;
	}
	nft_ports_set_name(n, set, sizeof(set));
	if (nft_set_ports(ctx->nft, set, ports, np, err, sizeof(err)) < 0) {
		log_warnx("network \"%s\": %s", n->name, err);
		free(ports);
		return;
	}
	free(rt->ports);
	rt->ports = ports;
	rt->n_ports = np;
}

static void check_guard(const struct gw_network *n, struct gw_net_rt *rt,
			const struct host_facts *f)
{
	const struct host_link *bad = hostcheck_foreign_port(n, f);

	if (bad && !rt->tripped[0]) {
		memcpy(rt->tripped, bad->name, IFNAMSIZ);
		dnsmasq_stop(rt->dnsmasq);
		log_err("network \"%s\": port %s (kind \"%s\") joined bridge %s and is not a guest "
			"port: DHCP and router advertisements STOPPED on this network until it "
			"leaves (ip link set %s nomaster)", n->name, bad->name,
			bad->kind[0] ? bad->kind : "physical", n->bridge, bad->name);
	} else if (bad && strcmp(rt->tripped, bad->name)) {
		memcpy(rt->tripped, bad->name, IFNAMSIZ);
	} else if (!bad && rt->tripped[0]) {
		log_info("network \"%s\": port %s left bridge %s; DHCP and router advertisements "
			 "resume", n->name, rt->tripped, n->bridge);
		rt->tripped[0] = '\0';
		if (rt->dnsmasq && !rt->refused && dnsmasq_start(rt->dnsmasq) < 0)
			log_err("network \"%s\": restarting dnsmasq failed", n->name);
	}
}

static int read_facts(struct gw_ctx *ctx, struct host_facts *f)
{
	int r = rtnl_read_facts(ctx->rtnl, f);

	if (r < 0)
		log_warnx("watch: reading links, addresses and routes: %s", strerror(-r));
	return r;
}

void watch_links(struct gw_ctx *ctx)
{
	struct host_facts f;

	if (!ctx->conf || !ctx->nets || read_facts(ctx, &f) < 0)
		return;
	for (size_t i = 0; i < ctx->conf->n_networks; i++) {
		/* Guard first: stopping DHCP is the urgent part. */
		check_guard(&ctx->conf->networks[i], &ctx->nets[i], &f);
		sync_ports(ctx, &ctx->conf->networks[i], &ctx->nets[i], &f);
	}
	host_facts_free(&f);
}

void watch_addrs(struct gw_ctx *ctx)
{
	struct host_facts f;
	char msg[256];

	if (!ctx->conf || !ctx->nets || read_facts(ctx, &f) < 0)
		return;
	for (size_t i = 0; i < ctx->conf->n_networks; i++) {
		const struct gw_network *n = &ctx->conf->networks[i];
		struct gw_net_rt *rt = &ctx->nets[i];

		if (hostcheck_collides(ctx->conf, n, &f, msg, sizeof(msg))) {
			if (strcmp(msg, rt->collision))
				log_err("%s: guests' traffic to it will be misrouted; move the "
					"network or remove the overlap", msg);
			snprintf(rt->collision, sizeof(rt->collision), "%s", msg);
		} else if (rt->collision[0]) {
			log_info("network \"%s\": overlap gone (%s)", n->name, rt->collision);
			rt->collision[0] = '\0';
		}
	}
	host_facts_free(&f);
}
