/* Bandwidth limits on gatewayd's bridges and guest ports (issue 19).
 *
 * ingress (to the guests) is shaped where the traffic leaves toward them:
 * the device's root qdisc, an HTB class with a fair-queue leaf
 * (fq_codel; a ~100 ms bfifo on a kernel built without fq_codel). On a
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
	struct gw_bandwidth bw; /* in force */
	int ifb;		/* egress: the IFB's ifindex, or 0 */
	char ifb_name[IFNAMSIZ];
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

static uint32_t fifo_limit(const struct gw_bw_dir *d)
{
	uint64_t l = d->rate / 8 / 10; /* 100 ms */

	return l < 262144 ? 262144 : l > (1u << 30) ? (1u << 30) : (uint32_t)l;
}

/* Send the messages in buf (len bytes); an error names what it was for. */
static int send_msgs(struct gw_shaping *s, const char *buf, size_t len)
{
	struct nl_err e = { 0 };

	return nl_request(s->nl, buf, len, NULL, NULL, &e);
}

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

	if (!d->rate) {
		if (!old->rate)
			return 0;
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
	if (old->rate && s->no_fq_codel == false)
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
}

/* Make the IFB device (a leftover of a crash under the same name is
 * deleted first) and learn its ifindex. */
static int ifb_make(struct gw_ctx *ctx, struct gw_shaping *s, struct shaped *e)
{
	char buf[MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	char name[IFNAMSIZ];
	struct rtnl_link l;
	int k, r;

	snprintf(name, sizeof(name), IFB_PREFIX "%d", e->ifindex);
	for (int tries = 0; tries < 2; tries++) {
		if ((k = tc_msg_ifb_new(buf, sizeof(buf), nl_seq_next(s->nl), name,
					GW_NETDEV_GROUP)) < 0)
			return k;
		r = send_msgs(s, buf, (size_t)k);
		if (r != -EEXIST)
			break;
		if (rtnl_link_get(ctx->rtnl, name, &l) == 0 && !strcmp(l.kind, "ifb"))
			rtnl_link_del(ctx->rtnl, l.ifindex);
		else
			return r;
	}
	if (r < 0)
		return r;
	if ((r = rtnl_link_get(ctx->rtnl, name, &l)) < 0)
		return r;
	e->ifb = l.ifindex;
	snprintf(e->ifb_name, sizeof(e->ifb_name), "%s", name);
	return 0;
}

/* The device's ingress, redirected to its IFB, shaped at d. */
static int ingress_apply(struct gw_ctx *ctx, struct gw_shaping *s, struct shaped *e,
			 const struct gw_bw_dir *old, const struct gw_bw_dir *d)
{
	char buf[2 * MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	static const struct gw_bw_dir none;
	uint32_t seq;
	int k, q, r;

	if (!d->rate) {
		if (!old->rate)
			return 0;
		k = tc_msg_qdisc_del(buf, MSG_SIZE, nl_seq_next(s->nl), e->ifindex, true);
		r = k < 0 ? k : send_msgs(s, buf, (size_t)k);
		ifb_del(ctx, e);
		return gone(r) ? 0 : r;
	}
	if (old->rate && e->ifb)
		return root_apply(s, e->ifb, old, d);
	if (!e->ifb && (r = ifb_make(ctx, s, e)) < 0)
		return r;
	if ((r = root_apply(s, e->ifb, &none, d)) < 0)
		goto fail;
	seq = nl_seq_next(s->nl);
	if ((k = tc_msg_ingress(buf, MSG_SIZE, seq, e->ifindex)) < 0 ||
	    (q = tc_msg_redirect(buf + k, MSG_SIZE, seq + 1, e->ifindex, e->ifb)) < 0) {
		r = -EMSGSIZE;
		goto fail;
	}
	if ((r = send_msgs(s, buf, (size_t)(k + q))) < 0)
		goto fail;
	return 0;
fail:
	ifb_del(ctx, e);
	return r;
}

static struct shaped *find(const struct gw_shaping *s, const char *name)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

static void dev_apply(struct gw_ctx *ctx, struct gw_shaping *s, struct shaped *e,
		      const struct gw_bandwidth *bw)
{
	int r;

	if (conf_bw_equal(&e->bw, bw))
		return;
	if ((r = root_apply(s, e->ifindex, &e->bw.in, &bw->in)) < 0)
		log_warnx("bandwidth: %s %s ingress: %s", e->bridge ? "bridge" : "port", e->name,
			  strerror(-r));
	if ((r = ingress_apply(ctx, s, e, &e->bw.out, &bw->out)) < 0)
		log_warnx("bandwidth: %s %s egress: %s", e->bridge ? "bridge" : "port", e->name,
			  strerror(-r));
	/* in force as asked even after a failure, which was logged once: the
	 * next sync does not repeat it on every event */
	e->bw = *bw;
	if (!e->ifb)
		e->bw.out = (struct gw_bw_dir){ 0 };
}

static void want(struct gw_ctx *ctx, struct gw_shaping *s, const struct host_link *l,
		 const struct gw_bandwidth *bw, bool bridge)
{
	struct shaped *e = find(s, l->name);

	if (e && e->ifindex != l->ifindex) {
		/* made again: its qdiscs went with the old link, not its IFB */
		ifb_del(ctx, e);
		e->bw = (struct gw_bandwidth){ 0 };
		e->ifindex = l->ifindex;
	}
	if (!e) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 8;
			struct shaped *v = realloc(s->v, cap * sizeof(*v));

			if (!v) {
				log_warnx("bandwidth: %s: out of memory", l->name);
				return;
			}
			s->v = v;
			s->cap = cap;
		}
		e = &s->v[s->n++];
		*e = (struct shaped){ .ifindex = l->ifindex, .bridge = bridge };
		snprintf(e->name, sizeof(e->name), "%s", l->name);
	}
	e->seen = true;
	e->bridge = bridge;
	dev_apply(ctx, s, e, bw);
}

/* Take what e added off its device (if the device is still there). */
static void undo(struct gw_ctx *ctx, struct gw_shaping *s, struct shaped *e, bool dev_there)
{
	static const struct gw_bandwidth none;

	if (dev_there)
		dev_apply(ctx, s, e, &none);
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
		const struct gw_net_rt *rt = &ctx->nets[i];
		const struct host_link *l;

		if (conf_bw_any(&n->bw) && (l = host_link_by_name(f, n->bridge)))
			want(ctx, s, l, &n->bw, true);
		if (!conf_bw_any(&n->guest_bw))
			continue;
		for (size_t k = 0; k < rt->n_ports; k++)
			if (conf_bw_port(&n->guest_bw, rt->ports[k]) &&
			    (l = host_link_by_name(f, rt->ports[k])))
				want(ctx, s, l, &n->guest_bw, false);
	}
	for (size_t k = 0; k < s->n;) {
		struct shaped *e = &s->v[k];
		const struct host_link *l;

		if (e->seen) {
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
	for (size_t k = 0; k < s->n; k++) {
		struct shaped *e = &s->v[k];
		long i = e->bridge ? gw_plan_bridge(&ctx->plan, e->name) : -1;
		/* a bridge gatewayd made goes whole, with its qdiscs */
		bool made = i >= 0 && ctx->nets && ctx->nets[i].created_bridge;

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
