#!/bin/bash
# Port forwards: new TCP connections per second from the internet
# namespace to the LAST of N forwards, and the time to install N forwards,
# for gatewayd (one DNAT rule looking the packet up in a map) against a
# plain nftables ruleset with one DNAT rule per forward (what iptables
# -t nat -A PREROUTING ... -j DNAT per port, or SLIRP's one socket per
# hostfwd, amount to). Network namespaces only (tests/integ/lib.sh's
# topology); the variants take turns, figures are medians. It reports;
# it enforces nothing.
#
#   [inet] tcp_conn.pl connect ── up0 198.51.100.2 [host] ── gw0 10.213.0.1
#                                                            └─ vg ── [g] 10.213.0.10
#                                                                     tcp_conn.pl accept :9100
#
# BENCH_FORWARDS="10 1000 10000"  BENCH_REPS=3  BENCH_SECONDS=2
ID=benchf$$
. "$(dirname "$0")/../tests/integ/lib.sh"
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl
perl -MTime::HiRes -e1 2>/dev/null || skip "needs perl's Time::HiRes"

COUNTS=${BENCH_FORWARDS:-10 1000 10000}
REPS=${BENCH_REPS:-3}
SECS=${BENCH_SECONDS:-2}
FIRST=20000 # forward i listens on FIRST + i
TARGET=10.213.0.10

topo_init
in_host sysctl -qw net.ipv4.ip_forward=1
# The bridge outlives gatewayd (an adopted bridge is left in place), so
# the guest stays plugged in for the plain ruleset's turns.
in_host ip link add gw0 type bridge
in_host ip link set gw0 up
guest g1 gw0 "$TARGET/24" 10.213.0.1
# a static lease for it (a guest may send only from its lease's address)
ip -n "gwt$ID-g1" link set eth0 down
ip -n "gwt$ID-g1" link set eth0 address 52:54:00:f0:00:01
ip -n "gwt$ID-g1" link set eth0 up
ip netns exec "gwt$ID-g1" perl "$BENCH/tcp_conn.pl" accept "$TARGET" 9100 &
disown $!
wait_until 5 sh -c "ip netns exec gwt$ID-g1 ss -Hltn | grep -q '$TARGET:9100 '" || fail "accept loop not listening"

# conf N: gatewayd with N forwards to the guest's port 9100.
conf() {
	{
		echo "uplink = up0"
		echo "state_dir = \"$T/state\""
		echo "run_dir = \"$T/run\""
		echo "probe_time = 0"
		echo "network default {"
		echo " bridge = \"gw0\""
		echo " ipv4 = \"10.213.0.1/24\""
		echo " ra { enabled = false }"
		echo " host g1 { mac = \"52:54:00:f0:00:01\" ipv4 = \"$TARGET\" }"
		for ((i = 0; i < $1; i++)); do
			echo " forward f$i { port = $((FIRST + i)) to = \"$TARGET:9100\" }"
		done
		echo "}"
	} >"$T/gw.conf"
}

# rules N: the same as one DNAT rule per forward.
rules() {
	{
		echo "table inet bench {"
		echo " chain prerouting {"
		echo "  type nat hook prerouting priority dstnat; policy accept;"
		for ((i = 0; i < $1; i++)); do
			echo "  ip daddr 198.51.100.2 tcp dport $((FIRST + i)) dnat ip to $TARGET:9100"
		done
		echo " }"
		echo "}"
	} >"$T/rules.nft"
}

cps() { # PORT: connections/s from the internet namespace
	local r
	r=$(ip netns exec "$NS_INET" perl "$BENCH/tcp_conn.pl" connect 198.51.100.2 "$1" "$SECS")
	[ "${r#* }" = 0 ] || echo "${r#* } failed connects to port $1" >>"$T/fails"
	echo "${r%% *}"
}

# One turn of gatewayd with N forwards: install time (exec until the
# table is in place and the daemon runs), then the rate to the last one.
turn_gatewayd() {
	local n=$1 t0 t1
	conf "$n"
	now_ms; t0=$NOW
	gw_exec
	wait_until 120 grep -q "running with" "$T/gw.log" || fail "gatewayd did not start with $n forwards"
	now_ms; t1=$NOW
	echo $((t1 - t0)) >>"$T/inst-gw-$n"
	in_host ip addr replace 10.213.0.1/24 dev gw0
	wait_until 10 grep -q "dnsmasq\[default\]: started" "$T/gw.log"
	udhcpc_lease 1 || fail "the guest got no lease"
	cps $((FIRST + n - 1)) >>"$T/cps-gw-$n"
	kill -TERM "$GW_PID"; wait "$GW_PID" 2>/dev/null; GW_PID=
}

turn_rules() {
	local n=$1 t0 t1
	rules "$n"
	in_host ip addr replace 10.213.0.1/24 dev gw0
	now_ms; t0=$NOW
	in_host nft -f "$T/rules.nft" || fail "nft -f with $n rules"
	now_ms; t1=$NOW
	echo $((t1 - t0)) >>"$T/inst-nft-$n"
	cps $((FIRST + n - 1)) >>"$T/cps-nft-$n"
	in_host nft delete table inet bench
}

t_begin=$SECONDS
read -r load0 _ </proc/loadavg
for n in $COUNTS; do
	for ((r = 0; r < REPS; r++)); do
		progress "$n forwards, round $((r + 1)) of $REPS"
		if ((r % 2)); then turn_rules "$n"; turn_gatewayd "$n"; else turn_gatewayd "$n"; turn_rules "$n"; fi
	done
done
read -r load1 _ </proc/loadavg

echo
echo "bench/forwards.sh: $(git -C "$TOP" describe --always --dirty 2>/dev/null || echo "(not a git tree)"), $(date -u '+%F %H:%M') UTC," \
	"$(nproc) CPUs, load average $load0 at start, $load1 at end; BENCH_REPS=$REPS BENCH_SECONDS=$SECS"
echo "New TCP connections/s from the internet namespace to the last of N forwards (median of $REPS x $SECS s,"
echo "taking turns), and the time to install them (gatewayd: exec until running, config parse included;"
echo "rules: nft -f of one DNAT rule per forward)"
printf '%-8s %12s %12s %9s %13s %13s\n' forwards "map conn/s" "rules conn/s" "map/rules" "map install" "rules install"
base=
for n in $COUNTS; do
	gw=$(median <"$T/cps-gw-$n") nf=$(median <"$T/cps-nft-$n")
	printf '%-8s %12s %12s %9s %10s ms %10s ms\n' "$n" "$gw" "$nf" "$(ratio "$nf" "$gw")" \
		"$(median <"$T/inst-gw-$n")" "$(median <"$T/inst-nft-$n")"
	[ -n "$base" ] || base="$n $gw $nf"
done
read -r bn bgw bnf <<<"$base"
for n in $COUNTS; do
	[ "$n" = "$bn" ] && continue
	echo "$n vs $bn forwards: map $(ratio "$bgw" "$(median <"$T/cps-gw-$n")"), rules $(ratio "$bnf" "$(median <"$T/cps-nft-$n")")"
done
[ -s "$T/fails" ] && { echo "failed connects:"; sort | uniq -c <"$T/fails"; }
echo "($((SECONDS - t_begin)) s)"
