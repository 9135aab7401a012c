/* Control socket: accept, read one request, answer, close. Each client is
 * a small state machine in the event loop (non-blocking reads and writes,
 * a deadline, a cap on clients), so a slow one never stalls the guards;
 * doctor answers later, when its self-tests are done. The commands'
 * answers come from commands.c and doctor.c.
 *
 *   status [--json] [NET]   leases [--json] [NET]   doctor [--json] [NET]
 *   forwards [--json] [NET] metrics                 reload    help
 *   qemu-args NET [--name VM] [--helper|--script|--tap TAP] [--static],
 *   static del NET VM (qemu_args.c)
 *   forward add|del NET NAME ... (forward_ctl.c)
 *   tap add|del, taps, attach, detach (ports.c)
 *
 * Any local user may connect (0666); what each request may do is decided
 * from the peer's credentials, read once at accept (authz.h): root
 * everything, group gatewayd reads everything, a network's owners see and
 * change their networks, anyone else gets "permission denied" for all but
 * help. Users other than root are rate-limited per uid, and every change
 * is logged with who asked. */
#include "gatewayd/ctl/control.h"
#include "gatewayd/ctl/authz.h"
#include "gatewayd/ctl/commands.h"
#include "gatewayd/core/ctx.h"
#include "gatewayd/ctl/doctor.h"
#include "lib/log.h"
#include "gatewayd/ctl/out.h"
#include "gatewayd/ctl/qemu_args.h"
#include "gatewayd/ctl/ports.h"
#include "gatewayd/ctl/authz.h"
#include "gatewayd/ctl/forward_ctl.h"
#include "gatewayd/ctl/control_int.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CTL_PENDING (-1) /* the answer comes later (doctor) */
#define DOCTOR_MAX  2	 /* at once; one of them kept for root */

static void client_doctor_done(void *arg, int fails, const char *text, size_t len);

static int help(FILE *f)
{
	fprintf(f, "commands: status, leases, forwards, doctor, metrics, qemu-args, static del, "
		   "taps, tap add|del, attach, detach, reload, help (gatewayctl --help says "
		   "more)\n");
	return CTL_OK;
}

/* Does the request change anything? Those are logged with who asked. */
static bool mutation(int argc, char **argv)
{
	static const char *const verbs[] = { "reload", "tap",	 "attach",
					     "detach", "static", "forward" };

	for (size_t k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++)
		if (!strcmp(argv[0], verbs[k]))
			return true;
	if (!strcmp(argv[0], "qemu-args"))
		for (int i = 1; i < argc; i++)
			if (!strcmp(argv[i], "--static") || !strcmp(argv[i], "--forward"))
				return true;
	return false;
}

static int doctor_cmd(struct control *c, struct client *cl, long which, int json, FILE *f)
{
	const struct ctl_peer *p = &cl->peer;
	uid_t uid = p->uid;
	size_t busy = 0, mine = 0, others = 0;
	int code;

	/* Each holds test ports and a client slot for seconds. Like the
	 * slots, one is kept for root: users other than root run one at a
	 * time each and DOCTOR_MAX - 1 together, so a member of the group
	 * running doctor in a loop never leaves root's "running already". */
	for (struct client *o2 = c->clients; o2; o2 = o2->next) {
		busy += o2->doc != NULL;
		mine += o2->doc && o2->uid == uid;
		others += o2->doc && o2->uid != 0;
	}
	if (uid != 0 && mine) {
		fprintf(f,
			"a doctor of yours (uid %u) is running already; try again when it is "
			"done\n",
			(unsigned)uid);
		return CTL_FAIL;
	}
	if (busy >= DOCTOR_MAX || (uid != 0 && others >= DOCTOR_MAX - 1)) {
		fprintf(f, "%zu doctors are running already; try again when they are done\n", busy);
		return CTL_FAIL;
	}
	/* doctor walks every network it is given: an owner's own only */
	if (which < 0 && !authz_sees_all(c->ctx, p)) {
		size_t seen = 0;

		for (size_t i = 0; i < c->ctx->conf->n_networks; i++)
			if (authz_sees(c->ctx, p, &c->ctx->conf->networks[i]))
				seen++, which = (long)i;
		if (seen != 1) {
			fprintf(f, "doctor: which network? (gatewayctl doctor NET)\n");
			return CTL_USAGE;
		}
	}
	if ((code = doctor_start(c->ctx, which, json, client_doctor_done, cl, &cl->doc)) < 0) {
		fprintf(f, "doctor: %s\n", strerror(-code));
		return CTL_FAIL;
	}
	return CTL_PENDING;
}

