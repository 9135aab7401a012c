/* (being written) */
#include "suites.h"

Suite *plan_suite(void)
{
	return suite_create("plan");
}
