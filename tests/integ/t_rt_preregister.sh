#!/bin/bash
# Pre-registration: guest A learns a newcomer's MAC before the newcomer's
# first DHCP message (a VM's IPv6 router solicitation or duplicate address
# probe, flooded to every port, carries it) and sends one DHCPDISCOVER with
# it (Ethernet source and chaddr both that MAC) from its own port. The
# kernel records that MAC on A's port (dhcp_seen, dhcp_macs) and drops it
# from every other port: the newcomer's own DHCP. On main at 03e5446 the
# record lived a day, so one frame cut the newcomer off for a day. Now a
# record lasts NFT_DHCP_SEEN_TIMEOUT_S (20 s) after the MAC's last DHCP
# message (a lease's binding protects the MAC after that: bound_macs).
# Asserted:
#  - the forged record is there (vg1 . N's MAC) and N's first DHCP tries
#    fail (the attack works: N's frames are dropped, counted);
#  - within 20 s + 15 s N gets its lease, bound to its own port vg2, and
#    pings the gateway; A's record is gone;
#  - A then sending with N's MAC is dropped (bound_macs), N keeps its port.
# Left open (README): a guest that keeps re-sending DHCP with the MAC holds
# the record as long as it goes on, and one that completes an exchange
# with it gets the lease (first come, first served).
#
#   [A: udhcpc, then dhcp_forge.py with N's MAC] ── vg1 ─┐
#   [N: udhcpc, no IPv6]                        ── vg2 ─┴─ gw0 10.213.0.1 [host: gatewayd]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft python3

topo_init
write_conf
gw_start
guest_add 1
A=$(guest_ns 1)
udhcpc_lease 1 || fail "guest A: no lease"
wait_until 5 in_ns "$A" busybox ping -c 1 -W 1 10.213.0.1 >/dev/null || fail "guest A never bound"

MACN=02:16:3e:aa:bb:01
seen_has() { in_host nft list set bridge gatewayd dhcp_seen | tr -d '\n\t' | grep -q "\"$1\" \. $2"; }
bind_drops() { in_host nft list counter bridge gatewayd bind_default | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }

# A registers the newcomer's MAC first
in_ns "$A" python3 "$TOP/tests/integ/dhcp_forge.py" eth0 "$MACN" 1 >/dev/null || fail "dhcp_forge.py failed"
wait_until 3 seen_has vg1 "$MACN" || fail "A's forged DISCOVER made no record: $(in_host nft list set bridge gatewayd dhcp_seen)"
t0=$(date +%s)
ok "A's one forged DISCOVER recorded $MACN on A's port vg1"

# the newcomer: IPv6 off, its MAC set before it is up
N=gwt$ID-g2
ip netns add "$N"
GUESTS+=("$N")
ip -n "$N" link set lo up
ip -n "$NS_HOST" link add vg2 type veth peer name eth0 netns "$N"
in_ns "$N" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
ip -n "$N" link set eth0 address "$MACN"
ip -n "$NS_HOST" link set vg2 master gw0 up
ip -n "$N" link set eth0 up

# its first tries fail: the attack works
d0=$(bind_drops)
ENVOUT="$T/udhcpc-2.env" in_ns "$N" busybox udhcpc -i eth0 -f -q -n -t 2 -T 1 -s "$T/udhcpc.sh" \
	>>"$T/udhcpc-2.log" 2>&1 && fail "control: N got a lease at once; the forged record did not hold (is the attack gone?)"
[ "$(bind_drops)" -gt "$d0" ] || fail "N's DHCP was not dropped by bind_default ($d0 -> $(bind_drops))"
ok "N's first DHCP tries are dropped ($d0 -> $(bind_drops) in bind_default)"

# within the record's lifetime (20 s) and a DHCP client's retries, N is in
got=
while [ $(($(date +%s) - t0)) -lt 35 ]; do
	if ENVOUT="$T/udhcpc-2.env" in_ns "$N" busybox udhcpc -i eth0 -f -q -n -t 2 -T 1 \
		-s "$T/udhcpc.sh" >>"$T/udhcpc-2.log" 2>&1; then
		got=1
		break
	fi
done
[ -n "$got" ] || fail "N got no lease within 35 s of A's one forged DISCOVER (record: $(in_host nft list set bridge gatewayd dhcp_seen | tr -d '\n\t'))"
IPN=$(lease_var 2 ip)
ok "N got $IPN $(($(date +%s) - t0)) s after A's forged DISCOVER"
seen_has vg1 "$MACN" && fail "A's record of $MACN outlived its lifetime"
bound() { in_host nft list set bridge gatewayd bind4 | grep -q "\"vg2\" \. $MACN \. $IPN"; }
wait_until 3 bound || fail "N not bound to vg2: $(in_host nft list set bridge gatewayd bind4)"
wait_until 3 in_ns "$N" busybox ping -c 1 -W 1 10.213.0.1 >/dev/null || fail "N cannot ping the gateway"
ok "N is bound to its own port vg2 and pings the gateway"

# A again, now that N is bound: dropped, N keeps its port
d0=$(bind_drops)
in_ns "$A" python3 "$TOP/tests/integ/dhcp_forge.py" eth0 "$MACN" 3 0.1 >/dev/null || fail "dhcp_forge.py failed"
wait_until 3 sh -c "[ \$(ip netns exec $NS_HOST nft list counter bridge gatewayd bind_default | sed -n 's/.*packets \([0-9]*\).*/\1/p') -ge $((d0 + 3)) ]" \
	|| fail "A's DISCOVERs with bound $MACN not dropped ($d0 -> $(bind_drops))"
seen_has vg1 "$MACN" && fail "A's DISCOVERs with bound $MACN made a record on vg1"
in_ns "$N" busybox ping -c 2 -W 1 10.213.0.1 >/dev/null || fail "N lost the gateway after A's new try"
ok "A's DISCOVERs with N's MAC, N bound: dropped, no record, N keeps pinging"
