#!/bin/bash
# Red team of issue 16 item 18 (and every directory gatewayd writes into
# as root: state_dir, run_dir, qemu_conf_dir). state_dir_check looks at
# the directory's real path (realpath), not at the path the config names
# and gatewayd writes through: would a symbolic link on that path, in a
# directory another user owns, pass wherever it points, and could that
# user re-point it so that gatewayd edits another root-only directory's
# bridge.conf? No: state_dir_make checks every prefix of the named path
# too, so the user's directory is refused (passes on main a3a2a74+C; kept
# as a guard). Nothing may change in the directory the link is
# re-pointed to.
# Control: the same directories named without the user's link work (the
# ACL file and the include line are written).
#
#   [host] gatewayd: gw0
#          $T/u/               owned by uid U (0755)
#          $T/u/etc -> $T/a    U's link (then re-pointed to $T/b)
#          $T/a/qemu/bridge.conf, $T/b/qemu/bridge.conf   root's
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft setpriv

topo_init
U=
for u in $(seq 47800 47900); do
	getent passwd "$u" >/dev/null || getent group "$u" >/dev/null || { U=$u; break; }
done
[ -n "$U" ] || skip "no unused uid in 47800-47900"
mkdir -m 0755 "$T/u" "$T/a" "$T/a/qemu" "$T/b" "$T/b/qemu"
chown "$U:$U" "$T/u"
printf 'allow br-a\n' >"$T/a/qemu/bridge.conf"
printf 'allow br-b\n' >"$T/b/qemu/bridge.conf"
chmod 0755 "$T"
setpriv --reuid="$U" --regid="$U" --clear-groups ln -s "$T/a" "$T/u/etc" || fail "U cannot make its link"
b_was=$(cd "$T/b/qemu" && ls -la && cat bridge.conf)

conf() { # QEMU_CONF_DIR [second]
	{
		echo "uplink    = auto"
		echo "state_dir = \"$T/state\""
		echo "run_dir   = \"$T/run\""
		echo "qemu_bridge_acl = true"
		echo "qemu_conf_dir = \"$1\""
		echo 'network default { bridge = "gw0" ipv4 = "10.213.0.1/24" dhcp { range = "10.213.0.100-10.213.0.250" } }'
		[ -z "${2:-}" ] || echo 'network other { bridge = "gw1" ipv4 = "10.214.0.1/24" }'
	} >"$T/gw.conf"
}
ctl() { "$GATEWAYCTL" -s "$T/run/gatewayd.sock" "$@"; }

# --- control: the real directory, no user's link on the way
conf "$T/a/qemu"
gw_start
grep -q "^include $T/a/qemu/" "$T/a/qemu/bridge.conf" || fail "control: no include line in $T/a/qemu/bridge.conf: $(cat "$T/a/qemu/bridge.conf")"
ok "control: qemu_conf_dir $T/a/qemu: ACL written, include line added"

# --- through U's link: refused (or at least never written through once re-pointed)
conf "$T/u/etc/qemu" second
ctl reload >"$T/out" 2>&1
reload1=$(head -1 "$T/out")
setpriv --reuid="$U" --regid="$U" --clear-groups sh -c "ln -s '$T/b' '$T/u/l' && mv -T '$T/u/l' '$T/u/etc'" ||
	fail "U cannot re-point its link"
conf "$T/u/etc/qemu"
ctl reload >"$T/out" 2>&1
grep -q "nothing changed" "$T/out" || fail "the reload through the re-pointed link was not refused: $(head -1 "$T/out")"
[ "$(cd "$T/b/qemu" && ls -la && cat bridge.conf)" = "$b_was" ] ||
	fail "U re-pointed its link and gatewayd wrote into root's $T/b/qemu: $(cat "$T/b/qemu/bridge.conf"; ls "$T/b/qemu")"
case "$reload1" in *"$T/u above it is not root's"*) ;;
*) fail "the reload to $T/u/etc/qemu was not refused for uid $U's directory: $reload1" ;; esac
ok "qemu_conf_dir through uid $U's link: refused and said; $T/b/qemu untouched after U re-pointed it"
gw_stop || fail "gatewayd exited non-zero"
