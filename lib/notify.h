/* systemd's notify protocol, spoken directly (no libsystemd): one datagram
 * to $NOTIFY_SOCKET per state change. A no-op when not run by systemd. */
#ifndef GW_NOTIFY_H
#define GW_NOTIFY_H

/* Returns 1 if sent, 0 if there is no NOTIFY_SOCKET, -errno on failure. */
int notify_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
