/* What the files of conf/ share while parsing (conf/ only): string values
 * that remember their line, the error context, and the checks every
 * feature's keys use. conf.c owns the schema's skeleton; each feature's
 * keys and their checks live in their own file (mode.c, forward.c,
 * host.c), spliced into the network section by their CONF_*_OPTS. */
#ifndef GW_CONF_INTERNAL_H
#define GW_CONF_INTERNAL_H

#include <confuse.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "conf.h"
#include "text.h"

/* A string value and the line it stood on. */
struct sval {
	int line;
	char s[];
};

/* Where the file's sections open (conf_text_sections()), found the first
 * time a line is asked for: only errors and taps ask, and finding them
 * costs a scan of the whole text. */
struct conf_sec_cache {
	const char *text;
	size_t len;
	bool done;
	struct conf_text_sec *v;
	size_t n;
};

struct conf_ctx {
	const char *file;
	char *err;
	size_t errlen;
	struct conf_sec_cache *secs;
};

/* The sections of the text (none when out of memory). */
const struct conf_text_sec *conf_secs(struct conf_sec_cache *c, size_t *n);

/* The line where section sec opens: libconfuse's sec->line is where it
 * closes (that, when the text does not tell). */
int conf_sec_line(const struct conf_ctx *ctx, cfg_t *sec);

/* Every string key is parsed through this: control characters refused,
 * the line kept. */
int sval_parse(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result);
#define SVAL(name, def)	     CFG_PTR_CB(name, def, CFGF_NONE, sval_parse, free)
#define SVAL_LIST(name, def) CFG_PTR_LIST_CB(name, def, CFGF_NONE, sval_parse, free)
const struct sval *sval_get(cfg_t *sec, const char *name);
/* The same for the key that is i-th in its section's schema: no lookup by
 * name (libconfuse's costs a strndup), for keys read once per forward. */
const struct sval *sval_at(cfg_t *sec, size_t i, const char *name);

/* "FILE:LINE: message" into ctx->err (line 0: no line); returns -EINVAL. */
__attribute__((format(printf, 3, 4))) int conf_fail(struct conf_ctx *ctx, int line, const char *fmt,
						    ...);
int conf_copy_str(struct conf_ctx *ctx, const struct sval *v, const char *what, char *dst,
		  size_t len);
int conf_ifname(struct conf_ctx *ctx, const struct sval *v, const char *prefix, const char *what,
		char *dst);
/* An absolute path without ".." in the characters name_path() takes. */
int conf_abs_path(struct conf_ctx *ctx, cfg_t *root, const char *key, char *dst);
/* A copy of len bytes (NULL for none): each feature's list in conf_dup(). */
void *conf_memdup(const void *src, size_t len);
/* qemu.c: the global keys of QEMU's bridge helper. */
int conf_qemu(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c);

/* section.c: a network section's own keys; the checks between networks. */
int conf_network(struct conf_ctx *ctx, cfg_t *sec, struct gw_network *net);
int conf_cross_check(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c);

/* Each feature: parse its keys of one network section (pfx: "network
 * \"NAME\": "), then check across networks once all are parsed. */
int conf_network_mode(struct conf_ctx *ctx, cfg_t *sec, const char *pfx, struct gw_network *net);
int conf_mode_check(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c);
int conf_network_forwards(struct conf_ctx *ctx, cfg_t *sec, const char *pfx,
			  struct gw_network *net);
int conf_forwards_check(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c);
/* Once the bgp section is parsed: no forward of BIRD's tcp/179. */
int conf_forwards_bgp_check(struct conf_ctx *ctx, const struct gw_conf *c);
int conf_network_hosts(struct conf_ctx *ctx, cfg_t *sec, const char *pfx, struct gw_network *net);
/* guest_opts.c: domain, dns_servers, mtu, ipv6_dhcp_range (called by
 * conf_network_hosts before the hosts: their checks use them) */
int conf_network_guest_opts(struct conf_ctx *ctx, cfg_t *sec, const char *pfx,
			    struct gw_network *net);
/* One DNS label: 1-63 letters, digits and '-', not starting or ending
 * with '-' (host.c). */
bool conf_label_ok(const char *s, size_t len);
/* bandwidth.c: the bandwidth and guest_bandwidth sections. */
int conf_network_bandwidth(struct conf_ctx *ctx, cfg_t *sec, const char *pfx,
			   struct gw_network *net);
int conf_hosts_check(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c);
/* owner.c: a network's owners, resolved to uid/gid now. */
int conf_network_owners(struct conf_ctx *ctx, cfg_t *sec, const char *pfx, struct gw_network *net);
/* owner.c: readers_group, resolved now. */
int conf_readers(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c);
/* forward.c's pieces forward_rt.c shares (run-time forwards): one
 * forward from its values (fsec NULL: gatewayctl's, no lines), and how
 * two compare and print in messages. */
int conf_fwd_vals(struct conf_ctx *ctx, cfg_t *fsec, const char *title, const struct sval *proto,
		  const struct sval *port, const struct sval *to, const struct sval *listen,
		  const char *pfx, const struct gw_network *net, struct gw_forward *f);
bool conf_fwd_same_kind(const struct gw_forward *a, const struct gw_forward *b);
bool conf_fwd_listen_overlap(const struct gw_forward *a, const struct gw_forward *b);
void conf_fwd_listen_text(const struct gw_forward *f, char *buf, size_t len);
void conf_fwd_ports_text(char *buf, size_t len, uint16_t lo, uint16_t hi);
/* listen.c: listen_addresses, and once all networks are read, the
 * checks between networks and forwards */
int conf_network_listen(struct conf_ctx *ctx, cfg_t *sec, const char *pfx, struct gw_network *net);
int conf_listen_check(struct conf_ctx *ctx, const struct gw_conf *c);
/* quota.c: guest_connections, connections */
int conf_network_quota(struct conf_ctx *ctx, cfg_t *sec, const char *pfx, struct gw_network *net);
/* tap.c: the global tap sections, once the networks are parsed. */
int conf_taps(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c);
/* bgp.c: pool4, pool6, the bgp section and each network's announce, once the
 * networks are parsed. */
int conf_bgp(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c);

#endif
