/* Guest binding's run-time fill (the rules are nft/binding.c's): what the
 * daemon computed (gatewayd/core/binding.c) as each set's elements, and
 * one transaction that makes the sets hold them -- at start, reload and
 * after a restore flushed and refilled together (nft_set_binding()), at
 * run time only the elements that differ from those in force, deletes
 * then adds (nft_set_binding_delta(); nothing sent when they are equal):
 * no frame sees them half done either way. And the deletion of DHCP
 * records (the kernel adds them: nft/binding.c) of ports that are gone.
 * Pure up to nft_set_binding*() and nft_dhcp_forget(). */
#include "binding.h"
#include "msg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdlib.h>
#include <string.h>

static int key_cmp(const void *a, const void *b)
{
	return memcmp(((const struct nft_elem *)a)->key.raw, ((const struct nft_elem *)b)->key.raw,
		      sizeof(((const struct nft_elem *)a)->key.raw));
}

/* One element per key (a MAC with two addresses is bound once): sorted,
 * then each run of equal keys kept once -- n log n, for the thousands of
 * bindings of a host with many guests. Returns how many are left. */
static size_t elems_unique(struct nft_elem *e, size_t n)
{
	size_t k = 0;

	if (n < 2)
		return n;
	qsort(e, n, sizeof(*e), key_cmp);
	for (size_t i = 1; i < n; i++)
		if (key_cmp(&e[k], &e[i]))
			e[++k] = e[i];
	return k + 1;
}

/* One set's elements from the bindings (and kept, for claimed6): sorted,
 * one per key. *out malloc'd; returns how many or -ENOMEM. */
static long bind_elems_make(enum nft_key key, const struct nft_bind *binds, size_t n,
			    const struct in6_addr *kept, size_t n_kept, struct nft_elem **out)
{
	struct nft_elem *e = calloc(n + n_kept + 1, sizeof(*e));
	size_t k = 0;

	if (!(*out = e))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint8_t *raw = e[k].key.raw;

		switch (key) {
		case NK_BIND4:
			if (!binds[i].has4)
				continue;
			memcpy(raw, &binds[i].ifindex, 4);
			memcpy(raw + 4, binds[i].mac, 6);
			memcpy(raw + 12, &binds[i].a4, 4);
			break;
		case NK_BIND6:
			if (!binds[i].has6)
				continue;
			memcpy(raw, &binds[i].ifindex, 4);
			memcpy(raw + 4, binds[i].mac, 6);
			memcpy(raw + 12, &binds[i].a6, 16);
			break;
		case NK_CLAIM6:
			if (!binds[i].has6)
				continue;
			memcpy(raw, &binds[i].a6, 16);
			break;
		case NK_BIND_MAC:
			memcpy(raw, &binds[i].ifindex, 4);
			memcpy(raw + 4, binds[i].mac, 6);
			break;
		default: { /* NK_BIND_ETHER: the network's tag . MAC */
			uint32_t be = htonl(binds[i].tag);

			memcpy(raw, &be, 4);
			memcpy(raw + 4, binds[i].mac, 6);
			break;
		}
		}
		k++;
	}
	for (size_t i = 0; key == NK_CLAIM6 && i < n_kept; i++)
		memcpy(e[k++].key.raw, &kept[i], 16);
	return (long)elems_unique(e, k);
}

static struct nft_set_plan bind_set_plan(const char *set, enum nft_key key)
{
	struct nft_set_plan sp = { .family = NFPROTO_BRIDGE, .key = key, .dynamic = true };

	snprintf(sp.name, sizeof(sp.name), "%s", set);
	return sp;
}

static int bind_elems(struct nft_batch *b, const char *set, enum nft_key key,
		      const struct nft_bind *binds, size_t n, const struct in6_addr *kept,
		      size_t n_kept)
{
	struct nft_set_plan sp = bind_set_plan(set, key);
	struct nft_elem *e;
	long k = bind_elems_make(key, binds, n, kept, n_kept, &e);
	int r;

	if (k < 0)
		return (int)k;
	r = batch_flush_map(b, NFPROTO_BRIDGE, set);
	if (r >= 0 && k)
		r = batch_set_elems_msg(b, NFT_MSG_NEWSETELEM, &sp, 0, e, (size_t)k);
	free(e);
	return r;
}

