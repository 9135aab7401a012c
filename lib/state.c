/* State files: tiny text files written whole, and the directories that
 * hold them.
 *
 * gatewayd runs as root and writes into state_dir and run_dir, so both
 * must be directories only root can change: one that another user owns or
 * can write to would let that user plant a symlink where gatewayd writes
 * (or replace a dnsmasq config that dnsmasq reads as root). Every file is
 * written to NAME.tmp created with O_EXCL | O_NOFOLLOW, then renamed over
 * NAME: never through a link, never half written. */
#include "lib/names.h"
#include "lib/state.h"
#include "lib/names.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* May only root change what is in this directory? Root's and not
 * writable by group or others -- or sticky (like /tmp), where others
 * cannot rename or remove what is not theirs. */
static const char *dir_unsafe(const struct stat *st, bool allow_sticky)
{
	if (st->st_uid != geteuid())
		return "owner";
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(allow_sticky && (st->st_mode & S_ISVTX)))
		return "mode";
	return NULL;
}

static int ancestor_refused(const char *what, const char *dir, const char *above,
			    const struct stat *st, char *err, size_t errlen)
{
	snprintf(err, errlen,
		 "%s \"%s\": the directory %s above it is %s (uid %u, mode %04o): another user "
		 "could swap it for their own; use a %s below directories only root can change",
		 what, dir, above,
		 *dir_unsafe(st, true) == 'o' ? "not root's" : "writable by others",
		 (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777), what);
	return -EPERM;
}

int state_dir_check(const char *what, const char *dir, char *err, size_t errlen)
{
	char real[PATH_MAX], sub[PATH_MAX];
	struct stat st;
	const char *bad;

	if (lstat(dir, &st) < 0) {
		snprintf(err, errlen, "%s \"%s\": %s", what, dir, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s \"%s\" is %s, not a directory", what, dir,
			 S_ISLNK(st.st_mode) ? "a symbolic link" : "a file");
		return -ENOTDIR;
	}
	if ((bad = dir_unsafe(&st, false))) {
		if (*bad == 'o')
			snprintf(err, errlen,
				 "%s \"%s\" is owned by uid %u, not root: another user could "
				 "replace what gatewayd writes there (chown root %s, or choose "
				 "another %s)",
				 what, dir, (unsigned)st.st_uid, dir, what);
		else
			snprintf(err, errlen,
				 "%s \"%s\" is writable by %s (mode %04o): another user could "
				 "replace what gatewayd writes there (chmod go-w %s)",
				 what, dir, st.st_mode & S_IWOTH ? "everyone" : "its group",
				 (unsigned)(st.st_mode & 07777), dir);
		return -EPERM;
	}
	/* Every directory above it too: whoever may rename an ancestor may
	 * swap the whole tree under gatewayd for one of their own. */
	if (!realpath(dir, real)) {
		snprintf(err, errlen, "%s \"%s\": %s", what, dir, strerror(errno));
		return -errno;
	}
	for (char *p = real;; p++) {
		if (*p && *p != '/')
			continue;
		/* "/" first, then each prefix up to the directory itself */
		snprintf(sub, sizeof(sub), "%.*s", p == real ? 1 : (int)(p - real), real);
		if (stat(sub, &st) < 0) {
			snprintf(err, errlen, "%s \"%s\": %s: %s", what, dir, sub, strerror(errno));
			return -errno;
		}
		if (dir_unsafe(&st, true))
			return ancestor_refused(what, dir, sub, &st, err, errlen);
		if (!*p)
			break;
	}
	return 0;
}

