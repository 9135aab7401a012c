/* dnsmasq config generation.
 *
 * gatewayd starts dnsmasq with --conf-file=<this file>, so /etc/dnsmasq.conf
 * and /etc/dnsmasq.d are never read. The instance is bound to the bridge
 * only: interface= plus except-interface=lo plus bind-interfaces (see
 * the note above dnsmasq_conf_write()), so it opens one socket per bridge address
 * instead of the wildcard socket that plain interface= would use
 * (CVE-2012-3411). That alone does not keep the uplink
 * side out: Linux delivers a packet for the bridge's address whatever
 * interface it arrived on, so the input chain drops DNS, DHCP and DHCPv6
 * for these addresses unless they came in on the bridge (nft/plan.c). */
#include "dnsmasq_conf.h"
#include "upstream.h"
#include "hosts.h"
#include "names.h"
#include "ra/ra.h"
#include "conf/addr.h"

#include <arpa/inet.h>
#include <string.h>

void dnsmasq_conf_path(const struct gw_conf *conf, const struct gw_network *net, char *buf,
		       size_t len)
{
	snprintf(buf, len, "%s/%s.dnsmasq.conf", conf->run_dir, net->name);
}

void dnsmasq_lease_path(const struct gw_conf *conf, const struct gw_network *net, char *buf,
			size_t len)
{
	snprintf(buf, len, "%s/%s.leases", conf->state_dir, net->name);
}

/* A network's own upstream servers (dns_servers) instead of the host's. */
static void dns_servers_lines(FILE *f, const struct gw_network *net)
{
	char a[INET6_ADDRSTRLEN];

	fprintf(f, "no-resolv\n");
	for (size_t i = 0; i < net->hosts.n_dns; i++)
		fprintf(f, "server=%s\n",
			inet_ntop(net->hosts.dns[i].family, &net->hosts.dns[i].a, a, sizeof(a)));
}

/* Names: the static hosts' file (always named, even empty, so that the
 * first host added is a SIGHUP, not a new config), and the domain that
 * guests' names (static and from DHCP) get, answered here and never
 * forwarded upstream. */
static void names_lines(FILE *f, const struct gw_conf *conf, const struct gw_network *net)
{
	char path[GW_PATH_MAX + 64];
	const char *dom = net->hosts.domain;

	hosts_dns_path(conf, net, path, sizeof(path));
	fprintf(f, "addn-hosts=%s\n", path);
	if (!dom[0])
		return;
	fprintf(f, "domain=%s\nlocal=/%s/\nexpand-hosts\n", dom, dom);
	/* gatewayd's RAs carry it (DNSSL); DHCPv6 clients ask dnsmasq */
	if (ra_dhcp6_wanted(net))
		fprintf(f, "dhcp-option=option6:domain-search,%s\n", dom);
}

/* DHCPv6 leases count against dhcp-lease-max too: the range's size, up
 * to 65536. */
static uint32_t dhcp6_size(const struct gw_network *net)
{
	const uint8_t *s = net->hosts.dhcp6_start.s6_addr, *e = net->hosts.dhcp6_end.s6_addr;
	uint32_t a, b;

	if (!net->hosts.has_dhcp6)
		return 0;
	if (memcmp(s, e, 14))
		return 65536;
	a = (uint32_t)s[14] << 8 | s[15];
	b = (uint32_t)e[14] << 8 | e[15];
	return b - a + 1;
}

/* Static leases (re-read on SIGHUP: dhcp/hosts.h); the search domain and
 * the MTU (option 26; not sent unless set). */
static void dhcp_hosts_lines(FILE *f, const struct gw_conf *conf, const struct gw_network *net)
{
	char path[GW_PATH_MAX + 64];

	hosts_dhcp_path(conf, net, path, sizeof(path));
	fprintf(f, "dhcp-hostsfile=%s\n", path);
	/* the names guests' leases hold, pinned to their MACs, and the
	 * names nobody gets (dhcp/names.h) */
	names_pins_path(conf, net, path, sizeof(path));
	fprintf(f, "dhcp-hostsfile=%s\n", path);
	names_reserved_lines(f);
	if (net->hosts.domain[0])
		fprintf(f, "dhcp-option=option:domain-search,%s\n", net->hosts.domain);
	if (net->hosts.mtu)
		fprintf(f, "dhcp-option=option:mtu,%u\n", net->hosts.mtu);
}

