/* dnsmasq's lease file, read back for gatewayctl leases and status. Pure
 * parsing; leases_read() only reads the file. */
#ifndef GW_LEASES_H
#define GW_LEASES_H

#include <stddef.h>
#include <stdint.h>

struct lease {
	uint64_t expiry; /* unix time; 0 = never */
	char mac[24];	 /* or the IAID of a DHCPv6 lease */
	char ip[48];
	char hostname[64]; /* "" if the client sent none */
};

/* Lines "EXPIRY MAC IP HOSTNAME CLIENTID"; the "duid" line is skipped. */
size_t leases_parse(const char *text, struct lease *out, size_t max);
/* -errno, or the number of leases (a missing file holds none). */
int leases_read(const char *path, struct lease *out, size_t max);

#endif
