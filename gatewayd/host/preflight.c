/* Preflight: read the host once (links, addresses, routes) and judge the
 * config against it with the pure checks of hostcheck.c. Nothing here
 * changes the host, except recording a first auto-subnet choice; nothing
 * here changes the parsed config (auto subnets go into preflight's own
 * copy, which the plan takes over). */
#include "gatewayd/host/preflight.h"
#include "conf/addr.h"
#include "gatewayd/host/hostcheck.h"
#include "lib/log.h"
#include "gatewayd/host/rtnl.h"
#include "lib/state.h"
#include "gatewayd/host/sysctl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

int preflight_new(const struct gw_conf *conf, struct preflight *pf)
{
	size_t n = conf->n_networks ? conf->n_networks : 1;

	pf->uplinks = calloc(n, IFNAMSIZ);
	pf->fix_accept_ra = calloc(n, sizeof(bool));
	pf->conf = conf_dup(conf);
	if (!pf->uplinks || !pf->fix_accept_ra || !pf->conf) {
		preflight_release(pf);
		return -ENOMEM;
	}
	return 0;
}

/* The daemon's transport (pf->rtnl), or one of our own, opened once:
 * NULL when it cannot be (pf->rtnl_err says why). */
static struct rtnl *pf_rtnl(struct preflight *pf)
{
	if (!pf->rtnl && (pf->rtnl_err = rtnl_open(&pf->rtnl)) == 0)
		pf->own_rtnl = true;
	return pf->rtnl;
}

void preflight_release(struct preflight *pf)
{
	if (pf->own_rtnl)
		rtnl_close(pf->rtnl);
	pf->rtnl = NULL;
	pf->own_rtnl = false;
	free(pf->uplinks);
	free(pf->fix_accept_ra);
	conf_free(pf->conf);
	pf->uplinks = NULL;
	pf->fix_accept_ra = NULL;
	pf->conf = NULL;
}

/* A network without mtu tells its guests the uplink's, when below 1500
 * (a tunnel, PPPoE): otherwise their full-size packets lean on path MTU
 * discovery through the NAT. Set in the resolved copy (pf->conf), so the
 * plan's dnsmasq text carries it and a reload that finds another MTU
 * restarts that dnsmasq. One question per uplink (networks share one). */
static void uplink_mtus(struct preflight *pf)
{
	struct rtnl *rt = NULL;
	bool tried = false;
	char last[IFNAMSIZ] = "";
	unsigned mtu = 0;

	for (size_t i = 0; i < pf->conf->n_networks; i++) {
		struct gw_network *n = &pf->conf->networks[i];
		struct rtnl_link l;

		if (n->hosts.mtu)
			continue;
		if (strcmp(last, pf->uplinks[i])) {
			snprintf(last, sizeof(last), "%s", pf->uplinks[i]);
			mtu = 0;
			if (!tried) {
				rt = pf_rtnl(pf);
				tried = true;
			}
			if (rt && rtnl_link_get(rt, last, &l) == 0)
				mtu = l.mtu;
		}
		if (mtu && mtu < 1500 && mtu >= (n->has_ipv6 ? 1280u : 576u)) {
			n->hosts.mtu = mtu;
			n->hosts.mtu_uplink = true;
		}
	}
}

static int resolve_uplinks(const struct gw_conf *conf, const struct host_facts *f,
			   struct preflight *pf, char *err, size_t errlen)
{
	const char *autoname = NULL;

	/* The default route with the lowest metric names the uplink. */
	uint32_t best = 0;
	for (size_t i = 0; i < f->n_routes; i++) {
		const struct host_route *r = &f->routes[i];
		const struct host_link *l;

		if (r->family != AF_INET || r->plen != 0 || !r->ifindex)
			continue;
		l = host_link_by_index(f, r->ifindex);
		if (l && (!autoname || r->metric < best)) {
			autoname = l->name;
			best = r->metric;
		}
	}
	for (size_t i = 0; i < conf->n_networks; i++) {
		const char *up = conf_network_uplink(conf, &conf->networks[i]);

		if (!*up && !autoname)
			return fmt_err(
				err, errlen,
				"network \"%s\": uplink = auto, but there is no IPv4 default "
				"route to take it from; set uplink = \"IFNAME\"",
				conf->networks[i].name);
		snprintf(pf->uplinks[i], IFNAMSIZ, "%s", *up ? up : autoname);
	}
	uplink_mtus(pf);
	return 0;
}

