/* tun/tap devices through /dev/net/tun: a persistent tap owned by a user
 * (and group), and what sysfs says about an existing one. Enslaving,
 * setting up and deleting go through rtnetlink (rtnl.h) like any link. */
#ifndef GW_TUN_H
#define GW_TUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define TUN_NO_ID ((unsigned)-1) /* no owner / no group */

/* A persistent tap called name (IFF_TAP | IFF_NO_PI), which uid (and gid,
 * unless TUN_NO_ID) may open without privileges. An existing persistent
 * tap of that name is adopted and given that owner; -EBUSY when a
 * process holds it open (it is left as it is), -EINVAL when a tun (not
 * tap) device has the name. 0 or -errno. */
int tun_tap_create(const char *name, uid_t uid, gid_t gid);

struct tun_info {
	bool tap;	/* IFF_TAP, not a layer-3 tun */
	bool persist;	/* IFF_PERSIST: outlives the process that opened it */
	unsigned owner; /* uid, or TUN_NO_ID */
	unsigned group; /* gid, or TUN_NO_ID */
};

/* What /sys/class/net/NAME says of a tun/tap device: 0, -ENOENT when it
 * is no tun/tap device (or gone), or -errno. */
int tun_info_read(const char *name, struct tun_info *out);

/* Its own MAC, from /sys/class/net/NAME/address. 0 or -errno. */
int tun_mac_read(const char *name, uint8_t mac[6]);

#endif
