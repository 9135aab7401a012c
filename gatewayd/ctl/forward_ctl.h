/* gatewayctl forward add|del (forward_ctl.c): run-time port forwards,
 * and the forward of qemu-args --forward. */
#ifndef GW_CTL_FORWARD_CTL_H
#define GW_CTL_FORWARD_CTL_H

#include <stddef.h>
#include <stdio.h>

struct gw_ctx;
struct ctl_peer;

/* forward add NET NAME --proto tcp|udp --port P --to VM[:P] [--listen A]
 * forward del NET NAME
 * argv as received; the answer into f; returns the exit code (CTL_*). */
int forward_ctl_cmd(struct gw_ctx *ctx, int argc, char **argv, const struct ctl_peer *peer,
		    FILE *f);

/* qemu-args --forward SPEC for VM vm of network ni (a static host by then):
 * SPEC "[tcp:|udp:]HOSTPORT:GUESTPORT" (HOSTPORT may be "N-M"), the
 * forward named "VM-HOSTPORT" ("VM-udpHOSTPORT" for udp); one that
 * exists already with that name is kept. What was done on f's stderr
 * lines; returns the exit code (CTL_*). The caller has authorised. */
int forward_ctl_for_vm(struct gw_ctx *ctx, size_t ni, const char *vm, const char *spec,
		       const struct ctl_peer *peer, FILE *f);

#endif
