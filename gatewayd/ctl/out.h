/* Output for gatewayctl answers: the same calls write a human table or
 * JSON, so every command gets --json for free. Values may come from guests
 * (DHCP hostnames) or the kernel (interface names), so both forms escape
 * them: the table is printable ASCII (other bytes as \xHH, '\' as \\), JSON
 * is ASCII with \uXXXX escapes and U+FFFD for bytes that are not UTF-8. */
#ifndef GW_OUT_H
#define GW_OUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct out {
	FILE *f;
	bool json;
	bool first[4]; /* per nesting level: nothing written yet */
	int level;
	char cols[8][24];
	int ncols;
};

void out_init(struct out *o, FILE *f, bool json);
/* A document holding a list of objects: {"NAME": [ {...}, ... ]} */
void out_doc_begin(struct out *o, const char *name);
void out_doc_end(struct out *o);
void out_obj_begin(struct out *o, const char *title);
void out_obj_end(struct out *o);
void out_str(struct out *o, const char *key, const char *val);
void out_int(struct out *o, const char *key, uint64_t val);
void out_list_begin(struct out *o, const char *key);
void out_item(struct out *o, const char *val);
void out_list_end(struct out *o);
/* A table: header "COL COL ..."; JSON objects keyed by the lower-cased
 * column names. */
void out_table_begin(struct out *o, const char *name, const char *header);
void out_row(struct out *o, int n, ...);
void out_table_end(struct out *o);
/* A doctor check: state "ok", "WARN" or "FAIL". */
void out_check(struct out *o, const char *name, const char *state, const char *detail,
	       const char *fix);

#endif
