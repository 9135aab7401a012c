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

# iperf3 NS PORT SECONDS [-R] -> Mbit/s received (integer)
iperf() {
	local ns=$1 port=$2 t=$3
	shift 3
	in_ns "$ns" iperf3 -c 198.51.100.1 -p "$port" -t "$t" -O 1 -J "$@" >"$T/iperf-$ns-$port.json" ||
		return 1
	jq '.end.sum_received.bits_per_second / 1000000 | floor' "$T/iperf-$ns-$port.json"
}
within10() { local v=$1 want=$2; [ $((v * 100)) -ge $((want * 90)) ] && [ $((v * 100)) -le $((want * 110)) ]; }

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
	[ "$r2" -gt $((RATE1 * 2)) ] || fail "g2 (unlimited) $dir only $r2 Mbit/s"
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
ok "status: vg1 ${RATE1}mbit both ways, overlimits $(echo "$row" | jq -c '[.ingress_overlimits, .egress_overlimits]')"
