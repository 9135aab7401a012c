/* qemu-bridge-helper's ACL for our bridges (see qemu_acl.h).
 *
 * The helper runs setuid root for unprivileged QEMUs and reads
 * QEMU_CONF_DIR/bridge.conf (and what it includes) to decide which
 * bridges a user may plug a tap into. bridge.conf is the administrator's:
 * gatewayd appends one include line and later takes exactly that line
 * out, every other byte staying as it was. The order matters both ways:
 * the helper refuses every bridge when an included file is missing, so
 * our file is written before the line is added, and the line removed
 * before the file.
 *
 * Nothing here follows a symbolic link: the directory must be root's and
 * not writable by others (state_dir's rule, lib/state.c), files are
 * opened with O_NOFOLLOW and our own file is replaced by rename. */
#include "gatewayd/core/qemu_acl.h"
#include "lib/log.h"
#include "lib/names.h"
#include "lib/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEXT_MAX (1 << 20) /* a bridge.conf larger than this is not one */

char *qemu_acl_text(const struct gw_conf *conf)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	bool bad = false;

	if (!f)
		return NULL;
	fprintf(f,
		"# Written by gatewayd (qemu_bridge_acl in %s): QEMU's bridge helper\n"
		"# may plug guests into these bridges. Rewritten on reload; removed,\n"
		"# with its include line in bridge.conf, when gatewayd stops.\n",
		conf->path);
	for (size_t i = 0; i < conf->n_networks; i++) {
		const char *br = conf->networks[i].bridge;

		bad |= !name_ifname(br);
		fprintf(f, "allow %s\n", br);
	}
	if (fclose(f) != 0 || bad) {
		free(text);
		return NULL;
	}
	return text;
}

