/* Sysctls: read, compare, write only if different; the original value is
 * recorded in the state directory before the first write, and restored on
 * stop only if the sysctl still holds what gatewayd wrote. */
#ifndef GW_SYSCTL_H
#define GW_SYSCTL_H

#include <stddef.h>
#include <stdio.h>

#define SYSCTL_ROOT	"/proc/sys"
#define SYSCTL_MAX_RECS 32

struct sysctl_rec {
	char key[128]; /* relative to the root: "net/ipv4/ip_forward" */
	char orig[64];
	char written[64];
};

struct sysctl_state {
	size_t n;
	struct sysctl_rec recs[SYSCTL_MAX_RECS];
};

/* The state file is read back as untrusted input: gatewayd writes the
 * recorded originals back as root, so only keys it writes itself and
 * plain numbers are accepted. Each returns NULL if s is fine, else why not.
 * Keys: net/ipv4/ip_forward, net/ipv6/conf/all/forwarding and
 * net/ipv6/conf/IFNAME/{accept_ra,accept_dad,autoconf}, where IFNAME is
 * 1-15 of [A-Za-z0-9._-], not ".", "..", "all" or "default".
 * Values: an optional '-' and 1-10 digits. */
const char *sysctl_key_check(const char *key);
const char *sysctl_value_check(const char *value);

/* Pure: "KEY ORIG WRITTEN" lines. -EINVAL with "line N: why" in err (and
 * s empty) if any line fails the checks above: the file is used whole or
 * not at all. */
int sysctl_state_parse(const char *text, struct sysctl_state *s, char *err, size_t errlen);
void sysctl_state_format(FILE *f, const struct sysctl_state *s);
/* A missing file is an empty state. A bad one leaves s empty, is logged
 * once (naming the file and the reason) and returns -EINVAL. */
int sysctl_state_load(const char *path, struct sysctl_state *s);
int sysctl_state_save(const char *path, const struct sysctl_state *s);

int sysctl_read(const char *root, const char *key, char *buf, size_t len);
int sysctl_write(const char *root, const char *key, const char *value);

/* Make key hold value. Returns 1 if it was written, 0 if it already held
 * it; a first write records the original in s and saves s to state_path
 * before touching the sysctl. -EINVAL for a key, value or original the
 * checks above would refuse to read back. */
int sysctl_ensure(struct sysctl_state *s, const char *root, const char *key, const char *value,
		  const char *state_path);

/* What a run of sysctl_ensure_undo() calls changed, so that a step that
 * fails after them can put it back: a reload refused by the kernel
 * changes nothing (core/apply.c). recs[].orig is the value each write
 * replaced, recs[].written what it wrote. */
struct sysctl_undo {
	struct sysctl_state before; /* the record as it was */
	size_t n;
	struct sysctl_rec recs[SYSCTL_MAX_RECS];
};
void sysctl_undo_begin(struct sysctl_undo *u, const struct sysctl_state *s);
/* sysctl_ensure(), noting in u (NULL: not) the value a write replaced. */
int sysctl_ensure_undo(struct sysctl_state *s, const char *root, const char *key, const char *value,
		       const char *state_path, struct sysctl_undo *u);
/* Put back, the last first, each value written since sysctl_undo_begin()
 * where the sysctl still holds it, and s and state_path as they were.
 * Returns how many were put back. */
int sysctl_undo(struct sysctl_undo *u, struct sysctl_state *s, const char *root,
		const char *state_path);

/* Put back every recorded original whose sysctl still holds our value.
 * Calls skipped() for each one that someone else changed since. Empties s
 * and removes state_path. Returns the number restored. */
int sysctl_restore(struct sysctl_state *s, const char *root, const char *state_path,
		   void (*skipped)(const struct sysctl_rec *rec, const char *now));

#endif
