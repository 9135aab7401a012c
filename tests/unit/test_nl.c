/* The netlink transport and the rtnetlink builders.
 *
 * Builders: the bytes each one writes, compared byte for byte with arrays
 * written by hand from the ABI (linux/netlink.h, linux/rtnetlink.h):
 * struct nlmsghdr {u32 len, u16 type, u16 flags, u32 seq, u32 pid}, then
 * struct ifinfomsg {u8 family, u8 pad, u16 type, s32 index, u32 flags,
 * u32 change} or struct ifaddrmsg {u8 family, u8 prefixlen, u8 flags,
 * u8 scope, u32 index} or struct rtmsg (12 bytes, family first), then
 * attributes {u16 len, u16 type, payload} padded to 4 bytes; a nested
 * attribute's type carries NLA_F_NESTED (0x8000). Integers in host order:
 * the arrays are little-endian.
 *
 * Transport: the reply matching (nl_classify, nl_wait_*) fed crafted
 * datagrams, then a real NETLINK_ROUTE socket (no root needed: reads only)
 * with a stale reply left queued in front of a request's. */
#include "suites.h"
#include "gatewayd/host/rtnl_msg.h"
#include "lib/nl.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LE32(x) (x) & 0xff, ((x) >> 8) & 0xff, ((x) >> 16) & 0xff, ((unsigned)(x) >> 24) & 0xff
#define LE16(x) (x) & 0xff, ((x) >> 8) & 0xff
/* struct nlmsghdr, pid 0 */
#define HDR(len, type, flags, seq) LE32(len), LE16(type), LE16(flags), LE32(seq), 0, 0, 0, 0

static unsigned char buf[RTNL_MSG_SIZE] __attribute__((aligned(4)));

static void expect(int len, const unsigned char *want, size_t wlen)
{
	ck_assert_int_eq(len, (int)wlen);
	for (size_t i = 0; i < wlen; i++)
		ck_assert_msg(buf[i] == want[i], "byte %zu: got 0x%02x, want 0x%02x", i, buf[i],
			      want[i]);
}
#define EXPECT(len, arr) expect(len, arr, sizeof(arr))

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__

/* The expected bytes are laid out one struct or attribute to a line. */
/* clang-format off */

START_TEST(test_link_up)
{
	static const unsigned char want[] = {
		HDR(32, 16 /* RTM_NEWLINK */, 0x0005 /* REQUEST|ACK */, 0x01020304),
		0, 0, LE16(0),      /* family AF_UNSPEC, pad, type */
		LE32(7),            /* ifindex */
		LE32(1), LE32(1),   /* flags IFF_UP, change IFF_UP */
	};

	memset(buf, 0xee, sizeof(buf));
	EXPECT(rtnl_msg_link_up(buf, sizeof(buf), 0x01020304, 7), want);
}
END_TEST

START_TEST(test_link_del)
{
	static const unsigned char want[] = {
		HDR(32, 17 /* RTM_DELLINK */, 0x0005, 1),
		0, 0, LE16(0), LE32(0x12345), LE32(0), LE32(0),
	};

	memset(buf, 0xee, sizeof(buf));
	EXPECT(rtnl_msg_link_del(buf, sizeof(buf), 1, 0x12345), want);
}
END_TEST

/* A netdev group: a link put in it, and the whole group deleted in one
 * message (no index, no name: the kernel's rtnl_group_dellink()). */
START_TEST(test_link_group)
{
	static const unsigned char set[] = {
		HDR(40, 16 /* RTM_NEWLINK */, 0x0005, 2),
		0, 0, LE16(0), LE32(7), LE32(0), LE32(0),
		LE16(8), LE16(27 /* IFLA_GROUP */), LE32(0x6777),
	};
	static const unsigned char del[] = {
		HDR(40, 17 /* RTM_DELLINK */, 0x0005, 3),
		0, 0, LE16(0), LE32(0), LE32(0), LE32(0),
		LE16(8), LE16(27 /* IFLA_GROUP */), LE32(0x6777),
	};

	memset(buf, 0xee, sizeof(buf));
	EXPECT(rtnl_msg_link_group(buf, sizeof(buf), 2, 7, 0x6777), set);
	memset(buf, 0xee, sizeof(buf));
	EXPECT(rtnl_msg_group_del(buf, sizeof(buf), 3, 0x6777), del);
	ck_assert_int_eq(rtnl_msg_group_del(buf, 36, 3, 0x6777), -EMSGSIZE);
}
END_TEST

