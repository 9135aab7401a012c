#!/bin/bash
# Red team of issue 16 item 17: BIRD refusing a configuration is asked
# again with backoff (1 s doubling to 30 s) "and at every change" -- but
# every link event on the host counted as a change, even when the
# fragment stayed byte for byte the same: veths (a container starting, a
# user's tap opened and closed, doctor's test ports) made gatewayd send
# BIRD one `configure` per event, backoff or not. A BIRD that refuses
# forever must be asked a bounded number of times, however busy the
# host's links are; gatewayd's status still answers; a reload (the admin
# may have fixed BIRD) still asks at once.
#
#   [host: gatewayd + BIRD] gw0 (routed 10.64.0.0/24, announce)
#          $T/bird/host.conf: include "gatewayd.conf"; + a broken include
#          veth pairs made and deleted in the host namespace, 8 s long
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft bird birdc
# shellcheck disable=SC2034 # read by gw_spawn (lib.sh)
GW_FLAGS=-v # the retries are logged at debug level

topo_init
mkdir -p "$T/bird"
cat >"$T/bird/host.conf" <<EOF
log "$T/bird/host.log" all;
router id 198.51.100.2;
protocol device { scan time 1; }
include "$T/bird/gatewayd.conf";
EOF
: >"$T/bird/gatewayd.conf"
bird_run "$NS_HOST" host
# broken from now on, not yet read by BIRD
echo "include \"$T/bird/missing.conf\";" >>"$T/bird/host.conf"
bgp_routed_conf
ctl() { "$GATEWAYCTL" -s "$T/run/gatewayd.sock" "$@"; }
asks() { grep -c "BIRD refused $T/bird/gatewayd.conf" "$T/gw.log"; }

gw_start
wait_until 10 sh -c "$GATEWAYCTL -s $T/run/gatewayd.sock status default | grep -q 'BIRD refused'" ||
	fail "BIRD did not refuse: $(ctl status default)"
# past the first retries: the backoff is at 4 s or more now
wait_until 15 grep -q "asking again in 4 s" "$T/gw.log" || fail "the backoff did not reach 4 s: $(grep 'asking again' "$T/gw.log")"
a0=$(asks)
# 8 s of link events that change nothing gatewayd announces
end=$((SECONDS + 8)) ev=0 slow=0
while [ $SECONDS -lt $end ]; do
	in_host ip link add "rtv$ev" type veth peer name "rtp$ev"
	in_host ip link del "rtv$ev"
	ev=$((ev + 1))
	if [ $((ev % 20)) = 0 ]; then
		t0=$(date +%s%N)
		ctl status default >/dev/null || fail "status failed during the link events"
		dt=$((($(date +%s%N) - t0) / 1000000))
		[ "$dt" -le "$slow" ] || slow=$dt
	fi
done
a1=$(asks)
n=$((a1 - a0))
# backoff 4 s doubling: at most 3 asks in 8 s (one more for a boundary)
[ "$n" -le 4 ] || fail "BIRD asked $n times during 8 s of $ev link events (the backoff allows 3): $(grep 'asking again' "$T/gw.log" | tail -3)"
[ "$slow" -le 1000 ] || fail "status took $slow ms during the link events"
ok "BIRD refusing, $ev link events in 8 s: asked $n times (backoff), status answered (slowest $slow ms)"

# --- a reload still asks at once: fixed BIRD, reload, announced
sed -i '/missing.conf/d' "$T/bird/host.conf"
ctl reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
wait_until 3 sh -c "$GATEWAYCTL -s $T/run/gatewayd.sock status default | awk '\$1 == \"announce\" { print \$2 }' | grep -qx announced" ||
	fail "not announced within 3 s of a reload after BIRD was fixed: $(ctl status default)"
ok "control: BIRD fixed, a reload asks at once: announced"
gw_stop || fail "gatewayd exited non-zero"
