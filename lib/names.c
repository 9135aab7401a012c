/* What a name may contain: see names.h. */
#include "names.h"

#include <net/if.h>
#include <string.h>

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

static bool all_name_chars(const char *s)
{
	for (; *s; s++)
		if (!name_char(*s))
			return false;
	return true;
}

/* The kernel takes more, but ',' would split dnsmasq's interface=, '*' is
 * a wildcard to nftables, '%' makes the kernel pick the name. */
bool name_ifname(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < IFNAMSIZ && strcmp(s, ".") && strcmp(s, "..") && all_name_chars(s);
}

/* A trailing '*' is the only wildcard an nftables name match has. */
bool name_pattern(const char *s)
{
	char name[IFNAMSIZ];
	size_t n = strlen(s);

	if (n >= IFNAMSIZ)
		return false;
	memcpy(name, s, n + 1);
	if (n && name[n - 1] == '*')
		name[n - 1] = '\0';
	return name_ifname(name);
}

/* Part of file names (NAME.leases) and of dnsmasq's log prefix. */
bool name_netname(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= NAME_NET_MAX && !strchr(s, '.') && all_name_chars(s);
}

/* A leading '-' would read as an option to the tools that take it. */
bool name_username(const char *s)
{
	return s[0] && s[0] != '-' && all_name_chars(s);
}

/* The lease file's path goes into dnsmasq's config (dhcp-leasefile=), where
 * '#', '"', '\', ',' and spaces mean something. */
bool name_path(const char *s)
{
	for (; *s; s++)
		if (!name_char(*s) && *s != '/' && *s != '+' && *s != '@')
			return false;
	return true;
}

bool name_dotdot(const char *s)
{
	for (const char *p = s; (p = strstr(p, "..")); p += 2)
		if ((p == s || p[-1] == '/') && (p[2] == '/' || !p[2]))
			return true;
	return false;
}
