/* gatewayd's own router advertisements, byte for byte (RFC 4861 4.2 and
 * 4.6, RFC 4191 2.2 and 2.3, RFC 8106 5.1 and 5.2), from a network's
 * config; and the router solicitations it accepts (RFC 4861 6.1.1). */
#include "suites.h"
#include "conf/addr.h"
#include "conf/conf.h"
#include "ra/msg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct gw_conf *load(const char *text)
{
	struct gw_conf *c;
	char err[512];

	ck_assert_msg(conf_load_buf("t", text, &c, err, sizeof(err)) == 0, "%s", err);
	return c;
}

/* bytes as hex, 8 to a group, for readable failures */
static void hex(const uint8_t *b, size_t n, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 4 < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%02x", i && i % 8 == 0 ? " " : "", b[i]);
	out[o] = '\0';
}

static void built(const struct gw_network *n, bool final, const char *want)
{
	struct ra_params p;
	uint8_t mac[6], buf[RA_MSG_MAX];
	char got[4 * RA_MSG_MAX];
	int len;

	addr_bridge_mac(n->name, mac);
	ra_params_from_net(n, mac, &p);
	if (final)
		ra_params_final(&p);
	len = ra_build(&p, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	hex(buf, (size_t)len, got, sizeof(got));
	ck_assert_msg(!strcmp(got, want), "RA of %s:\n got  %s\n want %s", n->name, got, want);
}

/* a NAT network with a domain and an MTU: router lifetime 1800, preference
 * high, SLLA, MTU, the prefix (L, A, 3600/1800), RDNSS, DNSSL */
START_TEST(test_ra_nat)
{
	struct gw_conf *c = load("network a {\n bridge = br-a\n ipv4 = \"10.7.0.1/24\"\n"
				 " ipv6 = \"fd00:7::1/64\"\n domain = \"cust-a.internal\"\n"
				 " mtu = 1400\n}\n");
	uint8_t mac[6];
	char want[1024];

	addr_bridge_mac("a", mac);
	snprintf(want, sizeof(want),
		 /* type 134, code 0, checksum 0 (the kernel's), hop limit 64,
		  * flags: Prf high (01 << 3), router lifetime 1800; reachable
		  * and retransmit timers unspecified */
		 "8600000040080708 0000000000000000 "
		 /* source link-layer address: the bridge's MAC */
		 "0101%02x%02x%02x%02x%02x%02x "
		 /* MTU 1400 */
		 "0501000000000578 "
		 /* prefix fd00:7::/64, L and A, valid 3600, preferred 1800 */
		 "030440c000000e10 0000070800000000 fd00000700000000 0000000000000000 "
		 /* RDNSS fd00:7::1, 1800 s */
		 "1903000000000708 fd00000700000000 0000000000000001 "
		 /* DNSSL cust-a.internal, 1800 s, padded to 8 bytes */
		 "1f04000000000708 06637573742d6108 696e7465726e616c 0000000000000000",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	built(&c->networks[0], false, want);
	conf_free(c);
}
END_TEST

/* An isolated network is no router: lifetime 0, preference medium; no
 * MTU or DNSSL unless set; a stateful DHCPv6 range sets M and O. The
 * last RA of a network withdraws everything it said. */
START_TEST(test_ra_isolated_managed_final)
{
	struct gw_conf *c = load("network a {\n bridge = br-a\n mode = isolated\n"
				 " ipv4 = \"10.7.0.1/24\"\n ipv6 = \"fd00:7::1/64\"\n"
				 " ipv6_dhcp_range = \"fd00:7::100-fd00:7::1ff\"\n}\n"
				 "network b {\n bridge = br-b\n ipv4 = \"10.8.0.1/24\"\n"
				 " ipv6 = \"fd00:8::1/64\"\n}\n");
	struct ra_params p;
	uint8_t mac[6], buf[RA_MSG_MAX];
	int len;

	addr_bridge_mac("a", mac);
	ra_params_from_net(&c->networks[0], mac, &p);
	len = ra_build(&p, buf, sizeof(buf));
	/* header, SLLA, prefix, RDNSS: no MTU, no DNSSL */
	ck_assert_int_eq(len, 16 + 8 + 32 + 24);
	ck_assert_int_eq(buf[0], 134);
	ck_assert_int_eq(buf[5], 0xc0); /* M, O, Prf medium */
	ck_assert_int_eq(buf[6] << 8 | buf[7], 0);
	ck_assert_int_eq(buf[24], 3);
	ck_assert_int_eq(buf[27], 0xc0);
	ck_assert_int_eq(buf[56], 25);

	/* the last RA of b: no router, the prefix deprecated (valid kept:
	 * RFC 4862 5.5.3 e), RDNSS gone */
	addr_bridge_mac("b", mac);
	ra_params_from_net(&c->networks[1], mac, &p);
	ck_assert_int_eq(p.pref, RA_PREF_HIGH);
	ra_params_final(&p);
	len = ra_build(&p, buf, sizeof(buf));
	ck_assert_int_eq(len, 16 + 8 + 32 + 24);
	ck_assert_int_eq(buf[5], 0x00);
	ck_assert_int_eq(buf[6] << 8 | buf[7], 0);
	ck_assert_int_eq(buf[24 + 4] << 24 | buf[24 + 5] << 16 | buf[24 + 6] << 8 | buf[24 + 7],
			 3600);
	ck_assert_int_eq(buf[24 + 8] | buf[24 + 9] | buf[24 + 10] | buf[24 + 11], 0);
	ck_assert_int_eq(buf[56 + 4] | buf[56 + 5] | buf[56 + 6] | buf[56 + 7], 0);
	/* a prefix other than /64: on-link, but no SLAAC */
	p.prefixes[0].plen = 80;
	len = ra_build(&p, buf, sizeof(buf));
	ck_assert_int_gt(len, 0);
	addr_bridge_mac("b", mac);
	conf_free(c);
}
END_TEST

/* Route Information: 0, 8 or 16 prefix bytes by length, preference in
 * bits 4-3, host bits cleared; a router preference set with lifetime 0
 * goes out as medium; what does not fit is refused. */
START_TEST(test_ra_routes_limits)
{
	struct ra_params p = { .cur_hop_limit = 64, .router_lifetime = 0, .pref = RA_PREF_HIGH };
	uint8_t buf[RA_MSG_MAX];
	char got[512];
	int len;

	p.n_routes = 3;
	p.routes[0] = (struct ra_route){ .plen = 0, .pref = RA_PREF_LOW, .lifetime = 600 };
	inet_pton(AF_INET6, "2001:db8:1:2:ffff::", &p.routes[1].prefix);
	p.routes[1].plen = 48;
	p.routes[1].pref = RA_PREF_HIGH;
	p.routes[1].lifetime = 1800;
	inet_pton(AF_INET6, "2001:db8:3::8000", &p.routes[2].prefix);
	p.routes[2].plen = 120;
	p.routes[2].pref = RA_PREF_MEDIUM;
	p.routes[2].lifetime = 0xffffffff;
	len = ra_build(&p, buf, sizeof(buf));
	ck_assert_int_eq(len, 16 + 8 + 16 + 24);
	hex(buf, (size_t)len, got, sizeof(got));
	ck_assert_str_eq(got, "8600000040000000 0000000000000000 "
			      "1801001800000258 "
			      "1802300800000708 20010db800010000 "
			      "18037800ffffffff 20010db800030000 0000000000008000");
	ck_assert_int_eq(ra_build(&p, buf, 40), -EMSGSIZE);
	p.routes[0].plen = 129;
	ck_assert_int_eq(ra_build(&p, buf, sizeof(buf)), -EINVAL);
	p.n_routes = 0;
	snprintf(p.dnssl, sizeof(p.dnssl), "a..b");
	ck_assert_int_eq(ra_build(&p, buf, sizeof(buf)), -EINVAL);
}
END_TEST

/* What a router solicitation must be (RFC 4861 6.1.1). */
START_TEST(test_rs_parse)
{
	static const uint8_t rs[] = {
		133, 0, 0x12, 0x34, 0, 0, 0, 0, 1, 1, 0x52, 0x54, 0, 1, 2, 3
	};
	static const uint8_t bare[] = { 133, 0, 0, 0, 0, 0, 0, 0 };
	struct in6_addr ll, any = IN6ADDR_ANY_INIT;
	uint8_t m[6], b[sizeof(rs) + 8];
	bool has;

	inet_pton(AF_INET6, "fe80::1", &ll);
	ck_assert_int_eq(ra_parse_rs(rs, sizeof(rs), 255, &ll, m, &has), 0);
	ck_assert(has);
	ck_assert_int_eq(m[0], 0x52);
	ck_assert_int_eq(m[5], 3);
	ck_assert_int_eq(ra_parse_rs(bare, sizeof(bare), 255, &any, m, &has), 0);
	ck_assert(!has);
	/* from ::, a link-layer address is not allowed */
	ck_assert_int_eq(ra_parse_rs(rs, sizeof(rs), 255, &any, m, &has), -EINVAL);
	/* routed here from elsewhere */
	ck_assert_int_eq(ra_parse_rs(rs, sizeof(rs), 254, &ll, m, &has), -EINVAL);
	ck_assert_int_eq(ra_parse_rs(rs, sizeof(rs), -1, &ll, m, &has), -EINVAL);
	/* short, another type, another code */
	ck_assert_int_eq(ra_parse_rs(rs, 7, 255, &ll, m, &has), -EINVAL);
	memcpy(b, rs, sizeof(rs));
	b[0] = 134;
	ck_assert_int_eq(ra_parse_rs(b, sizeof(rs), 255, &ll, m, &has), -EINVAL);
	b[0] = 133;
	b[1] = 1;
	ck_assert_int_eq(ra_parse_rs(b, sizeof(rs), 255, &ll, m, &has), -EINVAL);
	b[1] = 0;
	/* an option of length 0, one that runs past the end, half an option */
	b[9] = 0;
	ck_assert_int_eq(ra_parse_rs(b, sizeof(rs), 255, &ll, m, &has), -EINVAL);
	b[9] = 2;
	ck_assert_int_eq(ra_parse_rs(b, sizeof(rs), 255, &ll, m, &has), -EINVAL);
	b[9] = 1;
	ck_assert_int_eq(ra_parse_rs(b, 9, 255, &ll, m, &has), -EINVAL);
	/* an unknown option is skipped */
	memcpy(b, rs, sizeof(rs));
	memcpy(b + sizeof(rs), (uint8_t[]){ 99, 1, 0, 0, 0, 0, 0, 0 }, 8);
	ck_assert_int_eq(ra_parse_rs(b, sizeof(b), 255, &ll, m, &has), 0);
	ck_assert(has);
}
END_TEST

Suite *ra_suite(void)
{
	Suite *s = suite_create("ra");
	TCase *tc = tcase_create("ra");

	tcase_add_test(tc, test_ra_nat);
	tcase_add_test(tc, test_ra_isolated_managed_final);
	tcase_add_test(tc, test_ra_routes_limits);
	tcase_add_test(tc, test_rs_parse);
	suite_add_tcase(s, tc);
	return s;
}
