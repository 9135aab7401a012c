#!/bin/bash
# Red team of issue 16 item 11, the sloppy-admin side: Debian makes
# /etc/bird bird:bird 0750 (bird2's postinst: dpkg-statoverride), the
# default config_file is /etc/bird/gatewayd.conf, and gatewayd.service
# keeps no CAP_DAC_OVERRIDE -- so under the shipped unit root cannot even
# enter /etc/bird and the fragment is never written. gatewayd said only
# "Permission denied"; it must say why and what to do (a directory root
# owns with group bird, included from bird.conf). The capability set
# itself is a decision (t_capabilities): not changed here.
# Control: the same gatewayd with full capabilities writes the fragment.
#
#   [host] setpriv (the unit's bounding set, no_new_privs) gatewayd
#          $T/bird/   uid U's, 0750 (standing in for Debian's /etc/bird)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft setpriv

topo_init
U=
for u in $(seq 47950 47999); do
	getent passwd "$u" >/dev/null || getent group "$u" >/dev/null || { U=$u; break; }
done
[ -n "$U" ] || skip "no unused uid in 47950-47999"
mkdir -m 0750 "$T/bird"
chown "$U:$U" "$T/bird"
{
	echo "uplink = \"up0\""
	echo "state_dir = \"$T/state\""
	echo "run_dir = \"$T/run\""
	echo "bgp {"
	echo "    local_as = 64512"
	echo "    bird_socket = \"$T/bird.ctl\""
	echo "    config_file = \"$T/bird/gatewayd.conf\""
	echo "    neighbor up4 { address = \"198.51.100.1\"  as = 64500 }"
	echo "}"
	echo 'network default { bridge = "gw0" mode = routed ipv4 = "10.64.0.1/24" dhcp { range = "10.64.0.100-10.64.0.200" } }'
} >"$T/gw.conf"

# --- control: full capabilities
gw_start
wait_until 10 test -f "$T/bird/gatewayd.conf" || fail "control: no fragment with full capabilities"
gw_stop || fail "gatewayd exited non-zero"
rm -f "$T/bird/gatewayd.conf"
ok "control: with full capabilities the fragment is written in uid $U's 0750 directory"

# --- the unit's bounding set
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$TOP/system/gatewayd.service.in" | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
[ -n "$caps" ] || fail "no CapabilityBoundingSet in the unit"
: >"$T/gw.log"
ip netns exec "$NS_HOST" setpriv --no-new-privs --bounding-set "-all,$caps" \
	"$GATEWAYD" -f -c "$T/gw.conf" >>"$T/gw.log" 2>&1 &
GW_PID=$!
wait_until 15 grep -q "running with" "$T/gw.log" || fail "gatewayd did not come up with the unit's capabilities"
wait_until 10 grep -q "bgp: writing $T/bird/gatewayd.conf" "$T/gw.log" ||
	fail "no word on the fragment: $(grep bgp "$T/gw.log" | tail -3)"
test -f "$T/bird/gatewayd.conf" && skip "the fragment was written without CAP_DAC_OVERRIDE (the directory is open to root here)"
line=$(grep "bgp: writing $T/bird/gatewayd.conf" "$T/gw.log" | head -1)
case "$line" in
*"uid $U's"*"CAP_DAC_OVERRIDE"*"group bird"*) ;;
*) fail "the refusal does not say why or what to do: $line" ;;
esac
"$GATEWAYCTL" -s "$T/run/gatewayd.sock" status default | grep -q "CAP_DAC_OVERRIDE" ||
	fail "status does not say it: $("$GATEWAYCTL" -s "$T/run/gatewayd.sock" status default | grep -i bgp)"
ok "the unit's capabilities, config_file in uid $U's 0750 directory: not written, said why (log and status)"
gw_stop || fail "gatewayd exited non-zero"