/* guest_ports: the names of bind_nets' ports. */
static int guest_port_elems(struct nft_batch *b, const struct nft_elem *ports, size_t n)
{
	struct nft_set_plan sp = bind_set_plan(NFT_GUEST_PORTS_SET, NK_GUEST_PORT);
	struct nft_elem *e = calloc(n + 1, sizeof(*e));
	int r;

	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		memcpy(e[i].key.ifname, ports[i].key.ifname, IFNAMSIZ);
	r = batch_flush_map(b, NFPROTO_BRIDGE, NFT_GUEST_PORTS_SET);
	if (r >= 0 && n)
		r = batch_set_elems_msg(b, NFT_MSG_NEWSETELEM, &sp, 0, e, n);
	free(e);
	return r;
}

int nft_batch_binding(uint32_t seq, const struct nft_bind_set *s, struct nft_batch **out)
{
	struct nft_batch *b = batch_new(seq);
	int r;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	/* Flushed and refilled in one transaction: no frame sees them
	 * half done. */
	if ((r = batch_begin(b)) < 0 ||
	    (r = batch_flush_map(b, NFPROTO_BRIDGE, NFT_BIND_MAP)) < 0 ||
	    (r = batch_map_elems(b, NFPROTO_BRIDGE, NFT_BIND_MAP, 0, NK_IIFNAME, s->ports,
				 s->n_ports)) < 0 ||
	    (r = bind_elems(b, NFT_BIND4_SET, NK_BIND4, s->binds, s->n, NULL, 0)) < 0 ||
	    (r = bind_elems(b, NFT_BIND_MAC_SET, NK_BIND_MAC, s->binds, s->n, NULL, 0)) < 0 ||
	    (r = bind_elems(b, NFT_BIND_ETHER_SET, NK_BIND_ETHER, s->binds, s->n, NULL, 0)) < 0 ||
	    (r = bind_elems(b, NFT_BIND6_SET, NK_BIND6, s->binds, s->n, NULL, 0)) < 0 ||
	    (r = bind_elems(b, NFT_CLAIM6_SET, NK_CLAIM6, s->binds, s->n, s->kept, s->n_kept)) <
		    0 ||
	    (r = guest_port_elems(b, s->ports, s->n_ports)) < 0 || (r = batch_end(b)) < 0) {
		nft_batch_free(b);
		return r;
	}
	*out = b;
	return 0;
}

/* --- element deltas --------------------------------------------------------- */

static const struct {
	const char *name;
	enum nft_key key;
} bind_sets[NFT_BIND_SETS] = {
	{ NFT_BIND_MAP, NK_IIFNAME },
	{ NFT_BIND4_SET, NK_BIND4 },
	{ NFT_BIND_MAC_SET, NK_BIND_MAC },
	{ NFT_BIND_ETHER_SET, NK_BIND_ETHER },
	{ NFT_BIND6_SET, NK_BIND6 },
	{ NFT_CLAIM6_SET, NK_CLAIM6 },
	{ NFT_GUEST_PORTS_SET, NK_GUEST_PORT },
};

int nft_bind_elems_make(const struct nft_bind_set *s, struct nft_bind_elems *out)
{
	long k;

	memset(out, 0, sizeof(*out));
	for (size_t i = 1; i < NFT_BIND_SETS - 1; i++) {
		k = bind_elems_make(bind_sets[i].key, s->binds, s->n, s->kept, s->n_kept,
				    &out->v[i]);
		if (k < 0)
			goto oom;
		out->n[i] = (size_t)k;
	}
	/* the map (port -> jump bind_NET) and guest_ports (its ports) */
	if (!(out->v[0] = calloc(s->n_ports + 1, sizeof(*out->v[0]))) ||
	    !(out->v[NFT_BIND_SETS - 1] = calloc(s->n_ports + 1, sizeof(*out->v[0]))))
		goto oom;
	memcpy(out->v[0], s->ports, s->n_ports * sizeof(*s->ports));
	out->n[0] = elems_unique(out->v[0], s->n_ports);
	for (size_t i = 0; i < out->n[0]; i++)
		memcpy(out->v[NFT_BIND_SETS - 1][i].key.ifname, out->v[0][i].key.ifname, IFNAMSIZ);
	out->n[NFT_BIND_SETS - 1] = out->n[0];
	return 0;
oom:
	nft_bind_elems_release(out);
	return -ENOMEM;
}

