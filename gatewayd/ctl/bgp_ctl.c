/* BGP in gatewayctl's answers (see bgp_ctl.h). */
#include "gatewayd/ctl/bgp_ctl.h"
#include "gatewayd/ctl/authz.h"
#include "gatewayd/core/bgp.h"
#include "gatewayd/core/bgp_frag.h"
#include "gatewayd/core/ctx.h"

#include <string.h>

/* "up4 Established, up6 Active" */
static void sessions_text(struct gw_ctx *ctx, char *buf, size_t len, size_t *up)
{
	const struct bird_proto *p;
	size_t n = bgp_sessions(ctx, &p), k = 0;

	*up = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		k += (size_t)snprintf(buf + k, k < len ? len - k : 0, "%s%s %s", i ? ", " : "",
				      p[i].name + strlen(BGP_PROTO_PREFIX),
				      p[i].info[0] ? p[i].info : p[i].state);
		*up += !strcmp(p[i].info, "Established");
		if (k >= len)
			break;
	}
}

void bgp_ctl_status(struct out *o, struct gw_ctx *ctx, size_t i)
{
	const char *problem = bgp_problem(ctx);
	char s[512];
	size_t up;

	out_str(o, "announce", bgp_net_state(ctx, &ctx->conf->networks[i]));
	if (!ctx->conf->bgp.enabled)
		return;
	sessions_text(ctx, s, sizeof(s), &up);
	out_str(o, "bgp", *problem ? problem : *s ? s : "no session yet");
}

void bgp_ctl_metrics(FILE *f, struct gw_ctx *ctx, const struct ctl_peer *peer)
{
	const struct bird_proto *p;
	size_t n;

	if (!ctx->conf->bgp.enabled)
		return;
	fprintf(f, "# HELP gatewayd_announced 1 while the network is announced over BGP\n"
		   "# TYPE gatewayd_announced gauge\n");
	for (size_t i = 0; i < ctx->conf->n_networks; i++)
		if (authz_sees(ctx, peer, &ctx->conf->networks[i]))
			fprintf(f, "gatewayd_announced{network=\"%s\"} %d\n",
				ctx->conf->networks[i].name,
				!strcmp(bgp_net_state(ctx, &ctx->conf->networks[i]), "announced"));
	fprintf(f, "# HELP gatewayd_bgp_session_established 1 while BIRD's session to the "
		   "neighbor is established\n# TYPE gatewayd_bgp_session_established gauge\n");
	n = bgp_sessions(ctx, &p);
	for (size_t i = 0; i < ctx->conf->bgp.n_neighbors; i++) {
		const char *name = ctx->conf->bgp.neighbors[i].name;
		int est = 0;

		for (size_t k = 0; k < n; k++)
			if (!strcmp(p[k].name + strlen(BGP_PROTO_PREFIX), name))
				est = !strcmp(p[k].info, "Established");
		fprintf(f, "gatewayd_bgp_session_established{neighbor=\"%s\"} %d\n", name, est);
	}
}

const char *bgp_ctl_check(struct gw_ctx *ctx, char *detail, size_t dlen, const char **fix)
{
	const char *problem = bgp_problem(ctx);
	char s[400];
	size_t up;

	if (!ctx->conf->bgp.enabled)
		return NULL;
	*fix = NULL;
	if (*problem) {
		snprintf(detail, dlen, "%s", problem);
		*fix = strstr(problem, "not reachable")
			       ? "start BIRD (systemctl start bird), or set bird_socket to where "
				 "it listens"
			       : "fix what BIRD says (gatewayd asks BIRD again by itself, with "
				 "backoff up to 30 s, or at once on gatewayctl reload)";
		return "FAIL";
	}
	sessions_text(ctx, s, sizeof(s), &up);
	snprintf(detail, dlen, "%zu of %zu session%s established%s%s", up,
		 ctx->conf->bgp.n_neighbors, ctx->conf->bgp.n_neighbors == 1 ? "" : "s",
		 *s ? ": " : "", s);
	if (up < ctx->conf->bgp.n_neighbors) {
		*fix = "birdc show protocols all: check the neighbor's address and AS, its "
		       "password, and that it accepts this host";
		return "WARN";
	}
	return "ok";
}
