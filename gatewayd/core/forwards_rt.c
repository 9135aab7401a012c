/* Run-time port forwards (see forwards_rt.h).
 *
 * They are not a second kind of forward: at plan time they join the
 * file's forwards in the resolved config, so everything that serves a
 * forward (the maps and counters of nft/forward.c, the listing, metrics,
 * BGP's listen addresses) serves them too. Adding or removing one is a
 * reload of the config in force (not re-read from disk) with the stored
 * list changed, as for run-time static hosts: the diff of the two plans
 * is that forward's map and counter elements, one nftables transaction;
 * no chain is rewritten, no dnsmasq touched, other forwards' connections
 * and counters carry on. (The first forward of the host and the last
 * add or remove the nat chains with them, as a reload does.)
 *
 * The stored file is read back with the config's rules at every plan,
 * after the file's forwards: a stored forward the config now refuses is
 * left out, never the file's. */
#include "gatewayd/core/forwards_rt.h"
#include "gatewayd/core/apply.h"
#include "gatewayd/core/ctx.h"
#include "lib/log.h"
#include "lib/names.h"
#include "lib/state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct stored_list {
	struct forward_rt *v;
	size_t n;
};

static void stored_path(const char *state_dir, char *buf, size_t len)
{
	state_path(state_dir, STATE_FORWARDS, buf, len);
}

static bool stored_parse(const char *line, void *rec)
{
	struct forward_rt *s = rec;
	char extra;
	/* 7 fields for an owner's forward: the owner entry that let it in */
	int got = sscanf(line, "%32s %32s %7s %15s %61s %46s %33s %c", s->net, s->name, s->proto,
			 s->port, s->to, s->listen, s->by, &extra);

	if ((got != 6 && got != 7) || !name_netname(s->net) || !name_netname(s->name))
		return false; /* the config's checks see the rest at merge */
	if (!strcmp(s->listen, "-"))
		s->listen[0] = '\0';
	return true;
}

static int stored_read(const char *state_dir, struct stored_list *l)
{
	char path[GW_PATH_MAX + 32];
	void *v;
	int r;

	stored_path(state_dir, path, sizeof(path));
	r = state_records_read(path, 512, sizeof(*l->v), stored_parse, &v, &l->n);
	l->v = v;
	return r;
}

static int stored_fill(FILE *f, void *arg)
{
	const struct stored_list *l = arg;

	for (size_t i = 0; i < l->n; i++) {
		const struct forward_rt *s = &l->v[i];

		/* root's without BY: the lines of before owners */
		fprintf(f, "%s %s %s %s %s %s%s%s\n", s->net, s->name, s->proto, s->port, s->to,
			s->listen[0] ? s->listen : "-", s->by[0] ? " " : "", s->by);
	}
	return 0;
}

/* Synced: a forward a customer was told is in place must survive a
 * power cut. */
static int stored_write(const char *state_dir, const struct stored_list *l)
{
	char path[GW_PATH_MAX + 32];

	stored_path(state_dir, path, sizeof(path));
	return state_records_write(path, l->n, stored_fill, (void *)l);
}

static long stored_find(const struct stored_list *l, const char *net, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].net, net) && !strcmp(l->v[i].name, name))
			return (long)i;
	return -1;
}

static struct gw_network *net_find(struct gw_conf *conf, const char *name)
{
	for (size_t k = 0; k < conf->n_networks; k++)
		if (!strcmp(conf->networks[k].name, name))
			return &conf->networks[k];
	return NULL;
}

/* Why conf leaves s out (false: it fits), and the forward it makes. */
/* listen_addresses (conf/listen.h) given since it was added: it may not
 * listen on another network's, and an owner's listens on its own
 * network's, or on every address only while no network has any. */
static bool listen_taken(const struct gw_conf *conf, const struct gw_network *n,
			 const struct forward_rt *s, const struct gw_forward *f, char *why,
			 size_t len, const struct gw_network **with)
{
	const struct gw_network *h =
		f->listen_any ? NULL : conf_listen_holder(conf, f->family, &f->listen);

	if (h && h != n) {
		*with = h;
		snprintf(why, len, "listen %s is network \"%s\"'s (its listen_addresses)",
			 s->listen, h->name);
		return true;
	}
	if (f->listen_any && !s->by[0] && (*with = conf_listen_other(conf, n))) {
		snprintf(why, len, "on every address, network \"%s\"'s listen_addresses too",
			 (*with)->name);
		return true;
	}
	*with = NULL;
	if (!s->by[0])
		return false; /* root's */
	if (f->listen_any && (n->laddrs.n || conf_listen_others(conf, n))) {
		snprintf(why, len, "an owner's forward on every address, and %s",
			 n->laddrs.n ? "the network has listen_addresses of its own"
				     : "other networks have listen_addresses");
		return true;
	}
	if (!f->listen_any && n->laddrs.n && h != n) {
		snprintf(why, len,
			 "an owner's forward on %s, not one of network \"%s\"'s "
			 "listen_addresses",
			 s->listen, n->name);
		return true;
	}
	return false;
}