static void subnets_path(const struct gw_conf *conf, const struct gw_network *n, char *buf,
			 size_t len)
{
	snprintf(buf, len, "%s/%s.subnets", conf->state_dir, n->name);
}

/* One line of NET.subnets: NULL once taken into a4/a6, else why not. */
static const char *subnets_line(const char *line, bool *has4, struct in_addr *a4, unsigned *p4,
				bool *has6, struct in6_addr *a6, unsigned *p6, char *why,
				size_t len)
{
	const char *bad;

	if (!strncmp(line, "ipv4 ", 5)) {
		if (*has4)
			return "a second ipv4 line";
		*has4 = true;
		if (addr_parse_prefix4(line + 5, a4, p4) < 0)
			return "ipv4: not an IPv4 prefix";
		bad = addr_usable4(*a4, *p4);
	} else if (!strncmp(line, "ipv6 ", 5)) {
		if (*has6)
			return "a second ipv6 line";
		*has6 = true;
		if (addr_parse_prefix6(line + 5, a6, p6) < 0)
			return "ipv6: not an IPv6 prefix";
		bad = addr_usable6(a6, *p6);
		if (!bad && *p6 != 64)
			bad = "prefix length must be 64 (ipv6 = auto)";
	} else {
		return "not an \"ipv4 PREFIX\" or \"ipv6 PREFIX\" line";
	}
	if (!bad)
		return NULL;
	/* The line parsed as a prefix: only digits, hex, '.', ':' and '/'. */
	snprintf(why, len, "%s: %s", line, bad);
	return why;
}

/* state_dir/NET.subnets: "ipv4 A.B.C.D/P" and "ipv6 X::/P" lines, as
 * subnets_save() writes them, read back with the config's own checks. A
 * file that fails one is ignored whole, logged once, and the subnets are
 * chosen afresh: a stored subnet is used only as a valid one. */
static void subnets_load(const struct gw_conf *conf, struct gw_network *n)
{
	char path[GW_PATH_MAX + 64], why[192], *line = NULL;
	struct in_addr a4;
	struct in6_addr a6;
	unsigned p4 = 0, p6 = 0, lineno = 0;
	bool has4 = false, has6 = false;
	const char *bad = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *fp;

	subnets_path(conf, n, path, sizeof(path));
	fp = fopen(path, "re");
	if (!fp)
		return;
	while (!bad && (len = getline(&line, &cap, fp)) > 0) {
		lineno++;
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if (memchr(line, '\0', (size_t)len))
			bad = "holds a NUL byte";
		else if (len > 100)
			bad = "too long";
		else if (line[0] && line[0] != '#')
			bad = subnets_line(line, &has4, &a4, &p4, &has6, &a6, &p6, why,
					   sizeof(why));
	}
	free(line);
	fclose(fp);
	if (bad) {
		log_warnx("%s: line %u: %s; ignoring the file, choosing new subnets", path, lineno,
			  bad);
		return;
	}
	if (has4 && n->ipv4_auto)
		conf_network_set_ipv4(n, a4, p4);
	if (has6 && n->ipv6_auto)
		conf_network_set_ipv6(n, &a6, p6);
}

static int subnets_fill(FILE *fp, void *arg)
{
	const struct gw_network *n = arg;
	char a[INET6_ADDRSTRLEN + 8];

	fprintf(fp,
		"# subnets gatewayd chose for network \"%s\" (ipv4/ipv6 = auto);\n"
		"# delete this file to have new ones chosen\n",
		n->name);
	if (n->ipv4_auto) {
		addr_format_net4(n->ipv4.addr, n->ipv4.plen, a, sizeof(a));
		fprintf(fp, "ipv4 %s\n", a);
	}
	if (n->ipv6_auto) {
		addr_format_net6(&n->ipv6.addr, n->ipv6.plen, a, sizeof(a));
		fprintf(fp, "ipv6 %s\n", a);
	}
	return 0;
}

