#!/bin/bash
# Bandwidth limits (issue 19 item 1): guest_bandwidth on one guest port,
# both ways, while an unlimited neighbour on the same network runs at the
# same time; a reload changes the rate under an open iperf3 flow; status
# shows the limits and what they held back; a network-wide limit on the
# bridge; after stop nothing of ours stays on the adopted bridge and the
# guest ports gatewayd did not make.
#
#   [inet]  eth0 198.51.100.1      iperf3 -s on 5201 (g1) and 5202 (g2)
#             |  veth
#   [host]  up0 198.51.100.2       gatewayd
#           gw0  bridge made BEFORE gatewayd starts (adopted)
#             |- vg1  guest_bandwidth ports = {"vg1"}: HTB on vg1 (to g1),
#             |       ingress -> IFB gwbN -> HTB (from g1)
#             '- vg2  no limit
#   [g1] eth0 (DHCP)     [g2] eth0 (DHCP)
#
# Network egress: every guest port of the network redirected to the
# network's IFB (gwb + the bridge's ifindex); its ingress: HTB on gw0.
# Rates are small enough for a loaded 2-CPU box: 16 and 8 Mbit/s.
. "$(dirname "$0")/lib.sh"
require iperf3 busybox tc jq

RATE1=16 # Mbit/s
RATE2=8

topo_init
in_host ip link add gw0 type bridge
write_conf 'guest_bandwidth {' "    ingress = \"${RATE1}mbit\"" "    egress = \"${RATE1}mbit\"" \
	'    ports = {"vg1"}' '}'
gw_start
guest_add 1
guest_add 2
G1=$(guest_ns 1)
G2=$(guest_ns 2)
udhcpc_lease 1 || fail "g1 got no lease"
udhcpc_lease 2 || fail "g2 got no lease"

in_inet iperf3 -s -p 5201 >/dev/null 2>&1 &
in_inet iperf3 -s -p 5202 >/dev/null 2>&1 &
wait_until 5 sh -c "ip netns exec $NS_INET ss -ltn | grep -q ':5202 '" || fail "iperf3 servers"

has_htb() { in_host tc qdisc show dev "$1" | grep -q 'qdisc htb 1: root'; }
ifb_of() { in_host ip -o link show type ifb | sed -n 's/^[0-9]*: \(gwb[0-9]*\).*/\1/p'; }
wait_until 10 has_htb vg1 || fail "no HTB on vg1"
has_htb vg2 && fail "vg2 (no limit) got an HTB"
[ -n "$(ifb_of)" ] || fail "no IFB for vg1's egress"
ok "vg1 shaped (HTB root, ingress redirected to $(ifb_of)); vg2 untouched"

# iperf3 NS PORT SECONDS [-R] -> Mbit/s received (one decimal)
iperf() {
	local ns=$1 port=$2 t=$3
	shift 3
	in_ns "$ns" iperf3 -c 198.51.100.1 -p "$port" -t "$t" -O 1 -J "$@" >"$T/iperf-$ns-$port.json" ||
		return 1
	jq '.end.sum_received.bits_per_second / 100000 | floor / 10' "$T/iperf-$ns-$port.json"
}
# within10 MBITS WANT: MBITS (one decimal) within 10 % of WANT
within10() { awk -v v="$1" -v w="$2" 'BEGIN { exit !(v >= w * 0.9 && v <= w * 1.1) }'; }

for dir in egress ingress; do
	flag=
	[ $dir = ingress ] && flag=-R
	iperf "$G2" 5202 4 $flag >"$T/g2.rate" &
	p2=$!
	r1=$(iperf "$G1" 5201 4 $flag) || fail "iperf3 from g1 ($dir) failed"
	wait $p2 || fail "iperf3 from g2 ($dir) failed"
	r2=$(cat "$T/g2.rate")
	say "$dir: g1 $r1 Mbit/s (limit $RATE1), g2 $r2 Mbit/s (no limit), at the same time"
	within10 "$r1" $RATE1 || fail "g1 $dir $r1 Mbit/s is not within 10 % of $RATE1"
	awk -v v="$r2" -v w=$RATE1 'BEGIN { exit !(v > 2 * w) }' || fail "g2 (unlimited) $dir only $r2 Mbit/s"
	ok "$dir: g1 held to $RATE1 Mbit/s (+-10 %), the neighbour not"
