/* dnsmasq lease file parsing. */
#include "leases.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t leases_parse(const char *text, struct lease *out, size_t max)
{
	size_t n = 0;

	while (*text && n < max) {
		const char *eol = strchrnul(text, '\n');
		char line[512], mac[24], ip[48], host[64];
		uint64_t expiry;
		size_t len = (size_t)(eol - text);

		if (len < sizeof(line)) {
			memcpy(line, text, len);
			line[len] = '\0';
			if (sscanf(line, "%" SCNu64 " %23s %47s %63s", &expiry, mac, ip, host) ==
			    4) {
				out[n].expiry = expiry;
				snprintf(out[n].mac, sizeof(out[n].mac), "%s", mac);
				snprintf(out[n].ip, sizeof(out[n].ip), "%s", ip);
				snprintf(out[n].hostname, sizeof(out[n].hostname), "%s",
					 strcmp(host, "*") ? host : "");
				n++;
			}
		}
		text = *eol ? eol + 1 : eol;
	}
	return n;
}

int leases_read(const char *path, struct lease *out, size_t max)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t len;
	int n;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	buf = malloc(1 << 20);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(buf, 1, (1 << 20) - 1, f);
	buf[len] = '\0';
	fclose(f);
	n = (int)leases_parse(buf, out, max);
	free(buf);
	return n;
}
