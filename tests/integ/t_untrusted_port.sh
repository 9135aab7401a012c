#!/bin/bash
# A port gatewayd does not know yet is an untrusted guest in the kernel
# (issue 16 item 8): DHCP client messages and duplicate address probes
# only. Runs in the backstop form this kernel has (port-set here: no
# bridge meta; see t_backstop_mode.sh).
#  1. gatewayd frozen (SIGSTOP): a new guest g4 plugged in sends
#     gratuitous ARPs "10.213.0.1 is-at me", runs a rogue DHCP server and
#     advertises a rogue prefix; the known guest g3 keeps the bridge's MAC
#     for its gateway, takes gatewayd's router on a fresh DISCOVER and
#     sees only gatewayd's RA (sent by a stand-in while gatewayd is
#     frozen: ra_standin in lib.sh); the drops are counted; after
#     SIGCONT g4 becomes a normal guest and gets a lease.
#  2. no freezing: a guest whose gratuitous ARP burst is already running
#     while its port is enslaved (the 42-97 ms before gatewayd lists it),
#     ROUNDS rounds; g3's gateway entry never moves.
# On main a3a2a74 both poison g3's gateway entry (that is the control: no
# rule then covers a port the daemon has not listed).
#
#   [g3 udhcpc, ARP cache] ── vg3 ─┐  (known: listed before the freeze)
#   [g4 garp.py, rogue_dhcp.py] ─ vg4 ─┤ gw0 [host: gatewayd, frozen in 1.]
#   [g5 garp.py] ─────────── vg5 ─┘  (2., enslaved during its burst)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft python3 rdisc6
ROUNDS=${ROUNDS:-3}
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
# a frozen gatewayd would not hear the TERM of cleanup
trap 'rc=$?; [ -n "$GW_PID" ] && kill -CONT "$GW_PID" 2>/dev/null; (exit $rc); cleanup' EXIT

untrusted() { $CTL status --json | grep -o '"untrusted_dropped_packets": *[0-9]*' | head -n 1 | grep -o '[0-9]*$'; }
gw_mac_of_g3() { ip -n "$G3" neigh show 10.213.0.1 dev eth0 | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2; }

topo_init
write_conf
gw_start
brmac=$(ip -n "$NS_HOST" link show gw0 | awk '/ether/ {print $2}')
guest_add 3
G3=$(guest_ns 3)
wait_until 5 sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd guest_ports | grep -q vg3" \
	|| fail "guest ports never listed vg3"
udhcpc_lease 3 || fail "guest 3 got no lease"
in_ns "$G3" busybox ping -c 1 -W 2 10.213.0.1 >/dev/null || fail "guest 3 cannot reach its gateway"
[ "$(gw_mac_of_g3)" = "$brmac" ] || fail "guest 3's gateway entry is $(gw_mac_of_g3), not $brmac"
form=$($CTL status --json | grep -o '"backstop": *"[a-z-]*"' | head -n 1 | cut -d'"' -f4)
say "backstop form: ${form:-(status does not say)}"
before=$(untrusted)

# --- 1. frozen
kill -STOP "$GW_PID"
ra_standin
guest_add 4
G4=$(guest_ns 4)
g3mac=$(ip -n "$G3" link show eth0 | awk '/ether/ {print $2}')
ip netns exec "$G4" python3 "$TOP/tests/integ/rogue_dhcp.py" eth0 67 10.99.0.1 10.99.0.50 \
	"$T/rogue.log" 2>>"$T/rogue.err" &
rogue_pid=$!
wait_until 5 grep -q started "$T/rogue.log" || fail "rogue did not start: $(cat "$T/rogue.err")"
rogue_server "$G4" eth0 ra-only # and router advertisements for 2001:db8:bad::/64
# 1.5 s of "the gateway is at me", 300 frames; then a fresh DISCOVER in g3
ip netns exec "$G4" python3 "$TOP/tests/integ/garp.py" eth0 10.213.0.1 300 5 >"$T/garp4.out" 2>&1
grep -q "sent [1-9]" "$T/garp4.out" || fail "guest 4 sent no ARP: $(cat "$T/garp4.out")"
poisoned=$(gw_mac_of_g3)
ENVOUT="$T/udhcpc-3b.env" in_ns "$G3" busybox udhcpc -i eth0 -f -q -n -t 4 -T 2 \
	-s "$T/udhcpc.sh" >>"$T/udhcpc-3.log" 2>&1
