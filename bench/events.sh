#!/bin/bash
# What host events cost with many networks (issue 17's measured goals),
# for make bench (part "events"; run alone: bash bench/events.sh). N
# networks gw-1..gw-N, IPv6 and RA on each (BENCH_EV_V6=0: IPv4 only), and
# for each N, each repetition its own gatewayd start:
#
#   1. link events: BENCH_EV_LINKS veth pairs made and deleted in the host
#      namespace (not brought up: link events only, none on our bridges);
#      gatewayd's CPU until it is quiet again / the link events `ip
#      monitor link` saw naming them. Goal <= 0.2 ms per event.
#   2. burst: BENCH_EV_BURST veth pairs made, brought up, given an IPv4
#      address and deleted (one `ip -batch`, guard_many.sh's burst: link
#      and address events, IPv6 link-local addresses included); gatewayd's
#      and all dnsmasqs' CPU from the burst's start until both are quiet
#      again (the guard's trip in 3. included). Goals <= 0.5 s and <= 5 s.
#   3. guard, right after that burst: a VXLAN port (a foreign port; a veth
#      is a guest port) joins gw-N. DHCP stopped = gw-N's dnsmasq gone; RA
#      stopped = the later of that and the last live RA gw-N answered to
#      the Router Solicitations a guest port sends every 10 ms from 100 ms
#      before the join (ev_react.pl). Both the old way (dnsmasq sends RA:
#      dnsmasq gone is RA gone) and gatewayd sending RA itself are measured
#      alike; "RA before" says whether anything answered at all. Goal <=
#      100 ms.
#   4. VM start, BENCH_EV_VMS times: a veth made, plugged into gw-N and up,
#      its guest end's udhcpc until it has a lease; gatewayd's and the
#      dnsmasqs' CPU from before the veth until quiet again (the machine's
#      busy time too, other load included: noisy on a shared machine), and
#      the ratio to the same at the smallest N. Goal x1.00 within noise.
#   "Quiet": over one second gatewayd used under 1.5 x its idle CPU + 2 ms
#   and the dnsmasqs under 1.5 x theirs + 5 ms (idle: measured for 5 s
#   after each start has settled -- periodic RAs, timers, dnsmasq's log
#   lines that gatewayd relays); a figure is from the start of the work to
#   the start of that second. The figures are net of idle, less the idle
#   CPU for the time they took (with RA timers on 1,000 bridges idle is
#   not small), 1. and 2. raw too (with the old code 2. takes minutes, in
#   which the starved dnsmasqs send fewer RAs than idle: net undercounts).
#   Or, after 20 s, CPU at a steady rate for 5 s: a background that came
#   after idle was measured (a timer); the notes say so and at what rate,
#   and the figure includes that background for the time it took.
#
#   vxf ─┐          bx/by, ex/ey (made and deleted)
#   [rp] ── vrp ── gw-N [host: gatewayd, gw-1 .. gw-N] ── up0 ── [inet]
#   [vm] ── vmK ──┘     (RS probe: rp; the VM: vm)
#
# BENCH_EV_NETS="1 1000" (the smallest N is part 4's reference)
# BENCH_EV_REPS=3  BENCH_EV_LINKS=200  BENCH_EV_BURST=200  BENCH_EV_VMS=5
# BENCH_EV_V6=1  BENCH_EV_QUIET_MAX=600 (s to wait for quiet, per wait)
# BENCH_GATEWAYD_OLD=/path/to/old/gatewayd runs that binary too (variant
# gatewayd_old), the variants taking turns. main 7cf2d13's dnsmasqs use
# bind-dynamic with IPv6, and then 2. takes minutes at 300 networks and
# hours at 1,000: for the old binary take e.g. BENCH_EV_NETS="1 300"
# BENCH_EV_BURST=100 (issue 17 measured the old figures so).
ID=benchev$$
. "$(dirname "$0")/../tests/integ/lib.sh"
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl
perl -MTime::HiRes -e1 2>/dev/null || skip "needs perl's Time::HiRes"