void nft_bind_elems_release(struct nft_bind_elems *e)
{
	for (size_t i = 0; i < NFT_BIND_SETS; i++)
		free(e->v[i]);
	memset(e, 0, sizeof(*e));
}

/* Same key, and for the map the same chain. */
static int elem_cmp(const struct nft_elem *a, const struct nft_elem *b, bool map)
{
	int c = key_cmp(a, b);

	return c || !map ? c : strcmp(a->chain, b->chain);
}

/* a minus b (both sorted, one per key) into out; how many. */
static size_t elems_minus(const struct nft_elem *a, size_t na, const struct nft_elem *b, size_t nb,
			  bool map, struct nft_elem *out)
{
	size_t i = 0, j = 0, k = 0;

	while (i < na) {
		int c = j < nb ? key_cmp(&a[i], &b[j]) : -1;

		if (c < 0) {
			out[k++] = a[i++];
		} else if (c > 0) {
			j++;
		} else {
			if (elem_cmp(&a[i], &b[j], map))
				out[k++] = a[i];
			i++;
			j++;
		}
	}
	return k;
}

static int delta_msgs(struct nft_batch *b, size_t set, uint16_t type, const struct nft_elem *e,
		      size_t n)
{
	struct nft_set_plan sp = bind_set_plan(bind_sets[set].name, bind_sets[set].key);

	if (!n)
		return 0;
	if (set == 0)
		return batch_map_elems_msg(b, type, NFPROTO_BRIDGE, NFT_BIND_MAP, 0, NK_IIFNAME, e,
					   n);
	return batch_set_elems_msg(b, type, &sp, 0, e, n);
}

int nft_batch_binding_delta(uint32_t seq, const struct nft_bind_elems *old,
			    const struct nft_bind_elems *new, struct nft_batch **out)
{
	struct nft_batch *b = NULL;
	struct nft_elem *tmp = NULL;
	size_t max = 1;
	int r = 0;

	*out = NULL;
	for (size_t i = 0; i < NFT_BIND_SETS; i++)
		max += old->n[i] + new->n[i];
	if (!(tmp = calloc(max, sizeof(*tmp))))
		return -ENOMEM;
	/* deletes of every set first, then adds: a port or MAC that moves
	 * is deleted and added again in the same transaction */
	for (int pass = 0; pass < 2 && r >= 0; pass++)
		for (size_t i = 0; i < NFT_BIND_SETS && r >= 0; i++) {
			const struct nft_bind_elems *x = pass ? new : old, *y = pass ? old : new;
			size_t k = elems_minus(x->v[i], x->n[i], y->v[i], y->n[i], i == 0, tmp);

			if (!k)
				continue;
			if (!b && (!(b = batch_new(seq)) || (r = batch_begin(b)) < 0)) {
				r = b ? r : -ENOMEM;
				break;
			}
			r = delta_msgs(b, i, pass ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, tmp,
				       k);
		}
	if (r >= 0 && b)
		r = batch_end(b);
	free(tmp);
	if (r < 0) {
		nft_batch_free(b);
		return r;
	}
	*out = b;
	return 0;
}

/* Those of e[] (keyed iif . ...) whose port is in keep[], into out. */
static size_t fast_kept(const struct nft_elem *e, size_t n, const uint32_t *keep, size_t n_keep,
			struct nft_elem *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t ifindex;
		size_t j = 0;

		memcpy(&ifindex, e[i].key.raw, 4);
		while (j < n_keep && keep[j] != ifindex)
			j++;
		if (j < n_keep)
			out[k++] = e[i];
	}
	return k;
}

/* Flushed and the kept ones added again, rather than the others deleted:
 * a deletion of an element that is not there (a set someone edited, or
 * the daemon's record behind) would fail the whole transaction -- a
 * reload refused for it. */
int nft_batch_bind_fast_keep(struct nft_batch *b, const uint32_t *keep, size_t n_keep,
			     const struct nft_elem *bind4, size_t n4, const struct nft_elem *bind6,
			     size_t n6)
{
	struct nft_elem *tmp = calloc((n4 > n6 ? n4 : n6) + 1, sizeof(*tmp));
	int r = 0;

	if (!tmp)
		return -ENOMEM;
	for (int v6 = 0; v6 < 2 && r >= 0; v6++) {
		size_t set = v6 ? 4 : 1, k = v6 ? fast_kept(bind6, n6, keep, n_keep, tmp)
						: fast_kept(bind4, n4, keep, n_keep, tmp);

		if ((r = batch_flush_map(b, NFPROTO_BRIDGE, bind_sets[set].name)) >= 0)
			r = delta_msgs(b, set, NFT_MSG_NEWSETELEM, tmp, k);
	}
	free(tmp);
	return r;
}

