/* Files in state_dir / run_dir that let gatewayd find again what it made,
 * after a crash or for --teardown. */
#ifndef GW_STATE_H
#define GW_STATE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#define STATE_BRIDGES "bridges"	     /* in state_dir: bridges gatewayd created */
#define STATE_SYSCTL  "sysctl.state" /* in state_dir: see sysctl.h */

/* A directory gatewayd writes into as root must be one only root can
 * change: a directory (not a link), owned by root, not writable by group
 * or others. Otherwise -errno and a message naming it (what: "state_dir")
 * in err. */
int state_dir_check(const char *what, const char *dir, char *err, size_t errlen);
/* Create dir (mode) and missing parents (0755), then check it as above. */
int state_dir_make(const char *what, const char *dir, mode_t mode, char *err, size_t errlen);
void state_path(const char *dir, const char *name, char *buf, size_t len);

/* Write path whole: fill() writes into PATH.tmp (created exclusively,
 * never through a symlink, with mode), which is renamed over path. fill
 * returns 0 or -errno. _sync also syncs it to disk first, for what must
 * survive a power cut (auto subnets, sysctl originals); the rest (pid
 * files, bridge names, generated configs) is gone at reboot anyway, and a
 * host with 1,000 networks would pay 1,000 syncs at start and stop. */
int state_file_write(const char *path, mode_t mode, int (*fill)(FILE *f, void *arg), void *arg);
int state_file_write_sync(const char *path, mode_t mode, int (*fill)(FILE *f, void *arg),
			  void *arg);
/* state_file_write, the file given to uid:gid before it takes path's
 * name: ownership set on the open temporary file, never by path, so a
 * directory owner who swaps path for a link between the rename and a
 * chown cannot turn gatewayd's chown onto another file. */
/* This boot's id (/proc/sys/kernel/random/boot_id), "" if it cannot be
 * read: ifindexes recorded in a state file mean nothing after a reboot. */
void state_boot_id(char id[40]);
int state_file_write_owned(const char *path, mode_t mode, uid_t uid, gid_t gid,
			   int (*fill)(FILE *f, void *arg), void *arg);
/* A directory another user reads from (and may own: Debian's /etc/bird is
 * bird's), opened without following a link that anyone but root could
 * have planted on the way, each step relative to the last: a directory
 * swapped for a link between a check and a write changes nothing. Not
 * writable by group or others. The descriptor (its stat in *st), or
 * -errno with err saying why (what: "bgp: config_file"). */
int state_dir_open_shared(const char *what, const char *dir, struct stat *st, char *err,
			  size_t errlen);
/* state_file_write_owned for name (no '/') in the directory dfd. */
int state_file_write_owned_at(int dfd, const char *name, mode_t mode, uid_t uid, gid_t gid,
			      int (*fill)(FILE *f, void *arg), void *arg);
/* Make sure path is a regular file of ours with mode (created empty if
 * missing, never through a symlink): for files another program fills. */
int state_file_create(const char *path, mode_t mode);

/* A kept list: one record a line, read into a malloc'd array of n
 * records of size bytes (NULL when there are none). parse fills a zeroed
 * record from a line (read linelen - 1 characters at a time) and returns
 * false to skip it: read back with the config's rules, a line that breaks
 * one is not ours to act on. A missing file is an empty list. */
int state_records_read(const char *path, size_t linelen, size_t size,
		       bool (*parse)(const char *line, void *rec), void **v, size_t *n);
/* Write a kept list whole, synced, mode 0600 (what a customer was told is
 * in place must survive a power cut); n == 0 removes the file. */
int state_records_write(const char *path, size_t n, int (*fill)(FILE *f, void *arg), void *arg);

/* A file of interface names, one per line, as many as there are. The
 * array is malloc'd (NULL when there are none); lines that are not valid
 * interface names are skipped. */
int state_names_read(const char *path, char (**names)[IFNAMSIZ], size_t *n);
bool state_names_has(const char *path, const char *name);
int state_names_add(const char *path, const char *name);
int state_names_remove(const char *path, const char *name);

/* run_dir/NAME.pid written for each dnsmasq gatewayd spawned. */
int state_pid_write(const char *path, pid_t pid);
pid_t state_pid_read(const char *path);
/* Is pid alive and its command line mentioning needle (our conf file)? */
bool state_pid_matches(pid_t pid, const char *needle);

#endif
