#!/bin/bash
# Run-time port forwards (gatewayctl forward add|del, qemu-args --forward),
# seen from the internet namespace: a TCP connect to the uplink's
# address:2222 reaches guest g1's listener after `forward add` (the guest
# named by its static host), and nothing after `forward del`. The add
# and the del are each one nftables transaction of map and counter
# elements (nft monitor sees nothing else, and no refill of the guest
# binding's sets after it; dnsmasq keeps its pid), and a connection
# through the config's forward carries on across both. A user who does
# not manage the network is refused (exit 4). The
# forward survives a reload and a restart (state_dir/forwards, 0600);
# conflicting adds are refused with the config's reasons; a config forward
# that later takes the port wins (the kept one is listed as left-out and
# logged); `qemu-args --forward 2500:80` gives a new VM a static lease and
# the forward, used by a real QEMU guest when QEMU can boot one here (else
# a namespace guest with the printed MAC).
#
#   [inet] 198.51.100.1 ── up0 198.51.100.2 [host: gatewayd] ── gw0 10.213.0.1/24
#     client of :2222, :2300          gw0 ── vg1 ── [g1] 10.213.0.10 (host g1)  httpd :22
#                                         ── vg2 ── [g2] 10.213.0.11 (host g2)  nc -l :9000
#                                         ── qtap0/vg3 ── vm3 (qemu-args --static) httpd :80
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
CONF_LINES=(
	'host g1 { mac = "52:54:00:f0:00:01" ipv4 = "10.213.0.10" }'
	'host g2 { mac = "52:54:00:f0:00:02" ipv4 = "10.213.0.11" }'
	'forward keep { proto = tcp port = 2300 to = "10.213.0.11:9000" }'
)
write_conf "${CONF_LINES[@]}"
gw_start

