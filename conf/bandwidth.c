/* A network's bandwidth and guest_bandwidth sections (see bandwidth.h):
 * rates and sizes in tc(8)'s units, checked where the line is known. A
 * bad value refuses the whole config, so nothing of it is applied. */
#include "conf/bandwidth.h"
#include "internal.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

cfg_opt_t conf_bw_opts[] = {
	SVAL("ingress", NULL),	     SVAL("egress", NULL),
	SVAL("ingress_burst", NULL), SVAL("egress_burst", NULL),
	SVAL("ingress_peak", NULL),  SVAL("egress_peak", NULL),
	SVAL_LIST("ports", NULL),    CFG_END(),
};

struct unit {
	const char *name;
	uint64_t mult; /* bits */
};

static const struct unit rate_units[] = {
	{ "bit", 1 },
	{ "kbit", 1000ull },
	{ "mbit", 1000000ull },
	{ "gbit", 1000000000ull },
	{ "tbit", 1000000000000ull },
	{ "kibit", 1024ull },
	{ "mibit", 1024ull * 1024 },
	{ "gibit", 1024ull * 1024 * 1024 },
	{ "bps", 8 },
	{ "kbps", 8000ull },
	{ "mbps", 8000000ull },
	{ "gbps", 8000000000ull },
	{ "tbps", 8000000000000ull },
	{ "kibps", 8ull * 1024 },
	{ "mibps", 8ull * 1024 * 1024 },
	{ "gibps", 8ull * 1024 * 1024 * 1024 },
};

static const struct unit size_units[] = {
	{ "", 8 },
	{ "b", 8 },
	{ "k", 8ull * 1024 },
	{ "kb", 8ull * 1024 },
	{ "m", 8ull * 1024 * 1024 },
	{ "mb", 8ull * 1024 * 1024 },
	{ "g", 8ull * 1024 * 1024 * 1024 },
	{ "gb", 8ull * 1024 * 1024 * 1024 },
	{ "kbit", 1000ull },
	{ "mbit", 1000000ull },
};

/* digits[.digits] then a unit from the table; the value in bits, exact
 * to the bit (decimals beyond what the unit resolves are refused). */
static int parse_units(const char *s, const struct unit *u, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t whole = 0, frac = 0, scale = 1;
	const char *p = s;
	size_t nd = 0;

	for (; *p >= '0' && *p <= '9'; p++, nd++) {
		if (whole > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		size_t nf = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, nf++) {
			if (nf >= 9)
				return -EINVAL;
			frac = frac * 10 + (uint64_t)(*p - '0');
			scale *= 10;
		}
		if (!nf)
			return -EINVAL;
	}
	if (!nd)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		uint64_t m = u[i].mult;

		if (strcasecmp(p, u[i].name))
			continue;
		if (whole > max / m)
			return -ERANGE;
		if ((frac * m) % scale)
			return -EINVAL; /* a fraction of a bit */
		*out = whole * m + frac * m / scale;
		return *out > max ? -ERANGE : 0;
	}
	return -EINVAL;
}

int conf_parse_rate(const char *s, uint64_t *bits)
{
	int r = parse_units(s, rate_units, sizeof(rate_units) / sizeof(rate_units[0]),
			    GW_BW_RATE_MAX * 10, bits);

	if (r < 0)
		return r;
	return *bits < GW_BW_RATE_MIN || *bits > GW_BW_RATE_MAX ? -ERANGE : 0;
}

int conf_parse_size(const char *s, uint32_t *bytes)
{
	uint64_t bits;
	int r = parse_units(s, size_units, sizeof(size_units) / sizeof(size_units[0]),
			    8ull * GW_BW_BURST_MAX * 4, &bits);

	if (r < 0)
		return r;
	if (bits % 8)
		return -EINVAL;
	if (bits / 8 < GW_BW_BURST_MIN || bits / 8 > GW_BW_BURST_MAX)
		return -ERANGE;
	*bytes = (uint32_t)(bits / 8);
	return 0;
}

void conf_bw_format_rate(uint64_t bits, char *buf, size_t len)
{
	static const struct unit u[] = {
		{ "tbit", 1000000000000ull },
		{ "gbit", 1000000000ull },
		{ "mbit", 1000000ull },
		{ "kbit", 1000ull },
		{ "bit", 1 },
	};

	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if (bits && bits % u[i].mult == 0) {
			snprintf(buf, len, "%" PRIu64 "%s", bits / u[i].mult, u[i].name);
			return;
		}
	snprintf(buf, len, "%" PRIu64 "bit", bits);
}

uint32_t gw_bw_burst(const struct gw_bw_dir *d)
{
	uint64_t b = d->rate / 8 / 50;

	if (d->burst)
		return d->burst;
	return b < 32768 ? 32768 : b > GW_BW_BURST_MAX ? GW_BW_BURST_MAX : (uint32_t)b;
}

bool conf_bw_any(const struct gw_bandwidth *b)
{
	return b->in.rate || b->out.rate;
}

bool conf_bw_port(const struct gw_bandwidth *b, const char *port)
{
	if (!b->n_ports)
		return true;
	for (size_t i = 0; i < b->n_ports; i++)
		if (fnmatch(b->ports[i], port, 0) == 0)
			return true;
	return false;
}

bool conf_bw_dir_equal(const struct gw_bw_dir *a, const struct gw_bw_dir *b)
{
	return a->rate == b->rate && a->peak == b->peak && a->burst == b->burst;
}

bool conf_bw_equal(const struct gw_bandwidth *a, const struct gw_bandwidth *b)
{
	return conf_bw_dir_equal(&a->in, &b->in) && conf_bw_dir_equal(&a->out, &b->out);
}

