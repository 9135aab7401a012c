/* Human or JSON output through one set of calls. */
#include "gatewayd/ctl/out.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

void out_init(struct out *o, FILE *f, bool json)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->json = json;
	o->first[0] = true;
}

/* The length (1-4) and code point of the UTF-8 sequence at s, or 0 if the
 * bytes there are not one (overlong forms and surrogates included). */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	uint32_t c = s[0], min;
	size_t n;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* a NUL ends the string here too */
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* JSON strings are written in 7-bit ASCII: everything outside printable
 * ASCII as \uXXXX (a surrogate pair past U+FFFF), so the text round-trips
 * and a terminal showing the raw JSON acts on nothing in it. A byte that is
 * not UTF-8 becomes U+FFFD. */
static void jstr(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		uint32_t c;
		size_t n = utf8_decode(s, &c);

		if (n == 0) {
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		s += n;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", (int)c);
		else if (c >= 0x20 && c < 0x7f)
			fputc((int)c, f);
		else if (c < 0x10000)
			fprintf(f, "\\u%04x", (unsigned)c);
		else
			fprintf(f, "\\u%04x\\u%04x", (unsigned)(0xd800 + ((c - 0x10000) >> 10)),
				(unsigned)(0xdc00 + ((c - 0x10000) & 0x3ff)));
	}
	fputc('"', f);
}

/* The table is printable ASCII whatever a string holds (a guest picks its
 * DHCP hostname, a local user an interface name): any other byte as \xHH,
 * and '\\' doubled, so an escape always stands for one byte of the value.
 * --json carries the text itself. Padded with spaces to width. */
static void hstr(FILE *f, const char *str, int width)
{
	const unsigned char *s = (const unsigned char *)str;
	int n = 0;

	for (; *s; s++) {
		if (*s == '\\')
			n += fprintf(f, "\\\\");
		else if (*s >= 0x20 && *s < 0x7f)
			n += fputc(*s, f) != EOF;
		else
			n += fprintf(f, "\\x%02x", *s);
	}
	for (; n < width; n++)
		fputc(' ', f);
}

static const char *dash(const char *s)
{
	return s[0] ? s : "-";
}

/* A comma before every element but the first of its level. */
static void sep(struct out *o)
{
	if (!o->first[o->level])
		fputc(',', o->f);
	o->first[o->level] = false;
}

static void push(struct out *o)
{
	o->level++;
	o->first[o->level] = true;
}

void out_doc_begin(struct out *o, const char *name)
{
	if (o->json) {
		fputs("{", o->f);
		jstr(o->f, name);
		fputs(":[", o->f);
		push(o);
	}
}

void out_doc_end(struct out *o)
{
	if (o->json) {
		fputs("]}\n", o->f);
		o->level--;
	}
}

void out_obj_begin(struct out *o, const char *title)
{
	if (o->json) {
		sep(o);
		fputc('{', o->f);
		push(o);
	} else {
		fputs("network ", o->f);
		hstr(o->f, title, 0);
		fputc('\n', o->f);
	}
}

void out_obj_end(struct out *o)
{
	if (o->json) {
		fputc('}', o->f);
		o->level--;
	} else {
		fputc('\n', o->f);
	}
}

void out_str(struct out *o, const char *key, const char *val)
{
	if (o->json) {
		sep(o);
		jstr(o->f, key);
		fputc(':', o->f);
		jstr(o->f, val);
	} else {
		fprintf(o->f, "  %-22s ", key);
		hstr(o->f, dash(val), 0);
		fputc('\n', o->f);
	}
}

void out_int(struct out *o, const char *key, uint64_t val)
{
	if (o->json) {
		sep(o);
		jstr(o->f, key);
		fprintf(o->f, ":%llu", (unsigned long long)val);
	} else {
		fprintf(o->f, "  %-22s %llu\n", key, (unsigned long long)val);
	}
}

void out_list_begin(struct out *o, const char *key)
{
	if (o->json) {
		sep(o);
		jstr(o->f, key);
		fputs(":[", o->f);
		push(o);
	} else {
		fprintf(o->f, "  %-22s", key);
		o->first[o->level + 1] = true;
	}
}

void out_item(struct out *o, const char *val)
{
	if (o->json) {
		sep(o);
		jstr(o->f, val);
	} else {
		fputc(' ', o->f);
		hstr(o->f, val, 0);
		o->first[o->level + 1] = false;
	}
}

void out_list_end(struct out *o)
{
	if (o->json) {
		fputc(']', o->f);
		o->level--;
	} else {
		fputs(o->first[o->level + 1] ? " -\n" : "\n", o->f);
	}
}

void out_table_begin(struct out *o, const char *name, const char *header)
{
	char h[256], *save = NULL;

	snprintf(h, sizeof(h), "%s", header);
	o->ncols = 0;
	for (char *t = strtok_r(h, " ", &save); t && o->ncols < 8; t = strtok_r(NULL, " ", &save)) {
		for (char *p = t; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		snprintf(o->cols[o->ncols++], sizeof(o->cols[0]), "%s", t);
	}
	if (o->json) {
		out_doc_begin(o, name);
		return;
	}
	for (int i = 0; i < o->ncols; i++) {
		char up[24];
		size_t k;

		for (k = 0; o->cols[i][k] && k < sizeof(up) - 1; k++)
			up[k] = (char)toupper((unsigned char)o->cols[i][k]);
		up[k] = '\0';
		fprintf(o->f, i + 1 < o->ncols ? "%-18s " : "%s\n", up);
	}
}

void out_row(struct out *o, int n, ...)
{
	va_list ap;

	va_start(ap, n);
	if (o->json) {
		sep(o);
		fputc('{', o->f);
		push(o);
		for (int i = 0; i < n && i < o->ncols; i++)
			out_str(o, o->cols[i], va_arg(ap, const char *));
		fputc('}', o->f);
		o->level--;
	} else {
		for (int i = 0; i < n; i++) {
			hstr(o->f, dash(va_arg(ap, const char *)), i + 1 < n ? 18 : 0);
			fputc(i + 1 < n ? ' ' : '\n', o->f);
		}
	}
	va_end(ap);
}

void out_table_end(struct out *o)
{
	out_doc_end(o);
}

void out_check(struct out *o, const char *name, const char *state, const char *detail,
	       const char *fix)
{
	if (o->json) {
		sep(o);
		fputc('{', o->f);
		push(o);
		out_str(o, "check", name);
		out_str(o, "state", state);
		out_str(o, "detail", detail);
		out_str(o, "fix", fix ? fix : "");
		fputc('}', o->f);
		o->level--;
		return;
	}
	hstr(o->f, state, 4);
	fputs("  ", o->f);
	hstr(o->f, name, 28);
	fputc(' ', o->f);
	hstr(o->f, detail, 0);
	fputc('\n', o->f);
	if (fix && fix[0]) {
		fprintf(o->f, "      %-28s fix: ", "");
		hstr(o->f, fix, 0);
		fputc('\n', o->f);
	}
}
