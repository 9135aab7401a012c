/* gatewayctl qemu-args and static del (see qemu_args.h).
 *
 * The three ways a QEMU guest reaches a network, as options to paste:
 *   helper  -netdev bridge: QEMU's setuid bridge helper makes the tap and
 *           plugs it into the bridge, if its ACL allows (qemu_bridge_acl);
 *   script  -netdev tap with our ifup/ifdown scripts (root's QEMU), which
 *           attach the tap through gatewayctl attach;
 *   tap     -netdev tap on a persistent tap the user owns (gatewayctl tap).
 * The MAC comes from the VM's name only, so a guest keeps its lease and
 * its static host across runs and hosts without anything stored. */
#include "gatewayd/ctl/qemu_args.h"
#include "gatewayd/ctl/commands.h"
#include "gatewayd/ctl/authz.h"
#include "gatewayd/ctl/forward_ctl.h"
#include "gatewayd/ctl/proto.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/core/static_hosts.h"
#include "gatewayd/core/taps.h"
#include "lib/names.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

void qemu_mac_from_name(const char *name, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, 64 bits */

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	/* FNV's last multiply leaves "vm1" and "vm2" alike in the high bits:
	 * MurmurHash3's finalizer mixes every bit into every other */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (56 - 8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}

void qemu_args_format(const struct qemu_args *a, char *buf, size_t len)
{
	size_t n = 0;

	switch (a->form) {
	case QEMU_FORM_HELPER:
		n = (size_t)snprintf(buf, len, "-netdev bridge,id=gw-%s,br=%s", a->net, a->bridge);
		break;
	case QEMU_FORM_SCRIPT:
		n = (size_t)snprintf(buf, len,
				     "-netdev tap,id=gw-%s,script=%s/qemu-ifup,downscript=%s/"
				     "qemu-ifdown",
				     a->net, a->libexec, a->libexec);
		break;
	case QEMU_FORM_TAP:
		n = (size_t)snprintf(buf, len,
				     "-netdev tap,id=gw-%s,ifname=%s,script=no,downscript=no",
				     a->net, a->tap);
		break;
	}
	if (n >= len)
		return;
	n += (size_t)snprintf(buf + n, len - n, " -device virtio-net-pci,netdev=gw-%s", a->net);
	if (a->has_mac && n < len)
		snprintf(buf + n, len - n, ",mac=%02x:%02x:%02x:%02x:%02x:%02x", a->mac[0],
			 a->mac[1], a->mac[2], a->mac[3], a->mac[4], a->mac[5]);
}

/* A line for gatewayctl's stderr. */
__attribute__((format(printf, 2, 3))) static void note(FILE *f, const char *fmt, ...)
{
	va_list ap;

	fputs(CTL_STDERR, f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

#define USAGE                                                                                      \
	"usage: gatewayctl qemu-args NET [--name VM] [--helper | --script | --tap TAP] "           \
	"[--static] [--forward [tcp:|udp:]HOSTPORT:GUESTPORT]\n"

int qemu_args_cmd(struct gw_ctx *ctx, int argc, char **argv, const struct ctl_peer *p, FILE *f)
{
	const char *net = NULL, *name = NULL, *fwd = NULL;
	struct qemu_args a = { .libexec = GW_LIBEXECDIR };
	const struct gw_network *n;
	int forms = 0, with_static = 0;
	char line[512], err[1024], ip[INET_ADDRSTRLEN];
	struct in_addr addr;
	long i;
	int r;
	int code;

	for (int k = 1; k < argc; k++) {
		if (!strcmp(argv[k], "--name") && k + 1 < argc) {
			name = argv[++k];
		} else if (!strcmp(argv[k], "--helper")) {
			a.form = QEMU_FORM_HELPER, forms++;
		} else if (!strcmp(argv[k], "--script")) {
			a.form = QEMU_FORM_SCRIPT, forms++;
		} else if (!strcmp(argv[k], "--tap") && k + 1 < argc) {
			a.form = QEMU_FORM_TAP, forms++;
			a.tap = argv[++k];
		} else if (!strcmp(argv[k], "--static")) {
			with_static = 1;
		} else if (!strcmp(argv[k], "--forward") && k + 1 < argc) {
			fwd = argv[++k]; /* forward_ctl.c */
		} else if (argv[k][0] != '-' && !net) {
			net = argv[k];
		} else {
			fprintf(f, "qemu-args: unexpected \"%s\"\n" USAGE, argv[k]);
			return CTL_USAGE;
		}
	}
	if (!net || forms > 1) {
		fprintf(f, "qemu-args: %s\n" USAGE,
			!net ? "which network?" : "one of --helper, --script, --tap");
		return CTL_USAGE;
	}
	if (a.tap && !name_ifname(a.tap)) {
		fprintf(f, "qemu-args: \"%s\" is not an interface name\n", a.tap);
		return CTL_USAGE;
	}
	/* becomes the guest's hostname with --static: a DNS label always */
	if (name && !conf_hostname_ok(name)) {
		fprintf(f,
			"qemu-args: --name \"%s\": 1-63 letters, digits or '-', not starting or "
			"ending with '-'\n",
			name);
		return CTL_USAGE;
	}
	if (with_static && !name) {
		fprintf(f, "qemu-args: --static needs --name VM (the static host's name)\n");
		return CTL_USAGE;
	}
	if (fwd && !name) {
		fprintf(f, "qemu-args: --forward needs --name VM (the static host it goes to)\n");
		return CTL_USAGE;
	}
	/* the network's owners may add static leases and forwards to it;
	 * anyone who sees it may ask for the options */
	if (with_static || fwd)
		code = cmd_pick_managed(ctx, p, net,
					with_static ? "add a static lease to it (--static)"
						    : "add a port forward to it (--forward)",
					&i, f);
	else
		code = cmd_pick_seen(ctx, p, net, &i, f);
	if (code != CTL_OK)
		return code;
	n = &ctx->conf->networks[i];
	if (!forms)
		a.form = ctx->conf->qemu.bridge_acl ? QEMU_FORM_HELPER : QEMU_FORM_SCRIPT;
	a.net = n->name;
	a.bridge = n->bridge;
	if ((a.has_mac = name != NULL))
		qemu_mac_from_name(name, a.mac);
	if (with_static) {
		char by[GW_OWNER_NAME_MAX + 2];

		authz_owner_entry(p, n, by, sizeof(by));
		if (static_hosts_add(ctx, (size_t)i, name, a.mac, by, &addr, err, sizeof(err)) <
		    0) {
			note(f, "qemu-args --static: %s", err);
			return CTL_FAIL;
		}
		/* the reload replaced the config: n points into the old one */
		n = &ctx->conf->networks[i];
		a.net = n->name;
		a.bridge = n->bridge;
	}
	if (fwd) { /* the SLIRP hostfwd (forward_ctl.c); p may: checked above */
		if ((r = forward_ctl_for_vm(ctx, (size_t)i, name, fwd, p, f)) != CTL_OK)
			return r;
		n = &ctx->conf->networks[i]; /* reloaded */
		a.net = n->name;
		a.bridge = n->bridge;
	}
	qemu_args_format(&a, line, sizeof(line));
	fprintf(f, "%s\n", line);
	if (with_static)
		note(f, "static lease: %s (%02x:%02x:%02x:%02x:%02x:%02x) gets %s", name, a.mac[0],
		     a.mac[1], a.mac[2], a.mac[3], a.mac[4], a.mac[5],
		     inet_ntop(AF_INET, &addr, ip, sizeof(ip)));
	if (!name)
		note(f, "no --name: no mac= (QEMU gives every guest 52:54:00:12:34:56; two on "
			"one network collide)");
	if (a.form == QEMU_FORM_HELPER && !ctx->conf->qemu.bridge_acl)
		note(f,
		     "qemu_bridge_acl is off: qemu-bridge-helper allows %s only if %s/bridge.conf "
		     "says so",
		     n->bridge, ctx->conf->qemu.conf_dir);
	/* qemu-ifup without GATEWAYD_NETWORK (gatewayctl attach) goes there */
	if (a.form == QEMU_FORM_SCRIPT && taps_default_network(ctx) != n)
		note(f,
		     "run QEMU with GATEWAYD_NETWORK=%s in its environment (qemu-ifup's "
		     "default is another network)",
		     n->name);
	return CTL_OK;
}

/* static del NET VM */
int qemu_static_cmd(struct gw_ctx *ctx, int argc, char **argv, const struct ctl_peer *p, FILE *f)
{
	char err[1024];
	long i;
	int r;

	if (argc != 4 || strcmp(argv[1], "del")) {
		fprintf(f, "usage: gatewayctl static del NET VM\n");
		return CTL_USAGE;
	}
	if ((r = cmd_pick_managed(ctx, p, argv[2], "remove a static lease from it", &i, f)) !=
	    CTL_OK)
		return r;
	if ((r = static_hosts_del(ctx, (size_t)i, argv[3], err, sizeof(err))) < 0) {
		note(f, "static del: %s", err);
		return CTL_FAIL;
	}
	fprintf(f, "removed static host \"%s\" from network \"%s\"\n", argv[3], argv[2]);
	return CTL_OK;
}