NETS=$(tr ' ' '\n' <<<"${BENCH_EV_NETS:-1 1000}" | grep . | sort -n | uniq | tr '\n' ' ')
REPS=${BENCH_EV_REPS:-3}
LINKS=${BENCH_EV_LINKS:-200}
BURST=${BENCH_EV_BURST:-200}
VMS=${BENCH_EV_VMS:-5}
V6=${BENCH_EV_V6:-1}
[ "$V6" = 0 ] && V6=
QMAX=${BENCH_EV_QUIET_MAX:-600}
declare -A BIN=([gatewayd]=$GATEWAYD)
VARIANTS=(gatewayd)
if [ -n "${BENCH_GATEWAYD_OLD:-}" ]; then
	[ -x "$BENCH_GATEWAYD_OLD" ] || fail "BENCH_GATEWAYD_OLD=$BENCH_GATEWAYD_OLD is not an executable"
	BIN[gatewayd_old]=$BENCH_GATEWAYD_OLD
	VARIANTS+=(gatewayd_old)
fi
REF=${NETS%% *}

topo_init
in_host ip link add vxf type vxlan id 42 dstport 4789
in_host ip link set vxf up
# rp: the guest port that solicits RAs (no DAD, so it can send at once)
ip netns add "gwt$ID-rp"
GUESTS+=("gwt$ID-rp" "gwt$ID-vm")
ip netns add "gwt$ID-vm"
for ns in rp vm; do ip -n "gwt$ID-$ns" link set lo up; done
in_ns "gwt$ID-rp" sysctl -qw net.ipv6.conf.default.accept_dad=0
ip -n "$NS_HOST" link add vrp type veth peer name eth0 netns "gwt$ID-rp"
ip -n "gwt$ID-rp" link set eth0 up

# the batches: part 1's link events, part 2's burst
{
	for i in $(seq 1 "$LINKS"); do echo "link add ex$i type veth peer name ey$i"; done
	for i in $(seq 1 "$LINKS"); do echo "link del ex$i"; done
} >"$T/links"
bench_burst_file "$BURST" "$T/burst"

cpu() { perl "$BENCH/ev_cpu.pl" "$T/run" "$GW_PID" "$@"; }
# quiet: waits (ev_cpu.pl), sets Q to its sample; notes a wait that timed out.
quiet() {
	Q=$(cpu quiet "$GW_IDLE" "$DNS_IDLE" "$QMAX")
	case $Q in
	*busy) echo "$V, $N networks: not quiet after $QMAX s ($1)" >>"$T/notes" ;;
	*steady*)
		set -- "$1" $Q
		echo "$V, $N networks: after $1 not back to idle but steady, gatewayd $((${8} / 1000)) ms/s, dnsmasqs $((${9} / 1000)) ms/s (measured idle: $((GW_IDLE / 1000)), $((DNS_IDLE / 1000)))" >>"$T/notes"
		;;
	esac
}
# diff_ms A B FIELD [net]: (B - A) of sample field FIELD in ms: 1
# gatewayd's and 2 the dnsmasqs' CPU (one decimal; with "net" less what
# they use idle in that time), 3 the machine's busy time, 4 the wall clock.
diff_ms() {
	awk -v a="$1" -v b="$2" -v f="$3" -v gi="$GW_IDLE" -v di="$DNS_IDLE" -v net="${4:-}" 'BEGIN {
		split(a, x, " "); split(b, y, " "); d = y[f] - x[f]; w = (net == "net") ? y[4] - x[4] : 0
		if (f == 1) printf "%.1f\n", (d - gi * w / 1000) / 1000
		else if (f == 2) printf "%.1f\n", (d - di * w / 1000) / 1000
		else print d }'
}

# ev_monitor WHAT: `ip monitor WHAT` in the host namespace into $T/mon,
# returning once it is seen to listen (vxf's alias changed and reported).
ev_monitor() {
	ip -n "$NS_HOST" monitor $1 >"$T/mon" 2>/dev/null &
	MON=$!
	local i=0
	until grep -q "vxf" "$T/mon"; do
		in_host ip link set vxf alias "mark$i"
		i=$((i + 1))
		[ $i -lt 100 ] || fail "ip monitor shows nothing"
		sleep 0.05
	done
	MON0=$(wc -l <"$T/mon")
}
# ev_events REGEX: events in $T/mon since ev_monitor returned naming a
# device matching REGEX (continuation lines start with blanks); stops it.
ev_events() {
	kill "$MON"
	wait "$MON" 2>/dev/null
	tail -n +"$((MON0 + 1))" "$T/mon" | grep -v '^[[:space:]]' | grep -cE "$1"
}

