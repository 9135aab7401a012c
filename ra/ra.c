/* Router advertisements for SLAAC on a network's IPv6 prefix.
 *
 * dnsmasq's "constructor:" range takes the prefix from the addresses on the
 * bridge, so the RA always announces what is really configured there.
 * ra-stateless = SLAAC for addresses plus stateless DHCPv6 for DNS; the RA
 * also carries RDNSS. The router lifetime is 1800 s: the bridge *is* the
 * guests' IPv6 default router -- except on an isolated network (0). */
#include "ra.h"

bool ra_wanted(const struct gw_network *net)
{
	return net->has_ipv6 && net->ra_enabled;
}

void ra_dnsmasq_lines(FILE *f, const struct gw_network *net)
{
	char mtu[32] = "";

	if (!ra_wanted(net))
		return;
	fprintf(f, "# IPv6: router advertisements (SLAAC) and stateless DHCPv6\n");
	fprintf(f, "enable-ra\n");
	fprintf(f, "dhcp-range=::,constructor:%s,ra-stateless,%u,%s\n", net->bridge, net->ipv6.plen,
		"1h");
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
