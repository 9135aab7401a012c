/* Port forwards: `forward NAME { proto = tcp; port = 2222; to =
 * "10.213.0.10:22"; listen = "198.51.100.7" }` in a network section.
 *
 * Each becomes elements of nftables maps (nft/forward.c), so everything
 * the kernel would refuse or silently get wrong is refused here with the
 * line: overlapping listen ports (a map cannot hold two answers for one
 * key), a target outside the network (its forward filter would never let
 * the packets in), a range mapped to a range of another size. And listen
 * addresses that cannot be the host's own, unicast address: not
 * multicast or "any", not inside any network's subnet (a guest's
 * address, which BGP would announce as a /32; a gateway's, whose DNS a
 * forward of udp/53 would take), and no tcp/179 next to a bgp section
 * (BIRD's). */
#include "internal.h"
#include "addr.h"
#include "text.h"
#include "lib/names.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* No default in the schema: libconfuse parses a default value afresh for
 * every section, through a stream of its own (fmemopen(), a page each),
 * a fifth of the time 10,000 forwards took to read. A missing proto is
 * tcp (one_forward()). */
cfg_opt_t conf_forward_opts[] = {
	SVAL("proto", NULL), SVAL("port", NULL), SVAL("to", NULL), SVAL("listen", NULL), CFG_END(),
};

static int parse_addr(const char *s, int *family, void *a)
{
	if (inet_pton(AF_INET, s, a) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/* "A", "A:P", "A:P-Q", "[A6]", "[A6]:P", "[A6]:P-Q". Without a port the
 * listen ports are kept. */
static int parse_to(const char *s, struct gw_forward *f)
{
	char a[INET6_ADDRSTRLEN + 2];
	const char *port = NULL;
	size_t n;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || (n = (size_t)(close - s - 1)) >= sizeof(a))
			return -EINVAL;
		memcpy(a, s + 1, n);
		a[n] = '\0';
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return -EINVAL;
		if (parse_addr(a, &f->family, &f->to) < 0 || f->family != AF_INET6)
			return -EINVAL;
	} else {
		const char *colon = strchr(s, ':');

		n = colon ? (size_t)(colon - s) : strlen(s);
		if (n >= sizeof(a))
			return -EINVAL;
		memcpy(a, s, n);
		a[n] = '\0';
		port = colon ? colon + 1 : NULL;
		if (parse_addr(a, &f->family, &f->to) < 0 || f->family != AF_INET)
			return -EINVAL;
	}
	if (!port) {
		f->to_min = f->port_min;
		f->to_max = f->port_max;
		return 0;
	}
	return conf_parse_ports(port, &f->to_min, &f->to_max);
}

/* The target must be a guest of this network: its forward filter lets
 * in only what goes to its own subnets. */
