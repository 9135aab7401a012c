#!/bin/bash
# Connection quota (issue 19 item 2): what counting each new connection
# costs a guest. New TCP connections per second from a guest to the
# internet namespace (tcp_conn.pl: SYN, SYN-ACK, ACK, RST each), gatewayd
# with the default quota (guest_connections a quarter of nf_conntrack_max:
# the nat prerouting chain, quota_NET's rules, the ct count of the
# guest's element) against guest_connections = none (no nat prerouting
# chain at all); and, as the control, 64-byte UDP packets per second of
# one flow, whose packets after the first never reach a nat chain (x1.00
# expected). Connections also per CPU-second of the connector, which a
# busy machine disturbs less. The variants take turns (A B, B A, ...);
# medians. It reports; it enforces nothing.
#
#   [g1] 10.213.0.50 tcp_conn.pl, iperf3 -u ── v g1 ── gw0 10.213.0.1 [host] up0 ── [inet] accept :9100, iperf3 :5201
#
# BENCH_REPS=3 BENCH_SECONDS=2
ID=benchq$$
. "$(dirname "$0")/../tests/integ/lib.sh"
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl iperf3
perl -MTime::HiRes -e1 2>/dev/null || skip "needs perl's Time::HiRes"

REPS=${BENCH_REPS:-3}
SECS=${BENCH_SECONDS:-2}
G=10.213.0.50

topo_init
# The bridge outlives gatewayd (an adopted bridge is left in place), so
# the guest stays plugged in across the turns.
in_host ip link add gw0 type bridge
in_host ip link set gw0 up
guest g1 gw0 "$G/24" 10.213.0.1
servers

conf() { # VARIANT
	{
		conf_default_open
		host_line g1 "$G"
		[ "$1" = none ] && echo " guest_connections = none"
		echo "}"
	} >"$T/gw.conf"
}

turn() { # VARIANT
	local r
	conf "$1"
	gw_exec
	wait_until 30 grep -q "running with" "$T/gw.log" || fail "gatewayd did not start ($1)"
	in_host ip addr replace 10.213.0.1/24 dev gw0
	wait_until 10 grep -q "dnsmasq\[default\]: started" "$T/gw.log"
	bind_guest "gwt$ID-g1"
	if [ "$1" = quota ]; then
		in_host nft list chain inet gatewayd quota_default >/dev/null 2>&1 || fail "no quota_default chain"
	else
		in_host nft list chain inet gatewayd quota_default >/dev/null 2>&1 && fail "a quota with none"
	fi
	CPU_OUT=$T/cpu-$1 tcp_cps "gwt$ID-g1" >>"$T/cps-$1"
	udp_pps "gwt$ID-g1" 5201 >>"$T/udp-$1"
	kill -TERM "$GW_PID"
	wait "$GW_PID" 2>/dev/null
	GW_PID=
}

echo "connection quota: a guest's new TCP connections/s and UDP packets/s, $REPS x ${SECS} s"
for ((rep = 0; rep < REPS; rep++)); do
	if ((rep % 2)); then turn none; turn quota; else turn quota; turn none; fi
	progress "rep $((rep + 1))/$REPS: conn/s quota $(tail -1 "$T/cps-quota"), none $(tail -1 "$T/cps-none")"
done
printf '  %-26s %10s %14s %10s\n' "" "conn/s" "conn/CPU-s" "UDP pkt/s"
for v in none quota; do
	printf '  %-26s %10s %14s %10s\n' "$([ $v = none ] && echo "guest_connections = none" || echo "default quota (a quarter)")" \
		"$(median <"$T/cps-$v")" "$(median <"$T/cpu-$v")" "$(median <"$T/udp-$v")"
done
printf '  %-26s %10s %14s %10s\n' "quota / none" "$(ratio "$(median <"$T/cps-none")" "$(median <"$T/cps-quota")")" \
	"$(ratio "$(median <"$T/cpu-none")" "$(median <"$T/cpu-quota")")" \
	"$(ratio "$(median <"$T/udp-none")" "$(median <"$T/udp-quota")")"
echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -s "$T/tcp-fails" ] && { echo "failed connects:"; cat "$T/tcp-fails"; }
for f in cps-quota cps-none udp-quota udp-none; do
	[ "$(median <"$T/$f")" != - ] || fail "figure $f is missing"
done
exit 0
