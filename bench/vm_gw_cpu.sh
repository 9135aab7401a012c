#!/bin/bash
# gatewayd's own CPU (its schedstat run time, ns: no dnsmasq, no other
# load) per VM start and per lease renewal at N networks (IPv4, no RA:
# gatewayd is then idle between events, so the figure is not buried under
# 300 bridges' RA timers). Report-only, not part of make bench (whose
# events part 4 counts gatewayd and the dnsmasqs together, and the
# machine's busy time).
#   VM start, VMS0 times: veth made, plugged into gw-N, up, udhcpc until a
#   lease; CPU until gatewayd is quiet (a 0.5 s window under half its idle
#   rate + 1 ms), net of idle. Renewal, VMS times: one VM's udhcpc again
#   (dnsmasq rewrites gw-N's lease file).
# BIN=path/to/gatewayd N=300 VMS=8 [VMS0=8] [PERF=file: perf record -g]
# [LOADED=1: each network 10 leases and a port]
#   bash bench/vm_gw_cpu.sh
ID=vmgw$$
. "$(dirname "$0")/../tests/integ/lib.sh"
GATEWAYD=${BIN:-$GATEWAYD}
N=${N:-1} VMS=${VMS:-5} VMS0=${VMS0:-$VMS}
topo_init
{
	echo "uplink = up0"; echo "state_dir = \"$T/state\""; echo "run_dir = \"$T/run\""; echo "probe_time = 0"
	for i in $(seq 1 "$N"); do
		printf 'network n%d {\n bridge = "gw-%d"\n ipv4 = "10.%d.%d.1/24"\n ra { enabled = false }\n}\n' "$i" "$i" $((100 + i / 250)) $((i % 250))
	done
} >"$T/gw.conf"
# LOADED=1: every network has 10 leases and a port (a veth plugged in,
# its peer left down): the host of issue 17, where every customer has VMs
if [ -n "${LOADED:-}" ]; then
	exp=$(($(date +%s) + 7200))
	for i in $(seq 1 "$N"); do
		for k in $(seq 10 19); do
			printf '%d 02:00:00:%02x:%02x:%02x 10.%d.%d.%d * *\n' "$exp" $((i / 256)) $((i % 256)) "$k" $((100 + i / 250)) $((i % 250)) "$k"
		done >"$T/state/n$i.leases"
	done
fi
GW_START_TIMEOUT=600 gw_spawn
wait_until 600 sh -c "[ \$(grep -c 'dnsmasq\[n[0-9]*\]: started' $T/gw.log) -ge $N ]" || fail "dnsmasqs"
if [ -n "${LOADED:-}" ]; then
	for i in $(seq 1 "$N"); do
		echo "link add p$i type veth peer name q$i"
		echo "link set p$i master gw-$i up"
	done >"$T/ports"
	ip -n "$NS_HOST" -batch "$T/ports" || fail "ports"
fi
rt() { awk '{ print $1 }' /proc/$GW_PID/schedstat; }
ns_now() { date +%s%N; }
# idle rate: ns of CPU per s, over 5 s once it settled
wait_quiet() { # until a 0.5 s window uses under idle*0.5 + 1 ms
	local a b lim=$(( ${IDLE:-20000000} / 2 + 1000000 ))
	for _ in $(seq 1 240); do a=$(rt); sleep 0.5; b=$(rt); [ $((b - a)) -lt $lim ] && return 0; done
	return 1
}
wait_quiet
a=$(rt); sleep 5; b=$(rt); IDLE=$(((b - a) / 5))
[ -n "${PERF:-}" ] && { perf record -q -F 4000 -g -p "$GW_PID" -o "$PERF" >/dev/null 2>&1 & PP=$!; sleep 1; }
VM=gwt$ID-vm; ip netns add "$VM"; GUESTS+=("$VM"); ip -n "$VM" link set lo up
for k in $(seq 1 "$VMS0"); do
	a=$(rt); t0=$(ns_now)
	ip -n "$NS_HOST" link add "vm$k" type veth peer name eth0 netns "$VM"
	ip -n "$NS_HOST" link set "vm$k" master "gw-$N" up
	ip -n "$VM" link set eth0 up
	ip netns exec "$VM" busybox udhcpc -i eth0 -f -q -n -t 20 -T 1 -s /bin/true >/dev/null 2>&1 || fail "no lease"
	wait_quiet
	b=$(rt); t1=$(ns_now)
	echo "vm $k: $(awk -v d=$((b - a)) -v w=$((t1 - t0)) -v i=$IDLE 'BEGIN { printf "%.2f ms (raw %.2f, idle %.2f ms/s, %.1f s)", (d - i * w / 1e9) / 1e6, d / 1e6, i / 1e6, w / 1e9 }')"
	ip -n "$NS_HOST" link del "vm$k"
	wait_quiet
done
[ -n "${PERF:-}" ] && { kill -INT $PP; wait $PP; }
# renewals: one VM stays, its udhcpc run again (dnsmasq rewrites the lease file)
ip -n "$NS_HOST" link add vmr type veth peer name eth0 netns "$VM"
ip -n "$NS_HOST" link set vmr master "gw-$N" up
ip -n "$VM" link set eth0 up
ip netns exec "$VM" busybox udhcpc -i eth0 -f -q -n -t 20 -T 1 -s /bin/true >/dev/null 2>&1 || fail "no lease"
wait_quiet
for k in $(seq 1 "$VMS"); do
	a=$(rt); t0=$(ns_now)
	ip netns exec "$VM" busybox udhcpc -i eth0 -f -q -n -t 20 -T 1 -s /bin/true >/dev/null 2>&1 || fail "no lease"
	wait_quiet
	b=$(rt); t1=$(ns_now)
	echo "renew $k: $(awk -v d=$((b - a)) -v w=$((t1 - t0)) -v i=$IDLE 'BEGIN { printf "%.2f ms (raw %.2f, idle %.2f ms/s, %.1f s)", (d - i * w / 1e9) / 1e6, d / 1e6, i / 1e6, w / 1e9 }')"
done
