/* Guest binding's insides, shared by binding.c (IPv4 from leases and
 * static hosts, the forwarding databases, the sync) and binding6.c (IPv6:
 * the neighbour table, first come first served). Not for other modules:
 * they use binding.h. */
#ifndef GW_CORE_BINDING_INT_H
#define GW_CORE_BINDING_INT_H

#include "gatewayd/core/binding.h"
#include "conf/conf.h"
#include "lib/nl.h"

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>

#define BINDING_SETTLE_MS 20
/* ... but no longer than this from the first write or event not synced
 * yet: a guest renewing its lease every few milliseconds (each renewal
 * rewrites the file) delays a sync, never starves it. */
#define BINDING_SETTLE_MAX_MS 200
/* A guest that makes up addresses by the thousand must neither grow the
 * sets without bound nor keep the loop busy: at most this many IPv6
 * addresses held per port (more pass unheld), and syncs that new
 * neighbours ask for at most every BINDING6_GAP_MS. */
#define BINDING6_PER_PORT 32
#define BINDING6_GAP_MS	  250
#define BINDING_STATE	  "guest-bindings" /* in state_dir: "IFINDEX MAC [IPV6]" lines */

struct bport {
	char name[IFNAMSIZ];
	uint32_t ifindex;
	size_t net;
};

/* Per network: its bridge, and the addresses held from the start. */
struct bnet {
	uint32_t bridge; /* ifindex, 0 if not there */
	size_t n_kept;
	struct in6_addr *kept;
};

struct gw_binding {
	struct gw_ctx *ctx;
	/* per network of conf (n_dirty of them): its inputs changed since its
	 * last sync -- a sync recomputes only these, the others' bindings are
	 * kept as they are in force. All of them when conf is not the one
	 * they were counted for (start, reload) or a sync refills. expiry:
	 * the earliest lease of the network that runs out (time(), 0: none) */
	const struct gw_conf *dirty_conf;
	size_t n_dirty;
	bool *dirty;
	uint64_t *expiry;
	int ifd, wd; /* inotify on dir, or -1 */
	char dir[GW_PATH_MAX];
	struct eloop_timer *settle;
	struct nl *mon; /* neighbour events, or NULL */
	size_t n_nets;
	struct bnet *nets;
	size_t n_ports;
	struct bport *ports;
	size_t n_binds;
	struct nft_bind *binds; /* as last committed */
	bool loaded;		/* binds read from BINDING_STATE */
	uint64_t last_sync;	/* CLOCK_MONOTONIC ms of the last do_sync() */
	uint64_t unsynced;	/* ms of the first change not synced yet, 0 if none */
	size_t n_waiting;
	struct binding_fdb *waiting; /* MACs with an address, not bound yet: by MAC,
				      * ifindex: the network's index */
	/* the sets' elements as last committed (valid: in force), so that a
	 * sync sends only what differs; and BINDING_STATE's text as last
	 * written, so that it is written only when it changes */
	struct nft_bind_elems in_force;
	bool in_force_valid;
	char *state_text;
	size_t state_len;
};

struct fdb_dump {
	struct binding_fdb *v;
	size_t n;
	int err;
};

struct neigh6 {
	uint32_t ifindex; /* the bridge */
	uint8_t mac[6];
	struct in6_addr a6;
};

struct neigh_list {
	struct neigh6 *v;
	size_t n;
};

/* binding_match.c: the first of v[0..n) (elements of size bytes, an
 * nft_bind or a binding_fdb, sorted by MAC) with this MAC, or where it
 * would be. */
size_t binding_first_mac(const void *v, size_t size, size_t n, const uint8_t mac[6]);

/* binding_match.c: the MACs among addrs that got no binding (bound: what
 * binding_compute() made of them), appended to *w; the bindings in force
 * on these ports, appended to *out as they are. 0 or -ENOMEM. */
long waiting_add(struct binding_fdb **w, size_t *n, uint32_t net, const struct nft_bind *addrs,
		 size_t n_addrs, const struct nft_bind *bound, size_t n_bound);