done

json=$($GATEWAYCTL -s "$T/run/gatewayd.sock" status --json) || fail "gatewayctl status"
echo "$json" >"$T/status.json"
row=$(echo "$json" | jq -c '.networks[0].bandwidth[] | select(.device == "vg1")')
[ -n "$row" ] || fail "status shows no bandwidth for vg1: $json"
[ "$(echo "$row" | jq -r .ingress)" = "${RATE1}mbit" ] || fail "status ingress: $row"
[ "$(echo "$row" | jq -r .egress)" = "${RATE1}mbit" ] || fail "status egress: $row"
[ "$(echo "$row" | jq -r '.ingress_overlimits | tonumber')" -gt 0 ] || fail "no ingress overlimits: $row"
[ "$(echo "$row" | jq -r '.egress_overlimits | tonumber')" -gt 0 ] || fail "no egress overlimits: $row"
echo "$json" | jq -e '.networks[0].bandwidth[] | select(.device == "vg2")' >/dev/null &&
	fail "status shows a limit on vg2"
human=$($GATEWAYCTL -s "$T/run/gatewayd.sock" status) || fail "gatewayctl status"
echo "$human" | grep -q "port vg1 ingress=${RATE1}mbit egress=${RATE1}mbit ingress_drops=" ||
	fail "status (table) shows no limit for vg1: $human"
ok "status: vg1 ${RATE1}mbit both ways, overlimits $(echo "$row" | jq -c '[.ingress_overlimits, .egress_overlimits]')"

# Reload to RATE2 under open flows, one each way: they go on (iperf3
# exits 0), and the seconds after the reload run at the new rate.
mean_after() { # JSON FROM: mean Mbit/s of the intervals starting at or after FROM s
	jq "[.intervals[] | select(.sum.start >= $2) | .sum.bits_per_second] | add / length / 100000 | floor / 10" "$1"
}
in_ns "$G1" iperf3 -c 198.51.100.1 -p 5201 -t 10 -i 1 -J -R >"$T/reload-in.json" &
pin=$!
in_ns "$G1" iperf3 -c 198.51.100.1 -p 5202 -t 10 -i 1 -J >"$T/reload-out.json" &
pout=$!
sleep 2 # the flows run at the old rate first (not a wait for a condition)
write_conf 'guest_bandwidth {' "    ingress = \"${RATE2}mbit\"" "    egress = \"${RATE2}mbit\"" \
	'    ports = {"vg1"}' '}'
kill -HUP "$GW_PID"
class_rate() { in_host tc class show dev "$1" | grep -q "rate ${2}Mbit"; }
wait_until 10 class_rate vg1 $RATE2 || fail "vg1's class not changed to $RATE2 Mbit/s"
wait_until 10 class_rate "$(ifb_of)" $RATE2 || fail "the IFB's class not changed to $RATE2 Mbit/s"
wait $pin || fail "the ingress flow did not survive the reload"
wait $pout || fail "the egress flow did not survive the reload"
say "across the reload: to g1 $(mean_after "$T/reload-in.json" 5), from g1 $(mean_after "$T/reload-out.json" 5) Mbit/s (both ways at once: each flow's ACKs queue behind the other's data)"
# Measured one way at a time: with both ways full at once each flow's
# ACKs wait behind the other's data (a bfifo here: no fq_codel).
for flag in "" -R; do
	r=$(iperf "$G1" 5202 3 $flag) || fail "iperf3 from g1 after the reload"
	say "after the reload ${flag:-(egress)}: g1 $r Mbit/s (limit $RATE2)"
	within10 "$r" $RATE2 || fail "g1 ${flag:-egress} after the reload $r Mbit/s, not within 10 % of $RATE2"
