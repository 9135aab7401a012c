/* Configuration: libconfuse schema, parsing from a file or a buffer, and
 * validation into struct gw_conf.
 *
 * libconfuse gets the text with its comments blanked out (text.c), from
 * a buffer, so its line numbers are right and the file name is ours.
 * Every string value is parsed through sval_parse(), which keeps the line
 * it stood on, so that checks which need several values (a DHCP range
 * against the subnet) can still point at the right line. libconfuse's own
 * errors (unknown key, bad boolean) come through conf_errfunc().
 *
 * Names and paths end up in dnsmasq's config file, in nftables name
 * matches and on command lines, each with its own syntax; rather than
 * escape for each, only the characters a name needs are accepted. */
#include "lib/names.h"
#include "conf.h"
#include "addr.h"
#include "text.h"
#include "internal.h"

#include <arpa/inet.h>
#include <confuse.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* libconfuse's error callback has no user pointer: its message and line
 * wait here until cfg_parse_buf() returns to conf_parse(), which adds the
 * file name (libconfuse would say "[buf]"). */
static char confuse_err[400];
static int confuse_line;

static const char builtin_conf[] = "uplink    = auto\n"
				   "state_dir = \"/var/lib/gatewayd\"\n"
				   "run_dir   = \"/run/gatewayd\"\n"
				   "dnsmasq   = \"/usr/sbin/dnsmasq\"\n"
				   "\n"
				   "network default {\n"
				   "    bridge = \"gw0\"\n"
				   "    mode   = nat\n"
				   "    ipv4   = auto\n"
				   "    ipv6   = auto\n"
				   "    dhcp {\n"
				   "        lease_time = 1h\n"
				   "    }\n"
				   "    ra { enabled = true }\n"
				   "}\n";

static void conf_errfunc(cfg_t *cfg, const char *fmt, va_list ap)
{
	/* The first error is the cause; anything after follows from it. */
	if (confuse_err[0])
		return;
	vsnprintf(confuse_err, sizeof(confuse_err), fmt, ap);
	confuse_line = cfg ? cfg->line : 0;
}

/* A control character has no use in any value, and a newline in one would
 * start a line of its own in the dnsmasq config we write (dhcp-script=,
 * run as root). Refused here, where every string passes, while libconfuse
 * still knows the line. */
int sval_parse(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	size_t n = strlen(value);
	struct sval *v;
	char q[160], t[3 * GW_NETNAME_MAX];

	if (conf_text_has_ctrl(value)) {
		conf_text_quote(q, sizeof(q), value);
		if (cfg_title(cfg))
			cfg_error(cfg, "%s %s: %s %s contains a control character", cfg_name(cfg),
				  conf_text_quote(t, sizeof(t), cfg_title(cfg)), cfg_opt_name(opt),
				  q);
		else
			cfg_error(cfg, "%s %s contains a control character", cfg_opt_name(opt), q);
		return -1;
	}
	v = malloc(sizeof(*v) + n + 1);
	if (!v)
		return -1;
	v->line = cfg ? cfg->line : 0;
	memcpy(v->s, value, n + 1);
	*(void **)result = v;
	return 0;
}

static cfg_opt_t dhcp_opts[] = {
	CFG_BOOL("enabled", cfg_true, CFGF_NONE),
	SVAL("range", NULL),
	SVAL("lease_time", "1h"),
	CFG_END(),
};

static cfg_opt_t ra_opts[] = {
	CFG_BOOL("enabled", cfg_true, CFGF_NONE),
	CFG_END(),
};

static cfg_opt_t network_opts[] = {
	SVAL("bridge", NULL),
	SVAL("mode", "nat"),
	SVAL("ipv4", NULL),
	SVAL("ipv6", NULL),
	SVAL("uplink", NULL),
	CFG_PTR_LIST_CB("guest_ports", NULL, CFGF_NONE, sval_parse, free),
	CFG_BOOL("host_access", cfg_false, CFGF_NONE),
	CFG_BOOL("guest_binding", cfg_true, CFGF_NONE),
	CFG_SEC("dhcp", dhcp_opts, CFGF_NONE),
	CFG_SEC("ra", ra_opts, CFGF_NONE),
	/* each feature's keys, from its own file */
	CONF_MODE_OPTS CONF_FORWARD_OPTS CONF_HOST_OPTS CFG_END(),
};

