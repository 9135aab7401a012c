/* The host addresses dedicated to a network: `listen_addresses = {
 * "198.51.100.7", "2001:db8:7::7" }` (conf/listen.c). A port forward of
 * another network may not listen on them -- in the file nor at run time --
 * and the network's owners' run-time forwards listen only on them: a
 * customer's public address answers for that customer's guests alone. A
 * network without the key leaves its owners every address no other
 * network has (see README "Port forwards: at run time"). */
#ifndef GW_CONF_LISTEN_H
#define GW_CONF_LISTEN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define GW_LISTEN_ADDRS_MAX 16 /* per network */

#define CONF_LISTEN_OPTS SVAL_LIST("listen_addresses", NULL),

struct gw_listen_addr {
	int family; /* AF_INET, AF_INET6 */
	union {
		struct in_addr a4;
		struct in6_addr a6;
	} a;
	int line;
};

struct gw_listen_addrs {
	size_t n;
	struct gw_listen_addr v[GW_LISTEN_ADDRS_MAX];
};

struct gw_conf;
struct gw_network;

/* The network that has this address (family, a: in_addr or in6_addr),
 * or NULL. */
const struct gw_network *conf_listen_holder(const struct gw_conf *c, int family, const void *a);
/* Does some network other than n have listen addresses? The first one. */
bool conf_listen_others(const struct gw_conf *c, const struct gw_network *n);
const struct gw_network *conf_listen_other(const struct gw_conf *c, const struct gw_network *n);
/* n's addresses as text, ", " between them ("" without). */
void conf_listen_text(const struct gw_network *n, char *buf, size_t len);
void conf_listen_print(FILE *f, const struct gw_network *n);

#endif
