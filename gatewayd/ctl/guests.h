/* Each guest port of a network as status and doctor show it: the
 * guest's MAC, its lease or static host, and what is dropping its
 * packets (issue 19 item 5). Read on demand, from the kernel's records
 * (nft/binding.h NFT_BIND_MISS4_SET ...) and the lease file. */
#ifndef GW_CTL_GUESTS_H
#define GW_CTL_GUESTS_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp/leases.h"

struct gw_ctx;
struct gw_network;

/* Sources guest binding dropped on one port that are shown by name (the
 * count goes on past it). */
#define GUEST_UNBOUND_MAX 4

/* One source guest binding dropped: this MAC sent from this address on
 * the port within the last NFT_BIND_MISS_TIMEOUT_S. */
struct guest_unbound {
	uint8_t mac[6];
	int family; /* AF_INET (IPv4 or ARP) or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} a;
};

/* What drops a guest port's packets. One field per cause; a cause that
 * has nothing to say leaves its field 0. */
struct guest_drops {
	/* guest binding: sources bound to no guest of this port (bind_miss4
	 * and bind_miss6), n_unbound of them, the first GUEST_UNBOUND_MAX
	 * in unbound[] */
	size_t n_unbound;
	struct guest_unbound unbound[GUEST_UNBOUND_MAX];
	/* the DHCP meter: MACs that sent DHCP on this port in the last hour
	 * (dhcp_clients); past NFT_METER_BURST new ones come at
	 * NFT_METER_RATE a minute and the rest are dropped */
	unsigned dhcp_clients;
	/* issue 19 items 1 and 2: packets dropped by the port's bandwidth
	 * limit and by the guest's connection quota. Filled by their
	 * modules (core/shaping.c, nft/quota.c) in guests_read() at merge;
	 * 0 until then. */
	uint64_t bandwidth_dropped, quota_dropped;
};

struct guest_row {
	char port[IFNAMSIZ];
	uint32_t ifindex;
	/* the MACs guest binding bound on the port, else the MACs it
	 * dropped: "52:54:00:12:34:56[,...]" */
	char mac[4 * 18];
	char lease[4 * INET6_ADDRSTRLEN]; /* the IPv4 leases of those MACs */
	char host[64];			  /* the static host of one of them, or "" */
	struct guest_drops drops;
};

struct guest_list {
	struct guest_row *v;
	size_t n;
};

/* The kernel's records of what it dropped (guest binding's bind_miss4
 * and bind_miss6, less what bind4 and bind6 allow now; the DHCP meter's
 * clients): read once for a whole request, whatever the number of
 * networks. 0 or -errno. */
struct guest_sets;
int guest_sets_read(struct guest_sets **out);
void guest_sets_free(struct guest_sets *s);

/* Network net's guest ports (the ports status shows), each with what
 * drops its packets, from sets (NULL: read them for this call); leases:
 * the network's, as read from its lease file (nl of them, < 0 none). 0
 * or -errno; guests_release() either way. */
int guests_read(struct gw_ctx *ctx, size_t net, const struct guest_sets *sets,
		const struct lease *leases, int nl, struct guest_list *out);
void guests_release(struct guest_list *g);

/* The drops as one line for status ("binding: 52:54:00:00:00:01 from
 * 10.1.0.77; DHCP meter: 6 clients"), "" if nothing drops. */
void guest_drops_text(const struct guest_drops *d, char *buf, size_t len);
/* doctor: does something drop this guest's packets, and what to do.
 * 1 (FAIL: guest binding drops it) with detail and fix filled; or 0,
 * detail saying what the guest has, and fix a warning's or "". */
int guest_diagnose(const struct gw_network *n, const struct guest_row *g, char *detail, size_t dlen,
		   char *fix, size_t flen);

#endif
