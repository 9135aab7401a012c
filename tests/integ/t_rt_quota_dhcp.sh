#!/bin/bash
# Red team (issue 19, connection quota): the DHCP exemption is DHCP to
# the host, not "UDP to port 67/547 anywhere". A guest at guest_connections
# 5 sends 40 UDP flows (40 source ports) to port 67 and 40 to port 547 of
# a server on the internet: no more than 5 in all may get through (each is
# a connection in the host's table); nor may DHCPv6 from 1500 made-up
# link-local sources leave more than the network's budget of uncounted
# DHCP flows. A guest at its quota still gets its lease.
#
#   [g1: UDP sender] ── vg1 ── gw0 10.213.0.1/24, fd42:213::1/64
#                               (guest_connections 5)
#        [host: gatewayd] ── up0 ── [inet: UDP :67 and :547 counting sources]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft python3

topo_init
# sink ADDR PORT: count the distinct sources heard, one line each
cat >"$T/sink.py" <<'PY'
import socket, sys
a, p = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((a, p))
seen = set()
while True:
    _, src = s.recvfrom(2048)
    if src not in seen:
        seen.add(src)
        print(src, flush=True)
PY
in_inet python3 -u "$T/sink.py" 198.51.100.1 67 >"$T/sink4.log" 2>&1 &
in_inet python3 -u "$T/sink.py" 2001:db8:51::1 547 >"$T/sink6.log" 2>&1 &
write_conf "guest_connections = 5"
gw_start
guest_add 1
udhcpc_lease 1 || fail "guest 1: no lease"
ns=$(guest_ns 1)
wait_until 20 in_ns "$ns" ip -6 route get 2001:db8:51::1 || fail "guest 1: no IPv6 route"
# send ADDR PORT N: N datagrams from N source ports, the sockets kept
# open; each a BOOTREQUEST with the guest's own MAC as chaddr (what guest
# binding lets through to port 67)
mac=$(in_ns "$ns" cat /sys/class/net/eth0/address)
send() {
	in_ns "$ns" python3 -c 'import socket, sys
a, p, n, mac = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
f = socket.AF_INET6 if ":" in a else socket.AF_INET
msg = bytes([1, 1, 6, 0]) + bytes(24) + bytes.fromhex(mac.replace(":", "")) + bytes(266)
keep = []
for _ in range(n):
    s = socket.socket(f, socket.SOCK_DGRAM)
    s.sendto(msg, (a, p))
    keep.append(s)' "$@" "$mac"
}
send 198.51.100.1 67 40
send 2001:db8:51::1 547 40
# wait for what is still on its way: the sinks' counts stop moving
wait_until 10 sh -c "a=\$(cat $T/sink4.log $T/sink6.log | wc -l); sleep 1; [ \$(cat $T/sink4.log $T/sink6.log | wc -l) = \$a ]"
n4=$(wc -l <"$T/sink4.log")
n6=$(wc -l <"$T/sink6.log")
[ "$n4" -ge 1 ] || fail "no UDP to port 67 got out at all: the test proves nothing"
[ $((n4 + n6)) -le 5 ] ||
	fail "guest_connections 5, yet $n4 UDP flows to an internet host's port 67 and $n6 to port 547 got through (the DHCP exemption)"
ok "UDP to port 67/547 of another host counts: $n4 + $n6 flows of 80 got out, cap 5"
# DHCPv6 to the host from made-up link-local sources (guest binding holds
# only claimed addresses): each a flow of its own; past a budget for the
# network they count like any other connection
in_ns "$ns" python3 "$(dirname "$0")/dhcp6_sources.py" eth0 1500
n=$(in_host grep -c "dport=547 .*UNREPLIED" /proc/net/nf_conntrack)
[ "$n" -le 1100 ] ||
	fail "guest_connections 5, yet 1500 DHCPv6 SOLICITs from made-up sources left $n connections in the host's table"
ok "DHCPv6 from 1500 made-up sources leaves $n connections (the network's DHCP budget)"
udhcpc_lease 1 || fail "guest 1 at its quota gets no lease"
ok "a guest at its quota still gets its lease"
echo "PASS"
