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
#include "conf.h"
#include "text.h"
#include "internal.h"

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

/* libconfuse 3.3 looks a titled section's title up among every section
 * of that name before it adds one (cfg_setopt(): a strcmp() each), so
 * 10,000 forwards took 50 million of them, 1.9 s. Instead, as each
 * forward or host section closes, its validate callback moves it out of
 * libconfuse's list into one of ours, where a hash of the titles finds a
 * duplicate at once; once the file is parsed, the sections go back in
 * order (titled_restore()) and everything reads them as before. A
 * duplicate is refused as libconfuse refuses it, at the line of the
 * second section's '{'. The callback has no user pointer: like
 * confuse_err, the lists live here for the length of one cfg_parse_buf().
 * (cfg_opt_t's values and nvalues are public in confuse.h.) */
struct titled {
	cfg_opt_t *opt; /* one network section's "forward" or "host" */
	cfg_value_t **v;
	size_t n, cap;
	const char **hash; /* titles, open addressing, 2 * cap slots */
};

static struct {
	struct titled *v;
	size_t n, cap;
	struct conf_sec_cache *secs; /* of the text being parsed */
} titled;

static uint32_t title_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Insert title; false when it is there already. */
static bool title_add(const char **hash, size_t slots, const char *title)
{
	size_t i = title_hash(title) & (slots - 1);

	for (; hash[i]; i = (i + 1) & (slots - 1))
		if (!strcmp(hash[i], title))
			return false;
	hash[i] = title;
	return true;
}

static const char *sec_title(const cfg_value_t *v)
{
	return v->section->title ? v->section->title : "";
}

static int titled_grow(struct titled *t)
{
	size_t cap = t->cap ? 2 * t->cap : 16;
	cfg_value_t **v = realloc(t->v, cap * sizeof(*v));
	const char **hash;

	if (!v)
		return -ENOMEM;
	t->v = v;
	if (!(hash = calloc(2 * cap, sizeof(*hash))))
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++)
		title_add(hash, 2 * cap, sec_title(t->v[i]));
	free(t->hash);
	t->hash = hash;
	t->cap = cap;
	return 0;
}

static struct titled *titled_find(cfg_opt_t *opt)
{
	/* a network's forwards come in a row: the last list, mostly */
	for (size_t i = titled.n; i-- > 0;)
		if (titled.v[i].opt == opt)
			return &titled.v[i];
	if (titled.n == titled.cap) {
		size_t cap = titled.cap ? 2 * titled.cap : 8;
		struct titled *v = realloc(titled.v, cap * sizeof(*v));

		if (!v)
			return NULL;
		titled.v = v;
		titled.cap = cap;
	}
	titled.v[titled.n] = (struct titled){ .opt = opt };
	return &titled.v[titled.n++];
}

/* The line of the '{' of the section of this name and title that closed
 * at line close (libconfuse's own message points there). */
static int brace_line(const char *name, const char *title, int close)
{
	size_t n;
	const struct conf_text_sec *v = conf_secs(titled.secs, &n);

	for (size_t i = n; i-- > 0;) {
		const struct conf_text_sec *s = &v[i];

		if (s->close == close && !strcmp(s->name, name) &&
		    !strncmp(s->title, title, sizeof(s->title) - 1))
			return s->brace;
	}
	return close;
}

static int titled_hide(cfg_t *cfg, cfg_opt_t *opt)
{
	struct titled *t = titled_find(opt);

	if (!t) {
		cfg_error(cfg, "%s", strerror(ENOMEM));
		return -1;
	}
	for (unsigned i = 0; i < opt->nvalues; i++) {
		const char *title = sec_title(opt->values[i]);

		if (t->n == t->cap && titled_grow(t) < 0) {
			cfg_error(cfg, "%s", strerror(ENOMEM));
			return -1;
		}
		if (!title_add(t->hash, 2 * t->cap, title)) {
			int line = cfg->line;

			cfg->line = brace_line(opt->name, title, line);
			cfg_error(cfg, "found duplicate title '%s'", title);
			cfg->line = line;
			return -1;
		}
		t->v[t->n++] = opt->values[i];
	}
	free(opt->values);
	opt->values = NULL;
	opt->nvalues = 0;
	return 0;
}

/* Every hidden section back into its list, before those libconfuse
 * still holds (a section it was parsing when it stopped). On ENOMEM
 * what cannot go back is freed here. */
static int titled_restore(void)
{
	int r = 0;

	for (size_t i = 0; i < titled.n; i++) {
		struct titled *t = &titled.v[i];
		cfg_opt_t *opt = t->opt;
		cfg_value_t **v = NULL;

		if (!t->n) {
			free(t->v);
		} else if (!(v = realloc(t->v, (t->n + opt->nvalues) * sizeof(*v)))) {
			for (size_t j = 0; j < t->n; j++) {
				cfg_free(t->v[j]->section);
				free(t->v[j]);
			}
			free(t->v);
			r = -ENOMEM;
		} else {
			if (opt->nvalues)
				memcpy(v + t->n, opt->values, opt->nvalues * sizeof(*v));
			free(opt->values);
			opt->values = v;
			opt->nvalues += (unsigned)t->n;
		}
		free(t->hash);
	}
	free(titled.v);
	memset(&titled, 0, sizeof(titled));
	return r;
}

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
	CONF_MODE_OPTS CONF_FORWARD_OPTS CONF_HOST_OPTS CONF_BGP_NET_OPTS CONF_OWNER_OPTS
		CONF_QUOTA_OPTS CONF_BANDWIDTH_OPTS CONF_LISTEN_OPTS CFG_END(),
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
	/* each feature's global keys, from its own file */
	CONF_QEMU_OPTS CONF_TAP_OPTS CONF_BGP_OPTS CONF_OWNER_GLOBAL_OPTS CFG_END(),
};