static cfg_opt_t root_opts[] = {
	SVAL("uplink", "auto"),
	SVAL("state_dir", "/var/lib/gatewayd"),
	SVAL("run_dir", "/run/gatewayd"),
	SVAL("dnsmasq", "/usr/sbin/dnsmasq"),
	SVAL("dnsmasq_user", "dnsmasq"),
	CFG_BOOL("fix_accept_ra", cfg_false, CFGF_NONE),
	CFG_FLOAT("probe_time", 1.0, CFGF_NONE),
	CFG_SEC("network", network_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_END(),
};

int conf_fail(struct conf_ctx *ctx, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* line 0: a default value, not written in the file */
	if (line > 0)
		snprintf(ctx->err, ctx->errlen, "%s:%d: %s", ctx->file, line, msg);
	else
		snprintf(ctx->err, ctx->errlen, "%s: %s", ctx->file, msg);
	return -EINVAL;
}

const struct sval *sval_get(cfg_t *sec, const char *name)
{
	return cfg_getptr(sec, name);
}

int conf_copy_str(struct conf_ctx *ctx, const struct sval *v, const char *what, char *dst,
		  size_t len)
{
	if (strlen(v->s) >= len)
		return conf_fail(ctx, v->line, "%s \"%s\" is longer than %zu characters", what,
				 v->s, len - 1);
	strcpy(dst, v->s);
	return 0;
}

int conf_ifname(struct conf_ctx *ctx, const struct sval *v, const char *prefix, const char *what,
		char *dst)
{
	char q[80];

	if (!name_ifname(v->s))
		return conf_fail(ctx, v->line,
				 "%s%s %s is not a valid interface name (1-15 letters, digits, "
				 "'-', '_' or '.', not \".\" or \"..\")",
				 prefix, what, conf_text_quote(q, sizeof(q), v->s));
	strcpy(dst, v->s);
	return 0;
}

static int conf_network_ipv4(struct conf_ctx *ctx, const struct sval *v, const char *pfx,
			     struct gw_network *net)
{
	uint32_t a, mask;
	char subnet[INET_ADDRSTRLEN + 4];
	int r;

	if (!v)
		return -ENOENT;
	r = addr_parse_prefix4(v->s, &net->ipv4.addr, &net->ipv4.plen);
	if (r == -ERANGE)
		return conf_fail(ctx, v->line,
				 "%sipv4 \"%s\": prefix length must be between 8 and 30", pfx,
				 v->s);
	if (r < 0)
		return conf_fail(ctx, v->line,
				 "%sipv4 \"%s\" is not an IPv4 address with a prefix length "
				 "(like 10.213.0.1/24)",
				 pfx, v->s);
	if (net->ipv4.plen < 8 || net->ipv4.plen > 30)
		return conf_fail(ctx, v->line,
				 "%sipv4 \"%s\": prefix length must be between 8 and 30", pfx,
				 v->s);
	a = ntohl(net->ipv4.addr.s_addr);
	mask = addr_mask4(net->ipv4.plen);
	addr_format_net4(net->ipv4.addr, net->ipv4.plen, subnet, sizeof(subnet));
	if ((a & ~mask) == 0 || (a & ~mask) == ~mask)
		return conf_fail(ctx, v->line,
				 "%sipv4 \"%s\" is the network or broadcast address of %s; "
				 "the bridge needs a host address",
				 pfx, v->s, subnet);
	if ((a >> 28) >= 14 || (a >> 24) == 127 || (a >> 24) == 0)
		return conf_fail(ctx, v->line, "%sipv4 \"%s\" is not a unicast address", pfx, v->s);
	return 0;
}

static int conf_network_ipv6(struct conf_ctx *ctx, const struct sval *v, const char *pfx,
			     struct gw_network *net)
{
	struct in6_addr n;
	int r = addr_parse_prefix6(v->s, &net->ipv6.addr, &net->ipv6.plen);

	if (r == -ERANGE)
		return conf_fail(ctx, v->line,
				 "%sipv6 \"%s\": prefix length must be between 8 and 127", pfx,
				 v->s);
	if (r < 0)
		return conf_fail(ctx, v->line,
				 "%sipv6 \"%s\" is not an IPv6 address with a prefix length "
				 "(like fd42:213::1/64)",
				 pfx, v->s);
	if (net->ipv6.plen < 8 || net->ipv6.plen > 127)
		return conf_fail(ctx, v->line,
				 "%sipv6 \"%s\": prefix length must be between 8 and 127", pfx,
				 v->s);
	n = addr_net6(&net->ipv6.addr, net->ipv6.plen);
	if (!memcmp(&n, &net->ipv6.addr, sizeof(n)))
		return conf_fail(ctx, v->line,
				 "%sipv6 \"%s\" is the subnet's own prefix; the bridge needs "
				 "a host address (like ...::1)",
				 pfx, v->s);
	if (IN6_IS_ADDR_MULTICAST(&net->ipv6.addr) || IN6_IS_ADDR_LINKLOCAL(&net->ipv6.addr) ||
	    IN6_IS_ADDR_LOOPBACK(&net->ipv6.addr) || IN6_IS_ADDR_V4MAPPED(&net->ipv6.addr))
		return conf_fail(ctx, v->line,
				 "%sipv6 \"%s\" is not a global or unique-local unicast address",
				 pfx, v->s);
	net->has_ipv6 = true;
	return 0;
}

static int conf_network_dhcp(struct conf_ctx *ctx, cfg_t *dsec, const char *pfx,
			     struct gw_network *net)
{
	const struct sval *range = sval_get(dsec, "range");
	const struct sval *lt = sval_get(dsec, "lease_time");
	char a[INET_ADDRSTRLEN], subnet[INET_ADDRSTRLEN + 4];
	const char *dash;
	uint32_t s, e, gw, mask, netaddr;

	net->dhcp_enabled = cfg_getbool(dsec, "enabled");
	if (conf_parse_duration(lt->s, &net->lease_time) < 0)
		return conf_fail(ctx, lt->line,
				 "%slease_time \"%s\" is not a duration "
				 "(like 3600, 90s, 30m, 1h, 2d or infinite)",
				 pfx, lt->s);
	if (net->lease_time && net->lease_time < 120)
		return conf_fail(ctx, lt->line,
				 "%slease_time \"%s\" is shorter than dnsmasq's minimum of 2m", pfx,
				 lt->s);

	if (!range) {
		if (!net->ipv4_auto)
			conf_default_range(net);
		return 0;
	}
	if (net->ipv4_auto)
		return conf_fail(ctx, range->line,
				 "%sa dhcp range needs a fixed ipv4 subnet, not ipv4 = auto", pfx);
	net->dhcp_range_set = true;
	mask = addr_mask4(net->ipv4.plen);
	gw = ntohl(net->ipv4.addr.s_addr);
	netaddr = gw & mask;
	dash = strchr(range->s, '-');
	if (!dash || (size_t)(dash - range->s) >= sizeof(a))
		goto bad;
	memcpy(a, range->s, dash - range->s);
	a[dash - range->s] = '\0';
	if (inet_pton(AF_INET, a, &net->dhcp_start) != 1 ||
	    inet_pton(AF_INET, dash + 1, &net->dhcp_end) != 1)
		goto bad;
	s = ntohl(net->dhcp_start.s_addr);
	e = ntohl(net->dhcp_end.s_addr);
	addr_format_net4(net->ipv4.addr, net->ipv4.plen, subnet, sizeof(subnet));
	if (s > e)
		return conf_fail(ctx, range->line, "%sdhcp range %s starts after it ends", pfx,
				 range->s);
	if ((s & mask) != netaddr || (e & mask) != netaddr)
		return conf_fail(ctx, range->line, "%sdhcp range %s is outside %s", pfx, range->s,
				 subnet);
	if (s <= gw && gw <= e) {
		inet_ntop(AF_INET, &net->ipv4.addr, a, sizeof(a));
		return conf_fail(ctx, range->line,
				 "%sdhcp range %s contains the gateway address %s", pfx, range->s,
				 a);
	}
	if (s == netaddr || e == (netaddr | ~mask))
		return conf_fail(ctx, range->line,
				 "%sdhcp range %s contains the network or broadcast address of %s",
				 pfx, range->s, subnet);
	return 0;
bad:
	return conf_fail(ctx, range->line,
			 "%sdhcp range \"%s\" is not FIRST-LAST (like 10.213.0.100-10.213.0.250)",
			 pfx, range->s);
}

static int conf_network(struct conf_ctx *ctx, cfg_t *sec, struct gw_network *net)
{
	const char *title = cfg_title(sec);
	const struct sval *v;
	char pfx[GW_NETNAME_MAX + 64];
	int r;

	if (!name_netname(title))
		return conf_fail(ctx, sec->line,
				 "network %s: name must be 1-%d letters, digits, '-' or '_'",
				 conf_text_quote(pfx, sizeof(pfx), title), GW_NETNAME_MAX);
	strcpy(net->name, title);
	snprintf(pfx, sizeof(pfx), "network \"%s\": ", title);

	v = sval_get(sec, "bridge");
	if (!v)
		return conf_fail(ctx, sec->line, "%smissing bridge = \"NAME\"", pfx);
	if ((r = conf_ifname(ctx, v, pfx, "bridge", net->bridge)) < 0)
		return r;

	v = sval_get(sec, "mode");
	if (!strcmp(v->s, "nat"))
		net->mode = GW_MODE_NAT;
	else if (!strcmp(v->s, "routed"))
		net->mode = GW_MODE_ROUTED;
	else if (!strcmp(v->s, "isolated"))
		net->mode = GW_MODE_ISOLATED;
	else
		return conf_fail(ctx, v->line,
				 "%sunknown mode \"%s\" (expected nat, routed or isolated)", pfx,
				 v->s);

	v = sval_get(sec, "ipv4");
	if (!v)
		return conf_fail(ctx, sec->line, "%smissing ipv4 = \"ADDRESS/PREFIX\" (or auto)",
				 pfx);
	if (!strcmp(v->s, "auto"))
		net->ipv4_auto = true;
	else if ((r = conf_network_ipv4(ctx, v, pfx, net)) < 0)
		return r;

	net->ra_enabled = cfg_getbool(cfg_getsec(sec, "ra"), "enabled");
	v = sval_get(sec, "ipv6");
	if (v && !strcmp(v->s, "auto")) {
		net->ipv6_auto = net->has_ipv6 = true;
		net->ipv6.plen = 64;
	} else if (v) {
		if ((r = conf_network_ipv6(ctx, v, pfx, net)) < 0)
			return r;
		if (net->ra_enabled && net->ipv6.plen != 64)
			return conf_fail(ctx, v->line,
					 "%sipv6 \"%s\": SLAAC (ra enabled) needs a /64 prefix",
					 pfx, v->s);
	}
	v = sval_get(sec, "uplink");
	if (v && (r = conf_ifname(ctx, v, pfx, "uplink", net->uplink)) < 0)
		return r;
	net->host_access = cfg_getbool(sec, "host_access");
	net->guest_binding = cfg_getbool(sec, "guest_binding");
	net->n_guest_ports = cfg_size(sec, "guest_ports");
	if (net->n_guest_ports > GW_GUEST_PATTERNS_MAX) {
		const struct sval *extra = cfg_getnptr(sec, "guest_ports", GW_GUEST_PATTERNS_MAX);

		return conf_fail(ctx, extra->line, "%sat most %d guest_ports patterns", pfx,
				 GW_GUEST_PATTERNS_MAX);
	}
	for (size_t i = 0; i < net->n_guest_ports; i++) {
		const struct sval *p = cfg_getnptr(sec, "guest_ports", (unsigned)i);
		char q[80];

		if (!name_pattern(p->s))
			return conf_fail(
				ctx, p->line,
				"%sguest_ports pattern %s must be 1-15 letters, digits, "
				"'-', '_' or '.', optionally ending in '*' (like \"tap*\")",
				pfx, conf_text_quote(q, sizeof(q), p->s));
		strcpy(net->guest_ports[i], p->s);
	}
	if ((r = conf_network_dhcp(ctx, cfg_getsec(sec, "dhcp"), pfx, net)) < 0 ||
	    (r = conf_network_mode(ctx, sec, pfx, net)) < 0 ||
	    (r = conf_network_forwards(ctx, sec, pfx, net)) < 0)
		return r;
	return conf_network_hosts(ctx, sec, pfx, net);
}

static bool overlap4(const struct gw_network *a, const struct gw_network *b)
{
	unsigned plen = a->ipv4.plen < b->ipv4.plen ? a->ipv4.plen : b->ipv4.plen;
	return addr_in4(a->ipv4.addr, b->ipv4.addr, plen);
}

static bool overlap6(const struct gw_network *a, const struct gw_network *b)
{
	unsigned plen = a->ipv6.plen < b->ipv6.plen ? a->ipv6.plen : b->ipv6.plen;
	struct in6_addr x = addr_net6(&a->ipv6.addr, plen), y = addr_net6(&b->ipv6.addr, plen);

	return a->has_ipv6 && b->has_ipv6 && !memcmp(&x, &y, sizeof(x));
}

/* Checks between networks, and between a network and the uplinks. */
static int conf_cross_check(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c)
{
	for (size_t i = 0; i < c->n_networks; i++) {
		struct gw_network *a = &c->networks[i];
		cfg_t *sa = cfg_getnsec(root, "network", i);
		int bline = sval_get(sa, "bridge")->line, aline = sval_get(sa, "ipv4")->line;
		const struct sval *v6 = sval_get(sa, "ipv6");
		const char *up = conf_network_uplink(c, a);
		char s1[64], s2[64];

		if (*up && !strcmp(up, a->bridge))
			return conf_fail(ctx, bline,
					 "network \"%s\": bridge \"%s\" is the uplink; "
					 "gatewayd never serves or bridges the uplink",
					 a->name, a->bridge);
		for (size_t j = 0; j < i; j++) {
			struct gw_network *b = &c->networks[j];

			if (!strcmp(a->bridge, b->bridge))
				return conf_fail(ctx, bline,
						 "network \"%s\": bridge \"%s\" is already used by "
						 "network \"%s\"",
						 a->name, a->bridge, b->name);
			if (!strcmp(conf_network_uplink(c, b), a->bridge))
				return conf_fail(ctx, bline,
						 "network \"%s\": bridge \"%s\" is the uplink of "
						 "network \"%s\"",
						 a->name, a->bridge, b->name);
			if (!a->ipv4_auto && !b->ipv4_auto && overlap4(a, b)) {
				addr_format_net4(a->ipv4.addr, a->ipv4.plen, s1, sizeof(s1));
				addr_format_net4(b->ipv4.addr, b->ipv4.plen, s2, sizeof(s2));
				return conf_fail(
					ctx, aline,
					"network \"%s\": subnet %s overlaps %s of network \"%s\"",
					a->name, s1, s2, b->name);
			}
			if (!a->ipv6_auto && !b->ipv6_auto && overlap6(a, b)) {
				addr_format_net6(&a->ipv6.addr, a->ipv6.plen, s1, sizeof(s1));
				addr_format_net6(&b->ipv6.addr, b->ipv6.plen, s2, sizeof(s2));
				return conf_fail(
					ctx, v6 ? v6->line : aline,
					"network \"%s\": subnet %s overlaps %s of network \"%s\"",
					a->name, s1, s2, b->name);
			}
		}
	}
	return 0;
}

/* Absolute, in the characters dnsmasq's config can carry unquoted (see
 * name_path); no "..": these are the directories teardown removes
 * files from, and a path that climbs out of itself is a mistake. */
static int conf_abs_path(struct conf_ctx *ctx, cfg_t *root, const char *key, char *dst)
{
	const struct sval *v = sval_get(root, key);
	int r = conf_copy_str(ctx, v, key, dst, GW_PATH_MAX);
	char q[GW_PATH_MAX + 16];

	if (r < 0)
		return r;
	conf_text_quote(q, sizeof(q), v->s);
	if (dst[0] != '/')
		return conf_fail(ctx, v->line, "%s %s must be an absolute path", key, q);
	if (!name_path(dst))
		return conf_fail(ctx, v->line,
				 "%s %s may contain only letters, digits, '/', '.', '_', '-', '+' "
				 "and '@'",
				 key, q);
	if (name_dotdot(dst))
		return conf_fail(ctx, v->line, "%s %s may not contain \"..\" components", key, q);
	return 0;
}

/* Written as user= into dnsmasq's config; dnsmasq refuses to start for a
 * user that does not exist, so say it here, with the line. */
static int conf_user(struct conf_ctx *ctx, const struct sval *v, char *dst, size_t len)
{
	char q[80];

	conf_text_quote(q, sizeof(q), v->s);
	if (!name_username(v->s))
		return conf_fail(ctx, v->line,
				 "dnsmasq_user %s is not a user name (letters, digits, '.', '_' "
				 "or '-', not starting with '-')",
				 q);
	if (strlen(v->s) >= len)
		return conf_fail(ctx, v->line, "dnsmasq_user %s is longer than %zu characters", q,
				 len - 1);
	if (!getpwnam(v->s))
		return conf_fail(ctx, v->line, "dnsmasq_user %s is not a user on this system", q);
	strcpy(dst, v->s);
	return 0;
}

static int conf_fill(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c)
{
	const struct sval *v = sval_get(root, "uplink");
	int r;

	if (strcmp(v->s, "auto") && (r = conf_ifname(ctx, v, "", "uplink", c->uplink)) < 0)
		return r;
	if ((r = conf_abs_path(ctx, root, "state_dir", c->state_dir)) < 0 ||
	    (r = conf_abs_path(ctx, root, "run_dir", c->run_dir)) < 0 ||
	    (r = conf_abs_path(ctx, root, "dnsmasq", c->dnsmasq)) < 0 ||
	    (r = conf_user(ctx, sval_get(root, "dnsmasq_user"), c->dnsmasq_user,
			   sizeof(c->dnsmasq_user))) < 0)
		return r;

	c->fix_accept_ra = cfg_getbool(root, "fix_accept_ra");
	/* written as a positive test: NaN fails it too */
	if (!(cfg_getfloat(root, "probe_time") >= 0 && cfg_getfloat(root, "probe_time") <= 30))
		return conf_fail(ctx, root->line,
				 "probe_time must be between 0 (off) and 30 seconds");
	c->probe_ms = (unsigned)(cfg_getfloat(root, "probe_time") * 1000 + 0.5);
	c->n_networks = cfg_size(root, "network");
	if (c->n_networks == 0)
		return conf_fail(ctx, root->line, "no network defined");
	c->networks = calloc(c->n_networks, sizeof(*c->networks));
	if (!c->networks)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_networks; i++)
		if ((r = conf_network(ctx, cfg_getnsec(root, "network", i), &c->networks[i])) < 0)
			return r;
	if ((r = conf_cross_check(ctx, root, c)) < 0 || (r = conf_mode_check(ctx, root, c)) < 0 ||
	    (r = conf_forwards_check(ctx, root, c)) < 0)
		return r;
	return conf_hosts_check(ctx, root, c);
}

