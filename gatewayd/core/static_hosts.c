/* Run-time static hosts (see static_hosts.h).
 *
 * They are not a second kind of host: at plan time they join the file's
 * hosts in the resolved config, so everything that serves static hosts
 * (dnsmasq's hosts files, the diff that turns a hosts change into a
 * SIGHUP, the guest binding, gatewayctl leases) serves them too. Adding
 * or removing one is a reload of the config in force (not re-read from
 * disk) with the stored list changed: the same path every other change
 * takes. The stored file is read back with the config's rules: a line
 * that breaks one is skipped. */
#include "gatewayd/core/static_hosts.h"
#include "gatewayd/core/apply.h"
#include "gatewayd/core/ctx.h"
#include "dhcp/dnsmasq_conf.h"
#include "dhcp/leases.h"
#include "lib/log.h"
#include "lib/names.h"
#include "lib/state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct stored {
	char net[NAME_NET_MAX + 1];
	struct gw_host h;
	/* the owner entry that let an owner's in ("alice", "@ops"); "" for
	 * root's (the lines of before owners) */
	char by[GW_OWNER_NAME_MAX + 2];
};

struct stored_list {
	struct stored *v;
	size_t n;
};

static void stored_path(const char *state_dir, char *buf, size_t len)
{
	state_path(state_dir, STATE_STATIC_HOSTS, buf, len);
}

static bool stored_parse(const char *line, void *rec)
{
	char net[64], name[80], mac[32], ip[32], extra;
	struct stored *s = rec;
	int got = sscanf(line, "%63s %79s %31s %31s %33s %c", net, name, mac, ip, s->by, &extra);

	if ((got != 4 && got != 5) || !name_netname(net) || !conf_hostname_ok(name) ||
	    conf_mac_parse(mac, s->h.mac) < 0 || inet_pton(AF_INET, ip, &s->h.ipv4) != 1)
		return false;
	strcpy(s->net, net);
	strcpy(s->h.name, name);
	s->h.has_mac = s->h.has_ipv4 = s->h.runtime = true;
	return true;
}

static int stored_read(const char *state_dir, struct stored_list *l)
{
	char path[GW_PATH_MAX + 32];
	void *v;
	int r;

	stored_path(state_dir, path, sizeof(path));
	r = state_records_read(path, 256, sizeof(*l->v), stored_parse, &v, &l->n);
	l->v = v;
	return r;
}

static int stored_fill(FILE *f, void *arg)
{
	const struct stored_list *l = arg;
	char mac[32], ip[INET_ADDRSTRLEN];

	for (size_t i = 0; i < l->n; i++) {
		conf_mac_format(l->v[i].h.mac, mac, sizeof(mac));
		inet_ntop(AF_INET, &l->v[i].h.ipv4, ip, sizeof(ip));
		fprintf(f, "%s %s %s %s%s%s\n", l->v[i].net, l->v[i].h.name, mac, ip,
			l->v[i].by[0] ? " " : "", l->v[i].by);
	}
	return 0;
}

/* Synced: a lease promised to a VM must survive a power cut. */
static int stored_write(const char *state_dir, const struct stored_list *l)
{
	char path[GW_PATH_MAX + 32];

	stored_path(state_dir, path, sizeof(path));
	return state_records_write(path, l->n, stored_fill, (void *)l);
}

static long stored_find(const struct stored_list *l, const char *net, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].net, net) && !strcasecmp(l->v[i].h.name, name))
			return (long)i;
	return -1;
}

/* h in net, instead of one of the same name stored but left out (its
 * subnet changed): picked anew. */
static int stored_put(struct stored_list *l, const char *net, const struct gw_host *h,
		      const char *by)
{
	long at = stored_find(l, net, h->name);
	struct stored *nv;

	if (at >= 0)
		l->v[at] = l->v[--l->n];
	if (!(nv = realloc(l->v, (l->n + 1) * sizeof(*nv))))
		return -ENOMEM;
	l->v = nv;
	memset(&nv[l->n], 0, sizeof(nv[l->n]));
	snprintf(nv[l->n].net, sizeof(nv[l->n].net), "%s", net);
	snprintf(nv[l->n].by, sizeof(nv[l->n].by), "%s", by);
	nv[l->n++].h = *h;
	return 0;
}

