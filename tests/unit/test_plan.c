/* The desired state and the one diff: each config change -> exactly the
 * actions expected, for the bridges, the dnsmasqs and the nftables chains
 * (nothing else is touched: an unrelated change leaves a dnsmasq running
 * and other networks' chains and counters alone). */
#include "suites.h"
#include "conf/conf.h"
#include "gatewayd/core/diff.h"
#include "gatewayd/core/plan.h"
#include "gatewayd/host/preflight.h"
#include "nft/batch.h"
#include "nft/update.h"

#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Three networks; extra[i] is spliced into network i's block, globals
 * before them. */
static void conf_text(char *buf, size_t len, const char *globals, const char *const extra[3])
{
	snprintf(buf, len,
		 "%s\n"
		 "network a {\n bridge = gw-a\n ipv4 = \"10.1.0.1/24\"\n ipv6 = "
		 "\"fd01::1/64\"\n%s}\n"
		 "network b {\n bridge = gw-b\n ipv4 = \"10.2.0.1/24\"\n%s}\n"
		 "network c {\n bridge = gw-c\n ipv4 = \"10.3.0.1/24\"\n%s}\n",
		 globals ? globals : "", extra && extra[0] ? extra[0] : "",
		 extra && extra[1] ? extra[1] : "", extra && extra[2] ? extra[2] : "");
}