START_TEST(test_link_master_mac)
{
	static const unsigned char master[] = {
		HDR(40, 16, 0x0005, 2),
		0, 0, LE16(0), LE32(3), LE32(0), LE32(0),
		LE16(8), LE16(10 /* IFLA_MASTER */), LE32(9),
	};
	static const unsigned char mac[] = {
		HDR(44, 16, 0x0005, 3),
		0, 0, LE16(0), LE32(4), LE32(0), LE32(0),
		LE16(10), LE16(1 /* IFLA_ADDRESS */), 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0, 0,
	};
	static const uint8_t m[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

	memset(buf, 0xee, sizeof(buf));
	EXPECT(rtnl_msg_link_master(buf, sizeof(buf), 2, 3, 9), master);
	memset(buf, 0xee, sizeof(buf));
	EXPECT(rtnl_msg_link_mac(buf, sizeof(buf), 3, 4, m), mac);
}
END_TEST

START_TEST(test_bridge_new)
{
	static const unsigned char want[] = {
		HDR(96, 16, 0x0605 /* REQUEST|ACK|EXCL|CREATE */, 5),
		0, 0, LE16(0), LE32(0), LE32(0), LE32(0),
		LE16(8), LE16(3 /* IFLA_IFNAME */), 'b', 'r', '0', 0,
		LE16(10), LE16(1 /* IFLA_ADDRESS */), 2, 0, 0, 0, 0, 1, 0, 0,
		LE16(8), LE16(27 /* IFLA_GROUP */), LE32(0x6777),
		LE16(36), LE16(0x8000 | 18 /* IFLA_LINKINFO */),
		  LE16(11), LE16(1 /* IFLA_INFO_KIND */), 'b', 'r', 'i', 'd', 'g', 'e', 0, 0,
		  LE16(20), LE16(0x8000 | 2 /* IFLA_INFO_DATA */),
		    LE16(8), LE16(5 /* IFLA_BR_STP_STATE */), LE32(0),
		    LE16(8), LE16(1 /* IFLA_BR_FORWARD_DELAY */), LE32(0),
	};
	static const uint8_t m[6] = { 2, 0, 0, 0, 0, 1 };

	memset(buf, 0xee, sizeof(buf));
	EXPECT(rtnl_msg_bridge_new(buf, sizeof(buf), 5, "br0", m, 0x6777), want);
	/* and it will not write past a short buffer */
	ck_assert_int_eq(rtnl_msg_bridge_new(buf, 60, 5, "br0", m, 0x6777), -EMSGSIZE);
	ck_assert_int_eq(rtnl_msg_bridge_new(buf, 8, 5, "br0", m, 0x6777), -EMSGSIZE);
}
END_TEST

START_TEST(test_veth_new)
{
	static const unsigned char want[] = {
		HDR(88, 16, 0x0605, 11),
		0, 0, LE16(0), LE32(0), LE32(0), LE32(0),
		LE16(7), LE16(3 /* IFLA_IFNAME */), 'v', '0', 0, 0,
		LE16(48), LE16(0x8000 | 18 /* IFLA_LINKINFO */),
		  LE16(9), LE16(1 /* IFLA_INFO_KIND */), 'v', 'e', 't', 'h', 0, 0, 0, 0,
		  LE16(32), LE16(0x8000 | 2 /* IFLA_INFO_DATA */),
		    LE16(28), LE16(0x8000 | 1 /* VETH_INFO_PEER */),
		      0, 0, LE16(0), LE32(0), LE32(0), LE32(0), /* the peer's ifinfomsg */
		      LE16(7), LE16(3 /* IFLA_IFNAME */), 'v', '1', 0, 0,
	};

	memset(buf, 0xee, sizeof(buf));
	EXPECT(rtnl_msg_veth_new(buf, sizeof(buf), 11, "v0", "v1"), want);
}
END_TEST

START_TEST(test_link_get)
{
	static const unsigned char want[] = {
		HDR(48, 18 /* RTM_GETLINK */, 0x0005, 9),
		0, 0, LE16(0), LE32(0), LE32(0), LE32(0),
		LE16(8), LE16(3 /* IFLA_IFNAME */), 'g', 'w', '0', 0,
		LE16(8), LE16(29 /* IFLA_EXT_MASK */), LE32(8 /* RTEXT_FILTER_SKIP_STATS */),
	};

	memset(buf, 0xee, sizeof(buf));
	EXPECT(rtnl_msg_link_get(buf, sizeof(buf), 9, "gw0"), want);
}
END_TEST

START_TEST(test_addr_v4)
{
	static const unsigned char add[] = {
		HDR(48, 20 /* RTM_NEWADDR */, 0x0505 /* REQUEST|ACK|REPLACE|CREATE */, 6),
		2 /* AF_INET */, 24, 0, 0 /* RT_SCOPE_UNIVERSE */, LE32(5),
		LE16(8), LE16(2 /* IFA_LOCAL */), 10, 213, 0, 1,
		LE16(8), LE16(1 /* IFA_ADDRESS */), 10, 213, 0, 1,
		LE16(8), LE16(4 /* IFA_BROADCAST */), 10, 213, 0, 255,
	};
	static const unsigned char del[] = {
		HDR(40, 21 /* RTM_DELADDR */, 0x0005, 8),
		2, 24, 0, 0, LE32(5),
		LE16(8), LE16(2), 10, 213, 0, 1,
		LE16(8), LE16(1), 10, 213, 0, 1,
	};
	static const uint8_t a[4] = { 10, 213, 0, 1 };

	memset(buf, 0xee, sizeof(buf));
	EXPECT(rtnl_msg_addr_add(buf, sizeof(buf), 6, 5, AF_INET, a, 24), add);
	memset(buf, 0xee, sizeof(buf));
	EXPECT(rtnl_msg_addr_del(buf, sizeof(buf), 8, 5, AF_INET, a, 24), del);
	ck_assert_int_eq(rtnl_msg_addr_add(buf, sizeof(buf), 6, 5, AF_INET, a, 33), -EMSGSIZE);
	ck_assert_int_eq(rtnl_msg_addr_add(buf, sizeof(buf), 6, 5, AF_PACKET, a, 8),
			 -EAFNOSUPPORT);
}
END_TEST

START_TEST(test_addr_v6)
{
	static const unsigned char want[] = {
		HDR(72, 20, 0x0505, 7),
		10 /* AF_INET6 */, 64, 0, 0, LE32(5),
		LE16(20), LE16(2 /* IFA_LOCAL */),
		  0xfd, 0x42, 0x02, 0x13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		LE16(20), LE16(1 /* IFA_ADDRESS */),
		  0xfd, 0x42, 0x02, 0x13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		LE16(8), LE16(8 /* IFA_FLAGS */), LE32(2 /* IFA_F_NODAD */),
	};
	static const uint8_t a[16] = { 0xfd, 0x42, 0x02, 0x13, [15] = 1 };

	memset(buf, 0xee, sizeof(buf));
	EXPECT(rtnl_msg_addr_add(buf, sizeof(buf), 7, 5, AF_INET6, a, 64), want);
}
END_TEST

START_TEST(test_dumps)
{
	static const unsigned char routes6[] = {
		HDR(28, 26 /* RTM_GETROUTE */, 0x0301 /* REQUEST|DUMP */, 10),
		10 /* AF_INET6 */, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* struct rtmsg */
	};
	static const unsigned char links[] = {
		HDR(32, 18 /* RTM_GETLINK */, 0x0301, 12),
		0, 0, LE16(0), LE32(0), LE32(0), LE32(0),
	};
	static const unsigned char addrs[] = {
		HDR(24, 22 /* RTM_GETADDR */, 0x0301, 13),
		0, 0, 0, 0, LE32(0),
	};

	memset(buf, 0xee, sizeof(buf));
	EXPECT(rtnl_msg_dump_routes(buf, sizeof(buf), 10, AF_INET6), routes6);
	memset(buf, 0xee, sizeof(buf));
	EXPECT(rtnl_msg_dump_links(buf, sizeof(buf), 12), links);
	memset(buf, 0xee, sizeof(buf));
	EXPECT(rtnl_msg_dump_addrs(buf, sizeof(buf), 13), addrs);
}
END_TEST

/* clang-format on */

#endif /* little-endian */

/* --- reply matching, on crafted datagrams -------------------------------- */

#define PORT 4242u

/* Append one message to a datagram under construction. */
struct dgram {
	unsigned char b[1024] __attribute__((aligned(4)));
	size_t len;
};

static struct nlmsghdr *put(struct dgram *d, uint16_t type, uint16_t flags, uint32_t seq,
			    const void *payload, size_t plen)
{
	struct nlmsghdr *m = (struct nlmsghdr *)(d->b + d->len);

	memset(m, 0, NLMSG_SPACE(plen));
	m->nlmsg_len = NLMSG_LENGTH(plen);
	m->nlmsg_type = type;
	m->nlmsg_flags = flags;
	m->nlmsg_seq = seq;
	m->nlmsg_pid = PORT;
	if (plen)
		memcpy(NLMSG_DATA(m), payload, plen);
	d->len += NLMSG_SPACE(plen);
	return m;
}

static void put_err(struct dgram *d, uint32_t seq, int error)
{
	struct nlmsgerr e = { .error = error };

	e.msg.nlmsg_seq = seq;
	put(d, NLMSG_ERROR, NLM_F_CAPPED, seq, &e, sizeof(e));
}

/* An error with the kernel's text (NETLINK_EXT_ACK, CAP_ACK). */
static void put_err_text(struct dgram *d, uint32_t seq, int error, const char *text)
{
	unsigned char p[128] = { 0 };
	struct nlmsgerr e = { .error = error };
	struct nlattr a = { .nla_len = (uint16_t)(NLA_HDRLEN + strlen(text) + 1),
			    .nla_type = NLMSGERR_ATTR_MSG };

	memcpy(p, &e, sizeof(e));
	memcpy(p + sizeof(e), &a, sizeof(a));
	memcpy(p + sizeof(e) + NLA_HDRLEN, text, strlen(text) + 1);
	put(d, NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, seq, p,
	    sizeof(e) + NLA_ALIGN(a.nla_len));
}

static void put_done(struct dgram *d, uint32_t seq, uint16_t flags, int error)
{
	put(d, NLMSG_DONE, NLM_F_MULTI | flags, seq, &error, sizeof(error));
}

/* The request side: a batch as nf_tables sends it (begin and end without
 * NLM_F_ACK), or a single message. */
static void request(struct dgram *d, uint32_t first, size_t n, bool batch)
{
	d->len = 0;
	for (size_t i = 0; i < n; i++) {
		bool edge = batch && (i == 0 || i == n - 1);
		put(d, 16, NLM_F_REQUEST | (edge ? 0 : NLM_F_ACK), first + (uint32_t)i, NULL, 0);
	}
}

static int calls;
static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	calls++;
	return 0;
}