# guest_static N ADDR4: guest N with MAC 52:54:00:f0:00:0N and its lease
guest_static() {
	local ns; ns=$(guest_ns "$1")
	guest_add "$1"
	ip -n "$ns" link set eth0 down
	ip -n "$ns" link set eth0 address "52:54:00:f0:00:0$1"
	ip -n "$ns" link set eth0 up
	udhcpc_lease "$1" || fail "guest $1: no lease"
	[ "$(lease_var "$1" ip)" = "$2" ] || fail "guest $1 leased '$(lease_var "$1" ip)', not $2"
}
guest_static 1 10.213.0.10
guest_static 2 10.213.0.11
G1=$(guest_ns 1) G2=$(guest_ns 2)
mkdir -p "$T/ssh" && echo ssh-g1 >"$T/ssh/who"
in_ns "$G1" busybox httpd -p 10.213.0.10:22 -h "$T/ssh"
get2222() { in_inet timeout 3 busybox wget -q -O - http://198.51.100.2:2222/who; }
answers() { [ "$(get2222 2>/dev/null)" = ssh-g1 ]; }
silent() { ! get2222 >/dev/null 2>&1; }

# A connection through the config's forward keep (inet -> :2300 -> g2:9000)
# that must carry on through every run-time change.
ip netns exec "$G2" sh -c 'sleep 600 | busybox nc -l -p 9000' >"$T/flow.out" 2>/dev/null &
wait_until 5 sh -c "ip netns exec $G2 ss -ltn | grep -q ':9000 '" || fail "g2's listener"
ip netns exec "$NS_INET" sh -c 'i=0; while :; do i=$((i+1)); echo "$i"; sleep 0.1; done | busybox nc 198.51.100.2 2300' >/dev/null 2>&1 &
flowing || fail "no flow through forward keep"

silent || fail ":2222 answers before any forward add"

# nft_watch: nft monitor of the host namespace into $T/mon.txt
nft_watch() {
	: >"$T/mon.txt"
	ip netns exec "$NS_HOST" nft monitor >"$T/mon.txt" 2>&1 &
	MON=$!
	# subscribed: its NETLINK_NETFILTER (12) socket has groups
	wait_until 5 sh -c "awk '\$2 == 12 && \$3 == $MON && \$4 != \"00000000\"' /proc/$MON/net/netlink | grep -q ." ||
		fail "nft monitor did not subscribe"
}
# nft_seen WHAT: what gatewayd committed for forward WHAT (add/delete),
# gatewayctl having answered: a table of the test's own, added after,
# marks the end in the monitor's stream. One transaction of :2222's map
# and counter elements and nothing else in it; no later one that
# refilled the guest binding's sets (a reload's host re-read would).
nft_seen() {
	in_host nft add table inet fwdrt_mark
	wait_until 5 grep -q "^add table inet fwdrt_mark" "$T/mon.txt" || fail "nft monitor saw no mark: $(cat "$T/mon.txt")"
	in_host nft delete table inet fwdrt_mark
	kill "$MON"
	wait "$MON" 2>/dev/null
	sed '/^# new generation/q' "$T/mon.txt" >"$T/mon1.txt"
	grep -q "^$1 element inet gatewayd fwd4 { tcp . 2222 " "$T/mon1.txt" ||
		fail "the transaction has no '$1 element ... fwd4 ... 2222': $(cat "$T/mon.txt")"
	grep -q "^$1 element inet gatewayd fwd_count4 { tcp . 2222 " "$T/mon1.txt" ||
		fail "the transaction has no counter element of 2222: $(cat "$T/mon.txt")"
	other=$(grep -v "^$1 element inet gatewayd fwd4 \|^$1 element inet gatewayd fwd_count4 \|^# new generation" "$T/mon1.txt" || true)
	[ -z "$other" ] || fail "forward $1 changed more than its elements: $other"
	other=$(sed '/^add table inet fwdrt_mark/q' "$T/mon.txt" | grep -E '^delete element bridge gatewayd (bind4|bind_mac|bind_nets|guest_ports) ' || true)
	[ -z "$other" ] || fail "forward $1 refilled the guest binding's sets: $other"
}

DNSMASQ=$(dnsmasq_pid)
nft_watch
out=$(in_host $CTL forward add default ssh --proto tcp --port 2222 --to g1:22) || fail "forward add: $out"
wait_until 10 answers || fail "forward add ssh: :2222 does not reach g1's listener ($out)"
nft_seen add
ok "forward add default ssh --port 2222 --to g1:22: '$(get2222)' from the internet namespace, one transaction of map + counter elements"
grep -q 'network "default": forward "ssh" added by uid 0 (gatewayctl): tcp port 2222 on every address to 10.213.0.10:22' "$T/gw.log" ||
	fail "the add was not logged with who and what"
flowing || fail "the connection through forward keep stopped at forward add"
[ "$(dnsmasq_pid)" = "$DNSMASQ" ] || fail "dnsmasq restarted at forward add"
[ "$(stat -c %a "$T/state/forwards")" = 600 ] || fail "state_dir/forwards: mode $(stat -c %a "$T/state/forwards")"
ok "logged with the uid; forward keep's connection carries on; dnsmasq untouched; state_dir/forwards 0600"

fw=$(in_host $CTL forwards default) || fail "forwards: $fw"
echo "$fw" | grep -Eq '^default +ssh +tcp +\*:2222 +10\.213\.0\.10:22 +[0-9]+ +[0-9]+ +run-time$' || fail "forwards does not show ssh as run-time: $fw"
echo "$fw" | grep -Eq '^default +keep +tcp +\*:2300 +10\.213\.0\.11:9000 +[0-9]+ +[0-9]+ +config$' || fail "forwards does not show keep as config: $fw"
js=$(in_host $CTL forwards --json default) || fail "forwards --json: $js"
echo "$js" | grep -Eq '"name": *"ssh",.*"origin": *"run-time"' || fail "forwards --json: no origin run-time for ssh: $js"
ok "gatewayctl forwards: origin config / run-time (--json too)"

# refused, with the config's reasons, nothing changed
refused() { # EXPECTED-TEXT ARGS...
	local want=$1 code=0
	shift
	out=$(in_host $CTL forward add default "$@" 2>&1) || code=$?
	[ $code = 1 ] || fail "forward add $*: exit $code ($out)"
	echo "$out" | grep -qF "$want" || fail "forward add $*: '$out', not '$want'"
}
refused 'forward "dup": tcp ports 2290-2310 on every address overlaps forward "keep" of network "default"' \
	dup --port 2290-2310 --to 10.213.0.10:22
refused 'overlaps forward "ssh" of network "default" (added by gatewayctl)' dup --port 2222 --to 10.213.0.10:23
refused 'has a forward "ssh" already' ssh --port 2223 --to 10.213.0.10:22
refused "take over the guests' DNS/DHCP" dns --proto udp --port 53 --to 10.213.0.10
refused 'is outside 10.213.0.0/24' out --port 2224 --to 10.214.0.10:22
refused 'no static host "nosuch"' nh --port 2225 --to nosuch:22
refused 'proto "sctp" is not tcp or udp' sc --proto sctp --port 2226 --to g1:22
[ "$(wc -l <"$T/state/forwards")" = 1 ] || fail "state_dir/forwards after refusals: $(cat "$T/state/forwards")"
ok "refused: overlaps (config, run-time), a name taken, udp/53 on every address, outside the subnet, an unknown VM, sctp"

# a user who does not manage the network (authz_manages: root, for now)
# is refused; the socket made 0666 stands in for the group gatewayd
U=''
for u in $(seq 47300 47400); do
	getent passwd "$u" >/dev/null || getent group "$u" >/dev/null || { U=$u; break; }
done
if [ -n "$U" ] && command -v setpriv >/dev/null; then
	mode=$(stat -c %a "$T/run/gatewayd.sock")
	chmod 0666 "$T/run/gatewayd.sock"
	as_u() { in_host setpriv --reuid="$U" --regid="$U" --clear-groups "$@"; }
	code=0
	out=$(as_u $CTL forward add default u --port 2600 --to g1:22 2>&1) || code=$?
	[ $code = 4 ] && echo "$out" | grep -q 'permission denied' || fail "uid $U's forward add: exit $code: $out"
	code=0
	out=$(as_u $CTL forward del default ssh 2>&1) || code=$?
	[ $code = 4 ] || fail "uid $U's forward del: exit $code: $out"
	code=0
	out=$(as_u $CTL qemu-args default --name g1 --forward 2601:22 2>&1) || code=$?
	[ $code = 4 ] || fail "uid $U's qemu-args --forward: exit $code: $out"
	[ "$(wc -l <"$T/state/forwards")" = 1 ] && answers || fail "uid $U changed something"
	chmod "$mode" "$T/run/gatewayd.sock"
	ok "uid $U (not managing network default): forward add/del and qemu-args --forward refused, exit 4"
fi

out=$(in_host $CTL reload) || fail "reload: $out"
answers || fail ":2222 stopped answering after a reload"
ok "after a reload: '$(get2222)'"

gw_stop || fail "gatewayd did not stop cleanly"
gw_start
# a clean stop removes the bridge; the new one gets the guests' ports again
in_host ip link set vg1 master gw0
in_host ip link set vg2 master gw0
# (a port that left the bridge lost its binding: README "guest binding";
# each guest asks DHCP again, as it would on its link coming back)
udhcpc_lease 1 || fail "g1: no lease after the restart"
udhcpc_lease 2 || fail "g2: no lease after the restart"
wait_until 15 answers || fail ":2222 does not answer after a restart"
ok "after a restart (state_dir/forwards): '$(get2222)'"

# flow again, for the del (the restart cut the first one's bridge port)
ip netns exec "$G2" sh -c 'sleep 600 | busybox nc -l -p 9000' >"$T/flow.out" 2>/dev/null &
wait_until 5 sh -c "ip netns exec $G2 ss -ltn | grep -q ':9000 '" || fail "g2's listener (2)"
ip netns exec "$NS_INET" sh -c 'i=0; while :; do i=$((i+1)); echo "$i"; sleep 0.1; done | busybox nc 198.51.100.2 2300' >/dev/null 2>&1 &
flowing || fail "no flow through forward keep after the restart"

nft_watch
out=$(in_host $CTL forward del default ssh) || fail "forward del: $out"
wait_until 10 silent || fail ":2222 still answers after forward del"
nft_seen delete
flowing || fail "the connection through forward keep stopped at forward del"
[ ! -e "$T/state/forwards" ] || fail "state_dir/forwards left after the last del: $(cat "$T/state/forwards")"
grep -q 'network "default": forward "ssh" removed by uid 0 (gatewayctl)' "$T/gw.log" || fail "the del was not logged"
ok "forward del: :2222 silent, one transaction of elements, forward keep's connection carries on, logged"
code=0
out=$(in_host $CTL forward del default keep 2>&1) || code=$?
[ $code = 1 ] && echo "$out" | grep -q 'it is in the config file' || fail "forward del of a config forward: exit $code: $out"
ok "forward del of the config's keep: refused ($out)"

# the config wins: a config forward that later takes a kept one's port
out=$(in_host $CTL forward add default late --port 2400 --to 10.213.0.10:22) || fail "forward add late: $out"
write_conf "${CONF_LINES[@]}" 'forward cfg { proto = tcp port = 2400 to = "10.213.0.11:9000" }'
out=$(in_host $CTL reload) || fail "reload with forward cfg: $out"
grep -q 'run-time forward "late" of network "default" left out (the config wins): .*overlaps forward "cfg"' "$T/gw.log" ||
	fail "no log line for the kept forward left out"
fw=$(in_host $CTL forwards default 2>"$T/fw.err") || fail "forwards: $fw"
echo "$fw" | grep -Eq '^default +late +tcp +\*:2400 +10\.213\.0\.10:22 +0 +0 +left-out$' || fail "forwards does not show late as left-out: $fw"
grep -q 'forward "late" of network "default" is left out: .*overlaps forward "cfg"' "$T/fw.err" || fail "forwards: no reason for late: $(cat "$T/fw.err")"
in_host nft list map inet gatewayd fwd4 | grep -q '2400 : 10.213.0.11 . 9000' || fail "port 2400 is not the config's"
out=$(in_host $CTL forward del default late) || fail "forward del late: $out"
ok "a config forward taking a kept one's port wins; the kept one listed left-out with why, logged, removable"

# qemu-args --forward: the SLIRP hostfwd in one command
QEMU_OK=
if command -v "${QEMU:-qemu-system-x86_64}" >/dev/null && [ -f /usr/share/seabios/bios-256k.bin ] &&
	command -v cpio >/dev/null && command -v dpkg-deb >/dev/null; then
	. "$TOP/tests/qemu/lib.sh"
	if bash "$TOP/tests/qemu/build-guest.sh" "$QG_DIR" >"$T/build-guest.log" 2>&1; then
		QG_KERNEL=$QG_DIR/vmlinux
		[ -s "$QG_KERNEL" ] || QG_KERNEL=$QG_DIR/vmlinuz
		QG_INITRD=$QG_DIR/initrd.gz
		QEMU_OK=1
	else
		say "no QEMU guest could be built ($(tail -n 1 "$T/build-guest.log")): a namespace guest instead"
	fi
else
	say "no QEMU here: a namespace guest with the printed MAC instead"
fi
args=$(in_host $CTL qemu-args default --name vm3 --static --forward 2500:80 --tap qtap0 2>"$T/args.err") ||
	fail "qemu-args --forward: $args $(cat "$T/args.err")"
MAC=$(echo "$args" | sed -n 's/.*,mac=\([0-9a-f:]*\).*/\1/p')
ADDR=$(sed -n 's/.*static lease: vm3 (.*) gets \([0-9.]*\)$/\1/p' "$T/args.err")
[ -n "$MAC" ] && [ -n "$ADDR" ] || fail "qemu-args: no MAC or address: $args / $(cat "$T/args.err")"
grep -q "forward \"vm3-2500\": tcp port 2500 of the host to $ADDR:80" "$T/args.err" || fail "qemu-args: the forward not said: $(cat "$T/args.err")"
get2500() { in_inet timeout 5 busybox wget -q -O - http://198.51.100.2:2500/; }
if [ -n "$QEMU_OK" ]; then
	internet_httpd # the guest fetches QG_URL there before it says ready
	in_host ip tuntap add dev qtap0 mode tap
	in_host ip link set qtap0 master gw0 up
	# shellcheck disable=SC2086
	qemu_start vm3 ip netns exec "$NS_HOST" -- $args
	qemu_check_guest vm3 "$ADDR"
	page=$(get2500) || qemu_fail vm3 "forward 2500 -> $ADDR:80: no answer from the internet namespace"
	[ "$page" = "gwq-page vm3" ] || qemu_fail vm3 "forward 2500: '$page', not the guest's page"
	qemu_stop vm3
else
	guest_add 3
	G3=$(guest_ns 3)
	ip -n "$G3" link set eth0 down
	ip -n "$G3" link set eth0 address "$MAC"
	ip -n "$G3" link set eth0 up
	udhcpc_lease 3 || fail "vm3 (namespace): no lease"
	[ "$(lease_var 3 ip)" = "$ADDR" ] || fail "vm3 leased $(lease_var 3 ip), not $ADDR"
	mkdir -p "$T/vm3" && echo "gwq-page vm3" >"$T/vm3/index.html"
	in_ns "$G3" busybox httpd -p "$ADDR:80" -h "$T/vm3"
	page=$(get2500) || fail "forward 2500 -> $ADDR:80: no answer"
	[ "$page" = "gwq-page vm3" ] || fail "forward 2500: '$page'"
fi
out=$(in_host $CTL qemu-args default --name vm3 --forward 2500:80 --tap qtap0 2>&1 >/dev/null) || fail "qemu-args --forward again: $out"
echo "$out" | grep -q 'forward "vm3-2500" is in place already' || fail "qemu-args --forward again: $out"
ok "qemu-args --name vm3 --static --forward 2500:80: $ADDR, $MAC, '$page' from the internet namespace${QEMU_OK:+ (a real QEMU guest)}; run again: kept"
code=0
out=$(in_host $CTL qemu-args default --name vm3 --forward 2500:81 --tap qtap0 2>&1 >/dev/null) || code=$?
[ $code = 1 ] && echo "$out" | grep -q "forward \"vm3-2500\" goes to $ADDR:80 (tcp) already" || fail "qemu-args --forward 2500:81: exit $code: $out"
[ "$(get2500)" = "gwq-page vm3" ] || [ -n "$QEMU_OK" ] || fail "forward 2500 changed"
ok "qemu-args --forward 2500:81 with vm3-2500 to :80 in place: refused ($out)"
