#!/bin/bash
# gatewayd's CPU per host link event that touches none of its bridges
# (issue 17): N networks (gw-1..gw-N, IPv4 only, no RA: the dnsmasqs stay
# out of it), then K veth pairs made, brought up, given an address and
# deleted in the host namespace (one `ip -batch`), as VMs and containers
# coming and going do. Measured: gatewayd's CPU time from the burst's
# start until it is idle again (/proc/PID/schedstat, ns on the CPU), and
# the link events the kernel sent (`ip monitor link` during the burst).
#
#   [host: gatewayd, gw-1 .. gw-N] ── up0 ── [inet]
#   bx1..bxK ═ by1..byK (made, addressed, deleted)
#
# BENCH_HE_NETS="100 1000"  BENCH_HE_PAIRS=200  BENCH_REPS=3
# BENCH_HE_BINS="old=/path/gatewayd new=build/gatewayd ..." (label=binary,
# taking turns; default: this tree's build/gatewayd as "this")
# BENCH_HE_PERF=/tmp/prefix: perf record gatewayd during each burst, the
# top of `perf report` into PREFIX-N-LABEL.txt
ID=benchhe$$
. "$(dirname "$0")/../tests/integ/lib.sh"
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq

NETS=${BENCH_HE_NETS:-100 1000}
PAIRS=${BENCH_HE_PAIRS:-200}
REPS=${BENCH_REPS:-3}
BINS=(${BENCH_HE_BINS:-this=$GATEWAYD})

topo_init

he_conf() {
	local i
	{
		echo "uplink = up0"
		echo "state_dir = \"$T/state\""
		echo "run_dir = \"$T/run\""
		echo "probe_time = 0"
		for i in $(seq 1 "$1"); do
			printf 'network n%d {\n bridge = "gw-%d"\n ipv4 = "%s.1/24"\n ra { enabled = false }\n}\n' \
				"$i" "$i" "$(subnet "$i")"
		done
	} >"$T/gw.conf"
}

{
	for i in $(seq 1 "$PAIRS"); do
		echo "link add bx$i type veth peer name by$i"
		echo "link set bx$i up"
		echo "link set by$i up"
		echo "addr add 172.31.$((i / 250)).$((i % 250 + 1))/32 dev bx$i"
	done
	for i in $(seq 1 "$PAIRS"); do echo "link del bx$i"; done
} >"$T/burst"

cpu_ns() { awk '{ print $1 }' "/proc/$GW_PID/schedstat"; }

# idle: gatewayd used no CPU for 500 ms
idle() {
	local a
	a=$(cpu_ns)
	sleep 0.5
	[ "$(cpu_ns)" = "$a" ]
}

t_begin=$SECONDS
for N in $NETS; do
	he_conf "$N"
	for r in $(seq 1 "$REPS"); do
		for b in "${BINS[@]}"; do
			label=${b%%=*}
			GATEWAYD=${b#*=}
			progress "host_events: $N networks, rep $r/$REPS, $label"
			gw_exec
			wait_until 900 sh -c "[ \$(grep -c 'dnsmasq\[n[0-9]*\]: started' $T/gw.log) -ge $N ]" ||
				fail "$label, $N networks: only $(grep -c 'dnsmasq\[n[0-9]*\]: started' "$T/gw.log") dnsmasq started"
			wait_until 60 idle || fail "gatewayd does not settle after start"
			ip netns exec "$NS_HOST" ip -o monitor link >"$T/mon" 2>/dev/null &
			mon=$!
			sleep 0.2
			if [ -n "${BENCH_HE_PERF:-}" ]; then
				perf record -q -g -p "$GW_PID" -o "$T/perf-$N-$label.data" >/dev/null 2>&1 &
				perf=$!
				sleep 0.5
			fi
			c0=$(cpu_ns)
			in_host ip -batch "$T/burst" || fail "burst"
			wait_until 300 idle || fail "gatewayd does not settle after the burst"
			c1=$(cpu_ns)
			if [ -n "${BENCH_HE_PERF:-}" ]; then
				kill -INT "$perf"
				wait "$perf"
				perf report -i "$T/perf-$N-$label.data" --stdio --no-children -g none --percent-limit 0.5 2>/dev/null |
					grep -v '^$' | head -60 >"$BENCH_HE_PERF-$N-$label.txt"
			fi
			kill "$mon"
			wait "$mon" 2>/dev/null
			ev=$(grep -c . "$T/mon")
			echo "$(((c1 - c0) / 1000)) $ev" >>"$T/he-$N-$label"
			kill -TERM "$GW_PID"
			wait "$GW_PID"
			GW_PID=
			wait_until 300 sh -c "[ \$(ip -n $NS_HOST -o link show type bridge | grep -c ' gw-') = 0 ]" ||
				fail "bridges left after stop"
		done
	done
done

echo
echo "gatewayd CPU per host link event touching none of its bridges: $PAIRS veth pairs made, up, addressed, deleted"
echo "$(git -C "$TOP" describe --always --dirty 2>/dev/null), $(date -u '+%F %H:%M') UTC, $(nproc) CPUs; BENCH_REPS=$REPS, medians"
printf "%-6s %-10s %12s %8s %14s  %s\n" nets binary "gw CPU us" events "us per event" "gw CPU us (all)"
for N in $NETS; do
	for b in "${BINS[@]}"; do
		f=$T/he-$N-${b%%=*}
		cpu=$(awk '{ print $1 }' "$f" | median)
		ev=$(awk '{ print $2 }' "$f" | median)
		printf '%-6s %-10s %12s %8s %14s  %s\n' "$N" "${b%%=*}" "$cpu" "$ev" \
			"$(awk -v c="$cpu" -v e="$ev" 'BEGIN { printf "%.1f", e ? c / e : 0 }')" \
			"$(awk '{ print $1 }' "$f" | tr '\n' ' ')"
	done
done
echo "took $((SECONDS - t_begin)) s"
