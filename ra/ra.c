/* IPv6 on a network: whether gatewayd advertises it, and the DHCPv6 lines
 * of its dnsmasq.
 *
 * The router advertisements themselves (SLAAC, default route, DNS) are
 * gatewayd's own (ra/msg.c, ra/router.c), not dnsmasq's: a dnsmasq doing
 * RA re-reads every interface's addresses on each address event anywhere
 * on the host. dnsmasq keeps only stateful DHCPv6, for a network that
 * asks for it (ipv6_dhcp_range); the RA's M and O flags send guests there. */
#include "ra.h"
#include "msg.h"
#include "conf/addr.h"

#include <arpa/inet.h>

bool ra_wanted(const struct gw_network *net)
{
	return net->has_ipv6 && net->ra_enabled;
}

bool ra_dhcp6_wanted(const struct gw_network *net)
{
	return ra_wanted(net) && net->hosts.has_dhcp6;
}

/* ipv6_dhcp_range (conf/host.h): stateful DHCPv6 from the range, with
 * DHCPv4's lease time. No "slaac" or other ra-* mode: those would turn on
 * dnsmasq's own RAs. */
/* What gatewayd's RAs say, as a comment: for `gatewayd -n -v`, and so
 * that a reload that changes them restarts the network's serving (the
 * plan compares this text). */
static void ra_comment(FILE *f, const struct gw_network *net)
{
	char a[INET6_ADDRSTRLEN];
	struct ra_params p;
	uint8_t mac[6];

	addr_bridge_mac(net->name, mac);
	ra_params_from_net(net, mac, &p);
	inet_ntop(AF_INET6, &p.prefixes[0].prefix, a, sizeof(a));
	fprintf(f, "# router advertisements (sent by gatewayd, not dnsmasq): prefix %s/%u%s, ", a,
		p.prefixes[0].plen, p.prefixes[0].autonomous ? " SLAAC" : "");
	inet_ntop(AF_INET6, &p.rdnss[0], a, sizeof(a));
	fprintf(f, "router lifetime %u, DNS %s", p.router_lifetime, a);
	if (p.dnssl[0])
		fprintf(f, ", search %s", p.dnssl);
	if (p.mtu)
		fprintf(f, ", MTU %u", p.mtu);
	fprintf(f, "%s\n", p.managed ? ", M and O flags" : "");
}

void ra_dnsmasq_lines(FILE *f, const struct gw_network *net)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], lt[16] = "infinite";

	if (ra_wanted(net))
		ra_comment(f, net);
	if (!ra_dhcp6_wanted(net))
		return;
	inet_ntop(AF_INET6, &net->hosts.dhcp6_start, a, sizeof(a));
	inet_ntop(AF_INET6, &net->hosts.dhcp6_end, b, sizeof(b));
	if (net->lease_time)
		snprintf(lt, sizeof(lt), "%u", net->lease_time);
	fprintf(f, "# IPv6: stateful DHCPv6 (gatewayd sends the router advertisements)\n");
	fprintf(f, "dhcp-range=%s,%s,%u,%s\n", a, b, net->ipv6.plen, lt);
}