static void plan_from(const char *text, struct gw_plan *p)
{
	struct preflight pf = { 0 };
	struct gw_conf *conf;
	char err[512];

	ck_assert_msg(conf_load_buf("t.conf", text, &conf, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(preflight_new(conf, &pf), 0);
	for (size_t i = 0; i < conf->n_networks; i++)
		snprintf(pf.uplinks[i], IFNAMSIZ, "%s",
			 conf->networks[i].uplink[0] ? conf->networks[i].uplink : "eth0");
	ck_assert_int_eq(gw_plan_build(conf, &pf, false, p), 0);
	ck_assert_ptr_null(pf.conf);
	preflight_release(&pf);
}

static void plan_of(const char *globals, const char *const extra[3], struct gw_plan *p)
{
	char text[4096];

	conf_text(text, sizeof(text), globals, extra);
	plan_from(text, p);
}

/* "a=keep b=dhcp-down,dhcp-up ..." in diff order. */
static const char *acts(const struct gw_diff *d, const struct gw_plan *old,
			const struct gw_plan *new)
{
	static char out[1024];
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < d->n; i++) {
		const struct gw_net_diff *nd = &d->nets[i];
		const char *name = nd->old_idx >= 0 ? old->conf->networks[nd->old_idx].name
						    : new->conf->networks[nd->new_idx].name;
		char what[128];

		gw_diff_format(nd->act, what, sizeof(what));
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%s%s=%s", off ? " " : "",
					name, what);
	}
	return out;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Chain names picked by idx from p, sorted, comma-separated. */
static const char *chain_names(const struct nft_plan *p, const size_t *idx, size_t n)
{
	static char out[4][2048];
	static int slot;
	const char *v[256];
	char *o = out[slot++ % 4];
	size_t off = 0;

	ck_assert_uint_le(n, 256);
	for (size_t i = 0; i < n; i++)
		v[i] = p->chains[idx[i]].name;
	qsort(v, n, sizeof(v[0]), name_cmp);
	o[0] = '\0';
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(o + off, 2048 - off, "%s%s", i ? "," : "", v[i]);
	return o;
}

static const char *counter_names(const struct nft_plan *p, const size_t *idx, size_t n)
{
	static char out[2][1024];
	static int slot;
	const char *v[64];
	char *o = out[slot++ % 2];
	size_t off = 0;

	for (size_t i = 0; i < n; i++)
		v[i] = p->counters[idx[i]].name;
	qsort(v, n, sizeof(v[0]), name_cmp);
	o[0] = '\0';
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(o + off, 1024 - off, "%s%s", i ? "," : "", v[i]);
	return o;
}

static size_t elems_changed(const struct nft_update *u)
{
	size_t n = 0;

	for (size_t i = 0; i < u->n_sets; i++)
		n += u->sets[i].n_add + u->sets[i].n_del;
	return n;
}

struct pair {
	struct gw_plan old, new;
	struct gw_diff d;
};

static void pair_diff(struct pair *p, const char *g0, const char *const e0[3], const char *g1,
		      const char *const e1[3])
{
	plan_of(g0, e0, &p->old);
	plan_of(g1, e1, &p->new);
	ck_assert_int_eq(gw_diff_plans(&p->old, &p->new, NULL, &p->d), 0);
	ck_assert(!p->d.nft.replace);
}

static void pair_release(struct pair *p)
{
	gw_diff_release(&p->d);
	gw_plan_release(&p->old);
	gw_plan_release(&p->new);
}

START_TEST(test_diff_start)
{
	struct gw_plan p;
	struct gw_diff d;

	plan_of(NULL, NULL, &p);
	ck_assert_int_eq(gw_diff_plans(NULL, &p, NULL, &d), 0);
	ck_assert_str_eq(acts(&d, NULL, &p),
			 "a=bridge-up,dhcp-up b=bridge-up,dhcp-up c=bridge-up,dhcp-up");
	ck_assert(d.nft.replace);
	gw_diff_release(&d);
	gw_plan_release(&p);
}
END_TEST

START_TEST(test_diff_unchanged)
{
	struct pair p;

	pair_diff(&p, NULL, NULL, NULL, NULL);
	ck_assert_str_eq(acts(&p.d, &p.old, &p.new), "a=keep b=keep c=keep");
	ck_assert(nft_update_empty(&p.d.nft));
	pair_release(&p);
}
END_TEST

/* A changed DHCP range or lease time restarts that network's dnsmasq
 * and nothing else: no rule mentions them. */
START_TEST(test_diff_dhcp_range)
{
	const char *const e[3] = { " dhcp { range = \"10.1.0.10-10.1.0.20\" }\n", NULL,
				   " dhcp { lease_time = 2h }\n" };
	struct pair p;

	pair_diff(&p, NULL, NULL, NULL, e);
	ck_assert_str_eq(acts(&p.d, &p.old, &p.new),
			 "a=dhcp-down,dhcp-up b=keep c=dhcp-down,dhcp-up");
	ck_assert(nft_update_empty(&p.d.nft));
	pair_release(&p);
}
END_TEST

/* host_access is a rule: b's input chain is refilled; every dnsmasq and
 * bridge, every other chain and every counter stay. */
START_TEST(test_diff_host_access)
{
	const char *const e[3] = { NULL, " host_access = true\n", NULL };
	struct pair p;

	pair_diff(&p, NULL, NULL, NULL, e);
	ck_assert_str_eq(acts(&p.d, &p.old, &p.new), "a=keep b=keep c=keep");
	ck_assert_str_eq(chain_names(&p.new.nft, p.d.nft.refill, p.d.nft.n_refill), "in_b");
	ck_assert_uint_eq(p.d.nft.n_add_chains + p.d.nft.n_del_chains, 0);
	ck_assert_uint_eq(p.d.nft.n_add_ctrs + p.d.nft.n_del_ctrs, 0);
	ck_assert_uint_eq(elems_changed(&p.d.nft), 0);
	ck_assert(!p.d.nft.ports_rewrite);
	pair_release(&p);
}
END_TEST

/* Which ports are guests is the backstop's business and the watch's:
 * a's guard chain only. */
START_TEST(test_diff_guest_ports)
{
	const char *const e[3] = { " guest_ports = {\"vm*\"}\n", NULL, NULL };
	struct pair p;

	pair_diff(&p, NULL, NULL, NULL, e);
	ck_assert_str_eq(acts(&p.d, &p.old, &p.new), "a=keep b=keep c=keep");
	ck_assert_str_eq(chain_names(&p.new.nft, p.d.nft.refill, p.d.nft.n_refill), "guard_a");
	ck_assert_uint_eq(p.d.nft.n_add_chains + p.d.nft.n_del_chains, 0);
	pair_release(&p);
}
END_TEST

/* Another uplink: c's NAT and forward chains. */
START_TEST(test_diff_uplink)
{
	const char *const e[3] = { NULL, NULL, " uplink = eth1\n" };
	struct pair p;

	pair_diff(&p, NULL, NULL, NULL, e);
	ck_assert_str_eq(acts(&p.d, &p.old, &p.new), "a=keep b=keep c=keep");
	ck_assert_str_eq(chain_names(&p.new.nft, p.d.nft.refill, p.d.nft.n_refill), "from_c,nat_c");
	pair_release(&p);
}
END_TEST

START_TEST(test_diff_add_network)
{
	char text[4096], more[4200];
	struct gw_plan old, new;
	struct gw_diff d;

	conf_text(text, sizeof(text), NULL, NULL);
	snprintf(more, sizeof(more), "%snetwork d {\n bridge = gw-d\n ipv4 = \"10.4.0.1/24\"\n}\n",
		 text);
	plan_from(text, &old);
	plan_from(more, &new);
	ck_assert_int_eq(gw_diff_plans(&old, &new, NULL, &d), 0);
	ck_assert_str_eq(acts(&d, &old, &new), "a=keep b=keep c=keep d=bridge-up,dhcp-up");
	ck_assert_str_eq(chain_names(&new.nft, d.nft.add_chains, d.nft.n_add_chains),
			 "bind_d,claim_d,from_d,guard_d,in_d,nat_d,out_d,ports_d,svc_d,to_d");
	ck_assert_uint_eq(d.nft.n_refill, 0); /* nobody else's chain */
	ck_assert_uint_eq(d.nft.n_del_chains + d.nft.n_del_ctrs, 0);
	ck_assert_str_eq(counter_names(&new.nft, d.nft.add_ctrs, d.nft.n_add_ctrs),
			 "bind_d,claim_d,dhcp_rate_d,drop_d,fwd_in_d,fwd_out_d,guard_d,nat_d,"
			 "outside_d,quota_d");
	/* nat, local4, svc4, in, from, to, out: one element each */
	/* 7 maps' elements, and our subnets in our_nets4/6 (untrusted.c) */
	ck_assert_uint_eq(elems_changed(&d.nft), 9);
	ck_assert(!d.nft.ports_rewrite);
	gw_diff_release(&d);
	gw_plan_release(&old);
	gw_plan_release(&new);
}
END_TEST

/* What a batch does to bind4 and bind6, in order: "flush SET", "SET:IFINDEX"
 * for an element added (the key's first 4 bytes), "-SET:IFINDEX" deleted. */
static const char *fast_ops(const struct nft_batch *b)
{
	static char out[256];
	size_t len;
	const struct nlmsghdr *nlh = nft_batch_data(b, &len);
	int left = (int)len;

	out[0] = '\0';
	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		int type =
			nlh->nlmsg_type >> 8 == NFNL_SUBSYS_NFTABLES ? nlh->nlmsg_type & 0xff : -1;
		struct nftnl_set *s;
		struct nftnl_set_elems_iter *it;
		struct nftnl_set_elem *e;
		bool any = false;

		if (type != NFT_MSG_DELSETELEM && type != NFT_MSG_NEWSETELEM)
			continue;
		ck_assert_ptr_nonnull(s = nftnl_set_alloc());
		/* (our_nets4/6's intervals do not parse back: not ours) */
		int parsed = nftnl_set_elems_nlmsg_parse(nlh, s);
		const char *name = nftnl_set_get_str(s, NFTNL_SET_NAME);

		if (!name || (strcmp(name, "bind4") && strcmp(name, "bind6"))) {
			nftnl_set_free(s);
			continue;
		}
		ck_assert_int_eq(parsed, 0);
		it = nftnl_set_elems_iter_create(s);
		while ((e = nftnl_set_elems_iter_next(it))) {
			uint32_t klen, ifindex;
			const void *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);

			memcpy(&ifindex, k, 4);
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s%s:%u",
				 out[0] ? " " : "", type == NFT_MSG_DELSETELEM ? "-" : "", name,
				 ifindex);
			any = true;
		}
		nftnl_set_elems_iter_destroy(it);
		if (!any)
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s %s",
				 out[0] ? " " : "", type == NFT_MSG_DELSETELEM ? "flush" : "none",
				 name);
		nftnl_set_free(s);
	}
	return out;
}

