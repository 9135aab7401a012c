/* State files in a temporary directory: names files of any length (a
 * per-customer host has hundreds of bridges), names read back with the
 * config's rule, the safe writer refusing to follow a planted link. */
#include "suites.h"
#include "lib/log.h"
#include "lib/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/gw-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	ck_assert_int_eq(rmdir(dir), 0);
}

START_TEST(test_names_many)
{
	char path[128], name[IFNAMSIZ], (*names)[IFNAMSIZ];
	size_t n;

	snprintf(path, sizeof(path), "%s/bridges", dir);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "gw-%d", i);
		ck_assert_int_eq(state_names_add(path, name), 0);
	}
	ck_assert_int_eq(state_names_add(path, "gw-7"), 0); /* already there */
	ck_assert_int_eq(state_names_read(path, &names, &n), 0);
	ck_assert_uint_eq(n, 1000);
	ck_assert_str_eq(names[999], "gw-999");
	free(names);
	ck_assert(state_names_has(path, "gw-500"));
	ck_assert_int_eq(state_names_remove(path, "gw-500"), 0);
	ck_assert(!state_names_has(path, "gw-500"));
	ck_assert(state_names_has(path, "gw-501"));
}
END_TEST

START_TEST(test_names_validated)
{
	char path[128], (*names)[IFNAMSIZ];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/bridges", dir);
	f = fopen(path, "w");
	fputs("gw0\ngw0,up0\n..\nu*\n\ngw%d\na-very-long-bridge-name\ngw1\n", f);
	fclose(f);
	ck_assert_int_eq(state_names_read(path, &names, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "gw0");
	ck_assert_str_eq(names[1], "gw1");
	free(names);
	ck_assert(!state_names_has(path, "u*"));
}
END_TEST

static int fill(FILE *f, void *arg)
{
	fputs(arg, f);
	return 0;
}

struct rec {
	char a[8];
	int b;
};

static bool rec_parse(const char *line, void *p)
{
	struct rec *r = p;
	char extra;

	return sscanf(line, "%7s %d %c", r->a, &r->b, &extra) == 2;
}

static int rec_fill(FILE *f, void *arg)
{
	const struct rec *v = arg;

	for (int i = 0; i < 40; i++)
		fprintf(f, "%s %d\n", v[i].a, v[i].b);
	fprintf(f, "not a record\n");
	return 0;
}

/* A kept list: written 0600 and read back, a bad line skipped, a list
 * longer than one allocation, and the file gone when the list is. */
START_TEST(test_records)
{
	struct rec in[40], *out;
	char path[128];
	struct stat st;
	void *v;
	size_t n;

	for (int i = 0; i < 40; i++) {
		snprintf(in[i].a, sizeof(in[i].a), "r%d", i);
		in[i].b = i * 7;
	}
	snprintf(path, sizeof(path), "%s/kept", dir);
	ck_assert_int_eq(state_records_read(path, 64, sizeof(*out), rec_parse, &v, &n), 0);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(state_records_write(path, 40, rec_fill, in), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(state_records_read(path, 64, sizeof(*out), rec_parse, &v, &n), 0);
	ck_assert_uint_eq(n, 40);
	out = v;
	for (int i = 0; i < 40; i++) {
		ck_assert_str_eq(out[i].a, in[i].a);
		ck_assert_int_eq(out[i].b, in[i].b);
	}
	free(v);
	ck_assert_int_eq(state_records_write(path, 0, rec_fill, in), 0);
	ck_assert_int_eq(stat(path, &st), -1);
	ck_assert_int_eq(state_records_write(path, 0, rec_fill, in), 0);
}
END_TEST

START_TEST(test_write_no_follow)
{
	char path[128], tmp[160], victim[128], buf[64] = "";
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/x.conf", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	f = fopen(victim, "w");
	fputs("victim\n", f);
	fclose(f);
	ck_assert_int_eq(symlink(victim, tmp), 0);
	ck_assert_int_eq(symlink(victim, path), 0);
	ck_assert_int_eq(state_file_write(path, 0640, fill, "new\n"), 0);
	f = fopen(victim, "r");
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_str_eq(buf, "victim\n");
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	/* a link where a file another program fills should be */
	unlink(path);
	ck_assert_int_eq(symlink(victim, path), 0);
	ck_assert_int_eq(state_file_create(path, 0600), -ELOOP);
}
END_TEST

/* The owner is given on the new file before it takes the name: a link in
 * its place is replaced, its target keeps its owner and bytes. (Without
 * root only our own uid/gid can be given; that is enough to see that the
 * new file, not the link's target, got it.) */
START_TEST(test_write_owned)
{
	char path[128], victim[128], buf[64] = "";
	struct stat st, vst;
	FILE *f;

	snprintf(path, sizeof(path), "%s/bird.conf", dir);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	f = fopen(victim, "w");
	fputs("victim\n", f);
	fclose(f);
	ck_assert_int_eq(stat(victim, &vst), 0);
	ck_assert_int_eq(symlink(victim, path), 0);
	ck_assert_int_eq(state_file_write_owned(path, 0640, getuid(), getgid(), fill, "new\n"), 0);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0640);
	ck_assert_uint_eq(st.st_uid, getuid());
	ck_assert_uint_eq(st.st_gid, getgid());
	f = fopen(victim, "r");
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_str_eq(buf, "victim\n");
	ck_assert_int_eq(stat(victim, &st), 0);
	ck_assert_uint_eq(st.st_mode, vst.st_mode);
	ck_assert_uint_eq(st.st_gid, vst.st_gid);
}
END_TEST

/* The BIRD fragment's directory: a link on the way is followed only where
 * nobody else could have planted it; one in a directory others may write
 * into is refused, and so is a final directory others may write into;
 * the file is written in the directory opened, not by path again. */
START_TEST(test_dir_open_shared)
{
	char real[128], wide[128], p[192], err[512];
	struct stat st;
	int fd;

	snprintf(real, sizeof(real), "%s/real", dir);
	snprintf(wide, sizeof(wide), "%s/wide", dir);
	ck_assert_int_eq(mkdir(real, 0750), 0);
	ck_assert_int_eq(mkdir(wide, 0755), 0);
	ck_assert_int_eq(chmod(wide, 0777), 0);
	/* our own link in our own directory: followed */
	snprintf(p, sizeof(p), "%s/l", dir);
	ck_assert_int_eq(symlink("real", p), 0);
	fd = state_dir_open_shared("t", p, &st, err, sizeof(err));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(
		state_file_write_owned_at(fd, "f.conf", 0640, (uid_t)-1, (gid_t)-1, fill, "x\n"),
		0);
	ck_assert_int_eq(
		state_file_write_owned_at(fd, "a/b", 0640, (uid_t)-1, (gid_t)-1, fill, "x\n"),
		-EINVAL);
	close(fd);
	snprintf(p, sizeof(p), "%s/f.conf", real);
	ck_assert_int_eq(access(p, F_OK), 0);
	unlink(p);
	/* a link in a directory everyone may write into: refused */
	snprintf(p, sizeof(p), "%s/l", wide);
	ck_assert_int_eq(symlink(real, p), 0);
	ck_assert_int_eq(state_dir_open_shared("t", p, &st, err, sizeof(err)), -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "a symbolic link \"l\""));
	unlink(p);
	/* a final directory others may write into: refused */
	ck_assert_int_eq(state_dir_open_shared("t", wide, &st, err, sizeof(err)), -EPERM);
	ck_assert_int_eq(state_dir_open_shared("t", "relative", &st, err, sizeof(err)), -EINVAL);
	snprintf(p, sizeof(p), "%s/l", dir);
	unlink(p);
	rmdir(real);
	rmdir(wide);
}
END_TEST

