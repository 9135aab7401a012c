#!/bin/bash
# gatewayd's CPU per host link event that touches none of its bridges
# (issue 17): N networks (DHCP off, so that only gatewayd works), one
# guest port each on the first; then PAIRS veth pairs made, set up and
# deleted in the host namespace (one `ip -batch` each: links, their
# link-local addresses and routes, about a dozen rtnetlink events a pair,
# counted with ip monitor) and gatewayd's utime + stime (/proc/PID/stat)
# over the burst, once it is quiet again. Prints one line per N.
#
#   bx1..bxP ═ by1..byP (made, up, deleted)
#   [host: gatewayd, gw-1 .. gw-N] ── up0 ── [inet]
#
# BENCH_RT_NETS="300 1000"  BENCH_RT_PAIRS=100  GATEWAYD=path
ID=benchrt$$
. "$(dirname "$0")/../tests/integ/lib.sh"
require nft

NETS=${BENCH_RT_NETS:-300}
PAIRS=${BENCH_RT_PAIRS:-100}
HZ=$(getconf CLK_TCK)

cpu() { awk '{print $14 + $15}' "/proc/$GW_PID/stat"; }

topo_init
for n in $NETS; do
	{
		echo "uplink    = auto"
		echo "state_dir = \"$T/state\""
		echo "run_dir   = \"$T/run\""
		for i in $(seq 1 "$n"); do
			echo "network n$i {"
			echo "    bridge = \"gw-$i\""
			echo "    ipv4   = \"10.$((i / 250 + 100)).$((i % 250)).1/24\""
			echo "    dhcp { enabled = false }"
			echo "}"
		done
	} >"$T/gw.conf"
	GW_START_TIMEOUT=300 gw_spawn
	in_host ip link add vg1 type veth peer name vg1p
	in_host ip link set vg1 master gw-1 up
	# quiet: no CPU used for a second
	quiet() {
		local a b
		a=$(cpu)
		sleep 1
		b=$(cpu)
		[ "$a" = "$b" ]
	}
	wait_until 120 quiet
	for i in $(seq 1 "$PAIRS"); do
		echo "link add bx$i type veth peer name by$i"
	done >"$T/add"
	for i in $(seq 1 "$PAIRS"); do
		echo "link set bx$i up"
		echo "link set by$i up"
	done >"$T/up"
	for i in $(seq 1 "$PAIRS"); do echo "link del bx$i"; done >"$T/del"
	in_host ip monitor link address route netconf >"$T/events" 2>/dev/null &
	mon=$!
	sleep 0.2
	c0=$(cpu)
	in_host ip -batch "$T/add"
	in_host ip -batch "$T/up"
	in_host ip -batch "$T/del"
	wait_until 300 quiet
	c1=$(cpu)
	kill "$mon"
	wait "$mon" 2>/dev/null
	ticks=$((c1 - c0))
	# rtnetlink messages (ip monitor's lines that start one; continuation
	# lines are indented)
	ev=$(grep -vc '^[[:space:]]' "$T/events")
	echo "networks $n: $PAIRS veth pairs made, up, deleted ($ev rtnetlink events):" \
		"gatewayd $((ticks * 1000 / HZ)) ms CPU," \
		"$(awk -v t="$ticks" -v hz="$HZ" -v e="$ev" 'BEGIN { printf "%.3f", t * 1000 / hz / (e ? e : 1) }') ms per event"
	gw_stop
done
