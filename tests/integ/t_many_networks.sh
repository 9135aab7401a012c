#!/bin/bash
# Many networks on one host (one per customer): N networks (default 1000,
# GW_MANY=N to change) start, the last one serves DHCP, a reload that
# changes one of them is applied, and stop removes every bridge. Before,
# 27 networks failed with "nft: reading acks: No buffer space available;
# nothing applied", 129 when every dnsmasq opened an inotify instance to
# watch resolv.conf (128 per user), and 257 with the 256-name cap of
# state_dir/bridges.
#
#   [host] gw-1 .. gw-N (10.(100+i/256).(i%256).1/24), guest on gw-N
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

N=${GW_MANY:-1000}
topo_init
net_conf() {
	{
		echo "uplink    = up0"
		echo "state_dir = \"$T/state\""
		echo "run_dir   = \"$T/run\""
		echo "probe_time = 0"
		for i in $(seq 1 "$N"); do
			lt=1h
			[ "$i" = "$1" ] && lt=2h
			echo "network n$i {"
			echo "    bridge = \"gw-$i\""
			echo "    ipv4   = \"10.$((100 + i / 256)).$((i % 256)).1/24\""
			echo "    dhcp { lease_time = $lt }"
			echo "    ra { enabled = false }"
			echo "}"
		done
	} >"$T/gw.conf"
}
net_conf 0
start=$SECONDS
GW_START_TIMEOUT=180 gw_spawn
wait_until 180 sh -c "[ \$(grep -c 'dnsmasq\[n[0-9]*\]: started' $T/gw.log) -ge $N ]" \
	|| fail "not all $N dnsmasq started: $(grep -c 'dnsmasq\[n[0-9]*\]: started' "$T/gw.log")"
[ "$(in_host ip -o link show type bridge | grep -c ' gw-')" = "$N" ] || fail "not $N bridges"
ok "$N networks up in $((SECONDS - start)) s"

ip netns add "gwt$ID-g1"; GUESTS+=("gwt$ID-g1")
ip -n "gwt$ID-g1" link set lo up
ip -n "$NS_HOST" link add vg1 type veth peer name eth0 netns "gwt$ID-g1"
ip -n "$NS_HOST" link set vg1 master "gw-$N" up
ip -n "gwt$ID-g1" link set eth0 up
udhcpc_lease 1 || fail "no lease on the last network"
ok "guest on network $N leased $(lease_var 1 ip)"

net_conf "$N"
$GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
udhcpc_lease 1 || fail "no lease after reload"
[ "$(lease_var 1 lease)" = 7200 ] || fail "lease time after reload: $(lease_var 1 lease)"
ok "reload changing network $N applied (lease time 7200)"

start=$SECONDS
gw_stop || fail "gatewayd exit status"
left=$(in_host ip -o link show type bridge | grep -c ' gw-')
[ "$left" = 0 ] || fail "$left bridges left after stop"
nft_host_has_table && fail "tables left after stop"
ok "stopped in $((SECONDS - start)) s: no bridge, no table left"
