#!/bin/bash
# Red team (issue 19, connection quota): one network's guest must not stop
# another network's guests from connecting. Network default has
# guest_binding = false (documented: a guest may send from made-up MACs)
# and connections = 100000; its guest g1 sends one SYN from each of 70000
# made-up MACs to an address that never answers (each a connection in the
# host's table for two minutes). The shared ctq set holds 65535 guests:
# full, a guest missing from it was dropped (fail closed) -- in every
# network. g2, of network other, must still connect. Network third,
# guest_binding = false without connections, is held as one guest: its
# cap is guest_connections' (a quarter of nf_conntrack_max).
#
#   [g1: SYNs from 70000 MACs] ── vg1 ── gw0 10.213.0.1/24 (guest_binding = false)
#   [g2: one connection]       ── vg2 ── gw1 10.214.0.1/24
#                                          gw2 10.215.0.1/24 (third, no guest)
#                     [host: gatewayd] ── up0 ── [inet: listener :7000]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft python3

HERE=$(cd "$(dirname "$0")" && pwd)
N=${RT_MACS:-70000}
topo_init
in_inet python3 -u "$HERE/conn_hold.py" listen 198.51.100.1 7000 >"$T/listener.log" 2>&1 &
net() {
	printf 'network %s {\n    bridge = "%s"\n    ipv4 = "%s.1/24"\n%b' "$1" "$2" "$3" "$4"
	printf '    dhcp {\n        range = "%s.100-%s.150"\n        lease_time = 1h\n    }\n}\n' "$3" "$3"
}
{
	printf 'uplink = auto\nstate_dir = "%s"\nrun_dir = "%s"\n' "$T/state" "$T/run"
	net default gw0 10.213.0 "    guest_binding = false\n    connections = 100000\n"
	net other gw1 10.214.0 ""
	net third gw2 10.215.0 "    guest_binding = false\n"
} >"$T/gw.conf"
gw_start
wait_until 10 grep -q "dnsmasq\[other\]: started" "$T/gw.log" || fail "dnsmasq[other] did not start"
guest_add 1
guest_add_at "$NS_HOST" 2 gw1
udhcpc_lease 2 || fail "guest 2: no lease"
probe() {
	in_ns "$(guest_ns 2)" python3 -c 'import socket, struct
s = socket.create_connection(("198.51.100.1", 7000), timeout=2)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()'
}
wait_until 10 probe || fail "guest 2: no connection before the flood"
gwmac=$(in_host cat /sys/class/net/gw0/address)
start=$(date +%s.%N)
in_ns "$(guest_ns 1)" python3 "$HERE/syn_macs.py" eth0 "$gwmac" 10.213.0.7 198.51.100.99 7000 "$N" ||
	fail "the SYN sender failed"
end=$(date +%s.%N)
ct=$(in_host cat /proc/sys/net/netfilter/nf_conntrack_count)
say "$N SYNs in $(echo "$end - $start" | bc) s; the host's table holds $ct connections"
probe || fail "guest 2 of network other cannot connect after g1 of network default sent from $N MACs ($ct connections in the table)"
ok "a guest of another network still connects ($ct connections in the table)"
max=$(in_host cat /proc/sys/net/netfilter/nf_conntrack_max)
in_host nft list chain inet gatewayd quota_third | grep -q "ct count over $((max / 4)) jump" ||
	fail "network third (guest_binding = false) has not a guest's cap of its own ($((max / 4))): $(in_host nft list chain inet gatewayd quota_third)"
ok "a guest_binding = false network without connections is capped as one guest ($((max / 4)))"
# that default is no change at a reload: the chain (and its counts) stay
h0=$(in_host nft -a list chain inet gatewayd quota_third | grep -o "handle [0-9]*" | tr '\n' ' ')
"$GATEWAYCTL" -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
h1=$(in_host nft -a list chain inet gatewayd quota_third | grep -o "handle [0-9]*" | tr '\n' ' ')
[ "$h0" = "$h1" ] || fail "a reload of the same config rewrote quota_third: $h0 -> $h1"
ok "a reload of the same config keeps quota_third ($h1)"
echo "PASS"
