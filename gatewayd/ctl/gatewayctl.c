/* gatewayctl: talk to a running gatewayd over its control socket.
 *
 *   gatewayctl [-s SOCKET] status [--json] [NET]
 *   gatewayctl [-s SOCKET] leases [--json] [NET]
 *   gatewayctl [-s SOCKET] forwards [--json] [NET]
 *   gatewayctl [-s SOCKET] doctor [--json] [NET]
 *   gatewayctl [-s SOCKET] metrics
 *   gatewayctl [-s SOCKET] reload
 *   gatewayctl [-s SOCKET] taps [--json]
 *   gatewayctl [-s SOCKET] tap add NET --user USER [--group GROUP] [--name TAP]
 *   gatewayctl [-s SOCKET] tap del TAP
 *   gatewayctl [-s SOCKET] attach IFNAME [NET]     (QEMU's scripts/qemu-ifup)
 *   gatewayctl [-s SOCKET] detach IFNAME           (scripts/qemu-ifdown)
 *   gatewayctl [-s SOCKET] qemu-args NET [--name VM] [--helper|--script|--tap TAP] [--static]
 *   gatewayctl [-s SOCKET] static del NET VM
 *   gatewayctl [-s SOCKET] qemu-args NET --name VM [--static] --forward 2222:22
 *   gatewayctl [-s SOCKET] forward add NET NAME [--proto tcp|udp] --port P --to VM[:P]
 *                                  [--listen ADDRESS]
 *   gatewayctl [-s SOCKET] forward del NET NAME
 *   gatewayctl [-s SOCKET] help
 *
 * The daemon does the work and formats the answer; this prints it and
 * exits with the daemon's code (0 ok, 1 failed check, 2 usage, 3 invalid
 * config on reload, 4 permission denied, 5 no such network; 6 cannot
 * reach gatewayd; 7 gatewayd has no free connection for this user; 8 the
 * reload's config is valid but applying it failed -- out of memory, a
 * ruleset the kernel refused...; after 3 or 8 nothing changed).
 * Never killed by SIGPIPE: a daemon that hung up says why in its answer,
 * or gatewayctl says it could not get one. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "gatewayd/ctl/proto.h"

/* How long gatewayctl waits for gatewayd: for room in its listen backlog
 * (connect) and for each piece of the answer. gatewayd drops a client
 * after 3 s, so only a frozen or stuck gatewayd makes it wait this long
 * -- and qemu-ifup (attach) must not hang with it. doctor and reload do
 * their work before they answer. $GATEWAYCTL_TIMEOUT (seconds) sets it. */
#define WAIT_S	    30
#define WAIT_LONG_S 300

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gatewayctl [-s SOCKET] COMMAND [--json] [NETWORK]\n"
		"commands:\n"
		"  status [NET]   networks: bridge, addresses, guests, dnsmasq, guards, counters\n"
		"  leases [NET]   DHCP leases: MAC, IP, hostname, expiry\n"
		"  forwards [NET] port forwards with packet and byte counters\n"
		"  doctor [NET]   check the path a guest's packet takes; say what to fix\n"
		"  metrics        Prometheus text exposition\n"
		"  reload         re-read the config (root); prints the outcome\n"
		"  taps           the user taps gatewayd keeps\n"
		"  tap add NET --user USER [--group GROUP] [--name TAP]\n"
		"                 a persistent tap USER may open, on NET's bridge (root;\n"
		"                 NET's owners for themselves)\n"
		"  tap del TAP    delete a tap made by tap add (root, the owner who added it)\n"
		"  attach IFNAME [NET]  plug a guest's tap into NET's bridge (root)\n"
		"  detach IFNAME  take it off again (root)\n"
		"  qemu-args NET [--name VM] [--helper | --script | --tap TAP] [--static]\n"
		"                 QEMU options for a guest on NET (MAC from the VM name);\n"
		"                 --static (root, NET's owners): a static lease for it, address\n"
		"                 on stderr\n"
		"  static del NET VM  remove a static lease added by qemu-args --static (root,\n"
		"                 NET's owners)\n"
		"                 qemu-args ... --name VM --forward [udp:]2222:22: and a port\n"
		"                 forward of the host's 2222 to VM's 22 (SLIRP's hostfwd)\n"
		"  forward add NET NAME [--proto tcp|udp] --port P[-Q] --to VM[:P] [--listen A]\n"
		"                 a port forward at run time, kept across restarts (VM: a\n"
		"                 static host's name or an address; root, NET's owners)\n"
		"  forward del NET NAME  remove it (root, NET's owners)\n"
		"  help           the commands (anyone)\n"
		"who: root everything; a network's owners (config: owner) see and change it;\n"
		"     readers_group (gatewayd) sees all, changes nothing; others nothing\n"
		"socket: -s, or $GATEWAYD_SOCKET, or " CTL_DEFAULT_SOCKET "\n"
		"exit: 0 ok, 1 a check failed, 2 usage, 3 reload: invalid config, 4 permission\n"
		"      denied, 5 no such network, 6 gatewayd unreachable, 7 busy, 8 reload:\n"
		"      applying failed (after 3 or 8 nothing changed)\n");
}