int nft_set_binding_delta(struct nft_conn *conn, const struct nft_bind_elems *old,
			  const struct nft_bind_elems *new, char *err, size_t errlen)
{
	struct nft_batch *b = NULL;
	int r = nft_batch_binding_delta(nft_conn_next_seq(conn), old, new, &b);

	if (r < 0) {
		snprintf(err, errlen, "nft: building the binding delta: %s", strerror(-r));
		return r;
	}
	if (!b)
		return 0;
	r = nft_commit(conn, b, err, errlen);
	nft_batch_free(b);
	return r < 0 ? r : 1;
}

int nft_set_binding(struct nft_conn *conn, const struct nft_bind_set *s, char *err, size_t errlen)
{
	struct nft_batch *b = NULL;
	int r = nft_batch_binding(nft_conn_next_seq(conn), s, &b);

	if (r < 0) {
		snprintf(err, errlen, "nft: building the binding batch: %s", strerror(-r));
		return r;
	}
	r = nft_commit(conn, b, err, errlen);
	nft_batch_free(b);
	return r;
}

/* --- DHCP records (issue 16 item 1) -------------------------------------- */

static int forget_elems(struct nft_batch *b, const char *set, enum nft_key key,
			const struct nft_bind *seen, size_t n, const struct nft_bind *macs,
			size_t n_macs)
{
	struct nft_set_plan sp = { .family = NFPROTO_BRIDGE, .key = key, .dynamic = true };
	struct nft_elem *e = calloc(n + n_macs + 1, sizeof(*e));
	size_t k = 0;
	int r = 0;

	if (!e)
		return -ENOMEM;
	snprintf(sp.name, sizeof(sp.name), "%s", set);
	for (size_t i = 0; key == NK_DHCP_SEEN && i < n; i++, k++) {
		memcpy(e[k].key.raw, &seen[i].ifindex, 4);
		memcpy(e[k].key.raw + 4, seen[i].mac, 6);
	}
	for (size_t i = 0; key == NK_DHCP_MAC && i < n_macs; i++, k++) {
		uint32_t be = htonl(macs[i].ifindex); /* the tag */

		memcpy(e[k].key.raw, &be, 4);
		memcpy(e[k].key.raw + 4, macs[i].mac, 6);
	}
	k = elems_unique(e, k);
	if (k)
		r = batch_set_elems_msg(b, NFT_MSG_DELSETELEM, &sp, 0, e, k);
	free(e);
	return r;
}

int nft_batch_dhcp_forget(uint32_t seq, const struct nft_bind *seen, size_t n,
			  const struct nft_bind *macs, size_t n_macs, struct nft_batch **out)
{
	struct nft_batch *b = batch_new(seq);
	int r;

	*out = NULL;
	if (!b)
		return -ENOMEM;
	if ((r = batch_begin(b)) < 0 ||
	    (r = forget_elems(b, NFT_DHCP_SEEN, NK_DHCP_SEEN, seen, n, macs, n_macs)) < 0 ||
	    (r = forget_elems(b, NFT_DHCP_MACS, NK_DHCP_MAC, seen, n, macs, n_macs)) < 0 ||
	    (r = batch_end(b)) < 0) {
		nft_batch_free(b);
		return r;
	}
	*out = b;
	return 0;
}

int nft_dhcp_forget(struct nft_conn *conn, const struct nft_bind *seen, size_t n,
		    const struct nft_bind *macs, size_t n_macs, char *err, size_t errlen)
{
	struct nft_batch *b = NULL;
	int r = nft_batch_dhcp_forget(nft_conn_next_seq(conn), seen, n, macs, n_macs, &b);

	if (r < 0) {
		snprintf(err, errlen, "nft: building the DHCP records' deletion: %s", strerror(-r));
		return r;
	}
	r = nft_commit(conn, b, err, errlen);
	nft_batch_free(b);
	return r;
}
