/* Port conflicts: a test bind per socket dnsmasq will open, and on
 * EADDRINUSE a walk of /proc to find who holds the port. */
#include "gatewayd/host/portcheck.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

size_t portcheck_parse(const char *text, uint16_t port, int tcp, unsigned long *inodes, size_t max)
{
	const char *line = strchr(text, '\n'); /* skip the header */
	size_t n = 0;

	while (line && *++line && n < max) {
		char local[64];
		unsigned st;
		unsigned long inode;
		const char *colon;

		/* sl local_address rem_address st tx:rx tr:tm retrnsmt uid timeout inode */
		if (sscanf(line, "%*s %63s %*s %x %*s %*s %*s %*s %*s %lu", local, &st, &inode) ==
			    3 &&
		    (colon = strrchr(local, ':')) && strtoul(colon + 1, NULL, 16) == port &&
		    (!tcp || st == 0x0a /* LISTEN */) && inode)
			inodes[n++] = inode;
		line = strchr(line, '\n');
	}
	return n;
}

/* "NAME (pid N)" of the first process with an fd on one of the inodes. */
static int find_holder(const unsigned long *inodes, size_t n, char *buf, size_t len)
{
	DIR *proc = opendir("/proc");
	struct dirent *p;
	int found = 0;

	if (!proc)
		return 0;
	while (!found && (p = readdir(proc))) {
		char path[600], link[64], want[64], comm[64] = "?";
		DIR *fds;
		struct dirent *fd;

		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		if (!(fds = opendir(path)))
			continue;
		while (!found && (fd = readdir(fds))) {
			ssize_t l;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s", p->d_name, fd->d_name);
			l = readlink(path, link, sizeof(link) - 1);
			if (l <= 0)
				continue;
			link[l] = '\0';
			for (size_t i = 0; i < n && !found; i++) {
				snprintf(want, sizeof(want), "socket:[%lu]", inodes[i]);
				found = !strcmp(link, want);
			}
		}
		closedir(fds);
		if (found) {
			FILE *f;

			snprintf(path, sizeof(path), "/proc/%s/comm", p->d_name);
			if ((f = fopen(path, "re"))) {
				if (fgets(comm, sizeof(comm), f))
					comm[strcspn(comm, "\n")] = '\0';
				fclose(f);
			}
			snprintf(buf, len, "%.63s (pid %.16s)", comm, p->d_name);
		}
	}
	closedir(proc);
	return found;
}

static void holder(uint16_t port, int tcp, char *buf, size_t len)
{
	static const char *const files[2][2] = { { "/proc/net/udp", "/proc/net/udp6" },
						 { "/proc/net/tcp", "/proc/net/tcp6" } };
	unsigned long inodes[64];
	size_t n = 0;

	snprintf(buf, len, "another process");
	for (int v6 = 0; v6 < 2; v6++) {
		char text[65536];
		int fd = open(files[tcp][v6], O_RDONLY | O_CLOEXEC);
		ssize_t r;

		if (fd < 0)
			continue;
		r = read(fd, text, sizeof(text) - 1);
		close(fd);
		if (r <= 0)
			continue;
		text[r] = '\0';
		n += portcheck_parse(text, port, tcp, inodes + n, 64 - n);
	}
	find_holder(inodes, n, buf, len);
}

static int try_bind(int family, int type, const void *addr, uint16_t port, const char *dev)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	int fd = socket(family, type | SOCK_CLOEXEC, 0), one = 1, r = 0;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, addr, 4);
		sl = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, addr, 16);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		sl = sizeof(*s);
	}
	if (dev)
		setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0)
		r = -errno;
	close(fd);
	return r;
}

int portcheck_bridge(const char *bridge, struct in_addr addr4, const struct in6_addr *addr6,
		     char *msg, size_t len)
{
	static const struct in_addr any4 = { 0 };
	const struct {
		int family, type;
		const void *addr;
		uint16_t port;
		const char *dev;
	} binds[] = {
		{ AF_INET, SOCK_DGRAM, &any4, 67, bridge }, /* DHCP, as dnsmasq binds it */
		{ AF_INET, SOCK_DGRAM, &addr4, 53, NULL },
		{ AF_INET, SOCK_STREAM, &addr4, 53, NULL },
		{ AF_INET6, SOCK_DGRAM, addr6, 53, NULL },
		{ AF_INET6, SOCK_STREAM, addr6, 53, NULL },
	};

	for (size_t i = 0; i < sizeof(binds) / sizeof(binds[0]); i++) {
		char who[128], a[INET6_ADDRSTRLEN];
		int tcp = binds[i].type == SOCK_STREAM;

		if (!binds[i].addr)
			continue;
		if (try_bind(binds[i].family, binds[i].type, binds[i].addr, binds[i].port,
			     binds[i].dev) != -EADDRINUSE)
			continue;
		holder(binds[i].port, tcp, who, sizeof(who));
		inet_ntop(binds[i].family, binds[i].addr, a, sizeof(a));
		snprintf(msg, len,
			 "%s port %u on %s is already held by %s, so dnsmasq could not serve %s. "
			 "Stop it, or make it listen only on its own interfaces and addresses "
			 "(a system dnsmasq: bind-interfaces or bind-dynamic with interface=)",
			 tcp ? "TCP" : "UDP", binds[i].port, a, who, bridge);
		return -EADDRINUSE;
	}
	return 0;
}
