#!/bin/bash
# gatewayctl attach/detach and QEMU's ifup/ifdown scripts (issue 10). A tap
# made by someone else (here `ip tuntap add`, as QEMU's -netdev
# tap,script= makes one) whose name does NOT match the network's
# guest_ports is attached: it is on the bridge, up, and a guest port -- the
# guard does not trip and DHCP goes on being served -- and it is attached
# again after a restart. A device that is not a tap (a veth whose other end
# is on the uplink's side, a layer-3 tun) is refused; detach takes a port
# off. scripts/qemu-ifup and qemu-ifdown do the same, run as QEMU runs
# them. status shows each guest port's origin, MAC and lease: veth, script,
# helper (a tap that lives only while its process holds it), manual.
#
#   [host: gatewayd]
#     gw0 (default, guest_ports "vg*") ── vg1 ── [g1] veth guest
#                                      ── vmA  (ip tuntap add; attached)
#     gw1 (b)  ── vmB (qemu-ifup, GATEWAYD_NETWORK=b) ══ relay ══ [g2] eth0
#              ── hp3 (non-persistent, enslaved as QEMU's bridge helper
#                      does) ══ relay ══ [g3] eth0
#              ── mn5 (persistent tap someone enslaved by hand)
#     up0 ── [inet] ── upxp (the far end of veth upx)
# relay: tests/integ/tap_open.pl, a stand-in for QEMU holding the tap.
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl

topo_init
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
OPEN="$TOP/tests/integ/tap_open.pl"
write_conf 'guest_ports = {"vg*"}'
printf 'network b {\n bridge = "gw1"\n ipv4 = "10.214.0.1/24"\n dhcp { range = "10.214.0.100-10.214.0.150" }\n}\n' >>"$T/gw.conf"
gw_start
wait_until 10 grep -q "dnsmasq\[b\]: started" "$T/gw.log" || fail "network b not served"
guest_add 1

on_bridge() { in_host ip link show "$1" 2>/dev/null | grep -q " master $2 " && in_host ip link show "$1" | head -n 1 | grep -q '[<,]UP[,>]'; }
off_bridge() { ! in_host ip link show "$1" | grep -q " master "; }
guard() { $CTL status "$1" | sed -n 's/^  guard  *//p'; }
scripts() { GATEWAYCTL=$GATEWAYCTL GATEWAYD_SOCKET=$T/run/gatewayd.sock "$@"; }

# 1. attach a tap whose name guest_ports does not match
in_host ip tuntap add dev vmA mode tap
pd=$(dnsmasq_pid)
out=$($CTL attach vmA 2>&1) || fail "attach vmA: $out"
wait_until 5 on_bridge vmA gw0 || fail "vmA is not an up port of gw0: $(in_host ip link show vmA)"
wait_until 5 sh -c "$CTL status default | grep -q '^  ports .*vmA'" || fail "the watch never saw vmA on gw0"
[ "$(guard default)" = ok ] || fail "attached vmA tripped the guard: $(guard default)"
grep -q "is not a guest port" "$T/gw.log" && fail "the guard complained: $(grep 'not a guest port' "$T/gw.log")"
[ "$(dnsmasq_pid)" = "$pd" ] || fail "dnsmasq stopped or restarted"
udhcpc_lease 1 || fail "no lease for g1 with vmA attached"
ok "attach vmA (no network named: default): on gw0, up; guard ok, same dnsmasq, g1 got $(lease_var 1 ip)"

# the same kind of port, not attached, does trip it: the test can tell
in_host ip tuntap add dev vmZ mode tap
in_host ip link set vmZ master gw0 up
wait_until 5 sh -c "$CTL status default | grep -q 'guard  *tripped by vmZ'" || fail "a tap enslaved by hand did not trip the guard"
in_host ip link del vmZ
wait_until 5 sh -c "[ \"\$($CTL status default | sed -n 's/^  guard  *//p')\" = ok ]" || fail "the guard did not resume"
ok "control: vmZ, enslaved by hand, trips the guard; gone, it resumes"

