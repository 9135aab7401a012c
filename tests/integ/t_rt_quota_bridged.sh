#!/bin/bash
# Red team (issue 19, connection quota): with br_netfilter on (as on most
# hosts, and here), a connection from one guest to another of its own
# network takes an entry in the host's table like any other, and the
# README counts it. g1 (guest_connections 5) opens 20 connections to a
# listener on g3: no more than 5 may open.
#
#   [g1: client] ── vg1 ─┐
#   [g3: listener :7000] ─ vg3 ─┴ gw0 10.213.0.1/24 (guest_connections 5) [host: gatewayd]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft python3

HELP=$(cd "$(dirname "$0")" && pwd)/conn_hold.py
topo_init
[ "$(in_host cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" = 1 ] ||
	skip "br_netfilter is off: bridged connections take no entry in the table"
write_conf "guest_connections = 5"
gw_start
guest_add 1
guest_add 3
udhcpc_lease 1 || fail "guest 1: no lease"
udhcpc_lease 3 || fail "guest 3: no lease"
ip3=$(lease_var 3 ip)
in_ns "$(guest_ns 3)" python3 -u "$HELP" listen "$ip3" 7000 >"$T/listener.log" 2>&1 &
wait_until 10 in_ns "$(guest_ns 3)" sh -c "ss -ltn | grep -q :7000" || fail "no listener on g3"
r=$(echo "open 20" | in_ns "$(guest_ns 1)" python3 -u "$HELP" client "$ip3" 7000)
ct=$(in_host grep -c "dport=7000 " /proc/net/nf_conntrack)
say "g1 -> g3 (bridged): $r; $ct entries in the host's table"
[ "$r" = "opened 5 failed 15" ] ||
	fail "guest_connections 5, yet g1 $r to g3 of its own network ($ct entries in the host's table)"
ok "a guest's connections to a guest of its own network count: $r"
echo "PASS"
