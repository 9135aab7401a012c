#!/bin/bash
# Nothing gatewayd runs answers the uplink side. The internet namespace
# routes the guest subnets to the host (any LAN neighbour can do that) and
# asks the network's dnsmasq for a guest's name at the bridge's IPv4 and
# IPv6 addresses, over UDP and TCP, and sends DHCP and DHCPv6 packets there:
# no answer, and the packets are counted as dropped. The same questions
# from a guest are answered (the test can tell the two apart). A guest's
# DHCP packet to another host address than its gateway is dropped too.
#
#   [inet] 198.51.100.1 / 2001:db8:51::1, routes 10.213.0.0/24 and
#     |                  fd42:213::/64 via the host
#   [host] up0 198.51.100.2   gw0 10.213.0.1, fd42:213::1 (dnsmasq)
#     |                        |
#                             vg1 ── [g1] DHCP hostname "vm1"
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
write_conf 'host_access = true'
# A second customer's network, after the first in the file.
cat >>"$T/gw.conf" <<EOF
network b {
    bridge = "gwb"
    ipv4   = "10.214.0.1/24"
    ipv6   = "fd42:214::1/64"
    host_access = true
}
EOF
gw_start
wait_until 10 grep -q "dnsmasq\[b\]: started" "$T/gw.log" || fail "network b's dnsmasq did not start"
guest_add 1
G1=$(guest_ns 1)

# The guest announces its name; dnsmasq learns it from the lease.
cat >"$T/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
[ "$1" = bound ] && ip addr add "$ip/$mask" dev "$interface" && ip route replace default via "$router"
exit 0
SCRIPT
chmod +x "$T/udhcpc.sh"
in_ns "$G1" busybox udhcpc -i eth0 -f -q -n -t 5 -T 2 -x hostname:vm1 -s "$T/udhcpc.sh" \
	>"$T/udhcpc.log" 2>&1 || fail "no lease: $(cat "$T/udhcpc.log")"
ip1=$(in_ns "$G1" ip -4 -o addr show dev eth0 | awk '{print $4}' | cut -d/ -f1)
wait_until 20 sh -c "ip -n $G1 -6 -o addr show dev eth0 scope global | grep -q 'fd42:213::'" \
	|| fail "no SLAAC address"

# resolves NS SERVER: NS asks SERVER for vm1 and gets the guest's address.
resolves() { in_ns "$1" timeout 6 busybox nslookup vm1 "$2" 2>&1 | grep -q "$ip1"; }
# tcp_open NS ADDR: a TCP connection to ADDR port 53 is accepted.
tcp_open() { in_ns "$1" timeout 4 busybox nc -w 2 "$2" 53 </dev/null >/dev/null 2>&1; }
outside() { in_host nft list counter inet gatewayd "outside_${1:-default}" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }

# --- from the guest: answered (so "no answer" below means something)
wait_until 10 resolves "$G1" 10.213.0.1 || fail "the guest cannot resolve vm1 at 10.213.0.1"
wait_until 10 resolves "$G1" fd42:213::1 || fail "the guest cannot resolve vm1 at fd42:213::1: $(in_ns "$G1" timeout 6 busybox nslookup vm1 fd42:213::1 2>&1)"
tcp_open "$G1" 10.213.0.1 || fail "the guest cannot open TCP 53 at 10.213.0.1"
tcp_open "$G1" fd42:213::1 || fail "the guest cannot open TCP 53 at fd42:213::1"
ok "guest resolves vm1 = $ip1 at 10.213.0.1 and fd42:213::1, TCP 53 open"

# --- from the uplink side, with routes to the guest subnets
in_inet ip route add 10.213.0.0/24 via 198.51.100.2
in_inet ip -6 route add fd42:213::/64 via 2001:db8:51::2
in_inet busybox ping -c 1 -W 2 10.213.0.1 >/dev/null || fail "internet cannot reach 10.213.0.1 at all (routing)"
before=$(outside)
resolves "$NS_INET" 10.213.0.1 && fail "uplink side resolved a guest's name at 10.213.0.1 (UDP)"
resolves "$NS_INET" fd42:213::1 && fail "uplink side resolved a guest's name at fd42:213::1 (UDP)"
tcp_open "$NS_INET" 10.213.0.1 && fail "uplink side opened TCP 53 at 10.213.0.1"
tcp_open "$NS_INET" fd42:213::1 && fail "uplink side opened TCP 53 at fd42:213::1"
after_dns=$(outside)
[ "$after_dns" -gt "$before" ] || fail "outside_default did not count the DNS packets ($before -> $after_dns)"
ok "uplink side: no DNS answer at 10.213.0.1 or fd42:213::1, UDP or TCP ($((after_dns - before)) packets dropped)"

# DHCP and DHCPv6 to the bridge's addresses from outside: dropped before
# any socket sees them (a payload is enough: the rule is on the port).
# udp_send NS ADDR PORT: one datagram (bash's /dev/udp; busybox nc has no -u).
udp_send() { in_ns "$1" bash -c "echo dhcp >/dev/udp/$2/$3" 2>/dev/null; }
udp_send "$NS_INET" 10.213.0.1 67
udp_send "$NS_INET" fd42:213::1 547
after=$(outside)
[ "$after" -ge $((after_dns + 2)) ] || fail "DHCP/DHCPv6 from outside not dropped ($after_dns -> $after)"
ok "uplink side: DHCP to 10.213.0.1:67 and DHCPv6 to [fd42:213::1]:547 dropped"

# --- another customer's network: its DNS does not answer this one's
# guests, whatever the order of the networks in the file (with
# host_access = true the first network's accepts came before the second's
# drops).
before=$(outside b)
tcp_open "$G1" 10.214.0.1 && fail "a guest of default opened TCP 53 on network b's gateway"
tcp_open "$G1" fd42:214::1 && fail "a guest of default opened TCP 53 on network b's gateway (IPv6)"
in_ns "$G1" timeout 4 busybox nslookup vm1 10.214.0.1 >/dev/null 2>&1
[ "$(outside b)" -gt "$before" ] || fail "network b's DNS was not protected from default's guests"
ok "network b's DNS does not answer default's guests (host_access = true on both)"

# --- a guest's DHCP goes to its gateway or to broadcast, nowhere else:
# not to another address of the host (the uplink's), where another DHCP
# server may listen -- even with host_access = true.
in_host nft add table inet obs
in_host nft add chain inet obs in '{ type filter hook input priority 10; }'
in_host nft add rule inet obs in udp dport 67 ip daddr 198.51.100.2 counter
in_host nft add rule inet obs in udp dport 547 ip6 daddr 2001:db8:51::2 counter
in_ns "$G1" ip route get 198.51.100.2 >/dev/null || fail "the guest has no route to 198.51.100.2 (no test)"
udp_send "$G1" 198.51.100.2 67 || fail "could not send to 198.51.100.2:67 (no test)"
udp_send "$G1" 2001:db8:51::2 547 || fail "could not send to [2001:db8:51::2]:547 (no test)"
in_host nft list chain inet obs in | grep -c 'packets 0 ' | grep -q 2 || fail "a guest's DHCP packet reached the uplink address: $(in_host nft list chain inet obs in)"
udhcpc_lease 1 || fail "no lease any more"
ok "guest DHCP to 198.51.100.2:67 and DHCPv6 to [2001:db8:51::2]:547 dropped; DHCP from the gateway still served"
