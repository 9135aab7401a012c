/* gatewayd: routed guest networks for virtual machines.
 *
 * main() parses the command line, loads the config (exit 2 on a bad one,
 * before anything is applied), takes the instance lock, and runs the event
 * loop: signals arrive through a signalfd, dnsmasq's logs and restart timers
 * through the supervisor's descriptors. */
#include "conf/conf.h"
#include "dhcp/dnsmasq_conf.h"
#include "dhcp/hosts.h"
#include "gatewayd/core/apply.h"
#include "gatewayd/core/bgp_frag.h"
#include "gatewayd/core/plan.h"
#include "gatewayd/ctl/control.h"
#include "lib/eloop.h"
#include "lib/log.h"
#include "lib/notify.h"
#include "gatewayd/host/preflight.h"
#include "lib/state.h"
#include "nft/feature.h"
#include "nft/plan.h"
#include "nft/update.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_CONFIG 2

struct daemon {
	struct eloop *loop;
	struct gw_ctx *ctx;
	struct control *control;
	const char *conf_path; /* NULL: default path or built-in */
	int sigfd;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gatewayd [-f] [-v] [-c FILE]   run the daemon\n"
		"       gatewayd -n [-v] [-c FILE]     check the config (-v: print what would be "
		"applied)\n"
		"       gatewayd --teardown [-c FILE]  remove what a crashed instance left behind\n"
		"\n"
		"  -c, --config FILE  config file (default " GW_CONF_DEFAULT_PATH ")\n"
		"  -f, --foreground   stay in the foreground and log to stderr\n"
		"  -n, --check        check the config and exit\n"
		"  -v, --verbose      with -n: print normalized config, ruleset, dnsmasq config;\n"
		"                     otherwise: debug logging\n"
		"      --teardown     remove everything gatewayd owns and exit\n");
}

/* -c FILE, else the default file, else the built-in default network. */
static int load_conf(const char *path, struct gw_conf **out, char *err, size_t errlen)
{
	if (path)
		return conf_load_file(path, out, err, errlen);
	if (access(GW_CONF_DEFAULT_PATH, F_OK) == 0 || errno != ENOENT)
		return conf_load_file(GW_CONF_DEFAULT_PATH, out, err, errlen);
	return conf_load_default(out, err, errlen);
}

/* -n -v: the desired state, as the daemon would build it. */
/* What BIRD would read with every network live; a NAT network's forward
 * on an uplink address is left out only when running (it needs the
 * host's addresses). */
static void print_bgp(const struct gw_conf *conf)
{
	bool *live;

	if (!conf->bgp.enabled || !(live = calloc(conf->n_networks + 1, sizeof(*live))))
		return;
	for (size_t i = 0; i < conf->n_networks; i++)
		live[i] = true;
	printf("\n# BIRD config fragment (%s)\n", conf->bgp.config_file);
	bgp_frag_write(stdout, conf, live, NULL, NULL);
	free(live);
}

static void print_plan(const struct gw_conf *conf)
{
	struct preflight pf = { 0 };
	struct gw_plan plan;
	char err[1024];

	if (preflight_new(conf, &pf) < 0)
		return;
	/* Read-only: auto choices are shown, not recorded. */
	if (preflight_resolve(&pf, false, err, sizeof(err)) < 0) {
		printf("# %s\n# shown with the uplink as \"UPLINK\"\n\n", err);
		for (size_t i = 0; i < conf->n_networks; i++)
			snprintf(pf.uplinks[i], IFNAMSIZ, "UPLINK");
	}
	/* The backstop's form depends on the kernel; without the right to
	 * ask, the port-set form is shown. */
	if (gw_plan_build(NULL, &pf, nft_bridge_meta_supported() > 0, &plan) < 0) {
		preflight_release(&pf);
		return;
	}
	conf_print(stdout, plan.conf);
	printf("\n# nftables ruleset\n");
	nft_plan_print(stdout, &plan.nft);
	for (size_t i = 0; i < plan.conf->n_networks; i++) {
		const struct gw_network *n = &plan.conf->networks[i];
		char path[GW_PATH_MAX + 64];

		dnsmasq_conf_path(plan.conf, n, path, sizeof(path));
		printf("\n# dnsmasq config for network \"%s\" (%s)\n%s", n->name, path,
		       plan.nets[i].dnsmasq_conf);
		if (!n->hosts.n)
			continue;
		hosts_dhcp_path(plan.conf, n, path, sizeof(path));
		printf("\n# (%s)\n%s", path, plan.nets[i].dhcp_hosts);
		hosts_dns_path(plan.conf, n, path, sizeof(path));
		printf("\n# (%s)\n%s", path, plan.nets[i].dns_hosts);
	}
	print_bgp(plan.conf);
	gw_plan_release(&plan);
	preflight_release(&pf);
}