/* Removing b: its dnsmasq, bridge, chains, counters and elements go; the
 * ports map is rewritten in the same transaction (its elements may jump
 * to ports_b). In the batch, nothing is deleted while something still
 * refers to it. */
START_TEST(test_diff_remove_network)
{
	char text[4096];
	struct gw_plan old, new;
	struct gw_diff d;
	struct nft_batch *b;
	struct nft_elem port = { .key.ifname = "tap-a", .chain = "ports_a" };
	long del_elem = -1, del_chain = -1, flush = -1, del_ctr = -1, ports = -1;
	long last_flush = -1, first_del = -1;

	conf_text(text, sizeof(text), NULL, NULL);
	plan_from(text, &old);
	/* the same without network b */
	*strstr(text, "network b") = '\0';
	strcat(text, "network c {\n bridge = gw-c\n ipv4 = \"10.3.0.1/24\"\n}\n");
	plan_from(text, &new);
	ck_assert_int_eq(gw_diff_plans(&old, &new, NULL, &d), 0);
	ck_assert_str_eq(acts(&d, &old, &new), "a=keep b=dhcp-down,bridge-down c=keep");
	ck_assert_str_eq(chain_names(&old.nft, d.nft.del_chains, d.nft.n_del_chains),
			 "bind_b,claim_b,from_b,guard_b,in_b,nat_b,out_b,ports_b,svc_b,to_b");
	ck_assert_uint_eq(d.nft.n_refill, 0);
	ck_assert_str_eq(counter_names(&old.nft, d.nft.del_ctrs, d.nft.n_del_ctrs),
			 "bind_b,claim_b,dhcp_rate_b,drop_b,fwd_in_b,fwd_out_b,guard_b,nat_b,"
			 "outside_b,quota_b");
	/* 7 maps' elements, and our subnets in our_nets4/6 (untrusted.c) */
	ck_assert_uint_eq(elems_changed(&d.nft), 9);
	ck_assert(d.nft.ports_rewrite);

	ck_assert_int_eq(nft_batch_update(&old.nft, &new.nft, &d.nft, &port, 1, 100, &b), 0);
	for (uint32_t s = 100; s < 100 + nft_batch_count(b); s++) {
		const char *w = nft_batch_describe(b, s);

		if (!strcmp(w, "deleting elements of map inet gatewayd nat_nets"))
			del_elem = s;
		else if (!strcmp(w, "flushing chain inet gatewayd nat_b"))
			flush = s;
		else if (!strcmp(w, "deleting chain inet gatewayd nat_b"))
			del_chain = s;
		else if (!strcmp(w, "deleting counter inet gatewayd nat_b"))
			del_ctr = s;
		else if (!strcmp(w, "elements of map bridge gatewayd port_nets"))
			ports = s;
		if (!strncmp(w, "flushing chain", 14))
			last_flush = s;
		if (!strncmp(w, "deleting chain", 14) && first_del < 0)
			first_del = s;
		/* nobody else's chain is touched */
		ck_assert_msg(!strstr(w, "_a") && !strstr(w, "_c"), "%s", w);
	}
	ck_assert_int_gt(del_elem, 0);
	ck_assert_int_gt(flush, del_elem);
	ck_assert_int_gt(del_chain, flush);
	/* guard_b is jumped to from out_b and ports_b: every chain that goes
	 * is flushed before the first is deleted */
	ck_assert_int_gt(first_del, last_flush);
	ck_assert_int_gt(del_ctr, del_chain);
	ck_assert_int_gt(ports, 0); /* the kept port of a, back in the map */
	nft_batch_free(b);
	/* guest binding's map: its port of a kept (were it flushed, a's
	 * guest would be untrusted until the daemon's refill), b's gone */
	const struct nft_elem binds[] = { { .key.ifname = "tap-a", .chain = "bind_a" },
					  { .key.ifname = "tap-b", .chain = "bind_b" } };
	for (size_t n = 1; n <= 2; n++) {
		bool flushed = false, added = false;

		d.nft.bind_ports = binds + 2 - n; /* tap-b only, then both */
		d.nft.n_bind_ports = n;
		ck_assert_int_eq(nft_batch_update(&old.nft, &new.nft, &d.nft, &port, 1, 100, &b),
				 0);
		for (uint32_t s = 100; s < 100 + nft_batch_count(b); s++) {
			const char *w = nft_batch_describe(b, s);

			flushed |= strstr(w, "bind_nets") && strstr(w, "flush");
			added |= !strcmp(w, "elements of map bridge gatewayd bind_nets") && flushed;
		}
		ck_assert(flushed);
		ck_assert(added == (n == 2));
		nft_batch_free(b);
	}
	/* ... and the fast paths' elements of b's port gone in the same
	 * transaction (they come before the bind_nets dispatch: kept, tap-b
	 * would stay trusted until the daemon's next binding sync); a's
	 * kept. Flushed and added again: deleting an element that is not
	 * there would fail the reload. */
	const uint32_t ifindex[] = { 7, 8 };
	struct nft_elem fast4[2] = { 0 }, fast6[2] = { 0 };

	for (size_t i = 0; i < 2; i++) {
		memcpy(fast4[i].key.raw, &ifindex[i], 4);
		memcpy(fast6[i].key.raw, &ifindex[i], 4);
		fast4[i].key.raw[15] = fast6[i].key.raw[27] = (uint8_t)(10 + i);
	}
	d.nft.bind_ports = binds;
	d.nft.n_bind_ports = 2;
	d.nft.bind_ifindex = ifindex;
	d.nft.bind4 = fast4;
	d.nft.n_bind4 = 2;
	d.nft.bind6 = fast6;
	d.nft.n_bind6 = 2;
	d.nft.bind_fast = true;
	ck_assert_int_eq(nft_batch_update(&old.nft, &new.nft, &d.nft, &port, 1, 100, &b), 0);
	ck_assert_str_eq(fast_ops(b), "flush bind4 bind4:7 flush bind6 bind6:7");
	/* in the transaction that rewrites bind_nets, after it */
	long f_nets = -1, f_fast = -1;

	for (uint32_t q = 100; q < 100 + nft_batch_count(b); q++) {
		const char *w = nft_batch_describe(b, q);

		if (!strcmp(w, "flushing map bridge gatewayd bind_nets"))
			f_nets = q;
		else if (!strcmp(w, "flushing map bridge gatewayd bind4"))
			f_fast = q;
	}
	ck_assert_int_gt(f_nets, 0);
	ck_assert_int_gt(f_fast, f_nets);
	nft_batch_free(b);
	d.nft.n_bind_ports = 1; /* tap-b no longer a port at all: the same */
	ck_assert_int_eq(nft_batch_update(&old.nft, &new.nft, &d.nft, &port, 1, 100, &b), 0);
	ck_assert_str_eq(fast_ops(b), "flush bind4 bind4:7 flush bind6 bind6:7");
	nft_batch_free(b);
	/* what is in force unknown (the daemon's record lost): left alone --
	 * flushed, every guest's IPv4 would drop until the next sync */
	d.nft.bind_fast = false;
	ck_assert_int_eq(nft_batch_update(&old.nft, &new.nft, &d.nft, &port, 1, 100, &b), 0);
	ck_assert_str_eq(fast_ops(b), "");
	nft_batch_free(b);
	d.nft.bind_ports = NULL;
	d.nft.n_bind_ports = 0;
	d.nft.bind_ifindex = NULL;
	d.nft.bind4 = d.nft.bind6 = NULL;
	d.nft.n_bind4 = d.nft.n_bind6 = 0;
	d.nft.bind_fast = false;
	gw_diff_release(&d);
	gw_plan_release(&old);
	gw_plan_release(&new);
}
END_TEST

