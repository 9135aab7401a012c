/* The diff. A network is known by its name. What its dnsmasq is told is
 * compared as text, its rules as rules (nft/update.c), its bridge by name
 * and its addresses by value: anything that changes one of them is seen,
 * without a hand-kept list of config fields. */
#include "gatewayd/core/diff.h"
#include "gatewayd/host/hostcheck.h"

#include <net/if.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool addrs_equal(const struct gw_network *a, const struct gw_network *b)
{
	return a->ipv4.addr.s_addr == b->ipv4.addr.s_addr && a->ipv4.plen == b->ipv4.plen &&
	       a->has_ipv6 == b->has_ipv6 &&
	       (!a->has_ipv6 ||
		(!memcmp(&a->ipv6.addr, &b->ipv6.addr, 16) && a->ipv6.plen == b->ipv6.plen));
}

/* What every dnsmasq depends on besides its own config text. */
static bool dnsmasq_globals_equal(const struct gw_conf *a, const struct gw_conf *b)
{
	return !strcmp(a->dnsmasq, b->dnsmasq) && !strcmp(a->dnsmasq_user, b->dnsmasq_user);
}

static unsigned net_changes(const struct gw_plan *old, size_t i, const struct gw_plan *new,
			    size_t j, bool redo)
{
	const struct gw_network *o = &old->conf->networks[i], *n = &new->conf->networks[j];
	unsigned act = 0;

	if (strcmp(o->bridge, n->bridge))
		return GA_DHCP_DOWN | GA_BRIDGE_DOWN | GA_BRIDGE_UP | GA_DHCP_UP;
	if (!addrs_equal(o, n))
		act |= GA_ADDRS_DEL | GA_BRIDGE_UP;
	/* dnsmasq binds to the bridge's addresses as they were when it
	 * started. */
	if (act || redo || strcmp(old->nets[i].dnsmasq_conf, new->nets[j].dnsmasq_conf) ||
	    !dnsmasq_globals_equal(old->conf, new->conf))
		act |= GA_DHCP_DOWN | GA_DHCP_UP;
	/* dnsmasq re-reads its hosts files on SIGHUP, not its config. */
	else if (strcmp(old->nets[i].dhcp_hosts, new->nets[j].dhcp_hosts) ||
		 strcmp(old->nets[i].dns_hosts, new->nets[j].dns_hosts))
		act |= GA_DHCP_HOSTS;
	return act;
}

int gw_diff_plans(const struct gw_plan *old, const struct gw_plan *new, const bool *redo_dhcp,
		  struct gw_diff *out)
{
	size_t n_old = old ? old->conf->n_networks : 0, n_new = new->conf->n_networks;
	int r;

	memset(out, 0, sizeof(*out));
	if (!(out->nets = calloc(n_old + n_new + 1, sizeof(*out->nets))))
		return -ENOMEM;
	for (size_t i = 0; i < n_old; i++) {
		long j = gw_plan_find(new, old->conf->networks[i].name);
		struct gw_net_diff *d = &out->nets[out->n++];

		d->old_idx = (long)i;
		d->new_idx = j;
		d->act = j < 0 ? GA_DHCP_DOWN | GA_BRIDGE_DOWN
			       : net_changes(old, i, new, (size_t)j, redo_dhcp && redo_dhcp[i]);
		d->bridge_to = d->act & GA_BRIDGE_DOWN
				       ? gw_plan_bridge(new, old->conf->networks[i].bridge)
				       : -1;
	}
	for (size_t j = 0; j < n_new; j++)
		if (!old || gw_plan_find(old, new->conf->networks[j].name) < 0)
			out->nets[out->n++] =
				(struct gw_net_diff){ -1, (long)j, GA_BRIDGE_UP | GA_DHCP_UP, -1 };
	if (!old) {
		out->nft.replace = true;
		return 0;
	}
	if ((r = nft_update_plan(&old->nft, &new->nft, &out->nft)) < 0) {
		gw_diff_release(out);
		return r;
	}
	for (size_t k = 0; k < out->n; k++)
		out->nft.ports_rewrite |= (out->nets[k].act & GA_BRIDGE_DOWN) != 0;
	return 0;
}

void gw_diff_release(struct gw_diff *d)
{
	free(d->nets);
	nft_update_release(&d->nft);
	memset(d, 0, sizeof(*d));
}

void gw_diff_format(unsigned act, char *buf, size_t len)
{
	static const char *const names[] = { "dhcp-down", "bridge-down", "addrs-del",
					     "bridge-up", "dhcp-up",	 "dhcp-hosts" };
	size_t off = 0;

	buf[0] = '\0';
	for (size_t b = 0; b < sizeof(names) / sizeof(names[0]); b++)
		if (act & (1u << b))
			off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%s",
						off ? "," : "", names[b]);
	if (!off)
		snprintf(buf, len, "keep");
}

static bool has_addr(const struct host_facts *f, int ifindex, int family, const void *a)
{
	for (size_t i = 0; i < f->n_addrs; i++)
		if (f->addrs[i].ifindex == ifindex && f->addrs[i].family == family &&
		    !memcmp(f->addrs[i].addr, a, family == AF_INET ? 4 : 16))
			return true;
	return false;
}

int gw_diff_host(const struct gw_plan *p, const struct hostcheck_own *own,
		 const struct host_facts *f, struct gw_host_diff *out)
{
	size_t n = p->conf ? p->conf->n_networks : 0;

	out->repair = calloc(n + 1, sizeof(*out->repair));
	out->foreign = calloc(n + 1, sizeof(*out->foreign));
	if (!out->repair || !out->foreign) {
		gw_host_diff_release(out);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct gw_network *net = &p->conf->networks[i];
		const struct host_link *br = host_link_by_name(f, net->bridge);

		if (!br) {
			out->repair[i] = GR_BRIDGE_GONE;
			continue;
		}
		if (!(br->flags & IFF_UP))
			out->repair[i] |= GR_BRIDGE_DOWN;
		if (!has_addr(f, br->ifindex, AF_INET, &net->ipv4.addr) ||
		    (net->has_ipv6 && !has_addr(f, br->ifindex, AF_INET6, &net->ipv6.addr)))
			out->repair[i] |= GR_ADDR_MISSING;
		out->foreign[i] = hostcheck_foreign_port(own, net, f);
	}
	return 0;
}

void gw_host_diff_release(struct gw_host_diff *d)
{
	free(d->repair);
	free(d->foreign);
	d->repair = NULL;
	d->foreign = NULL;
}
