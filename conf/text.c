/* The config file as text: read whole, comments blanked out, values
 * quoted safely for messages.
 *
 * libconfuse 3.3 (Debian 12) counts every comment more than once, so a
 * file with comments gets errors on the wrong line, and a comment inside
 * a list does not even parse. So libconfuse never sees a comment: they
 * are overwritten with spaces here, newlines kept, and the result goes to
 * cfg_parse_buf(). The scanner follows libconfuse's lexer: '#' starts a
 * comment anywhere outside quotes; slash-slash (to the end of the line)
 * and slash-star (to star-slash) where a token starts; "..." strings take
 * backslash escapes, '...' strings \' and \\.
 *
 * A string still open at the end of its line is refused here, at the
 * line where it opens: no value may hold a newline, and libconfuse would
 * name the line of the next quote, or the end of the file.
 *
 * A ';' outside quotes ends a key as a newline would (blanked here too):
 * `forward ssh { proto = tcp; port = 2222 }` reads as it would on three
 * lines. libconfuse itself would take it as part of the value. */
#include "text.h"
#include "conf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int conf_text_read(const char *path, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
	size_t n = 0, cap = 0;
	struct stat st;
	char *b = NULL;

	if (fd < 0)
		return -errno;
	/* a file too large is refused before it is read */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size > (off_t)CONF_TEXT_MAX_MIB * 1024 * 1024) {
		r = -EFBIG;
		goto out;
	}
	for (;;) {
		ssize_t k;

		if (cap - n < 2) {
			/* never more than the limit and a byte to tell it was
			 * passed (a pipe or a device has no size to refuse) */
			size_t want = cap ? cap * 2 : 8192,
			       most = CONF_TEXT_MAX_MIB * 1024 * 1024 + 2;
			char *nb;

			if (want > most)
				want = most;
			if (want <= cap) {
				r = -EFBIG;
				goto out;
			}
			if (!(nb = realloc(b, want))) {
				r = -ENOMEM;
				goto out;
			}
			b = nb;
			cap = want;
		}
		k = read(fd, b + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			goto out;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n > CONF_TEXT_MAX_MIB * 1024 * 1024) {
			r = -EFBIG;
			goto out;
		}
	}
	if (!b && !(b = malloc(1))) {
		r = -ENOMEM;
		goto out;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
out:
	free(b);
	close(fd);
	return r;
}

static int lines_before(const char *buf, size_t end)
{
	int line = 1;

	for (size_t i = 0; i < end; i++)
		line += buf[i] == '\n';
	return line;
}

/* libconfuse would replace ${VAR} (and ${VAR:-default}) by the
 * environment of whoever parses the file: "gatewayd -n" in a shell and the
 * daemon under systemd would read different configs. No value gatewayd
 * takes needs a '$', so the reference is refused rather than expanded. */
static int env_ref(const char *buf, size_t len, size_t i, int line, int *errline, char *msg,
		   size_t msglen)
{
	char ref[48], q[200];
	size_t n = 0;

	while (i + n < len && n < sizeof(ref) - 1 && buf[i + n] != '\n' &&
	       (n == 0 || buf[i + n - 1] != '}'))
		n++;
	memcpy(ref, buf + i, n);
	ref[n] = '\0';
	*errline = line;
	snprintf(msg, msglen, "environment reference %s is not supported; write the value itself",
		 conf_text_quote(q, sizeof(q), ref));
	return -EINVAL;
}

/* A string still open at the end of its line (or of the file): the
 * line where it starts, and what it holds so far. */
static int open_string(const char *buf, size_t start, size_t end, int line, int *errline, char *msg,
		       size_t msglen)
{
	char s[48], q[200];
	size_t n = end - start < sizeof(s) - 1 ? end - start : sizeof(s) - 1;

	memcpy(s, buf + start, n);
	s[n] = '\0';
	*errline = line;
	snprintf(msg, msglen, "string %s is not closed on its line",
		 conf_text_escape(q, sizeof(q), s));
	return -EINVAL;
}

/* Character classes of the scanners, by switch rather than strchr():
 * they run once per byte of a file that may hold 100,000 forwards. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool punct(char c)
{
	switch (c) {
	case '{':
	case '}':
	case '=':
	case ',':
	case '(':
	case ')':
	case '+': return true;
	default: return false;
	}
}

/* What conf_text_clean() looks at twice outside quotes and comments. */
static const bool code_special[256] = {
	['$'] = true, ['#'] = true, ['/'] = true, [';'] = true, ['"'] = true, ['\''] = true,
};

