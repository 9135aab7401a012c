/* libFuzzer target for the config parser and validator (as wireguard-tools
 * fuzzes its config parser): any byte string must give either a valid
 * struct gw_conf or one error message, never a crash, hang or leak.
 *   make fuzz FUZZ_SECONDS=60 */
#include "conf/conf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), err[1024];
	struct gw_conf *c = NULL;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (conf_load_buf("fuzz.conf", buf, &c, err, sizeof(err)) == 0) {
		FILE *f = fopen("/dev/null", "w");
		if (f) {
			conf_print(f, c); /* the printer must cope with anything valid */
			fclose(f);
		}
	} else if (!err[0] || c) {
		abort(); /* an error must say something, and leave nothing */
	}
	conf_free(c);
	free(buf);
	return 0;
}
