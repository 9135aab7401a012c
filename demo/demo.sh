#!/bin/bash
# A narrated tour of gatewayd, entirely inside network namespaces this
# script creates and removes. The root namespace is never touched.
#
#   [internet] 198.51.100.1  busybox httpd answering with the client's address
#        |  veth
#   [host]     up0 198.51.100.2 (uplink)    gatewayd -> gw0 10.213.0.1/24, fd42:213::1/64
#        |  veth vg1 in gw0 (stands in for a VM's tap)
#   [guest]    eth0: DHCP + SLAAC from gatewayd's dnsmasq
ID=demo$$
. "$(dirname "$0")/../tests/integ/lib.sh"
require busybox dnsmasq nft

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { sed 's/^/    /'; }

step "Building the namespaces: host, internet, guest"
topo_init
say "host uplink up0 = 198.51.100.2, default route via the internet namespace 198.51.100.1"
say "ip_forward in the host namespace before: $(in_host cat /proc/sys/net/ipv4/ip_forward)"

step "The config gatewayd runs with"
write_conf
show <"$T/gw.conf"

step "Starting gatewayd -f -c gw.conf in the host namespace"
gw_start
grep -v 'dnsmasq\[default\]: dnsmasq' "$T/gw.log" | show
say "ip_forward now: $(in_host cat /proc/sys/net/ipv4/ip_forward)"

step "Plugging a guest into gw0 and asking for a DHCP lease (busybox udhcpc)"
guest_add 1
G=$(guest_ns 1)
udhcpc_lease 1 || fail "no lease"
show <"$T/udhcpc-1.env"

step "Waiting for SLAAC from gatewayd's router advertisements"
wait_until 20 sh -c "ip -n $G -6 -o addr show dev eth0 scope global | grep -q fd42:213::" || fail "no SLAAC address"
wait_until 20 sh -c "ip -n $G -6 route show default | grep -q via" || fail "no IPv6 default route"
ip -n "$G" -6 -o addr show dev eth0 scope global | awk '{print "address " $4}' | show
ip -n "$G" -6 route show default | show

step "The guest asks the internet host who it is"
internet_httpd
seen=$(http_get "$G" http://198.51.100.1/cgi-bin/ip) || fail "no HTTP reply"
say "guest $(lease_var 1 ip) -> http://198.51.100.1/  the internet saw: $seen"
[ "$seen" = 198.51.100.2 ] && say "that is the host's uplink address: SNAT works"

step "The ruleset gatewayd installed (inet gatewayd: NAT and filters; bridge gatewayd: the DHCP/RA backstop)"
in_host nft list table inet gatewayd | show
in_host nft list table bridge gatewayd | show

step "What the operator sees: gatewayctl status and doctor"
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
in_host $CTL status | show
in_host $CTL doctor | show

step "Someone enslaves an uplink-like port (VXLAN) into gw0: DHCP and RA stop at once"
lan_vxlan
dpid=$(dnsmasq_pid)
in_host ip link set vx0 master gw0
wait_until 3 sh -c "! ps -p $dpid >/dev/null" || fail "dnsmasq still running"
grep -o 'network "default": port vx0.*' "$T/gw.log" | head -1 | show
in_host $CTL status | grep -E "guard|last_error" | show
in_host ip link set vx0 nomaster
wait_until 5 grep -q "port vx0 left bridge gw0" "$T/gw.log" || fail "no resume"
say "vx0 removed: $(grep -o 'port vx0 left.*' "$T/gw.log" | head -1)"

step "Stopping gatewayd (SIGTERM) and looking for leftovers"
wait_until 5 sh -c "[ -n \"\$(cat $T/run/default.dnsmasq.pid 2>/dev/null)\" ]"
dpid=$(cat "$T/run/default.dnsmasq.pid")
gw_stop
in_host nft list table inet gatewayd >/dev/null 2>&1 && say "table: STILL THERE" || say "tables inet and bridge gatewayd: gone"
in_host ip link show gw0 >/dev/null 2>&1 && say "bridge: STILL THERE" || say "bridge gw0: gone"
alive "$dpid" && say "dnsmasq: STILL RUNNING" || say "dnsmasq (pid $dpid): gone"
say "ip_forward: back to $(in_host cat /proc/sys/net/ipv4/ip_forward)"
step "Done. The namespaces are removed on exit."