START_TEST(test_classify)
{
	struct dgram d = { .len = 0 };
	struct nlmsghdr *m;

	put_err(&d, 10, 0);
	m = (struct nlmsghdr *)d.b;
	ck_assert_int_eq(nl_classify(m, PORT, 10, 12), NL_ACK);
	ck_assert_int_eq(nl_classify(m, PORT, 11, 12), NL_STALE);     /* an earlier request's */
	ck_assert_int_eq(nl_classify(m, PORT + 1, 10, 12), NL_STALE); /* not our port */
	((struct nlmsgerr *)NLMSG_DATA(m))->error = -EEXIST;
	ck_assert_int_eq(nl_classify(m, PORT, 9, 10), NL_ERROR);
	m->nlmsg_len = NLMSG_LENGTH(2); /* too short for struct nlmsgerr */
	ck_assert_int_eq(nl_classify(m, PORT, 9, 10), NL_BAD);

	d.len = 0;
	m = put(&d, RTM_NEWLINK, NLM_F_MULTI, 0xffffffffu, NULL, 0);
	/* seqs wrap: 0xfffffffe..1 holds 0xffffffff and 0, not 2 */
	ck_assert_int_eq(nl_classify(m, PORT, 0xfffffffeu, 1), NL_DATA);
	m->nlmsg_seq = 0;
	ck_assert_int_eq(nl_classify(m, PORT, 0xfffffffeu, 1), NL_DATA);
	m->nlmsg_seq = 2;
	ck_assert_int_eq(nl_classify(m, PORT, 0xfffffffeu, 1), NL_STALE);
	m->nlmsg_seq = 1;
	m->nlmsg_pid = 0; /* from the kernel, not to a port: still ours by seq */
	ck_assert_int_eq(nl_classify(m, PORT, 0xfffffffeu, 1), NL_DATA);
	m->nlmsg_type = NLMSG_DONE;
	ck_assert_int_eq(nl_classify(m, PORT, 1, 1), NL_DONE);
}
END_TEST