/* A network renamed, keeping its bridge: the old name goes, the new one
 * comes, and the bridge is handed over (kept, its guests plugged in);
 * the ports map is rewritten (its elements jumped to the old chains). */
START_TEST(test_diff_renamed_network)
{
	char text[4096];
	struct gw_plan old, new;
	struct gw_diff d;

	conf_text(text, sizeof(text), NULL, NULL);
	plan_from(text, &old);
	memcpy(strstr(text, "network b"), "network x", 9);
	plan_from(text, &new);
	ck_assert_int_eq(gw_diff_plans(&old, &new, NULL, &d), 0);
	ck_assert_str_eq(acts(&d, &old, &new),
			 "a=keep b=dhcp-down,bridge-down c=keep x=bridge-up,dhcp-up");
	ck_assert_int_eq(d.nets[1].bridge_to, gw_plan_find(&new, "x"));
	ck_assert_int_eq(d.nets[0].bridge_to, -1);
	ck_assert(d.nft.ports_rewrite);
	gw_diff_release(&d);
	gw_plan_release(&old);
	gw_plan_release(&new);
}
END_TEST

START_TEST(test_diff_bridge_renamed)
{
	char text[4096];
	struct gw_plan old, new;
	struct gw_diff d;

	conf_text(text, sizeof(text), NULL, NULL);
	plan_from(text, &old);
	memcpy(strstr(text, "gw-a"), "gw-x", 4);
	plan_from(text, &new);
	ck_assert_int_eq(gw_diff_plans(&old, &new, NULL, &d), 0);
	ck_assert_str_eq(acts(&d, &old, &new),
			 "a=dhcp-down,bridge-down,bridge-up,dhcp-up b=keep c=keep");
	gw_diff_release(&d);
	gw_plan_release(&old);
	gw_plan_release(&new);
}
END_TEST