/* The start of each whole line equal to line, one after another. */
static const char *line_find(const char *text, size_t len, const char *line, const char *from)
{
	size_t ll = strlen(line);

	for (const char *p = from; p < text + len;) {
		const char *nl = memchr(p, '\n', (size_t)(text + len - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(text + len - p);

		if (n == ll && !memcmp(p, line, ll))
			return p;
		if (!nl)
			break;
		p = nl + 1;
	}
	return NULL;
}

bool qemu_acl_has_line(const char *text, size_t len, const char *line)
{
	return line_find(text, len, line, text) != NULL;
}

size_t qemu_acl_drop_line(char *text, size_t len, const char *line)
{
	size_t ll = strlen(line);
	char *p;

	while ((p = (char *)line_find(text, len, line, text))) {
		/* with its newline; the last line has none when it was added to
		 * a file without one (include_add): then the newline before it
		 * was ours */
		size_t n = ll + (p + ll < text + len);

		if (p + ll == text + len && p > text) {
			p--;
			n++;
		}
		memmove(p, p + n, len - (size_t)(p - text) - n);
		len -= n;
	}
	return len;
}

static void include_line(const char *dir, char *buf, size_t len)
{
	snprintf(buf, len, "include %s/%s", dir, QEMU_ACL_FILE);
}

/* The whole of dir/name, opened without following a link. -ENOENT if
 * missing; *fdp gets the descriptor (O_RDWR) if asked for. */
static int file_read(const char *path, char **text, size_t *len, struct stat *st, int *fdp)
{
	int fd = open(path, (fdp ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC), r = 0;
	char *buf = NULL;
	size_t got = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st->st_mode) || st->st_size > TEXT_MAX) {
		r = S_ISREG(st->st_mode) ? -EFBIG : -EINVAL;
		goto out;
	}
	if (!(buf = malloc((size_t)st->st_size + 1))) {
		r = -ENOMEM;
		goto out;
	}
	for (ssize_t n; got < (size_t)st->st_size; got += (size_t)n) {
		n = read(fd, buf + got, (size_t)st->st_size - got);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0) {
			r = n < 0 ? -errno : 0;
			break;
		}
	}
out:
	if (r < 0) {
		free(buf);
		close(fd);
		return r;
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	if (fdp)
		*fdp = fd;
	else
		close(fd);
	return 0;
}

static int why(char *err, size_t errlen, const char *path, int r)
{
	if (r == -ELOOP)
		snprintf(err, errlen,
			 "qemu_bridge_acl: %s is a symbolic link: gatewayd does not follow it "
			 "(make it a file, or turn qemu_bridge_acl off)",
			 path);
	else if (r == -EINVAL)
		snprintf(err, errlen, "qemu_bridge_acl: %s is not a regular file", path);
	else if (r == -EFBIG)
		snprintf(err, errlen,
			 "qemu_bridge_acl: %s is larger than 1 MiB: not a file gatewayd edits",
			 path);
	else
		snprintf(err, errlen, "qemu_bridge_acl: %s: %s", path, strerror(-r));
	return r;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* bridge.conf includes our file: the line appended if missing, the file
 * made 0644 if missing. A file whose last line has no newline gets none
 * after ours either ("\ninclude ..."), so that taking the line out again
 * gives back the same bytes. */
static int include_add(const char *dir, char *err, size_t errlen)
{
	char path[GW_PATH_MAX + 32], line[GW_PATH_MAX + 32], add[GW_PATH_MAX + 40];
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	int fd = -1, r;

	state_path(dir, QEMU_BRIDGE_CONF, path, sizeof(path));
	include_line(dir, line, sizeof(line));
	r = file_read(path, &text, &len, &st, &fd);
	if (r == -ENOENT) {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0)
			return why(err, errlen, path, -errno);
		r = fchmod(fd, 0644) < 0 ? -errno : 0;
	} else if (r < 0) {
		return why(err, errlen, path, r);
	} else if (qemu_acl_has_line(text, len, line)) {
		goto out;
	} else if (lseek(fd, 0, SEEK_END) < 0) {
		r = -errno;
	}
	if (len && text[len - 1] != '\n')
		snprintf(add, sizeof(add), "\n%s", line);
	else
		snprintf(add, sizeof(add), "%s\n", line);
	if (r == 0)
		r = write_all(fd, add, strlen(add));
	if (r < 0)
		why(err, errlen, path, r);
out:
	free(text);
	close(fd);
	return r;
}

struct text_arg {
	const char *s;
	size_t len;
};

static int text_fill(FILE *f, void *arg)
{
	const struct text_arg *t = arg;

	return fwrite(t->s, 1, t->len, f) == t->len ? 0 : -EIO;
}

/* Our line out of bridge.conf, the rest as it was (the file rewritten by
 * rename, with its mode and owner). 1 if it was there. */
static int include_del(const char *dir, char *err, size_t errlen)
{
	char path[GW_PATH_MAX + 32], line[GW_PATH_MAX + 32];
	char *text = NULL;
	size_t len = 0, nlen;
	struct stat st;
	int r;

	state_path(dir, QEMU_BRIDGE_CONF, path, sizeof(path));
	include_line(dir, line, sizeof(line));
	if ((r = file_read(path, &text, &len, &st, NULL)) < 0)
		return r == -ENOENT ? 0 : why(err, errlen, path, r);
	nlen = qemu_acl_drop_line(text, len, line);
	if (nlen != len && ((r = state_file_write(path, st.st_mode & 07777, text_fill,
						  &(struct text_arg){ text, nlen })) < 0 ||
			    (r = lchown(path, st.st_uid, st.st_gid) < 0 ? -errno : 0) < 0))
		why(err, errlen, path, r);
	free(text);
	return r < 0 ? r : nlen != len;
}

/* Our file and line out of dir. 1 if either was there. */
static int remove_in(const char *dir, char *err, size_t errlen)
{
	char path[GW_PATH_MAX + 32];
	int r, gone;

	/* a directory others can change is not one to rewrite a file in */
	if ((r = state_dir_check("qemu_conf_dir", dir, err, errlen)) < 0)
		return r == -ENOENT ? 0 : r;
	if ((r = include_del(dir, err, errlen)) < 0)
		return r;
	state_path(dir, QEMU_ACL_FILE, path, sizeof(path));
	gone = unlink(path) == 0; /* a link planted there goes, not its target */
	if (!gone && errno != ENOENT)
		return why(err, errlen, path, -errno);
	return r || gone;
}

/* The directory a running or crashed gatewayd wrote into, or "". */
static void record_read(const char *state_dir, char *dir, size_t len)
{
	char path[GW_PATH_MAX + 32];
	FILE *f;

	dir[0] = '\0';
	state_path(state_dir, STATE_QEMU_ACL, path, sizeof(path));
	if (!(f = fopen(path, "re")))
		return;
	if (!fgets(dir, (int)len, f))
		dir[0] = '\0';
	fclose(f);
	dir[strcspn(dir, "\n")] = '\0';
	/* read back with the config's rule for the path */
	if (dir[0] != '/' || !name_path(dir) || name_dotdot(dir))
		dir[0] = '\0';
}

static int record_fill(FILE *f, void *arg)
{
	fprintf(f, "%s\n", (const char *)arg);
	return 0;
}

int qemu_acl_remove(const char *state_dir, char *err, size_t errlen)
{
	char dir[GW_PATH_MAX], path[GW_PATH_MAX + 32];
	int r;

	record_read(state_dir, dir, sizeof(dir));
	if (!dir[0])
		return 0;
	if ((r = remove_in(dir, err, errlen)) < 0)
		return r;
	state_path(state_dir, STATE_QEMU_ACL, path, sizeof(path));
	unlink(path);
	return r;
}

/* gatewayd's own config is dir/gatewayd.conf (qemu_conf_dir =
 * "/etc/gatewayd", where the packages put it): our file would overwrite
 * it, and a stop delete it. */
static bool is_config(const struct gw_conf *conf, const char *acl)
{
	struct stat a, c;

	return stat(acl, &a) == 0 && stat(conf->path, &c) == 0 && a.st_dev == c.st_dev &&
	       a.st_ino == c.st_ino;
}

/* An earlier record (another directory, or the key now off) that cannot
 * be acted on is not a reason to refuse this start: gatewayd's own record
 * of what it did once, not the administrator's wish. Said once, then
 * forgotten (a record that refused every later start was issue 16). */
static void record_forget(const char *state_dir, const char *rec, const char *reason)
{
	char path[GW_PATH_MAX + 32];

	log_warnx("%s; forgetting the record of %s (remove any \"include %s/%s\" line there "
		  "by hand)",
		  reason, rec, rec, QEMU_ACL_FILE);
	state_path(state_dir, STATE_QEMU_ACL, path, sizeof(path));
	unlink(path);
}

/* A start or reload refused half-way, with the record written by this
 * call: nothing of ours stays, and no record says otherwise. The include
 * line was not added (include_add is the last step and adds nothing when
 * it fails). */
static void sync_undo(const struct gw_conf *conf)
{
	char path[GW_PATH_MAX + 32];

	state_path(conf->qemu.conf_dir, QEMU_ACL_FILE, path, sizeof(path));
	unlink(path);
	state_path(conf->state_dir, STATE_QEMU_ACL, path, sizeof(path));
	unlink(path);
}

int qemu_acl_sync(const struct gw_conf *conf, char *err, size_t errlen)
{
	const char *dir = conf->qemu.conf_dir;
	char rec[GW_PATH_MAX], path[GW_PATH_MAX + 32], *text;
	bool fresh;
	int r;

	record_read(conf->state_dir, rec, sizeof(rec));
	if (rec[0] && (!conf->qemu.bridge_acl || strcmp(rec, dir)) &&
	    qemu_acl_remove(conf->state_dir, err, errlen) < 0) {
		record_forget(conf->state_dir, rec, err);
		err[0] = '\0';
		rec[0] = '\0';
	}
	if (!conf->qemu.bridge_acl)
		return 0;
	if ((r = state_dir_make("qemu_conf_dir", dir, 0755, err, errlen)) < 0)
		return r;
	state_path(dir, QEMU_ACL_FILE, path, sizeof(path));
	if (is_config(conf, path)) {
		snprintf(err, errlen,
			 "qemu_bridge_acl: %s is gatewayd's own config, which the helper's ACL "
			 "would overwrite: qemu_conf_dir is QEMU's directory (/etc/qemu), not "
			 "gatewayd's",
			 path);
		return -EEXIST;
	}
	/* recorded first: whatever follows, a stop or --teardown finds it */
	state_path(conf->state_dir, STATE_QEMU_ACL, path, sizeof(path));
	fresh = strcmp(rec, dir) != 0;
	if (fresh && (r = state_file_write_sync(path, 0600, record_fill, (void *)dir)) < 0)
		return why(err, errlen, path, r);
	if (!(text = qemu_acl_text(conf))) {
		r = why(err, errlen, dir, -ENOMEM);
		goto out;
	}
	state_path(dir, QEMU_ACL_FILE, path, sizeof(path));
	r = state_file_write(path, 0644, text_fill, &(struct text_arg){ text, strlen(text) });
	free(text);
	if (r < 0)
		why(err, errlen, path, r);
	else
		r = include_add(dir, err, errlen);
out:
	/* refused: the record goes with what it recorded, or every later
	 * start (also with the key off) would trip over it */
	if (r < 0 && fresh)
		sync_undo(conf);
	return r;
}