void static_hosts_merge(struct gw_conf *conf)
{
	struct stored_list l;
	char why[200], a[INET_ADDRSTRLEN];
	int r;

	if ((r = stored_read(conf->state_dir, &l)) < 0) {
		log_warnx("%s/%s: %s: run-time static hosts left out", conf->state_dir,
			  STATE_STATIC_HOSTS, strerror(-r));
		return;
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct stored *s = &l.v[i];
		struct gw_network *n = NULL;

		for (size_t k = 0; k < conf->n_networks && !n; k++)
			if (!strcmp(conf->networks[k].name, s->net))
				n = &conf->networks[k];
		if (!n)
			continue; /* its network is gone; kept for when it comes back */
		if (!conf_owner_entry_owns(n, s->by))
			log_warnx("network \"%s\": run-time static host \"%s\" left out: added by "
				  "owner \"%s\", who owns the network no more; `gatewayctl static "
				  "del %s %s` forgets it",
				  n->name, s->h.name, s->by, n->name, s->h.name);
		else if (conf_host_conflict(n, &s->h, why, sizeof(why)))
			log_warnx("network \"%s\": run-time static host \"%s\" (%s) left out: %s; "
				  "`gatewayctl static del %s %s` forgets it",
				  n->name, s->h.name, inet_ntop(AF_INET, &s->h.ipv4, a, sizeof(a)),
				  why, n->name, s->h.name);
		else if ((r = conf_host_append(n, &s->h)) < 0)
			log_warnx("network \"%s\": run-time static host \"%s\" left out: %s",
				  n->name, s->h.name, strerror(-r));
	}
	free(l.v);
}

/* Addresses leased to other MACs: not to be promised to this one. */
static size_t leased_to_others(const struct gw_conf *conf, const struct gw_network *n,
			       const char *mac, struct in_addr **out)
{
	struct lease *ls = NULL;
	char path[GW_PATH_MAX + 64];
	size_t k = 0;
	int nl;

	*out = NULL;
	dnsmasq_lease_path(conf, n, path, sizeof(path));
	nl = leases_load(path, &ls); /* every line: the newest come first */
	if (nl > 0 && (*out = calloc((size_t)nl, sizeof(**out))))
		for (int i = 0; i < nl; i++)
			if (!ls[i].v6 && strcasecmp(ls[i].mac, mac) &&
			    inet_pton(AF_INET, ls[i].ip, &(*out)[k]) == 1)
				k++;
	free(ls);
	return k;
}

/* The port forwards' IPv4 targets, added to *v: a forward may point at
 * an address no host has yet (a guest to be set up by hand); a new VM
 * given that address would take the forward's traffic, its service
 * open to the uplink. */
static size_t forward_targets(const struct gw_network *n, struct in_addr **v, size_t k)
{
	struct in_addr *nv = realloc(*v, (k + n->fwd.n + 1) * sizeof(*nv));

	if (!nv)
		return k;
	*v = nv;
	for (size_t i = 0; i < n->fwd.n; i++)
		if (n->fwd.v[i].family == AF_INET)
			nv[k++] = n->fwd.v[i].to.a4;
	return k;
}

