/* The config file as text, before and around libconfuse. What a name may
 * contain is lib/names.h: the same rule wherever a name comes from. */
#ifndef GW_CONF_TEXT_H
#define GW_CONF_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* A config is a few kB, 100,000 port forwards about 6 MiB; this only
 * stops "-c /dev/zero". */
#define CONF_TEXT_MAX_MIB 64

/* The whole file into a NUL-terminated malloc'd buffer; *len excludes the
 * terminator. Returns 0 or -errno (-EFBIG past CONF_TEXT_MAX_MIB). */
int conf_text_read(const char *path, char **buf, size_t *len);

/* Blank out comments (outside quoted strings) in place, keeping every
 * newline, so that libconfuse sees no comment at all and counts lines
 * right. Refuses NUL bytes, an unclosed comment and ${VAR} references:
 * returns -EINVAL with *line and a message. */
int conf_text_clean(char *buf, size_t len, int *line, char *msg, size_t msglen);

/* Where each section of a cleaned text opens and closes. libconfuse
 * gives a section (cfg_t) the line where it closes: "missing port" of a
 * forward opened at line 7 was reported at its "}", lines later. name is
 * the section's keyword, title its title as written between the quotes
 * ("" for none). */
struct conf_text_sec {
	char name[32];
	char title[64];
	int open, close;
	int brace; /* the line of its '{' */
};
/* The sections of buf (after conf_text_clean()), in the order they open:
 * a malloc'd array in *out (NULL when none), or -ENOMEM. */
int conf_text_sections(const char *buf, size_t len, struct conf_text_sec **out, size_t *n);

/* s as a double-quoted string with C escapes for '"', '\' and control
 * characters, truncated to fit (with "..."). Returns dst. */
const char *conf_text_quote(char *dst, size_t len, const char *s);
/* s with control characters escaped, no quotes added. */
const char *conf_text_escape(char *dst, size_t len, const char *s);
bool conf_text_has_ctrl(const char *s);

#endif
