/* tap sections (see tap.h): a name the kernel, nftables and dnsmasq all
 * take (lib/names.c), a network of this config, a user and a group that
 * exist here. A tap may not take a name the config already gives to a
 * bridge, an uplink or another tap: gatewayd would enslave a bridge to a
 * bridge, or hand the uplink to a user. Whether a device of that name
 * already exists is the host's business: gatewayd/core/taps.c asks
 * before anything is applied. */
#include "internal.h"
#include "tap.h"
#include "text.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

cfg_opt_t conf_tap_opts[] = {
	SVAL("network", NULL),
	SVAL("user", NULL),
	SVAL("group", NULL),
	CFG_END(),
};

const char *conf_tap_clash(const struct gw_conf *c, const char *name, long skip, char *buf,
			   size_t len)
{
	if (c->uplink[0] && !strcmp(c->uplink, name))
		return "the uplink";
	for (size_t i = 0; i < c->n_networks; i++) {
		const struct gw_network *n = &c->networks[i];

		if (!strcmp(n->bridge, name)) {
			snprintf(buf, len, "the bridge of network \"%s\"", n->name);
			return buf;
		}
		if (!strcmp(n->uplink, name)) {
			snprintf(buf, len, "the uplink of network \"%s\"", n->name);
			return buf;
		}
	}
	for (size_t i = 0; i < c->n_taps; i++)
		if ((long)i != skip && !strcmp(c->taps[i].name, name))
			return "a tap section of the config";
	return NULL;
}

long conf_tap_find(const struct gw_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_taps; i++)
		if (!strcmp(c->taps[i].name, name))
			return (long)i;
	return -1;
}

int conf_tap_owner(struct gw_tap *t, const char *user, const char *group, char *err, size_t errlen)
{
	const struct passwd *pw;
	const struct group *gr;

	if (!name_username(user) || strlen(user) >= sizeof(t->user)) {
		snprintf(err, errlen, "\"%s\" is not a user name", user);
		return -EINVAL;
	}
	if (!(pw = getpwnam(user))) {
		snprintf(err, errlen, "user \"%s\" does not exist on this system", user);
		return -ENOENT;
	}
	strcpy(t->user, user);
	t->uid = pw->pw_uid;
	t->gid = GW_TAP_NO_GROUP;
	t->group[0] = '\0';
	if (!group)
		return 0;
	if (!name_username(group) || strlen(group) >= sizeof(t->group)) {
		snprintf(err, errlen, "\"%s\" is not a group name", group);
		return -EINVAL;
	}
	if (!(gr = getgrnam(group))) {
		snprintf(err, errlen, "group \"%s\" does not exist on this system", group);
		return -ENOENT;
	}
	strcpy(t->group, group);
	t->gid = gr->gr_gid;
	return 0;
}

static int one_tap(struct conf_ctx *ctx, cfg_t *sec, struct gw_conf *c, size_t i)
{
	const char *title = cfg_title(sec);
	const struct sval *net = sval_get(sec, "network"), *user = sval_get(sec, "user"),
			  *group = sval_get(sec, "group");
	struct gw_tap *t = &c->taps[i];
	char q[80], what[GW_NETNAME_MAX + 64], msg[200];
	const char *clash;
	size_t k;

	conf_text_quote(q, sizeof(q), title);
	if (!name_ifname(title))
		return conf_fail(ctx, conf_sec_line(ctx, sec),
				 "tap %s is not a valid interface name (1-15 letters, digits, "
				 "'-', '_' or '.', not \".\" or \"..\")",
				 q);
	strcpy(t->name, title);
	t->line = conf_sec_line(ctx, sec);
	if (!net)
		return conf_fail(ctx, conf_sec_line(ctx, sec), "tap %s: missing network = \"NAME\"",
				 q);
	for (k = 0; k < c->n_networks && strcmp(c->networks[k].name, net->s); k++)
		;
	if (k == c->n_networks)
		return conf_fail(ctx, net->line, "tap %s: no network %s in this config", q,
				 conf_text_quote(what, sizeof(what), net->s));
	strcpy(t->network, net->s);
	if (!user)
		return conf_fail(ctx, conf_sec_line(ctx, sec),
				 "tap %s: missing user = \"NAME\" (who may open it)", q);
	if (conf_tap_owner(t, user->s, NULL, msg, sizeof(msg)) < 0)
		return conf_fail(ctx, user->line, "tap %s: %s", q, msg);
	if (group && conf_tap_owner(t, user->s, group->s, msg, sizeof(msg)) < 0)
		return conf_fail(ctx, group->line, "tap %s: %s", q, msg);
	if ((clash = conf_tap_clash(c, t->name, (long)i, what, sizeof(what))))
		return conf_fail(ctx, conf_sec_line(ctx, sec), "tap %s: that name is %s", q, clash);
	return 0;
}

/* After the networks: a tap names one. */
int conf_taps(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c)
{
	int r;

	c->n_taps = cfg_size(root, "tap");
	if (!c->n_taps)
		return 0;
	if (!(c->taps = calloc(c->n_taps, sizeof(*c->taps))))
		return -ENOMEM;
	for (size_t i = 0; i < c->n_taps; i++)
		if ((r = one_tap(ctx, cfg_getnsec(root, "tap", (unsigned)i), c, i)) < 0)
			return r;
	return 0;
}

void conf_taps_print(FILE *f, const struct gw_conf *c)
{
	for (size_t i = 0; i < c->n_taps; i++) {
		const struct gw_tap *t = &c->taps[i];

		fprintf(f, "\ntap %s {\n    network = \"%s\"\n    user    = \"%s\"\n", t->name,
			t->network, t->user);
		if (t->group[0])
			fprintf(f, "    group   = \"%s\"\n", t->group);
		fprintf(f, "}\n");
	}
}

int conf_taps_dup(struct gw_conf *dst, const struct gw_conf *src)
{
	dst->taps = conf_memdup(src->taps, src->n_taps * sizeof(*src->taps));
	return src->n_taps && !dst->taps ? -ENOMEM : 0;
}
