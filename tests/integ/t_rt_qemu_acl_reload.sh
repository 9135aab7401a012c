#!/bin/bash
# Red team of issue 16 item 18: a reload refused by the QEMU ACL step.
# The ACL is in force in qemu_conf_dir A; the administrator reloads with
# qemu_conf_dir = B whose bridge.conf is a symbolic link: refused,
# "nothing changed: the running configuration stays" -- but the ACL step
# had already taken A's include line and file out before it failed on B,
# and nothing put them back: qemu-bridge-helper users could no longer
# plug into gw0 until the next successful reload or restart. A refused
# reload must leave A's ACL in force (line, file and record), so a stop
# still removes it.
# Control: a reload to a good directory C moves the ACL (A cleaned, C set).
#
#   [host] gatewayd: gw0
#          $T/qa/bridge.conf  (real, the ACL in force)
#          $T/qb/bridge.conf -> $T/target   (a link: refused)
#          $T/qc/bridge.conf  (real)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
mkdir -m 0755 "$T/qa" "$T/qb" "$T/qc"
printf 'allow br0\n' >"$T/qa/bridge.conf"
printf 'allow br0\n' >"$T/qc/bridge.conf"
printf 'allow nothing\n' >"$T/target"
ln -s "$T/target" "$T/qb/bridge.conf"

conf() { # QEMU_CONF_DIR
	{
		echo "uplink    = auto"
		echo "state_dir = \"$T/state\""
		echo "run_dir   = \"$T/run\""
		echo "qemu_bridge_acl = true"
		echo "qemu_conf_dir = \"$1\""
		echo 'network default { bridge = "gw0" ipv4 = "10.213.0.1/24" dhcp { range = "10.213.0.100-10.213.0.250" } }'
	} >"$T/gw.conf"
}
ctl() { "$GATEWAYCTL" -s "$T/run/gatewayd.sock" "$@"; }
in_force() { # DIR
	grep -qx "include $1/gatewayd.conf" "$1/bridge.conf" && grep -qx "allow gw0" "$1/gatewayd.conf" &&
		[ "$(cat "$T/state/qemu-acl")" = "$1" ]
}

conf "$T/qa"
gw_start
in_force "$T/qa" || fail "the ACL is not in force in $T/qa: $(cat "$T/qa/bridge.conf")"

# --- a reload to B, refused
conf "$T/qb"
ctl reload >"$T/out" 2>&1 && fail "the reload to $T/qb was applied: $(cat "$T/out")"
grep -q "nothing changed" "$T/out" || fail "the reload did not say nothing changed: $(cat "$T/out")"
[ "$(cat "$T/target")" = "allow nothing" ] || fail "the link's target was written"
in_force "$T/qa" ||
	fail "a refused reload took the running ACL out of $T/qa: bridge.conf: $(cat "$T/qa/bridge.conf"); file: $(cat "$T/qa/gatewayd.conf" 2>&1); record: $(cat "$T/state/qemu-acl" 2>&1)"
ok "a reload refused for $T/qb's symlinked bridge.conf: the ACL in $T/qa still in force (line, file, record)"

# --- control: a reload to C moves it
conf "$T/qc"
ctl reload >"$T/out" 2>&1 || fail "the reload to $T/qc: $(cat "$T/out")"
in_force "$T/qc" || fail "the ACL is not in force in $T/qc"
grep -q "include" "$T/qa/bridge.conf" && fail "$T/qa still includes our file"
[ -e "$T/qa/gatewayd.conf" ] && fail "$T/qa/gatewayd.conf left"
ok "control: a reload to $T/qc moved the ACL there, $T/qa cleaned"
gw_stop || fail "gatewayd exited non-zero"
grep -q "include" "$T/qc/bridge.conf" && fail "stop left the include line in $T/qc"
ok "stop removed it"
