/* Who may do what through the control socket, decided per request from
 * the peer's credentials (SO_PEERCRED, SO_PEERGROUPS), never from what the
 * request says. Root may do everything. A network's owners (conf: owner)
 * see that network and change it at run time (port forwards, static
 * leases, taps for themselves); members of group gatewayd see everything
 * and change nothing; anyone else sees and changes nothing. */
#ifndef GW_CTL_AUTHZ_H
#define GW_CTL_AUTHZ_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct gw_ctx;
struct gw_network;

#define CTL_PEER_GROUPS 64 /* supplementary groups kept; more are ignored */

struct ctl_peer {
	uid_t uid;
	gid_t gid;
	size_t n_groups;
	gid_t groups[CTL_PEER_GROUPS];
};

/* The peer of connected socket fd; 0 or -errno. */
int ctl_peer_get(int fd, struct ctl_peer *p);
/* A peer with uid only (tests, and callers that have no socket). */
struct ctl_peer ctl_peer_uid(uid_t uid);
bool ctl_peer_root(const struct ctl_peer *p);
/* Is p's primary or one of its supplementary groups g? (gid_t)-1: no. */
bool ctl_peer_in_group(const struct ctl_peer *p, gid_t g);
/* Is p one of n's owners (conf: owner), by uid or by group? */
bool authz_owns(const struct ctl_peer *p, const struct gw_network *n);
/* Does p see every network (root, group gatewayd)? Then an unknown
 * network may be called unknown; to anyone else, a network they do not
 * see and one that does not exist must get the same answer. */
bool authz_sees_all(const struct gw_ctx *ctx, const struct ctl_peer *p);
/* Does p see at least one network? If not, p may do nothing but help. */
bool authz_sees_any(const struct gw_ctx *ctx, const struct ctl_peer *p);
/* The first of n's owner entries p is ("alice", "@ops") into buf, for
 * what p adds as an owner; "" for root. false: p owns n not. */
bool authz_owner_entry(const struct ctl_peer *p, const struct gw_network *n, char *buf, size_t len);
/* For the log: "uid 1001 (alice)", the name from the config's resolved
 * owners (root: "root"), else "uid 1001". Never asks NSS. */
const char *authz_peer_name(const struct gw_ctx *ctx, const struct ctl_peer *p, char *buf,
			    size_t len);
/* May p see network n: its row in status, leases, forwards, metrics? */
bool authz_sees(const struct gw_ctx *ctx, const struct ctl_peer *p, const struct gw_network *n);
/* May p change n at run time (forward add/del, static leases, taps)? */
bool authz_manages(const struct gw_ctx *ctx, const struct ctl_peer *p, const struct gw_network *n);

#endif
