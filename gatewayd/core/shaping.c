/* Bandwidth limits on gatewayd's bridges and guest ports (issue 19).
 *
 * ingress (to the guests) is shaped where the traffic leaves toward them:
 * the device's root qdisc, an HTB class with a fair-queue leaf
 * (fq_codel; a 100 ms bfifo on a kernel built without fq_codel). On a
 * guest port that is the port itself; on a bridge it is the bridge
 * device, which carries what the host routes into the network.
 *
 * egress (from the guests) arrives on the device's ingress, where Linux
 * can only police (drop) or redirect. Policing needs act_police, which
 * not every kernel has (this project's test kernel has not), and it
 * drops at once where a queue would smooth; so, as Incus and many tc
 * recipes do, an ingress qdisc with a u32 match-all filter redirects
 * every packet to an IFB device ("gwb" + the device's ifindex) whose
 * root is shaped like the egress side above -- a real queue, fair both
 * ways. The IFB is gatewayd's: made here, deleted here.
 *
 * What is in force is kept per device (name and ifindex): a sync sends
 * only what changed, a reload that changes a rate changes the class in
 * place (queued packets and open flows stay), a limit removed deletes
 * its qdiscs, and a device that came back with another ifindex starts
 * from nothing (its qdiscs went with the old one). The uplink is never
 * touched: only bridges and the guest ports of ctx->nets. */
#include "gatewayd/core/shaping.h"

#include "gatewayd/core/bridge.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/host/facts.h"
#include "lib/log.h"
#include "lib/nl.h"
#include "lib/tc.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/pkt_sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_SIZE   512
#define IFB_PREFIX "gwb"

struct shaped {
	char name[IFNAMSIZ];
	int ifindex;
	bool bridge;
	bool seen;
	struct gw_bandwidth bw; /* in force: in on the root, out on the IFB */
	int ifb;		/* its own IFB (a bridge's: its network's), or 0 */
	char ifb_name[IFNAMSIZ];
	int redir;     /* the IFB its ingress is redirected to, or 0 */
	bool ifb_drop; /* a bridge's IFB, deleted once no port uses it */
};

struct gw_shaping {
	struct nl *nl;
	struct shaped *v;
	size_t n, cap;
	bool no_fq_codel; /* the kernel said it has none: bfifo leaves */
};

static const char *leaf_kind(const struct gw_shaping *s)
{
	return s->no_fq_codel ? "bfifo" : "fq_codel";
}

/* The bfifo's bytes: 100 ms at the rate, at least 192 KiB -- three TSO
 * super-packets (veths and taps pass them whole). Measured at 8 Mbit/s
 * with both ways full at once (ACKs queue behind data): 256 KiB let the
 * egress flow fall to 1.6-4.3 Mbit/s, 192 KiB kept both at 7.0-7.6, and
 * 128 KiB cost a lone flow 10 % (losses of whole super-packets). */
static uint32_t fifo_limit(const struct gw_bw_dir *d)
{
	uint64_t l = d->rate / 8 / 10; /* 100 ms */

	return l < 196608 ? 196608 : l > (1u << 30) ? (1u << 30) : (uint32_t)l;
}

static int send_msgs(struct gw_shaping *s, const char *buf, size_t len)
{
	return nl_request(s->nl, buf, len, NULL, NULL, NULL);
}

/* A delete that found nothing to delete. */
static bool gone(int r)
{
	return r == -ENODEV || r == -ENOENT || r == -EINVAL;
}

