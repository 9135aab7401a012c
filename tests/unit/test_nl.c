/* (being written) */
#include "suites.h"

Suite *nl_suite(void)
{
	return suite_create("nl");
}
