/* Per-request authorisation for the control socket (authz.h). Every
 * answer comes from the peer's credentials as the kernel gave them at
 * accept and from names the config resolved when it was loaded: nothing
 * here asks NSS, which may block the loop. */
#include "gatewayd/ctl/authz.h"
#include "gatewayd/core/ctx.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int ctl_peer_get(int fd, struct ctl_peer *p)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	gid_t *all;

	memset(p, 0, sizeof(*p));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	p->uid = cred.uid;
	p->gid = cred.gid;
	len = sizeof(p->groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p->groups, &len) == 0) {
		p->n_groups = len / sizeof(gid_t);
		return 0;
	}
	/* ERANGE: more groups than we keep. The kernel then copies none and
	 * says how many bytes it needs: read them all, keep the first
	 * CTL_PEER_GROUPS (a group beyond them is not seen: denied, never
	 * wrongly allowed). */
	if (errno != ERANGE || len <= sizeof(p->groups) || !(all = malloc(len)))
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, all, &len) == 0) {
		p->n_groups = len / sizeof(gid_t) < CTL_PEER_GROUPS ? len / sizeof(gid_t)
								    : CTL_PEER_GROUPS;
		memcpy(p->groups, all, p->n_groups * sizeof(gid_t));
	}
	free(all);
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

bool ctl_peer_in_group(const struct ctl_peer *p, gid_t g)
{
	if (g == (gid_t)-1)
		return false;
	if (p->gid == g)
		return true;
	for (size_t i = 0; i < p->n_groups && i < CTL_PEER_GROUPS; i++)
		if (p->groups[i] == g)
			return true;
	return false;
}

bool authz_owns(const struct ctl_peer *p, const struct gw_network *n)
{
	for (size_t i = 0; i < n->owners.n; i++) {
		const struct gw_owner *o = &n->owners.v[i];

		if (o->group ? ctl_peer_in_group(p, o->gid) : o->uid == p->uid)
			return true;
	}
	return false;
}

bool authz_owner_entry(const struct ctl_peer *p, const struct gw_network *n, char *buf, size_t len)
{
	snprintf(buf, len, "%s", "");
	if (ctl_peer_root(p))
		return true;
	for (size_t i = 0; i < n->owners.n; i++) {
		const struct gw_owner *o = &n->owners.v[i];

		if (o->group ? ctl_peer_in_group(p, o->gid) : o->uid == p->uid) {
			snprintf(buf, len, "%s%s", o->group ? "@" : "", o->name);
			return true;
		}
	}
	return false;
}

bool authz_sees_all(const struct gw_ctx *ctx, const struct ctl_peer *p)
{
	return ctl_peer_root(p) || (ctx->conf && ctl_peer_in_group(p, ctx->conf->readers_gid));
}

bool authz_sees(const struct gw_ctx *ctx, const struct ctl_peer *p, const struct gw_network *n)
{
	return authz_sees_all(ctx, p) || authz_owns(p, n);
}

bool authz_sees_any(const struct gw_ctx *ctx, const struct ctl_peer *p)
{
	if (authz_sees_all(ctx, p))
		return true;
	for (size_t i = 0; ctx->conf && i < ctx->conf->n_networks; i++)
		if (authz_owns(p, &ctx->conf->networks[i]))
			return true;
	return false;
}

bool authz_manages(const struct gw_ctx *ctx, const struct ctl_peer *p, const struct gw_network *n)
{
	(void)ctx;
	return ctl_peer_root(p) || authz_owns(p, n);
}

const char *authz_peer_name(const struct gw_ctx *ctx, const struct ctl_peer *p, char *buf,
			    size_t len)
{
	const char *name = ctl_peer_root(p) ? "root" : NULL;

	for (size_t i = 0; !name && ctx->conf && i < ctx->conf->n_networks; i++) {
		const struct gw_owners *o = &ctx->conf->networks[i].owners;

		for (size_t k = 0; !name && k < o->n; k++)
			if (!o->v[k].group && o->v[k].uid == p->uid)
				name = o->v[k].name;
	}
	if (name)
		snprintf(buf, len, "uid %u (%s)", (unsigned)p->uid, name);
	else
		snprintf(buf, len, "uid %u", (unsigned)p->uid);
	return buf;
}
