/* Upstream DNS servers from resolv.conf: see upstream.h. */
#include "lib/names.h"
#include "upstream.h"

#include <arpa/inet.h>
#include <string.h>

static void parse_line(const char *line, size_t len, struct upstream *u)
{
	char word[16], addr[INET6_ADDRSTRLEN + IFNAMSIZ + 2], *pct;
	size_t i = 0, k;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	for (k = 0; i < len && line[i] != ' ' && line[i] != '\t' && k < sizeof(word) - 1; i++)
		word[k++] = line[i];
	word[k] = '\0';
	if (strcmp(word, "nameserver") || u->n == UPSTREAM_MAX)
		return;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	for (k = 0;
	     i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '#' && line[i] != ';';
	     i++) {
		if (k == sizeof(addr) - 1)
			return; /* too long to be an address */
		addr[k++] = line[i];
	}
	addr[k] = '\0';
	memset(&u->s[u->n], 0, sizeof(u->s[u->n]));
	if ((pct = strchr(addr, '%'))) {
		*pct = '\0';
		if (!name_ifname(pct + 1))
			return;
		snprintf(u->s[u->n].scope, IFNAMSIZ, "%s", pct + 1);
	}
	if (!pct && inet_pton(AF_INET, addr, &u->s[u->n].a.v4) == 1) {
		u->s[u->n++].family = AF_INET;
		return;
	}
	if (inet_pton(AF_INET6, addr, &u->s[u->n].a.v6) == 1 &&
	    (!pct || IN6_IS_ADDR_LINKLOCAL(&u->s[u->n].a.v6)))
		u->s[u->n++].family = AF_INET6;
}

void upstream_parse(const char *text, struct upstream *out)
{
	memset(out, 0, sizeof(*out));
	while (*text) {
		const char *eol = strchrnul(text, '\n');

		parse_line(text, (size_t)(eol - text), out);
		text = *eol ? eol + 1 : eol;
	}
}

void upstream_write(FILE *f, const struct upstream *u)
{
	char a[INET6_ADDRSTRLEN];

	fprintf(f, "# Written by gatewayd from the host's resolv.conf.\n");
	for (size_t i = 0; i < u->n; i++) {
		inet_ntop(u->s[i].family, &u->s[i].a, a, sizeof(a));
		fprintf(f, "server=%s%s%s\n", a, u->s[i].scope[0] ? "%" : "", u->s[i].scope);
	}
}

int upstream_equal(const struct upstream *a, const struct upstream *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->s[i].family != b->s[i].family || strcmp(a->s[i].scope, b->s[i].scope) ||
		    memcmp(&a->s[i].a, &b->s[i].a,
			   a->s[i].family == AF_INET ? sizeof(struct in_addr)
						     : sizeof(struct in6_addr)))
			return 0;
	return 1;
}
