#!/bin/bash
# GATEWAYD_TEST_OMIT is a bench hook (bench/ruleset.sh's per-part
# breakdown): it leaves guards out of the ruleset. Left set by mistake (a
# unit file, a root shell) it must not be quiet: gatewayd warns at start and
# `gatewayctl doctor` fails with the fix. Asserted: with
# GATEWAYD_TEST_OMIT=binding the bridge table has no bind4 fast path, the
# log warns, doctor exits 1 naming the test hook; without it the fast path
# is there and doctor says nothing of a test hook.
#
#   [host: gatewayd, gw0 10.213.0.1]
. "$(dirname "$0")/lib.sh"
require nft

CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
topo_init
write_conf
GATEWAYD_TEST_OMIT=binding gw_start
wait_until 5 in_host nft list table bridge gatewayd >/dev/null || fail "no bridge table"
in_host nft list chain bridge gatewayd prerouting | grep -q "@bind4 accept" &&
	fail "GATEWAYD_TEST_OMIT=binding: the bind4 fast path is still there"
grep -q "GATEWAYD_TEST_OMIT=\"binding\": a bench hook" "$T/gw.log" || fail "no warning at start: $(cat "$T/gw.log")"
in_host $CTL doctor >"$T/d"; rc=$?
[ $rc = 1 ] && grep -q "FAIL  test hook" "$T/d" || fail "doctor with GATEWAYD_TEST_OMIT: exit $rc: $(cat "$T/d")"
ok "GATEWAYD_TEST_OMIT=binding: no fast path, a warning at start, doctor fails naming it"
gw_stop || fail "gatewayd exit status"

gw_start
wait_until 5 in_host nft list table bridge gatewayd >/dev/null || fail "no bridge table (second start)"
in_host nft list chain bridge gatewayd prerouting | grep -q "@bind4 accept" || fail "no bind4 fast path without the hook"
in_host $CTL doctor >"$T/d"
grep -q "test hook" "$T/d" && fail "doctor names a test hook without one: $(cat "$T/d")"
ok "without it: the fast path, and doctor silent about test hooks"
