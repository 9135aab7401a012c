/* Logging: stderr in the foreground, syslog otherwise.
 * log_warn() appends strerror(errno); log_warnx() does not (OpenBSD style). */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stdarg.h>
#include <stddef.h>

void log_init(int foreground, int verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Not an errno (those end at 4095, the kernel's MAX_ERRNO), so it cannot
 * be mistaken for one: "refused", what was asked is wrong -- an invalid
 * config (or a check of the config against the host), a bad request --
 * as opposed to a failure of the system doing it (-ENOMEM, -EPERM, or a
 * kernel that answers -EINVAL). A reload refused this way is "invalid
 * config" (gatewayctl exit 3), any other error "failed to apply". It
 * always comes with its message (fmt_err()): strerror() cannot name it. */
#define GW_EREFUSED 4096

/* For layers that do not log but let their caller decide: write one
 * message into err. fmt_err() is for a refusal and returns -GW_EREFUSED;
 * fmt_errno() is for an error r (a negative errno) met on the way and
 * returns r itself, so the caller can still tell ENOMEM from EPERM. */
int fmt_err(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int fmt_errno(char *err, size_t len, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
