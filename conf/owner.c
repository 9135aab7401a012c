/* A network's owners (see owner.h): user names, or group names after an
 * '@', that exist on this system when the config is loaded. An owner that
 * does not exist is a mistake the file should be refused for, at its
 * line: silently owning nothing would lock the customer out, and a user
 * created later under that name would not be the one meant. */
#include "internal.h"
#include "owner.h"
#include "text.h"
#include "lib/names.h"

#include <grp.h>
#include <pwd.h>
#include <string.h>

static int one_owner(struct conf_ctx *ctx, const struct sval *v, const char *pfx,
		     struct gw_owner *o)
{
	const char *name = v->s[0] == '@' ? v->s + 1 : v->s;
	const struct passwd *pw;
	const struct group *gr;
	char q[80];

	conf_text_quote(q, sizeof(q), v->s);
	o->group = v->s[0] == '@';
	if (!name_username(name) || strlen(name) > GW_OWNER_NAME_MAX)
		return conf_fail(ctx, v->line,
				 "%sowner %s is not a user name or @group (1-%d letters, digits, "
				 "'.', '_' or '-', not starting with '-')",
				 pfx, q, GW_OWNER_NAME_MAX);
	strcpy(o->name, name);
	if (o->group) {
		if (!(gr = getgrnam(name)))
			return conf_fail(ctx, v->line, "%sowner %s: no group \"%s\" on this system",
					 pfx, q, name);
		o->gid = gr->gr_gid;
		o->uid = (uid_t)-1;
	} else {
		if (!(pw = getpwnam(name)))
			return conf_fail(ctx, v->line, "%sowner %s: no user \"%s\" on this system",
					 pfx, q, name);
		o->uid = pw->pw_uid;
		o->gid = (gid_t)-1;
	}
	return 0;
}

int conf_network_owners(struct conf_ctx *ctx, cfg_t *sec, const char *pfx, struct gw_network *net)
{
	unsigned n = cfg_size(sec, "owner");
	int r;

	net->owners.n = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct sval *v = cfg_getnptr(sec, "owner", i);

		if (i == GW_OWNERS_MAX)
			return conf_fail(ctx, v->line,
					 "%sat most %d owners (make the rest members of an "
					 "@group)",
					 pfx, GW_OWNERS_MAX);
		if ((r = one_owner(ctx, v, pfx, &net->owners.v[i])) < 0)
			return r;
		net->owners.n++;
	}
	return 0;
}

void conf_owners_print(FILE *f, const struct gw_network *net)
{
	const struct gw_owners *o = &net->owners;

	if (!o->n)
		return;
	fprintf(f, "    owner       = {");
	for (size_t i = 0; i < o->n; i++)
		fprintf(f, "%s\"%s%s\"", i ? ", " : "", o->v[i].group ? "@" : "", o->v[i].name);
	fprintf(f, "}\n");
}

bool conf_owners_equal(const struct gw_network *a, const struct gw_network *b)
{
	if (a->owners.n != b->owners.n)
		return false;
	for (size_t i = 0; i < a->owners.n; i++) {
		const struct gw_owner *x = &a->owners.v[i], *y = &b->owners.v[i];

		if (x->group != y->group || strcmp(x->name, y->name) || x->uid != y->uid ||
		    x->gid != y->gid)
			return false;
	}
	return true;
}

int conf_readers(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c)
{
	const struct sval *v = sval_get(root, "readers_group");
	const struct group *gr = getgrnam(v ? v->s : CONF_READERS_GROUP);
	char q[80];

	c->readers_gid = gr ? gr->gr_gid : (gid_t)-1;
	snprintf(c->readers_group, sizeof(c->readers_group), "%s", gr ? gr->gr_name : "");
	if (gr || !v)
		return 0;
	return conf_fail(ctx, v->line, "readers_group %s: no group of that name on this system",
			 conf_text_quote(q, sizeof(q), v->s));
}

bool conf_owner_entry_owns(const struct gw_network *net, const char *by)
{
	bool group = by[0] == '@';

	if (!by[0])
		return true;
	for (size_t k = 0; k < net->owners.n; k++)
		if (net->owners.v[k].group == group && !strcmp(net->owners.v[k].name, by + group))
			return true;
	return false;
}
