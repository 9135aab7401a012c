/* (being written: see forward.h) */
#include "internal.h"

int conf_network_forwards(struct conf_ctx *ctx, cfg_t *sec, const char *pfx, struct gw_network *net)
{
	(void)ctx, (void)sec, (void)pfx, (void)net;
	return 0;
}

int conf_forwards_check(struct conf_ctx *ctx, cfg_t *root, struct gw_conf *c)
{
	(void)ctx, (void)root, (void)c;
	return 0;
}

void conf_forwards_release(struct gw_network *net)
{
	(void)net;
}

int conf_forwards_dup(struct gw_network *dst, const struct gw_network *src)
{
	(void)dst, (void)src;
	return 0;
}

void conf_forwards_print(FILE *f, const struct gw_network *net)
{
	(void)f, (void)net;
}
