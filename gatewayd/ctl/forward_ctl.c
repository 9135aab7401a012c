/* gatewayctl forward add|del and qemu-args --forward (see forward_ctl.h).
 *
 * The words are gatewayctl's, the rules the config's: a forward added
 * here is refused for whatever a `forward` section of its network would
 * be refused for (conf/forward.c), and for overlapping any forward in
 * force, of the file or added here. The work (stored in state_dir,
 * applied as map elements) is gatewayd/core/forwards_rt.c's. Who may:
 * authz_manages() for the network. */
#include "gatewayd/ctl/forward_ctl.h"
#include "gatewayd/ctl/authz.h"
#include "gatewayd/ctl/commands.h"
#include "gatewayd/ctl/proto.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/core/forwards_rt.h"
#include "lib/names.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

/* What an owner (not root) may forward: listen ports from 1024 up (the
 * ones below are the host's own services: a forward on every address of
 * tcp/22 would hand the host's SSH to a guest), and at most
 * OWNER_FORWARDS_MAX run-time forwards per network (each costs a map
 * element set and a line of state_dir/forwards read at every plan). */
#define OWNER_PORT_MIN	   1024
#define OWNER_FORWARDS_MAX 32

#define USAGE                                                                                      \
	"usage: gatewayctl forward add NET NAME [--proto tcp|udp] --port PORT[-PORT] --to "        \
	"VM[:PORT] [--listen ADDRESS]\n"                                                           \
	"       gatewayctl forward del NET NAME\n"