got=$?
router=$(sed -n 's/^router=//p' "$T/udhcpc-3b.env" 2>/dev/null)
wait_until 3 grep -qi "OFFER $g3mac" "$T/rogue.log"
offered=$?
ll_ready "$G3" eth0 || { kill -CONT "$GW_PID"; fail "guest 3 has no usable link-local address"; }
in_ns "$G3" rdisc6 -m -w 3000 -r 2 eth0 >"$T/rdisc-g3.out" 2>&1
kill "$rogue_pid" "$(cat "$T/rogue-$G4.pid")" 2>/dev/null
ra_standin_stop
kill -CONT "$GW_PID"
grep -q "RTR-ADVERT(eth0) 2001:db8:bad::" "$T/rogue-$G4.log" || fail "the rogue never sent an RA (test proves nothing)"
grep -q "2001:db8:bad" "$T/rdisc-g3.out" && fail "gatewayd frozen: guest 3 received the new port's RA: $(cat "$T/rdisc-g3.out")"
grep -q "fd42:213::" "$T/rdisc-g3.out" || fail "gatewayd frozen: guest 3 did not get our own RA: $(cat "$T/rdisc-g3.out")"
[ $offered = 0 ] || fail "the rogue never answered guest 3 (test proves nothing)"
[ "$poisoned" = "$brmac" ] || fail "gatewayd frozen: guest 3's gateway entry now $poisoned (guest 4 is $(ip -n "$G4" link show eth0 | awk '/ether/ {print $2}')), not the bridge's $brmac"
[ $got = 0 ] || fail "gatewayd frozen: guest 3 got no lease"
[ "$router" = 10.213.0.1 ] || fail "gatewayd frozen: guest 3 took router $router (the rogue's?)"
after=$(untrusted)
[ "${after:-0}" -gt "${before:-0}" ] || fail "untrusted_dropped_packets did not grow ($before -> $after)"
$CTL metrics | grep -Eq "^gatewayd_untrusted_dropped_packets_total\\{backstop=\"$form\"\\} [1-9]" \
	|| fail "metrics: $($CTL metrics | grep untrusted)"
ok "$form, gatewayd frozen: the new port's gratuitous ARPs, rogue offers and RAs did not reach guest 3 ($((after - before)) dropped)"
wait_until 5 sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd guest_ports | grep -q vg4" \
	|| fail "after SIGCONT, vg4 was never listed"
udhcpc_lease 4 || fail "after SIGCONT, guest 4 got no lease"
[ "$(lease_var 4 router)" = 10.213.0.1 ] || fail "guest 4's router is $(lease_var 4 router)"
ok "after SIGCONT the new port is a normal guest: lease $(lease_var 4 ip)"

# --- 2. the enslaving race, gatewayd running
for r in $(seq "$ROUNDS"); do
	n=$((4 + r)) ns=gwt$ID-g$((4 + r))
	# an entry to poison (a new lease's address flushed the old one)
	in_ns "$G3" busybox ping -c 1 -W 2 10.213.0.1 >/dev/null || fail "guest 3 cannot reach its gateway"
	[ "$(gw_mac_of_g3)" = "$brmac" ] || fail "round $r: guest 3's gateway entry is $(gw_mac_of_g3) before"
	ip netns add "$ns"
	GUESTS+=("$ns")
	ip -n "$ns" link set lo up
	ip -n "$NS_HOST" link add "vg$n" type veth peer name eth0 netns "$ns"
	ip -n "$NS_HOST" link set "vg$n" up
	ip -n "$ns" link set eth0 up
	# ~1 s of announcements, 1,000 frames; the port is enslaved 40 frames in
	ip netns exec "$ns" python3 "$TOP/tests/integ/garp.py" eth0 10.213.0.1 1000 1 >"$T/garp$n.out" 2>&1 &
	garp=$!
	wait_until 2 sh -c "ip netns exec $ns cat /proc/net/dev | awk '/eth0/ {exit !(\$11 > 40)}'"
	ip -n "$NS_HOST" link set "vg$n" master gw0
	wait "$garp"
	m=$(gw_mac_of_g3)
	[ "$m" = "$brmac" ] || fail "round $r: guest 3's gateway entry moved to $m while vg$n was enslaved"
	say "round $r: $(cat "$T/garp$n.out"), guest 3's gateway still $brmac"
done
ok "enslaving race, $ROUNDS rounds: guest 3's gateway entry never moved"
[ -n "$form" ] || fail "status names no backstop form"
$CTL doctor >"$T/doctor.out" 2>&1
grep -q "backstop.*$form" "$T/doctor.out" || fail "doctor does not name the backstop form: $(cat "$T/doctor.out")"
ok "status and doctor name the backstop form ($form)"