int static_hosts_add(struct gw_ctx *ctx, size_t ni, const char *name, const uint8_t mac[6],
		     const char *by, struct in_addr *out, char *err, size_t errlen)
{
	const struct gw_network *n = &ctx->conf->networks[ni];
	struct gw_host h = { .has_mac = true, .has_ipv4 = true, .runtime = true };
	struct stored_list l = { 0 }, old = { 0 };
	struct in_addr *taken = NULL;
	char m[32], a[INET_ADDRSTRLEN], net[NAME_NET_MAX + 1];
	size_t nt;
	int r;

	conf_mac_format(mac, m, sizeof(m));
	snprintf(net, sizeof(net), "%s", n->name); /* n goes with the reload */
	if (!n->dhcp_enabled) {
		snprintf(err, errlen, "network \"%s\" has DHCP off: no static lease to give",
			 n->name);
		return -EINVAL;
	}
	/* Already there (from the file or from an earlier call): the same
	 * name keeps its address. */
	for (size_t k = 0; k < n->hosts.n; k++) {
		const struct gw_host *o = &n->hosts.v[k];

		if (strcasecmp(o->name, name) && (!o->has_mac || memcmp(o->mac, mac, 6)))
			continue;
		if (!strcasecmp(o->name, name) && o->has_mac && !memcmp(o->mac, mac, 6) &&
		    o->has_ipv4) {
			*out = o->ipv4;
			return 0;
		}
		/* names are case-blind (DNS, dnsmasq), MACs are not: "VM1"
		 * after "vm1" is one name with another MAC */
		if (o->runtime)
			snprintf(err, errlen,
				 "network \"%s\": static host \"%s\", added by gatewayctl, has "
				 "this %s with another %s; `gatewayctl static del %s %s` "
				 "forgets it, or choose another VM name",
				 n->name, o->name, strcasecmp(o->name, name) ? "MAC" : "name",
				 strcasecmp(o->name, name) ? "name" : "MAC", n->name, o->name);
		else
			snprintf(err, errlen,
				 "network \"%s\": host \"%s\" in %s has this %s with another %s; "
				 "remove it or choose another VM name",
				 n->name, o->name, ctx->conf->path,
				 strcasecmp(o->name, name) ? "MAC" : "name",
				 strcasecmp(o->name, name) ? "name" : "MAC or no IPv4 address");
		return -EEXIST;
	}
	snprintf(h.name, sizeof(h.name), "%s", name);
	memcpy(h.mac, mac, 6);
	nt = leased_to_others(ctx->conf, n, m, &taken);
	nt = forward_targets(n, &taken, nt);
	r = conf_host_pick4(n, taken, nt, &h.ipv4);
	free(taken);
	if (r < 0) {
		snprintf(err, errlen, "network \"%s\": no free IPv4 address left for a static host",
			 n->name);
		return r;
	}
	if ((r = stored_read(ctx->conf->state_dir, &old)) < 0 ||
	    (r = stored_read(ctx->conf->state_dir, &l)) < 0)
		goto io;
	if ((r = stored_put(&l, net, &h, by)) < 0 ||
	    (r = stored_write(ctx->conf->state_dir, &l)) < 0)
		goto io;
	if ((r = apply_reload_running(ctx, false, err, errlen)) < 0) {
		stored_write(ctx->conf->state_dir, &old); /* as it was */
		goto out;
	}
	*out = h.ipv4;
	log_info("network \"%s\": static host \"%s\" (%s) gets %s (gatewayctl)", net, name, m,
		 inet_ntop(AF_INET, &h.ipv4, a, sizeof(a)));
	goto out;
io:
	snprintf(err, errlen, "%s/%s: %s", ctx->conf->state_dir, STATE_STATIC_HOSTS, strerror(-r));
out:
	free(l.v);
	free(old.v);
	return r;
}

int static_hosts_del(struct gw_ctx *ctx, size_t ni, const char *name, char *err, size_t errlen)
{
	const struct gw_network *n = &ctx->conf->networks[ni];
	struct stored_list l = { 0 }, old = { 0 };
	char net[NAME_NET_MAX + 1];
	long at;
	int r;

	snprintf(net, sizeof(net), "%s", n->name); /* n goes with the reload */
	if ((r = stored_read(ctx->conf->state_dir, &old)) < 0 ||
	    (r = stored_read(ctx->conf->state_dir, &l)) < 0) {
		snprintf(err, errlen, "%s/%s: %s", ctx->conf->state_dir, STATE_STATIC_HOSTS,
			 strerror(-r));
		goto out;
	}
	if ((at = stored_find(&l, net, name)) < 0) {
		snprintf(err, errlen, "network \"%s\" has no run-time static host \"%s\"%s", net,
			 name, " (hosts in the config file are removed from the file)");
		r = -ENOENT;
		goto out;
	}
	memmove(&l.v[at], &l.v[at + 1], (l.n - (size_t)at - 1) * sizeof(*l.v));
	l.n--;
	if ((r = stored_write(ctx->conf->state_dir, &l)) < 0) {
		snprintf(err, errlen, "%s/%s: %s", ctx->conf->state_dir, STATE_STATIC_HOSTS,
			 strerror(-r));
		goto out;
	}
	if ((r = apply_reload_running(ctx, false, err, errlen)) < 0) {
		stored_write(ctx->conf->state_dir, &old);
		goto out;
	}
	log_info("network \"%s\": static host \"%s\" removed (gatewayctl)", net, name);
out:
	free(l.v);
	free(old.v);
	return r;
}
