#!/bin/bash
# gatewayctl over the control socket: status (also showing a tripped
# guard), leases, reload with its outcome, doctor naming a foreign
# policy-drop chain, metrics, --json, exit codes; a non-root caller may
# look but not reload.
#
#   [inet] ── up0 [host: gatewayd, control socket] gw0 ── vg1 ── [g1]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft setpriv

topo_init
write_conf
echo 'readers_group = "nogroup"' >>"$T/gw.conf" # uid 65534 below reads
gw_start
guest_add 1
G1=$(guest_ns 1)
udhcpc_lease 1 || fail "no lease"
internet_httpd
http_get "$G1" http://198.51.100.1/cgi-bin/ip >/dev/null || fail "no NAT"
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"

# --- status
in_host $CTL status >"$T/st" || fail "status exit $?"
grep -q "bridge_state *up" "$T/st" || fail "status: $(cat "$T/st")"
grep -q "ports *vg1" "$T/st" || fail "status lacks the guest port"
grep -q "dnsmasq_pid *$(dnsmasq_pid)" "$T/st" || fail "status lacks the dnsmasq pid"
grep -q "guard *ok" "$T/st" || fail "status guard not ok"
grep -q "leases *1" "$T/st" || fail "status lease count"
grep -Eq "nat_packets +[1-9]" "$T/st" || fail "status shows no NATed packets"
in_host $CTL status --json default >"$T/st.json" || fail "status --json"
grep -q '"bridge":"gw0"' "$T/st.json" && grep -q '"guard":"ok"' "$T/st.json" || fail "json: $(cat "$T/st.json")"
grep -Eq '"nat_packets":[1-9]' "$T/st.json" || fail "status of one network (its counters asked by name) shows no NATed packets"
in_host $CTL status nosuch >/dev/null 2>&1; rc=$?
[ $rc = 5 ] || fail "status of an unknown network: exit $rc"
ok "status: bridge up, guest vg1, dnsmasq pid, guard ok, 1 lease, NAT counted; --json; unknown net -> 5"

# --- leases
in_host $CTL leases >"$T/l" || fail "leases exit $?"
grep -q "$(lease_var 1 ip)" "$T/l" || fail "leases: $(cat "$T/l")"
in_host $CTL leases --json | grep -q "\"ip\":\"$(lease_var 1 ip)\"" || fail "leases --json"
ok "leases: $(grep default "$T/l" | tr -s ' ')"

# --- metrics
in_host $CTL metrics >"$T/m" || fail "metrics exit $?"
grep -q '^gatewayd_network_up{network="default"} 1$' "$T/m" || fail "metrics: $(head "$T/m")"
grep -Eq '^gatewayd_nat_packets_total\{network="default"\} [1-9]' "$T/m" || fail "metrics nat"
grep -q '^# TYPE gatewayd_leases gauge$' "$T/m" || fail "metrics TYPE lines"
ok "metrics: Prometheus text, network up, NAT counted"

# --- a tripped guard shows in status
lan_vxlan
in_host ip link set vx0 master gw0
wait_until 3 sh -c "$CTL status | grep -q 'guard *tripped by vx0'" || fail "status does not show the tripped guard"
in_host $CTL status | grep -q "last_error.*port vx0 (kind \"vxlan\") is not a guest port" || fail "status lacks the reason"
in_host $CTL doctor >"$T/d"; rc=$?
[ $rc = 1 ] && grep -q "FAIL  guards" "$T/d" || fail "doctor with a tripped guard: exit $rc: $(cat "$T/d")"
in_host ip link set vx0 nomaster
wait_until 5 sh -c "$CTL status | grep -q 'guard *ok'" || fail "guard not ok again in status"
ok "guard tripped by vx0 shown in status and doctor, then ok again"

# --- doctor: all well, then a foreign policy-drop forward chain
wait_until 5 sh -c "[ -n \"\$(cat $T/run/default.dnsmasq.pid 2>/dev/null)\" ]" || fail "dnsmasq not back"
in_host $CTL doctor >"$T/d" || fail "doctor on a healthy host: $(cat "$T/d")"
grep -q "ok    DHCP self-test" "$T/d" || fail "no DHCP self-test: $(cat "$T/d")"
in_host nft add table ip dockerish
in_host nft add chain ip dockerish FORWARD '{ type filter hook forward priority 0; policy drop; }'
[ "$(http_get "$G1" http://198.51.100.1/cgi-bin/ip)" = 198.51.100.2 ] && fail "planted drop chain did not break the guest (test proves nothing)"
in_host $CTL doctor >"$T/d"; rc=$?
[ $rc = 1 ] || fail "doctor exit $rc with a foreign drop chain"
grep -q 'FAIL  other firewalls  *table ip dockerish, chain FORWARD (hook forward) has policy drop' "$T/d" \
	|| fail "doctor did not name the chain: $(cat "$T/d")"
grep -q 'nft insert rule ip dockerish FORWARD iifname "gw0" accept' "$T/d" || fail "doctor gave no fix"
in_host $CTL doctor --json | grep -q '"check":"other firewalls","state":"FAIL"' || fail "doctor --json"
# the fix it gives works
eval "in_host $(grep -o 'nft insert rule ip dockerish FORWARD iifname "gw0" accept' "$T/d")"
eval "in_host $(grep -o 'nft insert rule ip dockerish FORWARD oifname "gw0" ct state established,related accept' "$T/d")"
[ "$(http_get "$G1" http://198.51.100.1/cgi-bin/ip)" = 198.51.100.2 ] || fail "the doctor's fix did not work"
ok "doctor: names table ip dockerish chain FORWARD (policy drop), exit 1; its fix works"

# --- reload: outcome reported
in_host $CTL reload >"$T/r" || fail "reload exit $?: $(cat "$T/r")"
grep -q "reloaded: new configuration applied" "$T/r" || fail "reload: $(cat "$T/r")"
cp "$T/gw.conf" "$T/good.conf"
sed -i 's|ipv4   = "10.213.0.1/24"|ipv4   = "10.213.0.1/99"|' "$T/gw.conf"
in_host $CTL reload >"$T/r" 2>&1; rc=$?
[ $rc = 3 ] || fail "reload of a bad config: exit $rc"
grep -q "gw.conf:7: network \"default\": ipv4 \"10.213.0.1/99\": prefix length" "$T/r" || fail "reload error: $(cat "$T/r")"
udhcpc_lease 1 || fail "bad reload broke DHCP"
cp "$T/good.conf" "$T/gw.conf"
ok "reload: 'applied' (exit 0); bad file -> FILE:LINE message, exit 3, network untouched"

# --- not root, a member of readers_group: may look, may not reload
chmod 666 "$T/run/gatewayd.sock"
in_host setpriv --reuid=65534 --regid=65534 --clear-groups $CTL status >/dev/null || fail "non-root status refused"
in_host setpriv --reuid=65534 --regid=65534 --clear-groups $CTL reload >"$T/r" 2>&1; rc=$?
[ $rc = 4 ] && grep -q "permission denied: only root may reload" "$T/r" || fail "non-root reload: exit $rc: $(cat "$T/r")"
ok "non-root: status allowed, reload refused (exit 4)"
