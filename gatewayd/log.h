/* Logging: stderr in the foreground, syslog otherwise.
 * log_warn() appends strerror(errno); log_warnx() does not (OpenBSD style). */
#ifndef GW_LOG_H
#define GW_LOG_H

#include <stdarg.h>

void log_init(int foreground, int verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