static int check_target(struct conf_ctx *ctx, const struct sval *v, const char *pfx,
			const struct gw_network *net, const struct gw_forward *f)
{
	char subnet[INET6_ADDRSTRLEN + 4];

	if (f->family == AF_INET) {
		uint32_t a = ntohl(f->to.a4.s_addr), mask = addr_mask4(net->ipv4.plen);
		uint32_t netaddr = ntohl(net->ipv4.addr.s_addr) & mask;

		if (net->ipv4_auto)
			return conf_fail(ctx, v->line,
					 "%sforward \"%s\": a forward needs a fixed ipv4 subnet, "
					 "not ipv4 = auto",
					 pfx, f->name);
		/* formatted only for a message: 10,000 forwards check here */
		if ((a & mask) != netaddr || a == netaddr || a == (netaddr | ~mask) ||
		    f->to.a4.s_addr == net->ipv4.addr.s_addr)
			addr_format_net4(net->ipv4.addr, net->ipv4.plen, subnet, sizeof(subnet));
		if ((a & mask) != netaddr)
			return conf_fail(ctx, v->line, "%sforward \"%s\": to \"%s\" is outside %s",
					 pfx, f->name, v->s, subnet);
		if (a == netaddr || a == (netaddr | ~mask) ||
		    f->to.a4.s_addr == net->ipv4.addr.s_addr)
			return conf_fail(ctx, v->line,
					 "%sforward \"%s\": to \"%s\" is the gateway, network or "
					 "broadcast address of %s, not a guest",
					 pfx, f->name, v->s, subnet);
		return 0;
	}
	if (!net->has_ipv6)
		return conf_fail(ctx, v->line,
				 "%sforward \"%s\": to \"%s\" is IPv6 but the network has no ipv6",
				 pfx, f->name, v->s);
	if (net->ipv6_auto)
		return conf_fail(ctx, v->line,
				 "%sforward \"%s\": an IPv6 forward needs a fixed ipv6 subnet, not "
				 "ipv6 = auto",
				 pfx, f->name);
	{
		struct in6_addr n1 = addr_net6(&f->to.a6, net->ipv6.plen);
		struct in6_addr n2 = addr_net6(&net->ipv6.addr, net->ipv6.plen);

		if (memcmp(&n1, &n2, sizeof(n1)) || !memcmp(&f->to.a6, &net->ipv6.addr, 16) ||
		    !memcmp(&f->to.a6, &n2, 16))
			addr_format_net6(&net->ipv6.addr, net->ipv6.plen, subnet, sizeof(subnet));
		if (memcmp(&n1, &n2, sizeof(n1)))
			return conf_fail(ctx, v->line, "%sforward \"%s\": to \"%s\" is outside %s",
					 pfx, f->name, v->s, subnet);
		if (!memcmp(&f->to.a6, &net->ipv6.addr, 16) || !memcmp(&f->to.a6, &n2, 16))
			return conf_fail(ctx, v->line,
					 "%sforward \"%s\": to \"%s\" is the gateway or subnet "
					 "address of %s, not a guest",
					 pfx, f->name, v->s, subnet);
	}
	return 0;
}

/* An address a packet from outside can be sent to and that names one
 * host: not "any" (no listen means every address), loopback, multicast,
 * broadcast or class E, nor IPv6 link-local (which link's?) or
 * v4-mapped. */
static const char *listen_nonunicast(const struct gw_forward *f)
{
	if (f->family == AF_INET) {
		uint32_t a = ntohl(f->listen.a4.s_addr);

		if (!a)
			return "the unspecified address (leave listen out for every address of "
			       "the host)";
		if ((a >> 24) == 127)
			return "a loopback address (a DNAT from loopback cannot leave the host)";
		if ((a >> 28) == 14)
			return "a multicast address";
		if ((a >> 28) == 15)
			return a == 0xffffffffu ? "the broadcast address" : "a reserved address";
		return NULL;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(&f->listen.a6))
		return "the unspecified address (leave listen out for every address of the host)";
	if (IN6_IS_ADDR_LOOPBACK(&f->listen.a6))
		return "a loopback address (a DNAT from loopback cannot leave the host)";
	if (IN6_IS_ADDR_MULTICAST(&f->listen.a6))
		return "a multicast address";
	if (IN6_IS_ADDR_LINKLOCAL(&f->listen.a6))
		return "a link-local address";
	if (IN6_IS_ADDR_V4MAPPED(&f->listen.a6))
		return "an IPv4-mapped address (write the IPv4 address)";
	return NULL;
}

/* Ports the gateway address itself serves to guests (dnsmasq): a forward
 * on every address of the host would take them over. */
static bool gateway_service(const struct gw_forward *f)
{
	static const struct {
		uint8_t proto;
		uint16_t port;
	} svc[] = {
		{ IPPROTO_UDP, 53 }, { IPPROTO_TCP, 53 }, { IPPROTO_UDP, 67 }, { IPPROTO_UDP, 547 }
	};

	for (size_t i = 0; i < sizeof(svc) / sizeof(svc[0]); i++)
		if (f->proto == svc[i].proto && f->port_min <= svc[i].port &&
		    svc[i].port <= f->port_max)
			return true;
	return false;
}

/* Where fsec opens, asked only when needed (it costs a scan of the whole
 * text the first time); 0 for a forward from gatewayctl (no fsec). */
static int fsec_line(struct conf_ctx *ctx, cfg_t *fsec)
{
	return fsec ? conf_sec_line(ctx, fsec) : 0;
}

/* One forward from its values, from a section of the file (fsec) or from
 * gatewayctl (fsec NULL, values without lines). */