static int take_lock(const struct gw_conf *conf)
{
	char path[GW_PATH_MAX + 32], buf[32], err[GW_PATH_MAX * 2 + 200];
	int fd;

	if (state_dir_make("run_dir", conf->run_dir, 0755, err, sizeof(err)) < 0) {
		fprintf(stderr, "gatewayd: %s\n", err);
		return -1;
	}
	state_path(conf->run_dir, "gatewayd.lock", path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "gatewayd: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		fprintf(stderr,
			"gatewayd: another gatewayd is already running (pid %s, lock %s); "
			"stop it first\n",
			buf[0] ? buf : "?", path);
		close(fd);
		return -1;
	}
	return fd;
}

static void write_lock_pid(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)n, 0) < 0)
		log_warn("writing the lock file");
}

/* SIGHUP and gatewayctl reload: parse, validate, apply; or keep. */
static int reload(void *arg, char *err, size_t errlen)
{
	struct daemon *d = arg;
	struct gw_conf *conf = NULL;
	int r;

	struct timespec ts;

	log_info("reloading configuration");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify_send("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
		    (unsigned long long)ts.tv_sec * 1000000ull +
			    (unsigned long long)ts.tv_nsec / 1000);
	/* The file is the config: one that cannot be read or does not parse
	 * is refused (its errno is in err); running out of memory is not. */
	if ((r = load_conf(d->conf_path, &conf, err, errlen)) < 0 && r != -ENOMEM)
		r = -GW_EREFUSED;
	if (r < 0 || (r = apply_reload(d->ctx, conf, err, errlen)) < 0) {
		conf_free(conf); /* NULL if it did not parse */
		log_err("reload: %s: %s; nothing changed, keeping the running configuration",
			r == -GW_EREFUSED ? "invalid config" : "failed to apply", err);
		notify_send("READY=1\nSTATUS=reload failed, old configuration kept: %s", err);
		return r;
	}
	log_info("reload: new configuration applied");
	/* Two plans and a batch were live: hand back the heap pages they
	 * held (free() returns only the top of the heap). */
	malloc_trim(0);
	notify_send("READY=1\nSTATUS=running %zu network%s (reloaded)", conf->n_networks,
		    conf->n_networks == 1 ? "" : "s");
	return 0;
}

static void on_signal(int fd, uint32_t events, void *arg)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("received %s, stopping", strsignal((int)si.ssi_signo));
			eloop_quit(d->loop, 0);
			return;
		case SIGHUP: {
			char err[1024];

			reload(d, err, sizeof(err));
			break;
		}
		case SIGCHLD: {
			pid_t pid;
			int status;

			while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
				apply_child_exited(d->ctx, pid, status);
			break;
		}
		}
	}
}