static int subnets_save(const struct gw_conf *conf, const struct gw_network *n, char *err,
			size_t errlen)
{
	char path[GW_PATH_MAX + 64];
	int r;

	if ((r = state_dir_make("state_dir", conf->state_dir, 0700, err, errlen)) < 0)
		return r;
	subnets_path(conf, n, path, sizeof(path));
	if ((r = state_file_write_sync(path, 0644, subnets_fill, (void *)n)) < 0)
		return fmt_errno(err, errlen, r, "network \"%s\": recording auto subnets in %s: %s",
				 n->name, path, strerror(-r));
	return 0;
}

/* An RFC 4193 ULA /64: fd00::/8, a random 40-bit global ID, subnet 0. */
static int pick6(const struct gw_conf *conf, const struct gw_network *n, const struct host_facts *f,
		 struct in6_addr *out)
{
	for (int tries = 0; tries < 16; tries++) {
		memset(out, 0, sizeof(*out));
		out->s6_addr[0] = 0xfd;
		if (getrandom(out->s6_addr + 1, 5, 0) != 5)
			return -errno;
		if (hostcheck_free6(conf, n, f, out, 64))
			return 0;
	}
	return -ENOSPC;
}

/* A subnet remembered from before pool4/pool6 was set or changed is
 * chosen again: a fleet's hosts keep apart only while every auto subnet
 * is in its host's pool. */
static void outside_pools(const struct gw_conf *conf, struct gw_network *n)
{
	struct in6_addr p;

	if (n->ipv4_auto && n->ipv4.addr.s_addr && conf->pools.has4 &&
	    (n->ipv4.plen < conf->pools.plen4 ||
	     !addr_in4(n->ipv4.addr, conf->pools.net4, conf->pools.plen4)))
		n->ipv4.addr.s_addr = 0;
	if (n->ipv6_auto && !IN6_IS_ADDR_UNSPECIFIED(&n->ipv6.addr) && conf->pools.has6) {
		p = addr_net6(&n->ipv6.addr, conf->pools.plen6);
		if (n->ipv6.plen < conf->pools.plen6 || memcmp(&p, &conf->pools.net6, sizeof(p)))
			memset(&n->ipv6.addr, 0, sizeof(n->ipv6.addr));
	}
}

static int resolve_auto(struct gw_conf *conf, const struct host_facts *f, bool persist, char *err,
			size_t errlen)
{
	for (size_t i = 0; i < conf->n_networks; i++) {
		struct gw_network *n = &conf->networks[i];
		bool chosen = false;
		int r;

		if (!n->ipv4_auto && !n->ipv6_auto)
			continue;
		subnets_load(conf, n);
		outside_pools(conf, n);
		if (n->ipv4_auto && !n->ipv4.addr.s_addr) {
			struct in_addr s;
			char pool[INET_ADDRSTRLEN + 4] = "10.0.0.0/8";

			if (conf->pools.has4)
				addr_format_net4(conf->pools.net4, conf->pools.plen4, pool,
						 sizeof(pool));
			if ((r = hostcheck_pick4(conf, n, f, &s)) < 0)
				return fmt_err(err, errlen,
					       "network \"%s\": ipv4 = auto: no free /24 "
					       "left in %s%s",
					       n->name, pool,
					       conf->pools.has4 ? " (pool4): make the pool larger"
								: "");
			conf_network_set_ipv4(n, s, 24);
			chosen = true;
		}
		if (n->ipv6_auto && IN6_IS_ADDR_UNSPECIFIED(&n->ipv6.addr)) {
			struct in6_addr s;
			char pool[INET6_ADDRSTRLEN + 4] = "";

			if (conf->pools.has6) {
				addr_format_net6(&conf->pools.net6, conf->pools.plen6, pool,
						 sizeof(pool));
				if ((r = hostcheck_pick6(conf, n, f, &s)) < 0)
					return fmt_err(err, errlen,
						       "network \"%s\": ipv6 = auto: no free /64 "
						       "left in %s (pool6): make the pool larger",
						       n->name, pool);
			} else if ((r = pick6(conf, n, f, &s)) < 0)
				return fmt_errno(err, errlen, r, "network \"%s\": ipv6 = auto: %s",
						 n->name, strerror(-r));
			conf_network_set_ipv6(n, &s, 64);
			chosen = true;
		}
		if (chosen && persist && (r = subnets_save(conf, n, err, errlen)) < 0)
			return r;
	}
	return 0;
}

