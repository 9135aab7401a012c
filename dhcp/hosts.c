/* The static hosts' files for dnsmasq (see hosts.h). Every name was
 * checked by conf/host.c (letters, digits, '-'); addresses and MACs are
 * formatted here: a line can hold nothing dnsmasq would read as more. */
#include "hosts.h"

#include <arpa/inet.h>

void hosts_dhcp_path(const struct gw_conf *conf, const struct gw_network *net, char *buf,
		     size_t len)
{
	snprintf(buf, len, "%s/%s.dhcp-hosts", conf->run_dir, net->name);
}

void hosts_dns_path(const struct gw_conf *conf, const struct gw_network *net, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.hosts", conf->run_dir, net->name);
}

void hosts_dhcp_write(FILE *f, const struct gw_network *net)
{
	char a[INET6_ADDRSTRLEN];

	fprintf(f, "# Written by gatewayd for network \"%s\": its static hosts.\n", net->name);
	for (size_t i = 0; i < net->hosts.n; i++) {
		const struct gw_host *h = &net->hosts.v[i];

		if (!h->has_mac)
			continue;
		fprintf(f, "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1], h->mac[2],
			h->mac[3], h->mac[4], h->mac[5]);
		if (h->has_ipv4)
			fprintf(f, ",%s", inet_ntop(AF_INET, &h->ipv4, a, sizeof(a)));
		if (h->has_ipv6)
			fprintf(f, ",[%s]", inet_ntop(AF_INET6, &h->ipv6, a, sizeof(a)));
		fprintf(f, ",%s\n", h->name);
	}
}

void hosts_dns_write(FILE *f, const struct gw_network *net)
{
	const char *dom = net->hosts.domain;
	char a[INET6_ADDRSTRLEN];

	fprintf(f, "# Written by gatewayd for network \"%s\": its static hosts' names.\n",
		net->name);
	for (size_t i = 0; i < net->hosts.n; i++) {
		const struct gw_host *h = &net->hosts.v[i];

		for (int fam = 0; fam < 2; fam++) {
			if (fam == 0 ? !h->has_ipv4 : !h->has_ipv6)
				continue;
			if (fam == 0)
				inet_ntop(AF_INET, &h->ipv4, a, sizeof(a));
			else
				inet_ntop(AF_INET6, &h->ipv6, a, sizeof(a));
			if (dom[0])
				fprintf(f, "%s %s.%s %s\n", a, h->name, dom, h->name);
			else
				fprintf(f, "%s %s\n", a, h->name);
		}
	}
}
