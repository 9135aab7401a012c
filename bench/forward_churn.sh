#!/bin/bash
# What one customer's `gatewayctl forward add` / `forward del` costs
# gatewayd (issue 19: each is a plan of the running config and one
# nftables transaction): wall time per request and gatewayd's CPU per
# request, for a config of N forwards of the file (another customer's
# network) plus the churning one. An owner may ask 10 times a second
# (the control socket's per-uid rate); root, unlimited, asks here. It
# reports; it enforces nothing.
#
#   [host] gatewayd ── gw0 (a, 10.213.0.0/24: N forwards of the file)
#                   └─ gw1 (b, 10.214.0.0/24: forward add/del in a loop)
#
# BENCH_CHURN_FORWARDS="0 1000 10000"  BENCH_CHURN_REPS=50
ID=benchc$$
. "$(dirname "$0")/../tests/integ/lib.sh"
require dnsmasq nft

COUNTS=${BENCH_CHURN_FORWARDS-0 1000 10000}
REPS=${BENCH_CHURN_REPS:-50}
HZ=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$GW_PID/stat"; }
ms() { date +%s%3N; }

topo_init
printf '%-10s %-6s %-14s %-14s\n' forwards reqs "wall ms/req" "cpu ms/req"
for n in $COUNTS; do
	{
		printf 'uplink = auto\nstate_dir = "%s/state"\nrun_dir = "%s/run"\n' "$T" "$T"
		printf 'network a {\n bridge = "gw0"\n ipv4 = "10.213.0.1/24"\n'
		for i in $(seq 1 "$n"); do printf ' forward f%d { port = %d to = "10.213.0.10:80" }\n' "$i" $((20000 + i)); done
		printf '}\nnetwork b {\n bridge = "gw1"\n ipv4 = "10.214.0.1/24"\n}\n'
	} >"$T/gw.conf"
	gw_spawn
	wait_until 30 test -S "$T/run/gatewayd.sock" || fail "no control socket"
	CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
	in_host $CTL status >/dev/null || fail "no status"
	c0=$(cpu) t0=$(ms)
	for r in $(seq 1 "$REPS"); do
		in_host $CTL forward add b churn --port 40000 --to 10.214.0.10:80 >/dev/null || fail "add $r"
		in_host $CTL forward del b churn >/dev/null || fail "del $r"
	done
	c1=$(cpu) t1=$(ms)
	printf '%-10s %-6s %-14s %-14s\n' "$n" $((2 * REPS)) \
		"$(awk -v a="$t0" -v b="$t1" -v r=$((2 * REPS)) 'BEGIN { printf "%.1f", (b - a) / r }')" \
		"$(awk -v a="$c0" -v b="$c1" -v r=$((2 * REPS)) -v hz="$HZ" 'BEGIN { printf "%.1f", (b - a) * 1000 / hz / r }')"
	gw_stop
	rm -f "$T/state/forwards"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