static int read_facts(struct preflight *pf, struct host_facts *f, char *err, size_t errlen)
{
	struct rtnl *rt = pf_rtnl(pf);
	int r;

	if (!rt)
		return fmt_errno(err, errlen, pf->rtnl_err, "rtnetlink: %s",
				 strerror(-pf->rtnl_err));
	if ((r = rtnl_read_facts(rt, f)) < 0)
		return fmt_errno(err, errlen, r, "reading links, addresses and routes: %s",
				 strerror(-r));
	return 0;
}

/* The connection quota's default and bounds need the host's table size
 * (nf_conntrack_max, as this namespace sees it; unreadable before
 * conntrack is loaded: conf/quota.h's fallback). */
static int resolve_quota(struct gw_conf *conf, char *err, size_t errlen)
{
	char v[32] = "";
	unsigned long max = 0;

	if (sysctl_read(SYSCTL_ROOT, "net/netfilter/nf_conntrack_max", v, sizeof(v)) >= 0)
		max = strtoul(v, NULL, 10);
	return conf_quota_resolve(conf, max, err, errlen);
}

int preflight_resolve(struct preflight *pf, bool persist, char *err, size_t errlen)
{
	struct host_facts f;
	int r;

	if ((r = read_facts(pf, &f, err, errlen)) < 0)
		return r;
	if ((r = resolve_uplinks(pf->conf, &f, pf, err, errlen)) >= 0)
		r = resolve_auto(pf->conf, &f, persist, err, errlen);
	if (r >= 0)
		r = resolve_quota(pf->conf, err, errlen);
	host_facts_free(&f);
	return r;
}

static bool uplink_has(const struct host_facts *f, const struct host_link *l, int family,
		       const void *addr)
{
	for (size_t k = 0; k < f->n_addrs; k++)
		if (f->addrs[k].ifindex == l->ifindex && f->addrs[k].family == family &&
		    !memcmp(f->addrs[k].addr, addr, family == AF_INET ? 4 : 16))
			return true;
	return false;
}

/* An SNAT address must be the uplink's own: the replies to any other come
 * back to whoever holds it (or nobody). Only the host knows; the error
 * still names the config line. An uplink that does not exist yet is
 * warned about above and judged when it exists (at the next reload). */
static int check_snat(const struct gw_conf *conf, const struct gw_network *n, const char *up,
		      const struct host_facts *f, char *err, size_t errlen)
{
	const struct host_link *l = host_link_by_name(f, up);
	char a[INET6_ADDRSTRLEN];

	if (!l)
		return 0;
	if (n->m.has_snat4 && !uplink_has(f, l, AF_INET, &n->m.snat4))
		return fmt_err(err, errlen,
			       "%s:%d: network \"%s\": snat_address %s is not an address of "
			       "uplink %s",
			       conf->path, n->m.snat_line, n->name,
			       inet_ntop(AF_INET, &n->m.snat4, a, sizeof(a)), up);
	if (n->m.has_snat6 && !uplink_has(f, l, AF_INET6, &n->m.snat6))
		return fmt_err(err, errlen,
			       "%s:%d: network \"%s\": snat6_address %s is not an address of "
			       "uplink %s",
			       conf->path, n->m.snat6_line, n->name,
			       inet_ntop(AF_INET6, &n->m.snat6, a, sizeof(a)), up);
	return 0;
}

static bool running_bridge(const struct gw_conf *running, const char *bridge)
{
	for (size_t i = 0; running && i < running->n_networks; i++)
		if (!strcmp(running->networks[i].bridge, bridge))
			return true;
	return false;
}

static int check_network(const struct gw_conf *conf, size_t i, const struct host_facts *f,
			 struct preflight *pf, char *err, size_t errlen)
{
	const struct gw_network *n = &conf->networks[i];
	const char *up = pf->uplinks[i];
	const struct host_link *br = host_link_by_name(f, n->bridge), *port;
	char msg[256], key[128], val[16];
	int r;

