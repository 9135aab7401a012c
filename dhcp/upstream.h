/* Upstream DNS servers for the networks' dnsmasq, taken from the host's
 * resolv.conf by gatewayd and handed to every dnsmasq in one servers-file.
 *
 * Why not let each dnsmasq read resolv.conf itself: each would then open
 * an inotify instance to watch it, and the kernel allows 128 per user by
 * default (fs.inotify.max_user_instances) -- every dnsmasq runs as the same
 * user, so the 128th network's dnsmasq died at start. With no-resolv and
 * servers-file=, dnsmasq opens none; gatewayd watches resolv.conf once and
 * sends SIGHUP, on which dnsmasq re-reads the servers-file. Pure. */
#ifndef GW_UPSTREAM_H
#define GW_UPSTREAM_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>

#define UPSTREAM_MAX  8
#define UPSTREAM_FILE "upstream.servers" /* in run_dir */

struct upstream {
	size_t n;
	struct {
		int family;
		union {
			struct in_addr v4;
			struct in6_addr v6;
		} a;
		char scope[IFNAMSIZ]; /* link-local IPv6: the interface, or "" */
	} s[UPSTREAM_MAX];
};

/* The nameserver lines of a resolv.conf; anything that is not an address
 * (or a link-local one with a valid interface name) is skipped. At most
 * UPSTREAM_MAX servers, in order. */
void upstream_parse(const char *text, struct upstream *out);
/* server=ADDR lines, for dnsmasq's servers-file. */
void upstream_write(FILE *f, const struct upstream *u);
int upstream_equal(const struct upstream *a, const struct upstream *b);

#endif
