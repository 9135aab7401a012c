#!/bin/bash
# The systemd unit's hardening, proven without systemd: gatewayd run with
# exactly the unit's CapabilityBoundingSet and no_new_privs still builds
# the network, serves DHCP, NATs, answers gatewayctl, and stops cleanly --
# and /proc shows it (and its dnsmasq) really ran with exactly that
# bounding set, which must be the expected seven capabilities.
#
#   [inet] ── up0 [host: setpriv ... gatewayd] gw0 ── vg1 ── [g1]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft setpriv

# The set gatewayd is meant to run with (README, the unit's comment), with
# each capability's bit number (linux/capability.h; kernel ABI, fixed).
# Adding or removing one is a decision: change it here, in the unit and in
# the README together.
declare -A BIT=([CAP_CHOWN]=0 [CAP_KILL]=5 [CAP_SETGID]=6 [CAP_SETUID]=7
	[CAP_NET_BIND_SERVICE]=10 [CAP_NET_ADMIN]=12 [CAP_NET_RAW]=13)
EXPECTED="CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID CAP_KILL CAP_CHOWN"
want=0
for c in $EXPECTED; do want=$((want | 1 << ${BIT[$c]})); done
want=$(printf '%016x' "$want")

# names MASK: the capability names in a /proc/PID/status mask, for messages.
names() {
	local m=$((16#$1)) out= n name
	for ((n = 0; n < 64; n++)); do
		((m >> n & 1)) || continue
		name=$(awk -v n="$n" '$1 == "#define" && $2 ~ /^CAP_/ && $3 == n { print $2; exit }' /usr/include/linux/capability.h 2>/dev/null)
		out="$out ${name:-bit$n}"
	done
	echo "${out# }"
}
# capmask PID FIELD: CapBnd, CapEff, ... of PID, 16 hex digits.
capmask() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
subset() { (((16#$1 & ~16#$2) == 0)); }

unit="$TOP/system/gatewayd.service.in"
declared=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
[ -n "$declared" ] || fail "no CapabilityBoundingSet in the unit"
[ "$(tr ' ' '\n' <<<"$declared" | sort)" = "$(tr ' ' '\n' <<<"$EXPECTED" | sort)" ] ||
	fail "the unit's CapabilityBoundingSet ($declared) is not the expected set ($EXPECTED)"
grep -q '^NoNewPrivileges=yes$' "$unit" || fail "unit lost NoNewPrivileges"
caps=$(tr 'A-Z' 'a-z' <<<"$declared" | sed 's/cap_/+/g; s/ /,/g')

topo_init
write_conf
: >"$T/gw.log"
ip netns exec "$NS_HOST" setpriv --no-new-privs --bounding-set "-all,$caps" \
	"$GATEWAYD" -f -c "$T/gw.conf" >>"$T/gw.log" 2>&1 &
GW_PID=$!
wait_until 15 grep -q "running with" "$T/gw.log" || fail "gatewayd did not come up with the unit's capabilities"
bnd=$(capmask "$GW_PID" CapBnd) eff=$(capmask "$GW_PID" CapEff) prm=$(capmask "$GW_PID" CapPrm)
[ -n "$bnd" ] || fail "no status for $GW_PID"
[ "$bnd" = "$want" ] || fail "gatewayd's bounding set is $bnd ($(names "$bnd")), not $want ($EXPECTED)"
subset "$prm" "$want" || fail "gatewayd permitted $prm ($(names "$prm")) exceeds $want"
subset "$eff" "$want" || fail "gatewayd effective $eff ($(names "$eff")) exceeds $want"
[ "$(capmask "$GW_PID" CapAmb)" = 0000000000000000 ] || fail "ambient capabilities: $(capmask "$GW_PID" CapAmb)"
[ "$(awk '/^NoNewPrivs/ {print $2}' "/proc/$GW_PID/status")" = 1 ] || fail "no_new_privs not set"
guest_add 1
G1=$(guest_ns 1)
udhcpc_lease 1 || fail "no lease with the unit's capabilities"
internet_httpd
[ "$(http_get "$G1" http://198.51.100.1/cgi-bin/ip)" = 198.51.100.2 ] || fail "no NAT"
in_host "$GATEWAYCTL" -s "$T/run/gatewayd.sock" doctor >"$T/d" || fail "doctor: $(cat "$T/d")"
dpid=$(dnsmasq_pid)
[ "$(ps -o user= -p "$dpid")" = dnsmasq ] || fail "dnsmasq did not drop to its user"
dbnd=$(capmask "$dpid" CapBnd)
[ "$dbnd" = "$want" ] || fail "dnsmasq's bounding set is $dbnd ($(names "$dbnd")), not $want"
gw_stop || fail "unclean stop"
nft_host_has_table && fail "table left"
alive "$dpid" && fail "dnsmasq left"
ok "CapBnd $bnd = {$(names "$bnd")} (gatewayd and dnsmasq), CapEff $eff, no_new_privs: lease, NAT, doctor all ok, clean stop"