/* New addresses on the same bridge: the old ones go, the new ones come,
 * and dnsmasq (bound to them) restarts. */
START_TEST(test_diff_addresses)
{
	char text[4096];
	struct gw_plan old, new;
	struct gw_diff d;

	conf_text(text, sizeof(text), NULL, NULL);
	plan_from(text, &old);
	memcpy(strstr(text, "10.2.0.1/24"), "10.9.0.1/24", 11);
	plan_from(text, &new);
	ck_assert_int_eq(gw_diff_plans(&old, &new, NULL, &d), 0);
	ck_assert_str_eq(acts(&d, &old, &new),
			 "a=keep b=dhcp-down,addrs-del,bridge-up,dhcp-up c=keep");
	gw_diff_release(&d);
	gw_plan_release(&old);
	gw_plan_release(&new);
}
END_TEST

/* dnsmasq_user: every dnsmasq restarts; no bridge, no rule changes. */
START_TEST(test_diff_dnsmasq_user)
{
	struct pair p;

	pair_diff(&p, "dnsmasq_user = \"nobody\"", NULL, "dnsmasq_user = \"root\"", NULL);
	ck_assert_str_eq(acts(&p.d, &p.old, &p.new),
			 "a=dhcp-down,dhcp-up b=dhcp-down,dhcp-up c=dhcp-down,dhcp-up");
	ck_assert(nft_update_empty(&p.d.nft));
	pair_release(&p);
}
END_TEST

/* A network refused at its probe is probed again on reload. */
START_TEST(test_diff_redo_refused)
{
	const bool redo[3] = { false, true, false };
	struct gw_plan old, new;
	struct gw_diff d;

	plan_of(NULL, NULL, &old);
	plan_of(NULL, NULL, &new);
	ck_assert_int_eq(gw_diff_plans(&old, &new, redo, &d), 0);
	ck_assert_str_eq(acts(&d, &old, &new), "a=keep b=dhcp-down,dhcp-up c=keep");
	gw_diff_release(&d);
	gw_plan_release(&old);
	gw_plan_release(&new);
}
END_TEST

/* The plan holds what dnsmasq is told, as text: the diff compares that,
 * not a list of config fields someone has to keep up to date. */
START_TEST(test_plan_dnsmasq_text)
{
	struct gw_plan p;

	plan_of(NULL, NULL, &p);
	ck_assert_ptr_nonnull(strstr(p.nets[1].dnsmasq_conf, "interface=gw-b"));
	ck_assert_ptr_null(strstr(p.nets[1].dnsmasq_conf, "gw-a"));
	ck_assert(p.v6);
	ck_assert_str_eq(p.nets[2].uplink, "eth0");
	gw_plan_release(&p);
}
END_TEST

/* Static hosts live in files dnsmasq re-reads on SIGHUP: a host added,
 * changed or removed is "dhcp-hosts" for its network alone (no restart,
 * no rule, no bridge); the config text stays the same. */
START_TEST(test_diff_static_host)
{
	const char *const one[3] = { NULL,
				     " host web { mac = \"52:54:00:00:00:01\" ipv4 = "
				     "\"10.2.0.10\" }\n",
				     NULL };
	const char *const moved[3] = { NULL,
				       " host web { mac = \"52:54:00:00:00:01\" ipv4 = "
				       "\"10.2.0.11\" }\n",
				       NULL };
	struct pair p;

	pair_diff(&p, NULL, NULL, NULL, one);
	ck_assert_str_eq(acts(&p.d, &p.old, &p.new), "a=keep b=dhcp-hosts c=keep");
	ck_assert_str_eq(p.old.nets[1].dnsmasq_conf, p.new.nets[1].dnsmasq_conf);
	ck_assert_ptr_nonnull(
		strstr(p.new.nets[1].dhcp_hosts, "\n52:54:00:00:00:01,10.2.0.10,web\n"));
	ck_assert_ptr_nonnull(strstr(p.new.nets[1].dns_hosts, "\n10.2.0.10 web\n"));
	ck_assert(nft_update_empty(&p.d.nft));
	pair_release(&p);

	pair_diff(&p, NULL, one, NULL, moved);
	ck_assert_str_eq(acts(&p.d, &p.old, &p.new), "a=keep b=dhcp-hosts c=keep");
	pair_release(&p);

	pair_diff(&p, NULL, one, NULL, NULL);
	ck_assert_str_eq(acts(&p.d, &p.old, &p.new), "a=keep b=dhcp-hosts c=keep");
	pair_release(&p);
}
END_TEST