int conf_text_clean(char *buf, size_t len, int *errline, char *msg, size_t msglen)
{
	enum { CODE, DQ, SQ, LINE_COMMENT, BLOCK_COMMENT } st = CODE;
	bool token_start = true; /* where libconfuse's lexer starts a new token */
	int line = 1, opened = 0;
	size_t quote = 0; /* where the open string starts */
	const char *nul = memchr(buf, '\0', len);

	/* cfg_parse_buf() would stop there and silently drop the rest. */
	if (nul) {
		*errline = lines_before(buf, (size_t)(nul - buf));
		snprintf(msg, msglen, "NUL byte (not a text file)");
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		char c = buf[i], next = i + 1 < len ? buf[i + 1] : '\0';

		switch (st) {
		case CODE:
			/* the common case: a byte of a key, a value or blanks */
			if (!code_special[(unsigned char)c]) {
				token_start = is_space(c) || punct(c);
				line += c == '\n';
				continue;
			}
			if (c == '$' && next == '{')
				return env_ref(buf, len, i, line, errline, msg, msglen);
			if (c == '#') {
				st = LINE_COMMENT;
				buf[i] = ' ';
				break;
			}
			if (c == '/' && token_start && (next == '/' || next == '*')) {
				st = next == '/' ? LINE_COMMENT : BLOCK_COMMENT;
				opened = line;
				buf[i] = buf[i + 1] = ' ';
				i++;
				break;
			}
			if (c == ';') {
				buf[i] = ' ';
				token_start = true;
				break;
			}
			if (c == '"' || c == '\'') {
				st = c == '"' ? DQ : SQ;
				opened = line;
				quote = i;
			}
			token_start = is_space(c) || punct(c);
			break;
		case DQ:
		case SQ:
			/* a backslash does not carry a string over to the next
			 * line either: libconfuse would join the lines (a
			 * double-quoted string) or keep the newline (a
			 * single-quoted one), and report the value at its end */
			if (c == '\\' && next == '\n')
				return open_string(buf, quote, i, opened, errline, msg, msglen);
			if (c == '\\' && i + 1 < len) {
				/* the escaped byte is never a quote's end */
				i++;
				continue;
			}
			if (st == DQ && c == '$' && next == '{')
				return env_ref(buf, len, i, line, errline, msg, msglen);
			/* No value may hold a newline (sval_parse), and libconfuse
			 * would report the string where its closing quote
			 * happens to be, lines later. */
			if (c == '\n')
				return open_string(buf, quote, i, opened, errline, msg, msglen);
			if (c == (st == DQ ? '"' : '\'')) {
				st = CODE;
				token_start = true;
			}
			break;
		case LINE_COMMENT:
			if (c == '\n') {
				st = CODE;
				token_start = true;
			} else {
				buf[i] = ' ';
			}
			break;
		case BLOCK_COMMENT:
			if (c == '*' && next == '/') {
				buf[i] = buf[i + 1] = ' ';
				i++;
				st = CODE;
				token_start = true;
			} else if (c != '\n') {
				buf[i] = ' ';
			}
			break;
		}
		line += c == '\n';
	}
	if (st == DQ || st == SQ)
		return open_string(buf, quote, len, opened, errline, msg, msglen);
	if (st == BLOCK_COMMENT) {
		*errline = opened;
		snprintf(msg, msglen, "/* comment is not closed");
		return -EINVAL;
	}
	return 0;
}

/* --- where sections open ------------------------------------------------ */

enum tok_kind { TK_NONE, TK_WORD, TK_STR, TK_PUNCT };

struct tok {
	enum tok_kind kind;
	const char *s; /* a string's content without its quotes */
	size_t n;
	char c;	  /* TK_PUNCT */
	int line; /* where it starts */
};

/* The next token at *i (comments already blanked), counting newlines. */
static struct tok next_tok(const char *buf, size_t len, size_t *i, int *line)
{
	struct tok t = { TK_NONE, NULL, 0, 0, 0 };

	while (*i < len && is_space(buf[*i])) {
		*line += buf[*i] == '\n';
		(*i)++;
	}
	if (*i >= len)
		return t;
	t.line = *line;
	if (buf[*i] == '"' || buf[*i] == '\'') {
		char q = buf[(*i)++];

		t.kind = TK_STR;
		t.s = buf + *i;
		while (*i < len && buf[*i] != q) {
			if (buf[*i] == '\\' && *i + 1 < len)
				(*i)++;
			*line += buf[*i] == '\n';
			(*i)++;
		}
		t.n = (size_t)(buf + *i - t.s);
		if (*i < len)
			(*i)++;
		return t;
	}
	if (punct(buf[*i])) {
		t.kind = TK_PUNCT;
		t.c = buf[(*i)++];
		return t;
	}
	t.kind = TK_WORD;
	t.s = buf + *i;
	while (*i < len && !is_space(buf[*i]) && buf[*i] != '"' && buf[*i] != '\'' &&
	       !punct(buf[*i]))
		(*i)++;
	t.n = (size_t)(buf + *i - t.s);
	return t;
}

