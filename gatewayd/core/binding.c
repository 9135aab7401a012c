/* Guest binding at run time (nft/binding.c has the rules): which MAC may
 * send from which address on which bridge port. The address comes from
 * dnsmasq's lease file (state_dir/NET.leases, every line) and the static
 * hosts; the port from the kernel's record of where that MAC's own DHCP
 * came in (dhcp_seen: binding_dhcp.c), never from the bridge's forwarding
 * database, which any guest teaches by sending with a neighbour's MAC --
 * but for a static host whose guest does no DHCP (its address set by
 * hand), which has nothing else to go by. A binding stays with its
 * port for as long as that port is on the bridge: a second guest sending
 * with the first one's MAC cannot move it, and a silent guest whose MAC
 * aged out of the database keeps it -- also across a restart of gatewayd:
 * the bindings in force are kept in state_dir/guest-bindings (binding_files.c; the guest's
 * dropped frames would not teach the bridge its port again).
 *
 * IPv6 addresses are not handed out (SLAAC, privacy addresses): the
 * first guest the host's neighbour table shows using an address in its
 * network's prefix holds it, for as long as its port stays (the table
 * fills only from a guest's own frames, which the rules let through
 * while nobody holds the address). Static hosts' IPv6 addresses and the
 * bridge's own are held from the start.
 *
 * Woken by the run-time watch (links changed: watch.c), by inotify on
 * state_dir: dnsmasq rewrites the lease file in place (truncate, write),
 * so its writes are gathered for BINDING_SETTLE_MS before the file is
 * read (re-armed by each write, but never past BINDING_SETTLE_MAX_MS from
 * the first one not synced: a guest renewing in a loop cannot starve
 * everyone else's sync); and by neighbour events on a guest bridge that name an IPv6
 * address nobody holds yet. Each of these marks only its own network dirty
 * (binding_dirty.c), and a sync recomputes only the dirty networks -- their
 * lease files read, their bridges' forwarding databases -- keeping the
 * others' bindings as they are in force; then it commits the elements that
 * differ, in one transaction (nft_set_binding_delta()). The timer,
 * inotify and the binding's life are binding_wake.c's. */
#include "gatewayd/core/binding.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/host/hostcheck.h"
#include "gatewayd/host/neigh.h"
#include "conf/addr.h"
#include "dhcp/leases.h"
#include "lib/log.h"
#include "lib/state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gatewayd/core/binding_int.h"

/* --- the forwarding databases -------------------------------------------- */

/* Append what bridge master (0: every bridge) learned to *d. */
static int fdb_read(struct gw_binding *b, int master, struct fdb_dump *d)
{
	struct host_fdb *v = NULL;
	struct binding_fdb *o;
	size_t n = 0;
	int r = host_fdb_read(b->ctx->rtnl, master, &v, &n);

	if (r == 0 && !(o = realloc(d->v, (d->n + n + 1) * sizeof(*d->v))))
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		o[d->n + i].ifindex = (uint32_t)v[i].ifindex;
		memcpy(o[d->n + i].mac, v[i].mac, 6);
	}
	if (r == 0) {
		d->v = o;
		d->n += n;
	}
	free(v);
	return r;
}

/* --- sync ---------------------------------------------------------------- */

/* Every network recomputed at the next sync. */
static void dirty_all(struct gw_binding *b)
{
	for (size_t i = 0; b->dirty && i < b->n_dirty; i++)
		b->dirty[i] = true;
}

/* The dirty set sized for the configuration in force: all of a new one
 * dirty. A failure to allocate leaves dirty NULL: every network synced. */
