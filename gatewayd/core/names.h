/* Guests' DHCP names pinned to the MACs whose leases hold them (the text:
 * dhcp/names.h). Woken by inotify on state_dir when a lease file changes,
 * and after every start and reload. */
#ifndef GW_CORE_NAMES_H
#define GW_CORE_NAMES_H

#include "conf/conf.h"

struct gw_ctx;
struct gw_names;

/* The network's pins file from its lease file now, without telling its
 * dnsmasq (serve.c: before it starts, and with its hosts files). */
int names_file_write(const struct gw_conf *conf, const struct gw_network *n);
/* dnsmasq_user's uid ((uid_t)-1: no such user), looked up once per name:
 * the owner of the files dnsmasq re-reads after dropping root. */
uid_t names_dnsmasq_uid(const struct gw_conf *conf);

/* Watch the config's state_dir (made on first use) and bring every
 * network's pins up to date now. */
void names_sync(struct gw_ctx *ctx);
void names_free(struct gw_names *nm);

#endif