/* A line for gatewayctl's stderr. */
__attribute__((format(printf, 2, 3))) static void note(FILE *f, const char *fmt, ...)
{
	va_list ap;

	fputs(CTL_STDERR, f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

/* "VM[:PORT]" with VM a static host's name (the file's or a run-time
 * one) becomes "ADDRESS[:PORT]"; an address is kept as it is. 0, or
 * -ENOENT with the reason in err. */
static int to_resolve(const struct gw_network *n, const char *to, char *out, size_t len, char *err,
		      size_t errlen)
{
	const char *colon = strchr(to, ':');
	size_t hl = colon ? (size_t)(colon - to) : strlen(to);
	char host[80], a[INET6_ADDRSTRLEN];
	struct in_addr a4;

	if (to[0] == '[' || hl >= sizeof(host)) {
		snprintf(out, len, "%s", to); /* the config's parser says what is wrong */
		return 0;
	}
	memcpy(host, to, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, &a4) == 1) {
		snprintf(out, len, "%s", to);
		return 0;
	}
	for (size_t k = 0; k < n->hosts.n; k++) {
		const struct gw_host *h = &n->hosts.v[k];

		if (strcasecmp(h->name, host))
			continue;
		if (h->has_ipv4)
			snprintf(out, len, "%s%s", inet_ntop(AF_INET, &h->ipv4, a, sizeof(a)),
				 colon ? colon : "");
		else if (h->has_ipv6)
			snprintf(out, len, "[%s]%s", inet_ntop(AF_INET6, &h->ipv6, a, sizeof(a)),
				 colon ? colon : "");
		else
			break;
		return 0;
	}
	snprintf(err, errlen,
		 "network \"%s\" has no static host \"%s\" with an address: give the guest's "
		 "address (--to ADDRESS:PORT) or make it one (gatewayctl qemu-args %s --name %s "
		 "--static)",
		 n->name, host, n->name, host);
	return -ENOENT;
}

/* A socket of the host (gatewayd's network namespace) that a packet to
 * f's listen address and one of its ports reaches today: bound to f's
 * proto and port, on every address or f's (every one of them when f
 * listens on every address), not on loopback (the forwards' DNAT leaves
 * 127.0.0.0/8 alone); TCP listening, UDP unconnected. Its port, or 0.
 * /proc/net's text: one read per forward add, no lookup of the holder. */
static uint16_t host_listener(const struct gw_forward *f)
{
	static const char *const files[2][2] = { { "/proc/net/tcp", "/proc/net/tcp6" },
						 { "/proc/net/udp", "/proc/net/udp6" } };
	bool tcp = f->proto == IPPROTO_TCP;
	char line[512];

	for (int v6 = 0; v6 < 2; v6++) {
		FILE *pf = fopen(files[!tcp][v6], "re");

		while (pf && fgets(line, sizeof(line), pf)) {
			char la[40], ra[40];
			unsigned port, st, w[4] = { 0 };
			bool any, loop, same = false;

			if (sscanf(line, " %*u: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%*x %x", la, &port,
				   ra, &st) != 4 ||
			    port < f->port_min || port > f->port_max ||
			    (tcp ? st != 0x0a : strspn(ra, "0") != strlen(ra)))
				continue;
			if (!v6) {
				sscanf(la, "%8x", &w[0]);
				any = !w[0];
				loop = ((const uint8_t *)&w[0])[0] == 127;
				same = f->family == AF_INET && w[0] == f->listen.a4.s_addr;
			} else {
				struct in6_addr a;

				sscanf(la, "%8x%8x%8x%8x", &w[0], &w[1], &w[2], &w[3]);
				memcpy(&a, w, sizeof(a));
				any = IN6_IS_ADDR_UNSPECIFIED(&a);
				loop = IN6_IS_ADDR_LOOPBACK(&a) ||
				       (IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127);
				same = f->family == AF_INET6
					       ? !memcmp(&a, &f->listen.a6, 16)
					       : IN6_IS_ADDR_V4MAPPED(&a) &&
							 !memcmp(&a.s6_addr[12], &f->listen.a4, 4);
			}
			if (!loop && (any || f->listen_any || same)) {
				fclose(pf);
				return (uint16_t)port;
			}
		}
		if (pf)
			fclose(pf);
	}
	return 0;
}

/* listen_addresses (conf/listen.h): nobody's run-time forward listens on
 * another network's address; an owner's listens on its own network's --
 * the first of them when the request names none -- or, where its network
 * has none, on every address only while no other network has any. CTL_OK
 * (req->listen perhaps filled in), or the exit code with the answer in
 * err. */
static int listen_check(struct gw_ctx *ctx, size_t ni, struct forward_rt *req,
			const struct ctl_peer *peer, char *err, size_t errlen)
{
	const struct gw_network *n = &ctx->conf->networks[ni], *h = NULL;
	bool root = ctl_peer_root(peer);
	struct in6_addr a;
	char mine[GW_LISTEN_ADDRS_MAX * (INET6_ADDRSTRLEN + 2)];
	int family = 0;

	conf_listen_text(n, mine, sizeof(mine));
	if (!req->listen[0]) {
		if (!root && n->laddrs.n) {
			inet_ntop(n->laddrs.v[0].family, &n->laddrs.v[0].a, req->listen,
				  sizeof(req->listen));
			return CTL_OK;
		}
		if (!conf_listen_others(ctx->conf, n))
			return CTL_OK;
		snprintf(err, errlen,
			 "%severy address of the host includes addresses dedicated to other "
			 "networks; give --listen ADDRESS%s",
			 root ? "" : "permission denied: ",
			 root ? "" : " (root may give the network listen_addresses of its own)");
		return root ? CTL_FAIL : CTL_DENIED;
	}
	if (inet_pton(AF_INET, req->listen, &a) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, req->listen, &a) == 1)
		family = AF_INET6;
	if (family)
		h = conf_listen_holder(ctx->conf, family, &a);
	if (h && h != n) {
		if (root || authz_sees(ctx, peer, h)) {
			snprintf(err, errlen,
				 "network \"%s\": listen %s is network \"%s\"'s (its "
				 "listen_addresses)",
				 n->name, req->listen, h->name);
			return CTL_FAIL;
		}
		snprintf(err, errlen, "permission denied: listen %s is another network's address",
			 req->listen);
		return CTL_DENIED;
	}
	if (!root && n->laddrs.n && h != n) {
		snprintf(err, errlen,
			 "permission denied: the owners of network \"%s\" listen on its "
			 "listen_addresses: %s",
			 n->name, mine);
		return CTL_DENIED;
	}
	return CTL_OK;
}

/* The checks that hold for owners and not for root, and a conflict
 * answered without another customer's names: that the port is taken (or
 * the address is a guest network's) is all they learn. CTL_OK, or the
 * exit code with the answer in err. */
