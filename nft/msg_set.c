/* The sets' and maps' messages (see msg.h): a set of the plan with its
 * key's nft datatype, its elements (interval sets as the kernel's rbtree
 * wants them), elements added or deleted one by one, and a map flushed.
 * The batch's buffer is msg.c's (msg_int.h). */
#include "msg.h"
#include "msg_int.h"
#include "binding.h"
#include "expr.h"
#include "quota.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* nft's datatype numbers and the byte order it prints keys in. */
static const struct {
	uint32_t type, len, byteorder; /* 1 host (strings), 2 big endian */
} key_types[] = {
	[NK_IIFNAME] = { 41, IFNAMSIZ, 1 },
	[NK_OIFNAME] = { 41, IFNAMSIZ, 1 },
	[NK_ETHER_SADDR] = { 9, 6, 2 },
	[NK_IP_DADDR] = { 7, 4, 2 },
	[NK_IP6_DADDR] = { 8, 16, 2 },
	/* concatenations: nft's type is the parts' types, 6 bits each */
	[NK_FWD4] = { (12 << 6) | 13, 8, 2 },
	[NK_FWD6] = { (12 << 6) | 13, 8, 2 },
	[NK_FWD4_AT] = { (7 << 12) | (12 << 6) | 13, 12, 2 },
	[NK_FWD6_AT] = { (8 << 12) | (12 << 6) | 13, 24, 2 },
	[NK_HAIRPIN4] = { (41 << 6) | 7, IFNAMSIZ + 4, 1 },
	[NK_HAIRPIN6] = { (41 << 6) | 8, IFNAMSIZ + 16, 1 },
	/* guest binding (nft/binding.c): iface_index is 20 */
	[NK_BIND4] = { (20 << 12) | (9 << 6) | 7, 16, 2 },
	[NK_BIND_MAC] = { (20 << 6) | 9, 12, 2 },
	[NK_BIND_ETHER] = { (19 << 6) | 9, 12, 2 }, /* mark (19): the network's tag */
	[NK_BIND6] = { (20 << 12) | (9 << 6) | 8, 28, 2 },
	[NK_CLAIM6] = { 8, 16, 2 },
	[NK_GUEST_PORT] = { 41, IFNAMSIZ, 1 },
	[NK_METER] = { 41, IFNAMSIZ, 1 },
	[NK_METER_CLIENT] = { (41 << 6) | 9, IFNAMSIZ + 8, 1 },
	[NK_MAC_SELF] = { (9 << 6) | 9, 16, 2 },
	[NK_DHCP_MAC] = { (19 << 6) | 9, 12, 2 },
	[NK_DHCP_SEEN] = { (20 << 6) | 9, 12, 2 },
	[NK_MISS4] = { (20 << 12) | (9 << 6) | 7, 16, 2 },
	[NK_MISS6] = { (20 << 12) | (9 << 6) | 8, 28, 2 },
	/* ports not known yet (nft/untrusted.c): our subnets */
	[NK_OUR4] = { 7, 4, 2 },
	[NK_OUR6] = { 8, 16, 2 },
	/* connection quota (nft/quota.c): mark (the network's tag) . MAC */
	[NK_QUOTA] = { (19 << 6) | 9, 12, 2 },
	[NK_QUOTA_DROP] = { (19 << 6) | 9, 12, 2 },
	/* mark . guest address: connections in through a port forward */
	[NK_QUOTA_IN4] = { (19 << 6) | 7, 8, 2 },
	[NK_QUOTA_IN6] = { (19 << 6) | 8, 20, 2 },
};

/* An interval set of one address type (nft/untrusted.c) is the kernel's
 * rbtree: each interval is two elements, its first address and, flagged
 * as an end, the address after its last (none if that overflows). */
static bool rbtree_set(const struct nft_set_plan *sp)
{
	return sp->interval && (sp->key == NK_OUR4 || sp->key == NK_OUR6);
}