void binding_dirty_prepare(struct gw_binding *b)
{
	const struct gw_conf *conf = b->ctx->conf;

	if (!conf || (b->dirty && b->dirty_conf == conf && b->n_dirty == conf->n_networks))
		return;
	free(b->dirty);
	free(b->expiry);
	b->dirty = calloc(conf->n_networks + 1, sizeof(*b->dirty));
	b->expiry = calloc(conf->n_networks + 1, sizeof(*b->expiry));
	if (!b->dirty || !b->expiry) {
		free(b->dirty);
		free(b->expiry);
		b->dirty = NULL;
		b->expiry = NULL;
	}
	b->dirty_conf = conf;
	b->n_dirty = b->dirty ? conf->n_networks : 0;
	dirty_all(b);
}

void binding_dirty(struct gw_binding *b, size_t i)
{
	binding_dirty_prepare(b);
	if (i < b->n_dirty)
		b->dirty[i] = true;
	else if (i == SIZE_MAX)
		dirty_all(b);
}

void binding_ports_from(struct gw_binding *b, const struct gw_conf *conf,
			const struct host_facts *f)
{
	struct bport *p = calloc(f->n_links + 1, sizeof(*p));
	size_t n = 0;

	if (!p)
		return;
	for (size_t i = 0; i < conf->n_networks; i++) {
		const struct gw_network *net = &conf->networks[i];
		const struct host_link *br = host_link_by_name(f, net->bridge);

		for (size_t k = 0; br && k < f->n_links; k++) {
			const struct host_link *l = &f->links[k];

			/* the doctor's test port too: guest_ports lets our
			 * answer to its self-test out (nft/guard.c) */
			if (l->master != br->ifindex ||
			    !hostcheck_guest_port(&b->ctx->own, net, l->ifindex, l->kind, l->name))
				continue;
			memcpy(p[n].name, l->name, IFNAMSIZ);
			p[n].ifindex = (uint32_t)l->ifindex;
			p[n++].net = i;
		}
	}
	/* a network whose ports changed: recomputed at the next sync */
	if (b->dirty && binding_ports_dirty(b->ports, b->n_ports, p, n, b->dirty, b->n_dirty) < 0)
		dirty_all(b);
	free(b->ports);
	b->ports = p;
	b->n_ports = n;
	uint32_t *was = calloc(b->n_nets + 1, sizeof(*was));
	size_t n_was = was ? b->n_nets : 0;

	for (size_t i = 0; i < n_was; i++)
		was[i] = b->nets[i].bridge;
	nets_from(b, conf, f);
	/* ... or its bridge (made again: another ifindex) */
	for (size_t i = 0; i < b->n_nets && i < b->n_dirty; i++)
		if (!was || i >= n_was || was[i] != b->nets[i].bridge)
			b->dirty[i] = true;
	free(was);
}

bool binding_waiting(struct gw_binding *b, const uint8_t mac[6])
{
	size_t i = binding_first_mac(b->waiting, sizeof(*b->waiting), b->n_waiting, mac);
	bool any = false;

	/* the networks that have an address for it */
	for (; i < b->n_waiting && !memcmp(b->waiting[i].mac, mac, 6); i++) {
		binding_dirty(b, b->waiting[i].ifindex);
		any = true;
	}
	return any;
}

/* a network's bindings: its tag, for bound_macs (nft_net_tag()) */
static void tags_set(struct nft_bind *v, size_t n, const char *net)
{
	uint32_t tag = nft_net_tag(net);

	for (size_t i = 0; i < n; i++)
		v[i].tag = tag;
}

/* Commit the sets: only the elements that differ from those in force,
 * unless refill (or nothing known in force: flushed and refilled). */
