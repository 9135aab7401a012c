#!/bin/bash
# A binding comes from the port the guest's own DHCP came in on, never from
# the bridge's forwarding database (issue 16 item 1). Guest A watches for
# a newcomer's DHCPDISCOVER and from then on sends IPv6 frames (from an
# unheld link-local address) with the newcomer's MAC as Ethernet source,
# so that the bridge learns that MAC on A's port. The newcomer N (IPv6
# off: it sends nothing but its DHCP) gets its lease. Asserted:
#  - N is bound to its own port vg2 (bind4, gatewayctl status), not vg1;
#  - N pings the gateway and the internet namespace;
#  - A's frames with N's MAC are dropped (counted in bind_default), and
#    the bridge keeps N's MAC on vg2 while A goes on;
#  - N's port goes, and N's DHCP from a new port (vg3) is bound there;
#  - control: with guest_binding = false the same frames move N's MAC to
#    A's port in the bridge (the attack works when the protection is off).
#
#   [A: fdb_steal.py] ── vg1 ─┐
#   [N: udhcpc, no IPv6] ─ vg2 ─┴─ gw0 10.213.0.1 [host: gatewayd] ── up0 ── [inet 198.51.100.1]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft python3

topo_init
write_conf
gw_start
guest_add 1
A=$(guest_ns 1)
udhcpc_lease 1 || fail "guest A: no lease"
wait_until 5 in_ns "$A" busybox ping -c 1 -W 1 10.213.0.1 || fail "guest A never bound"

# newcomer_add N PORT [MAC]: guest namespace whose eth0 (IPv6 off before
# it is up; MAC if given) is plugged into gw0 as PORT.
newcomer_add() {
	local ns=gwt$ID-g$1
	ip netns list | grep -qw "$ns" || { ip netns add "$ns"; GUESTS+=("$ns"); ip -n "$ns" link set lo up; }
	ip -n "$NS_HOST" link add "$2" type veth peer name eth0 netns "$ns"
	in_ns "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	[ -n "${3:-}" ] && ip -n "$ns" link set eth0 address "$3"
	ip -n "$NS_HOST" link set "$2" master gw0 up
	ip -n "$ns" link set eth0 up
}
steal() { # the attacker, for $1 seconds, in the background
	ip netns exec "$A" python3 "$TOP/tests/integ/fdb_steal.py" eth0 "$1" >"$T/steal.out" 2>&1 &
	STEAL=$!
	sleep 0.3 # its socket open before the newcomer's first frame (no condition to wait on)
}
bound_port() { # MAC IP: the port bind4 binds them to
	in_host nft list set bridge gatewayd bind4 | tr -d '\n\t' | tr ',{}' '\n\n\n' |
		sed -n "s/^ *\"\([^\"]*\)\" \. $1 \. $2 *$/\1/p"
}
fdb_port() { in_host bridge fdb show br gw0 | sed -n "s/^$1 dev \([^ ]*\) master.*/\1/p"; }
bind_drops() { in_host nft list counter bridge gatewayd bind_default | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }

steal 20
newcomer_add 2 vg2
N=$(guest_ns 2) MACN=$(in_ns "$(guest_ns 2)" cat /sys/class/net/eth0/address)
udhcpc_lease 2 || fail "newcomer: no lease"
IPN=$(lease_var 2 ip)
wait_until 3 sh -c "grep -q '$MACN' $T/state/default.leases" || fail "newcomer's lease not written"
wait_until 3 sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd bind4 | grep -q '$MACN'" \
	|| fail "newcomer $MACN never bound: $(in_host nft list set bridge gatewayd bind4)"
kill -0 "$STEAL" 2>/dev/null || fail "the attacker never ran: $(cat "$T/steal.out")"
port=$(bound_port "$MACN" "$IPN")
[ "$port" = vg2 ] || fail "newcomer $MACN ($IPN) bound to '$port', not its own port vg2 (FDB: $(fdb_port "$MACN"))"
$GATEWAYCTL -s "$T/run/gatewayd.sock" status >"$T/status" 2>&1
grep -E "guest_port +vg2 .*mac=$MACN" "$T/status" >/dev/null || fail "gatewayctl status does not show $MACN on vg2: $(cat "$T/status")"
ok "newcomer $MACN ($IPN) bound to its own port vg2 while A sends with its MAC"
in_ns "$N" busybox ping -c 1 -W 2 10.213.0.1 >/dev/null || fail "newcomer cannot ping the gateway"
in_ns "$N" busybox ping -c 1 -W 2 198.51.100.1 >/dev/null || fail "newcomer cannot ping the internet namespace"
ok "newcomer pings the gateway and the internet"
d0=$(bind_drops)
wait_until 3 sh -c "[ \$(ip netns exec $NS_HOST nft list counter bridge gatewayd bind_default | sed -n 's/.*packets \([0-9]*\).*/\1/p') -gt $((d0 + 20)) ]" \
	|| fail "A's frames with the newcomer's MAC are not being dropped (bind_default $d0 -> $(bind_drops))"
