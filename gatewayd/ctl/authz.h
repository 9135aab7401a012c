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
/* May p see network n: its row in status, leases, forwards, metrics? */
bool authz_sees(const struct gw_ctx *ctx, const struct ctl_peer *p, const struct gw_network *n);
/* May p change n at run time (forward add/del, static leases, taps)? */
bool authz_manages(const struct gw_ctx *ctx, const struct ctl_peer *p, const struct gw_network *n);

#endif
