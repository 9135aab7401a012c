/* Apply: turns a validated config into the desired state (core/plan.h)
 * and carries out its diff with the state in force: bridges, sysctls, the
 * two nftables tables, one supervised dnsmasq per network; and takes all
 * of it down again. Start and reload change the host only through here
 * (with bridge.c and serve.c). It is not the only part that changes the
 * host: at run time watch.c repairs what drifted (bridges, addresses,
 * sysctls, the ports map), taps*.c make and plug taps, binding*.c refill
 * the binding sets, bgp.c writes BIRD's fragment, qemu_acl.c QEMU's ACL,
 * names.c and static_hosts.c dnsmasq's host files, gatewayd/host/resolv.c
 * the upstream file, and doctor (gatewayd/ctl/) plugs test ports in. */
#ifndef GW_APPLY_H
#define GW_APPLY_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf/conf.h"
#include "lib/eloop.h"

struct gw_ctx;

int gw_ctx_new(struct eloop *loop, struct gw_ctx **out);
void gw_ctx_free(struct gw_ctx *ctx);

/* Bring up everything conf describes. On failure everything done so far is
 * undone, err names the cause, and ctx holds nothing. Takes conf. */
int apply_start(struct gw_ctx *ctx, struct gw_conf *conf, char *err, size_t errlen);
/* Switch to a new config: only what the diff names is touched (an
 * unchanged network keeps its dnsmasq, chains and counters). On failure
 * the old config stays in force and nothing changed (sysctls and QEMU's
 * ACL written before a refused commit are put back): -GW_EREFUSED (with
 * the reason in err) when a check refused the config, else the -errno
 * applying it met. Takes conf on success only. */
int apply_reload(struct gw_ctx *ctx, struct gw_conf *conf, char *err, size_t errlen);
/* The config in force again (not re-read from disk): what run-time lists
 * in state_dir (static hosts, port forwards) say now joins it at plan
 * time. elements: a run-time change of map elements (a port forward
 * added or removed); when the diff is elements only, that one
 * transaction is all, without the host read again and the guest binding
 * refilled as after a reload. As apply_reload otherwise. */
int apply_reload_running(struct gw_ctx *ctx, bool elements, char *err, size_t errlen);
/* Take down everything (dnsmasq, table, bridges we created, sysctls). */
void apply_stop(struct gw_ctx *ctx);
/* A child exited: hand it to the supervisor that owns it. */
void apply_child_exited(struct gw_ctx *ctx, pid_t pid, int status);

/* Remove whatever a crashed instance left, found through the state and run
 * directories and our fixed names. Returns how many things were removed. */
int apply_teardown(const struct gw_conf *conf);

#endif
