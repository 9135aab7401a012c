/* QEMU's bridge helper: the global keys qemu_bridge_acl and qemu_conf_dir
 * (conf/qemu.c). What is done with them: gatewayd/core/qemu_acl.c. */
#ifndef GW_CONF_QEMU_H
#define GW_CONF_QEMU_H

#include <stdbool.h>
#include <stdio.h>

#define GW_QEMU_CONF_DIR "/etc/qemu"
#define GW_QEMU_PATH_MAX 256 /* = GW_PATH_MAX */

/* The root section's keys of this feature (a list of CFG_* entries, each
 * followed by a comma), spliced into conf.c's schema. */
#define CONF_QEMU_OPTS                                                                             \
	CFG_BOOL("qemu_bridge_acl", cfg_false, CFGF_NONE), SVAL("qemu_conf_dir", GW_QEMU_CONF_DIR),

struct gw_qemu {
	/* gatewayd keeps conf_dir/gatewayd.conf (allow BRIDGE per network)
	 * and the line that includes it in conf_dir/bridge.conf */
	bool bridge_acl;
	char conf_dir[GW_QEMU_PATH_MAX]; /* where qemu-bridge-helper looks */
};

#endif