long binds_keep(const struct nft_bind *v, size_t n, const uint32_t *ports, size_t np,
		struct nft_bind **out, size_t *n_out);

/* binding_dirty.c, pure: mark dirty[net] (n_nets of them) of every
 * network whose guest ports (ifindex and name) differ between old and
 * new, either order. 0 or -ENOMEM. */
int binding_ports_dirty(const struct bport *old, size_t n_old, const struct bport *new,
			size_t n_new, bool *dirty, size_t n_nets);
/* binding_dirty.c, pure: the bindings of v on a port (of ports[]) of a
 * network that is not dirty, appended to *out as they are but for their
 * tag (tags[net]); how many, or -ENOMEM. */
long binds_keep_clean(const struct nft_bind *v, size_t n, const struct bport *ports, size_t n_ports,
		      const bool *dirty, const uint32_t *tags, size_t n_nets, struct nft_bind **out,
		      size_t *n_out);
/* binding_dirty.c: one order for bindings, whichever networks were
 * recomputed (the state file is then written only when they change). */
void binds_order(struct nft_bind *v, size_t n);

/* binding.c: recompute the dirty networks (all when refill) and commit
 * what differs from the sets in force. */
int binding_do_sync(struct gw_binding *b, bool refill);
/* binding.c: the dirty set sized for the configuration in force (all of
 * a new one dirty). */
void binding_dirty_prepare(struct gw_binding *b);
/* binding.c: b's guest ports and bridges from the host as f shows it;
 * the networks whose ports or bridge changed marked dirty. */
void binding_ports_from(struct gw_binding *b, const struct gw_conf *conf,
			const struct host_facts *f);
/* binding_wake.c: how long a sync that new neighbours ask for waits. */
uint64_t binding_pace(const struct gw_binding *b);
/* binding_wake.c: sync in ms, or sooner: at most BINDING_SETTLE_MAX_MS
 * after the first change not synced yet. */
void binding_settle(struct gw_binding *b, uint64_t ms);
/* binding.c: mac has an address (lease, static host) but no binding:
 * its networks marked dirty; false if none. */
bool binding_waiting(struct gw_binding *b, const uint8_t mac[6]);
/* binding.c: network i's inputs changed (SIZE_MAX: every network's; another i
 * past the networks: ignored). */
void binding_dirty(struct gw_binding *b, size_t i);

/* binding_dhcp.c: the kernel's DHCP records (dhcp_macs, then dhcp_seen),
 * each sorted by MAC; and the deletion of those of ports no longer among
 * b's guest ports (and of MACs left without their port). */
int dhcp_records_read(struct fdb_dump *seen, struct fdb_dump *macs);
void dhcp_records_forget(struct gw_binding *b, const struct fdb_dump *seen,
			 const struct fdb_dump *macs);

/* binding6.c */
int neigh_read(struct gw_binding *b, struct neigh_list *d);
void nets_free(struct gw_binding *b);
void nets_from(struct gw_binding *b, const struct gw_conf *conf, const struct host_facts *f);
long net_addrs6(struct gw_binding *b, size_t i, const uint32_t *idx, size_t np,
		const struct fdb_dump *fdb, const struct neigh_list *nb, const struct nft_bind *v4,
		size_t n_v4, struct nft_bind **binds, size_t *n_binds);
long kept_add(const struct gw_binding *b, size_t i, struct in6_addr **kept, size_t *n);
void on_neigh(int fd, uint32_t events, void *arg);

/* binding_files.c: binding_net_addrs(), and *expiry: the earliest of its
 * leases that runs out (0: none); the bindings of the last run, as where
 * each MAC was (kept by binding_compute() only while that port is still a
 * guest port); BINDING_STATE written if its text changed. */
int binding_addrs_read(const struct gw_conf *conf, const struct gw_network *n,
		       struct nft_bind **out, size_t *n_out, size_t *n_leases, uint64_t *expiry);
void binding_state_load(struct gw_binding *b, const char *dir);
void binding_state_save(struct gw_binding *b, const char *dir);

#endif
