#!/bin/bash
# User-owned persistent taps (issue 10): a `tap` section and `gatewayctl
# tap add` each make a persistent tap owned by a user, on the network's
# bridge and up, which that user -- and no other -- opens without
# privileges, as an unprivileged QEMU's -netdev tap,ifname=TAP does. A
# guest on such a tap gets a lease, and status names the port's origin
# "tap" with the guest's MAC and lease. Run-time taps survive a restart;
# tap del removes one; stop removes them all; a reload that adds or
# removes a tap section touches nothing else; a tap named like an existing
# device that is not a tap is refused before anything is applied.
#
#   [host: gatewayd]  gw0 ── vmtap0 (section, user nobody)
#                         ── gwtap0 (gatewayctl tap add, user nobody)
#                         ── vmtap1 ══ relay ══ gq2 = eth0 of [g2]
#                     up0 ── [inet]
# "relay": tests/integ/tap_open.pl copying frames between two taps (a
# stand-in for QEMU, which holds the tap and is the guest's wire).
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl setpriv unshare mknod

topo_init
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
OPEN="$TOP/tests/integ/tap_open.pl"

# tap_conf TAP...: the standard config and a section per tap, user nobody.
tap_conf() {
	write_conf
	for t in "$@"; do
		printf 'tap %s {\n    network = "default"\n    user    = "nobody"\n}\n' "$t" >>"$T/gw.conf"
	done
}

# is_tap_of TAP USER: a persistent tap owned by USER, a port of gw0, up.
is_tap_of() {
	local d
	d=$(in_host ip -d link show "$1") || return 1
	echo "$d" | grep -q "tun type tap .*persist on user $2 " &&
		echo "$d" | grep -q " master gw0 " && echo "$d" | head -n 1 | grep -q '[<,]UP[,>]'
}
gone() { ! in_host ip link show "$1" >/dev/null 2>&1; }

# open_as USER GROUP TAP: tap_open.pl as USER, no supplementary groups. A
# Debian host's /dev/net/tun is 0666; this machine's may be 0600: a node
# open to all is bound over it in a private mount namespace (the host's
# node stays as it is).
mkdir -p "$T/devtun"
open_as() {
	ip netns exec "$NS_HOST" unshare -m sh -c '
		mount -t tmpfs none "$1" && mknod "$1/tun" c 10 200 && chmod 666 "$1/tun" &&
		mount --bind "$1/tun" /dev/net/tun &&
		exec setpriv --reuid="$2" --regid="$3" --clear-groups perl "$4" "$5"' \
		sh "$T/devtun" "$1" "$2" "$OPEN" "$3" 2>&1
}