/* How dnsmasq binds its DNS sockets: bind-interfaces, always.
 *
 * bind-dynamic follows addresses that come and go: on every address
 * event anywhere on the host, each dnsmasq enumerates every interface's
 * addresses again and rebinds. So does a dnsmasq doing RA or DHCPv6,
 * whatever its bind mode. With 300 networks that was 300 processes each
 * walking every address on the host, time and again: 205-230 s of CPU for
 * 100 veth pairs coming and going (bench/guard_many.sh), and the uplink
 * guard waiting its turn for a CPU.
 *
 * bind-interfaces binds once, at start, to the listen-address= addresses
 * the bridge has then, and does nothing on address events. gatewayd gives
 * the bridge its addresses before starting dnsmasq, with DAD off (so the
 * IPv6 one is not tentative and binds at once); a socket bound to an
 * address works again when a repair puts the same address back, and a
 * recreated bridge restarts dnsmasq. The RAs (gatewayd's own, ra/router.c)
 * name that IPv6 address, not the link-local one, as the DNS server
 * (RDNSS). Only a network with a stateful DHCPv6 range still has a
 * dnsmasq that re-reads addresses on such events. */
void dnsmasq_conf_write(FILE *f, const struct gw_conf *conf, const struct gw_network *net)
{
	char a[INET6_ADDRSTRLEN], b[INET_ADDRSTRLEN], mask[INET_ADDRSTRLEN], path[GW_PATH_MAX + 64];
	struct in_addr m = { htonl(addr_mask4(net->ipv4.plen)) };
	uint32_t size;

	fprintf(f,
		"# Written by gatewayd for network \"%s\". Do not edit: it is\n"
		"# rewritten on every start and reload.\n",
		net->name);
	fprintf(f, "interface=%s\nexcept-interface=lo\nbind-interfaces\n", net->bridge);
	inet_ntop(AF_INET, &net->ipv4.addr, a, sizeof(a));
	fprintf(f, "listen-address=%s\n", a);
	if (net->has_ipv6) {
		inet_ntop(AF_INET6, &net->ipv6.addr, a, sizeof(a));
		fprintf(f, "listen-address=%s\n", a);
	}
	fprintf(f, "user=%s\n", conf->dnsmasq_user);
	fprintf(f, "pid-file=\n");
	fprintf(f, "log-facility=-\n");
	fprintf(f, "strict-order\ndomain-needed\nbogus-priv\nno-hosts\n");
	/* upstream servers: from gatewayd, not resolv.conf (see upstream.h) */
	if (net->hosts.n_dns)
		dns_servers_lines(f, net);
	else
		fprintf(f, "no-resolv\nservers-file=%s/%s\n", conf->run_dir, UPSTREAM_FILE);
	names_lines(f, conf, net);
	if (net->dhcp_enabled) {
		char lt[32];

		inet_ntop(AF_INET, &net->dhcp_start, a, sizeof(a));
		inet_ntop(AF_INET, &net->dhcp_end, b, sizeof(b));
		inet_ntop(AF_INET, &m, mask, sizeof(mask));
		if (net->lease_time)
			snprintf(lt, sizeof(lt), "%u", net->lease_time);
		else
			snprintf(lt, sizeof(lt), "infinite");
		fprintf(f, "# DHCPv4\n");
		fprintf(f, "dhcp-range=%s,%s,%s,%s\n", a, b, mask, lt);
		inet_ntop(AF_INET, &net->ipv4.addr, a, sizeof(a));
		/* isolated: no router; the option without data stops dnsmasq
		 * from sending its default (itself) */
		if (net->mode == GW_MODE_ISOLATED)
			fprintf(f, "dhcp-option=option:router\n");
		else
			fprintf(f, "dhcp-option=option:router,%s\n", a);
		fprintf(f, "dhcp-option=option:dns-server,%s\n", a);
		dnsmasq_lease_path(conf, net, path, sizeof(path));
		fprintf(f, "dhcp-leasefile=%s\n", path);
		size = ntohl(net->dhcp_end.s_addr) - ntohl(net->dhcp_start.s_addr) + 1 +
		       dhcp6_size(net);
		fprintf(f, "dhcp-lease-max=%u\n", size);
		/* The guests' only server on a segment gatewayd owns: answer
		 * at once, including clients renewing leases we don't know. */
		fprintf(f, "dhcp-authoritative\ndhcp-no-override\ndhcp-rapid-commit\nno-ping\n");
		/* Leases by MAC (chaddr, which the kernel holds to the frame's
		 * source: nft/binding_claim.c), not by client identifier: one
		 * guest sending made-up client ids would take a lease each. */
		fprintf(f, "dhcp-ignore-clid\n");
		dhcp_hosts_lines(f, conf, net);
	}
	ra_dnsmasq_lines(f, net);
}