START_TEST(test_boot_id)
{
	char a[40], b[40];

	state_boot_id(a);
	state_boot_id(b);
	ck_assert_str_eq(a, b);
	ck_assert_uint_lt(strlen(a), 40);
}
END_TEST

/* Errors keep their cause: a refusal is told from any errno, an errno
 * met on the way comes back as it was (not flattened to -EINVAL). */
START_TEST(test_err_kinds)
{
	char err[64];

	ck_assert_int_eq(fmt_err(err, sizeof(err), "bad %s", "value"), -GW_EREFUSED);
	ck_assert_str_eq(err, "bad value");
	ck_assert_int_eq(fmt_errno(err, sizeof(err), -ENOMEM, "out of %s", "memory"), -ENOMEM);
	ck_assert_str_eq(err, "out of memory");
	ck_assert_int_eq(fmt_errno(err, sizeof(err), -EPERM, "x"), -EPERM);
	ck_assert_int_eq(fmt_errno(err, sizeof(err), 0, "x"), -EIO); /* never success */
}
END_TEST

Suite *state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("files");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_names_many);
	tcase_add_test(tc, test_names_validated);
	tcase_add_test(tc, test_records);
	tcase_add_test(tc, test_write_no_follow);
	tcase_add_test(tc, test_write_owned);
	tcase_add_test(tc, test_boot_id);
	tcase_add_test(tc, test_dir_open_shared);
	tcase_add_test(tc, test_err_kinds);
	suite_add_tcase(s, tc);
	return s;
}