/* text: the whole file, NUL-terminated, cleaned in place. */
static int conf_parse(const char *name, char *text, size_t len, struct gw_conf **out, char *err,
		      size_t errlen)
{
	struct conf_ctx ctx = { .file = name, .err = err, .errlen = errlen };
	struct gw_conf *c = NULL;
	cfg_t *root = NULL;
	char msg[400];
	int r, line;

	*out = NULL;
	if ((r = conf_text_clean(text, len, &line, msg, sizeof(msg))) < 0)
		return conf_fail(&ctx, line, "%s", msg);
	root = cfg_init(root_opts, CFGF_NONE);
	if (!root)
		return -ENOMEM;
	cfg_set_error_function(root, conf_errfunc);
	confuse_err[0] = '\0';
	confuse_line = 0;

	r = cfg_parse_buf(root, text);
	if (r != CFG_SUCCESS) {
		/* libconfuse quotes keys and titles as they were written */
		conf_text_escape(msg, sizeof(msg), confuse_err[0] ? confuse_err : "syntax error");
		r = conf_fail(&ctx, confuse_line, "%s", msg);
		goto out;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		r = -ENOMEM;
		goto out;
	}
	snprintf(c->path, sizeof(c->path), "%s", name);
	r = conf_fill(&ctx, root, c);
	if (r < 0)
		goto out;
	*out = c;
	c = NULL;
out:
	conf_free(c);
	cfg_free(root);
	return r;
}

int conf_load_file(const char *path, struct gw_conf **out, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int r = conf_text_read(path, &text, &len);

	*out = NULL;
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	r = conf_parse(path, text, len, out, err, errlen);
	free(text);
	return r;
}

int conf_load_buf(const char *name, const char *buf, struct gw_conf **out, char *err, size_t errlen)
{
	char *text = strdup(buf);
	int r;

	*out = NULL;
	if (!text)
		return -ENOMEM;
	r = conf_parse(name, text, strlen(text), out, err, errlen);
	free(text);
	return r;
}

int conf_load_default(struct gw_conf **out, char *err, size_t errlen)
{
	return conf_load_buf("(built-in)", builtin_conf, out, err, errlen);
}

void conf_free(struct gw_conf *conf)
{
	if (!conf)
		return;
	for (size_t i = 0; conf->networks && i < conf->n_networks; i++)
		conf_network_release(&conf->networks[i]);
	free(conf->networks);
	free(conf);
}
