/* gatewayctl qemu-args NET [--name VM] [--helper | --script | --tap TAP]
 * [--static], and gatewayctl static del NET VM (qemu_args.c): the QEMU
 * options that put a guest on a network, on one line. */
#ifndef GW_CTL_QEMU_ARGS_H
#define GW_CTL_QEMU_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#ifndef GW_LIBEXECDIR /* the Makefile's LIBEXECDIR */
#define GW_LIBEXECDIR "/usr/libexec/gatewayd"
#endif

struct gw_ctx;

enum qemu_form { QEMU_FORM_HELPER, QEMU_FORM_SCRIPT, QEMU_FORM_TAP };

struct qemu_args {
	const char *net;     /* the network's name: the netdev is "gw-NET" */
	const char *bridge;  /* helper form */
	const char *tap;     /* tap form */
	const char *libexec; /* script form: LIBEXEC/qemu-ifup, qemu-ifdown */
	enum qemu_form form;
	bool has_mac;
	uint8_t mac[6];
};

/* A VM's MAC from its name alone: the name's 64-bit FNV-1a hash, mixed
 * by MurmurHash3's fmix64 finalizer; its first six bytes (big-endian),
 * the first octet's two low bits set to 10 (unicast, locally
 * administered). Pure. */
void qemu_mac_from_name(const char *name, uint8_t mac[6]);
/* The options, on one line without a newline. Pure. */
void qemu_args_format(const struct qemu_args *a, char *buf, size_t len);

/* The control socket's commands: argv as received; the answer into f
 * (lines starting with CTL_STDERR go to gatewayctl's stderr); returns
 * the exit code (CTL_*). */
struct ctl_peer;
/* p: who asks (authz.h). qemu-args for whoever sees NET; --static and
 * static del for root and NET's owners. */
int qemu_args_cmd(struct gw_ctx *ctx, int argc, char **argv, const struct ctl_peer *p, FILE *f);
int qemu_static_cmd(struct gw_ctx *ctx, int argc, char **argv, const struct ctl_peer *p, FILE *f);

#endif
