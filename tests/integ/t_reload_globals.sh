#!/bin/bash
# Reload and global keys, and what -v logs:
#  - dnsmasq_user changed: every dnsmasq restarts and runs as the new user
#    (the bridge stays); dnsmasq changed: the new binary runs;
#  - run_dir or state_dir changed: the reload is refused with a message
#    that says why, and the running setup goes on untouched;
#  - -v logs each nf_tables batch committed and each netlink event that
#    triggered a repair.
#
#   [inet] ── up0 [host: gatewayd -v, gw0] ── vg1 ── [g1]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
write_conf
GW_FLAGS=-v gw_start
guest_add 1
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
user_of() { ps -o user= -p "$1" | tr -d ' '; }

pid1=$(dnsmasq_pid)
[ "$(user_of "$pid1")" = dnsmasq ] || fail "dnsmasq runs as '$(user_of "$pid1")', expected dnsmasq"
ifindex=$(in_host cat /sys/class/net/gw0/ifindex)

# --- -v: batches and repairs are logged
grep -q "debug: nft: committed tables inet and bridge gatewayd in one batch" "$T/gw.log" \
	|| fail "-v did not log the committed batch"
in_host ip addr del 10.213.0.1/24 dev gw0
wait_until 5 grep -q "debug: rtnetlink: .*addresses.* changed" "$T/gw.log" || fail "-v did not log the netlink event"
wait_until 5 in_host sh -c "ip -4 addr show dev gw0 | grep -q 10.213.0.1/24" || fail "address not repaired"
ok "-v logs: $(grep -o 'debug: nft: committed.*' "$T/gw.log" | head -1); $(grep -o 'debug: rtnetlink: .*' "$T/gw.log" | tail -1)"

# --- dnsmasq_user: restarted as the new user, bridge untouched
sed -i '1i dnsmasq_user = "nobody"' "$T/gw.conf"
$CTL reload >"$T/out" 2>&1 || fail "reload failed: $(cat "$T/out")"
wait_until 10 sh -c "p=\$(cat $T/run/default.dnsmasq.pid 2>/dev/null) && [ \"\$p\" != $pid1 ] && [ \"\$(ps -o user= -p \$p | tr -d ' ')\" = nobody ]" \
	|| fail "dnsmasq not restarted as nobody (pid $(dnsmasq_pid), user $(user_of "$(dnsmasq_pid)"))"
[ "$(in_host cat /sys/class/net/gw0/ifindex)" = "$ifindex" ] || fail "the bridge was recreated"
udhcpc_lease 1 || fail "no lease from the restarted dnsmasq"
ok "dnsmasq_user changed: dnsmasq restarted as nobody (pid $pid1 -> $(dnsmasq_pid)), bridge kept, lease $(lease_var 1 ip)"

# --- dnsmasq: the new binary runs
cat >"$T/dnsmasq-wrap" <<EOF
#!/bin/sh
echo "wrapper ran"
exec /usr/sbin/dnsmasq "\$@"
EOF
chmod 755 "$T/dnsmasq-wrap"
sed -i "1i dnsmasq = \"$T/dnsmasq-wrap\"" "$T/gw.conf"
$CTL reload >"$T/out" 2>&1 || fail "reload failed: $(cat "$T/out")"
wait_until 10 grep -q "dnsmasq\[default\]: wrapper ran" "$T/gw.log" || fail "the new dnsmasq binary did not run"
udhcpc_lease 1 || fail "no lease after the dnsmasq change"
ok "dnsmasq changed: the new binary runs and serves"

# --- run_dir and state_dir cannot move under a running gatewayd
pid2=$(dnsmasq_pid)
cp "$T/gw.conf" "$T/good.conf"
for key in run_dir state_dir; do
	sed "s|^$key *=.*|$key = \"$T/elsewhere\"|" "$T/good.conf" >"$T/gw.conf"
	$CTL reload >"$T/out" 2>&1
	rc=$?
	[ $rc = 3 ] || fail "$key change: gatewayctl reload exit $rc, expected 3: $(cat "$T/out")"
	grep -q "$key changed from \"$T/[a-z]*\" to \"$T/elsewhere\": a running gatewayd cannot move it" "$T/out" \
		|| fail "$key change: message: $(cat "$T/out")"
	[ "$(dnsmasq_pid)" = "$pid2" ] || fail "$key change: dnsmasq restarted by a refused reload"
	[ -e "$T/elsewhere" ] && fail "$key change: $T/elsewhere was created"
	ok "refused: $(grep -o "$key changed.*restart gatewayd to use it" "$T/out")"
done
cp "$T/good.conf" "$T/gw.conf"
udhcpc_lease 1 || fail "no lease after the refused reloads"
gw_stop || fail "gatewayd exit status"
