#!/bin/bash
# GATEWAYD_TEST_OMIT is a bench hook (bench/ruleset.sh's per-part
# breakdown): it leaves guards out of the ruleset. It is compiled only
# into the test build, build/gatewayd-test (-DGW_TEST_HOOKS, Makefile);
# build/gatewayd, which `make install` installs, ignores it. Asserted:
# - the test build with GATEWAYD_TEST_OMIT=binding: the bridge table has
#   no bind4 fast path, the log warns, doctor exits 1 naming the test hook
#   (left set by mistake it must not be quiet);
# - the test build without it: the fast path is there, doctor is silent;
# - the installed binary with GATEWAYD_TEST_OMIT=binding: `gatewayd -n -v`
#   prints the same ruleset as without it, the live ruleset has the fast
#   path and as many rules as the plan, no bench-hook warning, doctor
#   silent about test hooks.
#
#   [host: gatewayd, gw0 10.213.0.1]
. "$(dirname "$0")/lib.sh"
require nft
GATEWAYD_PROD=$GATEWAYD
GATEWAYD_TEST=${GATEWAYD_TEST:-${GATEWAYD%/*}/gatewayd-test}
[ -x "$GATEWAYD_TEST" ] || skip "build the test build first ($GATEWAYD_TEST: make)"

CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
topo_init
write_conf
GATEWAYD=$GATEWAYD_TEST
GATEWAYD_TEST_OMIT=binding gw_start
wait_until 5 in_host nft list table bridge gatewayd >/dev/null || fail "no bridge table"
in_host nft list chain bridge gatewayd prerouting | grep -q "@bind4 accept" &&
	fail "GATEWAYD_TEST_OMIT=binding: the bind4 fast path is still there"
grep -q "GATEWAYD_TEST_OMIT=\"binding\": a bench hook" "$T/gw.log" || fail "no warning at start: $(cat "$T/gw.log")"
in_host $CTL doctor >"$T/d"; rc=$?
[ $rc = 1 ] && grep -q "FAIL  test hook" "$T/d" || fail "doctor with GATEWAYD_TEST_OMIT: exit $rc: $(cat "$T/d")"
ok "test build, GATEWAYD_TEST_OMIT=binding: no fast path, a warning at start, doctor fails naming it"
gw_stop || fail "gatewayd exit status"

gw_start
wait_until 5 in_host nft list table bridge gatewayd >/dev/null || fail "no bridge table (second start)"
in_host nft list chain bridge gatewayd prerouting | grep -q "@bind4 accept" || fail "no bind4 fast path without the hook"
in_host $CTL doctor >"$T/d"
grep -q "test hook" "$T/d" && fail "doctor names a test hook without one: $(cat "$T/d")"
ok "test build without it: the fast path, and doctor silent about test hooks"
gw_stop || fail "gatewayd exit status"

# The installed binary: the variable changes nothing.
GATEWAYD=$GATEWAYD_PROD
"$GATEWAYD" -n -v -c "$T/gw.conf" >"$T/plain.txt" 2>&1 || fail "gatewayd -n -v: $(cat "$T/plain.txt")"
GATEWAYD_TEST_OMIT="binding meters untrusted backstop filter dnat counters" \
	"$GATEWAYD" -n -v -c "$T/gw.conf" >"$T/omit.txt" 2>&1 || fail "gatewayd -n -v with the hook: $(cat "$T/omit.txt")"
grep -q "@bind4 accept" "$T/plain.txt" || fail "gatewayd -n -v prints no bind4 fast path"
cmp -s "$T/plain.txt" "$T/omit.txt" || fail "the installed binary took GATEWAYD_TEST_OMIT: $(diff "$T/plain.txt" "$T/omit.txt" | head -20)"
GATEWAYD_TEST_OMIT="binding meters untrusted backstop filter dnat counters" \
	"$GATEWAYD_TEST" -n -v -c "$T/gw.conf" >"$T/test.txt" 2>&1
cmp -s "$T/plain.txt" "$T/test.txt" && fail "the test build's -n -v ignores GATEWAYD_TEST_OMIT (the comparison proves nothing)"
ok "installed binary, GATEWAYD_TEST_OMIT set: gatewayd -n -v prints the whole ruleset (the test build's differs)"

: >"$T/gw.log"
GATEWAYD_TEST_OMIT=binding gw_start
wait_until 5 in_host nft list table bridge gatewayd >/dev/null || fail "no bridge table (installed binary)"
in_host nft list chain bridge gatewayd prerouting | grep -q "@bind4 accept" ||
	fail "installed binary with GATEWAYD_TEST_OMIT=binding: no bind4 fast path"
grep -q "a bench hook" "$T/gw.log" && fail "installed binary took the hook: $(cat "$T/gw.log")"
grep -q "GATEWAYD_TEST_OMIT is set and ignored" "$T/gw.log" || fail "installed binary does not say it ignores the variable: $(cat "$T/gw.log")"
in_host $CTL doctor >"$T/d"
grep -q "test hook" "$T/d" && fail "doctor names a test hook on the installed binary: $(cat "$T/d")"
grep -q "FAIL  gatewayd tables" "$T/d" && fail "doctor: rules missing: $(cat "$T/d")"
ok "installed binary, GATEWAYD_TEST_OMIT=binding: fast path in force, no warning of a hook, doctor silent"
gw_stop || fail "gatewayd exit status"