static int dispatch(struct control *c, struct client *cl, int argc, char **argv, FILE *f)
{
	const struct ctl_peer *p = &cl->peer;
	char err[1024];
	int json = 0;
	const char *net = NULL;
	struct out o;
	long which;
	int code;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else
			net = argv[i];
	}
	if (argc == 0) {
		fprintf(f, "empty request\n");
		return CTL_USAGE;
	}
	if (!strcmp(argv[0], "help"))
		return help(f);
	if (!c->ctx->conf || !c->ctx->nets) {
		fprintf(f, "gatewayd is not running any network\n");
		return CTL_FAIL;
	}
	/* owns nothing, reads nothing: nothing to ask */
	if (!authz_sees_any(c->ctx, p)) {
		fprintf(f, "permission denied: uid %u owns no network here\n", (unsigned)p->uid);
		return CTL_DENIED;
	}
	/* tap, taps, attach, detach: ports.c */
	if ((code = ports_command(c->ctx, argc, argv, p, json, f)) != PORTS_NOT_MINE)
		return code;
	if (!strcmp(argv[0], "reload")) {
		if (!ctl_peer_root(p)) {
			fprintf(f, "permission denied: only root may reload gatewayd\n");
			return CTL_DENIED;
		}
		if ((code = c->reload(c->arg, err, sizeof(err))) < 0) {
			fprintf(f, "%s: %s\nnothing changed: the running configuration stays\n",
				code == -GW_EREFUSED ? "invalid config" : "failed to apply", err);
			return code == -GW_EREFUSED ? CTL_CONFIG : CTL_APPLY;
		}
		fprintf(f, "reloaded: new configuration applied\n");
		return CTL_OK;
	}
	if (!strcmp(argv[0], "metrics"))
		return cmd_metrics(f, c->ctx, p);
	if (!strcmp(argv[0], "qemu-args"))
		return qemu_args_cmd(c->ctx, argc, argv, p, f);
	if (!strcmp(argv[0], "static"))
		return qemu_static_cmd(c->ctx, argc, argv, p, f);
	if (!strcmp(argv[0], "forward")) /* forward add|del: forward_ctl.c */
		return forward_ctl_cmd(c->ctx, argc, argv, p, f);
	if (strcmp(argv[0], "status") && strcmp(argv[0], "leases") && strcmp(argv[0], "forwards") &&
	    strcmp(argv[0], "doctor")) {
		fprintf(f,
			"unknown command \"%s\" (status, leases, forwards, reload, doctor, "
			"metrics, qemu-args, static, forward, taps, tap, attach, detach, help)\n",
			argv[0]);
		return CTL_USAGE;
	}
	if ((code = cmd_pick_seen(c->ctx, p, net, &which, f)) != CTL_OK)
		return code;
	out_init(&o, f, json);
	if (!strcmp(argv[0], "status"))
		return cmd_status(&o, c->ctx, which, p);
	if (!strcmp(argv[0], "leases"))
		return cmd_leases(&o, c->ctx, which, p);
	if (!strcmp(argv[0], "forwards"))
		return cmd_forwards(&o, c->ctx, which, p);
	return doctor_cmd(c, cl, which, json, f);
}

static void client_free(struct client *cl)
{
	struct client **pp = &cl->c->clients;

	while (*pp && *pp != cl)
		pp = &(*pp)->next;
	if (*pp)
		*pp = cl->next;
	cl->c->n_clients--;
	doctor_cancel(cl->doc);
	eloop_remove_fd(cl->c->loop, cl->fd);
	close(cl->fd);
	eloop_timer_free(cl->deadline);
	free(cl->out);
	free(cl);
}

/* Write what the socket takes; wait for room for the rest. */
static void client_flush(struct client *cl)
{
	while (cl->off < cl->outlen) {
		ssize_t n = write(cl->fd, cl->out + cl->off, cl->outlen - cl->off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			eloop_fd_events(cl->c->loop, cl->fd, EPOLLOUT);
			return;
		}
		if (n <= 0)
			break;
		cl->off += (size_t)n;
	}
	client_free(cl);
}

/* The answer: the code on the first line, then the text. */
static void client_reply(struct client *cl, int code, const char *body, size_t blen)
{
	cl->out = malloc(blen + 16);
	if (!cl->out) {
		client_free(cl);
		return;
	}
	cl->outlen = (size_t)snprintf(cl->out, 16, "%d\n", code);
	memcpy(cl->out + cl->outlen, body, blen);
	cl->outlen += blen;
	client_flush(cl);
}

static void client_doctor_done(void *arg, int fails, const char *text, size_t len)
{
	struct client *cl = arg;

	cl->doc = NULL; /* it frees itself */
	client_reply(cl, fails > 0 ? CTL_FAIL : fails < 0 ? CTL_FAIL : CTL_OK, text, len);
}

/* "control: uid 1001 (alice): static del a vm1", and how it ended when
 * it did not succeed. */
static void log_mutation(struct client *cl, int argc, char **argv, int code)
{
	char who[GW_OWNER_NAME_MAX + 32], what[sizeof(cl->req)] = "";
	size_t n = 0;

	for (int i = 0; i < argc && n < sizeof(what); i++)
		n += (size_t)snprintf(what + n, sizeof(what) - n, "%s%s", i ? " " : "", argv[i]);
	/* a user's bytes: no escape sequences into the log */
	for (char *q = what; *q; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q == 0x7f)
			*q = '?';
	authz_peer_name(cl->c->ctx, &cl->peer, who, sizeof(who));
	if (code == CTL_OK)
		log_info("control: %s: %s", who, what);
	else if (code != CTL_PENDING)
		log_info("control: %s: %s: %s (exit %d)", who, what,
			 code == CTL_DENIED ? "permission denied" : "failed", code);
}

