#!/bin/bash
# A real guest's boot to lease: QEMU (software emulation, tests/qemu's
# Debian kernel + busybox initramfs) on a tap in gw0, from QEMU's exec to
#   DHCPACK      dnsmasq logs the ACK for the guest's MAC (gatewayd's log)
#   first SNAT   the internet namespace's HTTP server runs the guest's
#                first request (it came through SNAT from 198.51.100.2)
# and the guest's own clock at /init and at its lease (what the kernel's
# boot takes under emulation). A new MAC on a new tap (a new VM: dnsmasq
# checks the address is free first) and a known MAC on qtap0 (what a
# reboot gets) take turns, BENCH_QEMU_REPS each after a warm-up boot;
# medians. Network namespaces only (tests/integ/lib.sh's topology). It
# reports; it enforces nothing.
#
#   [inet] httpd 198.51.100.1 (cgi: logs arrival time) ── up0 198.51.100.2 [host]
#          gw0 10.213.0.1/24 ── qtap0, qtap1.. ── QEMU (tcg, 256 MB) ── guest
#
# BENCH_QEMU_REPS=5
ID=benchq$$
. "$(dirname "$0")/../tests/integ/lib.sh"
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/qemu/lib.sh"
require busybox dnsmasq nft
qemu_require

REPS=${BENCH_QEMU_REPS:-5}
QG_TIMEOUT=60

topo_init
write_conf
gw_start
# The far side: answers the client's address and notes when each
# request arrived (ms, the host's clock).
mkdir -p "$T/www/cgi-bin"
cat >"$T/www/cgi-bin/ip" <<CGI
#!/bin/sh
t=\$(date +%s%N)
echo "\$REMOTE_ADDR \$((t / 1000000))" >>"$T/arrivals"
printf 'Content-Type: text/plain\r\n\r\n%s\n' "\$REMOTE_ADDR"
CGI
chmod +x "$T/www/cgi-bin/ip"
in_inet busybox httpd -p 198.51.100.1:80 -h "$T/www"
wait_until 5 in_inet busybox wget -q -O - http://198.51.100.1/cgi-bin/ip || fail "httpd did not start"
: >"$T/arrivals"
in_host ip tuntap add dev qtap0 mode tap
in_host ip link set qtap0 master gw0 up

# boot TAP MAC LABEL: one boot on TAP (made if missing); appends "ack
# snat init lease eth0" (ms, ms, then the guest's clock in s) to
# $T/LABEL.
boot() {
	local tap=$1 mac=$2 label=$3 t0 ack='' snat='' n
	if ! in_host ip link show "$tap" >/dev/null 2>&1; then
		in_host ip tuntap add dev "$tap" mode tap
		in_host ip link set "$tap" master gw0 up
	fi
	n=$(grep -c "DHCPACK(gw0) [0-9.]* $mac" "$T/gw.log")
	: >"$T/arrivals"
	qemu_start "$label" ip netns exec "$NS_HOST" -- \
		-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device "virtio-net-pci,netdev=n0,mac=$mac"
	t0=${QG_START_MS[$label]}
	# both: gatewayd relays dnsmasq's log lines, the ACK's may come after
	# the first request has arrived
	while [ -z "$snat" ] || [ -z "$ack" ]; do
		now_ms
		if [ -z "$ack" ] && [ "$(grep -c "DHCPACK(gw0) [0-9.]* $mac" "$T/gw.log")" -gt "$n" ]; then
			ack=$((NOW - t0))
		fi
		[ -s "$T/arrivals" ] && snat=$(($(awk '{ print $2; exit }' "$T/arrivals") - t0))
		[ $((NOW - t0)) -gt 60000 ] && qemu_fail "$label" "no DHCPACK${ack:+ (seen)} and first packet${snat:+ (seen)} within 60 s"
		kill -0 "${QG_PID[$label]}" 2>/dev/null || qemu_fail "$label" "QEMU exited"
		sleep 0.01
	done
	qemu_wait "$label" inet-saw 30 || qemu_fail "$label" "the guest did not report its request"
	[ "$(qemu_get "$label" inet-saw)" = 198.51.100.2 ] || qemu_fail "$label" "not through SNAT: $(qemu_get "$label" inet-saw)"
	echo "$ack $snat $(qg_t "$label" init) $(qg_t "$label" lease) $(qg_t "$label" mac)" >>"$T/$label"
	qemu_stop "$label"
}

t_begin=$SECONDS
read -r load0 _ </proc/loadavg
progress "warm-up boot (not counted)"
boot qtap0 52:54:00:b0:00:01 warm
for ((r = 0; r < REPS; r++)); do
	progress "round $((r + 1)) of $REPS: a known MAC, a new one"
	boot qtap0 52:54:00:b0:00:01 again
	# a new port too: the DHCP meter lets 5 new MACs a minute through a port
	boot "qtap$((r + 1))" "52:54:00:b0:01:$(printf %02x $((r + 1)))" first
done
read -r load1 _ </proc/loadavg

col() { awk -v c="$1" '{ print $c }' "$T/$2"; }
sec() { median | awk '/^[0-9]+$/ { printf "%.2f", $1 / 1000; next } { print }'; }
cs() { awk -v c="$1" '{ printf "%d\n", $c * 1000 }' "$T/$2" | sec; } # guest clock (s) column
dhcp() { awk '{ printf "%d\n", ($4 - $5) * 1000 }' "$T/$1" | sec; }    # eth0 there -> lease
echo
echo "bench/qemu.sh: $(git -C "$TOP" describe --always --dirty 2>/dev/null || echo "(not a git tree)"), $(date -u '+%F %H:%M') UTC," \
	"$(nproc) CPUs, load average $load0 at start, $load1 at end; BENCH_QEMU_REPS=$REPS"
echo "A guest's boot to lease: QEMU $("$QEMU" --version | awk '{ print $4; exit }') (tcg, no KVM, 256 MB, 1 CPU), $(cat "$QG_DIR/kernel-package"),"
echo "busybox initramfs; seconds from QEMU's exec (host clock) and on the guest's own clock (eth0 -> lease:"
echo "from the NIC's driver loaded to udhcpc's lease, the DHCP exchange); medians"
printf '%-24s %5s %8s %11s %12s %13s %14s\n' boot runs DHCPACK "first SNAT" "guest: init" "guest: lease" "eth0 -> lease"
for l in first again; do
	case $l in first) label="new MAC (new VM)" ;; again) label="known MAC (reboot)" ;; esac
	printf '%-24s %5s %8s %11s %12s %13s %14s\n' "$label" "$(wc -l <"$T/$l")" "$(col 1 "$l" | sec)" "$(col 2 "$l" | sec)" \
		"$(cs 3 "$l")" "$(cs 4 "$l")" "$(dhcp "$l")"
done
echo "all (ms, DHCPACK/first SNAT): $(awk '{ printf "%s%s/%s", s, $1, $2; s = " " }' "$T/again")"
echo "($((SECONDS - t_begin)) s)"
# a figure missing means the bench is broken: fail (make bench fails too)
for l in first again; do
	for c in 1 2; do
		[ "$(col "$c" "$l" | sec)" != - ] || fail "qemu: no $([ "$c" = 1 ] && echo DHCPACK || echo "first SNAT") figure for the $l boots"
	done
done
