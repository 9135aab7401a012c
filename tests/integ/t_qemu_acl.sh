#!/bin/bash
# qemu_bridge_acl: gatewayd keeps QEMU_CONF_DIR/gatewayd.conf (allow BRIDGE
# per network) and one include line in bridge.conf -- through reloads that
# add and remove networks, restarts, a crash, --teardown, the key turned
# off -- and never touches the administrator's lines; an unsafe directory
# and planted symlinks are refused. Then QEMU itself, through the real
# qemu-bridge-helper reading our files at /etc/qemu (a private mount
# namespace), plugs a tap into gw0 and is refused a bridge we do not list.
#
#   [host] gatewayd: gw0 (default), gw1 (second, when configured)
#          $T/qemu/bridge.conf   the administrator's lines + our include
#          $T/qemu/gatewayd.conf ours
#   [host] qemu-system-x86_64 -netdev bridge,br=gw0 --> tapN in gw0
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
Q=$T/qemu
mkdir -m 0755 "$Q"
ADMIN=$'# the administrator\'s own\nallow br0\n\ndeny  br9   \n'
printf '%s' "$ADMIN" >"$Q/bridge.conf"
cp "$Q/bridge.conf" "$T/bridge.conf.orig"
INC="include $Q/gatewayd.conf"

# conf ACL [second]: the standard network, and gw1 with "second".
conf() {
	{
		echo "uplink    = auto"
		echo "state_dir = \"$T/state\""
		echo "run_dir   = \"$T/run\""
		echo "qemu_bridge_acl = $1"
		echo "qemu_conf_dir = \"$Q\""
		echo 'network default { bridge = "gw0" ipv4 = "10.213.0.1/24" dhcp { range = "10.213.0.100-10.213.0.250" } }'
		[ -z "${2:-}" ] || echo 'network second { bridge = "gw1" ipv4 = "10.214.0.1/24" }'
	} >"$T/gw.conf"
}
reload() { "$GATEWAYCTL" -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"; }
# acl_is BRIDGE...: our file says exactly this.
acl_is() {
	{
		echo "# Written by gatewayd (qemu_bridge_acl in $T/gw.conf): QEMU's bridge helper"
		echo "# may plug guests into these bridges. Rewritten on reload; removed,"
		echo "# with its include line in bridge.conf, when gatewayd stops."
		for b in "$@"; do echo "allow $b"; done
	} >"$T/acl.want"
	cmp -s "$T/acl.want" "$Q/gatewayd.conf" || fail "gatewayd.conf is not what it should be:
$(diff "$T/acl.want" "$Q/gatewayd.conf" 2>&1)"
}
# included: bridge.conf is the administrator's bytes and our line, once.
included() {
	{ printf '%s' "$ADMIN"; echo "$INC"; } >"$T/bridge.want"
	cmp -s "$T/bridge.want" "$Q/bridge.conf" || fail "bridge.conf is not the original + one include:
$(cat -A "$Q/bridge.conf")"
}
untouched() { # bridge.conf as the administrator left it, no file of ours
	cmp -s "$T/bridge.conf.orig" "$Q/bridge.conf" || fail "$1: bridge.conf changed: $(cat -A "$Q/bridge.conf")"
	[ ! -e "$Q/gatewayd.conf" ] && [ ! -L "$Q/gatewayd.conf" ] || fail "$1: gatewayd.conf is still there"
}
crash() { kill -KILL "$GW_PID"; wait "$GW_PID" 2>/dev/null; GW_PID=; }

conf true
gw_start
acl_is gw0
included
ok "start: gatewayd.conf allows gw0; bridge.conf = the administrator's bytes + '$INC'"

conf true second
reload
acl_is gw0 gw1
included
conf true
reload
acl_is gw0
included
ok "reload adding, then removing network second: allow gw0 gw1, then gw0; the include stays once"

gw_stop || fail "gatewayd exited non-zero"
untouched "after stop"
gw_start
acl_is gw0
included
ok "stop: our file and line gone, bridge.conf byte for byte as it was; start again: one include"

crash
gw_start
acl_is gw0
included
crash
in_host "$GATEWAYD" --teardown -c "$T/gw.conf" >"$T/teardown.log" 2>&1 || fail "teardown: $(cat "$T/teardown.log")"
grep -q "removed the QEMU bridge helper's ACL" "$T/teardown.log" || fail "teardown did not say: $(cat "$T/teardown.log")"
untouched "after kill -9 and --teardown"
ok "kill -9 + restart: rewritten, still one include; kill -9 + --teardown: both gone"

# Off: QEMU's files are the administrator's alone, and off by reload
# takes ours out.
conf false
gw_start
untouched "qemu_bridge_acl = false"
conf true
reload
acl_is gw0
included
conf false
reload
untouched "turned off by reload"
gw_stop || fail "gatewayd exited non-zero"
untouched "stop with the key off"
ok "qemu_bridge_acl = false leaves QEMU's files alone; turned on, then off by reload: ours gone"

# Refused: a directory others may change (like run_dir), and links.
conf true
refused() { # WHAT GREP
	: >"$T/gw.log"
	in_host timeout 30 "$GATEWAYD" -f -c "$T/gw.conf" >>"$T/gw.log" 2>&1 && fail "$1: gatewayd started"
	grep -q "$2" "$T/gw.log" || fail "$1: not said: $(tail -3 "$T/gw.log")"
	nft_host_has_table && fail "$1: the ruleset was applied"
	return 0
}
chmod 0775 "$Q"
refused "group-writable qemu_conf_dir" "qemu_conf_dir \"$Q\" is writable by its group"
chmod 0755 "$Q"
chown 65534 "$Q"
refused "qemu_conf_dir not root's" "qemu_conf_dir \"$Q\" is owned by uid 65534"
chown 0 "$Q"
untouched "refused starts"
cp "$Q/bridge.conf" "$T/bridge.conf.keep"
head -c 2097152 /dev/zero >>"$Q/bridge.conf"
refused "a 2 MiB bridge.conf" "bridge.conf is larger than 1 MiB: not a file gatewayd edits"
mv "$T/bridge.conf.keep" "$Q/bridge.conf"
rm -f "$Q/gatewayd.conf"
# gatewayd's own config is qemu_conf_dir/gatewayd.conf (qemu_conf_dir =
# "/etc/gatewayd"): refused, the config left as it was (it was overwritten
# with the ACL, and would have been deleted at stop)
mkdir -m 0755 "$T/etcgw"
sed "s|^qemu_conf_dir = .*|qemu_conf_dir = \"$T/etcgw\"|" "$T/gw.conf" >"$T/etcgw/gatewayd.conf"
cp "$T/etcgw/gatewayd.conf" "$T/own.orig"
: >"$T/gw.log"
in_host timeout 30 "$GATEWAYD" -f -c "$T/etcgw/gatewayd.conf" >>"$T/gw.log" 2>&1 && fail "qemu_conf_dir holding our own gatewayd.conf: gatewayd started"
grep -q "qemu_bridge_acl: $T/etcgw/gatewayd.conf is gatewayd's own config" "$T/gw.log" || fail "not said: $(tail -3 "$T/gw.log")"
cmp -s "$T/etcgw/gatewayd.conf" "$T/own.orig" || fail "gatewayd's own config was rewritten: $(head -3 "$T/etcgw/gatewayd.conf")"
nft_host_has_table && fail "qemu_conf_dir holding our own config: the ruleset was applied"
printf 'allow nothing\n' >"$T/target"
mv "$Q/bridge.conf" "$T/bridge.conf.moved"
ln -s "$T/target" "$Q/bridge.conf"
refused "symlinked bridge.conf" "bridge.conf is a symbolic link: gatewayd does not follow it"
[ "$(cat "$T/target")" = "allow nothing" ] || fail "the link's target was written: $(cat "$T/target")"
rm "$Q/bridge.conf" "$Q/gatewayd.conf"
mv "$T/bridge.conf.moved" "$Q/bridge.conf"
ln -s "$T/target" "$Q/gatewayd.conf"
gw_start
[ "$(cat "$T/target")" = "allow nothing" ] || fail "gatewayd.conf's link target was written: $(cat "$T/target")"
[ -L "$Q/gatewayd.conf" ] && fail "gatewayd.conf is still the planted link"
acl_is gw0
included
ok "refused: qemu_conf_dir mode 0775 or not root's, a 2 MiB bridge.conf, one holding gatewayd's own gatewayd.conf, a symlinked bridge.conf (target untouched); a planted gatewayd.conf link is replaced, its target untouched"

# With the systemd unit's capabilities only (no CAP_DAC_OVERRIDE; the unit
# has no ProtectSystem, so /etc/qemu is writable): a bridge.conf of group
# nobody keeps its group through our rewrite.
if command -v setpriv >/dev/null; then
	gw_stop || fail "gatewayd exited non-zero"
	chgrp 65534 "$Q/bridge.conf"
	chmod 0640 "$Q/bridge.conf"
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$TOP/system/gatewayd.service.in" | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
	: >"$T/gw.log"
	ip netns exec "$NS_HOST" setpriv --no-new-privs --bounding-set "-all,$caps" \
		"$GATEWAYD" -f -c "$T/gw.conf" >>"$T/gw.log" 2>&1 &
	GW_PID=$!
	wait_until 15 grep -q "running with" "$T/gw.log" || fail "gatewayd did not come up with the unit's capabilities"
	acl_is gw0
	included
	gw_stop || fail "gatewayd exited non-zero"
	untouched "stop, with the unit's capabilities"
	[ "$(stat -c %g:%a "$Q/bridge.conf")" = 65534:640 ] || fail "bridge.conf is now $(stat -c %U:%G:%a "$Q/bridge.conf"), not group 65534, mode 640"
	chgrp 0 "$Q/bridge.conf"
	chmod 0644 "$Q/bridge.conf"
	gw_start
	ok "with the unit's bounding set only: written, and removed with bridge.conf's group and mode kept"
fi

# The real helper, through QEMU: our files at /etc/qemu in a private mount
# namespace (/etc/qemu bind-mounted, or /etc overlaid when the machine has
# no /etc/qemu: nothing is created on the real filesystem).
QEMU=$(command -v qemu-system-x86_64 || true)
HELPER=/usr/lib/qemu/qemu-bridge-helper
[ -n "$QEMU" ] && [ -x "$HELPER" ] || skip "qemu-system-x86_64 or $HELPER missing (apt-get install qemu-system-x86); the file checks above passed"
mkdir "$T/ovl-up" "$T/ovl-work"
# qemu_bridge BRIDGE: QEMU with -netdev bridge in the host namespace,
# stopped after 4 s (or when its tap is seen in the bridge).
qemu_bridge() {
	unshare -m sh -c '
		mount --make-rprivate / || exit 90
		if [ ! -d /etc/qemu ]; then
			mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/ovl-up,workdir=$1/ovl-work" /etc || exit 90
			mkdir -p /etc/qemu || exit 90
		fi
		mount --bind "$2" /etc/qemu || exit 90
		exec ip netns exec "$3" timeout 4 "$4" -M none -nodefaults -display none \
			-netdev "bridge,id=n0,br=$5,helper=$6"' sh "$T" "$Q" "$NS_HOST" "$QEMU" "$1" "$HELPER" \
		>"$T/qemu-$1.log" 2>&1 &
	QEMU_PID=$!
}
qemu_bridge gw0
if wait_until 4 sh -c "ip -n $NS_HOST -o link show master gw0 | grep -q ' tap'"; then
	tap=$(ip -n "$NS_HOST" -o link show master gw0 | sed -n 's/^[0-9]*: \(tap[^:@]*\).*/\1/p' | head -1)
	wait "$QEMU_PID" 2>/dev/null
else
	wait "$QEMU_PID"
	[ $? = 90 ] && skip "cannot mount our files at /etc/qemu in a private mount namespace"
	fail "QEMU's bridge helper did not plug a tap into gw0: $(cat "$T/qemu-gw0.log")"
fi
grep -q "access denied" "$T/qemu-gw0.log" && fail "the helper denied gw0: $(cat "$T/qemu-gw0.log")"
in_host ip link add gwx9 type bridge
qemu_bridge gwx9
wait "$QEMU_PID"
grep -q "access denied by acl file" "$T/qemu-gwx9.log" || fail "a bridge not in the ACL was not refused: $(cat "$T/qemu-gwx9.log")"
ok "qemu-bridge-helper (via QEMU -netdev bridge) plugged $tap into gw0; gwx9, not ours, refused (access denied by acl file)"
gw_stop || fail "gatewayd exited non-zero"
untouched "the last stop"
