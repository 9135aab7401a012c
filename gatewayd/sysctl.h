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

/* Pure: "KEY ORIG WRITTEN" lines. */
int sysctl_state_parse(const char *text, struct sysctl_state *s);
void sysctl_state_format(FILE *f, const struct sysctl_state *s);
int sysctl_state_load(const char *path, struct sysctl_state *s);
int sysctl_state_save(const char *path, const struct sysctl_state *s);

int sysctl_read(const char *root, const char *key, char *buf, size_t len);
int sysctl_write(const char *root, const char *key, const char *value);

/* Make key hold value. Returns 1 if it was written, 0 if it already held
 * it; a first write records the original in s and saves s to state_path
 * before touching the sysctl. */
int sysctl_ensure(struct sysctl_state *s, const char *root, const char *key, const char *value,
		  const char *state_path);

/* Put back every recorded original whose sysctl still holds our value.
 * Calls skipped() for each one that someone else changed since. Empties s
 * and removes state_path. Returns the number restored. */
int sysctl_restore(struct sysctl_state *s, const char *root, const char *state_path,
		   void (*skipped)(const struct sysctl_rec *rec, const char *now));

#endif
