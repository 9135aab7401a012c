/* /dev/net/tun: the ioctls that make a tap persistent and give it an
 * owner, and sysfs for what an existing one is.
 *
 * The kernel lets a process that is not CAP_NET_ADMIN attach to a tap
 * (TUNSETIFF) when its euid is the tap's owner or it is in the tap's
 * group; so a user's QEMU needs no privilege for a tap made this way.
 * TUNSETIFF on a persistent tap that a process holds open fails with
 * EBUSY (no IFF_MULTI_QUEUE): its owner cannot be changed under it. */
#include "gatewayd/host/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int tun_tap_create(const char *name, uid_t uid, gid_t gid)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd, r = 0;

	if (strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	strcpy(ifr.ifr_name, name);
	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) < 0)
		return -errno;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETOWNER, (unsigned long)uid) < 0 ||
	    (gid != (gid_t)TUN_NO_ID && ioctl(fd, TUNSETGROUP, (unsigned long)gid) < 0) ||
	    ioctl(fd, TUNSETPERSIST, 1UL) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* One number from a sysfs attribute: "0x1002" (tun_flags) or "-1". */
static int sysfs_num(const char *name, const char *attr, long *v)
{
	char path[96], buf[32], *end;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, attr);
	if (!(f = fopen(path, "re")))
		return -errno;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	errno = 0;
	*v = strtol(buf, &end, 0);
	return errno || end == buf ? -EIO : 0;
}

int tun_info_read(const char *name, struct tun_info *out)
{
	long flags, owner, group;
	int r;

	/* a name from the kernel or the config: never a path of its own */
	if (!name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	if ((r = sysfs_num(name, "tun_flags", &flags)) < 0 ||
	    (r = sysfs_num(name, "owner", &owner)) < 0 ||
	    (r = sysfs_num(name, "group", &group)) < 0)
		return r;
	out->tap = flags & IFF_TAP;
	out->persist = flags & IFF_PERSIST;
	out->owner = owner < 0 ? TUN_NO_ID : (unsigned)owner;
	out->group = group < 0 ? TUN_NO_ID : (unsigned)group;
	return 0;
}

int tun_mac_read(const char *name, uint8_t mac[6])
{
	char path[96], buf[32];
	unsigned v[6];
	FILE *f;

	if (!name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", name);
	if (!(f = fopen(path, "re")))
		return -errno;
	if (!fgets(buf, sizeof(buf), f) ||
	    sscanf(buf, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}
