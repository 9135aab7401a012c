/* The global keys for QEMU's bridge helper (see qemu.h): whether gatewayd
 * keeps an ACL for qemu-bridge-helper, and the directory the helper reads
 * (/etc/qemu, compiled into it; tests point this elsewhere). The
 * directory's safety (root's, not writable by others) is checked where it
 * is written to, like state_dir's: gatewayd/core/qemu_acl.c. */
#include "internal.h"

#include <string.h>

int conf_qemu(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c)
{
	int r;

	c->qemu.bridge_acl = cfg_getbool(root, "qemu_bridge_acl");
	if ((r = conf_abs_path(ctx, root, "qemu_conf_dir", c->qemu.conf_dir)) < 0)
		return r;
	/* "/" would make us write /gatewayd.conf and /bridge.conf */
	if (!strcmp(c->qemu.conf_dir, "/"))
		return conf_fail(ctx, sval_get(root, "qemu_conf_dir")->line,
				 "qemu_conf_dir \"/\": name the directory qemu-bridge-helper "
				 "reads (like \"/etc/qemu\")");
	return 0;
}

void conf_qemu_print(FILE *f, const struct gw_conf *c)
{
	fprintf(f, "qemu_bridge_acl = %s\n", c->qemu.bridge_acl ? "true" : "false");
	fprintf(f, "qemu_conf_dir = \"%s\"\n", c->qemu.conf_dir);
}

bool conf_qemu_equal(const struct gw_conf *a, const struct gw_conf *b)
{
	return a->qemu.bridge_acl == b->qemu.bridge_acl &&
	       !strcmp(a->qemu.conf_dir, b->qemu.conf_dir);
}
