/* qemu-bridge-helper's ACL for our bridges (qemu_bridge_acl): gatewayd
 * owns QEMU_CONF_DIR/gatewayd.conf (one `allow BRIDGE` per network) and
 * the one line `include QEMU_CONF_DIR/gatewayd.conf` in bridge.conf, and
 * nothing else there. Which directory holds them is recorded in state_dir
 * (STATE_QEMU_ACL), so that a restart with another config, a stop or
 * --teardown after a crash finds them again. */
#ifndef GW_CORE_QEMU_ACL_H
#define GW_CORE_QEMU_ACL_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"

#define QEMU_ACL_FILE	 "gatewayd.conf"
#define QEMU_BRIDGE_CONF "bridge.conf"
#define STATE_QEMU_ACL	 "qemu-acl" /* in state_dir: the qemu_conf_dir we wrote into */

/* Pure. Our file's text: a header, then `allow BRIDGE` per network; NULL
 * when out of memory or a bridge name is not a valid interface name (the
 * helper once truncated names of IFNAMSIZ and more: an ACL bypass). */
char *qemu_acl_text(const struct gw_conf *conf);
/* Pure. Does text (len bytes) hold line as a whole line? */
bool qemu_acl_has_line(const char *text, size_t len, const char *line);
/* Pure. Remove every whole line equal to line from text, in place; the
 * other bytes stay as they were. Returns the new length. */
size_t qemu_acl_drop_line(char *text, size_t len, const char *line);

/* Make QEMU's files say what conf says: with qemu_bridge_acl, our file
 * rewritten and the include line present once; without it, nothing of
 * ours left (also in a directory an earlier config named). 0, or -errno
 * with the reason in err. Never follows a symbolic link; refuses a
 * qemu_conf_dir that users other than root could change. */
int qemu_acl_sync(const struct gw_conf *conf, char *err, size_t errlen);
/* Remove our file and our include line wherever the record in state_dir
 * says (stop, --teardown). 1 if there was something, 0 if not, -errno. */
int qemu_acl_remove(const char *state_dir, char *err, size_t errlen);

#endif
