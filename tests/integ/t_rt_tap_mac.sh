#!/bin/bash
# Red team: whoever holds a tap open may set the tap's own MAC
# (SIOCSIFHWADDR on the tun descriptor asks for no privilege). On a bridge
# that MAC becomes a local entry of the forwarding database: set to
# guest 1's MAC, the bridge would keep guest 1's frames for itself and
# drop the ones it sends -- guest 1 cut off by a user with a tap.
#  - nobody, owner of utap (gatewayctl tap add), sets utap's MAC to guest
#    1's: utap is taken off gw0 (logged) and guest 1 keeps its network;
#  - closed, utap gets its own MAC back and goes back on gw0;
#  - a tap that comes onto gw0 already wearing guest 1's MAC (its holder
#    raced the watch, or a guest took the MAC libvirt would give a tap)
#    gets a fresh MAC and stays on gw0.
#
#   [g1] ── vg1 ─┐
#   [g2] ── vg2 ─┼─ gw0 [host: gatewayd]
#   (nobody) utap┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl

topo_init
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
write_conf
gw_start
guest_add 1
guest_add 2
udhcpc_lease 1 || fail "guest 1: no lease"
udhcpc_lease 2 || fail "guest 2: no lease"
G1=$(guest_ns 1) G2=$(guest_ns 2)
MAC1=$(in_ns "$G1" cat /sys/class/net/eth0/address)
IP1=$(lease_var 1 ip)
reach() { in_host ip neigh flush dev gw0; in_ns "$G2" ip neigh flush dev eth0; in_ns "$G2" busybox ping -c 2 -W 1 "$IP1" >/dev/null && in_host busybox ping -c 2 -W 1 "$IP1" >/dev/null; }
reach || fail "guest 1 not reachable to begin with"
$CTL tap add default --user nobody --name utap >"$T/out" 2>&1 || fail "tap add: $(cat "$T/out")"
on_gw0() { in_host ip -d link show "$1" | grep -q ' master gw0 '; }
wait_until 5 on_gw0 utap || fail "utap not on gw0"
UMAC=$(in_host cat /sys/class/net/utap/address)

# as nobody: open utap, set its MAC to guest 1's, hold it (the host's
# /dev/net/tun may be 0600: a 0666 node of our own in a mount namespace)
mknod -m 666 "$T/tun" c 10 200
cat >"$T/tap_mac.pl" <<'PERL'
my ($name, $mac) = @ARGV;
open(my $f, "+<", "/dev/net/tun") or die "open /dev/net/tun: $!\n";
ioctl($f, 0x400454ca, pack("a16 s", $name, 0x1002)) or die "TUNSETIFF $name: $!\n";
ioctl($f, 0x8924, pack("a16 S a14", $name, 1, pack("H12", $mac =~ s/://gr))) or die "SIOCSIFHWADDR: $!\n";
$| = 1;
print "ok\n";
sleep 600;
PERL
# not through a function: $! must be perl itself (each exec in place)
# shellcheck disable=SC2016
ip netns exec "$NS_HOST" unshare -m sh -c 'mount --bind "$0" /dev/net/tun; exec "$@"' "$T/tun" \
	setpriv --reuid=65534 --regid=65534 --clear-groups -- perl "$T/tap_mac.pl" utap "$MAC1" >"$T/tm.out" 2>&1 &
HOLD=$!
wait_until 5 grep -q ok "$T/tm.out" || fail "nobody could not set utap's MAC: $(cat "$T/tm.out")"
wait_until 5 sh -c "! ip -n $NS_HOST -d link show utap | grep -q ' master gw0 '" || fail "utap, wearing guest 1's MAC, is still on gw0"
grep -q "tap utap: its MAC was changed on the bridge, to $MAC1: taken off the bridge" "$T/gw.log" || fail "not logged: $(grep utap "$T/gw.log")"
reach || fail "guest 1 cut off by utap wearing its MAC"
sleep 1
on_gw0 utap && fail "utap was put back on gw0 while it is held"
ok "nobody set utap's MAC to guest 1's: utap off gw0 (logged), guest 1 still reachable"

kill "$HOLD"
wait "$HOLD" 2>/dev/null
wait_until 5 on_gw0 utap || fail "closed, utap did not go back on gw0"
[ "$(in_host cat /sys/class/net/utap/address)" = "$UMAC" ] || fail "utap's MAC is not its own again: $(in_host cat /sys/class/net/utap/address)"
reach || fail "guest 1 not reachable after utap came back"
ok "closed: utap back on gw0 with its own MAC $UMAC"

# a tap plugged in already wearing guest 1's MAC
in_host ip tuntap add dev hp9 mode tap
in_host ip link set hp9 address "$MAC1"
in_host ip link set hp9 master gw0 up
wait_until 5 sh -c "[ \"\$(ip netns exec $NS_HOST cat /sys/class/net/hp9/address)\" != $MAC1 ]" || fail "hp9 still has guest 1's MAC"
grep -q "tap hp9 came onto the bridge with $MAC1, the MAC of a guest on another port: given fe:" "$T/gw.log" || fail "hp9 not logged: $(grep hp9 "$T/gw.log")"
sleep 1
on_gw0 hp9 || fail "hp9 is not on gw0"
reach || fail "guest 1 cut off by hp9"
ok "hp9 plugged in with guest 1's MAC: given $(in_host cat /sys/class/net/hp9/address), still on gw0"

# gatewayd restarted while the user nobody holds utap wearing guest 1's MAC: the
# new gatewayd plugs utap in again; seen with the MAC of a guest with a
# lease (the binding has not run yet), it gets a fresh one
ip netns exec "$NS_HOST" unshare -m sh -c 'mount --bind "$0" /dev/net/tun; exec "$@"' "$T/tun" \
	setpriv --reuid=65534 --regid=65534 --clear-groups -- perl "$T/tap_mac.pl" utap "$MAC1" >"$T/tm.out" 2>&1 &
HOLD=$!
wait_until 5 grep -q ok "$T/tm.out" || fail "nobody could not set utap's MAC again: $(cat "$T/tm.out")"
wait_until 5 sh -c "! ip -n $NS_HOST -d link show utap | grep -q ' master gw0 '" || fail "utap still on gw0 (second time)"
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=
gw_start
wait_until 5 on_gw0 utap || fail "the restarted gatewayd did not plug utap in again"
wait_until 5 sh -c "[ \"\$(ip netns exec $NS_HOST cat /sys/class/net/utap/address)\" != $MAC1 ]" || fail "utap still wears guest 1's MAC after a restart"
grep -q "tap utap came onto the bridge with $MAC1, the MAC of a guest on another port: given fe:" "$T/gw.log" || fail "utap not logged after the restart: $(grep utap "$T/gw.log")"
reach || fail "guest 1 cut off after a restart"
kill "$HOLD"
ok "restart while utap wears guest 1's MAC: plugged in again with a fresh MAC, guest 1 reachable"
