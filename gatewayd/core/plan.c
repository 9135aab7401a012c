/* Building the desired state. Everything that can be computed without
 * the kernel is computed here, once, so that start, reload and the watch
 * compare values instead of re-deriving them. */
#include "gatewayd/core/plan.h"
#include "dhcp/dnsmasq_conf.h"
#include "dhcp/hosts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One of the texts a network's dnsmasq reads (write: dnsmasq_conf_write,
 * or a hosts file's writer with conf unused). */
static char *dnsmasq_text(const struct gw_conf *conf, const struct gw_network *n,
			  void (*write)(FILE *, const struct gw_conf *, const struct gw_network *))
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	write(f, conf, n);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void dhcp_hosts(FILE *f, const struct gw_conf *conf, const struct gw_network *n)
{
	(void)conf;
	hosts_dhcp_write(f, n);
}

static void dns_hosts(FILE *f, const struct gw_conf *conf, const struct gw_network *n)
{
	(void)conf;
	hosts_dns_write(f, n);
}

static int bridge_cmp(const void *a, const void *b, void *conf)
{
	const struct gw_network *v = ((const struct gw_conf *)conf)->networks;

	return strcmp(v[*(const size_t *)a].bridge, v[*(const size_t *)b].bridge);
}

int gw_plan_build(struct gw_conf *parsed, struct preflight *pf, bool bridge_meta,
		  struct gw_plan *out)
{
	struct gw_conf *conf = pf->conf;
	const char **ups = calloc(conf->n_networks + 1, sizeof(*ups));
	int r = -ENOMEM;

	memset(out, 0, sizeof(*out));
	out->parsed = parsed;
	out->conf = conf;
	out->bridge_meta = bridge_meta;
	pf->conf = NULL;
	out->nets = calloc(conf->n_networks + 1, sizeof(*out->nets));
	if (!ups || !out->nets)
		goto fail;
	for (size_t i = 0; i < conf->n_networks; i++) {
		struct gw_net_plan *np = &out->nets[i];

		snprintf(np->uplink, IFNAMSIZ, "%s", pf->uplinks[i]);
		np->fix_accept_ra = pf->fix_accept_ra[i];
		ups[i] = np->uplink;
		out->v6 |= conf->networks[i].has_ipv6;
		if (!(np->dnsmasq_conf =
			      dnsmasq_text(conf, &conf->networks[i], dnsmasq_conf_write)) ||
		    !(np->dhcp_hosts = dnsmasq_text(conf, &conf->networks[i], dhcp_hosts)) ||
		    !(np->dns_hosts = dnsmasq_text(conf, &conf->networks[i], dns_hosts)))
			goto fail;
	}
	if ((r = nft_plan_build(conf, ups, bridge_meta, &out->nft)) < 0)
		goto fail;
	if ((out->by_bridge = calloc(conf->n_networks + 1, sizeof(*out->by_bridge)))) {
		for (size_t i = 0; i < conf->n_networks; i++)
			out->by_bridge[i] = i;
		qsort_r(out->by_bridge, conf->n_networks, sizeof(*out->by_bridge), bridge_cmp,
			conf);
	}
	free(ups);
	return 0;
fail:
	free(ups);
	out->parsed = NULL; /* still the caller's */
	gw_plan_release(out);
	return r;
}

void gw_plan_release(struct gw_plan *p)
{
	for (size_t i = 0; p->nets && p->conf && i < p->conf->n_networks; i++)
		free(p->nets[i].dnsmasq_conf), free(p->nets[i].dhcp_hosts),
			free(p->nets[i].dns_hosts);
	free(p->nets);
	free(p->by_bridge);
	nft_plan_release(&p->nft);
	conf_free(p->conf);
	conf_free(p->parsed);
	memset(p, 0, sizeof(*p));
}

long gw_plan_bridge(const struct gw_plan *p, const char *bridge)
{
	if (p->by_bridge && p->conf) {
		size_t lo = 0, hi = p->conf->n_networks;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2, i = p->by_bridge[mid];
			int c = strcmp(p->conf->networks[i].bridge, bridge);

			if (!c)
				return (long)i;
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		return -1;
	}
	for (size_t i = 0; p->conf && i < p->conf->n_networks; i++)
		if (!strcmp(p->conf->networks[i].bridge, bridge))
			return (long)i;
	return -1;
}

long gw_plan_find(const struct gw_plan *p, const char *name)
{
	for (size_t i = 0; p->conf && i < p->conf->n_networks; i++)
		if (!strcmp(p->conf->networks[i].name, name))
			return (long)i;
	return -1;
}

int gw_plan_nft_rebuild(const struct gw_plan *p, struct nft_plan *out)
{
	const char **ups = calloc(p->conf->n_networks + 1, sizeof(*ups));
	int r;

	memset(out, 0, sizeof(*out));
	if (!ups)
		return -ENOMEM;
	for (size_t i = 0; i < p->conf->n_networks; i++)
		ups[i] = p->nets[i].uplink;
	r = nft_plan_build(p->conf, ups, p->bridge_meta, out);
	free(ups);
	return r;
}
