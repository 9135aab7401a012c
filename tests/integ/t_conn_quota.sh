#!/bin/bash
# Connection quota (issue 19 item 2): a guest holding established,
# answered connections up to its guest_connections cannot open more; the
# drops are counted (quota_default, status quota_dropped); a guest of
# another network still connects; a reload that adds a network keeps the
# counts; the network's own cap (connections) stops a second guest of the
# same network; after the first guest closes some it opens as many again.
# A guest is its MAC: at its quota over IPv4, it opens no IPv6 connection
# either.
#
#   [g1: client, holds 20] ── vg1 ─┐
#   [g3: client, holds 10] ── vg3 ─┴ gw0 10.213.0.1/24, fd42:213::1/64 (default:
#                                        guest_connections 20, connections 30)
#   [g2: one connection]   ── vg2 ── gw1 10.214.0.1/24 (other: the defaults)
#                                     [host: gatewayd] ── up0 ── [inet: listener :7000,
#                                                                  IPv4 and IPv6]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft python3

HELP=$(cd "$(dirname "$0")" && pwd)/conn_hold.py
topo_init
in_inet python3 -u "$HELP" listen 198.51.100.1 7000 >"$T/listener.log" 2>&1 &
in_inet python3 -u "$HELP" listen 2001:db8:51::1 7000 >"$T/listener6.log" 2>&1 &
net() {
	printf 'network %s {\n    bridge = "%s"\n    ipv4 = "%s.1/24"\n%b' "$1" "$2" "$3" "$4"
	printf '    dhcp {\n        range = "%s.100-%s.150"\n        lease_time = 1h\n    }\n}\n' "$3" "$3"
}
conf() {
	printf 'uplink = auto\nstate_dir = "%s"\nrun_dir = "%s"\n' "$T/state" "$T/run"
	net default gw0 10.213.0 "    ipv6 = \"fd42:213::1/64\"\n    guest_connections = 20\n    connections = 30\n"
	net other gw1 10.214.0 ""
}
conf >"$T/gw.conf"
gw_start
wait_until 10 grep -q "dnsmasq\[other\]: started" "$T/gw.log" || fail "dnsmasq[other] did not start"
# the default: a quarter of the host's table, as the host namespace reads it
max=$(in_host cat /proc/sys/net/netfilter/nf_conntrack_max)
in_host nft list chain inet gatewayd quota_other | grep -q "ct count over $((max / 4)) }" ||
	fail "network other has not the default quota of $((max / 4)): $(in_host nft list chain inet gatewayd quota_other 2>&1)"
ok "the default per guest is a quarter of nf_conntrack_max ($max / 4)"
guest_add 1
guest_add 3
guest_add_at "$NS_HOST" 2 gw1
for g in 1 2 3; do udhcpc_lease $g || fail "guest $g: no lease"; done

# probe N [ADDR]: one connection, closed with a reset (no TIME_WAIT entry
# left)
probe() {
	in_ns "$(guest_ns "$1")" python3 -c 'import socket, struct, sys
s = socket.create_connection((sys.argv[1], 7000), timeout=2)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.close()' "${2:-198.51.100.1}"
}
for g in 1 2 3; do wait_until 10 probe $g || fail "guest $g: no connection before any quota"; done
wait_until 20 probe 1 2001:db8:51::1 || fail "guest 1: no IPv6 connection before any quota"