# 2. a restart attaches it again
gw_stop
off_bridge vmA || fail "vmA left on a bridge after stop"
gw_start
wait_until 5 on_bridge vmA gw0 || fail "vmA was not attached again after a restart"
wait_until 5 sh -c "$CTL status default | grep -q '^  ports .*vmA'" || fail "the watch never saw vmA again"
[ "$(guard default)" = ok ] || fail "vmA tripped the guard after the restart: $(guard default)"
in_host ip link set vg1 master gw0 up # it fell off with the old gw0: not ours to plug back
udhcpc_lease 1 || fail "no lease for g1 after the restart"
ok "restart: vmA attached again, guard ok, g1 leased"

# the bridge deleted and recreated: vmA is plugged back
in_host ip link del gw0
wait_until 10 on_bridge vmA gw0 || fail "vmA not back on the recreated gw0"
ok "gw0 deleted: recreated with vmA on it"

# 3. what is not a tap is refused
ip -n "$NS_HOST" link add upx type veth peer name upxp netns "$NS_INET"
in_host ip tuntap add dev tn0 mode tun
for dev in upx tn0 nosuch0; do
	code=0
	out=$($CTL attach $dev 2>&1) || code=$?
	[ "$code" = 1 ] || fail "attach $dev: exit $code: $out"
	case $dev in
	upx) echo "$out" | grep -q 'upx is not a tap device (kind "veth")' ;;
	tn0) echo "$out" | grep -q 'tn0 is not a tap device (kind "tun")' ;;
	*) echo "$out" | grep -q 'no such device' ;;
	esac || fail "attach $dev: $out"
done
off_bridge upx && off_bridge tn0 || fail "a refused device was enslaved"
code=0
$CTL attach vmA nosuchnet >"$T/out" 2>&1 || code=$?
[ "$code" = 5 ] || fail "attach to a missing network: exit $code $(cat "$T/out")"
ok "attach refused a veth to the uplink's side, a tun and a missing device; a missing network exits 5"

# 4. detach
$CTL detach vmA >"$T/out" 2>&1 || fail "detach vmA: $(cat "$T/out")"
off_bridge vmA || fail "vmA still on a bridge after detach"
grep -q vmA "$T/state/attached" 2>/dev/null && fail "vmA still recorded after detach"
out=$($CTL detach vmA 2>&1) && fail "detach of a port not attached succeeded: $out"
ok "detach vmA: off gw0 and forgotten"

# 5. the scripts, as QEMU runs them
scripts "$TOP/scripts/qemu-ifup" vmA >"$T/out" 2>&1 || fail "qemu-ifup vmA: $(cat "$T/out")"
wait_until 5 on_bridge vmA gw0 || fail "qemu-ifup did not put vmA on gw0"
scripts "$TOP/scripts/qemu-ifdown" vmA >"$T/out" 2>&1 || fail "qemu-ifdown vmA: $(cat "$T/out")"
off_bridge vmA || fail "qemu-ifdown did not take vmA off"
in_host ip tuntap add dev vmB mode tap
GATEWAYD_NETWORK=b scripts "$TOP/scripts/qemu-ifup" vmB >"$T/out" 2>&1 || fail "qemu-ifup vmB: $(cat "$T/out")"
wait_until 5 on_bridge vmB gw1 || fail "qemu-ifup with GATEWAYD_NETWORK=b did not put vmB on gw1"
ok "qemu-ifup/qemu-ifdown attach and detach; GATEWAYD_NETWORK=b picks gw1"

