#!/bin/bash
# What guests may do to the host, and what the internet may ask of it:
#  - a guest sending from a spoofed source reaches neither the host nor
#    the internet (host_access on, so only the anti-spoofing rule stands
#    in the way);
#  - DNS is answered on the bridge only: a query to the uplink address
#    from the internet gets no answer, one from a guest does;
#  - guest -> host services: refused with host_access = false, allowed
#    with true (switched by reload).
#
#   [inet] ── up0 [host: gatewayd, httpd on 10.213.0.1:8081] gw0 ── vg1 ── [g1]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
write_conf 'host_access = true'
gw_start
guest_add 1
G1=$(guest_ns 1)
udhcpc_lease 1 || fail "no lease"

# --- spoofed source towards the host
mkdir -p "$T/www/cgi-bin"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >"$T/www/cgi-bin/ip"
chmod +x "$T/www/cgi-bin/ip"
in_host nft add table ip obs
in_host nft add chain ip obs in '{ type filter hook input priority 10; }'
in_host nft add rule ip obs in ip saddr 192.0.2.77 counter
in_host nft add rule ip obs in ip saddr "$(lease_var 1 ip)" icmp type echo-request counter
in_ns "$G1" ip addr add 192.0.2.77/32 dev eth0
in_ns "$G1" busybox ping -c 3 -W 1 -I 192.0.2.77 10.213.0.1 >/dev/null 2>&1
# (its ARP requests from 192.0.2.77 were dropped too: guest binding; the
# next ones carry its own address)
wait_until 8 in_ns "$G1" busybox ping -c 1 -W 1 10.213.0.1 || fail "guest cannot ping the host"
obs=$(in_host nft list chain ip obs in)
echo "$obs" | grep 'saddr 192.0.2.77' | grep -q 'packets 0 ' || fail "spoofed packets reached the host's input: $obs"
echo "$obs" | grep 'icmp type' | grep -q 'packets [1-9]' || fail "observer saw no legitimate ping: $obs"
ok "spoofed 192.0.2.77 -> host dropped before input (legitimate ping passes)"
in_ns "$G1" ip addr del 192.0.2.77/32 dev eth0

# --- DNS only on the bridge
out=$(in_ns "$G1" timeout 5 busybox nslookup nosuchname 10.213.0.1 2>&1)
echo "$out" | grep -q "NXDOMAIN\|can't find" || fail "guest got no DNS answer from 10.213.0.1: $out"
out=$(in_inet timeout 5 busybox nslookup nosuchname 198.51.100.2 2>&1)
echo "$out" | grep -q "NXDOMAIN\|can't find" && fail "the internet got a DNS answer from the uplink address: $out"
in_host ss -lnup | grep ':53 ' | grep -qv '10.213.0.1:53\|\[fd42:213::1\]:53\|%gw0' && fail "dnsmasq listens on more than the bridge: $(in_host ss -lnup | grep ':53 ')"
ok "DNS: guest answered on 10.213.0.1, internet gets nothing on 198.51.100.2"

# --- host services: allowed with host_access = true ...
in_host busybox httpd -p 10.213.0.1:8081 -h "$T/www"
wait_until 5 http_get "$G1" http://10.213.0.1:8081/cgi-bin/ip || fail "host_access = true: guest cannot reach the host's httpd"
ok "host_access = true: guest reaches a host service"
# ... and refused with false
write_conf
kill -HUP "$GW_PID"
wait_until 10 grep -q "reload: new configuration applied" "$T/gw.log" || fail "reload failed"
http_get "$G1" http://10.213.0.1:8081/cgi-bin/ip && fail "host_access = false: guest still reaches the host's httpd"
udhcpc_lease 1 || fail "host_access = false broke DHCP"
in_ns "$G1" timeout 5 busybox nslookup nosuchname 10.213.0.1 2>&1 | grep -q "NXDOMAIN\|can't find" || fail "host_access = false broke DNS"
in_ns "$G1" busybox ping -c 1 -W 2 10.213.0.1 >/dev/null || fail "host_access = false broke ping"
ok "host_access = false: host service refused; DHCP, DNS and ping still work"
