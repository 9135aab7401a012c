#!/bin/bash
# The systemd unit's hardening, proven without systemd: gatewayd run with
# exactly the unit's CapabilityBoundingSet and no_new_privs still builds
# the network, serves DHCP, NATs, answers gatewayctl, and stops cleanly.
#
#   [inet] ── up0 [host: setpriv ... gatewayd] gw0 ── vg1 ── [g1]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft setpriv

unit="$TOP/system/gatewayd.service.in"
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
grep -q '^NoNewPrivileges=yes$' "$unit" || fail "unit lost NoNewPrivileges"
[ -n "$caps" ] || fail "no CapabilityBoundingSet in the unit"

topo_init
write_conf
: >"$T/gw.log"
ip netns exec "$NS_HOST" setpriv --no-new-privs --bounding-set "-all,$caps" \
	"$GATEWAYD" -f -c "$T/gw.conf" >>"$T/gw.log" 2>&1 &
GW_PID=$!
wait_until 15 grep -q "running with" "$T/gw.log" || fail "gatewayd did not come up with the unit's capabilities"
grep -q "^CapBnd:.*" "/proc/$GW_PID/status" || fail "no status for $GW_PID"
[ "$(awk '/^NoNewPrivs/ {print $2}' "/proc/$GW_PID/status")" = 1 ] || fail "no_new_privs not set"
guest_add 1
G1=$(guest_ns 1)
udhcpc_lease 1 || fail "no lease with the unit's capabilities"
internet_httpd
[ "$(http_get "$G1" http://198.51.100.1/cgi-bin/ip)" = 198.51.100.2 ] || fail "no NAT"
in_host "$GATEWAYCTL" -s "$T/run/gatewayd.sock" doctor >"$T/d" || fail "doctor: $(cat "$T/d")"
dpid=$(dnsmasq_pid)
[ "$(ps -o user= -p "$dpid")" = dnsmasq ] || fail "dnsmasq did not drop to its user"
gw_stop || fail "unclean stop"
nft_host_has_table && fail "table left"
alive "$dpid" && fail "dnsmasq left"
ok "bounding set {$caps} + no_new_privs: lease, NAT, doctor all ok, clean stop"
