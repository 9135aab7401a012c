/* Files in state_dir / run_dir that let gatewayd find again what it made,
 * after a crash or for --teardown. */
#ifndef GW_STATE_H
#define GW_STATE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define STATE_BRIDGES	"bridges"      /* in state_dir: bridges gatewayd created */
#define STATE_SYSCTL	"sysctl.state" /* in state_dir: see sysctl.h */
#define STATE_MAX_NAMES 256

int state_mkdir(const char *dir, mode_t mode);
void state_path(const char *dir, const char *name, char *buf, size_t len);

/* A file of names, one per line. */
int state_names_read(const char *path, char (*names)[IFNAMSIZ], size_t max, size_t *n);
int state_names_add(const char *path, const char *name);
int state_names_remove(const char *path, const char *name);

/* run_dir/NAME.pid written for each dnsmasq gatewayd spawned. */
int state_pid_write(const char *path, pid_t pid);
pid_t state_pid_read(const char *path);
/* Is pid alive and its command line mentioning needle (our conf file)? */
bool state_pid_matches(pid_t pid, const char *needle);

#endif
