#!/bin/bash
# qemu_bridge_acl: a start refused because bridge.conf is a symbolic link
# leaves nothing behind -- no record in state_dir that refuses the next
# start. The administrator then fixes the config either way (the key off,
# or bridge.conf a real file) and gatewayd starts. A stale record (left by
# a crash or an older gatewayd) that cannot be acted on is warned about
# and forgotten, not obeyed as a refusal.
#
#   [host] gatewayd: gw0
#          $T/qemu/bridge.conf -> $T/target (a link: refused)
#          $T/state/qemu-acl   the record of the directory we wrote into
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
Q=$T/qemu
mkdir -m 0755 "$Q"
printf 'allow nothing\n' >"$T/target"
ln -s "$T/target" "$Q/bridge.conf"

conf() { # ACL
	{
		echo "uplink    = auto"
		echo "state_dir = \"$T/state\""
		echo "run_dir   = \"$T/run\""
		echo "qemu_bridge_acl = $1"
		echo "qemu_conf_dir = \"$Q\""
		echo 'network default { bridge = "gw0" ipv4 = "10.213.0.1/24" dhcp { range = "10.213.0.100-10.213.0.250" } }'
	} >"$T/gw.conf"
}
refused() { # WHAT GREP
	: >"$T/gw.log"
	in_host timeout 30 "$GATEWAYD" -f -c "$T/gw.conf" >>"$T/gw.log" 2>&1 && fail "$1: gatewayd started"
	grep -q "$2" "$T/gw.log" || fail "$1: not said: $(tail -3 "$T/gw.log")"
	return 0
}

conf true
refused "symlinked bridge.conf" "bridge.conf is a symbolic link: gatewayd does not follow it"
[ "$(cat "$T/target")" = "allow nothing" ] || fail "the link's target was written: $(cat "$T/target")"
[ -e "$T/state/qemu-acl" ] && fail "the refused start left its record: $(cat "$T/state/qemu-acl")"
[ -e "$Q/gatewayd.conf" ] && fail "the refused start left our ACL file"
ok "symlinked bridge.conf: start refused, said why, the target untouched, no record and no file left"

# fixed by turning the key off (the link still there)
conf false
gw_start
[ "$(cat "$T/target")" = "allow nothing" ] || fail "the link's target was written: $(cat "$T/target")"
gw_stop || fail "gatewayd exited non-zero"
ok "qemu_bridge_acl = false after the refusal: gatewayd starts"

# fixed by making bridge.conf a real file, the key on
conf true
refused "symlinked bridge.conf, again" "bridge.conf is a symbolic link"
rm "$Q/bridge.conf"
printf 'allow br0\n' >"$Q/bridge.conf"
gw_start
grep -qx "include $Q/gatewayd.conf" "$Q/bridge.conf" || fail "bridge.conf has no include: $(cat "$Q/bridge.conf")"
grep -qx "allow gw0" "$Q/gatewayd.conf" || fail "our ACL does not allow gw0"
ok "bridge.conf made a real file after the refusal: gatewayd starts, the ACL in place"

# A stale record that cannot be acted on (the ACL was in place, gatewayd
# was killed, then bridge.conf became a link): with the key off it is
# said and forgotten, and gatewayd starts.
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=
[ -s "$T/state/qemu-acl" ] || fail "no record after a kill -9 with the ACL in place"
mv "$Q/bridge.conf" "$T/bridge.conf.real"
ln -s "$T/target" "$Q/bridge.conf"
conf false
gw_start
grep -q "forgetting the record of $Q" "$T/gw.log" || fail "the stale record was not mentioned: $(tail -3 "$T/gw.log")"
[ -e "$T/state/qemu-acl" ] && fail "the stale record is still there"
[ "$(cat "$T/target")" = "allow nothing" ] || fail "the link's target was written: $(cat "$T/target")"
gw_stop || fail "gatewayd exited non-zero"
gw_start
grep -q "forgetting the record" "$T/gw.log" && fail "the record was mentioned again on the next start"
gw_stop || fail "gatewayd exited non-zero"
ok "a stale record whose bridge.conf became a link: with the key off, warned once and forgotten; gatewayd starts"