# client N: guest N's connection holder, fed one command a line; ask N
# CMD sets r to its answer (not in a subshell: SENT counts the answers)
declare -A FD SENT
client() {
	mkfifo "$T/c$1.in"
	in_ns "$(guest_ns "$1")" python3 -u "$HELP" client 198.51.100.1 7000 <"$T/c$1.in" >"$T/c$1.out" 2>&1 &
	exec {fd}>"$T/c$1.in"
	FD[$1]=$fd
	SENT[$1]=0
}
ask() {
	local n=$1
	shift
	echo "$*" >&"${FD[$n]}"
	SENT[$n]=$((SENT[$n] + 1))
	wait_until 90 sh -c "[ \$(wc -l <$T/c$n.out) -ge ${SENT[$n]} ]" || fail "guest $n: no answer to $*"
	r=$(sed -n "${SENT[$n]}p" "$T/c$n.out")
}
dropped() { in_host nft list counter inet gatewayd quota_default | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
client 1
client 3

[ "$(dropped)" = 0 ] || fail "quota_default counted before any quota was reached: $(dropped)"
ask 1 open 20
[ "$r" = "opened 20 failed 0" ] || fail "guest 1, 20 connections under its quota of 20: $r"
ok "a guest holds 20 answered connections, its quota"
ask 1 open 1
[ "$r" = "opened 0 failed 1" ] || fail "guest 1, a 21st connection: $r"
[ "$(dropped)" -ge 1 ] || fail "the 21st connection's SYNs not counted in quota_default"
st=$("$GATEWAYCTL" -s "$T/run/gatewayd.sock" status 2>&1)
echo "$st" | grep -Eq "quota_dropped_packets[^0-9]*[1-9]" || fail "status shows no quota drop: $st"
echo "$st" | grep -Eq "guest_connections[^0-9]*20\b" && echo "$st" | grep -Eq "(^|[^_])connections[^0-9]*30\b" ||
	fail "status does not show the caps in force (20, 30): $st"
echo "$st" >"$T/status"
"$GATEWAYCTL" -s "$T/run/gatewayd.sock" metrics 2>&1 | grep -q '^gatewayd_quota_dropped_packets_total{network="default"} [1-9]' ||
	fail "metrics: no gatewayd_quota_dropped_packets_total for default"
mac1=$(in_ns "$(guest_ns 1)" cat /sys/class/net/eth0/address)
echo "$st" | grep -q "$mac1 [1-9]" || fail "status names no drops of guest 1 ($mac1): $st"
echo "$st" | grep -q "$(in_ns "$(guest_ns 3)" cat /sys/class/net/eth0/address) [0-9]" &&
	fail "status names guest 3, which had nothing dropped: $st"
ok "its 21st is dropped and counted ($(dropped) SYNs in quota_default, status quota_dropped, metrics, and $mac1's in quota_dropped_guests)"
probe 1 2001:db8:51::1 && fail "guest 1 at its quota over IPv4 opened an IPv6 connection"
ok "nor an IPv6 one: a guest is its MAC"
udhcpc_lease 1 || fail "guest 1 at its quota gets no lease: DHCP must not count"
ok "a guest at its quota still gets its lease (DHCP is not counted)"
probe 2 || fail "a guest of another network cannot connect while guest 1 is at its quota"
ok "a guest of another network still connects"

# a reload that adds a network: the counts stay
{
	conf
	net third gw2 10.215.0 ""
} >"$T/gw.conf"
"$GATEWAYCTL" -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
wait_until 10 in_host ip link show gw2 || fail "reload did not add gw2"
ask 1 open 1
[ "$r" = "opened 0 failed 1" ] || fail "guest 1 after a reload adding a network: $r (counts forgotten?)"
ok "a reload adding a network keeps the counts"

# the network's cap: guest 3 gets the 10 left of 30, not its own 20
ask 3 open 11
[ "$r" = "opened 10 failed 1" ] || fail "guest 3 with 20 of the network's 30 taken: $r"
mac3=$(in_ns "$(guest_ns 3)" cat /sys/class/net/eth0/address)
"$GATEWAYCTL" -s "$T/run/gatewayd.sock" status default 2>&1 | grep -q "$mac3 [1-9]" ||
	fail "status names no drops of guest 3 ($mac3) over the network's cap: $("$GATEWAYCTL" -s "$T/run/gatewayd.sock" status default 2>&1)"
ok "the network's cap (30) stops a second guest at 10"

# closing frees the quota
ask 1 close 5
[ "$r" = "closed 5" ] || fail "guest 1 close: $r"
ask 1 open 5
[ "$r" = "opened 5 failed 0" ] || fail "guest 1 after closing 5: $r"
ask 1 open 1
[ "$r" = "opened 0 failed 1" ] || fail "guest 1 at its quota again: $r"
ok "after closing 5 a guest opens 5 again, and no more"
# a cap above the host's table: the reload is refused with its line, the
# caps in force stay
conf | sed "s/guest_connections = 20/guest_connections = $((max + 1))/; s/ connections = 30/ connections = $((max + 2))/" >"$T/gw.conf"
line=$(grep -n "guest_connections = $((max + 1))" "$T/gw.conf" | cut -d: -f1)
"$GATEWAYCTL" -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 && fail "reload with guest_connections $((max + 1)) accepted"
grep -qF "$T/gw.conf:$line: network \"default\": guest_connections $((max + 1)) is more than the host's whole connection table (nf_conntrack_max $max)" "$T/out" "$T/gw.log" ||
	fail "no FILE:LINE error for a cap above nf_conntrack_max: $(cat "$T/out")"
ask 1 open 1
[ "$r" = "opened 0 failed 1" ] || fail "guest 1 after a refused reload: $r"
ok "a cap above nf_conntrack_max is refused at reload with its line; the caps in force stay"
# established connections never pay: every held one is still open
ask 1 count
[ "$r" = 20 ] || fail "guest 1 lost connections"
echo "PASS"