START_TEST(test_batch_acks)
{
	struct dgram req, r1 = { .len = 0 }, r2 = { .len = 0 };
	struct nl_wait w;

	request(&req, 100, 4, true); /* begin 100, 101 and 102 with acks, end 103 */
	ck_assert_int_eq(nl_wait_init(&w, PORT, req.b, req.len, false), 0);
	ck_assert_uint_eq(w.first, 100);
	ck_assert_uint_eq(w.last, 103);
	ck_assert_uint_eq(w.acks_due, 2);
	ck_assert_uint_eq(w.sent, 4);

	put_err(&r1, 99, 0); /* the last request's late ack */
	put_err(&r1, 101, 0);
	ck_assert_int_eq(nl_wait_feed(&w, r1.b, r1.len, NULL, NULL), 0);
	ck_assert_uint_eq(w.stale, 1);
	ck_assert_uint_eq(w.acks_due, 1);
	put_err(&r2, 102, 0);
	ck_assert_int_eq(nl_wait_feed(&w, r2.b, r2.len, NULL, NULL), 1);
	ck_assert_int_eq(w.error, 0);
	ck_assert(!w.doubt);

	/* one ack too many: the socket is in doubt */
	ck_assert_int_eq(nl_wait_feed(&w, r2.b, r2.len, NULL, NULL), 1);
	ck_assert(w.doubt);
}
END_TEST

