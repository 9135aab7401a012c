#ifndef GW_TEST_SUITES_H
#define GW_TEST_SUITES_H
#include <check.h>
Suite *conf_suite(void);
Suite *nft_suite(void);
Suite *dnsmasq_conf_suite(void);
Suite *sysctl_suite(void);
Suite *hostcheck_suite(void);
Suite *packets_suite(void);
Suite *notify_suite(void);
Suite *leases_suite(void);
Suite *state_suite(void);
Suite *addr_suite(void);
Suite *nl_suite(void);
Suite *plan_suite(void);
Suite *mode_suite(void);
Suite *forward_suite(void);
Suite *host_suite(void);
Suite *binding_suite(void);
Suite *qemu_suite(void);
Suite *tap_suite(void);
Suite *bgp_suite(void);
/* test_bind_rules.c: the claim rules' text for one network, for
 * test_binding.c too */
Suite *bind_rules_suite(void);
const char *bind_claims_text(const char *net);
/* test_binding.c: a rule as libnftnl prints it, on one line */
void rule_flatten(const char *in, char *out, size_t len);
Suite *untrusted_suite(void);
Suite *ra_suite(void);
Suite *snapshot_suite(void);
Suite *rtplan_suite(void);
Suite *binding_dirty_suite(void);
Suite *guests_suite(void); /* doc, issue 19 item 5 */
Suite *authz_suite(void);
Suite *quota_suite(void);
Suite *bandwidth_suite(void); /* issue 19 item 1 */
#endif