/* What dnsmasq only reads at start: a new domain, own upstream servers or
 * an MTU restart that network's dnsmasq (and are never "dhcp-hosts" as
 * well: the restart writes the hosts files anyway). */
START_TEST(test_diff_domain)
{
	const char *const dom[3] = { " domain = \"a.internal\"\n",
				     " dns_servers = {\"192.0.2.53\"}\n", " mtu = 1400\n" };
	const char *const dom_host[3] = { " domain = \"b.internal\"\n host x { ipv4 = "
					  "\"10.1.0.9\" }\n",
					  NULL, NULL };
	struct pair p;

	pair_diff(&p, NULL, NULL, NULL, dom);
	ck_assert_str_eq(acts(&p.d, &p.old, &p.new),
			 "a=dhcp-down,dhcp-up b=dhcp-down,dhcp-up c=dhcp-down,dhcp-up");
	ck_assert(nft_update_empty(&p.d.nft));
	pair_release(&p);

	pair_diff(&p, NULL, dom, NULL, dom_host);
	ck_assert_str_eq(acts(&p.d, &p.old, &p.new),
			 "a=dhcp-down,dhcp-up b=dhcp-down,dhcp-up c=dhcp-down,dhcp-up");
	pair_release(&p);
}
END_TEST

/* The host as the watch reads it, against the plan: a's bridge is up with
 * its addresses and has a guest port and a NIC; b's is gone; c's is down
 * and lost its address. */
START_TEST(test_diff_host)
{
	struct host_link links[] = {
		{ 1, "lo", "", 0, IFF_UP, 0, { 0 } },
		{ 10, "gw-a", "bridge", 0, IFF_UP, 0, { 0 } },
		{ 11, "tap0", "tun", 10, IFF_UP, 0, { 0 } },
		{ 12, "eth9", "", 10, IFF_UP, 0, { 0 } },
		{ 30, "gw-c", "bridge", 0, 0, 0, { 0 } },
	};
	struct host_addr addrs[] = {
		{ AF_INET, { 10, 1, 0, 1 }, 24, 10, { 0 } },
		{ AF_INET6, { 0xfd, 0x01, [15] = 1 }, 64, 10, { 0 } },
		{ AF_INET, { 10, 9, 9, 9 }, 24, 30, { 0 } },
	};
	struct host_facts f = { 5, 3, 0, links, addrs, NULL, false };
	struct gw_host_diff hd;
	struct gw_plan p;

	plan_of(NULL, NULL, &p);
	ck_assert_int_eq(gw_diff_host(&p, NULL, &f, &hd), 0);
	ck_assert_uint_eq(hd.repair[0], 0);
	ck_assert_ptr_nonnull(hd.foreign[0]);
	ck_assert_str_eq(hd.foreign[0]->name, "eth9");
	ck_assert_uint_eq(hd.repair[1], GR_BRIDGE_GONE);
	ck_assert_ptr_null(hd.foreign[1]);
	ck_assert_uint_eq(hd.repair[2], GR_BRIDGE_DOWN | GR_ADDR_MISSING);
	gw_host_diff_release(&hd);

	/* the same read with links sorted by name (as rtnl_read_facts gives
	 * them), looked up by halving */
	{
		struct host_link sorted[] = { links[3], links[1], links[4], links[0], links[2] };
		struct host_facts fs = f;

		fs.links = sorted;
		fs.links_by_name = true;
		ck_assert_int_eq(gw_diff_host(&p, NULL, &fs, &hd), 0);
		ck_assert_uint_eq(hd.repair[0], 0);
		ck_assert_str_eq(hd.foreign[0]->name, "eth9");
		ck_assert_uint_eq(hd.repair[1], GR_BRIDGE_GONE);
		ck_assert_uint_eq(hd.repair[2], GR_BRIDGE_DOWN | GR_ADDR_MISSING);
		ck_assert_ptr_null(host_link_by_name(&fs, "gw-b"));
		ck_assert_int_eq(host_link_by_name(&fs, "tap0")->ifindex, 11);
		gw_host_diff_release(&hd);
	}

	/* the NIC leaves, a's IPv6 address goes: the guard resumes, the
	 * address is put back */
	links[3].master = 0;
	addrs[1].ifindex = 99;
	ck_assert_int_eq(gw_diff_host(&p, NULL, &f, &hd), 0);
	ck_assert_ptr_null(hd.foreign[0]);
	ck_assert_uint_eq(hd.repair[0], GR_ADDR_MISSING);
	gw_host_diff_release(&hd);
	gw_plan_release(&p);
}
END_TEST

/* Status and metrics read the counters the planner creates through one
 * table: each kind is in the plan, per network, in its family, and the
 * plan has no counter the table does not name. */
