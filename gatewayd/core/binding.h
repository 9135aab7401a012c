/* Guest binding at run time: keeps the bridge table's binding sets
 * (nft/binding.h) equal to what the leases and the static hosts say, on
 * the port each MAC's own DHCP came in on (the kernel's dhcp_seen set;
 * a static host that does no DHCP: the bridges' forwarding databases). */
#ifndef GW_CORE_BINDING_H
#define GW_CORE_BINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gatewayd/host/facts.h"
#include "nft/binding.h"

struct gw_ctx;
struct gw_binding;

/* Bring the sets in line with the leases, static hosts and guest ports,
 * in one transaction of the elements that differ (none: nothing sent);
 * refill: flushed and refilled whole, every network computed again
 * (start, reload, tables restored). f: the host as just read (the guest
 * ports are taken from it; the networks whose ports or bridge differ from
 * the last are computed again, with those marked by lease files, neighbour
 * events and leases running out since the last sync; the others' bindings
 * are kept as they are), or NULL to keep the last ports. Called by the
 * watch only when a network's ports changed. Starts watching state_dir's
 * lease files the first time. Logs its own failures. */
void binding_sync(struct gw_ctx *ctx, const struct host_facts *f, bool refill);
void binding_free(struct gw_binding *b);

/* The MACs bound to guest port ifindex (as last committed), at most max of
 * them into macs; returns how many there are. For status. */
size_t binding_port_macs(const struct gw_binding *b, uint32_t ifindex, uint8_t (*macs)[6],
			 size_t max);

/* bind_nets' elements as the daemon last made them (port name -> jump
 * bind_NET, conf: the configuration they were made from), malloc'd, *n
 * of them; NULL with *n = 0 if none or out of memory. For a reload that
 * rewrites the map (nft_update.bind_ports). */
struct nft_elem *binding_port_elems(const struct gw_binding *b, const struct gw_conf *conf,
				    size_t *n, uint32_t **ifindex);
/* ... *ifindex (if not NULL): their ports' ifindexes, in the same order,
 * malloc'd. And the fast paths' elements in force into u (bind4, bind6:
 * b's own, valid until its next sync), which the same rewrite deletes
 * for the ports it drops. */
void binding_fast_in_force(const struct gw_binding *b, struct nft_update *u);

/* Pure, for the unit tests: the bindings of one network. prev and fdb
 * sorted by MAC (binding_sort()). ports: its guest ports' ifindexes;
 * fdb: (ifindex, MAC) where each MAC may be bound -- for leases the port
 * its own DHCP came in on (dhcp_seen), never the bridge's forwarding
 * database, which any guest teaches with a neighbour's MAC; addrs: (MAC,
 * address) from its leases or static hosts; prev: the bindings in force,
 * kept while their port stays (a silent guest's MAC ages out, and its
 * dropped frames do not teach it again). Appends to *out (realloc'd);
 * returns how many it added or -ENOMEM. */
struct binding_fdb {
	uint32_t ifindex;
	uint8_t mac[6];
};
long binding_compute(const uint32_t *ports, size_t n_ports, const struct binding_fdb *fdb,
		     size_t n_fdb, const struct nft_bind *addrs, size_t n_addrs,
		     const struct nft_bind *prev, size_t n_prev, struct nft_bind **out,
		     size_t *n_out);

/* (MAC, IPv4 address) pairs of network n: every lease line of
 * state_dir/NAME.leases (unexpired; *n_leases of them), then its static
 * hosts. *out is malloc'd. 0, -ENOMEM, or -EAGAIN while dnsmasq writes
 * the file (leases_load_settled()). */
struct gw_conf;
struct gw_network;
int binding_net_addrs(const struct gw_conf *conf, const struct gw_network *n, struct nft_bind **out,
		      size_t *n_out, size_t *n_leases);

/* Pure, for the unit tests: how long to wait before a sync asked for at
 * now (ms) to happen in ms, when *unsynced (0: none) is when the first
 * change not synced yet came (set to now if 0): never past
 * BINDING_SETTLE_MAX_MS from it. */
uint64_t binding_settle_delay(uint64_t now, uint64_t *unsynced, uint64_t ms);

/* Pure: where a static host's MAC may be bound -- the port its DHCP came
 * in on if it did DHCP (seen), else where the bridge learned it (fdb: a
 * guest configured by hand sends no DHCP). *out: malloc'd, sorted by MAC;
 * returns its length or -ENOMEM. seen sorted by MAC. */
long binding_where(const struct binding_fdb *seen, size_t n_seen, const struct binding_fdb *fdb,
		   size_t n_fdb, struct binding_fdb **out);

/* Pure: the DHCP records to delete -- seen's (ifindex, MAC) whose port is
 * not among ports[] into *gone, and macs' (tag, MAC) -- a binding_fdb
 * whose ifindex is the network's tag -- that no record of seen on a port
 * still there of that network (tags[], one per port) has into *gone_macs
 * (the same layout). seen sorted by MAC. Returns how many (both) or
 * -ENOMEM; the caller frees both. */
long binding_forget(const uint32_t *ports, const uint32_t *tags, size_t n_ports,
		    const struct binding_fdb *seen, size_t n_seen, const struct binding_fdb *macs,
		    size_t n_macs, struct nft_bind **gone, size_t *n_gone,
		    struct nft_bind **gone_macs, size_t *n_gone_macs);

/* Pure: the network (index in conf) whose lease file state_dir/file is
 * (NAME.leases), or -1: the network an inotify event on state_dir marks
 * for the next sync (binding_dirty.c). */
long binding_lease_net(const struct gw_conf *conf, const char *file);

/* Sort bindings and forwarding-database entries by MAC, as
 * binding_compute() wants them. */
void binding_sort(struct nft_bind *v, size_t n, struct binding_fdb *fdb, size_t n_fdb);

#endif