static int owner_check(struct gw_ctx *ctx, size_t ni, const struct forward_rt *req,
		       const struct ctl_peer *peer, char *err, size_t errlen)
{
	const struct gw_network *n = &ctx->conf->networks[ni], *with;
	struct gw_forward f;
	char why[600], pt[16];
	size_t kept = 0;
	uint16_t held;

	if (ctl_peer_root(peer))
		return CTL_OK;
	if (conf_forward_make(n, req->name, req->proto, req->port, req->to,
			      req->listen[0] ? req->listen : NULL, &f, err, errlen) < 0)
		return CTL_FAIL;
	if (f.port_min == f.port_max)
		snprintf(pt, sizeof(pt), "%u", f.port_min);
	else
		snprintf(pt, sizeof(pt), "%u-%u", f.port_min, f.port_max);
	if (f.port_min < OWNER_PORT_MIN) {
		snprintf(err, errlen,
			 "permission denied: port %s: ports below %d are the host's own "
			 "services; only root may forward them",
			 pt, OWNER_PORT_MIN);
		return CTL_DENIED;
	}
	if ((held = host_listener(&f))) {
		snprintf(err, errlen,
			 "permission denied: %s port %u: a service of the host listens there; "
			 "only root may forward it",
			 f.proto == IPPROTO_TCP ? "tcp" : "udp", held);
		return CTL_DENIED;
	}
	for (size_t k = 0; k < n->fwd.n; k++)
		kept += n->fwd.v[k].runtime;
	if (kept >= OWNER_FORWARDS_MAX) {
		snprintf(err, errlen,
			 "network \"%s\" has %zu run-time forwards, as many as an owner may add "
			 "(%d); `gatewayctl forward del %s NAME` one first",
			 n->name, kept, OWNER_FORWARDS_MAX, n->name);
		return CTL_FAIL;
	}
	if (!conf_forward_conflict_with(ctx->conf, n, &f, why, sizeof(why), &with))
		return CTL_OK;
	if (!with || authz_sees(ctx, peer, with)) {
		snprintf(err, errlen, "%s", why);
		return CTL_FAIL;
	}
	if (conf_forward_listen_net(ctx->conf, &f, true) == with)
		snprintf(err, errlen,
			 "network \"%s\": forward \"%s\": listen \"%s\" is inside the subnet of "
			 "another network: a guest's or a gateway's address, not the host's",
			 n->name, f.name, req->listen);
	else
		snprintf(err, errlen,
			 "network \"%s\": forward \"%s\": %s port%s %s on %s is taken by a "
			 "forward of another network",
			 n->name, f.name, f.proto == IPPROTO_TCP ? "tcp" : "udp",
			 f.port_min == f.port_max ? "" : "s", pt,
			 req->listen[0] ? req->listen : "every address");
	return CTL_FAIL;
}

static int add_cmd(struct gw_ctx *ctx, long i, int argc, char **argv, const struct ctl_peer *peer,
		   FILE *f)
{
	const struct gw_network *n = &ctx->conf->networks[i];
	const char *proto = "tcp", *port = NULL, *to = NULL, *listen = NULL;
	struct forward_rt req = { 0 };
	char err[1024];
	int code;

	for (int k = 4; k < argc; k++) {
		const char **v = !strcmp(argv[k], "--proto")	? &proto
				 : !strcmp(argv[k], "--port")	? &port
				 : !strcmp(argv[k], "--to")	? &to
				 : !strcmp(argv[k], "--listen") ? &listen
								: NULL;

		if (!v || k + 1 >= argc) {
			fprintf(f, "forward add: unexpected \"%s\"\n" USAGE, argv[k]);
			return CTL_USAGE;
		}
		*v = argv[++k];
	}
	if (!port || !to) {
		fprintf(f, "forward add: %s\n" USAGE,
			!port ? "which port? (--port)" : "to where? (--to)");
		return CTL_USAGE;
	}
	if (strlen(argv[3]) >= sizeof(req.name) || strlen(proto) >= sizeof(req.proto) ||
	    strlen(port) >= sizeof(req.port) || (listen && strlen(listen) >= sizeof(req.listen))) {
		fprintf(f, "forward add: a value too long\n" USAGE);
		return CTL_USAGE;
	}
	snprintf(req.name, sizeof(req.name), "%s", argv[3]);
	snprintf(req.proto, sizeof(req.proto), "%s", proto);
	snprintf(req.port, sizeof(req.port), "%s", port);
	snprintf(req.listen, sizeof(req.listen), "%s", listen ? listen : "");
	if (to_resolve(n, to, req.to, sizeof(req.to), err, sizeof(err)) < 0) {
		fprintf(f, "forward add: %s\n", err);
		return CTL_FAIL;
	}
	authz_owner_entry(peer, n, req.by, sizeof(req.by));
	if ((code = listen_check(ctx, (size_t)i, &req, peer, err, sizeof(err))) != CTL_OK ||
	    (code = owner_check(ctx, (size_t)i, &req, peer, err, sizeof(err))) != CTL_OK ||
	    forwards_rt_add(ctx, (size_t)i, &req, peer->uid, err, sizeof(err)) < 0) {
		fprintf(f, "forward add: %s\n", err);
		return code != CTL_OK ? code : CTL_FAIL;
	}
	fprintf(f, "added forward \"%s\" to network \"%s\": %s port %s on %s to %s\n", req.name,
		argv[2], req.proto, req.port, req.listen[0] ? req.listen : "every address", req.to);
	return CTL_OK;
}

