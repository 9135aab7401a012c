/* dnsmasq configuration for one network. Pure: writes to a FILE. */
#ifndef GW_DNSMASQ_CONF_H
#define GW_DNSMASQ_CONF_H

#include <stddef.h>
#include <stdio.h>

#include "conf/conf.h"

void dnsmasq_conf_write(FILE *f, const struct gw_conf *conf, const struct gw_network *net);
void dnsmasq_conf_path(const struct gw_conf *conf, const struct gw_network *net, char *buf,
		       size_t len);
void dnsmasq_lease_path(const struct gw_conf *conf, const struct gw_network *net, char *buf,
			size_t len);

#endif
