#!/bin/bash
# A real guest under QEMU whose tap is plugged in by gatewayd's ifup
# script: the README's "ifup/ifdown scripts" recipe, the command line from
# gatewayctl qemu-args (its default form with the ACL off). QEMU makes a tap of
# its own, runs scripts/qemu-ifup with its name (gatewayctl attach), and
# scripts/qemu-ifdown (gatewayctl detach) when it stops; the environment
# names gatewayctl, its socket and the network.
#
#   [inet] eth0 198.51.100.1  httpd: /cgi-bin/ip answers the client's address
#     |  veth
#   [host] up0 198.51.100.2   gw0 10.213.0.1/24, fd42:213::1/64 (network "default")
#                              gw1 10.214.0.1/24 (network "other")
#                              └─ tapN (QEMU's, qemu-ifup: attach tapN other) ── guest
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/qemu/lib.sh"
require busybox dnsmasq nft
qemu_require
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"

topo_init
write_conf
# a second network, so that GATEWAYD_NETWORK has to pick
cat >>"$T/gw.conf" <<'CONF'
network other {
    bridge = "gw1"
    mode   = nat
    ipv4   = "10.214.0.1/24"
    ipv6   = "fd42:214::1/64"
    dhcp { range = "10.214.0.100-10.214.0.250" }
    ra { enabled = true }
}
CONF
internet_httpd
gw_start
wait_until 10 grep -q "dnsmasq\[other\]: started" "$T/gw.log" || fail "dnsmasq of network other did not start"

# The script form is qemu-args' default with the ACL off; it names the
# installed scripts (LIBEXECDIR), here the tree's stand in for them.
args=$(in_host $CTL qemu-args other --name vm3 2>"$T/args.err") || fail "qemu-args failed: $(cat "$T/args.err")"
MAC=$(echo "$args" | sed -n 's/.*,mac=\([0-9a-f:]*\).*/\1/p')
case $args in "-netdev tap,id=gw-other,script=/"*"/qemu-ifup,downscript=/"*"/qemu-ifdown -device virtio-net-pci,netdev=gw-other,mac=$MAC") ;;
*) fail "qemu-args other --name vm3 (script form): '$args'" ;; esac
grep -q "GATEWAYD_NETWORK=other" "$T/args.err" || fail "qemu-args other: no note to set GATEWAYD_NETWORK=other: $(cat "$T/args.err")"
ok "gatewayctl qemu-args other --name vm3: $args (and: $(cat "$T/args.err"))"
args=$(echo "$args" | sed "s|script=/[^,]*/qemu-ifup|script=$TOP/scripts/qemu-ifup|; s|downscript=/[^ ,]*/qemu-ifdown|downscript=$TOP/scripts/qemu-ifdown|")

QG_PREFIX=fd42:214: QG_NET4=10.214.0
# shellcheck disable=SC2086
qemu_start vm3 ip netns exec "$NS_HOST" \
	env GATEWAYCTL="$GATEWAYCTL" GATEWAYD_SOCKET="$T/run/gatewayd.sock" GATEWAYD_NETWORK=other -- $args
qemu_check_guest vm3 # in network other: its range and prefix

tap=$(in_host ip -o link show master gw1 | awk -F': ' '$2 ~ /^tap/ { print $2; exit }')
tap=${tap%%@*}
[ -n "$tap" ] || fail "no tap of QEMU's on gw1: $(in_host ip -o link show master gw1)"
grep -q "network \"other\": attached $tap to bridge gw1" "$T/gw.log" || fail "gatewayd did not log attaching $tap"
st=$(in_host $CTL status other) || fail "gatewayctl status failed: $st"
lease=$(qemu_get vm3 lease)
echo "$st" | grep -q "$tap origin=script mac=$MAC ipv4=${lease%%/*}\$" ||
	fail "gatewayctl status does not show $tap as attached by the script with the guest's MAC and lease: $(echo "$st" | grep -i port)"
ok "gatewayctl status: $(echo "$st" | grep -o "$tap origin=.*")"

qemu_stop vm3
wait_until 10 grep -q "network \"other\": detached $tap" "$T/gw.log" || fail "qemu-ifdown did not detach $tap"
! grep -qw "$tap" "$T/state/attached" 2>/dev/null || fail "$tap is still in state_dir/attached after qemu-ifdown"
ok "QEMU stopped: qemu-ifdown detached $tap, gatewayd forgot it"
