/* A network's static hosts as dnsmasq reads them: a dhcp-hostsfile (MAC ->
 * address and name) and an addn-hosts file (name -> addresses). Both are
 * re-read on SIGHUP (dnsmasq(8), SIGNALS), unlike its config file, so
 * adding, changing or removing a host never restarts dnsmasq. Pure: the
 * texts are written to a FILE, the paths are in run_dir. */
#ifndef GW_HOSTS_H
#define GW_HOSTS_H

#include <stddef.h>
#include <stdio.h>

#include "conf/conf.h"

/* "MAC,IPV4,[IPV6],NAME" per host that has a MAC. */
void hosts_dhcp_write(FILE *f, const struct gw_network *net);
/* "ADDRESS NAME.DOMAIN NAME" per address of a host. */
void hosts_dns_write(FILE *f, const struct gw_network *net);
void hosts_dhcp_path(const struct gw_conf *conf, const struct gw_network *net, char *buf,
		     size_t len);
void hosts_dns_path(const struct gw_conf *conf, const struct gw_network *net, char *buf,
		    size_t len);

#endif