/* The root qdisc of ifindex: HTB + class + leaf at the rate in d. */
static int root_apply(struct gw_shaping *s, int ifindex, const struct gw_bw_dir *old,
		      const struct gw_bw_dir *d)
{
	char buf[3 * MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct tc_class_spec c = {
		.rate = d->rate, .ceil = d->peak, .burst = gw_bw_burst(d), .cburst = gw_bw_burst(d)
	};
	uint32_t seq = nl_seq_next(s->nl);
	size_t len = 0;
	int k, r;

	if (conf_bw_dir_equal(old, d))
		return 0;
	if (!d->rate) {
		k = tc_msg_qdisc_del(buf, MSG_SIZE, seq, ifindex, false);
		r = k < 0 ? k : send_msgs(s, buf, (size_t)k);
		return gone(r) ? 0 : r;
	}
	if (!old->rate) {
		if ((k = tc_msg_htb_root(buf, MSG_SIZE, seq++, ifindex)) < 0)
			return k;
		len += (size_t)k;
	}
	if ((k = tc_msg_htb_class(buf + len, MSG_SIZE, seq++, ifindex, &c)) < 0)
		return k;
	len += (size_t)k;
	if ((r = send_msgs(s, buf, len)) < 0)
		return r;
	if (old->rate && !s->no_fq_codel)
		return 0; /* fq_codel has nothing that follows the rate */
	k = tc_msg_leaf(buf, MSG_SIZE, nl_seq_next(s->nl), ifindex, leaf_kind(s), fifo_limit(d));
	if (k < 0)
		return k;
	r = send_msgs(s, buf, (size_t)k);
	if (r == -ENOENT && !s->no_fq_codel) {
		/* "Specified qdisc kind is unknown": a kernel without fq_codel */
		log_info("bandwidth: this kernel has no fq_codel; queues are bfifo (~100 ms)");
		s->no_fq_codel = true;
		k = tc_msg_leaf(buf, MSG_SIZE, nl_seq_next(s->nl), ifindex, "bfifo", fifo_limit(d));
		r = k < 0 ? k : send_msgs(s, buf, (size_t)k);
	}
	return r;
}

static void ifb_del(struct gw_ctx *ctx, struct shaped *e)
{
	int r;

	if (!e->ifb)
		return;
	if ((r = rtnl_link_del(ctx->rtnl, e->ifb)) < 0 && r != -ENODEV)
		log_warnx("bandwidth: deleting %s: %s", e->ifb_name, strerror(-r));
	e->ifb = 0;
	e->ifb_name[0] = 0;
	e->bw.out = (struct gw_bw_dir){ 0 };
	e->ifb_drop = false;
}

/* Make the device's IFB (a leftover of a crash under the same name is
 * deleted first) and learn its ifindex. */
static int ifb_make(struct gw_ctx *ctx, struct gw_shaping *s, struct shaped *e)
{
	char buf[MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	char name[IFNAMSIZ];
	struct rtnl_link l;
	int k, r = 0;

	snprintf(name, sizeof(name), IFB_PREFIX "%d", e->ifindex);
	for (int tries = 0; tries < 2; tries++) {
		if ((k = tc_msg_ifb_new(buf, sizeof(buf), nl_seq_next(s->nl), name,
					GW_NETDEV_GROUP)) < 0)
			return k;
		if ((r = send_msgs(s, buf, (size_t)k)) != -EEXIST)
			break;
		if (rtnl_link_get(ctx->rtnl, name, &l) < 0 || strcmp(l.kind, "ifb"))
			return r;
		rtnl_link_del(ctx->rtnl, l.ifindex);
	}
	if (r < 0 || (r = rtnl_link_get(ctx->rtnl, name, &l)) < 0)
		return r;
	e->ifb = l.ifindex;
	e->bw.out = (struct gw_bw_dir){ 0 };
	snprintf(e->ifb_name, sizeof(e->ifb_name), "%s", name);
	return 0;
}

/* The device's own IFB shaped at d (made, changed in place, or -- for a
 * port, whose redirect has moved off it by now -- deleted). */
static int ifb_apply(struct gw_ctx *ctx, struct gw_shaping *s, struct shaped *e,
		     const struct gw_bw_dir *d)
{
	int r;

	if (!d->rate) {
		if (e->bridge && e->ifb)
			e->ifb_drop = true; /* ports may still point at it */
		else
			ifb_del(ctx, e);
		return 0;
	}
	e->ifb_drop = false;
	if (!e->ifb && (r = ifb_make(ctx, s, e)) < 0)
		return r;
	if ((r = root_apply(s, e->ifb, &e->bw.out, d)) < 0)
		return r;
	e->bw.out = *d;
	return 0;
}

/* Redirect the device's ingress to the IFB to (0: no redirect). */
static int redir_apply(struct gw_shaping *s, struct shaped *e, int to)
{
	char buf[2 * MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	uint32_t seq = nl_seq_next(s->nl);
	int k, q, r;

	if (e->redir == to)
		return 0;
	if (e->redir) {
		/* the filter goes with its qdisc */
		k = tc_msg_qdisc_del(buf, MSG_SIZE, seq, e->ifindex, true);
		r = k < 0 ? k : send_msgs(s, buf, (size_t)k);
		if (r < 0 && !gone(r))
			return r;
		e->redir = 0;
		seq = nl_seq_next(s->nl);
	}
	if (!to)
		return 0;
	/* An ingress qdisc already there (ours, left by a crash, its filter
	 * redirecting to an IFB that is gone: mirred would drop everything)
	 * goes first: the port's ingress is ours now. */
	if ((k = tc_msg_qdisc_del(buf, MSG_SIZE, seq, e->ifindex, true)) < 0)
		return k;
	if ((r = send_msgs(s, buf, (size_t)k)) < 0 && !gone(r))
		return r;
	seq = nl_seq_next(s->nl);
	if ((k = tc_msg_ingress(buf, MSG_SIZE, seq, e->ifindex)) < 0 ||
	    (q = tc_msg_redirect(buf + k, MSG_SIZE, seq + 1, e->ifindex, to)) < 0)
		return -EMSGSIZE;
	if ((r = send_msgs(s, buf, (size_t)(k + q))) < 0)
		return r;
	e->redir = to;
	return 0;
}

static struct shaped *find(const struct gw_shaping *s, const char *name)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

static const char *what(const struct shaped *e)
{
	return e->bridge ? "bridge" : "port";
}

/* Device e to: root shaped at bw->in, own IFB at bw->out, ingress
 * redirected to to (-1: its own IFB; 0: nowhere). */
static void dev_apply(struct gw_ctx *ctx, struct gw_shaping *s, struct shaped *e,
		      const struct gw_bandwidth *bw, int to)
{
	int r;

	if ((r = root_apply(s, e->ifindex, &e->bw.in, &bw->in)) < 0)
		log_warnx("bandwidth: %s %s ingress: %s", what(e), e->name, strerror(-r));
	/* in force as asked even after a failure, which was logged once: the
	 * next sync does not repeat it on every event */
	e->bw.in = bw->in;
	if (bw->out.rate && (r = ifb_apply(ctx, s, e, &bw->out)) < 0)
		log_warnx("bandwidth: %s %s egress: %s", what(e), e->name, strerror(-r));
	if (to < 0)
		to = e->ifb;
	if (!e->bridge && (r = redir_apply(s, e, to)) < 0)
		log_warnx("bandwidth: %s %s egress redirect: %s", what(e), e->name, strerror(-r));
	if (!bw->out.rate)
		ifb_apply(ctx, s, e, &bw->out);
}

static struct shaped *entry(struct gw_ctx *ctx, struct gw_shaping *s, const struct host_link *l,
			    bool bridge)
{
	struct shaped *e = find(s, l->name);

	if (e && e->ifindex != l->ifindex) {
		/* made again: its qdiscs went with the old link, not its IFB */
		ifb_del(ctx, e);
		*e = (struct shaped){ .ifindex = l->ifindex };
		snprintf(e->name, sizeof(e->name), "%s", l->name);
	}
	if (!e) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 8;
			struct shaped *v = realloc(s->v, cap * sizeof(*v));

			if (!v) {
				log_warnx("bandwidth: %s: out of memory", l->name);
				return NULL;
			}
			s->v = v;
			s->cap = cap;
		}
		e = &s->v[s->n++];
		*e = (struct shaped){ .ifindex = l->ifindex };
		snprintf(e->name, sizeof(e->name), "%s", l->name);
	}
	e->seen = true;
	e->bridge = bridge;
	return e;
}

/* Take what e added off its device (if the device is still there). */
static void undo(struct gw_ctx *ctx, struct gw_shaping *s, struct shaped *e, bool dev_there)
{
	static const struct gw_bandwidth none;

	if (dev_there) {
		root_apply(s, e->ifindex, &e->bw.in, &none.in);
		redir_apply(s, e, 0);
	}
	e->bw.in = none.in;
	e->redir = 0;
	ifb_del(ctx, e);
}

static int shaping_new(struct gw_shaping **out)
{
	struct gw_shaping *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	if ((r = nl_open(NETLINK_ROUTE, 0, 0, &s->nl)) < 0) {
		free(s);
		return r;
	}
	*out = s;
	return 0;
}

/* Network n's guest ports: their own limits, and the network's egress
 * IFB (net_ifb) for those without their own egress limit. */
static void sync_ports(struct gw_ctx *ctx, struct gw_shaping *s, const struct host_facts *f,
		       const struct gw_network *n, const struct gw_net_rt *rt, int net_ifb)
{
	static const struct gw_bandwidth none;

	for (size_t k = 0; k < rt->n_ports; k++) {
		bool own = conf_bw_any(&n->guest_bw) && conf_bw_port(&n->guest_bw, rt->ports[k]);
		const struct gw_bandwidth *bw = own ? &n->guest_bw : &none;
		const struct host_link *l;
		struct shaped *e;

		if (!own && !net_ifb && !find(s, rt->ports[k]))
			continue;
		if (!(l = host_link_by_name(f, rt->ports[k])) || !(e = entry(ctx, s, l, false)))
			continue;
		dev_apply(ctx, s, e, bw, bw->out.rate ? -1 : net_ifb);
	}
}

void shaping_sync(struct gw_ctx *ctx, const struct host_facts *f)
{
	const struct gw_conf *conf = ctx->conf;
	struct gw_shaping *s = ctx->shaping;
	bool any = false;
	int r;

	if (!conf || !ctx->nets)
		return;
	for (size_t i = 0; i < conf->n_networks && !any; i++)
		any = conf_bw_any(&conf->networks[i].bw) ||
		      conf_bw_any(&conf->networks[i].guest_bw);
	if (!s && !any)
		return; /* nothing asked, nothing in force */
	if (!s) {
		if ((r = shaping_new(&ctx->shaping)) < 0) {
			log_warnx("bandwidth: netlink: %s", strerror(-r));
			return;
		}
		s = ctx->shaping;
	}
	for (size_t k = 0; k < s->n; k++)
		s->v[k].seen = false;
	for (size_t i = 0; i < conf->n_networks; i++) {
		const struct gw_network *n = &conf->networks[i];
		const struct host_link *l = host_link_by_name(f, n->bridge);
		struct shaped *br = NULL;

		if (l && (conf_bw_any(&n->bw) || find(s, n->bridge)) &&
		    (br = entry(ctx, s, l, true)))
			dev_apply(ctx, s, br, &n->bw, 0);
		sync_ports(ctx, s, f, n, &ctx->nets[i],
			   br && n->bw.out.rate && !br->ifb_drop ? br->ifb : 0);
	}
	for (size_t k = 0; k < s->n;) {
		struct shaped *e = &s->v[k];
		const struct host_link *l;

		if (e->ifb_drop)
			ifb_del(ctx, e); /* no port points at it any more */
		if (e->seen && (conf_bw_any(&e->bw) || e->redir)) {
			k++;
			continue;
		}
		l = host_link_by_index(f, e->ifindex);
		undo(ctx, s, e, l && !strcmp(l->name, e->name));
		s->v[k] = s->v[--s->n];
	}
}

void shaping_stop(struct gw_ctx *ctx)
{
	struct gw_shaping *s = ctx->shaping;

	if (!s)
		return;
	/* ports first: their redirects point at the bridges' IFBs */
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < s->n; k++) {
			struct shaped *e = &s->v[k];
			long i = e->bridge ? gw_plan_bridge(&ctx->plan, e->name) : -1;
			/* a bridge gatewayd made goes whole, with its qdiscs */
			bool made = i >= 0 && ctx->nets && ctx->nets[i].created_bridge;

			if (e->bridge == (pass == 1))
				undo(ctx, s, e, !made);
		}
	s->n = 0;
}

