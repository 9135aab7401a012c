/* The host's resolv.conf, watched: its nameservers go to run_dir's
 * upstream servers-file (dhcp/upstream.h) for every network's dnsmasq,
 * and when they change the file is rewritten and changed() is called
 * (which sends the dnsmasqs SIGHUP). One inotify instance for gatewayd,
 * none per dnsmasq. */
#ifndef GW_RESOLV_H
#define GW_RESOLV_H

#include "lib/eloop.h"

#define GW_RESOLV_CONF "/etc/resolv.conf"

struct resolv_watch;

/* Writes the servers-file at once. Returns -errno if it cannot be
 * written; a resolv.conf that cannot be watched is logged and tolerated
 * (the servers of the start stay in force). */
int resolv_watch_new(struct eloop *loop, const char *run_dir, void (*changed)(void *arg), void *arg,
		     struct resolv_watch **out);
/* Removes the servers-file too. */
void resolv_watch_free(struct resolv_watch *w);

#endif
