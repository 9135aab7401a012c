#!/bin/bash
# A real Linux guest under QEMU (software emulation) on a tap that the
# admin made by hand, the README's first recipe: `ip tuntap add`, `ip link
# set ... master gw0`, `-netdev tap,ifname=...,script=no,downscript=no`.
# The guest (tests/qemu: Debian's kernel, a busybox initramfs) reports on
# its serial console; the internet namespace checks the port forward.
#
#   [inet] eth0 198.51.100.1  httpd: /cgi-bin/ip answers the client's address
#     |  veth
#   [host] up0 198.51.100.2   gw0 10.213.0.1/24, fd42:213::1/64
#                              └─ qtap0 (tap) ── QEMU ── guest eth0
#                                                 52:54:00:71:00:01 = 10.213.0.10
#                                                 httpd :80 <- forward 8080
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/qemu/lib.sh"
require busybox dnsmasq nft
qemu_require

MAC=52:54:00:71:00:01
topo_init
write_conf "host vm1 { mac = \"$MAC\" ipv4 = \"10.213.0.10\" }" \
	'forward web { proto = tcp port = 8080 to = "10.213.0.10:80" }'
internet_httpd
gw_start

in_host ip tuntap add dev qtap0 mode tap
in_host ip link set qtap0 master gw0 up
qemu_start vm1 ip netns exec "$NS_HOST" -- \
	-netdev tap,id=n0,ifname=qtap0,script=no,downscript=no -device "virtio-net-pci,netdev=n0,mac=$MAC"
qemu_check_guest vm1 10.213.0.10

[ "$(qemu_get vm1 mac)" = "$MAC" ] || qemu_fail vm1 "the guest's MAC is $(qemu_get vm1 mac), not $MAC"
page=$(http_get "$NS_INET" http://198.51.100.2:8080/) || qemu_fail vm1 "port forward 8080 -> 10.213.0.10:80: no answer from the internet namespace"
[ "$page" = "gwq-page vm1" ] || qemu_fail vm1 "port forward 8080: got '$page', not the guest's page"
ok "forward 198.51.100.2:8080 -> guest 10.213.0.10:80 from the internet namespace: '$page'"

st=$(in_host "$GATEWAYCTL" -s "$T/run/gatewayd.sock" status default) || fail "gatewayctl status failed: $st"
echo "$st" | grep -q "qtap0 origin=manual mac=$MAC ipv4=10.213.0.10\$" ||
	fail "gatewayctl status does not show qtap0 as a hand-made tap with the guest's MAC and address: $(echo "$st" | grep -i port)"
ok "gatewayctl status: $(echo "$st" | grep -o 'qtap0 origin=.*')"

qemu_stop vm1
