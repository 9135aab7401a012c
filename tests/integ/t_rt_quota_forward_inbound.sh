#!/bin/bash
# Red team r2 (issue 19 connection quota): connections in through a port
# forward count against caps of their own. Without them a guest with a
# forward and a friend on the internet held as many answered connections
# as the friend opened -- entries the kernel never evicts -- past both
# guest_connections and the network's connections. Now each guest address
# a forward reaches holds at most guest_connections connections in
# (ctq_in4 / ctq_in6) and the network at most connections in (qin_NET),
# a budget apart from what the guests open themselves; over it the SYN
# is dropped and counted in quota_default; closing frees the budget.
#
#   [g1: 10.213.0.10, fd42:213::10, listeners :7000 and [..]:7006]
#        ── vg1 ── gw0 10.213.0.1/24, fd42:213::1/64
#        (guest_connections 5, connections 8; forward tcp 7000 -> g1:7000,
#         tcp 7006 -> [fd42:213::10]:7006)
#   [host: gatewayd] ── up0 198.51.100.2, 2001:db8:51::2 ── [inet: client A -> :7000,
#                                                  client B -> [..::2]:7006, listener :7100]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft python3

HELP=$(cd "$(dirname "$0")" && pwd)/conn_hold.py
topo_init
write_conf 'host g1 { mac = "52:54:00:f0:00:01" ipv4 = "10.213.0.10" }' \
	'forward t { proto = tcp port = 7000 to = "10.213.0.10:7000" }' \
	'forward t6 { proto = tcp port = 7006 to = "[fd42:213::10]:7006" }' \
	"guest_connections = 5" "connections = 8"
gw_start
in_inet python3 -u "$HELP" listen 198.51.100.1 7100 >"$T/inet-listener.log" 2>&1 &
guest_add 1
G1=$(guest_ns 1)
ip -n "$G1" link set eth0 down
ip -n "$G1" link set eth0 address 52:54:00:f0:00:01
ip -n "$G1" link set eth0 up
udhcpc_lease 1 || fail "guest 1: no lease"
[ "$(lease_var 1 ip)" = 10.213.0.10 ] || fail "guest 1 leased '$(lease_var 1 ip)'"
ip -n "$G1" -6 addr add fd42:213::10/64 dev eth0 nodad
ip -n "$G1" -6 route replace default via fd42:213::1
in_ns "$G1" python3 -u "$HELP" listen 10.213.0.10 7000 >"$T/listener.log" 2>&1 &
in_ns "$G1" python3 -u "$HELP" listen fd42:213::10 7006 >"$T/listener6.log" 2>&1 &
wait_until 10 in_ns "$G1" sh -c "ss -ltn | grep -q :7000 && ss -ltn | grep -q :7006" ||
	fail "no listeners on g1"

# client NAME NS ADDR PORT: a connection holder fed one command a line;
# ask NAME CMD sets r to its answer
declare -A FD SENT
client() {
	mkfifo "$T/$1.in"
	in_ns "$2" python3 -u "$HELP" client "$3" "$4" <"$T/$1.in" >"$T/$1.out" 2>&1 &
	exec {fd}>"$T/$1.in"
	FD[$1]=$fd
	SENT[$1]=0
}
ask() {
	local n=$1
	shift
	echo "$*" >&"${FD[$n]}"
	SENT[$n]=$((SENT[$n] + 1))
	wait_until 90 sh -c "[ \$(wc -l <$T/$n.out) -ge ${SENT[$n]} ]" || fail "$n: no answer to $*"
	r=$(sed -n "${SENT[$n]}p" "$T/$n.out")
}
dropped() { in_host nft list counter inet gatewayd quota_default | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
client A "$NS_INET" 198.51.100.2 7000
client B "$NS_INET" 2001:db8:51::2 7006
client G "$G1" 198.51.100.1 7100

ask A open 7
ct=$(in_host grep -c "ESTABLISHED .*dport=7000 .*ASSURED" /proc/net/nf_conntrack)
say "the internet -> g1 through the forward: $r; $ct answered entries in the host's table"
[ "$r" = "opened 5 failed 2" ] || fail "7 connections in to g1 (guest_connections 5): $r"
[ "$ct" -le 5 ] || fail "g1 (guest_connections 5) holds $ct answered connections through its forward"
[ "$(dropped)" -ge 1 ] || fail "the connections over the cap not counted in quota_default"
st=$("$GATEWAYCTL" -s "$T/run/gatewayd.sock" status 2>&1)
echo "$st" | grep -Eq "quota_dropped_packets[^0-9]*[1-9]" || fail "status shows no quota drop: $st"
ok "a guest holds guest_connections (5) connections in through its forward, the rest dropped and counted ($(dropped))"

ask G open 3
[ "$r" = "opened 3 failed 0" ] || fail "g1, holding 5 connections in, opening 3 out: $r"
ok "what it opens itself has its own budget"

ask B open 4
[ "$r" = "opened 3 failed 1" ] || fail "4 more in to g1 over IPv6 with the network's cap 8 and 5 held: $r"
ok "the network's connections (8) holds connections in over both families together"

ask A close 5
ask B open 4
[ "$r" = "opened 2 failed 2" ] || fail "after 5 closed, 4 more in over IPv6 to g1 holding 3 there: $r"
ok "closed connections free the budget; an IPv6 address holds guest_connections (5) too"
echo "PASS"