static int rbtree_end_add(struct nftnl_set *s, const struct nft_elem *el, uint32_t klen)
{
	struct nftnl_set_elem *e;
	uint8_t end[16];
	int i;

	memcpy(end, el->key_end.raw, klen);
	for (i = (int)klen - 1; i >= 0 && ++end[i] == 0; i--)
		;
	if (i < 0)
		return 0;
	if (!(e = nftnl_set_elem_alloc()))
		return -ENOMEM;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, end, klen);
	nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	nftnl_set_elem_add(s, e);
	return 0;
}

/* Port forwards' sets (nft/forward.c): an interval set of a
 * concatenation must say its parts' lengths; a NAT map's data is
 * address . port (ipv4_addr . inet_service). */
static void fwd_set_attrs(struct nftnl_set *s, const struct nft_set_plan *sp)
{
	/* bytes, as libnftnl takes them */
	static const uint8_t f4[] = { 4, 1, 2 }, f6[] = { 16, 1, 2 }, h4[] = { IFNAMSIZ, 4, 0 },
			     h6[] = { IFNAMSIZ, 16, 0 };
	const uint8_t *fields = sp->key == NK_FWD6_AT	 ? f6
				: sp->key == NK_HAIRPIN4 ? h4
				: sp->key == NK_HAIRPIN6 ? h6
							 : f4;
	bool v6 = NFT_KEY_FWD6(sp->key);
	uint32_t flags = 0;

	if (sp->interval) {
		flags |= NFT_SET_INTERVAL | NFT_SET_CONCAT;
		nftnl_set_set_data(s, NFTNL_SET_DESC_CONCAT, fields, sizeof(f4));
	}
	if (sp->data) {
		flags |= NFT_SET_MAP;
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, v6 ? (8 << 6) | 13 : (7 << 6) | 13);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_LEN, v6 ? 20 : 8);
	}
	if (sp->counter) {
		struct nftnl_expr *c = nftnl_expr_alloc("counter");

		if (c)
			nftnl_set_add_expr(s, c);
	}
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
}

static struct nftnl_set *set_new(uint8_t family, const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return NULL;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, NFT_TABLE_NAME);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, family);
	return s;
}

/* Sets and maps are referred to by name and, because they are created in
 * the same batch as the rules and elements that use them, by id: index +
 * 1. */
