/* dnsmasq lease file parsing: one function per field, each saying yes or
 * no to the whole field. */
#include "leases.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* A sanity cap only: dnsmasq holds at most dhcp-lease-max leases (the
 * range's size), a few hundred bytes each -- 20 MiB for a /16 whose
 * guests send the longest hostnames. */
#define LEASES_FILE_MAX (256u << 20)

struct field {
	const char *s;
	size_t n;
};

static bool hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Exactly min..max octets "xx:xx:..", nothing else. */
static bool hex_octets(struct field f, size_t min, size_t max)
{
	size_t k = (f.n + 1) / 3;

	if (f.n == 0)
		return min == 0;
	if ((f.n + 1) % 3 || k < min || k > max)
		return false;
	for (size_t i = 0; i < f.n; i += 3)
		if (!hex(f.s[i]) || !hex(f.s[i + 1]) || (i + 2 < f.n && f.s[i + 2] != ':'))
			return false;
	return true;
}

static bool hwaddr_ok(struct field f)
{
	if (f.n >= 3 && f.s[2] == '-')
		return hex(f.s[0]) && hex(f.s[1]) &&
		       hex_octets((struct field){ f.s + 3, f.n - 3 }, 0, 16);
	return hex_octets(f, 1, 16);
}

/* Decimal digits only (no sign, no spaces), at most limit. */
static bool number(struct field f, uint64_t limit, uint64_t *v)
{
	uint64_t x = 0;

	if (f.n == 0)
		return false;
	for (size_t i = 0; i < f.n; i++) {
		unsigned d = (unsigned)(f.s[i] - '0');

		if (d > 9 || x > (limit - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

/* Exactly n non-empty fields separated by single spaces. */
static bool split(const char *s, size_t len, struct field *f, size_t n)
{
	size_t k = 0;

	for (const char *end = s + len; k < n; k++) {
		const char *sp = memchr(s, ' ', (size_t)(end - s));

		f[k].s = s;
		f[k].n = (size_t)((sp ? sp : end) - s);
		if (f[k].n == 0)
			return false;
		if (!sp)
			return k + 1 == n;
		s = sp + 1;
	}
	return false; /* a field more */
}

static bool copy(char *dst, size_t size, struct field f)
{
	if (f.n >= size)
		return false;
	memcpy(dst, f.s, f.n);
	dst[f.n] = '\0';
	return true;
}

/* 1 with *l filled, or 0 for a line that is no lease (the duid line) or
 * fails a check. *v6 turns true at the duid line. */
static int parse_line(const char *s, size_t len, bool *v6, struct lease *l)
{
	struct field f[5], id;
	unsigned char bin[sizeof(struct in6_addr)];
	char ip[INET6_ADDRSTRLEN];
	int af;
	uint64_t v;

	if (len > LEASE_LINE_MAX || memchr(s, '\0', len))
		return 0;
	if (len >= 5 && !memcmp(s, "duid ", 5)) {
		*v6 = true;
		return 0;
	}
	if (!split(s, len, f, 5) || !number(f[0], UINT64_MAX, &l->expiry))
		return 0;
	if (*v6) {
		id = f[1];
		if (id.s[0] == 'T')
			id = (struct field){ id.s + 1, id.n - 1 };
		if (!number(id, UINT32_MAX, &v))
			return 0;
	} else if (!hwaddr_ok(f[1])) {
		return 0;
	}
	af = *v6 ? AF_INET6 : AF_INET;
	if (!copy(l->mac, sizeof(l->mac), f[1]) || !copy(ip, sizeof(ip), f[2]) ||
	    inet_pton(af, ip, bin) != 1 || !inet_ntop(af, bin, l->ip, sizeof(l->ip)))
		return 0;
	if (f[3].n == 1 && f[3].s[0] == '*')
		l->hostname[0] = '\0';
	else if (!copy(l->hostname, sizeof(l->hostname), f[3]))
		return 0;
	if (!(f[4].n == 1 && f[4].s[0] == '*') && !hex_octets(f[4], 1, 255))
		return 0;
	l->v6 = *v6;
	return 1;
}

size_t leases_parse(const char *text, size_t len, struct lease *out, size_t max)
{
	const char *end = text + len;
	bool v6 = false;
	size_t n = 0;

	while (text < end && n < max) {
		const char *eol = memchr(text, '\n', (size_t)(end - text));

		if (!eol)
			break;
		n += (size_t)parse_line(text, (size_t)(eol - text), &v6, &out[n]);
		text = eol + 1;
	}
	return n;
}

/* The whole file (up to LEASES_FILE_MAX) into *buf, its length into
 * *len. 0, or -errno; a missing file is empty. */
static int file_slurp(const char *path, char **buf, size_t *len, struct timespec *mtime)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	size_t size = 0;
	int r = 0;

	*buf = NULL;
	*len = 0;
	if (mtime)
		*mtime = (struct timespec){ 0 };
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	if (mtime && fstat(fileno(f), &st) == 0)
		*mtime = st.st_mtim;
	/* Past the cap the rest is left unread; its first line is then
	 * unterminated and skipped like any other. */
	while (size < LEASES_FILE_MAX) {
		char *nb;
		size_t got;

		size = size ? 2 * size : 65536;
		if (!(nb = realloc(*buf, size))) {
			r = -ENOMEM;
			break;
		}
		*buf = nb;
		got = fread(*buf + *len, 1, size - *len, f);
		*len += got;
		if (*len < size)
			break;
	}
	if (!r && ferror(f))
		r = -EIO;
	fclose(f);
	if (r < 0) {
		free(*buf);
		*buf = NULL;
		*len = 0;
	}
	return r;
}

int leases_read(const char *path, struct lease *out, size_t max)
{
	char *buf;
	size_t len;
	int r = file_slurp(path, &buf, &len, NULL);

	if (r == 0)
		r = (int)leases_parse(buf, len, out, max);
	free(buf);
	return r;
}

static int load(const char *path, struct lease **out, bool settled)
{
	size_t len, lines = 0;
	struct timespec mt, now;
	char *buf;
	int r = file_slurp(path, &buf, &len, &mt);

	*out = NULL;
	if (r < 0)
		return r;
	/* dnsmasq rewrites the file in place: truncate, write, flush. Read
	 * in between, it is empty or ends in a cut line -- if it changed in
	 * the last second; a file left so for longer is what it is. */
	clock_gettime(CLOCK_REALTIME, &now);
	if (settled && (len == 0 || buf[len - 1] != '\n') && mt.tv_sec &&
	    now.tv_sec - mt.tv_sec <= 1) {
		free(buf);
		return -EAGAIN;
	}
	for (const char *p = buf; p && (p = memchr(p, '\n', len - (size_t)(p - buf))); p++)
		lines++;
	if (lines && !(*out = calloc(lines, sizeof(**out))))
		r = -ENOMEM;
	else if (lines)
		r = (int)leases_parse(buf, len, *out, lines);
	free(buf);
	if (r <= 0) {
		free(*out);
		*out = NULL;
	}
	return r;
}

int leases_load(const char *path, struct lease **out)
{
	return load(path, out, false);
}

int leases_load_settled(const char *path, struct lease **out)
{
	return load(path, out, true);
}
