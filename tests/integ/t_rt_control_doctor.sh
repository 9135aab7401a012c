#!/bin/bash
# Red team of issue 16 item 10: the connection slots keep room for root,
# but doctor had its own limit -- two at once, whoever asks -- so a member
# of the group gatewayd running doctor in loops (each holds its
# slot for seconds of self-tests) left root's doctor "2 doctors are
# running already" nearly every time. Root must always be able to run
# one; the member is still served one at a time, and its second is told
# to come back. Control: with nobody else, root runs two at once (the
# limit stays two).
#
#   [host] gatewayd, gw0 (network default); table inet hostfw drops DHCP
#          control socket <- uid U: four doctor loops, back to back
#                         <- root: doctor, five times
# U is a member of readers_group ("nogroup" here, standing in for group
# gatewayd); what counts is the uid and groups gatewayd reads with
# SO_PEERCRED and SO_PEERGROUPS.
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft setpriv

topo_init
write_conf
echo 'readers_group = "nogroup"' >>"$T/gw.conf"
gw_start
SOCK=$T/run/gatewayd.sock
CTL="$GATEWAYCTL -s $SOCK"
chmod 0666 "$SOCK"
# a host firewall drops DHCP to gatewayd: each doctor's self-test waits its
# full 2 s, so a doctor surely holds its place while the next one asks
in_host nft add table inet hostfw
in_host nft add chain inet hostfw in '{ type filter hook input priority -10; }'
in_host nft add rule inet hostfw in udp dport 67 drop
U=''
for u in $(seq 47400 47500); do
	getent passwd "$u" >/dev/null || getent group "$u" >/dev/null || { U=$u; break; }
done
[ -n "$U" ] || skip "no unused uid in 47400-47500"

# --- control: root alone runs two doctors at once
in_host $CTL doctor >"$T/d1" 2>&1 &
d1=$!
in_host $CTL doctor >"$T/d2" 2>&1
rc2=$?
wait "$d1"
rc1=$?
grep -q "doctors are running already" "$T/d1" "$T/d2" && fail "root alone was refused a second doctor: $(cat "$T/d1" "$T/d2")"
[ $rc1 -le 1 ] && [ $rc2 -le 1 ] || fail "root's two doctors exited $rc1, $rc2"
ok "control: root runs two doctors at once (exit $rc1, $rc2)"

# --- uid U runs doctor back to back in two loops, until $T/stop (at most 60 s)
cat >"$T/loop.sh" <<EOF
end=\$((SECONDS + 60)) n=0
while [ \$SECONDS -lt \$end ] && [ ! -e "$T/stop" ]; do
	$CTL doctor >/dev/null 2>&1
	n=\$((n + 1))
done
echo \$n
EOF
chmod 0755 "$T/loop.sh"
chmod 0755 "$T"
LOOPS=()
for l in 1 2 3 4; do
	in_host setpriv --reuid="$U" --regid=65534 --clear-groups bash "$T/loop.sh" >"$T/l$l" 2>&1 &
	LOOPS+=("$!")
done
running() { in_host ss -xH state connected | grep -q "$SOCK"; }
wait_until 5 running || fail "uid $U's doctors did not start: $(cat "$T/l1")"
refused=0 n=5 out=''
for i in $(seq 1 $n); do
	in_host $CTL doctor >"$T/root" 2>&1
	if grep -q "doctors are running already" "$T/root"; then
		refused=$((refused + 1))
		out=$(head -1 "$T/root")
	fi
done
touch "$T/stop"
wait "${LOOPS[@]}"
[ "$refused" = 0 ] || fail "root's doctor refused $refused of $n times while uid $U ran doctors in a loop: $out"
ok "uid $U running doctor in four loops ($(cat "$T/l1" "$T/l2" "$T/l3" "$T/l4" | paste -sd+) attempts): root's doctor ran $n of $n times"

# --- the member's second doctor at once is told to come back
in_host setpriv --reuid="$U" --regid=65534 --clear-groups $CTL doctor >"$T/u1" 2>&1 &
u1=$!
wait_until 5 sh -c "ss -N $NS_HOST -xH state connected | grep -q '$SOCK'"
in_host setpriv --reuid="$U" --regid=65534 --clear-groups $CTL doctor >"$T/u2" 2>&1
wait "$u1"
grep -q "running already" "$T/u2" || fail "uid $U's second doctor at once was not refused: $(head -3 "$T/u2")"
ok "uid $U's second doctor at once: $(head -1 "$T/u2")"
gw_stop || fail "gatewayd exited non-zero"