START_TEST(test_batch_error)
{
	struct dgram req, r = { .len = 0 };
	struct nl_wait w;

	request(&req, 200, 5, true);
	ck_assert_int_eq(nl_wait_init(&w, PORT, req.b, req.len, false), 0);
	put_err(&r, 201, 0);
	put_err_text(&r, 202, -EEXIST, "Table already exists");
	put_err(&r, 203, -ENOENT); /* a later error does not replace the first */
	ck_assert_int_eq(nl_wait_feed(&w, r.b, r.len, count_cb, NULL), 0);
	/* not done: the rest of the batch's replies are read until none is
	 * left, so that they cannot be taken for the next request's */
	ck_assert(!w.done);
	ck_assert_int_eq(w.error, -EEXIST);
	ck_assert_uint_eq(w.err.seq, 202);
	ck_assert_str_eq(w.err.msg, "Table already exists");

	/* an error for the whole batch comes on its begin message, alone */
	request(&req, 300, 4, true);
	ck_assert_int_eq(nl_wait_init(&w, PORT, req.b, req.len, false), 0);
	r.len = 0;
	put_err(&r, 300, -EPERM);
	ck_assert_int_eq(nl_wait_feed(&w, r.b, r.len, NULL, NULL), 0);
	ck_assert_int_eq(w.error, -EPERM);
	ck_assert_uint_eq(w.err.seq, 300);
	ck_assert_str_eq(w.err.msg, "");
}
END_TEST

/* nft/msg.c asks an ack of a batch's last message only: an error on an
 * earlier one comes anyway, then the last one's ack -- one more than the
 * acks asked once the error was counted, and no reason for doubt. */
