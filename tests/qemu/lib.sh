# Shared helpers for the QEMU guest tests (tests/integ/t_qemu_*.sh) and
# bench/qemu.sh. Source it after tests/integ/lib.sh.
#
# The guest (tests/qemu/build-guest.sh, cached in $BUILD/qemu-guest): a
# Debian kernel and a busybox initramfs whose /init (tests/qemu/init)
# takes a DHCPv4 lease, fetches QG_URL from the internet namespace, waits
# for a SLAAC address in QG_PREFIX, serves "gwq-page NAME" on port 80 and
# reports each step on the serial console as "GWQ KEY VALUE t=UPTIME".
# QEMU runs under software emulation (no /dev/kvm here), 256 MB, one CPU,
# no display, the serial console in $T/NAME.serial.

QG_DIR=${QG_DIR:-$TOP/$BUILD/qemu-guest}
QG_URL=${QG_URL:-http://198.51.100.1/cgi-bin/ip}
QG_PREFIX=${QG_PREFIX:-fd42:213:}
QG_NET4=${QG_NET4:-10.213.0} # the network's /24, its range .100-.250, its gateway .1
QG_TIMEOUT=${QG_TIMEOUT:-120} # boot to "ready": ~10 s idle, more under load
QEMU=${QEMU:-qemu-system-x86_64}
declare -A QG_PID=() QG_START_MS=() QG_SEEN_MS=()

# qemu_require: the commands the guest needs, then build (or reuse) it.
qemu_require() {
	require "$QEMU" cpio dpkg-deb apt-get gzip busybox
	[ -f /usr/share/seabios/bios-256k.bin ] || skip "needs /usr/share/seabios/bios-256k.bin (Debian package seabios)"
	local t0=$SECONDS
	bash "$TOP/tests/qemu/build-guest.sh" "$QG_DIR" >"$T/build-guest.log" 2>&1 ||
		{ cat "$T/build-guest.log" >&2; fail "could not build the guest (tests/qemu/build-guest.sh)"; }
	[ $((SECONDS - t0)) -lt 2 ] || say "built the guest in $((SECONDS - t0)) s ($(cat "$QG_DIR/kernel-package"))"
	QG_KERNEL=$QG_DIR/vmlinux
	[ -s "$QG_KERNEL" ] || QG_KERNEL=$QG_DIR/vmlinuz
	QG_INITRD=$QG_DIR/initrd.gz
}

# qemu_readable_by USER: make sure USER's QEMU can read the guest's files:
# the tree may sit where USER cannot look (a clone in /root), then the
# files are copied into $T (0755).
qemu_readable_by() {
	setpriv --reuid="$1" --regid="$(id -g "$1")" --clear-groups -- test -r "$QG_KERNEL" -a -r "$QG_INITRD" && return 0
	mkdir -p "$T/guest"
	cp "$QG_KERNEL" "$QG_INITRD" "$T/guest/"
	chmod 0644 "$T/guest/"*
	QG_KERNEL=$T/guest/${QG_KERNEL##*/}
	QG_INITRD=$T/guest/${QG_INITRD##*/}
}

# qemu_start NAME [WRAPPER...] -- NET-OPTIONS...: boot the guest in the
# background. WRAPPER is the command QEMU runs under (`ip netns exec NS`,
# `setpriv ...`, `env VAR=...`); each must exec what follows, so that
# QG_PID[NAME] is QEMU's own PID. NET-OPTIONS are QEMU's -netdev/-device.
qemu_start() {
	local name=$1 wrap=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do wrap+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	: >"$T/$name.serial"
	chmod 666 "$T/$name.serial" # QEMU may run as nobody
	QG_START_MS[$name]=$(qg_ms)
	"${wrap[@]}" "$QEMU" -accel tcg -m 256 -smp 1 -display none -nodefaults -no-reboot \
		-name "$name" -serial "file:$T/$name.serial" \
		-kernel "$QG_KERNEL" -initrd "$QG_INITRD" \
		-append "$(qemu_cmdline "$name")" \
		"$@" </dev/null >"$T/$name.qemu.log" 2>&1 &
	QG_PID[$name]=$!
}

# qemu_cmdline NAME: the guest kernel's command line (the test's
# parameters for tests/qemu/init).
qemu_cmdline() {
	echo "console=ttyS0 quiet panic=-1 cryptomgr.notests gwq_name=$1 gwq_url=$QG_URL gwq_prefix=$QG_PREFIX"
}
qg_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# qemu_wait NAME KEY [SECONDS]: until the guest printed "GWQ KEY" (0), a
# "GWQ fail" or QEMU exited (1), or the time ran out (1).
qemu_wait() {
	local name=$1 key=$2 limit=${3:-$QG_TIMEOUT} end
	end=$((SECONDS + limit))
	while :; do
		if grep -q "^GWQ $key " "$T/$name.serial" 2>/dev/null; then
			QG_SEEN_MS["$name $key"]=$(qg_ms)
			return 0
		fi
		grep -q "^GWQ fail" "$T/$name.serial" 2>/dev/null && return 1
		kill -0 "${QG_PID[$name]}" 2>/dev/null || return 1
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

# qemu_get NAME KEY: what the guest printed after "GWQ KEY" (t= dropped).
qemu_get() {
	sed -n "s/^GWQ $2 \(.*\) t=[0-9.]*\r\{0,1\}\$/\1/p" "$T/$1.serial" | head -n 1
}

# qemu_fail NAME MESSAGE: fail with the guest's console and QEMU's stderr.
qemu_fail() {
	{
		echo "--- $1's serial console:"
		tr -d '\r' <"$T/$1.serial" | tail -n 30
		echo "--- QEMU's stderr:"
		tail -n 10 "$T/$1.qemu.log"
	} >&2
	fail "$2"
}

# qemu_stop NAME: SIGTERM to QEMU (it runs its downscript, if any), and
# wait until it is gone.
qemu_stop() {
	local pid=${QG_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	QG_PID[$1]=
}

# qemu_check_guest NAME [ADDRESS]: the guest's whole report, asserted as
# the user would see it: a DHCPv4 lease in QG_NET4's range (or ADDRESS),
# the bridge as its router, a SLAAC address in QG_PREFIX, the internet
# namespace reached through SNAT (it saw the uplink's address); then an
# ok line with the boot's times, so that make check's output shows them.
qemu_check_guest() {
	local name=$1 want=${2:-} lease a n
	qemu_wait "$name" ready || qemu_fail "$name" "$name: the guest did not finish ($(grep -c '^GWQ' "$T/$name.serial") steps)"
	lease=$(qemu_get "$name" lease)
	a=${lease%%/*}
	if [ -n "$want" ]; then
		[ "$a" = "$want" ] || qemu_fail "$name" "$name: lease $lease, expected $want"
	else
		n=${a##*.}
		case $a in "$QG_NET4".*) [ "$n" -ge 100 ] && [ "$n" -le 250 ] ;; *) false ;; esac ||
			qemu_fail "$name" "$name: lease '$lease' is not in $QG_NET4.100-250"
	fi
	case $lease in */24" router $QG_NET4.1") ;; *) qemu_fail "$name" "$name: lease '$lease': not /24 via $QG_NET4.1" ;; esac
	ok "$name: DHCPv4 lease $lease"
	a=$(qemu_get "$name" slaac)
	case $a in "$QG_PREFIX":*/64) ;; *) qemu_fail "$name" "$name: SLAAC address '$a' is not in $QG_PREFIX:/64" ;; esac
	ok "$name: SLAAC address $a"
	a=$(qemu_get "$name" inet-saw)
	[ "$a" = 198.51.100.2 ] || qemu_fail "$name" "$name: the internet namespace saw '$a', not the uplink's 198.51.100.2"
	ok "$name: reached the internet namespace, which saw the uplink's address ($a)"
	ok "$name: boot times: $(qemu_boot_times "$name")"
}

# qemu_boot_times NAME: when the guest reached each step, on its own
# clock (since the kernel started), and QEMU's start -> "ready" on the
# host's (as qemu_wait saw it).
qemu_boot_times() {
	local r=${QG_SEEN_MS["$1 ready"]:-}
	printf '%s; QEMU start -> ready %s s' \
		"$(tr -d '\r' <"$T/$1.serial" | awk '$1 == "GWQ" && $NF ~ /^t=/ && $2 != "mac" { printf "%s%s %s", s, $2, substr($NF, 3); s = ", " }')" \
		"$([ -n "$r" ] && awk -v ms=$((r - QG_START_MS[$1])) 'BEGIN { printf "%.1f", ms / 1000 }')"
}

# qg_t NAME KEY: the guest's clock (s) when it printed "GWQ KEY".
qg_t() { tr -d '\r' <"$T/$1.serial" | sed -n "s/^GWQ $2 .*t=\([0-9.]*\)\$/\1/p" | head -n 1; }
