/* Sysctl record/restore. The root directory is a parameter so the unit
 * tests can run the same code against files in a temporary directory. */
#include "lib/names.h"
#include "gatewayd/host/sysctl.h"
#include "lib/log.h"
#include "lib/state.h"

#include <errno.h>
#include <net/if.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* One path segment naming an interface: stricter than the kernel, so it
 * can never be "..", hold a '/' or name the kernel's own directories. */
/* An interface name by the config's rule -- but not "all" or "default",
 * which name every interface's setting. */
static bool ifname_ok(const char *s, size_t n)
{
	char name[IFNAMSIZ];

	if (n == 0 || n >= sizeof(name))
		return false;
	memcpy(name, s, n);
	name[n] = '\0';
	return name_ifname(name) && strcmp(name, "all") && strcmp(name, "default");
}

/* Every key gatewayd writes; '%' stands for one interface name. */
static const char *const sysctl_keys[] = {
	"net/ipv4/ip_forward",	      "net/ipv6/conf/all/forwarding", "net/ipv6/conf/%/accept_ra",
	"net/ipv6/conf/%/accept_dad", "net/ipv6/conf/%/autoconf",
};

static bool key_matches(const char *pat, const char *key)
{
	const char *pct = strchr(pat, '%');
	size_t pre, n;

	if (!pct)
		return !strcmp(pat, key);
	pre = (size_t)(pct - pat);
	if (strncmp(pat, key, pre))
		return false;
	key += pre;
	n = strcspn(key, "/");
	return ifname_ok(key, n) && !strcmp(key + n, pct + 1);
}

const char *sysctl_key_check(const char *key)
{
	if (strlen(key) >= sizeof(((struct sysctl_rec *)NULL)->key))
		return "too long";
	for (size_t i = 0; i < sizeof(sysctl_keys) / sizeof(sysctl_keys[0]); i++)
		if (key_matches(sysctl_keys[i], key))
			return NULL;
	return "not a sysctl gatewayd writes";
}

const char *sysctl_value_check(const char *value)
{
	const char *d = value + (value[0] == '-');
	size_t n = strspn(d, "0123456789");

	if (n == 0 || d[n])
		return "not a number";
	if (n > 10)
		return "too long";
	return NULL;
}

static struct sysctl_rec *sysctl_find(struct sysctl_state *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->recs[i].key, key))
			return &s->recs[i];
	return NULL;
}

/* Why one non-comment line cannot be a record, or NULL after adding it. */
static const char *state_line(struct sysctl_state *s, char *line, char *why, size_t len)
{
	char *f[4], *save = NULL;
	const char *bad;
	int nf = 0;

	for (char *t = strtok_r(line, " \t", &save); t && nf < 4; t = strtok_r(NULL, " \t", &save))
		f[nf++] = t;
	if (nf != 3)
		return "not \"KEY ORIGINAL WRITTEN\"";
	if ((bad = sysctl_key_check(f[0]))) {
		snprintf(why, len, "key: %s", bad);
		return why;
	}
	if ((bad = sysctl_value_check(f[1])) || (bad = sysctl_value_check(f[2]))) {
		snprintf(why, len, "%s value: %s",
			 sysctl_value_check(f[1]) ? "original" : "written", bad);
		return why;
	}
	if (sysctl_find(s, f[0]))
		return "key recorded twice";
	if (s->n == SYSCTL_MAX_RECS)
		return "too many records";
	strcpy(s->recs[s->n].key, f[0]);
	strcpy(s->recs[s->n].orig, f[1]);
	strcpy(s->recs[s->n].written, f[2]);
	s->n++;
	return NULL;
}

int sysctl_state_parse(const char *text, struct sysctl_state *s, char *err, size_t errlen)
{
	const char *p = text;
	unsigned lineno = 0;

	s->n = 0;
	while (*p) {
		const char *eol = strchrnul(p, '\n'), *bad = NULL;
		char line[300], why[64];
		size_t len = (size_t)(eol - p);

		lineno++;
		if (len >= sizeof(line)) {
			bad = "line too long";
		} else {
			memcpy(line, p, len);
			line[len] = '\0';
			if (line[0] && line[0] != '#')
				bad = state_line(s, line, why, sizeof(why));
		}
		if (bad) {
			snprintf(err, errlen, "line %u: %s", lineno, bad);
			s->n = 0;
			return -EINVAL;
		}
		p = *eol ? eol + 1 : eol;
	}
	return 0;
}

void sysctl_state_format(FILE *f, const struct sysctl_state *s)
{
	fprintf(f, "# sysctl original-value value-gatewayd-wrote\n");
	for (size_t i = 0; i < s->n; i++)
		fprintf(f, "%s %s %s\n", s->recs[i].key, s->recs[i].orig, s->recs[i].written);
}

int sysctl_state_load(const char *path, struct sysctl_state *s)
{
	char buf[16384], err[128];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	int r;

	s->n = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -errno;
	if ((size_t)n == sizeof(buf)) {
		snprintf(err, sizeof(err), "larger than %zu bytes", sizeof(buf) - 1);
		r = -EINVAL;
	} else if (memchr(buf, '\0', (size_t)n)) {
		snprintf(err, sizeof(err), "holds a NUL byte");
		r = -EINVAL;
	} else {
		buf[n] = '\0';
		r = sysctl_state_parse(buf, s, err, sizeof(err));
	}
	/* Ignored whole: restoring half a tampered file is no better. */
	if (r < 0)
		log_warnx("%s: %s; ignoring it, no sysctl will be restored from it", path, err);
	return r;
}

