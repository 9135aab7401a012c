#!/bin/bash
# A veth pair patching gw0 to another bridge (issue 16 item 16b): its
# other end, in the same namespace, is a port of br-lan, a LAN with a DHCP
# client on it. That veth is no guest's: the guard trips, loudly, naming
# it, and the LAN gets no lease -- whichever end is plugged in first.
# Unless guest_ports names it: then the admin said so, and the LAN is
# served (the control: the same topology does get leases; on main
# a3a2a74 it always did).
#
#   [lanc udhcpc] ── lc0 ─ br-lan ─ pB ══veth══ pA ─ gw0 [host: gatewayd]
#                                                   └─ vg1 ── [g1] guest
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
NS_LANC=gwt$ID-lanc

topo_init
in_host ip link add br-lan type bridge
in_host ip link set br-lan up
ip netns add "$NS_LANC"
EXTRA_NS+=("$NS_LANC")
ip -n "$NS_LANC" link set lo up
ip -n "$NS_HOST" link add lc0 type veth peer name eth0 netns "$NS_LANC"
in_host ip link set lc0 master br-lan up
ip -n "$NS_LANC" link set eth0 up
in_host ip link add pA type veth peer name pB
in_host ip link set pA up
in_host ip link set pB up

# patched: the guard tripped for pA, the LAN client gets nothing
patched() {
	wait_until 5 grep -q 'port pA (kind "veth") joined bridge gw0 and is not a guest port' "$T/gw.log" \
		|| fail "$1: the guard did not trip for pA: $($CTL status | grep -i guard)"
	$CTL status | grep -q "tripped by pA" || fail "$1: status does not name pA: $($CTL status)"
	no_lease "$NS_LANC" eth0 || fail "$1: the LAN behind pA got a lease"
}

# --- 1. the LAN end first, then pA into gw0
write_conf
gw_start
guest_add 1
udhcpc_lease 1 || fail "guest 1 got no lease"
in_host ip link set pB master br-lan
in_host ip link set pA master gw0
patched "pB on br-lan, then pA on gw0"
ok "a veth patching gw0 to br-lan trips the guard (status: tripped by pA); the LAN got no lease"
in_host ip link set pA nomaster
wait_until 5 grep -q "port pA left bridge gw0; DHCP and router advertisements resume" "$T/gw.log" \
	|| fail "no resume after pA left"

# --- 2. pA into gw0 first (a guest port), then its peer joins br-lan
in_host ip link set pB nomaster
: >"$T/gw.log.mark"
wait_until 5 sh -c "[ -n \"\$(cat $T/run/default.dnsmasq.pid 2>/dev/null)\" ]" || fail "dnsmasq not restarted"
n0=$(grep -c 'port pA (kind "veth") joined bridge gw0 and is not a guest port' "$T/gw.log")
in_host ip link set pA master gw0
in_host ip link set pB master br-lan
wait_until 5 sh -c "[ \$(grep -c 'port pA (kind \"veth\") joined bridge gw0 and is not a guest port' $T/gw.log) -gt $n0 ]" \
	|| fail "pA on gw0 first, then pB on br-lan: the guard did not trip"
no_lease "$NS_LANC" eth0 || fail "pA first: the LAN behind pA got a lease"
ok "pA plugged in first, its peer put on br-lan after: the guard trips as well"
gw_stop || fail "gatewayd did not stop cleanly"

# --- 3. control: guest_ports names pA
in_host ip link set pA nomaster 2>/dev/null
write_conf 'guest_ports = {"vg*", "pA"}'
gw_start
in_host ip link set pA master gw0
ip netns exec "$NS_LANC" busybox udhcpc -i eth0 -f -q -n -t 5 -T 2 -s /bin/true >"$T/lanc.out" 2>&1 \
	|| fail "guest_ports names pA: the LAN client got no lease (the control proves nothing)"
$CTL status | grep -q "tripped" && fail "guest_ports names pA, but the guard tripped"
ok "control: guest_ports = {\"vg*\", \"pA\"}: not tripped, the LAN client is served"
