/* Static hosts added at run time (gatewayctl qemu-args --static): kept in
 * state_dir/static-hosts ("NET NAME MAC IPV4" per line, mode 0600), merged
 * into each plan's networks beside the file's `host` sections, so dnsmasq
 * gets them through the same hosts file (a SIGHUP, never a restart) and
 * the guest binding allows their addresses. */
#ifndef GW_CORE_STATIC_HOSTS_H
#define GW_CORE_STATIC_HOSTS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

#define STATE_STATIC_HOSTS "static-hosts"

struct gw_ctx;

/* Plan time: add the stored hosts to conf's networks (the resolved copy,
 * never the parsed config). One that no longer fits its network (the
 * subnet changed, the file now has a host of that name, MAC or address)
 * is left out and logged; it stays stored. */
void static_hosts_merge(struct gw_conf *conf);

/* Give name (MAC mac) a static IPv4 lease in network net of the running
 * config, or find the one it has: the same name gets the same address.
 * by: the owner entry that lets the caller in ("alice", "@ops"; "" for
 * root), kept with it: once that entry owns net no more, the host is left
 * out (as an owner's run-time forward is).
 * Stored, then applied (dnsmasq re-reads its hosts file). 0 and *out, or
 * -errno with the reason in err. */
int static_hosts_add(struct gw_ctx *ctx, size_t net, const char *name, const uint8_t mac[6],
		     const char *by, struct in_addr *out, char *err, size_t errlen);
/* Remove name's run-time static host from net. 0, -ENOENT if there is
 * none, or -errno; err says why. */
int static_hosts_del(struct gw_ctx *ctx, size_t net, const char *name, char *err, size_t errlen);

#endif
