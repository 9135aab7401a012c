/* Normalized printing of a config, for gatewayd -n -v: every default
 * spelled out, "auto" choices shown with what they resolved to. */
#include "conf.h"

#include <arpa/inet.h>
#include <stdio.h>

void conf_format_duration(unsigned secs, char *buf, size_t len)
{
	if (secs == 0)
		snprintf(buf, len, "infinite");
	else if (secs % 86400 == 0)
		snprintf(buf, len, "%ud", secs / 86400);
	else if (secs % 3600 == 0)
		snprintf(buf, len, "%uh", secs / 3600);
	else if (secs % 60 == 0)
		snprintf(buf, len, "%um", secs / 60);
	else
		snprintf(buf, len, "%us", secs);
}

void conf_print(FILE *f, const struct gw_conf *c)
{
	fprintf(f, "# normalized from %s\n", c->path);
	fprintf(f, "uplink        = %s\n", c->uplink[0] ? c->uplink : "auto");
	fprintf(f, "state_dir     = \"%s\"\n", c->state_dir);
	fprintf(f, "run_dir       = \"%s\"\n", c->run_dir);
	fprintf(f, "dnsmasq       = \"%s\"\n", c->dnsmasq);
	fprintf(f, "dnsmasq_user  = \"%s\"\n", c->dnsmasq_user);
	fprintf(f, "fix_accept_ra = %s\n", c->fix_accept_ra ? "true" : "false");
	fprintf(f, "probe_time    = %u.%03u\n", c->probe_ms / 1000, c->probe_ms % 1000);
	conf_qemu_print(f, c);
	conf_bgp_print(f, c);
	if (c->readers_group[0])
		fprintf(f, "readers_group = \"%s\"\n", c->readers_group);
	for (size_t i = 0; i < c->n_networks; i++) {
		const struct gw_network *n = &c->networks[i];
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], d[32];
		bool v4 = n->ipv4.addr.s_addr != 0;

		fprintf(f, "\nnetwork %s {\n", n->name);
		fprintf(f, "    bridge      = \"%s\"\n", n->bridge);
		fprintf(f, "    mode        = %s\n", conf_mode_name(n->mode));
		inet_ntop(AF_INET, &n->ipv4.addr, a, sizeof(a));
		if (v4)
			fprintf(f, "    ipv4        = \"%s/%u\"%s\n", a, n->ipv4.plen,
				n->ipv4_auto ? "    # auto" : "");
		else
			fprintf(f, "    ipv4        = auto\n");
		if (n->has_ipv6 && !IN6_IS_ADDR_UNSPECIFIED(&n->ipv6.addr)) {
			inet_ntop(AF_INET6, &n->ipv6.addr, a, sizeof(a));
			fprintf(f, "    ipv6        = \"%s/%u\"%s\n", a, n->ipv6.plen,
				n->ipv6_auto ? "    # auto" : "");
		} else if (n->has_ipv6) {
			fprintf(f, "    ipv6        = auto\n");
		}
		if (n->uplink[0])
			fprintf(f, "    uplink      = \"%s\"\n", n->uplink);
		if (n->n_guest_ports) {
			fprintf(f, "    guest_ports = {");
			for (size_t k = 0; k < n->n_guest_ports; k++)
				fprintf(f, "%s\"%s\"", k ? ", " : "", n->guest_ports[k]);
			fprintf(f, "}\n");
		}
		fprintf(f, "    host_access = %s\n", n->host_access ? "true" : "false");
		fprintf(f, "    guest_binding = %s\n", n->guest_binding ? "true" : "false");
		conf_format_duration(n->lease_time, d, sizeof(d));
		fprintf(f, "    dhcp {\n        enabled    = %s\n",
			n->dhcp_enabled ? "true" : "false");
		if (v4 && (!n->ipv4_auto || n->dhcp_range_set)) {
			inet_ntop(AF_INET, &n->dhcp_start, a, sizeof(a));
			inet_ntop(AF_INET, &n->dhcp_end, b, sizeof(b));
			fprintf(f, "        range      = \"%s-%s\"\n", a, b);
		}
		fprintf(f, "        lease_time = %s\n    }\n", d);
		fprintf(f, "    ra { enabled = %s }\n",
			n->ra_enabled && n->has_ipv6 ? "true" : "false");
		conf_bgp_net_print(f, c, n);
		conf_mode_print(f, n);
		conf_quota_print(f, n);
		conf_forwards_print(f, n);
		conf_hosts_print(f, n);
		conf_owners_print(f, n);
		conf_listen_print(f, n);
		conf_bw_print(f, n);
		fprintf(f, "}\n");
	}
	conf_taps_print(f, c);
}