static int run_daemon(struct gw_conf *conf, const char *conf_path, int foreground, int verbose)
{
	struct daemon d = { .conf_path = conf_path, .sigfd = -1 };
	char err[1024], sock[GW_PATH_MAX + 32];
	sigset_t mask;
	int lockfd, r, code = 1;

	/* Whatever gatewayd inherited (a shell's or a supervisor's open
	 * files) is not handed on to the programs it starts. */
	close_range(3, ~0u, CLOSE_RANGE_CLOEXEC);
	if (geteuid() != 0) {
		fprintf(stderr,
			"gatewayd: must run as root (it creates bridges and nftables rules)\n");
		conf_free(conf);
		return 1;
	}
	if ((lockfd = take_lock(conf)) < 0) {
		conf_free(conf);
		return 1;
	}
	if (!foreground && daemon(0, 0) < 0) {
		fprintf(stderr, "gatewayd: daemon: %s\n", strerror(errno));
		conf_free(conf);
		return 1;
	}
	log_init(foreground, verbose);
	write_lock_pid(lockfd);
	/* the reload's chain digests: keyed, so no config can collide them */
	if ((r = nft_digest_key(NULL)) < 0)
		log_warnx("getrandom: %s; the chain digests are keyed from the clock",
			  strerror(-r));
#ifdef GW_TEST_HOOKS
	if (getenv("GATEWAYD_TEST_OMIT")) {
		unsigned omit;

		if (nft_omit_parse(getenv("GATEWAYD_TEST_OMIT"), &omit) < 0)
			log_warnx("GATEWAYD_TEST_OMIT=\"%s\": unknown part, ignored",
				  getenv("GATEWAYD_TEST_OMIT"));
		else if (omit)
			log_warnx("GATEWAYD_TEST_OMIT=\"%s\": a bench hook; guards left out of "
				  "the ruleset, never use it on a real host",
				  getenv("GATEWAYD_TEST_OMIT"));
	}
#else
	/* the bench hook is not in this build (nft/plan.h) */
	if (getenv("GATEWAYD_TEST_OMIT"))
		log_info("GATEWAYD_TEST_OMIT is set and ignored: not a test build, "
			 "every guard is in the ruleset");
#endif

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d.sigfd < 0 || (r = eloop_new(&d.loop)) < 0 ||
	    eloop_add_fd(d.loop, d.sigfd, on_signal, &d) < 0 || gw_ctx_new(d.loop, &d.ctx) < 0) {
		log_warn("setting up the event loop");
		conf_free(conf);
		goto out;
	}
	if (apply_start(d.ctx, conf, err, sizeof(err)) < 0) {
		log_err("%s; nothing applied", err);
		notify_send("STATUS=failed: %s", err);
		conf_free(conf);
		goto out;
	}
	state_path(conf->run_dir, CTL_SOCKET_NAME, sock, sizeof(sock));
	if ((r = control_new(d.loop, d.ctx, sock, reload, &d, &d.control)) < 0)
		log_warnx("control socket %s: %s; gatewayctl will not work", sock, strerror(-r));
	log_info("running with %s", conf->path);
	malloc_trim(0); /* the start's transient work, as after a reload */
	notify_send("READY=1\nSTATUS=running %zu network%s from %s", conf->n_networks,
		    conf->n_networks == 1 ? "" : "s", conf->path);
	code = eloop_run(d.loop);
	notify_send("STOPPING=1\nSTATUS=stopping");
	control_free(d.control);
	apply_stop(d.ctx);
	log_info("stopped");
out:
	gw_ctx_free(d.ctx);
	eloop_free(d.loop);
	if (d.sigfd >= 0)
		close(d.sigfd);
	close(lockfd);
	return code;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "teardown", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf_path = NULL;
	int foreground = 0, check = 0, verbose = 0, teardown = 0, c;
	struct gw_conf *conf;
	char err[1024];

	while ((c = getopt_long(argc, argv, "c:fnvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': conf_path = optarg; break;
		case 'f': foreground = 1; break;
		case 'n': check = 1; break;
		case 'v': verbose = 1; break;
		case 'T': teardown = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_CONFIG;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	if (load_conf(conf_path, &conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_CONFIG;
	}
	if (check) {
		if (verbose)
			print_plan(conf);
		conf_free(conf);
		return 0;
	}
	if (teardown) {
		int n;

		log_init(1, verbose);
		if (geteuid() != 0) {
			fprintf(stderr, "gatewayd: --teardown must run as root\n");
			conf_free(conf);
			return 1;
		}
		/* Not while a gatewayd runs: its tables are not ours to remove. */
		if (take_lock(conf) < 0) {
			conf_free(conf);
			return 1;
		}
		n = apply_teardown(conf);
		printf("gatewayd: teardown: %s\n",
		       n ? "removed what was left" : "nothing to remove");
		conf_free(conf);
		return 0;
	}
	return run_daemon(conf, conf_path, foreground, verbose);
}
