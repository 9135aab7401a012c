#!/bin/bash
# One network's start, exec of gatewayd -> its dnsmasq's DHCP socket
# bound (README "Performance": goal <= 20 ms), for binaries taking turns
# (A B A B ...), medians. Not part of make bench's table: a focused tool
# for comparing builds.
#   bench/start1.sh [BINARY...]   (default: build/gatewayd)
#   START1_REPS=15 (per binary)   START1_V6=1 (the network has IPv6 + RA)
# Each binary twice per round: "first", a fresh run_dir as at the first
# start of a boot, and "again", the run_dir of its previous start kept, as
# at a restart (what gatewayd learnt of the kernel this boot, e.g. that it
# has no bridge meta, is in run_dir). Each start: a fresh state_dir;
# gatewayd stopped (SIGTERM) and its bridge gone before the next.
#
#   [inet] ── up0 [host: gatewayd, 1 network] gw-1 (no port)
ID=st1$$
. "$(dirname "$0")/../tests/integ/lib.sh"
. "$(dirname "$0")/lib.sh"
require dnsmasq nft perl
BINS=("$@")
[ ${#BINS[@]} -gt 0 ] || BINS=("$GATEWAYD")
REPS=${START1_REPS:-15}
topo_init
net_conf 1
if [ -n "${START1_V6:-}" ]; then
	sed -i 's|ra { enabled = false }|ipv6 = "fd42:100::1/64"\n ra { enabled = true }|' "$T/gw.conf"
fi
sed -i "s|state_dir = .*|state_dir = \"$T/st\"|" "$T/gw.conf"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq 1 "$REPS"); do
	for i in "${!BINS[@]}"; do
		for how in first again; do
			rm -rf "$T/st" "$T/run-$i-$how"
			[ "$how" = first ] && rm -rf "$T/run-$i"
			mkdir -p "$T/st" "$T/run-$i"
			sed -i "s|run_dir = .*|run_dir = \"$T/run-$i\"|" "$T/gw.conf"
			out=$(ip netns exec "$NS_HOST" perl "$BENCH/start1.pl" "$T/gw.conf" "${BINS[$i]}" 2>>"$T/gw.log") ||
				fail "${BINS[$i]}: $out $(tail -5 "$T/gw.log")"
			GW_PID=${out#* }
			echo "${out%% *}" >>"$T/ms-$i-$how"
			kill -TERM "$GW_PID"
			wait_until 10 sh -c "! kill -0 $GW_PID" || fail "gatewayd did not stop"
			GW_PID=
			wait_until 10 sh -c "! ip -n $NS_HOST link show gw-1" || fail "gw-1 left after stop"
		done
	done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
for i in "${!BINS[@]}"; do
	for how in first again; do
		med=$(awk '{ printf "%d\n", $1 * 100 }' "$T/ms-$i-$how" | median)
		best=$(sort -n "$T/ms-$i-$how" | head -1)
		printf '%-36s %-5s median %6.2f ms  best %6.2f ms  (%d starts)\n' "${BINS[$i]}" "$how" \
			"$(awk -v m="$med" 'BEGIN { print m / 100 }')" "$best" "$REPS"
	done
done
echo "load average $load0 at start, $load1 at end"
