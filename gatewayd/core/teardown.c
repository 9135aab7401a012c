/* --teardown: remove what a crashed gatewayd left, from the state and run
 * directories and our fixed names only -- never from a running config. */
#include "gatewayd/core/apply.h"
#include "gatewayd/core/bgp.h"
#include "gatewayd/core/bridge.h"
#include "gatewayd/core/qemu_acl.h"
#include "gatewayd/core/taps.h"
#include "dhcp/supervisor.h"
#include "lib/log.h"
#include "gatewayd/host/rtnl.h"
#include "lib/state.h"
#include "gatewayd/host/sysctl.h"
#include "nft/commit.h"
#include "nft/inspect.h"
#include "nft/plan.h"

#include <dirent.h>
#include <linux/netfilter.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void sysctl_skipped(const struct sysctl_rec *rec, const char *now)
{
	log_warnx("sysctl %s is now %s, not the %s gatewayd set: leaving it (original was %s)",
		  rec->key, now, rec->written, rec->orig);
}

/* dnsmasq pid files in run_dir, whatever networks the old config had. */
static int teardown_dnsmasq(const struct gw_conf *conf)
{
	DIR *d = opendir(conf->run_dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char ppath[GW_PATH_MAX + 300], cpath[GW_PATH_MAX + 300];
		size_t len = strlen(e->d_name);
		const char *sfx = ".dnsmasq.pid";

		if (len <= strlen(sfx) || strcmp(e->d_name + len - strlen(sfx), sfx))
			continue;
		snprintf(ppath, sizeof(ppath), "%s/%s", conf->run_dir, e->d_name);
		snprintf(cpath, sizeof(cpath), "%s/%.*s.dnsmasq.conf", conf->run_dir,
			 (int)(len - strlen(sfx)), e->d_name);
		if (dnsmasq_kill_orphan(ppath, cpath) > 0) {
			log_info("teardown: stopped dnsmasq (%s)", e->d_name);
			n++;
		}
		unlink(cpath);
		/* its static hosts' files (dhcp/hosts.h) */
		snprintf(cpath, sizeof(cpath), "%s/%.*s.hosts", conf->run_dir,
			 (int)(len - strlen(sfx)), e->d_name);
		unlink(cpath);
		snprintf(cpath, sizeof(cpath), "%s/%.*s.dhcp-hosts", conf->run_dir,
			 (int)(len - strlen(sfx)), e->d_name);
		unlink(cpath);
		/* and its guests' pinned names (dhcp/names.h) */
		snprintf(cpath, sizeof(cpath), "%s/%.*s.dhcp-names", conf->run_dir,
			 (int)(len - strlen(sfx)), e->d_name);
		unlink(cpath);
	}
	closedir(d);
	return n;
}

/* The links a state_dir file lists (what gatewayd created) that still
 * exist with that kind in gatewayd's netdev group, added to del; a name
 * that does not is taken out of the record. */
static void links_list(struct rtnl *rt, const struct gw_conf *conf, const char *file,
		       const char *kind, const char *what, struct links_del *del)
{
	char path[GW_PATH_MAX + 32], (*names)[IFNAMSIZ] = NULL;
	size_t n = 0;

	state_path(conf->state_dir, file, path, sizeof(path));
	state_names_read(path, &names, &n);
	for (size_t i = 0; i < n; i++) {
		struct rtnl_link l;

		if (rtnl_link_get(rt, names[i], &l) == 0 && !strcmp(l.kind, kind) &&
		    link_in_our_group(&l)) {
			if (links_del_add(del, &l, what, file) < 0)
				log_warnx("teardown: %s %s: out of memory", what, names[i]);
		} else {
			/* gone, or someone else's link took the recorded name
			 * (bridge.h link_in_our_group()) */
			if (rtnl_link_get(rt, names[i], &l) == 0 && !strcmp(l.kind, kind))
				log_warnx("teardown: %s %s is on record but not in gatewayd's "
					  "netdev group %u: someone else's, left in place",
					  what, names[i], GW_NETDEV_GROUP);
			state_names_remove(path, names[i]);
		}
	}
	free(names);
}

/* The taps (core/taps.h) and the bridges gatewayd made, in one go. */
static int links_remove(const struct gw_conf *conf)
{
	struct links_del del = { 0 };
	struct rtnl *rt = NULL;
	int removed;

	if (rtnl_open(&rt) < 0)
		return 0;
	links_list(rt, conf, STATE_TAPS_MADE, "tun", "tap", &del);
	links_list(rt, conf, STATE_BRIDGES, "bridge", "bridge", &del);
	removed = links_del_run(rt, conf->state_dir, &del, "teardown: ");
	rtnl_close(rt);
	return removed;
}

int apply_teardown(const struct gw_conf *conf)
{
	char path[GW_PATH_MAX + 32], err[512];
	struct sysctl_state ss;
	int removed = teardown_dnsmasq(conf), r;

	if (nft_table_exists(NFPROTO_INET) > 0 || nft_table_exists(NFPROTO_BRIDGE) > 0) {
		if ((r = nft_remove_table(NULL, err, sizeof(err))) < 0)
			log_warnx("teardown: %s", err);
		else {
			log_info("teardown: removed tables inet and bridge %s", NFT_TABLE_NAME);
			removed++;
		}
	}
	removed += links_remove(conf);
	state_path(conf->state_dir, STATE_SYSCTL, path, sizeof(path));
	if (sysctl_state_load(path, &ss) == 0 && ss.n) {
		r = sysctl_restore(&ss, SYSCTL_ROOT, path, sysctl_skipped);
		if (r > 0)
			log_info("teardown: restored %d sysctl%s", r, r == 1 ? "" : "s");
		removed += r;
	}
	/* BIRD's fragment: emptied, not removed (bird.conf includes it) */
	bgp_teardown(conf);
	if ((r = qemu_acl_remove(conf->state_dir, err, sizeof(err))) < 0)
		log_warnx("teardown: %s", err);
	else if (r > 0) {
		log_info("teardown: removed the QEMU bridge helper's ACL for our bridges");
		removed++;
	}
	return removed;
}
