/* Guest binding's files (binding.h): what it reads from state_dir -- each
 * network's lease file (every line) and its static hosts, the (MAC,
 * address) pairs a binding is made of -- and the bindings in force it
 * keeps there across a restart (BINDING_STATE: a guest's dropped frames
 * would not teach the bridge its port again), written only when their
 * text changed. */
#include "gatewayd/core/binding_int.h"
#include "gatewayd/core/ctx.h"
#include "dhcp/leases.h"
#include "lib/log.h"
#include "lib/state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --- leases and static hosts --------------------------------------------- */

static bool parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &end) != 6 ||
	    strlen(s) != 17)
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return true;
}

int binding_addrs_read(const struct gw_conf *conf, const struct gw_network *n,
		       struct nft_bind **out, size_t *n_out, size_t *n_leases, uint64_t *expiry)
{
	char path[GW_PATH_MAX + 64];
	time_t now = time(NULL);
	struct lease *ls = NULL;
	int nl;

	*n_out = 0;
	*expiry = 0;
	snprintf(path, sizeof(path), "%s/%s.leases", conf->state_dir, n->name);
	/* every line: dnsmasq writes the newest first; not while it writes */
	nl = leases_load_settled(path, &ls);
	if (nl == -EAGAIN)
		return nl;
	if (nl < 0)
		nl = 0;
	if (!(*out = calloc((size_t)nl + n->hosts.n + 1, sizeof(**out)))) {
		free(ls);
		return -ENOMEM;
	}
	for (int i = 0; i < nl; i++) {
		struct nft_bind *x = &(*out)[*n_out];

		if (ls[i].v6 || (ls[i].expiry && ls[i].expiry < (uint64_t)now) ||
		    !parse_mac(ls[i].mac, x->mac) || inet_pton(AF_INET, ls[i].ip, &x->a4) != 1)
			continue;
		x->has4 = true;
		if (ls[i].expiry && (!*expiry || ls[i].expiry < *expiry))
			*expiry = ls[i].expiry;
		(*n_out)++;
	}
	free(ls);
	*n_leases = *n_out;
	for (size_t i = 0; i < n->hosts.n; i++) {
		const struct gw_host *h = &n->hosts.v[i];
		struct nft_bind *x = &(*out)[*n_out];

		if (!h->has_mac || !h->has_ipv4)
			continue;
		memcpy(x->mac, h->mac, 6);
		x->a4 = h->ipv4;
		x->has4 = true;
		(*n_out)++;
	}
	return 0;
}

int binding_net_addrs(const struct gw_conf *conf, const struct gw_network *n, struct nft_bind **out,
		      size_t *n_out, size_t *n_leases)
{
	uint64_t expiry;

	return binding_addrs_read(conf, n, out, n_out, n_leases, &expiry);
}

static int state_fill(FILE *f, void *arg)
{
	const struct gw_binding *b = arg;
	char id[40];

	state_boot_id(id); /* the file's ifindexes mean nothing after a reboot */
	fprintf(f, "boot %s\n", id);
	for (size_t i = 0; i < b->n_binds; i++) {
		const uint8_t *m = b->binds[i].mac;

		char a6[INET6_ADDRSTRLEN] = "";

		if (b->binds[i].has6)
			inet_ntop(AF_INET6, &b->binds[i].a6, a6, sizeof(a6));
		fprintf(f, "%u %02x:%02x:%02x:%02x:%02x:%02x%s%s\n", b->binds[i].ifindex, m[0],
			m[1], m[2], m[3], m[4], m[5], *a6 ? " " : "", a6);
	}
	return ferror(f) ? -EIO : 0;
}

void binding_state_load(struct gw_binding *b, const char *dir)
{
	char path[GW_PATH_MAX + 32], line[128], mac[32], a6[64], id[40];
	struct nft_bind *v;
	unsigned idx;
	FILE *f;
	int k;

	b->loaded = true;
	state_path(dir, BINDING_STATE, path, sizeof(path));
	if (!(f = fopen(path, "re")))
		return;
	state_boot_id(id);
	/* written before a reboot: its ports are gone, whatever has their
	 * numbers now */
	if (fgets(line, sizeof(line), f) && !strncmp(line, "boot ", 5) &&
	    (line[strcspn(line, "\n")] = '\0', strcmp(line + 5, id))) {
		log_info("guest binding: %s is from another boot; not used", path);
		fclose(f);
		return;
	}
	rewind(f);
	while (fgets(line, sizeof(line), f))
		if ((k = sscanf(line, "%u %31s %63s", &idx, mac, a6)) >= 2 && idx &&
		    (v = realloc(b->binds, (b->n_binds + 1) * sizeof(*v)))) {
			b->binds = v;
			memset(&v[b->n_binds], 0, sizeof(*v));
			v[b->n_binds].ifindex = idx;
			/* an address that does not parse is dropped, the MAC kept */
			v[b->n_binds].has6 =
				k == 3 && inet_pton(AF_INET6, a6, &v[b->n_binds].a6) == 1;
			if (parse_mac(mac, v[b->n_binds].mac))
				b->n_binds++;
		}
	fclose(f);
}

void binding_state_save(struct gw_binding *b, const char *dir)
{
	char path[GW_PATH_MAX + 32], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int r;

	if (!f)
		return;
	r = state_fill(f, b);
	if (fclose(f) != 0 || r < 0) {
		free(text);
		return;
	}
	if (b->state_text && len == b->state_len && !memcmp(text, b->state_text, len)) {
		free(text);
		return;
	}
	state_path(dir, BINDING_STATE, path, sizeof(path));
	if ((r = state_file_write(path, 0600, state_fill, b)) < 0) {
		log_warnx("guest binding: writing %s: %s", path, strerror(-r));
		free(text);
		return;
	}
	free(b->state_text);
	b->state_text = text;
	b->state_len = len;
}