ev_start() {
	bench_many_conf "$N"
	rm -rf "$T/state" "$T/run"
	mkdir -p "$T/state" "$T/run"
	: >"$T/gw.log"
	ip netns exec "$NS_HOST" "${BIN[$V]}" -f -c "$T/gw.conf" >>"$T/gw.log" 2>&1 &
	GW_PID=$!
	wait_until 900 sh -c "[ \$(grep -c 'dnsmasq\[n[0-9]*\]: started' $T/gw.log) -ge $N ]" ||
		fail "$V, $N networks: only $(grep -c 'dnsmasq\[n[0-9]*\]: started' "$T/gw.log") dnsmasq started"
	wait_until 60 ip -n "$NS_HOST" link set vrp master "gw-$N" up || fail "no gw-$N"
	# settled: gatewayd under 2 % of a CPU, the dnsmasqs under 10 %
	GW_IDLE=12000 DNS_IDLE=60000
	quiet "after start"
	# their idle CPU per second (periodic RAs; gatewayd's own timers)
	local a b
	a=$(cpu)
	sleep 5
	b=$(cpu)
	read -r GW_IDLE DNS_IDLE < <(awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ");
		w = y[4] - x[4]; printf "%d %d\n", (y[1] - x[1]) * 1000 / w, (y[2] - x[2]) * 1000 / w }')
	echo "$GW_IDLE $DNS_IDLE" >>"$T/idle-$N-$V"
}

ev_stop() {
	kill -TERM "$GW_PID"
	wait "$GW_PID"
	GW_PID=
	wait_until 300 sh -c "[ \$(ip -n $NS_HOST -o link show type bridge | grep -c ' gw-') = 0 ]" ||
		fail "bridges left after stop"
}

# 1. link events: "EVENTS GW_MS GW_NET_MS" to $T/links-N-V (net: less
# gatewayd's idle CPU for the time it took)
ev_links() {
	local a n
	ev_monitor link
	a=$(cpu)
	in_host ip -batch "$T/links" || fail "link batch"
	quiet "link events"
	n=$(ev_events ' e[xy][0-9]+[@:]')
	echo "$n $(diff_ms "$a" "$Q" 1) $(diff_ms "$a" "$Q" 1 net)" >>"$T/links-$N-$V"
}

# 2. and 3.: the burst, at once the guard; then quiet. To $T/burst-N-V
# "EVENTS BATCH_MS GW_MS DNSMASQ_MS WALL_MS GW_NET_MS DNSMASQ_NET_MS" and $T/guard-N-V
# "DHCP_MS LOG_MS RA_STOP_MS RA_BEFORE RA_AFTER GAP".
ev_burst() {
	local a pid t0 t1 r n
	pid=$(dnsmasq_pid_of "n$N")
	[ -n "$pid" ] || fail "network n$N has no dnsmasq"
	ev_monitor "link address"
	a=$(cpu)
	now_ms; t0=$NOW
	in_host ip -batch "$T/burst" || fail "burst"
	now_ms; t1=$NOW
	r=$(ip netns exec "gwt$ID-rp" perl "$BENCH/ev_react.pl" "$pid" 60 "$NS_HOST" "link set vxf master gw-$N" \
		"$T/gw.log" "vxf.* not a guest port" eth0) || fail "enslaving vxf"
	quiet "burst"
	n=$(ev_events ' b[xy][0-9]+[@: ]')
	set -- $r
	# n$N's dnsmasq is gone from the last sample: add its CPU when last seen
	local l
	l=$([ "$1" = timeout ] && echo 0 || echo "$7")
	echo "$n $((t1 - t0)) $(diff_ms "$a" "$Q" 1) $(awk -v d="$(diff_ms "$a" "$Q" 2)" -v l="$l" 'BEGIN { printf "%.1f\n", d + l / 1000 }') \
		$(diff_ms "$a" "$Q" 4) $(diff_ms "$a" "$Q" 1 net) $(awk -v d="$(diff_ms "$a" "$Q" 2 net)" -v l="$l" 'BEGIN { printf "%.1f\n", d + l / 1000 }')" >>"$T/burst-$N-$V"
	# RA stopped: the later of DHCP stopped and the last live RA after the join
	local ra=$1
	case $3 in
	running) ra=running ;;
	[0-9]*) [ "$1" = timeout ] || [ "$3" -le "$1" ] || ra=$3 ;;
	esac
	echo "$1 $2 $ra $4 $5 $6" >>"$T/guard-$N-$V"
	in_host ip link set vxf nomaster
	wait_until 120 sh -c "p=\$(cat $T/run/n$N.dnsmasq.pid 2>/dev/null) && [ -n \"\$p\" ] && [ \"\$p\" != $pid ] && kill -0 \$p" ||
		fail "$V, $N networks: dnsmasq of n$N not back after vxf left"
	quiet "vxf left"
}