int conf_fwd_vals(struct conf_ctx *ctx, cfg_t *fsec, const char *title, const struct sval *proto,
		  const struct sval *port, const struct sval *to, const struct sval *listen,
		  const char *pfx, const struct gw_network *net, struct gw_forward *f)
{
	char q[160];
	unsigned n_from, n_to;
	const char *why;
	int fam;

	if (!name_netname(title))
		return conf_fail(ctx, fsec_line(ctx, fsec),
				 "%sforward %s: name must be 1-%d letters, digits, '-' or '_'", pfx,
				 conf_text_quote(q, sizeof(q), title), NAME_NET_MAX);
	strcpy(f->name, title);
	f->line = port ? port->line : fsec_line(ctx, fsec);
	/* nothing enters an isolated network: a forward would be ignored */
	if (net->mode == GW_MODE_ISOLATED)
		return conf_fail(ctx, f->line,
				 "%sforward \"%s\": an isolated network takes no port forwards "
				 "(mode nat or routed)",
				 pfx, f->name);
	if (!proto || !strcmp(proto->s, "tcp"))
		f->proto = IPPROTO_TCP;
	else if (!strcmp(proto->s, "udp"))
		f->proto = IPPROTO_UDP;
	else
		return conf_fail(ctx, proto->line, "%sforward \"%s\": proto %s is not tcp or udp",
				 pfx, f->name, conf_text_quote(q, sizeof(q), proto->s));
	if (!port)
		return conf_fail(ctx, fsec_line(ctx, fsec),
				 "%sforward \"%s\": missing port = N or \"N-M\"", pfx, f->name);
	if (conf_parse_ports(port->s, &f->port_min, &f->port_max) < 0)
		return conf_fail(ctx, port->line,
				 "%sforward \"%s\": port %s is not a port (1-65535) or a range "
				 "\"N-M\"",
				 pfx, f->name, conf_text_quote(q, sizeof(q), port->s));
	if (!to)
		return conf_fail(ctx, fsec_line(ctx, fsec),
				 "%sforward \"%s\": missing to = \"ADDRESS:PORT\" (a guest)", pfx,
				 f->name);
	if (parse_to(to->s, f) < 0)
		return conf_fail(ctx, to->line,
				 "%sforward \"%s\": to %s is not \"ADDRESS:PORT\", "
				 "\"ADDRESS:N-M\" or \"[IPV6]:PORT\"",
				 pfx, f->name, conf_text_quote(q, sizeof(q), to->s));
	n_from = (unsigned)f->port_max - f->port_min + 1;
	n_to = (unsigned)f->to_max - f->to_min + 1;
	if (n_to != 1 && n_to != n_from)
		return conf_fail(ctx, to->line,
				 "%sforward \"%s\": %u listen port%s mapped to %u target ports "
				 "(a range maps to one port or to a range of the same size)",
				 pfx, f->name, n_from, n_from == 1 ? "" : "s", n_to);
	if (n_from > GW_FORWARD_RANGE_MAX)
		return conf_fail(ctx, port->line,
				 "%sforward \"%s\": a forward may have at most %d ports, not %u",
				 pfx, f->name, GW_FORWARD_RANGE_MAX, n_from);
	if (check_target(ctx, to, pfx, net, f) < 0)
		return -EINVAL;
	f->listen_any = !listen;
	if (listen) {
		f->listen_line = listen->line;
		if (parse_addr(listen->s, &fam, &f->listen) < 0)
			return conf_fail(ctx, listen->line,
					 "%sforward \"%s\": listen %s is not an address", pfx,
					 f->name, conf_text_quote(q, sizeof(q), listen->s));
		if (fam != f->family)
			return conf_fail(
				ctx, listen->line,
				"%sforward \"%s\": listen %s and to %s are not of the same "
				"address family",
				pfx, f->name, conf_text_quote(q, sizeof(q), listen->s), to->s);
		if ((why = listen_nonunicast(f)))
			return conf_fail(ctx, listen->line,
					 "%sforward \"%s\": listen %s is not a unicast address of "
					 "the host: %s",
					 pfx, f->name, conf_text_quote(q, sizeof(q), listen->s),
					 why);
	} else if (gateway_service(f)) {
		return conf_fail(ctx, port->line,
				 "%sforward \"%s\": %s port %s on every address would take over "
				 "the guests' DNS/DHCP on the gateway address: give listen = "
				 "\"ADDRESS\"",
				 pfx, f->name, f->proto == IPPROTO_TCP ? "tcp" : "udp", port->s);
	}
	return 0;
}

