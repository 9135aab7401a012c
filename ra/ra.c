/* Router advertisements for SLAAC on a network's IPv6 prefix.
 *
 * dnsmasq's "constructor:" range takes the prefix from the addresses on the
 * bridge, so the RA always announces what is really configured there.
 * ra-stateless = SLAAC for addresses plus stateless DHCPv6 for DNS; the RA
 * also carries RDNSS. The router lifetime is 1800 s: the bridge *is* the
 * guests' IPv6 default router -- except on an isolated network (0). */
#include "ra.h"

#include <arpa/inet.h>

bool ra_wanted(const struct gw_network *net)
{
	return net->has_ipv6 && net->ra_enabled;
}

/* ipv6_dhcp_range (conf/host.h): stateful DHCPv6 from the range, and
 * SLAAC still ("slaac": RA flags M and A), with DHCPv4's lease time. */
static void dhcp6_range(FILE *f, const struct gw_network *net)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], lt[16] = "infinite";

	inet_ntop(AF_INET6, &net->hosts.dhcp6_start, a, sizeof(a));
	inet_ntop(AF_INET6, &net->hosts.dhcp6_end, b, sizeof(b));
	if (net->lease_time)
		snprintf(lt, sizeof(lt), "%u", net->lease_time);
	fprintf(f, "dhcp-range=%s,%s,slaac,%u,%s\n", a, b, net->ipv6.plen, lt);
}

void ra_dnsmasq_lines(FILE *f, const struct gw_network *net)
{
	char mtu[32] = "";

	if (!ra_wanted(net))
		return;
	fprintf(f, "# IPv6: router advertisements (SLAAC) and stateless DHCPv6\n");
	fprintf(f, "enable-ra\n");
	if (net->hosts.has_dhcp6)
		dhcp6_range(f, net);
	else
		fprintf(f, "dhcp-range=::,constructor:%s,ra-stateless,%u,%s\n", net->bridge,
			net->ipv6.plen, "1h");
	/* mtu: the network's mtu key (conf/host.h); none: not sent */
	if (net->hosts.mtu)
		snprintf(mtu, sizeof(mtu), "mtu:%u,", net->hosts.mtu);
	/* An isolated network's bridge is no router: lifetime 0 (RFC 4861),
	 * and with it the default preference (RFC 4191 wants medium then). */
	if (net->mode == GW_MODE_ISOLATED)
		fprintf(f, "ra-param=%s,%s10,0\n", net->bridge, mtu);
	else
		fprintf(f, "ra-param=%s,%shigh,10,1800\n", net->bridge, mtu);
}
