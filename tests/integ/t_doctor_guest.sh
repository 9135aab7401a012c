#!/bin/bash
# doctor and status per guest (issue 19 item 5). A guest whose address is
# set by hand (no DHCP, no host section) gets 100 % loss: guest binding
# drops it, by design. doctor must name it -- port, MAC, the address it
# used -- with the fix, and exit 1; status shows the drop on its port.
# After a matching host section and a reload the guest reaches the
# gateway and doctor exits 0 again. A guest with a lease is shown with
# its lease and nothing dropped. Then: a flood of 1500 made-up source
# addresses keeps the record set at its bound and is dropped whole (fail
# closed); a guest sending from another guest's held IPv6 address is
# named; made-up MACs using up a port's DHCP meter show in status.
#
#   [g1] 10.213.0.77 by hand           ── vg1 ─┐
#   [g2] udhcpc lease, SLAAC           ── vg2 ─┤
#   [g3] 1500 made-up IPv4 sources     ── vg3 ─┼─ gw0 10.213.0.1 [host: gatewayd] ── up0 ── [inet]
#   [g4] g2's IPv6; 6 made-up DHCP MACs ─ vg4 ─┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl python3

CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
guest_pair
udhcpc_lease 2 || fail "guest 2: no lease"
L2=$(lease_var 2 ip)
in_ns "$G2" busybox ping -c 1 -W 2 10.213.0.1 >/dev/null || fail "guest 2 (lease $L2) cannot ping the gateway"

# --- 1. the hand-set guest: 100 % loss, named by doctor and status
in_ns "$G1" ip addr add 10.213.0.77/24 dev eth0
in_ns "$G1" busybox ping -c 3 -W 1 10.213.0.1 >"$T/ping1" 2>&1 &&
	fail "guest 1 with a hand-set address reached the gateway: $(cat "$T/ping1")"
grep -q "100% packet loss" "$T/ping1" || fail "guest 1: not 100 % loss: $(cat "$T/ping1")"
[ "$(bridge_counter bind_default)" -gt 0 ] || fail "bind_default counted nothing"
in_host $CTL doctor >"$T/d"
rc=$?
[ $rc = 1 ] || fail "doctor exit $rc with a guest dropped by guest binding: $(cat "$T/d")"
line=$(grep "FAIL  guest" "$T/d") || fail "doctor names no guest: $(cat "$T/d")"
for want in vg1 "$MAC1" 10.213.0.77 "host NAME { mac = \"$MAC1\" ipv4 = \"10.213.0.77\" }" \
	"guest_binding = false" DHCP; do
	grep -F -q -- "$want" "$T/d" || fail "doctor's guest check lacks '$want': $(cat "$T/d")"
done
grep "^FAIL" "$T/d" | grep -v "^FAIL  guest" | grep -q . && fail "doctor fails something else too: $(cat "$T/d")"
ok "hand-set 10.213.0.77: 100 % loss; doctor exits 1 naming vg1, $MAC1, the address and the fix"

# the leased guest: shown with its lease, nothing dropped
grep "guest" "$T/d" | grep "vg2" | grep -q "ok.*$MAC2, lease $L2.*nothing dropped" ||
	fail "doctor does not show guest 2 with lease $L2 and no drops: $(cat "$T/d")"
in_host $CTL status >"$T/s" || fail "status: $(cat "$T/s")"
grep -q "guest_drops *vg1 host=- dropped=binding: $MAC1 from 10.213.0.77" "$T/s" ||
	fail "status does not show vg1's drop: $(grep guest_ "$T/s")"
grep -q "guest_port *vg2 origin=veth mac=$MAC2 ipv4=$L2\$" "$T/s" &&
	grep -q "guest_drops *vg2 host=- dropped=-\$" "$T/s" ||
	fail "status does not show vg2 with its lease and no drops: $(grep guest_ "$T/s")"
in_host $CTL status --json >"$T/j" || fail "status --json"
python3 - "$T/j" "$MAC1" "$MAC2" "$L2" <<'PY' || fail "status --json: $(cat "$T/j")"
import json, sys
doc = json.load(open(sys.argv[1]))
net = [n for n in doc["networks"] if n["network"] == "default"][0]
rows = {r["port"]: r for r in net["guest_ports"]}
g1, g2 = rows["vg1"], rows["vg2"]
assert g1["mac"] == sys.argv[2] and "binding: %s from 10.213.0.77" % sys.argv[2] in g1["dropped"], g1
assert g2["mac"] == sys.argv[3] and g2["ipv4"] == sys.argv[4] and g2["dropped"] == "", g2
PY
ok "status (and --json) shows vg1's drop with its address, vg2's lease $L2 and no drops"

# --- 2. the fix doctor gave: a host section, reload
write_conf "host hand { mac = \"$MAC1\" ipv4 = \"10.213.0.77\" }"
in_host $CTL reload >"$T/r" 2>&1 || fail "reload: $(cat "$T/r")"
wait_until 15 in_ns "$G1" busybox ping -c 1 -W 1 10.213.0.1 ||
	fail "guest 1 still cut off after its host section: $(in_host nft list set bridge gatewayd bind4)"