[ "$(fdb_port "$MACN")" = vg2 ] || fail "the bridge has the newcomer's MAC on $(fdb_port "$MACN"), not vg2"
kill -0 "$STEAL" 2>/dev/null || fail "the attacker stopped early: $(cat "$T/steal.out")"
ok "A's frames with $MACN are dropped (bind_default $d0 -> $(bind_drops)); the bridge keeps it on vg2"
kill "$STEAL" 2>/dev/null
wait "$STEAL" 2>/dev/null

# the newcomer's port goes; from a new one its DHCP is bound there at once
ip -n "$NS_HOST" link del vg2
newcomer_add 2 vg3 "$MACN" # the same guest, on a new port
wait_until 3 sh -c "! ip netns exec $NS_HOST nft list set bridge gatewayd dhcp_seen | grep -q '\"vg2\"'" \
	|| fail "the DHCP record of vg2 outlived the port: $(in_host nft list set bridge gatewayd dhcp_seen)"
in_ns "$N" ip -4 addr flush dev eth0
udhcpc_lease 2 || fail "newcomer on vg3: no lease"
IPN=$(lease_var 2 ip)
port_is() { [ "$(bound_port "$1" "$2")" = "$3" ]; }
wait_until 3 port_is "$MACN" "$IPN" vg3 \
	|| fail "newcomer $MACN ($IPN) not bound to its new port vg3 (bound to '$(bound_port "$MACN" "$IPN")'): $(in_host nft list set bridge gatewayd bind4)"
in_ns "$N" busybox ping -c 1 -W 2 10.213.0.1 >/dev/null || fail "newcomer on vg3 cannot ping the gateway"
ok "newcomer moved to vg3: its DHCP there is bound at once"

# the daemon's own part: a forwarding database that names another port
# (a sticky entry, which no learning corrects: what A's frames taught
# before the MAC's first DHCP could say the same) does not move a binding
newcomer_add 3 vg4
M=$(guest_ns 3) MACM=$(in_ns "$(guest_ns 3)" cat /sys/class/net/eth0/address)
in_host bridge fdb add "$MACM" dev vg1 master static sticky
# -B: the replies broadcast, as the bridge would send them to vg1
ENVOUT="$T/udhcpc-3.env" in_ns "$M" busybox udhcpc -B -i eth0 -f -q -n -t 5 -T 2 -s "$T/udhcpc.sh" \
	>>"$T/udhcpc-3.log" 2>&1 || fail "newcomer M: no lease"
IPM=$(lease_var 3 ip)
wait_until 3 sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd bind4 | grep -q '$MACM'" \
	|| fail "newcomer M $MACM never bound: $(in_host nft list set bridge gatewayd bind4)"
[ "$(bound_port "$MACM" "$IPM")" = vg4 ] \
	|| fail "newcomer M $MACM bound to '$(bound_port "$MACM" "$IPM")' (the FDB's vg1), not vg4 where its DHCP came in"
ok "with the bridge naming vg1 for $MACM, its DHCP on vg4 binds it to vg4"
in_host bridge fdb del "$MACM" dev vg1 master static

# control: without guest binding the same frames take the newcomer's MAC
write_conf 'guest_binding = false'
kill -HUP "$GW_PID"
wait_until 10 grep -q "reload: new configuration applied" "$T/gw.log" || fail "reload failed"
steal 6
in_ns "$N" timeout 5 busybox udhcpc -i eth0 -n -q -t 2 -T 1 -s /bin/true >/dev/null 2>&1
wait_until 4 sh -c "ip netns exec $NS_HOST bridge fdb show br gw0 | grep -q '^$MACN dev vg1 '" \
	|| fail "control: with guest_binding = false the bridge still has $MACN on $(fdb_port "$MACN")"
ok "control: with guest_binding = false, A's frames move $MACN to its port vg1 in the bridge"
wait "$STEAL" 2>/dev/null