static void print_dir(FILE *f, const char *dir, const struct gw_bw_dir *d)
{
	char r[32];

	if (!d->rate)
		return;
	conf_bw_format_rate(d->rate, r, sizeof(r));
	fprintf(f, "        %s = \"%s\"\n", dir, r);
	fprintf(f, "        %s_burst = \"%ub\"%s\n", dir, gw_bw_burst(d),
		d->burst ? "" : "    # default: 20 ms at the rate, at least 32k");
	if (d->peak) {
		conf_bw_format_rate(d->peak, r, sizeof(r));
		fprintf(f, "        %s_peak = \"%s\"\n", dir, r);
	}
}

void conf_bw_print(FILE *f, const struct gw_network *n)
{
	static const char *const names[2] = { "bandwidth", "guest_bandwidth" };
	const struct gw_bandwidth *b[2] = { &n->bw, &n->guest_bw };

	for (size_t i = 0; i < 2; i++) {
		if (!conf_bw_any(b[i]))
			continue;
		fprintf(f, "    %s {\n", names[i]);
		print_dir(f, "ingress", &b[i]->in);
		print_dir(f, "egress", &b[i]->out);
		if (b[i]->n_ports) {
			fprintf(f, "        ports = {");
			for (size_t k = 0; k < b[i]->n_ports; k++)
				fprintf(f, "%s\"%s\"", k ? ", " : "", b[i]->ports[k]);
			fprintf(f, "}\n");
		}
		fprintf(f, "    }\n");
	}
}

static const char *why(int r)
{
	return r == -ERANGE ? "out of range (rates 8kbit to 100gbit, bursts 1600 bytes to 1g)"
			    : "not a number with a unit";
}

/* One direction of one section: dir "ingress" or "egress". */
static int bw_dir(struct conf_ctx *ctx, cfg_t *bs, const char *pfx, const char *sec,
		  const char *dir, struct gw_bw_dir *d)
{
	char key[32], q[80];
	const struct sval *v;
	int r;

	if ((v = sval_get(bs, dir)) && (r = conf_parse_rate(v->s, &d->rate)) < 0)
		return conf_fail(ctx, v->line,
				 "%s%s %s %s: %s (like \"20mbit\"; units bit, kbit, mbit, gbit, "
				 "or bps, kbps, mbps for bytes per second)",
				 pfx, sec, dir, conf_text_quote(q, sizeof(q), v->s), why(r));
	snprintf(key, sizeof(key), "%s_peak", dir);
	if ((v = sval_get(bs, key))) {
		if ((r = conf_parse_rate(v->s, &d->peak)) < 0)
			return conf_fail(ctx, v->line, "%s%s %s %s: %s", pfx, sec, key,
					 conf_text_quote(q, sizeof(q), v->s), why(r));
		if (!d->rate)
			return conf_fail(ctx, v->line, "%s%s %s needs %s (the average rate)", pfx,
					 sec, key, dir);
		if (d->peak < d->rate)
			return conf_fail(ctx, v->line, "%s%s %s %s is below %s", pfx, sec, key,
					 conf_text_quote(q, sizeof(q), v->s), dir);
	}
	snprintf(key, sizeof(key), "%s_burst", dir);
	if ((v = sval_get(bs, key))) {
		if ((r = conf_parse_size(v->s, &d->burst)) < 0)
			return conf_fail(ctx, v->line, "%s%s %s %s: %s (like \"256k\")", pfx, sec,
					 key, conf_text_quote(q, sizeof(q), v->s), why(r));
		if (!d->rate)
			return conf_fail(ctx, v->line, "%s%s %s needs %s (the average rate)", pfx,
					 sec, key, dir);
	}
	return 0;
}

static int bw_ports(struct conf_ctx *ctx, cfg_t *bs, const char *pfx, const char *sec, bool guest,
		    struct gw_bandwidth *b)
{
	size_t n = cfg_size(bs, "ports");
	char q[80];

	for (size_t k = 0; k < n; k++) {
		const struct sval *p = cfg_getnptr(bs, "ports", (unsigned)k);

		if (!guest)
			return conf_fail(ctx, p->line,
					 "%s%s: ports is for guest_bandwidth (bandwidth limits the "
					 "bridge)",
					 pfx, sec);
		if (k >= GW_BW_PORTS_MAX)
			return conf_fail(ctx, p->line, "%s%s: at most %d ports patterns", pfx, sec,
					 GW_BW_PORTS_MAX);
		if (!name_pattern(p->s))
			return conf_fail(ctx, p->line,
					 "%s%s ports pattern %s must be 1-15 letters, digits, '-', "
					 "'_' or '.', optionally ending in '*' (like \"tap*\")",
					 pfx, sec, conf_text_quote(q, sizeof(q), p->s));
		snprintf(b->ports[k], sizeof(b->ports[k]), "%s", p->s);
		b->n_ports++;
	}
	return 0;
}

int conf_network_bandwidth(struct conf_ctx *ctx, cfg_t *sec, const char *pfx,
			   struct gw_network *net)
{
	static const char *const names[2] = { "bandwidth", "guest_bandwidth" };
	struct gw_bandwidth *dst[2] = { &net->bw, &net->guest_bw };
	int r;

	for (size_t i = 0; i < 2; i++) {
		cfg_t *bs = cfg_getsec(sec, names[i]);

		*dst[i] = (struct gw_bandwidth){ 0 };
		if (!bs)
			continue;
		if ((r = bw_dir(ctx, bs, pfx, names[i], "ingress", &dst[i]->in)) < 0 ||
		    (r = bw_dir(ctx, bs, pfx, names[i], "egress", &dst[i]->out)) < 0 ||
		    (r = bw_ports(ctx, bs, pfx, names[i], i == 1, dst[i])) < 0)
			return r;
	}
	return 0;
}
