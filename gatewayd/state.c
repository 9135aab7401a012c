/* State files: tiny text files written whole (write tmp + rename). */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int state_mkdir(const char *dir, mode_t mode)
{
	char tmp[512];

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

void state_path(const char *dir, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

int state_names_read(const char *path, char (*names)[IFNAMSIZ], size_t max, size_t *n)
{
	FILE *f = fopen(path, "re");
	char line[128];

	*n = 0;
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f) && *n < max) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || strlen(line) >= IFNAMSIZ)
			continue;
		strcpy(names[(*n)++], line);
	}
	fclose(f);
	return 0;
}

static int state_names_write(const char *path, char (*names)[IFNAMSIZ], size_t n)
{
	char tmp[512];
	FILE *f;

	if (n == 0)
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n", names[i]);
	if (fclose(f) != 0)
		return -errno;
	return rename(tmp, path) < 0 ? -errno : 0;
}

int state_names_add(const char *path, const char *name)
{
	char names[STATE_MAX_NAMES][IFNAMSIZ];
	size_t n;
	int r = state_names_read(path, names, STATE_MAX_NAMES, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return 0;
	if (n == STATE_MAX_NAMES)
		return -E2BIG;
	snprintf(names[n++], IFNAMSIZ, "%s", name);
	return state_names_write(path, names, n);
}

int state_names_remove(const char *path, const char *name)
{
	char names[STATE_MAX_NAMES][IFNAMSIZ];
	size_t n, k = 0;
	int r = state_names_read(path, names, STATE_MAX_NAMES, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name))
			memmove(names[k++], names[i], IFNAMSIZ);
	return state_names_write(path, names, k);
}

int state_pid_write(const char *path, pid_t pid)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "%d\n", (int)pid);
	return fclose(f) != 0 ? -errno : 0;
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