START_TEST(test_counter_kinds)
{
	struct gw_plan p;
	size_t found = 0;

	plan_of(NULL, NULL, &p);
	for (size_t n = 0; n < p.conf->n_networks; n++)
		for (size_t k = 0; k < NCTR_COUNT; k++) {
			char name[NFT_NAME_MAX];
			bool in_plan = false;

			nft_counter_name(name, nft_ctr_kinds[k].what, p.conf->networks[n].name);
			for (size_t c = 0; c < p.nft.n_counters; c++)
				in_plan |= !strcmp(p.nft.counters[c].name, name) &&
					   p.nft.counters[c].family == nft_ctr_kinds[k].family;
			ck_assert_msg(in_plan, "counter %s not in the plan", name);
			ck_assert_ptr_nonnull(nft_ctr_kinds[k].status);
			ck_assert_ptr_nonnull(nft_ctr_kinds[k].metric_packets);
			found++;
		}
	/* and one for the whole bridge table: ports not known yet's drops
	 * (nft/untrusted.c), in status as the backstop's */
	ck_assert_uint_eq(p.nft.n_counters, found + 1);
	gw_plan_release(&p);
}
END_TEST

/* The plan in force is kept compacted (nft_plan_compact(): per chain a
 * digest of its rules, the rules freed): a diff against it names the
 * same chains as a diff against the whole plan. */
static const struct {
	const char *e0[3], *e1[3];
	const char *refill; /* what both diffs refill */
} compact_cases[] = {
	{ { NULL, NULL, NULL }, { NULL, NULL, NULL }, "" },
	{ { NULL, NULL, NULL }, { NULL, " host_access = true\n", NULL }, "in_b" },
	{ { NULL, NULL, NULL }, { " guest_ports = {\"vm*\"}\n", NULL, NULL }, "guard_a" },
	{ { NULL, NULL, NULL }, { NULL, NULL, " uplink = eth1\n" }, "from_c,nat_c" },
	{ { NULL, NULL, NULL }, { NULL, NULL, " dhcp { lease_time = 2h }\n" }, "" },
	/* one address inside a rule, nothing else */
	{ { " snat_address = \"203.0.113.5\"\n", NULL, NULL },
	  { " snat_address = \"203.0.113.6\"\n", NULL, NULL },
	  "nat_a" },
	{ { " snat_address = \"203.0.113.5:1024-2047\"\n", NULL, NULL },
	  { " snat_address = \"203.0.113.5:1024-2048\"\n", NULL, NULL },
	  "nat_a" },
};

START_TEST(test_diff_compacted)
{
	struct gw_plan old, new;
	struct gw_diff whole, compact;
	size_t n_rules;

	plan_of(NULL, compact_cases[_i].e0, &old);
	plan_of(NULL, compact_cases[_i].e1, &new);
	ck_assert_int_eq(gw_diff_plans(&old, &new, NULL, &whole), 0);
	n_rules = old.nft.n_rules;
	ck_assert_uint_gt(n_rules, 0);
	ck_assert_int_eq(nft_plan_compact(&old.nft), 0);
	ck_assert_ptr_null(old.nft.rules);
	ck_assert_uint_eq(old.nft.n_rules, 0);
	ck_assert_uint_eq(nft_plan_rule_count(&old.nft), n_rules);
	ck_assert_int_eq(nft_plan_compact(&old.nft), 0); /* again: a no-op */
	ck_assert_int_eq(gw_diff_plans(&old, &new, NULL, &compact), 0);
	ck_assert(!whole.nft.replace && !compact.nft.replace);
	ck_assert_str_eq(chain_names(&new.nft, whole.nft.refill, whole.nft.n_refill),
			 compact_cases[_i].refill);
	ck_assert_str_eq(chain_names(&new.nft, compact.nft.refill, compact.nft.n_refill),
			 compact_cases[_i].refill);
	ck_assert_uint_eq(compact.nft.n_add_chains + compact.nft.n_del_chains,
			  whole.nft.n_add_chains + whole.nft.n_del_chains);
	ck_assert_uint_eq(compact.nft.n_add_ctrs + compact.nft.n_del_ctrs,
			  whole.nft.n_add_ctrs + whole.nft.n_del_ctrs);
	ck_assert_uint_eq(elems_changed(&compact.nft), elems_changed(&whole.nft));
	ck_assert_str_eq(acts(&compact, &old, &new), acts(&whole, &old, &new));
	gw_diff_release(&whole);
	gw_diff_release(&compact);
	/* a compacted plan is never the new one */
	ck_assert_int_eq(gw_diff_plans(&new, &old, NULL, &compact), -EINVAL);
	gw_plan_release(&old);
	gw_plan_release(&new);
}
END_TEST

/* The daemon puts back tables someone removed from the compacted plan's
 * config: built again, the same ruleset as the plan it was. */
START_TEST(test_plan_nft_rebuild)
{
	const char *const e[3] = { " snat_address = \"203.0.113.5\"\n", NULL, " uplink = eth1\n" };
	struct gw_plan p;
	struct nft_plan again;
	struct nft_update u;
	char *t0 = NULL, *t1 = NULL;
	size_t l0 = 0, l1 = 0;
	FILE *f;

	plan_of(NULL, e, &p);
	ck_assert_ptr_nonnull(f = open_memstream(&t0, &l0));
	nft_plan_print(f, &p.nft);
	fclose(f);
	ck_assert_int_eq(nft_plan_compact(&p.nft), 0);
	ck_assert_int_eq(gw_plan_nft_rebuild(&p, &again), 0);
	ck_assert_ptr_nonnull(f = open_memstream(&t1, &l1));
	nft_plan_print(f, &again);
	fclose(f);
	ck_assert_str_eq(t1, t0);
	ck_assert_int_eq(nft_update_plan(&p.nft, &again, &u), 0);
	ck_assert(nft_update_empty(&u));
	nft_update_release(&u);
	nft_plan_release(&again);
	gw_plan_release(&p);
	free(t0);
	free(t1);
}
END_TEST