reload() { $CTL reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"; }
ifindex() { in_host cat "/sys/class/net/$1/ifindex"; }

# 1. a tap section
tap_conf vmtap0
gw_start
wait_until 5 is_tap_of vmtap0 nobody || fail "vmtap0 is not nobody's tap on gw0: $(in_host ip -d link show vmtap0 2>&1)"
ok "tap section: vmtap0 is a persistent tap of user nobody, a port of gw0, up"

out=$(open_as nobody nogroup vmtap0)
[ "$out" = ok ] || fail "nobody cannot open its own tap vmtap0: $out"
out=$(open_as daemon daemon vmtap0)
[ "$out" != ok ] || fail "user daemon opened nobody's tap vmtap0"
ok "nobody opens vmtap0 without privileges; user daemon cannot ($out)"

# 2. gatewayctl tap add; taps
name=$($CTL tap add default --user nobody 2>&1) || fail "tap add: $name"
[ "$name" = gwtap0 ] || fail "tap add made '$name', not the first free gwtapN"
wait_until 5 is_tap_of gwtap0 nobody || fail "gwtap0 is not nobody's tap on gw0"
[ "$(open_as nobody nogroup gwtap0)" = ok ] || fail "nobody cannot open gwtap0"
$CTL taps >"$T/taps" || fail "taps: $(cat "$T/taps")"
grep -Eq '^vmtap0 +default +nobody +- +config +idle' "$T/taps" &&
	grep -Eq '^gwtap0 +default +nobody +- +gatewayctl +idle' "$T/taps" || fail "taps: $(cat "$T/taps")"
$CTL taps --json | grep -q '"tap":"gwtap0","network":"default","user":"nobody"' || fail "taps --json: $($CTL taps --json)"
out=$($CTL tap add default --user nobody --name up0 2>&1) && fail "tap add took the uplink's name"
echo "$out" | grep -q "up0 is an uplink in use" || fail "tap add up0: $out"
out=$($CTL tap add default --user gw-no-such-user 2>&1) && fail "tap add took a user that does not exist"
ok "tap add: gwtap0, nobody's, on gw0; taps lists both; the uplink's name and unknown users refused"

# 3. a guest on a tap of ours: its lease, and status says "tap"
in_host ip link set vmtap0 down
tap_conf vmtap0 vmtap1
reload
wait_until 5 is_tap_of vmtap1 nobody || fail "vmtap1 not made by the reload"
ip netns add "gwt$ID-g2"
GUESTS+=("gwt$ID-g2")
ip netns exec "$NS_HOST" perl "$OPEN" relay vmtap1 gq2 >"$T/relay.out" 2>&1 &
RELAY=$!
wait_until 5 grep -q ok "$T/relay.out" || fail "relay: $(cat "$T/relay.out")"
in_host ip link set gq2 netns "gwt$ID-g2"
ip -n "gwt$ID-g2" link set gq2 name eth0
ip -n "gwt$ID-g2" link set eth0 up
wait_until 5 is_tap_of vmtap0 nobody || fail "vmtap0 set down was not set up again"
udhcpc_lease 2 || fail "no lease for the guest on vmtap1: $(cat "$T/udhcpc-2.log")"
ip2=$(lease_var 2 ip)
mac2=$(ip -n "gwt$ID-g2" link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
wait_until 10 sh -c "$CTL status default | grep -q 'guest_port *vmtap1 origin=tap mac=$mac2 ipv4=$ip2'" ||
	fail "status does not show vmtap1 as origin tap with $mac2 / $ip2: $($CTL status default | grep guest_port)"
$CTL status --json default | grep -q "{\"port\":\"vmtap1\",\"origin\":\"tap\",\"mac\":\"$mac2\",\"ipv4\":\"$ip2\",\"host\":\"\",\"dropped\":\"\"}" ||
	fail "status --json: $($CTL status --json default)"
$CTL taps | grep -Eq '^vmtap1 .* in use' || fail "taps does not say vmtap1 is in use: $($CTL taps)"
ok "a guest on vmtap1 got $ip2; status: vmtap1 origin=tap mac=$mac2 ipv4=$ip2; a tap set down came back up"
kill "$RELAY"
wait "$RELAY" 2>/dev/null

# repairs: a tap of ours deleted is made again; a bridge deleted and
# recreated gets its taps back
in_host ip link del vmtap0
wait_until 5 is_tap_of vmtap0 nobody || fail "vmtap0, deleted, was not made again"
grep -q "tap vmtap0 was deleted by someone else; created it again" "$T/gw.log" || fail "the repair was not logged"
in_host ip link del gw0
wait_until 10 is_tap_of vmtap0 nobody && wait_until 5 is_tap_of vmtap1 nobody ||
	fail "the taps are not back on the recreated gw0: $(in_host ip link show master gw0)"
ok "vmtap0 deleted: made again; gw0 deleted: recreated with vmtap0 and vmtap1 on it"

# 4. reload: a section added or removed touches nothing else
pd=$(dnsmasq_pid) bi=$(ifindex gw0) t1=$(ifindex vmtap1)
tap_conf vmtap0 vmtap1 vmtap3
reload
wait_until 5 is_tap_of vmtap3 nobody || fail "vmtap3 not made by the reload"
tap_conf vmtap1 vmtap3
reload
wait_until 5 gone vmtap0 || fail "vmtap0 still there after its section went"
[ "$(dnsmasq_pid)" = "$pd" ] || fail "dnsmasq restarted for a tap section: $pd -> $(dnsmasq_pid)"
[ "$(ifindex gw0)" = "$bi" ] || fail "gw0 was made again for a tap section"
[ "$(ifindex vmtap1)" = "$t1" ] || fail "vmtap1 was made again by a reload that did not change it"
grep -q "network \"default\": changed" "$T/gw.log" && fail "a tap section changed the network: $(grep changed "$T/gw.log")"
ok "reload adding vmtap3 and removing vmtap0: same dnsmasq ($pd), same gw0, vmtap1 untouched"

# 5. a tap named like a device that is not a tap: refused, nothing applied
in_host ip link add vmtap2 type veth peer name vmtap2p
tap_conf vmtap1 vmtap3 vmtap2
line=$(grep -n '^tap vmtap2 {' "$T/gw.conf" | cut -d: -f1) # where its section opens
code=0
$CTL reload >"$T/out" 2>&1 || code=$?
[ "$code" = 3 ] || fail "reload with a tap named like a veth: exit $code, $(cat "$T/out")"
grep -q "gw.conf:$line: tap \"vmtap2\": a device of that name exists and is not a tap (kind \"veth\")" "$T/out" ||
	fail "reload refusal does not say where and why: $(cat "$T/out")"
[ "$(dnsmasq_pid)" = "$pd" ] && is_tap_of vmtap1 nobody && is_tap_of vmtap3 nobody ||
	fail "a refused reload changed something"
in_host ip -d link show vmtap2 | grep -q veth || fail "vmtap2 is no longer the veth it was"
ok "reload refused ($(head -n 1 "$T/out")); nothing changed"

# 6. tap del; stop removes the taps; a restart brings back the run-time
# ones (and the config's)
name=$($CTL tap add default --user nobody --group nogroup --name vmrt0 2>&1) || fail "tap add --name: $name"
wait_until 5 is_tap_of vmrt0 nobody || fail "vmrt0 not made"
in_host ip -d link show vmrt0 | grep -q "user nobody group nogroup" || fail "vmrt0 has no group nogroup"
out=$($CTL tap del vmtap1 2>&1) && fail "tap del removed a tap of the config"
echo "$out" | grep -q "defined in" || fail "tap del vmtap1: $out"
$CTL tap del gwtap0 >"$T/out" 2>&1 || fail "tap del gwtap0: $(cat "$T/out")"
wait_until 5 gone gwtap0 || fail "gwtap0 still there after tap del"
tap_conf vmtap1 vmtap3
gw_stop || fail "gatewayd did not stop cleanly"
for t in vmtap1 vmtap3 vmrt0; do gone $t || fail "stop left $t"; done
ok "tap del gwtap0 removed it (a config tap refused); stop removed vmtap1, vmtap3 and vmrt0"
gw_start
wait_until 5 is_tap_of vmrt0 nobody || fail "the run-time tap vmrt0 did not come back after a restart"
wait_until 5 is_tap_of vmtap1 nobody || fail "vmtap1 did not come back after a restart"
in_host ip -d link show vmrt0 | grep -q "group nogroup" || fail "vmrt0 came back without its group"
gone gwtap0 || fail "gwtap0, deleted, came back after a restart"
[ "$(open_as nobody nogroup vmrt0)" = ok ] || fail "nobody cannot open vmrt0 after the restart"
ok "restart: vmrt0 (tap add) and vmtap1 made again, nobody's; gwtap0 (tap del) not"

# 7. a tap named like an existing non-tap device at start: nothing applied
gw_stop
tap_conf vmtap2
code=0
timeout 20 ip netns exec "$NS_HOST" "$GATEWAYD" -f -c "$T/gw.conf" >"$T/start.log" 2>&1 || code=$?
[ "$code" != 0 ] || fail "gatewayd started with a tap named like a veth"
grep -q "a device of that name exists and is not a tap" "$T/start.log" || fail "start: $(cat "$T/start.log")"
in_host ip link show gw0 >/dev/null 2>&1 && fail "gw0 made by a start that was refused"
nft_host_has_table && fail "tables made by a start that was refused"
in_host ip -d link show vmtap2 | grep -q veth || fail "vmtap2 touched by a refused start"
ok "start refused: $(grep -o 'gw.conf:[0-9]*: tap "vmtap2"[^;]*' "$T/start.log"); no bridge, no table"

# 8. a crash leaves the taps; --teardown deletes those gatewayd made only
in_host ip tuntap add dev vmadm mode tap user daemon
tap_conf vmtap1 vmadm
gw_start
wait_until 5 is_tap_of vmtap1 nobody && wait_until 5 is_tap_of vmadm nobody || fail "taps not made"
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=
is_tap_of vmtap1 nobody || fail "vmtap1 went with gatewayd's crash"
ip netns exec "$NS_HOST" "$GATEWAYD" --teardown -c "$T/gw.conf" >"$T/td.log" 2>&1 || fail "teardown: $(cat "$T/td.log")"
grep -q "teardown: deleted tap vmtap1" "$T/td.log" || fail "teardown did not say it deleted vmtap1: $(cat "$T/td.log")"
gone vmtap1 || fail "vmtap1 left after --teardown"
in_host ip -d link show vmadm | grep -q "tun type tap" || fail "teardown deleted vmadm, a tap gatewayd adopted but did not make"
ok "kill -9: vmtap1 stays; --teardown deletes it and leaves vmadm (made by the admin, adopted)"

# 9. a tap of the config already on an admin's bridge whose guest_ports it
# does not match (left there by a crash): a guest port at start already
gw_stop >/dev/null 2>&1
in_host ip link add gw0 type bridge
in_host ip tuntap add dev vmtap1 mode tap user nobody
in_host ip link set vmtap1 master gw0 up
write_conf 'guest_ports = {"vg*"}'
printf 'tap vmtap1 {\n    network = "default"\n    user    = "nobody"\n}\n' >>"$T/gw.conf"
gw_start
grep -q "not a guest port" "$T/gw.log" && fail "the start refused or tripped on its own tap: $(grep 'not a guest port' "$T/gw.log")"
wait_until 5 sh -c "$CTL status default | grep -q 'guest_port *vmtap1 origin=tap'" || fail "vmtap1 not a guest port: $($CTL status default)"
ok "vmtap1 on an admin's gw0 with guest_ports \"vg*\": started, not tripped, origin tap"