static void client_answer(struct client *cl)
{
	char *body = NULL, *argv[12], *save = NULL, *tok;
	size_t blen = 0;
	FILE *f = open_memstream(&body, &blen);
	int code, argc = 0;

	if (!f) {
		client_free(cl);
		return;
	}
	cl->req[cl->got] = '\0';
	for (tok = strtok_r(cl->req, " \t\r\n", &save); tok && argc < 12;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = tok;
	code = dispatch(cl->c, cl, argc, argv, f);
	fclose(f);
	if (argc && mutation(argc, argv))
		log_mutation(cl, argc, argv, code);
	if (code == CTL_PENDING) {
		/* doctor: its self-tests run in the loop; the answer follows */
		free(body);
		eloop_timer_arm(cl->deadline, doctor_deadline_ms(cl->doc));
		return;
	}
	client_reply(cl, code, body, blen);
	free(body);
}

static void on_client_io(int fd, uint32_t events, void *arg)
{
	struct client *cl = arg;
	ssize_t n;

	if (cl->out) {
		client_flush(cl);
		return;
	}
	if (cl->doc) {
		/* Waiting for the doctor. A client that shut down its sending
		 * side (EOF) still waits for the answer: stop watching its
		 * input. Only a hang-up or an error means it went away. */
		if (events & (EPOLLHUP | EPOLLERR))
			client_free(cl);
		else
			eloop_fd_events(cl->c->loop, fd, 0);
		return;
	}
	n = read(fd, cl->req + cl->got, sizeof(cl->req) - 1 - cl->got);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0) {
		client_free(cl);
		return;
	}
	cl->got += (size_t)n;
	/* a whole line, a full buffer, or the client's end of the request */
	if (n == 0 || memchr(cl->req, '\n', cl->got) || cl->got == sizeof(cl->req) - 1)
		client_answer(cl);
}

static void on_client_deadline(void *arg)
{
	struct client *cl = arg;

	log_debug("control: client uid %u took longer than %d ms; dropped", (unsigned)cl->uid,
		  CLIENT_DEADLINE_MS);
	client_free(cl);
}

static void on_accept(int fd, uint32_t events, void *arg)
{
	struct control *c = arg;
	int cfd;

	(void)events;
	while ((cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct ctl_peer peer;
		struct client *cl;
		const char *why;
		bool stranger;

		if (ctl_peer_get(cfd, &peer) < 0) {
			close(cfd);
			continue;
		}
		stranger = !authz_sees_any(c->ctx, &peer);
		if ((why = client_room(c, peer.uid, stranger))) {
			client_refuse(c, cfd, peer.uid, why);
			continue;
		}
		if (!ctl_peer_root(&peer) && !rate_take(c, peer.uid)) {
			rate_refuse(c, cfd, peer.uid);
			continue;
		}
		if (!(cl = calloc(1, sizeof(*cl)))) {
			close(cfd);
			continue;
		}
		cl->c = c;
		cl->fd = cfd;
		cl->uid = peer.uid;
		cl->stranger = stranger;
		cl->peer = peer;
		if (eloop_timer_new(c->loop, on_client_deadline, cl, &cl->deadline) < 0 ||
		    eloop_add_fd(c->loop, cfd, on_client_io, cl) < 0) {
			eloop_timer_free(cl->deadline);
			close(cfd);
			free(cl);
			continue;
		}
		eloop_timer_arm(cl->deadline, CLIENT_DEADLINE_MS);
		cl->next = c->clients;
		c->clients = cl;
		c->n_clients++;
	}
}

int control_new(struct eloop *loop, struct gw_ctx *ctx, const char *path, control_reload_fn reload,
		void *arg, struct control **out)
{
	struct control *c = calloc(1, sizeof(*c));
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old_mask;
	int r;

	if (!c)
		return -ENOMEM;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		free(c);
		return -ENAMETOOLONG;
	}
	c->loop = loop;
	c->ctx = ctx;
	c->reload = reload;
	c->arg = arg;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		goto fail;
	unlink(path); /* a stale socket: we hold the instance lock */
	/* Born 0600 whatever the umask: nobody may connect before the
	 * chmod below says who may. */
	old_mask = umask(0177);
	r = bind(c->fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if (r < 0 || listen(c->fd, 16) < 0)
		goto fail;
	/* Any local user may connect: what each may do is decided per
	 * request from its credentials (authz.h), not by the file's mode. */
	if (chmod(path, 0666) < 0)
		goto fail;
	if ((r = eloop_add_fd(loop, c->fd, on_accept, c)) < 0) {
		errno = -r;
		goto fail;
	}
	*out = c;
	return 0;
fail:
	r = -errno;
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return r;
}

void control_free(struct control *c)
{
	if (!c)
		return;
	while (c->clients)
		client_free(c->clients);
	eloop_remove_fd(c->loop, c->fd);
	close(c->fd);
	unlink(c->path);
	free(c);
}
