/* Guests' DHCP hostnames stay theirs: what dnsmasq is told beyond its
 * config so that a guest cannot take a neighbour's name, or a name that
 * would steer other guests (wpad).
 *
 * dnsmasq moves a name to the newest lease that asks for it ("If a second
 * DHCP client appears which has the same name as an existing client, the
 * name is transferred to the new client", dnsmasq(8), --dhcp-fqdn), so any
 * guest could take web.DOMAIN from the guest that has it. It has no option
 * against that, but it never moves a name that a dhcp-host line gives a
 * MAC. So every name a live lease holds is written as "MAC,NAME" into a
 * dhcp-hostsfile of its own (NET.dhcp-names in run_dir) and dnsmasq gets
 * a SIGHUP (gatewayd/core/names.c); a name is pinned for as long as the
 * lease that holds it is in the lease file. Pure: text only. */
#ifndef GW_DHCP_NAMES_H
#define GW_DHCP_NAMES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf/conf.h"
#include "dhcp/leases.h"

/* The names no guest may register, whatever it sends: "wpad" (browsers
 * look up wpad.DOMAIN for their proxy configuration). Lines for dnsmasq's
 * config. */
void names_reserved_lines(FILE *f);
/* "MAC,NAME" for each live IPv4 lease (expiry 0 or >= now) with a name
 * that no static host of net already has, by MAC or by name; each name
 * once. 0, -ENOMEM or -EIO. */
int names_pins_write(FILE *f, const struct gw_network *net, const struct lease *ls, size_t n,
		     uint64_t now);
void names_pins_path(const struct gw_conf *conf, const struct gw_network *net, char *buf,
		     size_t len);

#endif