static bool left_out(const struct gw_conf *conf, const struct gw_network *n,
		     const struct forward_rt *s, struct gw_forward *f, char *why, size_t len,
		     const struct gw_network **with)
{
	*with = NULL;
	if (!conf_owner_entry_owns(n, s->by)) {
		snprintf(why, len, "added by owner \"%s\", who owns network \"%s\" no more", s->by,
			 n->name);
		return true;
	}
	if (conf_forward_make(n, s->name, s->proto, s->port, s->to, s->listen[0] ? s->listen : NULL,
			      f, why, len) < 0)
		return true;
	if (listen_taken(conf, n, s, f, why, len, with))
		return true;
	if (!conf_forward_conflict_with(conf, n, f, why, len, with))
		return false;
	if (*with == n)
		*with = NULL;
	return true;
}

static int fwd_append(struct gw_network *n, const struct gw_forward *f)
{
	struct gw_forward *nv = realloc(n->fwd.v, (n->fwd.n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	n->fwd.v = nv;
	nv[n->fwd.n++] = *f;
	return 0;
}

void forwards_rt_merge(struct gw_conf *conf)
{
	struct stored_list l;
	char why[600];
	int r;

	if ((r = stored_read(conf->state_dir, &l)) < 0) {
		log_warnx("%s/%s: %s: run-time port forwards left out", conf->state_dir,
			  STATE_FORWARDS, strerror(-r));
		return;
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct forward_rt *s = &l.v[i];
		struct gw_network *n = net_find(conf, s->net);
		const struct gw_network *with;
		struct gw_forward f;

		if (!n)
			continue; /* its network is gone; kept for when it comes back */
		if (left_out(conf, n, s, &f, why, sizeof(why), &with))
			log_warnx("run-time forward \"%s\" of network \"%s\" left out (the config "
				  "wins): %s; `gatewayctl forward del %s %s` forgets it",
				  s->name, s->net, why, s->net, s->name);
		else if ((r = fwd_append(n, &f)) < 0)
			log_warnx("run-time forward \"%s\" of network \"%s\" left out: %s", s->name,
				  s->net, strerror(-r));
	}
	free(l.v);
}

int forwards_rt_left_out(const struct gw_conf *conf, const struct gw_network *net,
			 void (*fn)(void *arg, const struct forward_rt *s, const char *why,
				    const struct gw_network *with),
			 void *arg)
{
	struct stored_list l;
	char why[600];
	int r;

	if ((r = stored_read(conf->state_dir, &l)) < 0)
		return r;
	for (size_t i = 0; i < l.n; i++) {
		const struct forward_rt *s = &l.v[i];
		const struct gw_network *with = NULL;
		bool in = false;
		struct gw_forward f;

		if (strcmp(s->net, net->name))
			continue;
		for (size_t k = 0; k < net->fwd.n && !in; k++)
			in = net->fwd.v[k].runtime && !strcmp(net->fwd.v[k].name, s->name);
		if (in)
			continue;
		/* in force, it would meet itself: it is not, so what it meets
		 * is what keeps it out */
		if (!left_out(conf, net, s, &f, why, sizeof(why), &with))
			snprintf(why, sizeof(why), "not in force yet (a reload applies it)");
		fn(arg, s, why, with);
	}
	free(l.v);
	return 0;
}

/* The stored list changed as new says, applied; the old one put back
 * if applying fails. */
static int store_apply(struct gw_ctx *ctx, const struct stored_list *old,
		       const struct stored_list *new, char *err, size_t errlen)
{
	int r;

	if ((r = stored_write(ctx->conf->state_dir, new)) < 0) {
		snprintf(err, errlen, "%s/%s: %s", ctx->conf->state_dir, STATE_FORWARDS,
			 strerror(-r));
		return r;
	}
	if ((r = apply_reload_running(ctx, true, err, errlen)) < 0)
		stored_write(ctx->conf->state_dir, old); /* as it was */
	return r;
}

int forwards_rt_add(struct gw_ctx *ctx, size_t ni, const struct forward_rt *req, uid_t who,
		    char *err, size_t errlen)
{
	const struct gw_network *n = &ctx->conf->networks[ni];
	struct stored_list l = { 0 }, old = { 0 };
	struct forward_rt s = *req;
	struct gw_forward f;
	char to[INET6_ADDRSTRLEN + 16];
	long at;
	int r;

	snprintf(s.net, sizeof(s.net), "%s", n->name); /* n goes with the reload */
	if ((r = conf_forward_make(n, s.name, s.proto, s.port, s.to, s.listen[0] ? s.listen : NULL,
				   &f, err, errlen)) < 0)
		return r;
	if (conf_forward_conflict(ctx->conf, n, &f, err, errlen))
		return -EEXIST;
	if ((r = stored_read(ctx->conf->state_dir, &old)) < 0 ||
	    (r = stored_read(ctx->conf->state_dir, &l)) < 0) {
		snprintf(err, errlen, "%s/%s: %s", ctx->conf->state_dir, STATE_FORWARDS,
			 strerror(-r));
		goto out;
	}
	if ((at = stored_find(&l, s.net, s.name)) >= 0) {
		/* kept but left out (the config took its port): not replaced
		 * behind the owner's back */
		snprintf(err, errlen,
			 "network \"%s\" has a run-time forward \"%s\" already (left out: see "
			 "`gatewayctl forwards`); `gatewayctl forward del %s %s` first",
			 s.net, s.name, s.net, s.name);
		r = -EEXIST;
		goto out;
	}
	conf_forward_to_text(&f, to, sizeof(to));
	snprintf(s.to, sizeof(s.to), "%s", to); /* normalized: "[A6]:P" */
	{
		struct forward_rt *nv = realloc(l.v, (l.n + 1) * sizeof(*nv));

		if (!nv) {
			snprintf(err, errlen, "out of memory");
			r = -ENOMEM;
			goto out;
		}
		l.v = nv;
		l.v[l.n++] = s;
	}
	if ((r = store_apply(ctx, &old, &l, err, errlen)) < 0)
		goto out;
	log_info("network \"%s\": forward \"%s\" added by uid %u%s%s%s (gatewayctl): %s port %s "
		 "on %s to %s",
		 s.net, s.name, (unsigned)who, s.by[0] ? " as owner \"" : "", s.by,
		 s.by[0] ? "\"" : "", s.proto, s.port, s.listen[0] ? s.listen : "every address",
		 s.to);
out:
	free(l.v);
	free(old.v);
	return r;
}

int forwards_rt_del(struct gw_ctx *ctx, size_t ni, const char *name, uid_t who, char *err,
		    size_t errlen)
{
	const struct gw_network *n = &ctx->conf->networks[ni];
	struct stored_list l = { 0 }, old = { 0 };
	char net[NAME_NET_MAX + 1];
	long at;
	int r;

	snprintf(net, sizeof(net), "%s", n->name); /* n goes with the reload */
	if ((r = stored_read(ctx->conf->state_dir, &old)) < 0 ||
	    (r = stored_read(ctx->conf->state_dir, &l)) < 0) {
		snprintf(err, errlen, "%s/%s: %s", ctx->conf->state_dir, STATE_FORWARDS,
			 strerror(-r));
		goto out;
	}
	if ((at = stored_find(&l, net, name)) < 0) {
		bool in_file = false;

		for (size_t k = 0; k < n->fwd.n && !in_file; k++)
			in_file = !n->fwd.v[k].runtime && !strcmp(n->fwd.v[k].name, name);
		snprintf(err, errlen, "network \"%s\" has no run-time forward \"%s\"%s", net, name,
			 in_file ? " (it is in the config file: remove it there and reload)" : "");
		r = -ENOENT;
		goto out;
	}
	memmove(&l.v[at], &l.v[at + 1], (l.n - (size_t)at - 1) * sizeof(*l.v));
	l.n--;
	if ((r = store_apply(ctx, &old, &l, err, errlen)) < 0)
		goto out;
	log_info("network \"%s\": forward \"%s\" removed by uid %u (gatewayctl)", net, name,
		 (unsigned)who);
out:
	free(l.v);
	free(old.v);
	return r;
}