# 6. guests behind taps, and what status says of each port
# tap_guest N TAP: namespace gN whose eth0 is a tap the relay made (gqN),
# copied to and from TAP (made by the relay too when it does not exist).
tap_guest() {
	local ns=gwt$ID-g$1
	ip netns add "$ns"
	GUESTS+=("$ns")
	ip netns exec "$NS_HOST" perl "$OPEN" relay "$2" "gq$1" >"$T/relay-$1.out" 2>&1 &
	wait_until 5 grep -q ok "$T/relay-$1.out" || fail "relay $1: $(cat "$T/relay-$1.out")"
	in_host ip link set "gq$1" netns "$ns"
	ip -n "$ns" link set "gq$1" name eth0
	ip -n "$ns" link set eth0 up
}
mac_of() { ip -n "gwt$ID-g$1" link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
tap_guest 2 vmB
tap_guest 3 hp3
in_host ip link set hp3 master gw1 up
in_host ip tuntap add dev mn5 mode tap
in_host ip link set mn5 master gw1 up
udhcpc_lease 2 || fail "no lease for g2 behind vmB"
udhcpc_lease 3 || fail "no lease for g3 behind hp3"
want() { # NET PORT ORIGIN MAC IP
	wait_until 10 sh -c "$CTL status $1 | grep -q 'guest_port *$2 origin=$3 mac=$4 ipv4=$5\$'" ||
		fail "status $1 does not show '$2 origin=$3 mac=$4 ipv4=$5': $($CTL status "$1" | grep guest_port)"
}
want default vg1 veth "$(mac_of 1)" "$(lease_var 1 ip)"
want b vmB script "$(mac_of 2)" "$(lease_var 2 ip)"
want b hp3 helper "$(mac_of 3)" "$(lease_var 3 ip)"
want b mn5 manual - -
$CTL status --json b | grep -q "{\"port\":\"vmB\",\"origin\":\"script\",\"mac\":\"$(mac_of 2)\",\"ipv4\":\"$(lease_var 2 ip)\",\"host\":\"\",\"dropped\":\"\"}" ||
	fail "status --json: $($CTL status --json b)"
ok "status: vg1 veth, vmB script, hp3 helper (each with its MAC and lease), mn5 manual"

# 6b. under guest_ports = {"vg*"}, a guest behind an attached tap whose
# name does not match gets its lease: the kernel backstop lets our DHCP
# replies out through gatewayd's ports (set guest_ports), not only through
# ports the patterns match
tap_guest 4 vmD
$CTL attach vmD default >"$T/out" 2>&1 || fail "attach vmD: $(cat "$T/out")"
wait_until 5 sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd guest_ports | grep -q vmD" ||
	fail "vmD not in the backstop's guest_ports: $(in_host nft list set bridge gatewayd guest_ports)"
udhcpc_lease 4 || fail "no lease for g4 behind attached vmD (guest_ports = vg*): the backstop dropped the offer"
ok "a guest behind attached vmD (not matching guest_ports) got $(lease_var 4 ip)"

# 7. an attached port that goes away is forgotten
in_host ip link del vmB
wait_until 5 grep -q "attached port vmB is gone; forgotten" "$T/gw.log" || fail "vmB's end not noticed"
grep -q vmB "$T/state/attached" 2>/dev/null && fail "vmB still recorded after it went"
ok "vmB deleted: forgotten"

# 8. no network named default: the only one, else a clear refusal
sed -i 's/^network default {/network a {/' "$T/gw.conf"
$CTL reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
in_host ip tuntap add dev vmC mode tap
code=0
out=$(scripts "$TOP/scripts/qemu-ifup" vmC 2>&1) || code=$?
[ "$code" = 1 ] && echo "$out" | grep -q 'no network named "default" and 2 networks: say which one' ||
	fail "qemu-ifup with networks a and b and no GATEWAYD_NETWORK: exit $code: $out"
off_bridge vmC || fail "vmC attached somewhere"
write_conf
sed -i 's/^network default {/network a {/' "$T/gw.conf"
$CTL reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
scripts "$TOP/scripts/qemu-ifup" vmC >"$T/out" 2>&1 || fail "qemu-ifup with one network a: $(cat "$T/out")"
wait_until 5 on_bridge vmC gw0 || fail "vmC not on gw0, network a's bridge"
ok "no default network: refused with two ($out), the only one (a) taken with one"