int state_dir_make(const char *what, const char *dir, mode_t mode, char *err, size_t errlen)
{
	char tmp[512];

	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s \"%s\": path too long", what, dir);
		return -ENAMETOOLONG;
	}
	/* Missing parents as mkdir -p would make them; existing ones are the
	 * administrator's, and nothing is made below one that is not safe. */
	for (char *p = tmp + 1; *p; p++) {
		struct stat st;

		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s \"%s\": creating %s: %s", what, dir, tmp,
				 strerror(errno));
			return -errno;
		}
		if (stat(tmp, &st) == 0 && dir_unsafe(&st, true))
			return ancestor_refused(what, dir, tmp, &st, err, errlen);
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s \"%s\": %s", what, dir, strerror(errno));
		return -errno;
	}
	return state_dir_check(what, dir, err, errlen);
}

/* Open dir without trusting a link another user could have planted: a
 * symbolic link on the way is followed only where nobody but root can
 * have put it (a directory only root can change, or root's own link in a
 * sticky one); every step is opened relative to the last (openat, never a
 * second lookup by path), so a directory swapped after it was looked at
 * changes nothing. The directory reached may be another user's (BIRD's
 * /etc/bird) but not writable by group or others. Returns the descriptor
 * (its stat in *st) or -errno with err. O_PATH descriptors: the walk
 * needs only search permission, as a lookup by path did (the unit keeps
 * no CAP_DAC_OVERRIDE). */
#define STATE_LINKS_MAX 40
static int walk_refused(const char *what, const char *dir, const char *why, const char *comp,
			const struct stat *in, char *err, size_t errlen)
{
	snprintf(err, errlen,
		 "%s \"%s\": %s \"%s\" in a directory uid %u may change (mode %04o): that "
		 "user could point it elsewhere; use a directory only root can change above it",
		 what, dir, why, comp, (unsigned)in->st_uid, (unsigned)(in->st_mode & 07777));
	return -EPERM;
}

int state_dir_open_shared(const char *what, const char *dir, struct stat *st, char *err,
			  size_t errlen)
{
	char path[2 * PATH_MAX], rest[2 * PATH_MAX], comp[NAME_MAX + 1], target[PATH_MAX];
	struct stat in, s;
	int fd, nfd, links = 0, r;
	char *p = path;

	comp[0] = '\0';
	if (dir[0] != '/' || snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path)) {
		snprintf(err, errlen, "%s \"%s\": not an absolute path", what, dir);
		return -EINVAL;
	}
	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto fail_errno;
	for (;;) {
		size_t n;
		bool safe;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		n = strcspn(p, "/");
		if (n > NAME_MAX) {
			errno = ENAMETOOLONG;
			goto fail_errno;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		if (!strcmp(comp, "."))
			continue;
		if (fstat(fd, &in) < 0)
			goto fail_errno;
		safe = !dir_unsafe(&in, true);
		if (!strcmp(comp, "..") && (!safe || (in.st_mode & S_IWOTH))) {
			r = walk_refused(what, dir, "\"..\" from", comp, &in, err, errlen);
			goto fail;
		}
		if (fstatat(fd, comp, &s, AT_SYMLINK_NOFOLLOW) < 0)
			goto fail_errno;
		if (S_ISLNK(s.st_mode)) {
			ssize_t tl;

			/* sticky and writable by others: only root's own link */
			if (!safe || ((in.st_mode & (S_IWGRP | S_IWOTH)) && s.st_uid != 0)) {
				r = walk_refused(what, dir, "a symbolic link", comp, &in, err,
						 errlen);
				goto fail;
			}
			if (++links > STATE_LINKS_MAX) {
				errno = ELOOP;
				goto fail_errno;
			}
			if ((tl = readlinkat(fd, comp, target, sizeof(target) - 1)) < 0)
				goto fail_errno;
			target[tl] = '\0';
			if (snprintf(rest, sizeof(rest), "%s/%s", target, p) >= (int)sizeof(rest)) {
				errno = ENAMETOOLONG;
				goto fail_errno;
			}
			memcpy(path, rest, strlen(rest) + 1);
			p = path;
			if (target[0] == '/') {
				close(fd);
				if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
					goto fail_errno;
			}
			continue;
		}
		/* a link swapped in since fstatat: ELOOP or ENOTDIR, refused */
		if ((nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			goto fail_errno;
		close(fd);
		fd = nfd;
	}
	if (fstat(fd, st) < 0)
		goto fail_errno;
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen,
			 "%s \"%s\" is writable by others (mode %04o): another user could "
			 "replace what is written there (chmod go-w)",
			 what, dir, (unsigned)(st->st_mode & 07777));
		close(fd);
		return -EPERM;
	}
	return fd;
fail_errno:
	r = -errno;
	snprintf(err, errlen, "%s \"%s\": %s%s%s", what, dir, comp, comp[0] ? ": " : "",
		 strerror(-r));
fail:
	if (fd >= 0)
		close(fd);
	return r;
}