static int sets_commit(struct gw_binding *b, const struct nft_bind_set *set, bool refill)
{
	struct nft_bind_elems now;
	char err[512];
	int r;

	if ((r = nft_bind_elems_make(set, &now)) < 0) {
		log_warnx("guest binding: %s", strerror(-r));
		return r;
	}
	if (!refill && b->in_force_valid) {
		r = nft_set_binding_delta(b->ctx->nft, &b->in_force, &now, err, sizeof(err));
		if (r < 0) /* someone else's hand in our sets: refilled whole */
			log_debug("guest binding: %s; refilling the sets", err);
		else if (r > 0)
			log_debug("guest binding: sets changed");
	}
	if (refill || !b->in_force_valid || r < 0) {
		b->in_force_valid = false;
		if ((r = nft_set_binding(b->ctx->nft, set, err, sizeof(err))) < 0) {
			log_warnx("guest binding: %s", err);
			nft_bind_elems_release(&now);
			return r;
		}
	}
	nft_bind_elems_release(&b->in_force);
	b->in_force = now;
	b->in_force_valid = true;
	return 0;
}

/* The networks a sync recomputes: the dirty ones (all when refill), and
 * those one of whose leases ran out; what they need read -- the
 * forwarding databases (static hosts, which may do no DHCP, and IPv6) and
 * the neighbour table (IPv6). *n_sync: how many. */
static bool *sync_set(struct gw_binding *b, bool refill, bool *fdb, bool *neigh, size_t *n_sync)
{
	const struct gw_conf *conf = b->ctx->conf;
	bool *v = calloc(conf->n_networks + 1, sizeof(*v));
	uint64_t now = (uint64_t)time(NULL);

	*fdb = *neigh = false;
	*n_sync = 0;
	if (!v)
		return NULL;
	binding_dirty_prepare(b);
	for (size_t i = 0; i < conf->n_networks; i++) {
		const struct gw_network *n = &conf->networks[i];

		v[i] = refill || !b->dirty || b->dirty[i] || (b->expiry[i] && b->expiry[i] < now);
		if (!v[i])
			continue;
		(*n_sync)++;
		if (!n->guest_binding)
			continue;
		*fdb |= n->hosts.n || n->has_ipv6;
		*neigh |= n->has_ipv6;
	}
	return v;
}

/* A lease that runs out unbinds its guest: its network synced a second
 * after the earliest one does (no later event need come). */
static void expiry_arm(struct gw_binding *b)
{
	uint64_t first = 0, now = (uint64_t)time(NULL);

	for (size_t i = 0; b->expiry && i < b->n_dirty; i++)
		if (b->expiry[i] && (!first || b->expiry[i] < first))
			first = b->expiry[i];
	if (first && b->settle)
		eloop_timer_arm(b->settle, (first >= now ? first - now + 1 : 1) * 1000);
}

/* Read the forwarding databases of the bridges of the networks synced:
 * bridge by bridge for a few, in one dump for many. */
#define FDB_BRIDGES_MAX 8
static int fdb_read_for(struct gw_binding *b, const bool *sync, size_t n_sync, struct fdb_dump *d)
{
	const struct gw_conf *conf = b->ctx->conf;
	int r = 0;

	if (n_sync > FDB_BRIDGES_MAX || b->n_nets != conf->n_networks)
		return fdb_read(b, 0, d);
	for (size_t i = 0; i < conf->n_networks && r == 0; i++)
		if (sync[i] && b->nets[i].bridge && conf->networks[i].guest_binding)
			r = fdb_read(b, (int)b->nets[i].bridge, d);
	return r;
}