int forward_ctl_cmd(struct gw_ctx *ctx, int argc, char **argv, const struct ctl_peer *peer, FILE *f)
{
	char err[1024];
	long i;
	int code;

	if (argc < 4 || (strcmp(argv[1], "add") && strcmp(argv[1], "del")) ||
	    (!strcmp(argv[1], "del") && argc != 4)) {
		fprintf(f, USAGE);
		return CTL_USAGE;
	}
	/* a foreign network answers as a missing one (commands.h) */
	if ((code = cmd_pick_managed(ctx, peer, argv[2], "change its forwards", &i, f)) != CTL_OK)
		return code;
	if (!strcmp(argv[1], "add"))
		return add_cmd(ctx, i, argc, argv, peer, f);
	if (forwards_rt_del(ctx, (size_t)i, argv[3], peer->uid, err, sizeof(err)) < 0) {
		fprintf(f, "forward del: %s\n", err);
		return CTL_FAIL;
	}
	fprintf(f, "removed forward \"%s\" from network \"%s\"\n", argv[3], argv[2]);
	return CTL_OK;
}

int forward_ctl_for_vm(struct gw_ctx *ctx, size_t ni, const char *vm, const char *spec,
		       const struct ctl_peer *peer, FILE *f)
{
	const struct gw_network *n = &ctx->conf->networks[ni];
	struct forward_rt req = { 0 };
	const char *proto = "tcp", *colon;
	char err[1024], guest[16], to[GW_HOSTNAME_MAX + 24];
	size_t pl;
	int code;

	if (!strncmp(spec, "tcp:", 4) || !strncmp(spec, "udp:", 4)) {
		proto = spec[0] == 'u' ? "udp" : "tcp";
		spec += 4;
	}
	if (!(colon = strchr(spec, ':')) || (pl = (size_t)(colon - spec)) >= sizeof(req.port) ||
	    strlen(colon + 1) >= sizeof(guest) || !colon[1]) {
		note(f, "qemu-args --forward \"%s\": not [tcp:|udp:]HOSTPORT:GUESTPORT (2222:22)",
		     spec);
		return CTL_USAGE;
	}
	memcpy(req.port, spec, pl);
	snprintf(guest, sizeof(guest), "%s", colon + 1);
	snprintf(req.proto, sizeof(req.proto), "%s", proto);
	if ((size_t)snprintf(req.name, sizeof(req.name), "%s-%s%.*s", vm,
			     proto[0] == 'u' ? "udp" : "", (int)strcspn(req.port, "-"),
			     req.port) >= sizeof(req.name) ||
	    !name_netname(req.name)) {
		note(f, "qemu-args --forward: VM name \"%s\" too long for a forward's name (%d)",
		     vm, NAME_NET_MAX);
		return CTL_USAGE;
	}
	for (size_t k = 0; k < n->fwd.n; k++) {
		const struct gw_forward *o = &n->fwd.v[k];
		char ot[INET6_ADDRSTRLEN + 16];

		if (!o->runtime || strcmp(o->name, req.name))
			continue;
		/* the VM started again with the same options: nothing to do */
		conf_forward_to_text(o, ot, sizeof(ot));
		if (strcmp(o->proto == IPPROTO_TCP ? "tcp" : "udp", proto) ||
		    strcmp(strrchr(ot, ':') + 1, guest)) {
			note(f,
			     "qemu-args --forward: forward \"%s\" goes to %s (%s) already; "
			     "`gatewayctl forward del %s %s` first",
			     req.name, ot, o->proto == IPPROTO_TCP ? "tcp" : "udp", n->name,
			     req.name);
			return CTL_FAIL;
		}
		note(f,
		     "forward \"%s\" is in place already (gatewayctl forward del %s %s "
		     "removes it)",
		     req.name, n->name, req.name);
		return CTL_OK;
	}
	if ((size_t)snprintf(to, sizeof(to), "%s:%s", vm, guest) >= sizeof(to)) {
		note(f, "qemu-args --forward: VM name \"%s\" too long", vm);
		return CTL_USAGE;
	}
	if (to_resolve(n, to, req.to, sizeof(req.to), err, sizeof(err)) < 0) {
		note(f, "qemu-args --forward: %s", err);
		return CTL_FAIL;
	}
	authz_owner_entry(peer, n, req.by, sizeof(req.by));
	if ((code = listen_check(ctx, ni, &req, peer, err, sizeof(err))) != CTL_OK ||
	    (code = owner_check(ctx, ni, &req, peer, err, sizeof(err))) != CTL_OK ||
	    forwards_rt_add(ctx, ni, &req, peer->uid, err, sizeof(err)) < 0) {
		note(f, "qemu-args --forward: %s", err);
		return code != CTL_OK ? code : CTL_FAIL;
	}
	note(f, "forward \"%s\": %s port %s of the host to %s", req.name, req.proto, req.port,
	     req.to);
	return CTL_OK;
}
