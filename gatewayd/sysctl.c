/* Sysctl record/restore. The root directory is a parameter so the unit
 * tests can run the same code against files in a temporary directory. */
#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

int sysctl_state_parse(const char *text, struct sysctl_state *s)
{
	const char *p = text;

	s->n = 0;
	while (*p) {
		const char *eol = strchrnul(p, '\n');
		char line[300], key[128], orig[64], written[64];
		size_t len = (size_t)(eol - p);

		if (len >= sizeof(line))
			return -EINVAL;
		memcpy(line, p, len);
		line[len] = '\0';
		p = *eol ? eol + 1 : eol;
		if (!line[0] || line[0] == '#')
			continue;
		if (sscanf(line, "%127s %63s %63s", key, orig, written) != 3)
			return -EINVAL;
		if (s->n == SYSCTL_MAX_RECS)
			return -E2BIG;
		strcpy(s->recs[s->n].key, key);
		strcpy(s->recs[s->n].orig, orig);
		strcpy(s->recs[s->n].written, written);
		s->n++;
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
	char buf[16384];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	s->n = 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return sysctl_state_parse(buf, s);
}

int sysctl_state_save(const char *path, const struct sysctl_state *s)
{
	char tmp[512];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	sysctl_state_format(f, s);
	if (fflush(f) != 0 || fsync(fileno(f)) < 0) {
		int r = -errno;
		fclose(f);
		unlink(tmp);
		return r;
	}
	fclose(f);
	return rename(tmp, path) < 0 ? -errno : 0;
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

static struct sysctl_rec *sysctl_find(struct sysctl_state *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->recs[i].key, key))
			return &s->recs[i];
	return NULL;
}

int sysctl_ensure(struct sysctl_state *s, const char *root, const char *key, const char *value,
		  const char *state_path)
{
	char cur[64];
	struct sysctl_rec *rec;
	int r;

	if ((r = sysctl_read(root, key, cur, sizeof(cur))) < 0)
		return r;
	if (!strcmp(cur, value))
		return 0;
	rec = sysctl_find(s, key);
	if (!rec) {
		if (s->n == SYSCTL_MAX_RECS || strlen(key) >= sizeof(rec->key))
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