	if (!strcmp(n->bridge, up))
		return fmt_err(err, errlen,
			       "network \"%s\": bridge \"%s\" is the uplink; gatewayd never "
			       "serves or bridges the uplink",
			       n->name, n->bridge);
	if (!host_link_by_name(f, up))
		log_warnx("network \"%s\": uplink \"%s\" does not exist (yet); NAT starts working "
			  "when it appears",
			  n->name, up);
	if ((r = check_snat(conf, n, up, f, err, errlen)) < 0)
		return r;
	if (br && strcmp(br->kind, "bridge"))
		return fmt_err(err, errlen,
			       "network \"%s\": device \"%s\" exists and is not a bridge "
			       "(kind \"%s\"); refusing to touch it",
			       n->name, n->bridge, br->kind[0] ? br->kind : "physical");
	/* A running network's bridge that has such a port is the watch's:
	 * its guard has stopped DHCP there; a reload of any network must not
	 * be refused for it. */
	if ((port = hostcheck_foreign_port(pf->own, n, f)) &&
	    !running_bridge(pf->running, n->bridge))
		return fmt_err(
			err, errlen,
			"network \"%s\": bridge \"%s\" has port \"%s\" (kind \"%s\") "
			"that is not a guest port; gatewayd will not serve DHCP or RA onto it. "
			"Remove it (ip link set %s nomaster) or adjust guest_ports",
			n->name, n->bridge, port->name, port->kind[0] ? port->kind : "physical",
			port->name);
	if (hostcheck_collides_also(conf, pf->running, n, f, msg, sizeof(msg)))
		return fmt_err(err, errlen, "%s%s", msg,
			       n->ipv4_auto || n->ipv6_auto
				       ? " (an auto subnet recorded in state_dir; "
					 "delete NET.subnets there to choose another)"
				       : "");
	if (n->has_ipv6 && access(SYSCTL_ROOT "/net/ipv6", F_OK) < 0)
		return fmt_err(err, errlen,
			       "network \"%s\": ipv6 is set but IPv6 is disabled on this host",
			       n->name);
	/* IPv6 forwarding makes the kernel ignore RAs where accept_ra = 1. */
	snprintf(key, sizeof(key), "net/ipv6/conf/%s/accept_ra", up);
	if (n->has_ipv6 && hostcheck_ra_routes(f, up) &&
	    sysctl_read(SYSCTL_ROOT, key, val, sizeof(val)) == 0 && strcmp(val, "2")) {
		if (!conf->fix_accept_ra)
			return fmt_err(
				err, errlen,
				"network \"%s\": uplink %s takes its IPv6 routes from router "
				"advertisements, but has accept_ra = %s: turning on IPv6 "
				"forwarding "
				"would make the kernel ignore those advertisements and the host "
				"would lose IPv6 when the routes expire. Set "
				"net.ipv6.conf.%s.accept_ra = 2, or fix_accept_ra = true to let "
				"gatewayd do it",
				n->name, up, val, up);
		pf->fix_accept_ra[i] = true;
	}
	return 0;
}

/* conf/ refused listen addresses in fixed subnets; auto ones are known
 * only now. */
static int check_listen(const struct gw_conf *conf, char *err, size_t errlen)
{
	char msg[400];

	for (size_t i = 0; i < conf->n_networks; i++)
		for (size_t j = 0; j < conf->networks[i].fwd.n; j++) {
			const struct gw_forward *f = &conf->networks[i].fwd.v[j];
			const struct gw_network *in = conf_forward_listen_net(conf, f, true);

			if (!in)
				continue;
			conf_forward_listen_msg(msg, sizeof(msg), &conf->networks[i], f, in);
			return fmt_err(err, errlen, "%s (auto subnet)", msg);
		}
	return 0;
}

int preflight_check(struct preflight *pf, char *err, size_t errlen)
{
	struct gw_conf *conf = pf->conf;
	struct host_facts f;
	int r;

	if (access(conf->dnsmasq, X_OK) < 0)
		return fmt_err(err, errlen, "dnsmasq = \"%s\": %s (install dnsmasq-base)",
			       conf->dnsmasq, strerror(errno));
	if ((r = read_facts(pf, &f, err, errlen)) < 0)
		return r;
	if ((r = resolve_uplinks(conf, &f, pf, err, errlen)) >= 0 &&
	    (r = resolve_auto(conf, &f, true, err, errlen)) >= 0 &&
	    (r = resolve_quota(conf, err, errlen)) >= 0)
		for (size_t i = 0; i < conf->n_networks && r >= 0; i++)
			r = check_network(conf, i, &f, pf, err, errlen);
	if (r >= 0)
		r = check_listen(conf, err, errlen);
	host_facts_free(&f);
	return r;
}
