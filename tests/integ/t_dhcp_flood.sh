#!/bin/bash
# One guest cannot empty the pool: guest 1 asks for leases for 200 random
# MACs (macvlan devices on its eth0, 40 DHCP clients at a time, all through
# its one bridge port); the pool has 20 addresses. The kernel meters DHCP
# requests per guest port, so most of the flood is dropped (and counted in
# dhcp_rate_default) and guest 2 still gets a lease.
#
#   [g1: eth0 + mv0..mv199, udhcpc each] ── vg1 ─┐
#                                                gw0 [host: gatewayd, pool .100-.119]
#   [g2: udhcpc] ─────────────────────────── vg2 ─┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
cat >"$T/gw.conf" <<EOF
uplink    = auto
state_dir = "$T/state"
run_dir   = "$T/run"
network default {
    bridge = "gw0"
    ipv4   = "10.213.0.1/24"
    dhcp {
        range      = "10.213.0.100-10.213.0.119"
        lease_time = 1h
    }
}
EOF
gw_start
guest_add 1
guest_add 2
G1=$(guest_ns 1)
in_ns "$G1" ip link add mvtest link eth0 type macvlan mode bridge 2>/dev/null || skip "no macvlan"
in_ns "$G1" ip link del mvtest
printf '#!/bin/sh\nexit 0\n' >"$T/quiet.sh"
chmod +x "$T/quiet.sh"

flood() { # MACs FROM..TO, 40 clients at a time
	local i j pids
	for ((i = $1; i <= $2; i += 40)); do
		pids=()
		for ((j = i; j < i + 40 && j <= $2; j++)); do
			in_ns "$G1" ip link add "mv$j" link eth0 type macvlan mode bridge
			in_ns "$G1" ip link set "mv$j" up
			in_ns "$G1" timeout 8 busybox udhcpc -i "mv$j" -n -q -t 2 -T 1 -s "$T/quiet.sh" >/dev/null 2>&1 &
			pids+=($!)
		done
		wait "${pids[@]}" # not gatewayd
		for ((j = i; j < i + 40 && j <= $2; j++)); do in_ns "$G1" ip link del "mv$j"; done
	done
}
flood 0 199
leases=$(grep -c . "$T/state/default.leases" 2>/dev/null)
dropped=$(in_host nft list counter bridge gatewayd dhcp_rate_default | sed -n 's/.*packets \([0-9]*\).*/\1/p')
udhcpc_lease 2 || fail "guest 2 got no lease after guest 1's flood ($leases leases taken, $dropped dropped)"
ok "guest 2 still gets a lease: $(lease_var 2 ip)"
[ "${dropped:-0}" -gt 0 ] || fail "dhcp_rate_default counted nothing"
ok "200 MACs from one port: $leases leases of 20 taken, $dropped requests dropped by the meter"
$GATEWAYCTL -s "$T/run/gatewayd.sock" status >"$T/status" 2>&1
grep -q "dhcp_rate" "$T/status" && ok "gatewayctl status shows it: $(grep dhcp_rate "$T/status" | head -1)"