/* path relative to dfd (AT_FDCWD: as given); uid, gid: (uid_t)-1,
 * (gid_t)-1 for the writer's own. */
static int file_write(int dfd, const char *path, mode_t mode, bool sync, uid_t uid, gid_t gid,
		      int (*fill)(FILE *f, void *arg), void *arg)
{
	char tmp[4200];
	FILE *f;
	int fd, r = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 && errno == EEXIST) {
		/* left by a crash (or planted): it goes, whatever it is */
		if (unlinkat(dfd, tmp, 0) < 0)
			return -errno;
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	}
	if (fd < 0)
		return -errno;
	/* The mode asked for, whatever the umask; the owner on the open file
	 * (a chown by path after the rename would follow a link). */
	if (fchmod(fd, mode) < 0 ||
	    ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0) ||
	    !(f = fdopen(fd, "w"))) {
		r = -errno;
		close(fd);
		goto fail;
	}
	if (fill)
		r = fill(f, arg);
	if (fflush(f) != 0 || (sync && fsync(fileno(f)) < 0))
		r = r < 0 ? r : -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dfd, tmp, dfd, path) < 0)
		r = -errno;
	if (r == 0)
		return 0;
fail:
	unlinkat(dfd, tmp, 0);
	return r;
}

int state_file_write(const char *path, mode_t mode, int (*fill)(FILE *f, void *arg), void *arg)
{
	return file_write(AT_FDCWD, path, mode, false, (uid_t)-1, (gid_t)-1, fill, arg);
}

int state_file_write_sync(const char *path, mode_t mode, int (*fill)(FILE *f, void *arg), void *arg)
{
	return file_write(AT_FDCWD, path, mode, true, (uid_t)-1, (gid_t)-1, fill, arg);
}

int state_file_write_owned(const char *path, mode_t mode, uid_t uid, gid_t gid,
			   int (*fill)(FILE *f, void *arg), void *arg)
{
	return file_write(AT_FDCWD, path, mode, false, uid, gid, fill, arg);
}

int state_file_write_owned_at(int dfd, const char *name, mode_t mode, uid_t uid, gid_t gid,
			      int (*fill)(FILE *f, void *arg), void *arg)
{
	if (strchr(name, '/'))
		return -EINVAL;
	return file_write(dfd, name, mode, false, uid, gid, fill, arg);
}

int state_file_create(const char *path, mode_t mode)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode), r = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else if (st.st_uid != geteuid())
		r = -EPERM;
	else if ((st.st_mode & 07777) != mode && fchmod(fd, mode) < 0)
		r = -errno;
	close(fd);
	return r;
}

void state_boot_id(char id[40])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	id[0] = '\0';
	if (f && fgets(id, 40, f))
		id[strcspn(id, "\n")] = '\0';
	if (f)
		fclose(f);
}

