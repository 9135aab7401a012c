#!/bin/bash
# make bench: what a guest's packets cost with many networks, and how long
# start and stop take. Namespaces only (tests/integ/lib.sh topology); every
# figure is a median of alternating repetitions, printed side by side as
# ratios. It reports; it enforces nothing (the machine is shared).
#
#   [inet] iperf3 servers ── up0 [host: gatewayd, N networks]
#                                   gw-1 ── [first]   guest on network 1
#                                   gw-N ── [last]    guest on network N
#
# BENCH_NETS="1 100 500"  BENCH_REPS=5  BENCH_SECONDS=2
ID=bench$$
. "$(dirname "$0")/../tests/integ/lib.sh"
require busybox dnsmasq nft iperf3

NETS=${BENCH_NETS:-1 100 500}
REPS=${BENCH_REPS:-5}
SECS=${BENCH_SECONDS:-2}
topo_init
in_inet iperf3 -s -D -p 5201 -B 198.51.100.1 --logfile "$T/iperf-1.log"
in_inet iperf3 -s -D -p 5202 -B 198.51.100.1 --logfile "$T/iperf-2.log"

net_conf() { # N: N networks, no RA, no probe
	{
		echo "uplink = up0"; echo "state_dir = \"$T/state\""; echo "run_dir = \"$T/run\""
		echo "probe_time = 0"
		for i in $(seq 1 "$1"); do
			printf 'network n%d {\n bridge = "gw-%d"\n ipv4 = "10.%d.%d.1/24"\n ra { enabled = false }\n}\n' \
				"$i" "$i" $((100 + i / 256)) $((i % 256))
		done
	} >"$T/gw.conf"
}

# guest NAME NET HOST: a namespace on network NET's bridge, address .HOST.
guest() {
	local ns=gwt$ID-$1
	ip netns add "$ns"; GUESTS+=("$ns")
	ip -n "$ns" link set lo up
	ip -n "$NS_HOST" link add "v$1" type veth peer name eth0 netns "$ns"
	ip -n "$NS_HOST" link set "v$1" master "gw-$2" up
	ip -n "$ns" link set eth0 up
	ip -n "$ns" addr add "10.$((100 + $2 / 256)).$(($2 % 256)).$3/24" dev eth0
	ip -n "$ns" route add default via "10.$((100 + $2 / 256)).$(($2 % 256)).1"
}
unguest() { ip netns del "gwt$ID-$1"; }

# pps NS PORT: 64-byte UDP packets per second the internet side received.
pps() {
	ip netns exec "$1" iperf3 -c 198.51.100.1 -p "$2" -u -l 64 -b 0 -t "$SECS" -J 2>/dev/null |
		awk -F'[:,]' '/"sum"/ { s = 1 } s && /"packets"/ { p = $2 } s && /"seconds"/ { t = $2 }
			END { if (t > 0) printf "%d\n", p / t; else print 0 }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
ms() { date +%s%3N; }

printf '%-10s %14s %14s %12s %10s %10s\n' networks "pps net 1" "pps net N" "N / 1" "start ms" "stop ms"
for n in $NETS; do
	net_conf "$n"
	t0=$(ms)
	GW_START_TIMEOUT=300 gw_spawn
	wait_until 300 sh -c "[ \$(grep -c 'dnsmasq\[n[0-9]*\]: started' $T/gw.log) -ge $n ]" || fail "$n networks did not start"
	start=$(( $(ms) - t0 ))
	guest first 1 50
	guest last "$n" 60
	for r in $(seq 1 "$REPS"); do # alternate first and last
		pps "gwt$ID-first" 5201 >>"$T/first-$n"
		pps "gwt$ID-last" 5202 >>"$T/last-$n"
	done
	a=$(median <"$T/first-$n") b=$(median <"$T/last-$n")
	unguest first; unguest last
	t0=$(ms)
	gw_stop
	stop=$(( $(ms) - t0 ))
	printf '%-10s %14s %14s %12s %10s %10s\n' "$n" "$a" "$b" \
		"$(awk -v a="$a" -v b="$b" 'BEGIN { printf (a > 0 ? "x%.2f" : "-"), b / a }')" "$start" "$stop"
	rm -rf "$T/state" "$T/run"; mkdir -p "$T/state" "$T/run"
done
echo
echo "pps: 64-byte UDP, guest -> internet through NAT, median of $REPS runs of ${SECS} s,"
echo "first and last network alternating; N / 1 near x1.00 means flat in N."