in_host $CTL doctor >"$T/d"
rc=$?
[ $rc = 0 ] || fail "doctor exit $rc after the fix: $(cat "$T/d")"
grep "guest" "$T/d" | grep "vg1" | grep -q "ok.*$MAC1.*host hand.*nothing dropped" ||
	fail "doctor does not show guest 1 with its host section: $(cat "$T/d")"
ok "host section + reload: guest 1 reaches the gateway, doctor exits 0 and shows host hand"

# --- 3. a flood of made-up source addresses: the record set stays at its
# bound (nft/binding.h NFT_BIND_MISS_SIZE, 1024) and every frame past it is
# still dropped (the record is a rule of its own before the drop: a full
# set ends the record, not the drop). 1500 UDP frames from guest 3's own
# MAC, each from another unbound address.
guest_add 3
G3=$(guest_ns 3)
before=$(bridge_counter bind_default)
in_ns "$G3" python3 - <<'PY' || fail "flood: could not send"
import socket, struct
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
src = open("/sys/class/net/eth0/address").read().strip()
mac = bytes(int(x, 16) for x in src.split(":"))
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff)
    return ~(t + (t >> 16)) & 0xffff
for i in range(1500):
    sa = bytes([10, 214 + i // 65536, (i >> 8) & 0xff, i & 0xff])
    udp = struct.pack("!HHHH", 40000, 9, 8, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28, i, 0, 64, 17, 0, sa, bytes([10, 213, 0, 1]))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s.send(b"\xff" * 6 + mac + b"\x08\x00" + ip + udp)
PY
wait_until 5 sh -c "[ \$(ip netns exec $NS_HOST nft list counter bridge gatewayd bind_default | sed -n 's/.*packets \([0-9]*\).*/\1/p') -ge $((before + 1500)) ]" ||
	fail "flood: bind_default counted $(($(bridge_counter bind_default) - before)) of 1500 drops (frames past a full record set were let through)"
n=$(in_host nft list set bridge gatewayd bind_miss4 | grep -o '10\.21[45]\.[0-9]*\.[0-9]*' | wc -l)
[ "$n" -le 1024 ] && [ "$n" -ge 1000 ] || fail "flood: bind_miss4 holds $n records (want the bound, 1024)"
in_host $CTL doctor >"$T/d"
grep -q "vg3.*and [0-9]* other sources" "$T/d" || fail "doctor after the flood: $(grep vg3 "$T/d")"
ok "a flood of 1500 made-up sources: all dropped, $n records kept (bound 1024), doctor names vg3"

# --- 4. IPv6: guest 4 sends from guest 2's SLAAC address, which guest 2
# holds: dropped, recorded in bind_miss6, named by doctor with its fix
guest_add 4
G4=$(guest_ns 4)
MAC4=$(in_ns "$G4" cat /sys/class/net/eth0/address)
IDX4=$(in_ns "$G4" cat /sys/class/net/eth0/ifindex)
wait_until 15 sh -c "ip -n $G2 -6 addr show dev eth0 scope global | grep inet6 | grep -qv tentative" ||
	fail "guest 2 got no global IPv6 address"
A2=$(in_ns "$G2" ip -6 addr show dev eth0 scope global | sed -n 's/.*inet6 \(fd42:213:[0-9a-f:]*\)\/64.*/\1/p' | head -n 1)
in_ns "$G2" busybox ping -6 -c 1 -W 2 fd42:213::1 >/dev/null || fail "guest 2 cannot ping the gateway from $A2"
wait_until 5 sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd bind6 | grep -q '$A2'" ||
	fail "guest 2's $A2 is not held"
in_ns "$G4" ip -6 addr add "$A2/64" dev eth0 nodad
in_ns "$G4" busybox ping -6 -I "$A2" -c 2 -W 1 fd42:213::1 >/dev/null 2>&1 &&
	fail "guest 4 reached the gateway from guest 2's $A2"
in_host $CTL doctor >"$T/d"
grep -F -q "vg4: guest binding drops MAC $MAC4 sending from $A2" "$T/d" &&
	grep -F -q "another guest holds $A2" "$T/d" ||
	fail "doctor does not name vg4 sending from guest 2's $A2: $(grep -A1 vg4 "$T/d")"
ok "IPv6: guest 4 sending from guest 2's $A2 is named by doctor (vg4, $MAC4) with the fix"

# --- 5. the DHCP meter: DISCOVERs from 6 made-up MACs on one port use up
# its burst (5; guest 4's own router solicitation may be one of them):
# status says so
for i in 1 2 3 4 5 6; do
	in_ns "$G4" perl "$TOP/tests/integ/dhcp_send.pl" "$IDX4" "02:00:00:00:44:0$i" ff:ff:ff:ff:ff:ff \
		0.0.0.0 255.255.255.255 discover 1 || fail "dhcp_send.pl"
done
wait_until 5 sh -c "$CTL status | grep -q 'guest_drops *vg4 .*DHCP meter: 5 clients in the last hour, its burst used up'" ||
	fail "status does not show vg4's DHCP meter: $(in_host $CTL status | grep "guest_drops *vg4") $(in_host nft list set bridge gatewayd dhcp_clients)"
ok "DHCP meter: 6 made-up MACs on vg4, status shows its burst used up"