done
ok "reload: the open flows went on, now at $RATE2 Mbit/s"

# A bad value applies nothing: the reload is refused with the line, the
# rates in force stay.
write_conf 'guest_bandwidth {' '    ingress = "fast"' "    egress = \"${RATE1}mbit\"" '    ports = {"vg1"}' '}'
kill -HUP "$GW_PID"
wait_until 5 grep -q 'gw.conf:[0-9]*: network "default": guest_bandwidth ingress "fast": not a number with a unit' "$T/gw.log" ||
	fail "no refusal naming the bad rate"
class_rate vg1 $RATE2 && class_rate "$(ifb_of)" $RATE2 || fail "a refused reload changed the rates"
ok "a bad rate refuses the reload (file:line), the rates in force stay"

# The whole network instead: what is routed to the guests is shaped on
# the bridge; what they send, on one IFB every guest port is redirected
# to. vg1's own limit and its own IFB are gone.
write_conf 'bandwidth {' "    ingress = \"${RATE1}mbit\"" "    egress = \"${RATE1}mbit\"" '}'
kill -HUP "$GW_PID"
wait_until 10 has_htb gw0 || fail "no HTB on the bridge: $(in_host tc qdisc show dev gw0)"
wait_until 5 sh -c "! ip netns exec $NS_HOST tc qdisc show dev vg1 | grep -q htb" ||
	fail "vg1 keeps its HTB after its limit went"
netifb=gwb$(in_host cat /sys/class/net/gw0/ifindex)
redirects_to() { in_host tc filter show dev "$1" ingress | grep -q "Redirect to device $2)"; }
wait_until 5 redirects_to vg1 "$netifb" || fail "vg1 not redirected to the network's $netifb"
wait_until 5 redirects_to vg2 "$netifb" || fail "vg2 not redirected to the network's $netifb"
[ "$(ifb_of | tr '\n' ' ')" = "$netifb " ] || fail "IFBs: $(ifb_of | tr '\n' ' ') (want only $netifb)"
for flag in "" -R; do
	r2=$(iperf "$G2" 5202 4 $flag) || fail "iperf3 from g2 failed"
	say "network limit ${flag:-(egress)}: g2 $r2 Mbit/s (limit $RATE1 on gw0)"
	within10 "$r2" $RATE1 || fail "g2 through the bridge $r2 Mbit/s, not within 10 % of $RATE1"
done
ok "bandwidth on the network: the bridge holds g2 to $RATE1 Mbit/s both ways"

# A crash leaves the qdiscs and the IFB behind; the next start takes the
# ports over again (the old redirect, to an IFB that is then gone, would
# drop everything the guests send) and the limit holds.
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=
old_ifb=$netifb
in_host ip link del "$old_ifb" # as if a different ifindex: its redirect points nowhere
gw_start
wait_until 10 redirects_to vg2 "$netifb" || fail "vg2 not redirected after the restart"
r2=$(iperf "$G2" 5202 3) || fail "iperf3 from g2 after a crash and a restart"
say "after kill -9 and a restart: g2 $r2 Mbit/s (limit $RATE1 on the network)"
within10 "$r2" $RATE1 || fail "g2 after the restart $r2 Mbit/s, not within 10 % of $RATE1"
ok "after a crash: the next start shapes the same ports again"

# Stop: the adopted bridge and the veths stay, nothing of ours on them.
gw_stop || fail "gatewayd did not stop cleanly"
in_host ip link show gw0 >/dev/null 2>&1 || fail "the adopted bridge went"
for dev in gw0 vg1 vg2; do
	in_host tc qdisc show dev $dev | grep -Eq 'htb|ingress' && fail "$dev keeps a qdisc: $(in_host tc qdisc show dev $dev)"
done
[ -z "$(ifb_of)" ] || fail "IFB left after stop: $(ifb_of)"
ok "stop: no qdisc of ours on gw0, vg1, vg2; no IFB"
