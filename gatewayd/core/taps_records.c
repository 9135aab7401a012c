/* The taps' records in state_dir (see taps.c): the run-time taps
 * (state_dir/taps), the attached ports (state_dir/attached, only for the
 * boot that wrote it) and the taps gatewayd made (state_dir/taps.made):
 * their lines parsed and written, read back at start. */
#include "gatewayd/core/taps_int.h"
#include "gatewayd/core/ctx.h"
#include "lib/log.h"
#include "lib/state.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int taps_parse_tap(const char *line, struct gw_tap *t)
{
	char name[32], net[64], user[GW_TAP_USER_MAX], group[GW_TAP_USER_MAX], err[160];

	if (sscanf(line, "%31s %63s %63s %63s", name, net, user, group) != 4 ||
	    !name_ifname(name) || !name_netname(net))
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	strcpy(t->name, name);
	strcpy(t->network, net);
	return conf_tap_owner(t, user, strcmp(group, "-") ? group : NULL, err, sizeof(err)) < 0
		       ? -EINVAL
		       : 0;
}

int taps_parse_attached(const char *line, char name[IFNAMSIZ], char net[NAME_NET_MAX + 1],
			int *ifindex)
{
	char a[32], b[64];
	int idx = 0, k = sscanf(line, "%31s %63s %d", a, b, &idx);

	if (k < 2 || !name_ifname(a) || !name_netname(b) || (k == 3 && idx <= 0))
		return -EINVAL;
	strcpy(name, a);
	strcpy(net, b);
	*ifindex = k == 3 ? idx : 0;
	return 0;
}

static void rec_path(const struct gw_taps *t, const char *file, char *buf, size_t len)
{
	state_path(t->dir, file, buf, len);
}

static int fill_taps(FILE *f, void *arg)
{
	const struct gw_taps *t = arg;

	for (size_t i = 0; i < t->n_rt; i++)
		fprintf(f, "%s %s %s %s\n", t->rt[i].name, t->rt[i].network, t->rt[i].user,
			t->rt[i].group[0] ? t->rt[i].group : "-");
	return 0;
}

/* "boot ID", then "NAME NETWORK IFINDEX" per port: the ifindexes are
 * this boot's. */
static int fill_attached(FILE *f, void *arg)
{
	const struct gw_taps *t = arg;
	char id[40];

	state_boot_id(id);
	fprintf(f, "boot %s\n", id);
	for (size_t i = 0; i < t->n_att; i++)
		fprintf(f, "%s %s %d\n", t->att[i].name, t->att[i].net, t->att[i].ifindex);
	return 0;
}

int taps_save(const struct gw_taps *t)
{
	char path[GW_PATH_MAX + 32];
	int r;

	rec_path(t, STATE_TAPS, path, sizeof(path));
	if ((r = state_file_write(path, 0600, fill_taps, (void *)t)) < 0)
		return r;
	rec_path(t, STATE_ATTACHED, path, sizeof(path));
	return state_file_write(path, 0600, fill_attached, (void *)t);
}

void taps_made_edit(const struct gw_taps *t, const char *name, bool add)
{
	char path[GW_PATH_MAX + 32];

	rec_path(t, STATE_TAPS_MADE, path, sizeof(path));
	if (add)
		state_names_add(path, name);
	else
		state_names_remove(path, name);
}

bool taps_made(const struct gw_taps *t, const char *name)
{
	char path[GW_PATH_MAX + 32];

	rec_path(t, STATE_TAPS_MADE, path, sizeof(path));
	return state_names_has(path, name);
}

/* Each line of path through one(); lines that do not parse are skipped. */
static void read_lines(const char *path, void (*one)(struct gw_taps *t, const char *line),
		       struct gw_taps *t)
{
	FILE *f = fopen(path, "re");
	char line[256];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		one(t, line);
	fclose(f);
}

static void load_tap(struct gw_taps *t, const char *line)
{
	struct gw_tap tap, *v;

	if (taps_parse_tap(line, &tap) < 0) {
		log_warnx("%s/%s: skipping \"%.*s\" (a bad line, or its user or group is gone)",
			  t->dir, STATE_TAPS, (int)strcspn(line, "\n"), line);
		return;
	}
	if (!(v = realloc(t->rt, (t->n_rt + 1) * sizeof(*v))))
		return;
	t->rt = v;
	t->rt[t->n_rt++] = tap;
}

static void load_attached(struct gw_taps *t, const char *line)
{
	struct attached a, *v;

	if (!strncmp(line, "boot ", 5))
		return; /* checked by attached_load() */
	if (taps_parse_attached(line, a.name, a.net, &a.ifindex) < 0 ||
	    !(v = realloc(t->att, (t->n_att + 1) * sizeof(*v))))
		return;
	t->att = v;
	t->att[t->n_att++] = a;
}

/* The attached ports of the last run; none if they were recorded in
 * another boot (their QEMUs are gone, their ifindexes someone else's). */
static void attached_load(struct gw_taps *t)
{
	char path[GW_PATH_MAX + 32], line[96], id[40];
	FILE *f;

	rec_path(t, STATE_ATTACHED, path, sizeof(path));
	if (!(f = fopen(path, "re")))
		return;
	state_boot_id(id);
	if (fgets(line, sizeof(line), f) && !strncmp(line, "boot ", 5) &&
	    (line[strcspn(line, "\n")] = '\0', strcmp(line + 5, id))) {
		log_info("%s is from another boot: its ports are not attached again", path);
		fclose(f);
		return;
	}
	fclose(f);
	read_lines(path, load_attached, t);
}

void taps_records_load(struct gw_taps *t)
{
	char path[GW_PATH_MAX + 32];

	rec_path(t, STATE_TAPS, path, sizeof(path));
	read_lines(path, load_tap, t);
	attached_load(t);
}
