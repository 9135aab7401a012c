/* Per-request authorisation for the control socket (authz.h). */
#include "gatewayd/ctl/authz.h"

#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/socket.h>

int ctl_peer_get(int fd, struct ctl_peer *p)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	memset(p, 0, sizeof(*p));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	p->uid = cred.uid;
	p->gid = cred.gid;
	len = sizeof(p->groups);
	/* ERANGE: more groups than we keep; the first CTL_PEER_GROUPS count */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p->groups, &len) == 0 || errno == ERANGE)
		p->n_groups = len / sizeof(gid_t) < CTL_PEER_GROUPS ? len / sizeof(gid_t)
								    : CTL_PEER_GROUPS;
	return 0;
}

struct ctl_peer ctl_peer_uid(uid_t uid)
{
	struct ctl_peer p = { .uid = uid, .gid = (gid_t)-1 };

	return p;
}

bool ctl_peer_root(const struct ctl_peer *p)
{
	return p->uid == 0;
}

bool authz_sees(const struct gw_ctx *ctx, const struct ctl_peer *p, const struct gw_network *n)
{
	(void)ctx;
	(void)n;
	(void)p;
	/* Until owners: whoever may connect (root, group gatewayd) sees all. */
	return true;
}

bool authz_manages(const struct gw_ctx *ctx, const struct ctl_peer *p, const struct gw_network *n)
{
	(void)ctx;
	(void)n;
	return ctl_peer_root(p);
}