static bool is_punct(const struct tok *t, char c)
{
	return t->kind == TK_PUNCT && t->c == c;
}

static void tok_copy(char *dst, size_t len, const struct tok *t)
{
	size_t n = t->n < len - 1 ? t->n : len - 1;

	memcpy(dst, t->s, n);
	dst[n] = '\0';
}

/* A '{' opens a section when it follows "NAME" or "NAME TITLE", and a
 * list when it follows '=' (or "+="). "NAME TITLE" when the token before
 * the last is a word that is no key's value (not after '=' or ','). */
int conf_text_sections(const char *buf, size_t len, struct conf_text_sec **out, size_t *n)
{
	struct conf_text_sec *v = NULL;
	long stack[64]; /* index into v, or -1 for a list */
	size_t depth = 0, cap = 0, i = 0;
	struct tok t3 = { 0 }, t2 = { 0 }, t1 = { 0 }, t;
	int line = 1;

	*out = NULL;
	*n = 0;
	while ((t = next_tok(buf, len, &i, &line)).kind != TK_NONE) {
		if (is_punct(&t, '{') && depth < sizeof(stack) / sizeof(stack[0])) {
			long idx = -1;

			if (t1.kind == TK_WORD || t1.kind == TK_STR) {
				bool titled = t2.kind == TK_WORD && !is_punct(&t3, '=') &&
					      !is_punct(&t3, ',');
				const struct tok *name = titled ? &t2 : &t1;

				if (name->kind == TK_WORD) {
					if (*n == cap) {
						struct conf_text_sec *nv = realloc(
							v, (cap ? 2 * cap : 16) * sizeof(*v));

						if (!nv) {
							free(v);
							*n = 0;
							return -ENOMEM;
						}
						v = nv;
						cap = cap ? 2 * cap : 16;
					}
					memset(&v[*n], 0, sizeof(v[*n]));
					tok_copy(v[*n].name, sizeof(v[*n].name), name);
					if (titled)
						tok_copy(v[*n].title, sizeof(v[*n].title), &t1);
					v[*n].open = name->line;
					v[*n].brace = t.line;
					idx = (long)(*n)++;
				}
			}
			stack[depth++] = idx;
		} else if (is_punct(&t, '}') && depth) {
			long idx = stack[--depth];

			if (idx >= 0)
				v[idx].close = line;
		}
		t3 = t2;
		t2 = t1;
		t1 = t;
	}
	*out = v;
	return 0;
}

static bool is_ctrl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

bool conf_text_has_ctrl(const char *s)
{
	for (; *s; s++)
		if (is_ctrl((unsigned char)*s))
			return true;
	return false;
}

/* quoted: also '"' and '\', so that the result reads back as the same
 * libconfuse string. */
static const char *escape(char *dst, size_t len, const char *s, bool quoted)
{
	size_t n = 0;

	if (len < 8) {
		if (len)
			dst[0] = '\0';
		return dst;
	}
	if (quoted)
		dst[n++] = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char e[5];
		size_t k;

		if (c == '\n')
			k = (size_t)snprintf(e, sizeof(e), "\\n");
		else if (c == '\t')
			k = (size_t)snprintf(e, sizeof(e), "\\t");
		else if (c == '\r')
			k = (size_t)snprintf(e, sizeof(e), "\\r");
		else if (is_ctrl(c))
			k = (size_t)snprintf(e, sizeof(e), "\\x%02x", c);
		else if (quoted && (c == '"' || c == '\\'))
			k = (size_t)snprintf(e, sizeof(e), "\\%c", c);
		else
			k = (size_t)snprintf(e, sizeof(e), "%c", c);
		/* room for this, "...", the closing quote and the NUL */
		if (n + k + 5 > len) {
			memcpy(dst + n, "...", 3);
			n += 3;
			break;
		}
		memcpy(dst + n, e, k);
		n += k;
	}
	if (quoted)
		dst[n++] = '"';
	dst[n] = '\0';
	return dst;
}

const char *conf_text_quote(char *dst, size_t len, const char *s)
{
	return escape(dst, len, s, true);
}

const char *conf_text_escape(char *dst, size_t len, const char *s)
{
	return escape(dst, len, s, false);
}
