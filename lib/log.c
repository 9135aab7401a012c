/* Logging: where log lines go (stderr or syslog) and how verbose, set
 * once by log_init(), in file-static state -- not the only state outside
 * a context struct: conf/conf.c keeps libconfuse's last error (its error
 * callback takes no user pointer). (The host checks are told which ports
 * are gatewayd's own in a struct the core passes them: struct
 * hostcheck_own.) And fmt_err()/fmt_errno(), the message-and-code
 * helpers. */
#include "lib/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static int log_to_stderr = 1;
static int log_verbose;

void log_init(int foreground, int verbose)
{
	log_to_stderr = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog("gatewayd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char msg[2048];

	if (pri == LOG_DEBUG && !log_verbose)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_to_stderr) {
		static const char *const tag[] = {
			[LOG_ERR] = "error: ",
			[LOG_WARNING] = "warning: ",
			[LOG_INFO] = "",
			[LOG_DEBUG] = "debug: ",
		};
		fprintf(stderr, "gatewayd: %s%s%s%s\n", tag[pri], msg, suffix ? ": " : "",
			suffix ? suffix : "");
		fflush(stderr);
	} else {
		syslog(pri, "%s%s%s", msg, suffix ? ": " : "", suffix ? suffix : "");
	}
}

void log_warn(const char *fmt, ...)
{
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, e);
	va_end(ap);
}

#define LOG_FN(name, pri)                                                                          \
	void name(const char *fmt, ...)                                                            \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		vlog(pri, fmt, ap, NULL);                                                          \
		va_end(ap);                                                                        \
	}

LOG_FN(log_warnx, LOG_WARNING)
LOG_FN(log_err, LOG_ERR)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_debug, LOG_DEBUG)

int fmt_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -GW_EREFUSED;
}

int fmt_errno(char *err, size_t len, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	/* an error, whatever the caller passed: never success */
	return r < 0 ? r : -EIO;
}
