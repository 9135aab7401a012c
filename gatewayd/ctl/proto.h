/* The control protocol, shared by the daemon (control.c) and gatewayctl:
 * one request line in; the exit code on the first line of the answer, then
 * the text. gatewayctl exits with that code. */
#ifndef GW_CTL_PROTO_H
#define GW_CTL_PROTO_H

/* Where gatewayctl looks when neither -s nor $GATEWAYD_SOCKET says; the
 * daemon puts it in run_dir (default /run/gatewayd). */
#define CTL_SOCKET_NAME	   "gatewayd.sock"
#define CTL_DEFAULT_SOCKET "/run/gatewayd/" CTL_SOCKET_NAME
/* A line of the answer that starts with this byte goes to stderr (without
 * it), whatever the code: notes beside an answer meant for $(...). */
#define CTL_STDERR "\x1f"

enum {
	CTL_OK = 0,
	CTL_FAIL = 1, /* doctor found a problem; the command failed */
	CTL_USAGE = 2,
	CTL_CONFIG = 3,	     /* reload: the new config is invalid; nothing changed */
	CTL_DENIED = 4,	     /* only root may do that */
	CTL_NO_NET = 5,	     /* no such network */
	CTL_UNREACHABLE = 6, /* gatewayctl only: cannot reach gatewayd */
	CTL_BUSY = 7,	     /* no free connection for this user: try again */
	CTL_APPLY = 8,	     /* reload: the config is valid, applying it failed
				(out of memory, a refused ruleset...); nothing changed */
};

#endif
