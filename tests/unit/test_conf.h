/* Test cases of the conf suite that live in their own files. */
#ifndef GW_TEST_CONF_H
#define GW_TEST_CONF_H
#include <check.h>

TCase *conf_text_tcase(void);  /* comments and line numbers */
TCase *conf_names_tcase(void); /* names, strings and paths that leave gatewayd */

#endif
