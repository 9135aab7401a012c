/* The run-time diff's own CPU per host event, without the kernel (issue
 * 17): N networks (a bridge, its addresses and routes, one guest port
 * each), then one event that touches none of them -- a container's veth
 * pair made -- diffed as the watch does it:
 *   old:   what watch_links() computed on every link event before the
 *          run-time diff (gw_diff_host() over every network, and every
 *          network's ports collected and compared);
 *   all:   rt_diff() with ch->all (the transitional path, until the
 *          snapshot says what changed);
 *   delta: rt_diff() with the batch's change (the snapshot's).
 * CPU time (CLOCK_PROCESS_CPUTIME_ID), so a busy machine slows it little.
 * Reading the host (4 dumps per event before) is not counted here.
 * Usage: rtdiff-cost [N [ROUNDS]] */
#include "conf/conf.h"
#include "gatewayd/core/diff.h"
#include "gatewayd/core/plan.h"
#include "gatewayd/core/rtplan.h"
#include "gatewayd/host/hostcheck.h"
#include "gatewayd/host/preflight.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static double cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int link_cmp(const void *a, const void *b)
{
	return strcmp(((const struct host_link *)a)->name, ((const struct host_link *)b)->name);
}

/* The old per-event computation, minus its syscalls. */
static size_t old_check(const struct gw_plan *p, const struct host_facts *f,
			const struct gw_net_rt *rts)
{
	struct gw_host_diff hd;
	size_t changed = 0;

	if (gw_diff_host(p, NULL, f, &hd) < 0)
		return 0;
	for (size_t i = 0; i < p->conf->n_networks; i++) {
		const struct host_link *br = host_link_by_name(f, p->conf->networks[i].bridge);
		char(*ports)[IFNAMSIZ] = calloc(f->n_links, IFNAMSIZ);
		size_t n = 0;

		for (size_t k = 0; br && k < f->n_links; k++)
			if (f->links[k].master == br->ifindex &&
			    !hostcheck_test_port(NULL, f->links[k].ifindex))
				memcpy(ports[n++], f->links[k].name, IFNAMSIZ);
		changed += n != rts[i].n_ports || memcmp(ports, rts[i].ports, n * IFNAMSIZ);
		free(ports);
	}
	gw_host_diff_release(&hd);
	return changed;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
	size_t rounds = argc > 2 ? strtoul(argv[2], NULL, 10) : 200;
	size_t len = 256 * n + 64, off = 0;
	char *text = malloc(len), err[512];
	struct preflight pf = { 0 };
	struct gw_conf *conf;
	struct gw_plan plan;
	struct host_facts f = { 0 };
	struct gw_net_rt *rts = calloc(n, sizeof(*rts));
	struct host_link_change lc[2] = { { .ifindex = 900001, .added = true },
					  { .ifindex = 900002, .added = true } };
	struct host_change ch = { .n_links = 2, .links = lc }, all = { .all = true };
	double t0, t_old, t_all, t_delta;
	size_t sink = 0;

	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(
			text + off, len - off,
			"network n%zu {\n bridge = gw%zu\n ipv4 = \"10.%zu.%zu.1/24\"\n "
			"ipv6 = \"fd00:%zx::1/64\"\n}\n",
			i, i, 1 + i / 256, i % 256, i + 1);
	if (conf_load_buf("bench.conf", text, &conf, err, sizeof(err)) < 0 ||
	    preflight_new(conf, &pf) < 0) {
		fprintf(stderr, "config: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		snprintf(pf.uplinks[i], IFNAMSIZ, "eth0");
	if (gw_plan_build(conf, &pf, false, &plan) < 0)
		return 1;
	preflight_release(&pf);
	/* lo, eth0, per network its bridge and a guest tap; the veth pair */
	f.links = calloc(2 * n + 4, sizeof(*f.links));
	f.addrs = calloc(3 * n + 2, sizeof(*f.addrs));
	f.routes = calloc(2 * n + 2, sizeof(*f.routes));
	f.links[f.n_links++] = (struct host_link){
		.ifindex = 1, .name = "lo", .kind = "", .master = 0, .flags = IFF_UP, .peer = 0
	};
	f.links[f.n_links++] = (struct host_link){
		.ifindex = 2, .name = "eth0", .kind = "", .master = 0, .flags = IFF_UP, .peer = 0
	};
	for (size_t i = 0; i < n; i++) {
		struct host_link *br = &f.links[f.n_links++], *tap = &f.links[f.n_links++];
		const struct gw_network *net = &plan.conf->networks[i];
		struct host_addr *a4 = &f.addrs[f.n_addrs++], *a6 = &f.addrs[f.n_addrs++],
				 *ll = &f.addrs[f.n_addrs++];
		struct host_route *r4 = &f.routes[f.n_routes++], *r6 = &f.routes[f.n_routes++];

		*br = (struct host_link){ .ifindex = (int)(10 + 2 * i), .flags = IFF_UP };
		snprintf(br->name, IFNAMSIZ, "%s", net->bridge);
		snprintf(br->kind, sizeof(br->kind), "bridge");
		*tap = (struct host_link){ .ifindex = (int)(11 + 2 * i),
					   .master = br->ifindex,
					   .flags = IFF_UP };
		snprintf(tap->name, IFNAMSIZ, "tap%u", (unsigned)(i % 1000000));
		snprintf(tap->kind, sizeof(tap->kind), "tun");
		*a4 = (struct host_addr){ .family = AF_INET, .plen = 24, .ifindex = br->ifindex };
		memcpy(a4->addr, &net->ipv4.addr, 4);
		*a6 = (struct host_addr){ .family = AF_INET6, .plen = 64, .ifindex = br->ifindex };
		memcpy(a6->addr, &net->ipv6.addr, 16);
		*ll = (struct host_addr){ .family = AF_INET6, .plen = 64, .ifindex = br->ifindex };
		ll->addr[0] = 0xfe;
		ll->addr[1] = 0x80;
		ll->addr[15] = (uint8_t)i;
		*r4 = (struct host_route){ .family = AF_INET, .plen = 24, .ifindex = br->ifindex };
		memcpy(r4->dst, &net->ipv4.addr, 3);
		*r6 = (struct host_route){ .family = AF_INET6, .plen = 64, .ifindex = br->ifindex };
		memcpy(r6->dst, &net->ipv6.addr, 8);
		rts[i].ports = calloc(1, IFNAMSIZ);
		rts[i].n_ports = 1;
		memcpy(rts[i].ports[0], tap->name, IFNAMSIZ);
	}
	f.links[f.n_links++] = (struct host_link){ .ifindex = 900001,
						   .name = "veth-c1",
						   .kind = "veth",
						   .master = 0,
						   .flags = IFF_UP,
						   .peer = 900002 };
	f.links[f.n_links++] = (struct host_link){ .ifindex = 900002,
						   .name = "veth-c1p",
						   .kind = "veth",
						   .master = 0,
						   .flags = IFF_UP,
						   .peer = 900001 };
	qsort(f.links, f.n_links, sizeof(*f.links), link_cmp);
	f.links_by_name = true;

	t0 = cpu_ms();
	for (size_t r = 0; r < rounds; r++)
		sink += old_check(&plan, &f, rts);
	t_old = (cpu_ms() - t0) / (double)rounds;
	t0 = cpu_ms();
	for (size_t r = 0; r < rounds; r++) {
		struct rt_diff d;

		if (rt_diff(&plan, NULL, &f, &all, rts, &d) == 0)
			sink += d.n + d.n_add;
		rt_diff_release(&d);
	}
	t_all = (cpu_ms() - t0) / (double)rounds;
	t0 = cpu_ms();
	for (size_t r = 0; r < rounds * 20; r++) {
		struct rt_diff d;

		if (rt_diff(&plan, NULL, &f, &ch, rts, &d) == 0)
			sink += d.n + d.n_add;
		rt_diff_release(&d);
	}
	t_delta = (cpu_ms() - t0) / (double)(rounds * 20);
	printf("networks %zu links %zu addrs %zu routes %zu: CPU per foreign link event: "
	       "old %.3f ms, all %.3f ms, delta %.4f ms (actions %zu)\n",
	       n, f.n_links, f.n_addrs, f.n_routes, t_old, t_all, t_delta, sink);
	return 0;
}