/* The chains' digests are keyed (SipHash, nft_digest_key()): the same
 * rules digest alike under one key, differently under another, and two
 * processes draw two keys -- no config can be crafted offline to make a
 * changed chain collide with the old one (a reload would keep the old
 * rules). */
static void digests_of(const struct gw_plan *tmpl, uint64_t (*out)[2], size_t n)
{
	struct gw_plan p;

	plan_of(NULL, (const char *const[3]){ NULL, NULL, NULL }, &p);
	ck_assert_uint_eq(p.nft.n_chains, tmpl->nft.n_chains);
	ck_assert_int_eq(nft_plan_compact(&p.nft), 0);
	memcpy(out, p.nft.digests, n * sizeof(*out));
	gw_plan_release(&p);
}

START_TEST(test_digest_keyed)
{
	static const uint64_t k1[2] = { 1, 2 }, k2[2] = { 1, 3 };
	uint64_t(*a)[2], (*b)[2], (*c)[2];
	struct gw_plan p;
	struct gw_diff d;
	size_t n, same = 0;
	int pfd[2];

	plan_of(NULL, (const char *const[3]){ NULL, NULL, NULL }, &p);
	n = p.nft.n_chains;
	ck_assert_uint_gt(n, 3);
	a = calloc(n, sizeof(*a));
	b = calloc(n, sizeof(*b));
	c = calloc(2 * n, sizeof(*c));
	nft_digest_key(k1);
	digests_of(&p, a, n);
	digests_of(&p, c, n);
	ck_assert_mem_eq(a, c, n * sizeof(*a)); /* same key, same rules: equal */
	nft_digest_key(k2);
	digests_of(&p, b, n);
	for (size_t i = 0; i < n; i++)
		same += a[i][0] == b[i][0] || a[i][1] == b[i][1];
	ck_assert_uint_eq(same, 0);
	/* under the one key, a compacted plan still equals its rules */
	{
		struct gw_plan old;

		plan_of(NULL, (const char *const[3]){ NULL, NULL, NULL }, &old);
		ck_assert_int_eq(nft_plan_compact(&old.nft), 0);
		ck_assert_int_eq(gw_diff_plans(&old, &p, NULL, &d), 0);
		ck_assert_uint_eq(d.nft.n_refill, 0);
		gw_diff_release(&d);
		gw_plan_release(&old);
	}
	/* two processes, each keyed by itself */
	ck_assert_int_eq(pipe(pfd), 0);
	for (int i = 0; i < 2; i++) {
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			uint64_t(*x)[2] = calloc(n, sizeof(*x));

			nft_digest_key(NULL); /* as gatewayd does at start */
			digests_of(&p, x, n);
			_exit(write(pfd[1], x, n * sizeof(*x)) == (ssize_t)(n * sizeof(*x)) ? 0
											    : 1);
		}
		ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	}
	close(pfd[1]);
	ck_assert_int_eq(read(pfd[0], c, 2 * n * sizeof(*c)), (ssize_t)(2 * n * sizeof(*c)));
	close(pfd[0]);
	same = 0;
	for (size_t i = 0; i < n; i++)
		same += c[i][0] == c[n + i][0] || c[i][1] == c[n + i][1];
	ck_assert_uint_eq(same, 0);
	free(a);
	free(b);
	free(c);
	gw_plan_release(&p);
}
END_TEST

Suite *plan_suite(void)
{
	Suite *s = suite_create("plan+diff");
	TCase *tc = tcase_create("diff");

	tcase_add_test(tc, test_diff_start);
	tcase_add_test(tc, test_diff_unchanged);
	tcase_add_test(tc, test_diff_dhcp_range);
	tcase_add_test(tc, test_diff_host_access);
	tcase_add_test(tc, test_diff_guest_ports);
	tcase_add_test(tc, test_diff_uplink);
	tcase_add_test(tc, test_diff_add_network);
	tcase_add_test(tc, test_diff_remove_network);
	tcase_add_test(tc, test_diff_bridge_renamed);
	tcase_add_test(tc, test_diff_renamed_network);
	tcase_add_test(tc, test_diff_addresses);
	tcase_add_test(tc, test_diff_dnsmasq_user);
	tcase_add_test(tc, test_diff_redo_refused);
	tcase_add_test(tc, test_plan_dnsmasq_text);
	tcase_add_test(tc, test_diff_static_host);
	tcase_add_test(tc, test_diff_domain);
	tcase_add_test(tc, test_diff_host);
	tcase_add_test(tc, test_counter_kinds);
	tcase_add_loop_test(tc, test_diff_compacted, 0,
			    sizeof(compact_cases) / sizeof(compact_cases[0]));
	tcase_add_test(tc, test_plan_nft_rebuild);
	tcase_add_test(tc, test_digest_keyed);
	suite_add_tcase(s, tc);
	return s;
}
