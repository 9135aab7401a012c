/* Traffic control messages for rtnetlink (pure builders and a parser, no
 * socket: they travel over lib/nl.c). What gatewayd puts on a device it
 * shapes (gatewayd/core/shaping.c says why):
 *
 *   root  HTB 1:, default class 1:1 (no filter needed)
 *   class 1:1 rate/ceil/burst
 *   leaf  10: under 1:1 -- fq_codel (one flow cannot starve the others),
 *         or a bfifo sized to ~100 ms where the kernel has no fq_codel
 *   ingress qdisc ffff: + a u32 match-all filter whose mirred action
 *         redirects everything to an IFB device, shaped like the above
 *
 * The kernel wants times in ticks of 64 ns (PSCHED_TICKS2NS), rates in
 * bytes per second (a u32, with a u64 attribute above 4 GB/s). The
 * link layer is set (ethernet), so no rate table is needed. */
#ifndef GW_TC_H
#define GW_TC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;

#define TC_ROOT_HANDLE	  0x00010000u /* 1: */
#define TC_CLASS_HANDLE	  0x00010001u /* 1:1 */
#define TC_LEAF_HANDLE	  0x00100000u /* 10: */
#define TC_INGRESS_HANDLE 0xffff0000u

/* One class: rates in bits per second, bursts in bytes. */
struct tc_class_spec {
	uint64_t rate, ceil; /* ceil 0 = rate */
	uint32_t burst, cburst;
};

/* Ticks of 64 ns that bytes take at rate bits per second (clamped). */
uint32_t tc_ticks(uint64_t rate_bits, uint32_t bytes);

/* Each builder writes one request into buf (size bytes) with NLM_F_ACK
 * and returns its length, or -EMSGSIZE. */
/* RTM_NEWQDISC htb root 1: default 1:1, replacing whatever the device's
 * root qdisc was. */
int tc_msg_htb_root(void *buf, size_t size, uint32_t seq, int ifindex);
/* RTM_NEWTCLASS htb 1:1: create, or change in place (queued packets and
 * flows stay). */
int tc_msg_htb_class(void *buf, size_t size, uint32_t seq, int ifindex,
		     const struct tc_class_spec *c);
/* RTM_NEWQDISC 10: under 1:1: kind "fq_codel" (no options) or "bfifo"
 * (limit bytes). */
int tc_msg_leaf(void *buf, size_t size, uint32_t seq, int ifindex, const char *kind,
		uint32_t limit);
/* RTM_NEWQDISC ingress ffff:. */
int tc_msg_ingress(void *buf, size_t size, uint32_t seq, int ifindex);
/* RTM_NEWTFILTER on ingress ffff:, prio 1, protocol all: u32 match-all,
 * action mirred egress redirect to to_ifindex. */
int tc_msg_redirect(void *buf, size_t size, uint32_t seq, int ifindex, int to_ifindex);
/* RTM_DELQDISC: the root qdisc 1: (ingress false) or ingress ffff:. */
int tc_msg_qdisc_del(void *buf, size_t size, uint32_t seq, int ifindex, bool ingress);
/* RTM_NEWLINK kind ifb, up, in netdev group (0: none). */
int tc_msg_ifb_new(void *buf, size_t size, uint32_t seq, const char *name, uint32_t group);
/* RTM_GETQDISC dump of every device's qdiscs. */
int tc_msg_qdisc_dump(void *buf, size_t size);

struct tc_qdisc_info {
	int ifindex;
	uint32_t handle, parent;
	char kind[16];
	uint64_t bytes, packets;
	uint32_t drops, overlimits, qlen, backlog;
};
/* A RTM_NEWQDISC reply or event: 0, or -EBADMSG. */
int tc_parse_qdisc(const struct nlmsghdr *nlh, struct tc_qdisc_info *out);

#endif