START_TEST(test_batch_last_ack)
{
	struct dgram req, r = { .len = 0 };
	struct nl_wait w;

	req.len = 0;
	put(&req, 16, NLM_F_REQUEST, 400, NULL, 0); /* begin */
	put(&req, 16, NLM_F_REQUEST, 401, NULL, 0);
	put(&req, 16, NLM_F_REQUEST, 402, NULL, 0);
	put(&req, 16, NLM_F_REQUEST | NLM_F_ACK, 403, NULL, 0);
	put(&req, 16, NLM_F_REQUEST, 404, NULL, 0); /* end */
	ck_assert_int_eq(nl_wait_init(&w, PORT, req.b, req.len, false), 0);
	ck_assert_uint_eq(w.acks_due, 1);
	put_err(&r, 403, 0);
	ck_assert_int_eq(nl_wait_feed(&w, r.b, r.len, NULL, NULL), 1); /* all done */
	ck_assert(!w.doubt && !w.error);

	ck_assert_int_eq(nl_wait_init(&w, PORT, req.b, req.len, false), 0);
	r.len = 0;
	put_err_text(&r, 401, -EEXIST, "Table already exists");
	put_err(&r, 403, 0);
	ck_assert_int_eq(nl_wait_feed(&w, r.b, r.len, NULL, NULL), 0);
	ck_assert_int_eq(w.error, -EEXIST);
	ck_assert_uint_eq(w.err.seq, 401);
	ck_assert(!w.doubt);
}
END_TEST

START_TEST(test_get_reply)
{
	struct dgram req, r = { .len = 0 };
	struct nl_wait w;

	request(&req, 7, 1, false);
	ck_assert_int_eq(nl_wait_init(&w, PORT, req.b, req.len, false), 0);
	put(&r, RTM_NEWLINK, 0, 6, NULL, 0); /* stale */
	put(&r, RTM_NEWLINK, 0, 7, NULL, 0);
	put_err(&r, 7, 0);
	calls = 0;
	ck_assert_int_eq(nl_wait_feed(&w, r.b, r.len, count_cb, NULL), 1);
	ck_assert_int_eq(calls, 1);
	ck_assert_uint_eq(w.stale, 1);
}
END_TEST

START_TEST(test_dump_intr)
{
	struct dgram req, r1 = { .len = 0 }, r2 = { .len = 0 };
	struct nl_wait w;

	request(&req, 50, 1, false);
	ck_assert_int_eq(nl_wait_init(&w, PORT, req.b, req.len, true), 0);
	put(&r1, RTM_NEWLINK, NLM_F_MULTI, 50, NULL, 0);
	put(&r1, RTM_NEWLINK, NLM_F_MULTI, 50, NULL, 0);
	calls = 0;
	ck_assert_int_eq(nl_wait_feed(&w, r1.b, r1.len, count_cb, NULL), 0);
	ck_assert_int_eq(calls, 2);
	/* the kernel saw links change under the dump: the rest is read to
	 * NLMSG_DONE without the callback, and the caller runs it again */
	put(&r2, RTM_NEWLINK, NLM_F_MULTI | NLM_F_DUMP_INTR, 50, NULL, 0);
	put(&r2, RTM_NEWLINK, NLM_F_MULTI | NLM_F_DUMP_INTR, 50, NULL, 0);
	put_done(&r2, 50, NLM_F_DUMP_INTR, 0);
	ck_assert_int_eq(nl_wait_feed(&w, r2.b, r2.len, count_cb, NULL), 1);
	ck_assert_int_eq(calls, 2);
	ck_assert(w.intr);
	ck_assert_int_eq(w.error, 0);

	/* a dump that fails says so in NLMSG_DONE */
	ck_assert_int_eq(nl_wait_init(&w, PORT, req.b, req.len, true), 0);
	r1.len = 0;
	put_done(&r1, 50, 0, -EMSGSIZE);
	ck_assert_int_eq(nl_wait_feed(&w, r1.b, r1.len, NULL, NULL), 1);
	ck_assert_int_eq(w.error, -EMSGSIZE);
	ck_assert(!w.intr);
}
END_TEST

START_TEST(test_malformed)
{
	struct dgram req, r = { .len = 0 };
	struct nl_wait w;

	request(&req, 70, 2, false);
	ck_assert_int_eq(nl_wait_init(&w, PORT, req.b, req.len, false), 0);
	put_err(&r, 70, 0);
	put_err(&r, 71, 0);
	/* cut the second message short, as a truncated read would */
	ck_assert_int_eq(nl_wait_feed(&w, r.b, r.len - 4, NULL, NULL), -EBADMSG);
	ck_assert(w.doubt);
	ck_assert_int_eq(nl_wait_init(&w, PORT, req.b, req.len - 4, false), -EINVAL);
	/* NLMSG_DONE for a request that is no dump */
	ck_assert_int_eq(nl_wait_init(&w, PORT, req.b, req.len, false), 0);
	r.len = 0;
	put_done(&r, 70, 0, 0);
	nl_wait_feed(&w, r.b, r.len, NULL, NULL);
	ck_assert(w.doubt);
}
END_TEST

