#!/bin/bash
# No child exit is lost: while gatewayd waits for one network's dnsmasq to
# stop (a reload removes that network, and its dnsmasq takes 1.5 s to
# exit), another network's dnsmasq is killed. It must be reaped and
# restarted, not left a zombie with status showing a dead pid.
#
#   [host] gw0 10.213.0.1 (default)  -- dnsmasq, killed during the reload
#          gws 10.215.0.1 (slow)     -- dnsmasq behind a wrapper that
#                                       lingers 1.5 s on SIGTERM
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
cat >"$T/dnsmasq-wrap" <<'EOF'
#!/bin/bash
case "$*" in *slow.dnsmasq.conf*) ;; *) exec /usr/sbin/dnsmasq "$@" ;; esac
/usr/sbin/dnsmasq "$@" &
child=$!
trap 'sleep 1.5; kill $child; wait $child; exit 0' TERM
wait $child
EOF
chmod 755 "$T/dnsmasq-wrap"
write_conf
cat >>"$T/gw.conf" <<EOF
network slow {
    bridge = "gws"
    ipv4   = "10.215.0.1/24"
}
EOF
sed -i "1i dnsmasq = \"$T/dnsmasq-wrap\"" "$T/gw.conf"
gw_start
wait_until 10 grep -q "dnsmasq\[slow\]: started" "$T/gw.log" || fail "slow network's dnsmasq did not start"
victim=$(dnsmasq_pid)
[ -n "$victim" ] || fail "no dnsmasq pid for default"

# Reload without "slow": gatewayd stops its dnsmasq, which lingers.
sed -i '/^network slow {/,/^}/d' "$T/gw.conf"
$GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/reload.out" 2>&1 &
reload_pid=$!
wait_until 5 grep -q "reloading configuration" "$T/gw.log" || fail "reload did not begin"
sleep 0.3 # inside the 1.5 s the slow dnsmasq takes to go
kill -KILL "$victim"
wait "$reload_pid" || fail "reload failed: $(cat "$T/reload.out")"
wait_until 5 sh -c "p=\$(cat $T/run/default.dnsmasq.pid 2>/dev/null) && [ -n \"\$p\" ] && [ \"\$p\" != $victim ] && kill -0 \$p" \
	|| fail "default's dnsmasq (pid $victim, killed during the reload) was not restarted: $(ps -o pid,stat,args -p "$victim" | tail -1)"
alive "$victim" && fail "killed dnsmasq $victim still there"
ps -o stat= -p "$victim" 2>/dev/null | grep -q Z && fail "killed dnsmasq $victim left a zombie"
grep -q "dnsmasq\[default\]: pid $victim killed by signal 9" "$T/gw.log" || fail "its death was not logged"
guest_add 1
udhcpc_lease 1 || fail "no lease from the restarted dnsmasq"
ok "dnsmasq $victim killed while another stopped: reaped and restarted (pid $(dnsmasq_pid)), lease $(lease_var 1 ip)"