static int one_forward(struct conf_ctx *ctx, cfg_t *fsec, const char *pfx,
		       const struct gw_network *net, struct gw_forward *f)
{
	return conf_fwd_vals(ctx, fsec, cfg_title(fsec), sval_at(fsec, 0, "proto"),
			     sval_at(fsec, 1, "port"), sval_at(fsec, 2, "to"),
			     sval_at(fsec, 3, "listen"), pfx, net, f);
}

int conf_network_forwards(struct conf_ctx *ctx, cfg_t *sec, const char *pfx, struct gw_network *net)
{
	struct gw_forwards *fw = &net->fwd;
	cfg_opt_t *opt = cfg_getopt(sec, "forward"); /* once, not per forward */
	size_t n = cfg_opt_size(opt);
	int r;

	if (n && !(fw->v = calloc(n, sizeof(*fw->v))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if ((r = one_forward(ctx, cfg_opt_getnsec(opt, (unsigned)i), pfx, net, &fw->v[i])) <
		    0)
			return r;
		fw->n++;
	}
	return 0;
}

struct fwd_ref {
	const struct gw_network *net;
	const struct gw_forward *f;
};

static int ref_cmp(const void *a, const void *b)
{
	const struct gw_forward *x = ((const struct fwd_ref *)a)->f;
	const struct gw_forward *y = ((const struct fwd_ref *)b)->f;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->port_min != y->port_min)
		return x->port_min < y->port_min ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

bool conf_fwd_listen_overlap(const struct gw_forward *a, const struct gw_forward *b)
{
	if (a->listen_any || b->listen_any)
		return true;
	return !memcmp(&a->listen, &b->listen, a->family == AF_INET ? 4 : 16);
}

void conf_fwd_listen_text(const struct gw_forward *f, char *buf, size_t len)
{
	if (f->listen_any)
		snprintf(buf, len, "every address");
	else
		inet_ntop(f->family, &f->listen, buf, (socklen_t)len);
}

void conf_fwd_ports_text(char *buf, size_t len, uint16_t lo, uint16_t hi)
{
	if (lo == hi)
		snprintf(buf, len, "%u", lo);
	else
		snprintf(buf, len, "%u-%u", lo, hi);
}

const struct gw_network *conf_forward_listen_net(const struct gw_conf *c,
						 const struct gw_forward *f, bool with_auto)
{
	if (f->listen_any)
		return NULL;
	for (size_t i = 0; i < c->n_networks; i++) {
		const struct gw_network *n = &c->networks[i];

		if (f->family == AF_INET && (with_auto || !n->ipv4_auto)) {
			uint32_t mask = addr_mask4(n->ipv4.plen);

			if (n->ipv4.plen &&
			    ((ntohl(f->listen.a4.s_addr) ^ ntohl(n->ipv4.addr.s_addr)) & mask) == 0)
				return n;
		} else if (f->family == AF_INET6 && n->has_ipv6 && (with_auto || !n->ipv6_auto)) {
			struct in6_addr a = addr_net6(&f->listen.a6, n->ipv6.plen);
			struct in6_addr b = addr_net6(&n->ipv6.addr, n->ipv6.plen);

			if (n->ipv6.plen && !memcmp(&a, &b, sizeof(a)))
				return n;
		}
	}
	return NULL;
}

void conf_forward_listen_msg(char *buf, size_t len, const struct gw_network *net,
			     const struct gw_forward *f, const struct gw_network *in)
{
	char a[INET6_ADDRSTRLEN], sub[INET6_ADDRSTRLEN + 4];
	bool gw;

	inet_ntop(f->family, &f->listen, a, sizeof(a));
	if (f->family == AF_INET) {
		addr_format_net4(in->ipv4.addr, in->ipv4.plen, sub, sizeof(sub));
		gw = f->listen.a4.s_addr == in->ipv4.addr.s_addr;
	} else {
		addr_format_net6(&in->ipv6.addr, in->ipv6.plen, sub, sizeof(sub));
		gw = !memcmp(&f->listen.a6, &in->ipv6.addr, 16);
	}
	if (gw)
		snprintf(buf, len,
			 "network \"%s\": forward \"%s\": listen \"%s\" is the gateway address "
			 "of network \"%s\", where its guests' DNS and DHCP are served: a "
			 "forward may not listen on a gateway address",
			 net->name, f->name, a, in->name);
	else
		snprintf(buf, len,
			 "network \"%s\": forward \"%s\": listen \"%s\" is inside network "
			 "\"%s\"'s subnet %s: a guest's address, not the host's",
			 net->name, f->name, a, in->name, sub);
}

/* A listen address in a network's subnet is a guest's (or a gateway's:
 * the forward would take that network's DNS); a forward to it would be
 * announced over BGP as a /32 inside a routed subnet. Auto subnets are
 * known only at start (gatewayd/host/preflight.c asks again then). */
static int listen_check(struct conf_ctx *ctx, const struct gw_conf *c)
{
	char msg[400];

	for (size_t i = 0; i < c->n_networks; i++)
		for (size_t j = 0; j < c->networks[i].fwd.n; j++) {
			const struct gw_forward *f = &c->networks[i].fwd.v[j];
			const struct gw_network *in = conf_forward_listen_net(c, f, false);

			if (!in)
				continue;
			conf_forward_listen_msg(msg, sizeof(msg), &c->networks[i], f, in);
			return conf_fail(ctx, f->listen_line, "%s", msg);
		}
	return 0;
}

/* BIRD listens on tcp/179 on every address: a forward of that port would
 * hand the router's BGP session to a guest. */
int conf_forwards_bgp_check(struct conf_ctx *ctx, const struct gw_conf *c)
{
	if (!c->bgp.enabled)
		return 0;
	for (size_t i = 0; i < c->n_networks; i++)
		for (size_t j = 0; j < c->networks[i].fwd.n; j++) {
			const struct gw_forward *f = &c->networks[i].fwd.v[j];

			if (f->proto == IPPROTO_TCP && f->port_min <= 179 && 179 <= f->port_max)
				return conf_fail(
					ctx, f->line,
					"network \"%s\": forward \"%s\": tcp port 179 is "
					"BGP's, and the bgp section makes BIRD listen there: "
					"the router's session would reach a guest",
					c->networks[i].name, f->name);
		}
	return 0;
}

/* Same family, proto and listen address (specific ones only), then as
 * ref_cmp(). */
static int addr_cmp(const void *a, const void *b)
{
	const struct gw_forward *x = ((const struct fwd_ref *)a)->f;
	const struct gw_forward *y = ((const struct fwd_ref *)b)->f;
	int c;

	if (x->family != y->family || x->proto != y->proto)
		return ref_cmp(a, b);
	if ((c = memcmp(&x->listen, &y->listen, x->family == AF_INET ? 4 : 16)))
		return c;
	return ref_cmp(a, b);
}

bool conf_fwd_same_kind(const struct gw_forward *a, const struct gw_forward *b)
{
	return a->family == b->family && a->proto == b->proto;
}

/* The first forward of v (in its order) that overlaps an earlier one of
 * its kind, with that earlier one in *with; -1 for none. Sorted by first
 * port, a forward overlaps an earlier one when the earlier one that ends
 * furthest has not ended before it starts. any: v holds every forward,
 * and one on every address meets all earlier ones, one on an address
 * the earlier ones on every address; otherwise v holds forwards on an
 * address, sorted by it, and each meets the earlier ones of its address. */
static long first_overlap(const struct fwd_ref *v, size_t n, bool any, long *with)
{
	long far_all = -1, far_any = -1;

	for (size_t i = 0; i < n; i++) {
		const struct gw_forward *b = v[i].f;
		long cand;

		if (i && (!conf_fwd_same_kind(v[i - 1].f, b) ||
			  (!any && !conf_fwd_listen_overlap(v[i - 1].f, b))))
			far_all = far_any = -1;
		cand = !any || b->listen_any ? far_all : far_any;
		if (cand >= 0 && v[cand].f->port_max >= b->port_min) {
			*with = cand;
			return (long)i;
		}
		if (far_all < 0 || v[far_all].f->port_max < b->port_max)
			far_all = (long)i;
		if (b->listen_any && (far_any < 0 || v[far_any].f->port_max < b->port_max))
			far_any = (long)i;
	}
	return -1;
}

static int overlap_fail(struct conf_ctx *ctx, const struct fwd_ref *x, const struct fwd_ref *y)
{
	const struct fwd_ref *first = x->f->line <= y->f->line ? x : y;
	const struct fwd_ref *later = first == x ? y : x;
	char l[INET6_ADDRSTRLEN + 16], pt[16];

	conf_fwd_listen_text(later->f, l, sizeof(l));
	conf_fwd_ports_text(pt, sizeof(pt), later->f->port_min, later->f->port_max);
	return conf_fail(ctx, later->f->line,
			 "network \"%s\": forward \"%s\": %s port%s %s on %s overlaps "
			 "forward \"%s\" of network \"%s\" (line %d)",
			 later->net->name, later->f->name,
			 later->f->proto == IPPROTO_TCP ? "tcp" : "udp",
			 later->f->port_min == later->f->port_max ? "" : "s", pt, l, first->f->name,
			 first->net->name, first->f->line);
}

/* Two forwards may not answer the same packet, in one network or two:
 * same family and proto, overlapping ports, and the same listen address
 * or one on every address. Two passes over sorted copies, never a pass
 * per pair: 10,000 forwards of port 80 on as many addresses are 10,000
 * steps, not 50 million. Of two overlaps, the one met first by port. */
int conf_forwards_check(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c)
{
	struct fwd_ref *v, *w;
	size_t n = 0, k = 0, m = 0;
	long a, b, wa = -1, wb = -1;
	int r = 0;

	(void)root;
	if ((r = listen_check(ctx, c)) < 0)
		return r;
	for (size_t i = 0; i < c->n_networks; i++)
		n += c->networks[i].fwd.n;
	if (!n)
		return 0;
	if (!(v = calloc(2 * n, sizeof(*v))))
		return -ENOMEM;
	w = v + n;
	for (size_t i = 0; i < c->n_networks; i++)
		for (size_t j = 0; j < c->networks[i].fwd.n; j++) {
			const struct gw_forward *f = &c->networks[i].fwd.v[j];

			v[k++] = (struct fwd_ref){ &c->networks[i], f };
			if (!f->listen_any)
				w[m++] = v[k - 1];
		}
	qsort(v, n, sizeof(*v), ref_cmp);
	qsort(w, m, sizeof(*w), addr_cmp);
	a = first_overlap(v, n, true, &wa);
	b = first_overlap(w, m, false, &wb);
	if (a >= 0 && (b < 0 || ref_cmp(&v[a], &w[b]) <= 0))
		r = overlap_fail(ctx, &v[wa], &v[a]);
	else if (b >= 0)
		r = overlap_fail(ctx, &w[wb], &w[b]);
	free(v);
	return r;
}

void conf_forwards_release(struct gw_network *net)
{
	free(net->fwd.v);
	net->fwd.v = NULL;
	net->fwd.n = 0;
}

int conf_forwards_dup(struct gw_network *dst, const struct gw_network *src)
{
	dst->fwd = src->fwd;
	dst->fwd.v = conf_memdup(src->fwd.v, src->fwd.n * sizeof(*src->fwd.v));
	return src->fwd.n && !dst->fwd.v ? -ENOMEM : 0;
}

void conf_forwards_print(FILE *f, const struct gw_network *net)
{
	for (size_t i = 0; i < net->fwd.n; i++) {
		const struct gw_forward *w = &net->fwd.v[i];
		char a[INET6_ADDRSTRLEN], p[16], tp[16];

		inet_ntop(w->family, &w->to, a, sizeof(a));
		conf_fwd_ports_text(p, sizeof(p), w->port_min, w->port_max);
		conf_fwd_ports_text(tp, sizeof(tp), w->to_min, w->to_max);
		fprintf(f, "    forward %s { proto = %s  port = \"%s\"  to = \"%s%s%s:%s\"",
			w->name, w->proto == IPPROTO_TCP ? "tcp" : "udp", p,
			w->family == AF_INET6 ? "[" : "", a, w->family == AF_INET6 ? "]" : "", tp);
		if (!w->listen_any) {
			inet_ntop(w->family, &w->listen, a, sizeof(a));
			fprintf(f, "  listen = \"%s\"", a);
		}
		fprintf(f, " }\n");
	}
}