/* --- a real socket ------------------------------------------------------- */

static int lo_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nlh);

	if (nlh->nlmsg_type == RTM_NEWLINK && ifi->ifi_index == 1)
		(*(int *)data)++;
	return 0;
}

START_TEST(test_socket_stale)
{
	unsigned char req[RTNL_MSG_SIZE] __attribute__((aligned(4)));
	struct nl *nl;
	int lo = 0, n;

	ck_assert_int_eq(nl_open(NETLINK_ROUTE, 0, 0, &nl), 0);
	/* A request whose replies nobody reads: they wait on the socket. */
	n = rtnl_msg_link_get(req, sizeof(req), nl_seq_next(nl), "lo");
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(send(nl_fd(nl), req, (size_t)n, 0), n);
	/* The same question through the transport: the leftovers are
	 * skipped, lo is reported once. */
	n = rtnl_msg_link_get(req, sizeof(req), nl_seq_next(nl) + 1, "lo");
	ck_assert_int_eq(nl_request(nl, req, (size_t)n, lo_cb, &lo, NULL), 0);
	ck_assert_int_eq(lo, 1);
	/* an error is the kernel's, naming the message */
	{
		struct nl_err e;

		n = rtnl_msg_link_get(req, sizeof(req), nl_seq_next(nl), "gwnosuch0");
		ck_assert_int_eq(nl_request(nl, req, (size_t)n, lo_cb, &lo, &e), -ENODEV);
		ck_assert_uint_eq(e.seq, ((struct nlmsghdr *)req)->nlmsg_seq);
	}
	/* a dump after all that */
	lo = 0;
	n = rtnl_msg_dump_links(req, sizeof(req), 0);
	ck_assert_int_eq(nl_dump(nl, (struct nlmsghdr *)req, lo_cb, NULL, &lo), 0);
	ck_assert_int_eq(lo, 1);
	ck_assert_uint_eq(nl_reopens(nl), 0);
	nl_close(nl);
}
END_TEST

START_TEST(test_monitor_empty)
{
	struct nl *nl;
	int fd;

	ck_assert_int_eq(nl_open(NETLINK_ROUTE, RTMGRP_LINK, 0, &nl), 0);
	ck_assert_int_eq(nl_monitor_drain(nl, count_cb, NULL), 0);
	fd = nl_release(nl);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(nl_monitor_drain_fd(fd, count_cb, NULL), 0);
	close(fd);
}
END_TEST

Suite *nl_suite(void)
{
	Suite *s = suite_create("nl");
	TCase *b = tcase_create("rtnl_msg");
	TCase *m = tcase_create("matching");
	TCase *k = tcase_create("socket");

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	tcase_add_test(b, test_link_up);
	tcase_add_test(b, test_link_del);
	tcase_add_test(b, test_link_group);
	tcase_add_test(b, test_link_master_mac);
	tcase_add_test(b, test_bridge_new);
	tcase_add_test(b, test_veth_new);
	tcase_add_test(b, test_link_get);
	tcase_add_test(b, test_addr_v4);
	tcase_add_test(b, test_addr_v6);
	tcase_add_test(b, test_dumps);
#endif
	tcase_add_test(m, test_classify);
	tcase_add_test(m, test_batch_acks);
	tcase_add_test(m, test_batch_error);
	tcase_add_test(m, test_batch_last_ack);
	tcase_add_test(m, test_get_reply);
	tcase_add_test(m, test_dump_intr);
	tcase_add_test(m, test_malformed);
	tcase_add_test(k, test_socket_stale);
	tcase_add_test(k, test_monitor_empty);
	suite_add_tcase(s, b);
	suite_add_tcase(s, m);
	suite_add_tcase(s, k);
	return s;
}
