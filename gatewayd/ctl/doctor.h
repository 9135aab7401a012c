/* gatewayctl doctor: walk the path a guest's packet takes and say, check
 * by check, what is wrong and how to fix it. */
#ifndef GW_DOCTOR_H
#define GW_DOCTOR_H

#include "gatewayd/ctl/out.h"

#include <stdbool.h>
#include <stddef.h>

struct gw_ctx;

struct doctor;
/* fails: how many checks FAILed (or -errno); text: the answer, a table or
 * JSON. */
typedef void (*doctor_done_fn)(void *arg, int fails, const char *text, size_t len);

/* which: a network index, or -1 for all. The checks run now; the DHCP
 * self-tests go on in the event loop, a few at a time, and done() is
 * called once they are all in -- always from the loop, never from
 * doctor_start(). The doctor frees itself after done(). */
int doctor_start(struct gw_ctx *ctx, long which, bool json, doctor_done_fn done, void *arg,
		 struct doctor **out);
/* How long it may take: its self-tests, a few at a time, with room. */
unsigned doctor_deadline_ms(const struct doctor *d);
/* Stop it (its test ports are removed); done() is not called. */
void doctor_cancel(struct doctor *d);

#endif
