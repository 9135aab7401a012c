/* Human or JSON output through one set of calls. */
#include "out.h"

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

static void jstr(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
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
		fprintf(o->f, "network %s\n", title);
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
		fprintf(o->f, "  %-22s %s\n", key, val[0] ? val : "-");
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
		fprintf(o->f, " %s", val);
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
			const char *v = va_arg(ap, const char *);
			fprintf(o->f, i + 1 < n ? "%-18s " : "%s\n", v[0] ? v : "-");
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
	fprintf(o->f, "%-4s  %-28s %s\n", state, name, detail);
	if (fix && fix[0])
		fprintf(o->f, "      %-28s fix: %s\n", "", fix);
}
