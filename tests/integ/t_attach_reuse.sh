#!/bin/bash
# gatewayctl attach remembers the device, not just its name. The kernel
# gives a name to the next device once its owner is gone: VM1's tap0 was
# attached to network a (gw0); VM1 goes while gatewayd cannot hear its
# ifdown; customer b's VM2 gets a new tap0 on b's bridge (brb, the
# admin's). gatewayd must leave that tap0 where it is (and say so once):
#  1. across a restart (gatewayd killed, tap0 replaced, gatewayd started);
#  2. without one, gatewayd busy (stopped with SIGSTOP) while the old tap0
#     goes and the new one comes between two of its looks.
# Control: the same tap, attached before a clean stop, is attached again
# by the next start (a real re-attach still works).
#
#   [host] gatewayd: gw0 (network default = "a")
#            ── tap0 (VM1's: ip tuntap add; gatewayctl attach)   then gone
#            ── tap1 (VM3's, attached; the control)
#          brb (customer b's bridge, not gatewayd's)
#            ── tap0 (VM2's, new, same name)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
write_conf
gw_start
in_host ip link add brb type bridge
in_host ip link set brb up
master_of() { in_host ip -o link show "$1" 2>/dev/null | sed -n 's/.* master \([^ ]*\) .*/\1/p'; }
ifindex() { in_host cat "/sys/class/net/$1/ifindex"; }
# new_tap0_on_b: VM1's tap0 goes, VM2's tap0 comes on brb
new_tap0_on_b() {
	in_host ip link del tap0
	in_host ip tuntap add dev tap0 mode tap
	in_host ip link set tap0 master brb up
}

in_host ip tuntap add dev tap0 mode tap
in_host ip tuntap add dev tap1 mode tap
in_host $CTL attach tap0 >"$T/out" 2>&1 || fail "attach tap0: $(cat "$T/out")"
in_host $CTL attach tap1 >"$T/out" 2>&1 || fail "attach tap1: $(cat "$T/out")"
[ "$(master_of tap0)" = gw0 ] && [ "$(master_of tap1)" = gw0 ] || fail "tap0/tap1 not on gw0"
old=$(ifindex tap0)

# --- 1. restart
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=
new_tap0_on_b
new=$(ifindex tap0)
[ "$new" != "$old" ] || skip "the kernel gave the new tap0 the old ifindex $old"
gw_start
wait_until 5 grep -q "attached port tap0 (ifindex $old) is gone; the tap0 there now (ifindex $new) is another device: left alone" "$T/gw.log" ||
	fail "the restart did not say it left the new tap0 alone; tap0 is on $(master_of tap0)"
[ "$(master_of tap0)" = brb ] || fail "after a restart customer b's new tap0 is on $(master_of tap0), not brb"
[ "$(master_of tap1)" = gw0 ] || fail "after a restart tap1 (the same device) is on '$(master_of tap1)', not gw0"
grep -q "^tap0 " "$T/state/attached" && fail "the stale record of tap0 is still there: $(cat "$T/state/attached")"
ok "gatewayd killed, VM1's tap0 replaced by VM2's on brb (ifindex $old -> $new): the restart left it on brb, said so; tap1 stays on gw0"

# --- 2. no restart: gatewayd busy while tap0 goes and comes
in_host ip link set tap0 nomaster
in_host $CTL attach tap0 >"$T/out" 2>&1 || fail "attach tap0 again: $(cat "$T/out")"
[ "$(master_of tap0)" = gw0 ] || fail "tap0 not on gw0"
old=$(ifindex tap0)
kill -STOP "$GW_PID"
new_tap0_on_b
kill -CONT "$GW_PID"
new=$(ifindex tap0)
wait_until 5 sh -c "grep -q 'attached port tap0 (ifindex $old) is gone; the tap0 there now (ifindex $new) is another device' $T/gw.log || ip -n $NS_HOST -o link show tap0 | grep -q 'master gw0'" ||
	fail "gatewayd neither moved nor left the new tap0 within 5 s"
[ "$(master_of tap0)" = brb ] || fail "with gatewayd busy, customer b's new tap0 was moved to $(master_of tap0)"
# one more link event: still left alone, not said again
in_host ip link set tap0 down
in_host ip link set tap0 up
wait_until 3 sh -c "$GATEWAYCTL -s $T/run/gatewayd.sock status >/dev/null"
[ "$(master_of tap0)" = brb ] || fail "tap0 moved at a later link event"
[ "$(grep -c "attached port tap0 .* is another device" "$T/gw.log")" = 2 ] || fail "said more than once per replacement: $(grep -c "another device" "$T/gw.log")"
ok "gatewayd stopped (SIGSTOP) while tap0 (ifindex $old) went and a new one (ifindex $new) came on brb: left alone, said once"

# --- control: a clean stop takes tap1 off, the next start puts it back
gw_stop || fail "gatewayd exited non-zero"
[ -z "$(master_of tap1)" ] || fail "tap1 still on $(master_of tap1) after a clean stop"
gw_start
wait_until 5 sh -c "[ \"\$(ip -n $NS_HOST -o link show tap1 | sed -n 's/.* master \([^ ]*\) .*/\1/p')\" = gw0 ]" ||
	fail "tap1 (the same device) not attached again after a restart: '$(master_of tap1)'"
[ "$(master_of tap0)" = brb ] || fail "tap0 moved to $(master_of tap0)"
grep -q "^tap1 default $(ifindex tap1)$" "$T/state/attached" || fail "the record: $(cat "$T/state/attached")"
ok "control: tap1 attached before a clean stop is on gw0 again after the start (same ifindex $(ifindex tap1))"
