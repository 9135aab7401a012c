/* Neighbour dumps (neigh.h): one request each (rtnl_msg_dump_neigh()),
 * each reply parsed by rtnl_msg_parse_fdb() / rtnl_msg_parse_neigh6(),
 * which are the events' parsers too (binding6.c's monitor). */
#include "gatewayd/host/neigh.h"
#include "gatewayd/host/rtnl.h"

#include <errno.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct collect {
	bool (*parse)(const struct nlmsghdr *nlh, void *out);
	size_t size; /* of one element */
	void *v;
	size_t n;
	char one[64] __attribute__((aligned(8))); /* room for one element */
};
_Static_assert(sizeof(struct host_fdb) <= 64 && sizeof(struct host_neigh6) <= 64,
	       "struct collect's one[] holds one element");

static int collect_cb(const struct nlmsghdr *nlh, void *data)
{
	struct collect *c = data;
	char *v;

	if (!c->parse(nlh, c->one))
		return 0;
	if (!(v = host_facts_grow(c->v, c->n, c->size)))
		return -ENOMEM;
	c->v = v;
	memcpy(v + c->n++ * c->size, c->one, c->size);
	return 0;
}

static void collect_restart(void *data)
{
	((struct collect *)data)->n = 0;
}

static int read_neigh(struct rtnl *r, int family, int master, struct collect *c, void **out,
		      size_t *n)
{
	char buf[RTNL_MSG_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	int len = rtnl_msg_dump_neigh(buf, sizeof(buf), 0, family, master), ret;

	if (len < 0)
		return len;
	if ((ret = rtnl_dump(r, buf, collect_cb, collect_restart, c)) < 0) {
		free(c->v);
		return ret;
	}
	*out = c->v;
	*n = c->n;
	return 0;
}

static bool parse_fdb(const struct nlmsghdr *nlh, void *out)
{
	return rtnl_msg_parse_fdb(nlh, out);
}

static bool parse_neigh6(const struct nlmsghdr *nlh, void *out)
{
	return rtnl_msg_parse_neigh6(nlh, out);
}

int host_fdb_read(struct rtnl *r, int master, struct host_fdb **out, size_t *n)
{
	struct collect c = { .parse = parse_fdb, .size = sizeof(**out) };
	void *v;
	int ret = read_neigh(r, AF_BRIDGE, master, &c, &v, n);

	if (ret == 0)
		*out = v;
	return ret;
}

int host_neigh6_read(struct rtnl *r, struct host_neigh6 **out, size_t *n)
{
	struct collect c = { .parse = parse_neigh6, .size = sizeof(**out) };
	void *v;
	int ret = read_neigh(r, AF_INET6, 0, &c, &v, n);

	if (ret == 0)
		*out = v;
	return ret;
}
