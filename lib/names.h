/* What a name may contain, for the config and for whoever reads names
 * back from its own files (state files, resolv.conf): the same rule
 * wherever a name comes from. */
#ifndef GW_LIB_NAMES_H
#define GW_LIB_NAMES_H

#include <stdbool.h>

#define NAME_NET_MAX 32 /* a network's name (GW_NETNAME_MAX) */

/* What a name may contain. Each of these ends up parsed again by someone
 * else (dnsmasq's config, an nftables name match, the kernel, a file
 * name); rather than escape for each, only what a name needs is taken:
 * letters, digits, '-', '_' and '.'. */
bool name_ifname(const char *s);   /* 1-15 of them, not "." or ".." */
bool name_pattern(const char *s);  /* an ifname, optionally ending in '*' */
bool name_netname(const char *s);  /* 1-NAME_NET_MAX, no '.' */
bool name_username(const char *s); /* not starting with '-' */
bool name_path(const char *s);	   /* also '/', '+' and '@' */
bool name_dotdot(const char *s);   /* has a ".." component */

#endif
