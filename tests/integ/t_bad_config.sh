#!/bin/bash
# A bad config applies nothing: exit 2 with FILE:LINE, no bridge, no table,
# no sysctl changed. A config that is valid but cannot be applied (the
# bridge name belongs to a veth) is refused before the first change.
#
#   [host] up0 ── [inet]      (gatewayd refuses; nothing appears)
. "$(dirname "$0")/lib.sh"
require nft

topo_init

nothing_applied() {
	nft_host_has_table && fail "$1: a table was made"
	in_host ip link show gw0 >/dev/null 2>&1 && fail "$1: a bridge was made"
	[ "$(in_host cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || fail "$1: ip_forward changed"
	pgrep -f "$T/run" >/dev/null && fail "$1: a process was left"
	return 0
}

# expect_bad LINE MESSAGE: run gatewayd on $T/gw.conf, expect exit 2 and
# "gw.conf:LINE: ...MESSAGE" on stderr. If the check under test is broken
# the daemon starts: the timeout turns that into a failure, not a hang.
expect_bad() {
	local line=$1 msg=$2 rc
	in_host timeout 15 "$GATEWAYD" -f -c "$T/gw.conf" >"$T/out" 2>&1
	rc=$?
	[ $rc = 2 ] || fail "expected exit 2, got $rc: $(cat "$T/out")"
	grep -qF "$T/gw.conf:$line: $msg" "$T/out" || fail "expected '$T/gw.conf:$line: $msg', got: $(cat "$T/out")"
	nothing_applied "$msg"
	ok "exit 2: $(sed "s|$T/||" "$T/out")"
}

write_conf
sed -i 's|ipv4   = "10.213.0.1/24"|ipv4   = "10.213.0.1/33"|' "$T/gw.conf"
expect_bad 7 'network "default": ipv4 "10.213.0.1/33": prefix length must be between 8 and 30'

write_conf
sed -i 's|range      = "10.213.0.100-10.213.0.250"|range      = "10.213.0.5-10.214.0.9"|' "$T/gw.conf"
expect_bad 10 'network "default": dhcp range 10.213.0.5-10.214.0.9 is outside 10.213.0.0/24'

write_conf
sed -i 's|bridge = "gw0"|bridge = "a-very-long-bridge-name"|' "$T/gw.conf"
expect_bad 5 'network "default": bridge "a-very-long-bridge-name" is not a valid interface name'

write_conf 'colour = blue'
expect_bad 14 "no such option 'colour'"

# Quoted, so that libconfuse takes it as one value and gatewayd's own
# duration check has to refuse it.
write_conf
sed -i 's|lease_time = 1h|lease_time = "1 hour"|' "$T/gw.conf"
expect_bad 11 'network "default": lease_time "1 hour" is not a duration (like 3600, 90s, 30m, 1h, 2d or infinite)'

# Names and strings that would reach dnsmasq's config or nftables.
write_conf
sed -i 's|bridge = "gw0"|bridge = "gw0,up0"|' "$T/gw.conf"
expect_bad 5 "network \"default\": bridge \"gw0,up0\" is not a valid interface name (1-15 letters, digits, '-', '_' or '.', not \".\" or \"..\")"

write_conf 'guest_ports = {"tap*",' '               "u*p"}'
expect_bad 15 "network \"default\": guest_ports pattern \"u*p\" must be 1-15 letters, digits, '-', '_' or '.', optionally ending in '*' (like \"tap*\")"

write_conf
sed -i '1i dnsmasq_user = "x\\ndhcp-script=/tmp/evil"' "$T/gw.conf"
expect_bad 1 'dnsmasq_user "x\ndhcp-script=/tmp/evil" contains a control character'
ls "$T/run" | grep -q . && fail "run_dir not empty after a refused dnsmasq_user: $(ls "$T/run")"

# Valid file, but gw0 already exists as a veth: refused, nothing touched.
write_conf
in_host ip link add gw0 type veth peer name gw0peer
in_host "$GATEWAYD" -f -c "$T/gw.conf" >"$T/out" 2>&1 && fail "started on top of a veth named gw0"
grep -q 'device "gw0" exists and is not a bridge (kind "veth")' "$T/out" || fail "veth refusal: $(cat "$T/out")"
grep -q "nothing applied" "$T/out" || fail "no 'nothing applied'"
nft_host_has_table && fail "table made despite the refusal"
[ "$(in_host cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || fail "ip_forward changed despite the refusal"
in_host ip -o link show gw0 | grep -q master && fail "veth gw0 was touched"
ok "refused: $(grep -o 'network.*' "$T/out" | head -1)"
in_host ip link del gw0

# The bridge may not be the uplink.
write_conf 'uplink = "gw0"'
in_host "$GATEWAYD" -n -c "$T/gw.conf" >"$T/out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q 'gw.conf:5: network "default": bridge "gw0" is the uplink' "$T/out" || fail "bridge=uplink: rc $rc: $(cat "$T/out")"
ok "exit 2: $(sed "s|$T/||" "$T/out")"
