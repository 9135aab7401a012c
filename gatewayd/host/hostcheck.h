/* Checks of a config against the host, and the choice of "auto" subnets.
 * Pure: they judge struct host_facts, they never ask the kernel. */
#ifndef GW_HOSTCHECK_H
#define GW_HOSTCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"
#include "gatewayd/host/facts.h"

/* What gatewayd put on its bridges itself (class 1 of DESIGN.md's
 * facts), told by the core, which owns this struct (struct gw_ctx): the
 * checks never ask a global.
 * - Ports it plugged in (its user taps, the taps attached with gatewayctl
 *   attach) are guest ports whatever guest_ports says: fn answers for them
 *   (core/taps.c), NULL when there are none.
 * - The doctor's self-test plugs a veth into a bridge for a moment: a
 *   guest port whatever guest_ports says, and not one the ports map needs
 *   to know. What makes it the doctor's is that gatewayd made it and said
 *   so (add when made, before it is enslaved; del when deleted), by
 *   ifindex -- never its name, which anyone may give a veth of theirs.
 * A NULL struct hostcheck_own (the unit tests, gatewayd -n): nothing of
 * gatewayd's own. */
typedef bool hostcheck_own_fn(const char *network, const char *port, void *arg);
#define GW_TEST_PORT_PREFIX "gwdt"
#define GW_TEST_PORTS_MAX   64
struct hostcheck_own {
	hostcheck_own_fn *fn;
	void *arg;
	int test_ports[GW_TEST_PORTS_MAX]; /* ifindexes; 0: a free slot */
};
int hostcheck_test_port_add(struct hostcheck_own *own, int ifindex); /* -ENOSPC when full */
void hostcheck_test_port_del(struct hostcheck_own *own, int ifindex);
bool hostcheck_test_port(const struct hostcheck_own *own, int ifindex);

/* A guest port is a tun/tap device (QEMU's tapN, libvirt's vnetN) or a
 * veth (containers, test guests), and if the network lists guest_ports
 * patterns, its name matches one of them. Anything else -- a physical NIC,
 * bond, VLAN, VXLAN, macvlan, WireGuard -- is not. gatewayd's own ports
 * (above) are guest ports whatever guest_ports says. */
bool hostcheck_guest_port(const struct hostcheck_own *own, const struct gw_network *net,
			  int ifindex, const char *kind, const char *name);
/* A name the doctor gives its ports (GW_TEST_PORT_PREFIX + 6 hex digits). */
bool hostcheck_test_port_name(const char *kind, const char *name);
/* What a killed gatewayd's doctor left behind, for removal at start: a
 * veth of that name whose peer, here, is the same name + "p" -- the pair
 * the doctor makes, not just any device someone named gwdt... */
bool hostcheck_test_port_left(const struct host_facts *f, const struct host_link *l);

/* The ports of the network's bridge that are not guest ports: up to max
 * of them in out; returns how many there are. The bridge is looked up by
 * name in f. A veth whose peer (in this namespace) is a port of another
 * bridge is one of them, whatever its kind, unless guest_ports names it. */
size_t hostcheck_foreign_ports(const struct hostcheck_own *own, const struct gw_network *net,
			       const struct host_facts *f, const struct host_link **out,
			       size_t max);
/* Is l, a port of the network's bridge (ifindex br), one of them? */
bool hostcheck_foreign_link(const struct hostcheck_own *own, const struct gw_network *net,
			    const struct host_facts *f, const struct host_link *l, int br);
/* The first of them, or NULL. */
const struct host_link *hostcheck_foreign_port(const struct hostcheck_own *own,
					       const struct gw_network *net,
					       const struct host_facts *f);

/* Does the network's IPv4 or IPv6 subnet overlap an address on a host
 * interface or a main-table route (default routes, link-local and things on
 * the config's own bridges excepted)? Returns true and says which in msg. */
bool hostcheck_collides(const struct gw_conf *conf, const struct gw_network *net,
			const struct host_facts *f, char *msg, size_t len);
/* Does this prefix (an address or route that came or went) overlap the
 * network's IPv4 or IPv6 subnet? What the watch asks to know which
 * networks an address event touches. */
bool hostcheck_overlaps(const struct gw_network *net, int family, const uint8_t *a, unsigned plen);
/* The same, with the bridges of also (the config in force during a
 * reload, or NULL) counted as ours too: what they carry is gatewayd's and
 * the same reload takes it away (a subnet moved to another bridge). */
bool hostcheck_collides_also(const struct gw_conf *conf, const struct gw_conf *also,
			     const struct gw_network *net, const struct host_facts *f, char *msg,
			     size_t len);

/* Is this candidate subnet free of the host's addresses and routes and of
 * the config's other (already resolved) networks? */
bool hostcheck_free4(const struct gw_conf *conf, const struct gw_network *net,
		     const struct host_facts *f, struct in_addr subnet, unsigned plen);
bool hostcheck_free6(const struct gw_conf *conf, const struct gw_network *net,
		     const struct host_facts *f, const struct in6_addr *subnet, unsigned plen);

/* A free /24 for an "ipv4 = auto" network: the search through pool4 (or
 * 10.0.0.0/8 without one) starts at a place derived from the network's
 * name, so the same name on the same host tends to get the same subnet.
 * -ENOSPC if none is free. */
int hostcheck_pick4(const struct gw_conf *conf, const struct gw_network *net,
		    const struct host_facts *f, struct in_addr *subnet);
/* The same for "ipv6 = auto": a /64 of pool6 (-EINVAL without one: then
 * the preflight picks a random ULA /64). */
int hostcheck_pick6(const struct gw_conf *conf, const struct gw_network *net,
		    const struct host_facts *f, struct in6_addr *subnet);

/* IPv6 in the uplink check: routes learned from router advertisements on
 * this interface? */
bool hostcheck_ra_routes(const struct host_facts *f, const char *ifname);

#endif