int binding_do_sync(struct gw_binding *b, bool refill)
{
	b->last_sync = eloop_now_ms();
	b->unsynced = 0;
	const struct gw_conf *conf = b->ctx->conf;
	struct fdb_dump fdb = { 0 }, seen = { 0 }, dmacs = { 0 };
	struct binding_fdb *where = NULL;
	long n_where;
	struct neigh_list nb = { 0 };
	struct in6_addr *kept = NULL;
	size_t n_kept = 0, n_waiting = 0, n_sync = 0, n_done = 0;
	struct binding_fdb *waiting = NULL;
	struct nft_elem *pe = calloc(b->n_ports + 1, sizeof(*pe));
	uint32_t *idx = calloc(b->n_ports + 1, sizeof(*idx));
	uint32_t *tags = calloc(conf->n_networks + 1, sizeof(*tags));
	uint64_t *expiry = calloc(conf->n_networks + 1, sizeof(*expiry));
	struct nft_bind *binds = NULL, *addrs = NULL;
	size_t n_binds = 0, n_addrs, n_leases;
	bool again = false, want_fdb, want_neigh;
	bool *sync = sync_set(b, refill, &want_fdb, &want_neigh, &n_sync);
	char names[256] = "";
	int r = -ENOMEM;

	if (!pe || !idx || !tags || !expiry || !sync)
		goto out;
	if (!n_sync) { /* nothing of ours changed (a lease file of a network without ports) */
		r = 0;
		goto out;
	}
	if (want_fdb && (r = fdb_read_for(b, sync, n_sync, &fdb)) < 0) {
		log_warnx("guest binding: reading the bridges' forwarding databases: %s",
			  strerror(-r));
		goto out;
	}
	if (want_neigh && (r = neigh_read(b, &nb)) < 0) {
		log_warnx("guest binding: reading the neighbour table: %s", strerror(-r));
		goto out;
	}
	if ((r = dhcp_records_read(&seen, &dmacs)) < 0) {
		log_warnx("guest binding: reading the DHCP records (dhcp_seen): %s", strerror(-r));
		goto out;
	}
	binding_sort(b->binds, b->n_binds, fdb.v, fdb.n);
	if ((n_where = binding_where(seen.v, seen.n, fdb.v, fdb.n, &where)) < 0) {
		r = (int)n_where;
		goto out;
	}
	for (size_t i = 0; i < conf->n_networks; i++) {
		tags[i] = nft_net_tag(conf->networks[i].name);
		if (b->expiry && i < b->n_dirty && !sync[i])
			expiry[i] = b->expiry[i];
	}
	/* the networks not synced: their bindings and waiting MACs as they
	 * are */
	long k = binds_keep_clean(b->binds, b->n_binds, b->ports, b->n_ports, sync, tags,
				  conf->n_networks, &binds, &n_binds);
	if (k < 0) {
		r = (int)k;
		goto out;
	}
	for (size_t w = 0; w < b->n_waiting; w++)
		if (b->waiting[w].ifindex < conf->n_networks && !sync[b->waiting[w].ifindex]) {
			struct binding_fdb *v = realloc(waiting, (n_waiting + 1) * sizeof(*v));

			if (!v)
				goto out;
			waiting = v;
			waiting[n_waiting++] = b->waiting[w];
		}
	for (size_t i = 0; i < conf->n_networks; i++) {
		const struct gw_network *n = &conf->networks[i];
		size_t np = 0;

		for (size_t p = 0; p < b->n_ports; p++)
			if (b->ports[p].net == i)
				idx[np++] = b->ports[p].ifindex;
		if (!n->guest_binding || !np)
			continue;
		if (sync[i]) {
			size_t l = strlen(names);

			n_done++;
			snprintf(names + l, sizeof(names) - l, "%s%s", l ? " " : "", n->name);
		}
		if (sync[i] && (r = binding_addrs_read(conf, n, &addrs, &n_addrs, &n_leases,
						       &expiry[i])) == -EAGAIN) {
			/* dnsmasq is writing the file: this network's bindings
			 * as they are, and a look again soon */
			size_t first = n_binds;

			again = true;
			sync[i] = false; /* still dirty */
			if ((k = binds_keep(b->binds, b->n_binds, idx, np, &binds, &n_binds)) < 0 ||
			    (k = kept_add(b, i, &kept, &n_kept)) < 0) {
				r = (int)k;
				goto out;
			}
			tags_set(binds + first, n_binds - first, n->name);
			continue;
		}
		if (!sync[i]) { /* kept above */
			if ((k = kept_add(b, i, &kept, &n_kept)) < 0) {
				r = (int)k;
				goto out;
			}
			continue;
		}
		if (r < 0)
			goto out;
		size_t net_first = n_binds;
		/* a lease: the port its own DHCP came in on; a static host
		 * (maybe set by hand, no DHCP): that, or where the bridge
		 * learned it */
		k = binding_compute(idx, np, seen.v, seen.n, addrs, n_leases, b->binds, b->n_binds,
				    &binds, &n_binds);
		if (k >= 0)
			k = binding_compute(idx, np, where, (size_t)n_where, addrs + n_leases,
					    n_addrs - n_leases, b->binds, b->n_binds, &binds,
					    &n_binds);
		if (k >= 0)
			k = waiting_add(&waiting, &n_waiting, (uint32_t)i, addrs, n_addrs,
					binds + net_first, n_binds - net_first);
		if (k >= 0)
			k = net_addrs6(b, i, idx, np, &fdb, &nb, addrs, n_addrs, &binds, &n_binds);
		free(addrs);
		addrs = NULL;
		if (k < 0 || (k = kept_add(b, i, &kept, &n_kept)) < 0) {
			r = (int)k;
			goto out;
		}
		tags_set(binds + net_first, n_binds - net_first, n->name);
	}
	for (size_t p = 0; p < b->n_ports; p++) {
		memcpy(pe[p].key.ifname, b->ports[p].name, IFNAMSIZ);
		nft_bind_chain_name(conf->networks[b->ports[p].net].name, pe[p].chain,
				    NFT_NAME_MAX);
	}
	binds_order(binds, n_binds);
	struct nft_bind_set set = { pe, b->n_ports, binds, n_binds, kept, n_kept };
	if ((r = sets_commit(b, &set, refill)) < 0)
		goto out;
	/* which networks: the cost of a sync follows them, not the host */
	log_debug("guest binding: %zu of %zu network%s recomputed (%s%s), %zu port%s, "
		  "%zu binding%s",
		  n_done, conf->n_networks, conf->n_networks == 1 ? "" : "s", names,
		  strlen(names) + 1 >= sizeof(names) ? " ..." : "", b->n_ports,
		  b->n_ports == 1 ? "" : "s", n_binds, n_binds == 1 ? "" : "s");
	free(b->binds);
	b->binds = binds;
	b->n_binds = n_binds;
	binds = NULL;
	binding_sort(NULL, 0, waiting, n_waiting);
	free(b->waiting);
	b->waiting = waiting;
	b->n_waiting = n_waiting;
	waiting = NULL;
	/* synced: clean until their inputs change again */
	for (size_t i = 0; b->dirty && i < b->n_dirty; i++)
		if (sync[i])
			b->dirty[i] = false;
	if (b->expiry && b->n_dirty == conf->n_networks)
		memcpy(b->expiry, expiry, conf->n_networks * sizeof(*expiry));
	binding_state_save(b, conf->state_dir);
	dhcp_records_forget(b, &seen, &dmacs);
	if (again)
		binding_settle(b, BINDING_SETTLE_MS);
	else
		expiry_arm(b);
	r = 0;
out:
	free(sync);
	free(expiry);
	free(tags);
	free(where);
	free(seen.v);
	free(dmacs.v);
	free(binds);
	free(addrs);
	free(kept);
	free(waiting);
	free(nb.v);
	free(fdb.v);
	free(idx);
	free(pe);
	return r;
}

size_t binding_port_macs(const struct gw_binding *b, uint32_t ifindex, uint8_t (*macs)[6],
			 size_t max)
{
	size_t n = 0;

	if (!b)
		return 0;
	for (size_t i = 0; i < b->n_binds; i++) {
		if (b->binds[i].ifindex != ifindex)
			continue;
		/* one MAC per binding; a MAC with two addresses counted once */
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = b->binds[k].ifindex == ifindex &&
			       !memcmp(b->binds[k].mac, b->binds[i].mac, 6);
		if (seen)
			continue;
		if (n < max)
			memcpy(macs[n], b->binds[i].mac, 6);
		n++;
	}
	return n;
}