# 4. VM starts: "LEASE_MS GW+DNSMASQ_MS MACHINE_MS" to $T/vm-N-V
ev_vms() {
	local k a t0 vm=gwt$ID-vm
	for k in $(seq 1 "$VMS"); do
		a=$(cpu)
		now_ms; t0=$NOW
		ip -n "$NS_HOST" link add "vm$k" type veth peer name eth0 netns "$vm"
		ip -n "$NS_HOST" link set "vm$k" master "gw-$N" up
		ip -n "$vm" link set eth0 up
		ip netns exec "$vm" busybox udhcpc -i eth0 -f -q -n -t 20 -T 1 -s /bin/true >>"$T/udhcpc.log" 2>&1 ||
			fail "$V, $N networks: VM $k got no lease"
		now_ms
		quiet "VM start"
		echo "$((NOW - t0)) $(awk -v a="$(diff_ms "$a" "$Q" 1 net)" -v b="$(diff_ms "$a" "$Q" 2 net)" 'BEGIN { printf "%.1f\n", a + b }') $(diff_ms "$a" "$Q" 3)" >>"$T/vm-$N-$V"
		ip -n "$NS_HOST" link del "vm$k"
		quiet "VM gone"
	done
}

t_begin=$SECONDS
read -r load0 _ </proc/loadavg
: >"$T/notes"
for N in $NETS; do
	for r in $(seq 1 "$REPS"); do
		for i in "${!VARIANTS[@]}"; do
			V=${VARIANTS[$(((i + r - 1) % ${#VARIANTS[@]}))]}
			progress "events: $N networks, rep $r/$REPS, $V: start"
			ev_start
			progress "events: $N networks, rep $r/$REPS, $V: $LINKS veth pairs made and deleted"
			ev_links
			progress "events: $N networks, rep $r/$REPS, $V: burst of $BURST veth pairs, guard"
			ev_burst
			progress "events: $N networks, rep $r/$REPS, $V: $VMS VM starts"
			ev_vms
			ev_stop
		done
	done
done
read -r load1 _ </proc/loadavg

# col C FILE: column C of FILE's lines; med / all: its median / every value
col() { awk -v c="$1" '{ print $c }' "$2"; }
med() { col "$1" "$2" | awk '{ printf "%d\n", $1 * 1000 }' | median | awk '$1 != "-" { printf "%.1f\n", $1 / 1000; next } { print }'; }
medi() { col "$1" "$2" | median; }
all() { col "$1" "$2" | tr '\n' ' '; }
# per_event FILE COL: gatewayd ms per event (COL 2 raw, 3 net), each
# repetition's, median
per_event() { awk -v c="$2" '$1 > 0 { printf "%d\n", $c / $1 * 1000 }' "$1" | median | awk '$1 != "-" { printf "%.3f\n", $1 / 1000; next } { print }'; }
s_of() { awk -v v="$1" 'BEGIN { if (v == "-") print "-"; else printf "%.2f\n", v / 1000 }'; }

echo
echo "Host events with many networks (issue 17's goals): $(git -C "$TOP" describe --always --dirty 2>/dev/null),"
echo "$(date -u '+%F %H:%M') UTC, $(nproc) CPUs, load average $load0 at start, $load1 at end;"
echo "${V6:+IPv6 + RA on every network; }BENCH_EV_REPS=$REPS, medians (each repetition in brackets), variants taking turns"
for v in "${VARIANTS[@]}"; do echo "  $v: ${BIN[$v]}"; done
echo
echo "1. $LINKS veth pairs made and deleted (link events only, none on our bridges); 2. $BURST veth pairs made,"
echo "   up, addressed, deleted (link + address events), then 3.; CPU until quiet, s. Net of idle (the idle CPU"
echo "   for the time it took taken off) and raw; over the old code's minutes-long bursts the starved dnsmasqs"
echo "   send fewer RAs than idle, so net undercounts there (even below 0): read raw"
printf '%-6s %-13s %7s %9s %7s %7s %7s %8s %8s  %s\n' nets variant "link ev" "gw ms/ev" raw "burst" events "gw CPU" "dnsmasq" "raw gw/dnsmasq CPU (each)"
printf '%-6s %-13s %7s %9s %7s %7s %7s %8s %8s\n' "" "" "" "<= 0.2" "" "s" "" "<= 0.5" "<= 5"
for N in $NETS; do
	for v in "${VARIANTS[@]}"; do
		l=$T/links-$N-$v b=$T/burst-$N-$v
		printf '%-6s %-13s %7s %9s %7s %7s %7s %8s %8s  %s\n' "$N" "$v" "$(medi 1 "$l")" "$(per_event "$l" 3)" \
			"$(per_event "$l" 2)" "$(s_of "$(medi 5 "$b")")" "$(medi 1 "$b")" "$(s_of "$(med 6 "$b")")" "$(s_of "$(med 7 "$b")")" \
			"$(awk '{ printf "%.2f/%.2f ", $3 / 1000, $4 / 1000 }' "$b")"
	done
done
echo
echo "3. Guard right after the burst: VXLAN port joins gw-N -> DHCP stopped (dnsmasq gone), RA stopped (and no"
echo "   live RA answered after), logged; ms. RA before/after: live RAs answered 100 ms before / after the join"
printf '%-6s %-13s %7s %11s %7s %12s %5s  %s\n' nets variant DHCP "RA stopped" logged "RA bef/aft" gap "DHCP, RA stopped (each)"
printf '%-6s %-13s %7s %11s\n' "" "" "" "<= 100"
for N in $NETS; do
	for v in "${VARIANTS[@]}"; do
		g=$T/guard-$N-$v
		printf '%-6s %-13s %7s %11s %7s %12s %5s  %s\n' "$N" "$v" "$(medi 1 "$g")" "$(medi 3 "$g")" "$(medi 2 "$g")" \
			"$(medi 4 "$g")/$(medi 5 "$g")" "$(col 6 "$g" | maxof)" "$(awk '{ printf "%s/%s ", $1, $3 }' "$g")"
	done
	grep -q running "$T"/guard-"$N"-* && echo "   (running: RAs still answered 1 s after DHCP stopped)"
done
echo
echo "4. VM start (veth made, plugged into gw-N, guest's DHCP lease): host CPU per start, ms, and vs $REF network(s);"
echo "   gw+dnsmasq: less their idle CPU; machine: all CPUs' busy time (other load on the machine included)"
printf '%-6s %-13s %8s %12s %7s %9s %7s  %s\n' nets variant lease "gw+dnsmasq" "N/$REF" machine "N/$REF" "gw+dnsmasq (each)"
printf '%-6s %-13s %8s %12s %7s\n' "" "" "" "" "x1.00"
for N in $NETS; do
	for v in "${VARIANTS[@]}"; do
		m=$T/vm-$N-$v
		c=$(med 2 "$m") s=$(medi 3 "$m")
		printf '%-6s %-13s %8s %12s %7s %9s %7s  %s\n' "$N" "$v" "$(medi 1 "$m")" "$c" "$(ratio "$(med 2 "$T/vm-$REF-$v")" "$c")" \
			"$s" "$(ratio "$(medi 3 "$T/vm-$REF-$v")" "$s")" "$(all 2 "$m")"
	done
done
echo "idle CPU, gatewayd/dnsmasqs, ms per s (what \"net\" takes off for the time a figure took):"
echo "  $(for N in $NETS; do for v in "${VARIANTS[@]}"; do
	printf '%s %s: %s; ' "$N" "$v" "$(awk '{ printf "%.1f/%.1f ", $1 / 1000, $2 / 1000 }' "$T/idle-$N-$v")"; done; done)"
[ -s "$T/notes" ] && { echo "notes:"; sort "$T/notes" | uniq -c; }
echo "took $((SECONDS - t_begin)) s"
# a figure missing means the bench is broken: fail (make bench fails too)
for N in $NETS; do
	for v in "${VARIANTS[@]}"; do
		f=''
		[ "$(per_event "$T/links-$N-$v" 2)" != - ] || f="$f, gatewayd ms per link event"
		[ "$(medi 1 "$T/burst-$N-$v")" != - ] || f="$f, burst events"
		[ "$(medi 1 "$T/guard-$N-$v")" != - ] || f="$f, guard: DHCP stopped"
		[ "$(medi 1 "$T/vm-$N-$v")" != - ] || f="$f, VM lease"
		[ -z "$f" ] || fail "events, $N networks, $v: no figure for ${f#, }"
	done
done
