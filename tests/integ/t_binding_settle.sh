#!/bin/bash
# A sync happens within a bounded time whatever the lease-file write rate
# (issue 16 item 4): guest 1 renews its own lease every ~1-2 ms for 18 s
# (dnsmasq rewrites default.leases each time, and each write used to
# re-arm the one settle timer, which then never fired). Meanwhile a new
# guest on the same network (g2) and one on another network (g3) get a
# lease; each must be bound within 2 s of its DHCP client returning (its
# address in bind4; it then pings its gateway), while the renewals go on;
# and guest 1 itself stays bound throughout (100 pings, none lost).
#
#   [g1: dhcp_renew.py, ~250 renewals/s: one every 4 ms, as the issue measured] ── vg1 ─┐
#   [g2: udhcpc, then ping]  ─────────────── vg2 ─┴─ gw0 10.213.0.1 [host: gatewayd]
#   [g3: udhcpc, then ping]  ─────────────── vg3 ─── gw1 10.214.0.1
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft python3

BOUND=${BOUND:-2} # seconds
topo_init
gw_start_two
guest_add 1
G1=$(guest_ns 1)
udhcpc_lease 1 || fail "guest 1: no lease"
IP1=$(lease_var 1 ip) MAC1=$(in_ns "$G1" cat /sys/class/net/eth0/address)
wait_until 5 in_ns "$G1" busybox ping -c 1 -W 1 10.213.0.1 || fail "guest 1 ($IP1) never bound"

# the renewals: bounded to 18 s, sent only to the gateway
ip netns exec "$G1" python3 "$TOP/tests/integ/dhcp_renew.py" eth0 "$MAC1" "$IP1" 10.213.0.1 18 0.004 \
	>"$T/renew.out" 2>&1 &
RENEW=$!
# the flood is real: the lease file keeps changing
m0=$(stat -c %Y.%N "$T/state/default.leases" 2>/dev/null)
wait_until 3 sh -c "[ \"\$(stat -c %Y.%N $T/state/default.leases)\" != '$m0' ]" \
	|| fail "guest 1's renewals do not rewrite the lease file"
sleep 0.5 # let the flood run before the newcomers arrive (not a wait for a condition)
kill -0 "$RENEW" 2>/dev/null || fail "the renewal flood stopped early: $(cat "$T/renew.out")"

bound_within() { # N NS GATEWAY: guest N's lease bound within BOUND s, then a ping
	local n=$1 ns=$2 gw=$3 start ms ip
	udhcpc_lease "$n" || fail "guest $n: no lease during the flood"
	start=$(date +%s%N) ip=$(lease_var "$n" ip)
	wait_until "$BOUND" sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd bind4 | grep -Eq '$ip( |,|$)'" \
		|| fail "guest $n ($ip) not bound within $BOUND s while guest 1 renews: $(in_host nft list set bridge gatewayd bind4)"
	ms=$((($(date +%s%N) - start) / 1000000))
	in_ns "$ns" busybox ping -c 1 -W 2 "$gw" >/dev/null || fail "guest $n ($ip) bound but cannot ping $gw"
	kill -0 "$RENEW" 2>/dev/null || fail "the renewal flood ended before guest $n was checked"
	ok "guest $n ($ip) bound ${ms} ms after its lease, during the flood, and pings $gw"
}
guest_add 2
bound_within 2 "$(guest_ns 2)" 10.213.0.1
guest_add_at "$NS_HOST" 3 gw1
bound_within 3 "$(guest_ns 3)" 10.214.0.1
# a bound guest keeps its binding through the flood: a lease file read
# between dnsmasq's truncate and its write is not taken for "no leases"
lost=$(in_ns "$G1" busybox ping -q -c 100 -i 0.05 -W 1 10.213.0.1 2>&1 |
	sed -n 's/.* \([0-9]*\) packets received.*/\1/p')
kill -0 "$RENEW" 2>/dev/null || fail "the renewal flood ended before guest 1's pings"
[ "${lost:-0}" = 100 ] || fail "guest 1 lost its binding during the flood: ${lost:-0} of 100 pings answered"
ok "guest 1 kept its binding during the flood: 100 of 100 pings (20/s) answered"
wait "$RENEW"
ok "guest 1 sent $(cat "$T/renew.out") renewals in 18 s"