int batch_set(struct nft_batch *b, const struct nft_set_plan *sp, uint32_t id)
{
	struct nftnl_set *s = set_new(sp->family, sp->name);
	enum nft_key k = sp->key; /* NK_IIFNAME (0) for a plain set */
	struct nftnl_udata_buf *ud;
	char desc[128];
	int r;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, key_types[k].type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, key_types[k].len);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	if (sp->vmap) {
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
	}
	if (!sp->vmap && k >= NK_FWD4 && k <= NK_HAIRPIN6)
		fwd_set_attrs(s, sp);
	/* The sets rules add to (nft's "flags dynamic") carry no size: the
	 * kernel's dynset caps a set without one at 65535 elements when the
	 * rule binds it (nft_dynset_init), the same cap as nft's default, and
	 * its hash then starts small and grows. A size would also be the
	 * hash's initial hint: 65535 made each of these sets a table of 128 Ki
	 * buckets (1 MiB) allocated and zeroed in the commit -- with six of
	 * them, 30-40 ms of a one-network start (perf: nft_rhash_init). */
	if (k == NK_METER || k == NK_METER_CLIENT) { /* nft's "flags dynamic": rules add to it */
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS,
				  NFT_SET_EVAL | (k == NK_METER_CLIENT ? NFT_SET_TIMEOUT : 0));
	}
	if (k == NK_METER_CLIENT)
		nftnl_set_set_u64(s, NFTNL_SET_TIMEOUT, 3600 * 1000);
	/* nft/quota.c: no timeout (the kernel refuses one with ct count) */
	if (k == NK_QUOTA || k == NK_QUOTA_IN4 || k == NK_QUOTA_IN6)
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_EVAL);
	if (k == NK_QUOTA_DROP) {
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_EVAL | NFT_SET_TIMEOUT);
		nftnl_set_set_u64(s, NFTNL_SET_TIMEOUT, (uint64_t)NFT_QUOTA_DROP_TIMEOUT_S * 1000);
	}
	if (k == NK_MAC_SELF) { /* nft/binding_claim.c */
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_EVAL | NFT_SET_TIMEOUT);
		nftnl_set_set_u64(s, NFTNL_SET_TIMEOUT, NFT_MAC_SELF_TIMEOUT_MS);
	}
	if (k == NK_DHCP_MAC || k == NK_DHCP_SEEN) { /* guest binding's DHCP records */
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_EVAL | NFT_SET_TIMEOUT);
		nftnl_set_set_u64(s, NFTNL_SET_TIMEOUT, (uint64_t)NFT_DHCP_SEEN_TIMEOUT_S * 1000);
	}
	if (k == NK_MISS4 || k == NK_MISS6) { /* guest binding's drops, for doctor */
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_EVAL | NFT_SET_TIMEOUT);
		nftnl_set_set_u64(s, NFTNL_SET_TIMEOUT, (uint64_t)NFT_BIND_MISS_TIMEOUT_S * 1000);
		/* the bound: a flood of made-up sources fills it and stops */
		nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, NFT_BIND_MISS_SIZE);
	}
	if (rbtree_set(sp))
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_INTERVAL);
	/* nft prints the elements only if told their byte order. */
	if (!(ud = nftnl_udata_buf_alloc(64))) {
		nftnl_set_free(s);
		return -ENOMEM;
	}
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, key_types[k].byteorder);
	nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
			   nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	snprintf(desc, sizeof(desc), "%s %s %s %s", sp->vmap || sp->data ? "map" : "set",
		 nft_family_name(sp->family), NFT_TABLE_NAME, sp->name);
	if ((r = batch_reserve(b)) >= 0) {
		nftnl_set_nlmsg_build_payload(
			batch_hdr(b, NFT_MSG_NEWSET, sp->family, NLM_F_CREATE), s);
		r = batch_push(b, desc);
	}
	nftnl_set_free(s);
	return r;
}

/* One NEWSETELEM (key -> jump chain) or DELSETELEM (key) for each
 * element. id: the map's set id when it is created in the same batch,
 * else 0. */
int batch_map_elems_msg(struct nft_batch *b, uint16_t type, uint8_t family, const char *map,
			uint32_t id, enum nft_key k, const struct nft_elem *elems, size_t n)
{
	struct nftnl_set *s;
	char desc[128];
	int r;

	if (n == 0)
		return 0;
	if (!(s = set_new(family, map)))
		return -ENOMEM;
	if (id)
		nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	for (size_t i = 0; i < n; i++) {
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();

		if (!e) {
			nftnl_set_free(s);
			return -ENOMEM;
		}
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &elems[i].key, key_types[k].len);
		if (type == NFT_MSG_NEWSETELEM) {
			nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, (uint32_t)NFT_JUMP);
			nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, elems[i].chain);
		}
		nftnl_set_elem_add(s, e);
	}
	snprintf(desc, sizeof(desc), "%selements of map %s %s %s",
		 type == NFT_MSG_DELSETELEM ? "deleting " : "", nft_family_name(family),
		 NFT_TABLE_NAME, map);
	if ((r = batch_reserve(b)) >= 0 && (r = batch_grow(b, n * 160)) >= 0) {
		nftnl_set_elems_nlmsg_build_payload(
			batch_hdr(b, type, family, type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0),
			s);
		r = batch_push(b, desc);
	}
	nftnl_set_free(s);
	return r;
}

