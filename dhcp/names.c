/* Guests' DHCP names (see names.h). */
#include "names.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NAMES_TAG "gw-name-reserved"

void names_reserved_lines(FILE *f)
{
	/* dhcp-name-match compares case-insensitively; the tag makes
	 * dnsmasq ignore the name (the lease is given, without a name) */
	fprintf(f, "dhcp-name-match=set:%s,wpad\n", NAMES_TAG);
	fprintf(f, "dhcp-ignore-names=tag:%s\n", NAMES_TAG);
}

void names_pins_path(const struct gw_conf *conf, const struct gw_network *net, char *buf,
		     size_t len)
{
	snprintf(buf, len, "%s/%s.dhcp-names", conf->run_dir, net->name);
}

static bool static_mac(const struct gw_network *net, const uint8_t mac[6])
{
	for (size_t i = 0; i < net->hosts.n; i++)
		if (net->hosts.v[i].has_mac && !memcmp(net->hosts.v[i].mac, mac, 6))
			return true;
	return false;
}

static bool static_name(const struct gw_network *net, const char *name)
{
	for (size_t i = 0; i < net->hosts.n; i++)
		if (!strcasecmp(net->hosts.v[i].name, name))
			return true;
	return false;
}

static bool earlier_name(const struct lease *ls, size_t i, const bool *pinned)
{
	for (size_t k = 0; k < i; k++)
		if (pinned[k] && !strcasecmp(ls[k].hostname, ls[i].hostname))
			return true;
	return false;
}

int names_pins_write(FILE *f, const struct gw_network *net, const struct lease *ls, size_t n,
		     uint64_t now)
{
	bool *pinned = calloc(n ? n : 1, sizeof(*pinned));

	if (!pinned)
		return -ENOMEM;
	fprintf(f,
		"# Written by gatewayd for network \"%s\": the names its guests' leases "
		"hold.\n",
		net->name);
	for (size_t i = 0; i < n; i++) {
		uint8_t mac[6];
		char m[32];

		/* a name in the lease file is one dnsmasq took; the checks
		 * keep anything else off a line of its own */
		if (ls[i].v6 || (ls[i].expiry && ls[i].expiry < now) || !ls[i].hostname[0] ||
		    !conf_hostname_ok(ls[i].hostname) || conf_mac_parse(ls[i].mac, mac) < 0 ||
		    static_mac(net, mac) || static_name(net, ls[i].hostname) ||
		    earlier_name(ls, i, pinned))
			continue;
		pinned[i] = true;
		conf_mac_format(mac, m, sizeof(m));
		fprintf(f, "%s,%s\n", m, ls[i].hostname);
	}
	free(pinned);
	return ferror(f) ? -EIO : 0;
}
