/* Guest binding's DHCP records (issue 16 item 1). The kernel notes, in
 * the bridge table's dhcp_seen set, the port each MAC's own DHCP came in
 * on, first come first served, and drops that MAC from every other port
 * (nft/binding.c). A lease's MAC is bound to that port: never to the one
 * the bridge's forwarding database names, which any guest teaches by
 * sending with a neighbour's MAC. Here: reading the records back, and
 * deleting those of ports that are gone, so that a guest whose port was
 * replaced may DHCP from its new one at once. */
#include "gatewayd/core/binding_int.h"
#include "gatewayd/core/ctx.h"
#include "lib/log.h"
#include "nft/inspect.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <stdlib.h>
#include <string.h>

static int record_add(struct fdb_dump *d, uint32_t ifindex, const uint8_t *mac)
{
	struct binding_fdb *v = realloc(d->v, (d->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	d->v = v;
	v[d->n].ifindex = ifindex;
	memcpy(v[d->n++].mac, mac, 6);
	return 0;
}

/* dhcp_seen's key: iif (host order, as the kernel's meta iif) . MAC */
static int seen_cb(const uint8_t *key, void *arg)
{
	uint32_t ifindex;

	memcpy(&ifindex, key, 4);
	return record_add(arg, ifindex, key + 4);
}

/* dhcp_macs' key: the network's tag (big endian) . MAC */
static int mac_cb(const uint8_t *key, void *arg)
{
	uint32_t be;

	memcpy(&be, key, 4);
	return record_add(arg, ntohl(be), key + 4);
}

static void records_restart(void *arg)
{
	((struct fdb_dump *)arg)->n = 0;
}

int dhcp_records_read(struct fdb_dump *seen, struct fdb_dump *macs)
{
	/* The MACs first: a record added between the two reads is then in
	 * seen only, never taken for a MAC without its port. */
	int r = nft_set_keys_read(NFPROTO_BRIDGE, NFT_DHCP_MACS, 10, mac_cb, records_restart, macs);

	if (r >= 0)
		r = nft_set_keys_read(NFPROTO_BRIDGE, NFT_DHCP_SEEN, 10, seen_cb, records_restart,
				      seen);
	binding_sort(NULL, 0, seen->v, seen->n);
	binding_sort(NULL, 0, macs->v, macs->n);
	return r;
}

/* ports[]'s index of ifindex, or n */
static size_t port_at(const uint32_t *ports, size_t n, uint32_t ifindex)
{
	size_t i = 0;

	while (i < n && ports[i] != ifindex)
		i++;
	return i;
}

long binding_forget(const uint32_t *ports, const uint32_t *tags, size_t n_ports,
		    const struct binding_fdb *seen, size_t n_seen, const struct binding_fdb *macs,
		    size_t n_macs, struct nft_bind **gone, size_t *n_gone,
		    struct nft_bind **gone_macs, size_t *n_gone_macs)
{
	*gone = calloc(n_seen + 1, sizeof(**gone));
	*gone_macs = calloc(n_macs + 1, sizeof(**gone_macs));
	*n_gone = *n_gone_macs = 0;
	if (!*gone || !*gone_macs) {
		free(*gone);
		free(*gone_macs);
		*gone = NULL;
		*gone_macs = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_seen; i++) {
		if (port_at(ports, n_ports, seen[i].ifindex) < n_ports)
			continue;
		(*gone)[*n_gone].ifindex = seen[i].ifindex;
		memcpy((*gone)[(*n_gone)++].mac, seen[i].mac, 6);
	}
	/* a MAC of a network without its port there (the port went, or its
	 * record timed out first): it would be kept from every port of that
	 * network */
	for (size_t i = 0; i < n_macs; i++) {
		bool held = false;

		for (size_t k = binding_first_mac(seen, sizeof(*seen), n_seen, macs[i].mac);
		     k < n_seen && !held && !memcmp(seen[k].mac, macs[i].mac, 6); k++) {
			size_t p = port_at(ports, n_ports, seen[k].ifindex);

			held = p < n_ports && tags[p] == macs[i].ifindex;
		}
		if (held)
			continue;
		(*gone_macs)[*n_gone_macs].ifindex = macs[i].ifindex;
		memcpy((*gone_macs)[(*n_gone_macs)++].mac, macs[i].mac, 6);
	}
	return (long)(*n_gone + *n_gone_macs);
}

void dhcp_records_forget(struct gw_binding *b, const struct fdb_dump *seen,
			 const struct fdb_dump *macs)
{
	uint32_t *ports = calloc(b->n_ports + 1, sizeof(*ports));
	uint32_t *tags = calloc(b->n_ports + 1, sizeof(*tags));
	struct nft_bind *gone = NULL, *gone_macs = NULL;
	size_t n_gone, n_gone_macs;
	char err[512];
	int r;

	if (!ports || !tags)
		goto out;
	for (size_t i = 0; i < b->n_ports; i++) {
		ports[i] = b->ports[i].ifindex;
		tags[i] = nft_net_tag(b->ctx->conf->networks[b->ports[i].net].name);
	}
	if (binding_forget(ports, tags, b->n_ports, seen->v, seen->n, macs->v, macs->n, &gone,
			   &n_gone, &gone_macs, &n_gone_macs) > 0 &&
	    (r = nft_dhcp_forget(b->ctx->nft, gone, n_gone, gone_macs, n_gone_macs, err,
				 sizeof(err))) < 0)
		/* one gone meanwhile (timed out): the next sync tries again */
		log_info("guest binding: deleting the DHCP records of %zu port%s gone: %s", n_gone,
			 n_gone == 1 ? "" : "s", err);
	else if (n_gone)
		log_debug("guest binding: %zu DHCP record%s of ports gone deleted", n_gone,
			  n_gone == 1 ? "" : "s");
out:
	free(gone_macs);
	free(gone);
	free(tags);
	free(ports);
}