/* Elements of a port forwards' set or NAT map (nft/forward.c): key,
 * key_end in an interval set, data in a map, a comment. A set element
 * list is one netlink attribute, at most 64 KiB: a few hundred elements
 * per message. */
#define ELEMS_PER_MSG 200

int batch_set_elems_msg(struct nft_batch *b, uint16_t type, const struct nft_set_plan *sp,
			uint32_t id, const struct nft_elem *elems, size_t n)
{
	uint32_t klen = key_types[sp->key].len, dlen = NFT_KEY_FWD6(sp->key) ? 20 : 8;
	char desc[128];
	int r = 0;

	snprintf(desc, sizeof(desc), "%selements of %s %s %s %s",
		 type == NFT_MSG_DELSETELEM ? "deleting " : "", sp->data ? "map" : "set",
		 nft_family_name(sp->family), NFT_TABLE_NAME, sp->name);
	for (size_t off = 0; off < n && r >= 0; off += ELEMS_PER_MSG) {
		size_t m = n - off < ELEMS_PER_MSG ? n - off : ELEMS_PER_MSG;
		struct nftnl_set *s = set_new(sp->family, sp->name);

		if (!s)
			return -ENOMEM;
		if (id)
			nftnl_set_set_u32(s, NFTNL_SET_ID, id);
		for (size_t i = off; i < off + m; i++) {
			struct nftnl_set_elem *e = nftnl_set_elem_alloc();
			struct nftnl_udata_buf *ud;

			if (!e) {
				nftnl_set_free(s);
				return -ENOMEM;
			}
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &elems[i].key, klen);
			if (rbtree_set(sp)) {
				nftnl_set_elem_add(s, e);
				if (rbtree_end_add(s, &elems[i], klen) < 0) {
					nftnl_set_free(s);
					return -ENOMEM;
				}
				continue;
			}
			if (sp->interval)
				nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY_END, &elems[i].key_end,
						   klen);
			if (sp->data && type == NFT_MSG_NEWSETELEM)
				nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, elems[i].data, dlen);
			if (elems[i].comment[0] && type == NFT_MSG_NEWSETELEM &&
			    (ud = nftnl_udata_buf_alloc(sizeof(elems[i].comment) + 8))) {
				nftnl_udata_put_strz(ud, NFTNL_UDATA_SET_ELEM_COMMENT,
						     elems[i].comment);
				nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA,
						   nftnl_udata_buf_data(ud),
						   nftnl_udata_buf_len(ud));
				nftnl_udata_buf_free(ud);
			}
			nftnl_set_elem_add(s, e);
		}
		if ((r = batch_reserve(b)) >= 0 && (r = batch_grow(b, m * 256)) >= 0) {
			nftnl_set_elems_nlmsg_build_payload(
				batch_hdr(b, type, sp->family,
					  type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0),
				s);
			r = batch_push(b, desc);
		}
		nftnl_set_free(s);
	}
	return r;
}

int batch_map_elems(struct nft_batch *b, uint8_t family, const char *map, uint32_t id,
		    enum nft_key k, const struct nft_elem *elems, size_t n)
{
	return batch_map_elems_msg(b, NFT_MSG_NEWSETELEM, family, map, id, k, elems, n);
}

/* DELSETELEM without elements flushes the map. */
int batch_flush_map(struct nft_batch *b, uint8_t family, const char *map)
{
	struct nftnl_set *s = set_new(family, map);
	char desc[128];
	int r;

	if (!s)
		return -ENOMEM;
	snprintf(desc, sizeof(desc), "flushing map %s %s %s", nft_family_name(family),
		 NFT_TABLE_NAME, map);
	if ((r = batch_reserve(b)) >= 0) {
		nftnl_set_elems_nlmsg_build_payload(batch_hdr(b, NFT_MSG_DELSETELEM, family, 0), s);
		r = batch_push(b, desc);
	}
	nftnl_set_free(s);
	return r;
}
