/* A network's port forwards: `forward NAME { proto; port; to; listen }`
 * (conf/forward.c). */
#ifndef GW_CONF_FORWARD_H
#define GW_CONF_FORWARD_H

#include <confuse.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/names.h"

/* Each listen port is an element of a hash map (nft/forward.c): at most
 * this many ports per forward. */
#define GW_FORWARD_RANGE_MAX 1024

/* The keys of one `forward NAME { ... }` section (conf/forward.c). */
extern cfg_opt_t conf_forward_opts[];

/* The network section's keys of this feature (a list of CFG_* entries,
 * each followed by a comma), spliced into conf.c's schema. */
#define CONF_FORWARD_OPTS                                                                          \
	CFG_SEC("forward", conf_forward_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),

/* Packets for listen (any address of the host when listen_any), proto,
 * ports port_min..port_max go to `to`, port to_min (..to_max: a range of
 * the same size, port for port). Addresses in network byte order; the
 * family is the target's, the listen address has the same. */
struct gw_forward {
	char name[NAME_NET_MAX + 1];
	int line;	 /* of the section */
	int listen_line; /* of listen (0: none) */
	int family;	 /* AF_INET, AF_INET6 */
	uint8_t proto;	 /* IPPROTO_TCP, IPPROTO_UDP */
	bool listen_any;
	union {
		struct in_addr a4;
		struct in6_addr a6;
	} listen, to;
	uint16_t port_min, port_max;
	uint16_t to_min, to_max;
	/* added at run time (gatewayctl forward add), kept in state_dir, not
	 * in the file: gatewayd/core/forwards_rt.c */
	bool runtime;
};

struct gw_forwards {
	size_t n;
	struct gw_forward *v;
};

struct gw_conf;
struct gw_network;

/* A forward of net from gatewayctl's words (listen NULL: every address),
 * refused for what the config would refuse in a forward section of net:
 * 0, or -EINVAL with the reason (no file:line) in err. f->runtime set. */
int conf_forward_make(const struct gw_network *net, const char *name, const char *proto,
		      const char *port, const char *to, const char *listen, struct gw_forward *f,
		      char *err, size_t errlen);
/* Whether f, of network net, cannot join the forwards of c: the checks
 * the config makes between forwards (overlaps in any network, a listen
 * address inside a network, BGP's port) and a name net has already.
 * true with the reason in why. */
bool conf_forward_conflict(const struct gw_conf *c, const struct gw_network *net,
			   const struct gw_forward *f, char *why, size_t len);
/* The same, and the network whose subnet or forward f meets in *with
 * (net itself, another one, or NULL: a name of net's, BGP's port), so a
 * caller answering a customer can leave out another customer's names. */
bool conf_forward_conflict_with(const struct gw_conf *c, const struct gw_network *net,
				const struct gw_forward *f, char *why, size_t len,
				const struct gw_network **with);
/* "[A]:P-Q" text of a forward's target ("A:P" for IPv4). */
void conf_forward_to_text(const struct gw_forward *f, char *buf, size_t len);

#endif
