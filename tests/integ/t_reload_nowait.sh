#!/bin/bash
# A reload never waits for a dnsmasq to stop. Network b's dnsmasq is frozen
# (SIGSTOP: it cannot act on SIGTERM, and is killed after 3 s). A reload
# that gives b a new range answers at once; while b's old dnsmasq lingers,
# the other network's dnsmasq is SIGKILLed and is back within 1 s; b shows
# "restarting" and serves with the new range once the old one is gone.
# Then a reload that removes b while its dnsmasq is frozen: answered at
# once, the frozen one killed and reaped (no zombie).
#
#   [g1] ── vg1 ── gw0 (default) ┐
#                  gw1 (b)       ┴ [host: gatewayd] ── up0 ── [inet]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
conf() { # B_RANGE | none
	write_conf
	[ "$1" = none ] || printf 'network b {\n bridge = "gw1"\n ipv4 = "10.214.0.1/24"\n dhcp { range = "%s" }\n}\n' "$1" >>"$T/gw.conf"
}
conf "10.214.0.100-10.214.0.150"
gw_start
wait_until 10 grep -q "dnsmasq\[b\]: started" "$T/gw.log" || fail "network b not served"
guest_add 1
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
ms() { date +%s%3N; }
pid_of() { cat "$T/run/$1.dnsmasq.pid" 2>/dev/null; }

pb=$(pid_of b)
kill -STOP "$pb"
conf "10.214.0.20-10.214.0.30"
t0=$(ms)
$CTL reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
dt=$(($(ms) - t0))
[ "$dt" -lt 1000 ] || fail "reload waited ${dt} ms for b's old dnsmasq"
$CTL status b | grep -q "restarting" || fail "b not shown restarting: $($CTL status b)"
pd=$(pid_of default)
t1=$(ms)
kill -KILL "$pd"
wait_until 3 sh -c "p=\$(cat $T/run/default.dnsmasq.pid 2>/dev/null); [ -n \"\$p\" ] && [ \"\$p\" != $pd ]" ||
	fail "default's dnsmasq not restarted while b's old one lingered"
dk=$(($(ms) - t1))
[ "$dk" -lt 1000 ] || fail "default's dnsmasq back after ${dk} ms"
alive "$pb" || fail "b's old dnsmasq already gone: the test did not test the wait"
ok "reload answered in ${dt} ms with b's old dnsmasq frozen; default's killed dnsmasq back in ${dk} ms"

wait_until 8 sh -c "! kill -0 $pb 2>/dev/null" || fail "b's old dnsmasq never killed"
wait_until 5 sh -c "p=\$(cat $T/run/b.dnsmasq.pid 2>/dev/null); [ -n \"\$p\" ] && [ \"\$p\" != $pb ]" ||
	fail "b's new dnsmasq did not start"
grep -q "10.214.0.20,10.214.0.30" "$T/run/b.dnsmasq.conf" || fail "b's new config lacks the new range"
$CTL status b | grep -q "running" || fail "b not running: $($CTL status b)"
ok "b's old dnsmasq killed after its grace; the new one runs with the new range"

pb=$(pid_of b)
kill -STOP "$pb"
conf none
t0=$(ms)
$CTL reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
dt=$(($(ms) - t0))
[ "$dt" -lt 1000 ] || fail "reload removing b waited ${dt} ms"
wait_until 8 sh -c "! kill -0 $pb 2>/dev/null" || fail "b's frozen dnsmasq left behind (or a zombie)"
udhcpc_lease 1 || fail "default serves no lease after all this"
ok "reload removing b answered in ${dt} ms; its frozen dnsmasq killed and reaped"
