#!/bin/bash
# Port forwards: new TCP connections per second from the internet
# namespace to the LAST of N forwards, and the time to install N forwards,
# for gatewayd (one DNAT rule looking the packet up in a map) against a
# plain nftables ruleset with one DNAT rule per forward (what iptables
# -t nat -A PREROUTING ... -j DNAT per port, or SLIRP's one socket per
# hostfwd, amount to). Then the config at scale: `gatewayd -n` on N
# forwards, and `gatewayctl reload` from none to N and back, with the cost
# per forward, so that whether it grows linearly shows. Network namespaces
# only (tests/integ/lib.sh's topology); the variants take turns, figures
# are medians. It reports; it enforces nothing.
#
#   [inet] tcp_conn.pl connect ── up0 198.51.100.2 [host] ── gw0 10.213.0.1
#                                                            └─ vg ── [g] 10.213.0.10
#                                                                     tcp_conn.pl accept :9100
#
# BENCH_FORWARDS="10 1000 10000"  BENCH_REPS=3  BENCH_SECONDS=2
# BENCH_CONF_FORWARDS="2500 5000 10000 100000" (the config part; "" skips
# it; "100 1000" with BENCH_SMOKE=1)
ID=benchf$$
. "$(dirname "$0")/../tests/integ/lib.sh"
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl
perl -MTime::HiRes -e1 2>/dev/null || skip "needs perl's Time::HiRes"

COUNTS=${BENCH_FORWARDS-10 1000 10000}
# BENCH_SMOKE (bench/run.sh, .ci/run): small, as the other parts
if [ -n "${BENCH_SMOKE:-}" ]; then CONF_COUNTS=${BENCH_CONF_FORWARDS-100 1000}; else
	CONF_COUNTS=${BENCH_CONF_FORWARDS-2500 5000 10000 100000}; fi
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

# conf N: gatewayd with N forwards to the guest's port 9100: tcp ports
# FIRST.. on every address; past 40,000 (a config-part size), udp on
# 203.0.113.K, 40,000 ports each.
conf() {
	{
		conf_default_open
		echo " host g1 { mac = \"52:54:00:f0:00:01\" ipv4 = \"$TARGET\" }"
		for ((i = 0; i < $1 && i < 40000; i++)); do
			echo " forward f$i { port = $((FIRST + i)) to = \"$TARGET:9100\" }"
		done
		for ((; i < $1; i++)); do
			echo " forward f$i { proto = udp port = $((FIRST + i % 40000)) to = \"$TARGET:9100\"" \
				"listen = \"203.0.113.$((i / 40000))\" }"
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

# The config at scale, with one gatewayd running throughout: `gatewayd
# -n` on N forwards (exec to exit: read, check), then `gatewayctl reload`
# from none to N (read, check, plan, diff, the nftables transaction, which
# the kernel's part of is most of) and back to none. Wall time, and CPU
# time: the checker's (user + system), the daemon's from its schedstat
# (on CPU, ns; the kernel's work for its netlink batch included), which a
# busy machine disturbs less.
cpu_ns() { local a; read -r a _ <"/proc/$GW_PID/schedstat"; echo "$a"; }
reload_timed() { # NAME: one reload, wall and daemon CPU ms into $T/NAME-{wall,cpu}
	local t0 c0 out
	c0=$(cpu_ns)
	now_ms; t0=$NOW
	out=$($GATEWAYCTL -s "$T/run/gatewayd.sock" reload 2>&1) || fail "reload ($1): $out"
	now_ms; echo $((NOW - t0)) >>"$T/$1-wall"
	echo $((($(cpu_ns) - c0) / 1000000)) >>"$T/$1-cpu"
}

conf_turn() {
	local n=$1 t
	conf "$n"
	cp "$T/gw.conf" "$T/gw-$n.conf"
	t=$({ TIMEFORMAT='%3R %3U %3S'; time "$GATEWAYD" -n -c "$T/gw-$n.conf" >/dev/null 2>&1; } 2>&1) ||
		fail "gatewayd -n with $n forwards"
	read -r w u s <<<"$t"
	awk -v w="$w" 'BEGIN { printf "%d\n", w * 1000 }' >>"$T/check-$n-wall"
	awk -v u="$u" -v s="$s" 'BEGIN { printf "%d\n", (u + s) * 1000 }' >>"$T/check-$n-cpu"
	reload_timed "radd-$n"
	conf 0
	reload_timed "rdel-$n"
}

# per N MS: microseconds per forward
per() { awk -v n="$1" -v ms="$2" 'BEGIN { if (ms ~ /^[0-9]+$/ && n > 0) printf "%.1f", ms * 1000 / n; else print "-" }'; }

t_begin=$SECONDS
read -r load0 _ </proc/loadavg
for n in $COUNTS; do
	for ((r = 0; r < REPS; r++)); do
		progress "$n forwards, round $((r + 1)) of $REPS"
		if ((r % 2)); then turn_rules "$n"; turn_gatewayd "$n"; else turn_gatewayd "$n"; turn_rules "$n"; fi
	done
done
if [ -n "$CONF_COUNTS" ]; then
	conf 0
	gw_exec
	wait_until 30 grep -q "running with" "$T/gw.log" || fail "gatewayd did not start"
	for n in $CONF_COUNTS; do
		for ((r = 0; r < REPS; r++)); do
			progress "config of $n forwards, round $((r + 1)) of $REPS"
			conf_turn "$n"
		done
	done
	kill -TERM "$GW_PID"; wait "$GW_PID" 2>/dev/null; GW_PID=
fi
read -r load1 _ </proc/loadavg

echo
echo "bench/forwards.sh: $(git -C "$TOP" describe --always --dirty 2>/dev/null || echo "(not a git tree)"), $(date -u '+%F %H:%M') UTC," \
	"$(nproc) CPUs, load average $load0 at start, $load1 at end; BENCH_REPS=$REPS BENCH_SECONDS=$SECS"
if [ -n "$COUNTS" ]; then
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
fi
if [ -n "$CONF_COUNTS" ]; then
	echo "The config at scale (median of $REPS): gatewayd -n (exec to exit), gatewayctl reload adding N forwards"
	echo "to a running gatewayd that had none, and removing them again. ms: wall / CPU (-n: user + system;"
	echo "reload: the daemon's time on CPU, its netlink batch's kernel work included); us/fwd: CPU per forward"
	printf '%-8s %16s %7s %16s %7s %16s %7s\n' forwards "-n ms" "us/fwd" "reload add ms" "us/fwd" \
		"reload del ms" "us/fwd"
	for n in $CONF_COUNTS; do
		line=$(printf '%-8s' "$n")
		for k in check radd rdel; do
			w=$(median <"$T/$k-$n-wall") c=$(median <"$T/$k-$n-cpu")
			line+=$(printf ' %16s %7s' "$w / $c" "$(per "$n" "$c")")
		done
		echo "$line"
	done
fi
[ -s "$T/fails" ] && { echo "failed connects:"; sort | uniq -c <"$T/fails"; }
echo "($((SECONDS - t_begin)) s)"
