#!/bin/bash
# BIRD refuses the configuration once -- the administrator left a broken
# include in bird.conf -- and the administrator then fixes bird.conf
# without telling anyone. gatewayd asks BIRD again on a timer with backoff
# (1 s doubling to 30 s) and at every change, so the fragment is applied
# and status says "announced" again, with no reload. (It used to ask
# once: status stayed "withdrawn" until the next change of the fragment.)
#
#   [host: gatewayd + BIRD] gw0 (routed 10.64.0.0/24, announce)
#          $T/bird/host.conf  the admin's: ... include "gatewayd.conf";
#                             (+ a broken include, then fixed)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft bird birdc
# shellcheck disable=SC2034 # read by gw_spawn (lib.sh)
GW_FLAGS=-v # the retries are logged at debug level

topo_init
mkdir -p "$T/bird"
good() {
	cat >"$T/bird/host.conf" <<EOF
log "$T/bird/host.log" all;
router id 198.51.100.2;
protocol device { scan time 1; }
include "$T/bird/gatewayd.conf";
EOF
}
good
: >"$T/bird/gatewayd.conf"
bird_run "$NS_HOST" host
# the administrator's mistake, not yet read by BIRD
echo "include \"$T/bird/missing.conf\";" >>"$T/bird/host.conf"

bgp_routed_conf
ctl() { "$GATEWAYCTL" -s "$T/run/gatewayd.sock" "$@"; }
field() { ctl status "$1" | awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }'; }
announce_is() { [ "$(field default announce)" = "$1" ]; }

gw_start
wait_until 10 sh -c "$GATEWAYCTL -s $T/run/gatewayd.sock status default | grep -q 'BIRD refused'" ||
	fail "BIRD did not refuse: $(ctl status default)"
announce_is withdrawn || fail "announce while BIRD refuses: $(field default announce)"
field default bgp | grep -q "missing.conf" || fail "the refusal does not name the broken include: $(field default bgp)"
ok "BIRD refuses (a broken include in its config): status says so, announce withdrawn"

# The administrator fixes bird.conf, tells neither BIRD nor gatewayd.
t0=$(date +%s%N)
good
wait_until 40 announce_is announced || fail "not announced 40 s after BIRD's config was fixed: $(ctl status default)"
t1=$(date +%s%N)
s=$(field default bgp)
case "$s" in *refused*) fail "status still says: $s" ;; esac
grep -q "BIRD loaded $T/bird/gatewayd.conf" "$T/gw.log" || fail "gatewayd did not say BIRD loaded the fragment"
in_host birdc -s "$T/bird/host.ctl" show protocols | grep -q gatewayd_ || fail "BIRD has none of our protocols"
ok "fixed bird.conf: gatewayd asked BIRD again by itself, announced after $(((t1 - t0) / 1000000)) ms, no reload"

# Refused again, long enough for the backoff to reach 8 s; then the fix
# and a change (a reload): BIRD asked at once, not when the timer is due.
echo "include \"$T/bird/missing.conf\";" >>"$T/bird/host.conf"
sed -i 's/^network default.*/&\nnetwork other { bridge = "gw1" mode = routed ipv4 = "10.64.1.1\/24" }/' "$T/gw.conf"
ctl reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
wait_until 10 sh -c "$GATEWAYCTL -s $T/run/gatewayd.sock status default | grep -q 'BIRD refused'" ||
	fail "BIRD did not refuse the second time: $(ctl status default)"
wait_until 20 grep -q "BIRD refused $T/bird/gatewayd.conf again; asking again in 8 s" "$T/gw.log" ||
	fail "the backoff did not grow to 8 s: $(grep 'asking again' "$T/gw.log")"
good
t0=$(date +%s%N)
ctl reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
wait_until 3 announce_is announced || fail "not announced within 3 s of a reload (the timer was 8 s away): $(ctl status default)"
t1=$(date +%s%N)
[ "$(field other announce)" = announced ] || fail "network other: $(field other announce)"
ok "refused again until the backoff was 8 s; fixed, then a reload: announced after $(((t1 - t0) / 1000000)) ms"
gw_stop || fail "gatewayd exited non-zero"
