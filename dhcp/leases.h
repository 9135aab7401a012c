/* dnsmasq's lease file, read back for gatewayctl leases, status and
 * metrics. dnsmasq writes the file, but a guest picks its hostname, its
 * hardware address and its client id, so every field is checked and a line
 * that fails any check is skipped whole: a lease is shown with the values
 * dnsmasq wrote or not at all, never cut short. Pure parsing;
 * leases_read() only reads the file.
 *
 * The format (dnsmasq lease.c), fields separated by one space, each line
 * ending in '\n' (a last line without one is being written: skipped):
 *   EXPIRY HWADDR IPV4 HOSTNAME CLIENTID
 *   duid DUID                              opens the DHCPv6 section
 *   EXPIRY IAID IPV6 HOSTNAME CLIENTID
 * EXPIRY   decimal unix time, 0 = never
 * HWADDR   1-16 hex octets joined by ':' ("52:54:00:12:34:56"); for another
 *          hardware type than Ethernet, or none, dnsmasq puts the type
 *          first, "TT-" and 0-16 octets ("20-00:11:...", "00-")
 * IAID     decimal 0..2^32-1, "T" first for a temporary address
 * IPV4/6   what inet_pton() takes; stored as inet_ntop() writes it
 * HOSTNAME "*" for none; else 1-255 bytes (the most DHCP carries), kept
 *          byte for byte even when no DNS name: gatewayd/out.c escapes
 *          it for the table and for JSON
 * CLIENTID "*" or 1-255 hex octets joined by ':' (checked, not kept) */
#ifndef GW_LEASES_H
#define GW_LEASES_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEASE_LINE_MAX	   2048
#define LEASE_HOSTNAME_MAX 255

struct lease {
	uint64_t expiry; /* unix time; 0 = never */
	bool v6;
	char mac[52]; /* HWADDR as written, or the IAID of a DHCPv6 lease */
	char ip[INET6_ADDRSTRLEN];
	char hostname[LEASE_HOSTNAME_MAX + 1]; /* "" if the client sent none */
};

/* The leases in text[0..len) (NUL bytes there spoil only their line), at
 * most max of them. */
size_t leases_parse(const char *text, size_t len, struct lease *out, size_t max);
/* -errno, or the number of leases (a missing file holds none). */
int leases_read(const char *path, struct lease *out, size_t max);
/* Every lease in the file, however many: *out (malloc'd, the caller frees
 * it; NULL when none) holds them all. dnsmasq writes the newest first, so
 * a reader that stops after a fixed count loses the oldest guests to
 * anyone who makes up enough new ones; the file's length follows the
 * network's range (dnsmasq's dhcp-lease-max). -errno, or the count. */
int leases_load(const char *path, struct lease **out);
/* leases_load(), or -EAGAIN for a file that looks half written (empty, or
 * its last line cut) and changed within the last second: dnsmasq
 * truncates it before each rewrite, and a reader that takes that moment
 * for "no leases" drops every binding of the network. */
int leases_load_settled(const char *path, struct lease **out);

#endif
