/* Unit tests: no root, no network, no kernel state. */
#include "suites.h"
#include <stdlib.h>

int main(void)
{
	SRunner *sr = srunner_create(conf_suite());
	int failed;

	srunner_add_suite(sr, nft_suite());
	srunner_add_suite(sr, dnsmasq_conf_suite());
	srunner_add_suite(sr, sysctl_suite());
	srunner_add_suite(sr, hostcheck_suite());
	srunner_add_suite(sr, packets_suite());
	srunner_add_suite(sr, notify_suite());
	srunner_add_suite(sr, leases_suite());
	srunner_add_suite(sr, state_suite());
	srunner_add_suite(sr, addr_suite());
	srunner_add_suite(sr, nl_suite());
	srunner_add_suite(sr, plan_suite());
	srunner_add_suite(sr, mode_suite());
	srunner_add_suite(sr, forward_suite());
	srunner_add_suite(sr, host_suite());
	srunner_add_suite(sr, binding_suite());
	srunner_add_suite(sr, qemu_suite());
	srunner_add_suite(sr, tap_suite());
	srunner_add_suite(sr, bgp_suite());
	srunner_add_suite(sr, bind_rules_suite());
	srunner_add_suite(sr, untrusted_suite());
	srunner_add_suite(sr, ra_suite());
	srunner_add_suite(sr, snapshot_suite());
	srunner_add_suite(sr, rtplan_suite());
	srunner_add_suite(sr, binding_dirty_suite());
	srunner_add_suite(sr, guests_suite());
	srunner_add_suite(sr, authz_suite());
	srunner_add_suite(sr, quota_suite());
	srunner_add_suite(sr, bandwidth_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