void shaping_free(struct gw_shaping *s)
{
	if (!s)
		return;
	nl_close(s->nl);
	free(s->v);
	free(s);
}

/* --- counters ------------------------------------------------------------ */

struct dump {
	struct tc_qdisc_info *v;
	size_t n, cap;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct tc_qdisc_info q;

	if (tc_parse_qdisc(nlh, &q) < 0 || q.parent != TC_H_ROOT || q.handle != TC_ROOT_HANDLE)
		return 0;
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 16;
		struct tc_qdisc_info *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = q;
	return 0;
}

static void dump_restart(void *data)
{
	((struct dump *)data)->n = 0;
}

static int dump_roots(struct gw_shaping *s, struct dump *d)
{
	char buf[MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	int k = tc_msg_qdisc_dump(buf, sizeof(buf));

	if (k < 0)
		return k;
	return nl_dump(s->nl, (struct nlmsghdr *)buf, dump_cb, dump_restart, d);
}

static const struct tc_qdisc_info *root_of(const struct dump *d, int ifindex)
{
	for (size_t i = 0; ifindex && i < d->n; i++)
		if (d->v[i].ifindex == ifindex)
			return &d->v[i];
	return NULL;
}

static void stats_fill(const struct gw_shaping *s, const struct shaped *e, const struct dump *d,
		       struct shaping_stats *out)
{
	const struct tc_qdisc_info *q;

	*out = (struct shaping_stats){ .shaped = true, .bridge = e->bridge, .bw = e->bw };
	snprintf(out->leaf, sizeof(out->leaf), "%s", leaf_kind(s));
	if (e->bw.in.rate && (q = root_of(d, e->ifindex))) {
		out->in_bytes = q->bytes;
		out->in_drops = q->drops;
		out->in_overlimits = q->overlimits;
	}
	if (e->bw.out.rate && (q = root_of(d, e->ifb))) {
		out->out_bytes = q->bytes;
		out->out_drops = q->drops;
		out->out_overlimits = q->overlimits;
	}
}

int shaping_stats_many(struct gw_ctx *ctx, const char (*names)[IFNAMSIZ], size_t n,
		       struct shaping_stats *out)
{
	struct gw_shaping *s = ctx->shaping;
	struct dump d = { 0 };
	const struct shaped *e;
	size_t found = 0;
	int r = 0;

	for (size_t k = 0; k < n; k++)
		out[k] = (struct shaping_stats){ 0 };
	for (size_t k = 0; s && k < n; k++)
		found += (e = find(s, names[k])) && conf_bw_any(&e->bw);
	if (!found)
		return 0;
	/* one dump of every root qdisc for all of them (the kernel filters
	 * nothing by device) */
	if ((r = dump_roots(s, &d)) < 0)
		d.n = 0;
	for (size_t k = 0; k < n; k++)
		if ((e = find(s, names[k])) && conf_bw_any(&e->bw))
			stats_fill(s, e, &d, &out[k]);
	free(d.v);
	return r < 0 ? r : (int)found;
}

int shaping_port_stats(struct gw_ctx *ctx, const char *port, struct shaping_stats *out)
{
	char name[1][IFNAMSIZ];
	int r;

	snprintf(name[0], sizeof(name[0]), "%s", port);
	if ((r = shaping_stats_many(ctx, (const char(*)[IFNAMSIZ])name, 1, out)) < 0)
		return r;
	return r ? 0 : -ENOENT;
}