void state_path(const char *dir, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

int state_records_read(const char *path, size_t linelen, size_t size,
		       bool (*parse)(const char *line, void *rec), void **v, size_t *n)
{
	char *line = malloc(linelen), *nv, *rec = NULL;
	FILE *f = NULL;
	int r = 0;

	*v = NULL;
	*n = 0;
	if (!line || !(rec = malloc(size))) {
		r = -ENOMEM;
		goto out;
	}
	if (!(f = fopen(path, "re"))) {
		r = errno == ENOENT ? 0 : -errno;
		goto out;
	}
	while (fgets(line, (int)linelen, f)) {
		memset(rec, 0, size);
		if (!parse(line, rec))
			continue;
		if (!(nv = realloc(*v, (*n + 1) * size))) {
			free(*v);
			*v = NULL;
			*n = 0;
			r = -ENOMEM;
			goto out;
		}
		*v = nv;
		memcpy(nv + (*n)++ * size, rec, size);
	}
out:
	if (f)
		fclose(f);
	free(rec);
	free(line);
	return r;
}

int state_records_write(const char *path, size_t n, int (*fill)(FILE *f, void *arg), void *arg)
{
	if (!n)
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	return state_file_write_sync(path, 0600, fill, arg);
}

int state_names_read(const char *path, char (**names)[IFNAMSIZ], size_t *n)
{
	FILE *f = fopen(path, "re");
	char line[128], (*v)[IFNAMSIZ] = NULL;
	size_t cap = 0;

	*n = 0;
	*names = NULL;
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		/* read back with the config's rule for a name: a line that is
		 * not one is not ours to act on */
		if (!name_ifname(line))
			continue;
		if (*n == cap) {
			char(*nv)[IFNAMSIZ] = realloc(v, (cap = cap ? 2 * cap : 16) * IFNAMSIZ);
			if (!nv) {
				free(v);
				fclose(f);
				*n = 0;
				return -ENOMEM;
			}
			v = nv;
		}
		strcpy(v[(*n)++], line);
	}
	fclose(f);
	*names = v;
	return 0;
}

bool state_names_has(const char *path, const char *name)
{
	char(*names)[IFNAMSIZ];
	size_t n;
	bool found = false;

	if (state_names_read(path, &names, &n) < 0)
		return false;
	for (size_t i = 0; i < n && !found; i++)
		found = !strcmp(names[i], name);
	free(names);
	return found;
}

struct names_arg {
	char (*names)[IFNAMSIZ];
	size_t n;
};

static int names_fill(FILE *f, void *arg)
{
	const struct names_arg *a = arg;

	for (size_t i = 0; i < a->n; i++)
		fprintf(f, "%s\n", a->names[i]);
	return 0;
}

/* Rewrite the file as names, plus add (if not NULL and not there yet),
 * less del (if not NULL). */
static int state_names_edit(const char *path, const char *add, const char *del)
{
	char(*names)[IFNAMSIZ], (*nv)[IFNAMSIZ];
	size_t n, k = 0;
	int r = state_names_read(path, &names, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (add && !strcmp(names[i], add)) {
			free(names);
			return 0; /* already there: nothing to write */
		}
		if (!del || strcmp(names[i], del))
			memmove(names[k++], names[i], IFNAMSIZ);
	}
	if (add) {
		if (!(nv = realloc(names, (k + 1) * IFNAMSIZ))) {
			free(names);
			return -ENOMEM;
		}
		names = nv;
		snprintf(names[k++], IFNAMSIZ, "%s", add);
	}
	if (k == 0)
		r = unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	else
		r = state_file_write(path, 0644, names_fill, &(struct names_arg){ names, k });
	free(names);
	return r;
}

int state_names_add(const char *path, const char *name)
{
	return state_names_edit(path, name, NULL);
}

int state_names_remove(const char *path, const char *name)
{
	return state_names_edit(path, NULL, name);
}

static int pid_fill(FILE *f, void *arg)
{
	fprintf(f, "%d\n", *(const int *)arg);
	return 0;
}

int state_pid_write(const char *path, pid_t pid)
{
	int p = (int)pid;

	return state_file_write(path, 0644, pid_fill, &p);
}

pid_t state_pid_read(const char *path)
{
	FILE *f = fopen(path, "re");
	int pid = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid > 0 ? (pid_t)pid : 0;
}

bool state_pid_matches(pid_t pid, const char *needle)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return strstr(buf, needle) != NULL;
}