int conf_fail(struct conf_ctx *ctx, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* line 0: a default value, not written in the file */
	if (!ctx->file) /* a forward from gatewayctl: no file */
		snprintf(ctx->err, ctx->errlen, "%s", msg);
	else if (line > 0)
		snprintf(ctx->err, ctx->errlen, "%s:%d: %s", ctx->file, line, msg);
	else
		snprintf(ctx->err, ctx->errlen, "%s: %s", ctx->file, msg);
	return -EINVAL;
}

const struct sval *sval_get(cfg_t *sec, const char *name)
{
	return cfg_getptr(sec, name);
}

const struct sval *sval_at(cfg_t *sec, size_t i, const char *name)
{
	/* a section's options are a copy of its schema, in order */
	if (sec->opts[i].name && !strcmp(sec->opts[i].name, name))
		return cfg_opt_getnptr(&sec->opts[i], 0);
	return sval_get(sec, name);
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

/* Absolute, in the characters dnsmasq's config can carry unquoted (see
 * name_path); no "..": these are the directories teardown removes
 * files from, and a path that climbs out of itself is a mistake. */
int conf_abs_path(struct conf_ctx *ctx, cfg_t *root, const char *key, char *dst)
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

	if ((r = conf_qemu(ctx, root, c)) < 0)
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
	    (r = conf_forwards_check(ctx, root, c)) < 0 || (r = conf_listen_check(ctx, c)) < 0 ||
	    (r = conf_hosts_check(ctx, root, c)) < 0 || (r = conf_bgp(ctx, root, c)) < 0 ||
	    (r = conf_forwards_bgp_check(ctx, c)) < 0)
		return r;
	if ((r = conf_readers(ctx, root, c)) < 0)
		return r;
	return conf_taps(ctx, root, c);
}

const struct conf_text_sec *conf_secs(struct conf_sec_cache *c, size_t *n)
{
	if (!c->done) {
		c->done = true;
		if (conf_text_sections(c->text, c->len, &c->v, &c->n) < 0)
			c->n = 0;
	}
	*n = c->n;
	return c->v;
}

int conf_sec_line(const struct conf_ctx *ctx, cfg_t *sec)
{
	const char *title = cfg_title(sec);
	size_t n;
	const struct conf_text_sec *v = conf_secs(ctx->secs, &n);

	for (size_t i = 0; i < n; i++) {
		const struct conf_text_sec *s = &v[i];

		if (s->close == sec->line && !strcmp(s->name, cfg_name(sec)) &&
		    !strcmp(s->title, title ? title : ""))
			return s->open;
	}
	return sec->line;
}

/* A check writes its own message; an error met on the way (out of
 * memory) has none: name it, with its errno kept. */
static int parse_err(const char *name, int r, char *err, size_t errlen)
{
	if (r < 0 && errlen && !err[0])
		snprintf(err, errlen, "%s: %s", name, strerror(-r));
	return r;
}

/* text: the whole file, NUL-terminated, cleaned in place. */
static int conf_parse(const char *name, char *text, size_t len, struct gw_conf **out, char *err,
		      size_t errlen)
{
	struct conf_sec_cache secs = { .text = text, .len = len };
	struct conf_ctx ctx = { .file = name, .err = err, .errlen = errlen, .secs = &secs };
	struct gw_conf *c = NULL;
	cfg_t *root = NULL;
	char msg[400];
	int r, line;

	*out = NULL;
	if (errlen)
		err[0] = '\0';
	if ((r = conf_text_clean(text, len, &line, msg, sizeof(msg))) < 0)
		return conf_fail(&ctx, line, "%s", msg);
	root = cfg_init(root_opts, CFGF_NONE);
	if (!root)
		return parse_err(name, -ENOMEM, err, errlen);
	cfg_set_error_function(root, conf_errfunc);
	cfg_set_validate_func(root, "network|forward", titled_hide);
	cfg_set_validate_func(root, "network|host", titled_hide);
	confuse_err[0] = '\0';
	confuse_line = 0;
	titled.secs = &secs;

	r = cfg_parse_buf(root, text);
	if (titled_restore() < 0) {
		r = parse_err(name, -ENOMEM, err, errlen);
		goto out;
	}
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
	free(secs.v);
	return parse_err(name, r, err, errlen);
}

int conf_load_file(const char *path, struct gw_conf **out, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int r = conf_text_read(path, &text, &len);

	*out = NULL;
	if (r == -EFBIG) {
		snprintf(err, errlen, "%s: %s: a config file may have at most %d MiB", path,
			 strerror(-r), CONF_TEXT_MAX_MIB);
		return r;
	}
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
	if (!text) {
		snprintf(err, errlen, "%s: %s", name, strerror(ENOMEM));
		return -ENOMEM;
	}
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
	free(conf->taps);
	free(conf);
}
