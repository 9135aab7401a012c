#!/bin/bash
# Unowned tables (Linux < 6.9, forced with GATEWAYD_TEST_NO_PERSIST) and
# many networks: gatewayd's own reload transaction must not overflow its
# nf_tables monitor (a small queue here, GATEWAYD_TEST_MONITOR_RCVBUF) and
# pass for someone else's deletion -- that made it replace both tables,
# resetting every network's counters, 3-5 times per reload at 300+
# networks. The monitor's queue is sized for the transaction first.
#
#   [host] gw-1 .. gw-N (10.100.i.1/24)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

N=${GW_MANY:-120}
topo_init
net_conf() { # N
	{
		echo "uplink = up0"; echo "state_dir = \"$T/state\""; echo "run_dir = \"$T/run\""
		echo "probe_time = 0"
		for i in $(seq 1 "$1"); do
			printf 'network n%d {\n bridge = "gw-%d"\n ipv4 = "10.100.%d.1/24"\n ra { enabled = false }\n}\n' "$i" "$i" "$i"
		done
	} >"$T/gw.conf"
}
net_conf "$N"
export GATEWAYD_TEST_NO_PERSIST=1 GATEWAYD_TEST_MONITOR_RCVBUF=65536
GW_FLAGS=-v GW_START_TIMEOUT=60 gw_spawn
wait_until 60 sh -c "[ \$(grep -c 'dnsmasq\[n[0-9]*\]: started' $T/gw.log) -ge $N ]" || fail "not all $N served"
sleep 1 # let the start's own notifications drain
before=$(grep -c "restored them" "$T/gw.log")
net_conf $((N + 1))
$GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
wait_until 10 grep -q "dnsmasq\[n$((N + 1))\]: started" "$T/gw.log" || fail "the new network does not serve"
sleep 1
after=$(grep -c "restored them" "$T/gw.log")
[ "$after" = "$before" ] || fail "the reload's own notifications were taken for a deletion: $((after - before)) whole-table restores ($(grep -m1 'lost events' "$T/gw.log"))"
ok "reload adding network $((N + 1)) to $N with unowned tables and a small monitor queue: no spurious restore"