static int state_fill(FILE *f, void *arg)
{
	sysctl_state_format(f, arg);
	return 0;
}

/* Not fsync'ed: the record must outlive gatewayd, not the machine. After
 * a crash of gatewayd the next one reads it from the page cache; after a
 * power loss every sysctl is back at its boot value anyway, and a record
 * lost or left over then names originals that are boot values too. The
 * fsync cost a start one disk flush per sysctl (2-10 ms each here). */
int sysctl_state_save(const char *path, const struct sysctl_state *s)
{
	return state_file_write(path, 0644, state_fill, (void *)s);
}

static void sysctl_path(const char *root, const char *key, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", root, key);
}

int sysctl_read(const char *root, const char *key, char *buf, size_t len)
{
	char path[512];
	int fd;
	ssize_t n;

	sysctl_path(root, key, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	trim(buf);
	return 0;
}

int sysctl_write(const char *root, const char *key, const char *value)
{
	char path[512];
	size_t len = strlen(value);
	int fd;
	ssize_t n;

	sysctl_path(root, key, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0 || (size_t)n != len) {
		int r = n < 0 ? -errno : -EIO;
		close(fd);
		return r;
	}
	return close(fd) < 0 ? -errno : 0;
}

int sysctl_ensure(struct sysctl_state *s, const char *root, const char *key, const char *value,
		  const char *state_path)
{
	char cur[64];
	struct sysctl_rec *rec;
	int r;

	/* Only what sysctl_state_load() will accept goes into the record. */
	if (sysctl_key_check(key) || sysctl_value_check(value))
		return -EINVAL;
	if ((r = sysctl_read(root, key, cur, sizeof(cur))) < 0)
		return r;
	if (!strcmp(cur, value))
		return 0;
	rec = sysctl_find(s, key);
	if (!rec) {
		if (sysctl_value_check(cur))
			return -EINVAL;
		if (s->n == SYSCTL_MAX_RECS)
			return -E2BIG;
		rec = &s->recs[s->n++];
		snprintf(rec->key, sizeof(rec->key), "%s", key);
		snprintf(rec->orig, sizeof(rec->orig), "%s", cur);
	}
	snprintf(rec->written, sizeof(rec->written), "%s", value);
	/* Record first: a crash between the two leaves a restorable state. */
	if ((r = sysctl_state_save(state_path, s)) < 0)
		return r;
	if ((r = sysctl_write(root, key, value)) < 0)
		return r;
	return 1;
}

void sysctl_undo_begin(struct sysctl_undo *u, const struct sysctl_state *s)
{
	u->before = *s;
	u->n = 0;
}

int sysctl_ensure_undo(struct sysctl_state *s, const char *root, const char *key, const char *value,
		       const char *state_path, struct sysctl_undo *u)
{
	char was[64] = "";
	int r;

	if (u && !sysctl_key_check(key) && (r = sysctl_read(root, key, was, sizeof(was))) < 0)
		return r;
	r = sysctl_ensure(s, root, key, value, state_path);
	if (r > 0 && u && u->n < SYSCTL_MAX_RECS) {
		struct sysctl_rec *w = &u->recs[u->n++];

		snprintf(w->key, sizeof(w->key), "%s", key);
		snprintf(w->orig, sizeof(w->orig), "%s", was);
		snprintf(w->written, sizeof(w->written), "%s", value);
	}
	return r;
}

int sysctl_undo(struct sysctl_undo *u, struct sysctl_state *s, const char *root,
		const char *state_path)
{
	int undone = 0;
	char cur[64];

	for (size_t i = u->n; i-- > 0;) {
		const struct sysctl_rec *w = &u->recs[i];

		/* someone else's value since: theirs */
		if (sysctl_read(root, w->key, cur, sizeof(cur)) < 0 || strcmp(cur, w->written))
			continue;
		if (sysctl_write(root, w->key, w->orig) == 0)
			undone++;
	}
	u->n = 0;
	*s = u->before;
	if (s->n)
		sysctl_state_save(state_path, s);
	else
		unlink(state_path);
	return undone;
}

int sysctl_restore(struct sysctl_state *s, const char *root, const char *state_path,
		   void (*skipped)(const struct sysctl_rec *rec, const char *now))
{
	int restored = 0;

	/* Reverse order: the last write is undone first. */
	for (size_t i = s->n; i-- > 0;) {
		const struct sysctl_rec *rec = &s->recs[i];
		char cur[64];

		if (sysctl_read(root, rec->key, cur, sizeof(cur)) < 0)
			continue;
		if (strcmp(cur, rec->written)) {
			if (skipped)
				skipped(rec, cur);
			continue;
		}
		if (sysctl_write(root, rec->key, rec->orig) == 0)
			restored++;
	}
	s->n = 0;
	unlink(state_path);
	return restored;
}