/* Print the whole lines of buf[0..len) (all of it when last, or when
 * the buffer is full); returns how much is left, moved to the start. */
static size_t answer_lines(char *buf, size_t len, int *code, bool last)
{
	size_t off = 0;

	while (off < len) {
		char *nl = memchr(buf + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - buf) + 1 : len;
		FILE *out = *code == 0 || *code == 1 ? stdout : stderr;

		if (!nl && !last && (off > 0 || len < 65535))
			break; /* the rest of the line is still to come */
		if (*code < 0)
			*code = atoi(buf + off);
		else if (buf[off] == CTL_STDERR[0])
			fwrite(buf + off + 1, 1, end - off - 1, stderr);
		else
			fwrite(buf + off, 1, end - off, out);
		off = end;
	}
	memmove(buf, buf + off, len - off);
	return len - off;
}

int main(int argc, char **argv)
{
	const char *path = getenv("GATEWAYD_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char req[512] = "", buf[65536];
	size_t len = 0;
	int fd, code = -1, i = 1, send_err = 0, read_err = 0, wait_s = WAIT_S;
	const char *tenv = getenv("GATEWAYCTL_TIMEOUT");
	struct timeval tv = { 0 };
	ssize_t n;

	/* belt and braces beside MSG_NOSIGNAL: never exit 141 without a word */
	signal(SIGPIPE, SIG_IGN);

	if (!path)
		path = CTL_DEFAULT_SOCKET;
	if (argc > 2 && !strcmp(argv[1], "-s")) {
		path = argv[2];
		i = 3;
	}
	if (i >= argc || !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
		usage(i >= argc ? stderr : stdout);
		return i >= argc ? 2 : 0;
	}
	for (; i < argc; i++) {
		if (len + strlen(argv[i]) + 2 >= sizeof(req)) {
			fprintf(stderr, "gatewayctl: request too long\n");
			return 2;
		}
		len += (size_t)snprintf(req + len, sizeof(req) - len, "%s%s", len ? " " : "",
					argv[i]);
	}
	req[len++] = '\n';
	/* forward add|del: a reload of the config in force, as long */
	if (!strncmp(req, "doctor", 6) || !strncmp(req, "reload", 6) ||
	    !strncmp(req, "forward ", 8))
		wait_s = WAIT_LONG_S;
	if (tenv && atoi(tenv) > 0)
		wait_s = atoi(tenv);
	tv.tv_sec = wait_s;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "gatewayctl: socket path too long\n");
		return 2;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* SO_SNDTIMEO bounds connect() too: a UNIX socket waits there for
	 * room in a backlog that a frozen gatewayd never drains */
	if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)) {
		close(fd);
		fd = -1;
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno == EAGAIN)
			fprintf(stderr,
				"gatewayctl: no answer from gatewayd at %s within %d s: its "
				"connections are not taken (is it frozen?)\n",
				path, wait_s);
		else
			fprintf(stderr, "gatewayctl: cannot reach gatewayd at %s: %s%s\n", path,
				strerror(errno),
				errno == EACCES ? " (root or group gatewayd only)" : "");
		return CTL_UNREACHABLE;
	}
	/* A daemon that refused the connection may have answered and hung
	 * up before the request went out: the answer is read all the same. */
	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len)
		send_err = errno ? errno : EIO;
	/* First line: the exit code; then the answer, line by line: a line
	 * marked CTL_STDERR goes to stderr. */
	len = 0;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += (size_t)n;
		len = answer_lines(buf, len, &code, false);
	}
	if (n < 0)
		read_err = errno;
	answer_lines(buf, len, &code, true);
	close(fd);
	if (code < 0) {
		if (read_err == EAGAIN || send_err == EAGAIN)
			fprintf(stderr,
				"gatewayctl: no answer from gatewayd at %s within %d s (is it "
				"frozen?)\n",
				path, wait_s);
		else if (send_err)
			fprintf(stderr, "gatewayctl: sending to gatewayd at %s: %s\n", path,
				strerror(send_err));
		else
			fprintf(stderr,
				"gatewayctl: gatewayd at %s closed the connection without an "
				"answer%s%s\n",
				path, read_err ? ": " : "", read_err ? strerror(read_err) : "");
		return CTL_UNREACHABLE;
	}
	return code;
}
