#!/bin/bash
# Port forwards, each kind reached from the internet namespace: TCP one
# port, a TCP range to one port, a TCP range to a range (port for port),
# UDP on one listen address, IPv6. The forward filter lets them in while
# other inbound connections to the guests stay dropped; a guest reaches a
# forward of its own network through the host's public address (and its
# target sees the gateway, not the guest, so the answer comes back the
# same way); the host reaches it at its own address. Adding a forward by
# reload changes map elements only: every chain, set and rule keeps its
# nft handle, dnsmasq its pid, the other forwards their counters.
#
#   [inet] 198.51.100.1 ── up0 198.51.100.2, .3 [host: gatewayd] ── gw0
#                                   gw0 ── vg1 ── [g1] 10.213.0.10  httpd :22
#                                       ── vg2 ── [g2] 10.213.0.11, fd42:213::11
#                                                      httpd :80 :90 :91 :92 [::]:443
#                                       ── vg3 ── [g3] 10.213.0.12  a DNS server (dnsmasq)
#                                       ── vg4 ── [g4] 10.213.0.50, fd42:213::50 (hairpin client)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
in_host ip addr add 198.51.100.3/24 dev up0
FWD=(
	'forward ssh  { proto = tcp port = 2222 to = "10.213.0.10:22" }'
	'forward web  { proto = tcp port = "8000-8009" to = "10.213.0.11:80" }'
	'forward webr { proto = tcp port = "9000-9002" to = "10.213.0.11:90-92" }'
	'forward web6 { proto = tcp port = 443 to = "[fd42:213::11]:443" }'
	'forward dns  { proto = udp port = 53 to = "10.213.0.12:53" listen = "198.51.100.2" }'
	# the targets are guests with static leases, as a guest sends only
	# from the address its lease gives it
	'host g1 { mac = "52:54:00:f0:00:01" ipv4 = "10.213.0.10" }'
	'host g2 { mac = "52:54:00:f0:00:02" ipv4 = "10.213.0.11" }'
	'host g3 { mac = "52:54:00:f0:00:03" ipv4 = "10.213.0.12" }'
	'host g4 { mac = "52:54:00:f0:00:04" ipv4 = "10.213.0.50" }'
)
write_conf "${FWD[@]}"
gw_start

# guest N with MAC 52:54:00:f0:00:0N, its static lease ADDR4, and ADDR6:
# guest_static N ADDR4 [ADDR6]
guest_static() {
	local ns; ns=$(guest_ns "$1")
	guest_add "$1"
	ip -n "$ns" link set eth0 down
	ip -n "$ns" link set eth0 address "52:54:00:f0:00:0$1"
	ip -n "$ns" link set eth0 up
	udhcpc_lease "$1" || fail "guest $1: no lease"
	[ "$(lease_var "$1" ip)" = "$2" ] || fail "guest $1 leased '$(lease_var "$1" ip)', not $2"
	if [ -n "${3:-}" ]; then
		ip -n "$ns" -6 addr add "$3/64" dev eth0 nodad
		ip -n "$ns" -6 route replace default via fd42:213::1
	fi
}
# www DIR NAME: a document root whose /who says NAME and whose
# /cgi-bin/ip prints the client's address as the server saw it.
www() {
	mkdir -p "$T/$1/cgi-bin"
	echo "$2" >"$T/$1/who"
	printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >"$T/$1/cgi-bin/ip"
	chmod +x "$T/$1/cgi-bin/ip"
}
guest_static 1 10.213.0.10
guest_static 2 10.213.0.11 fd42:213::11
guest_static 3 10.213.0.12
guest_static 4 10.213.0.50 fd42:213::50
G1=$(guest_ns 1) G2=$(guest_ns 2) G3=$(guest_ns 3) G4=$(guest_ns 4)
www ssh ssh
in_ns "$G1" busybox httpd -p 10.213.0.10:22 -h "$T/ssh"
for p in 80 90 91 92; do
	www "w$p" "port$p"
	in_ns "$G2" busybox httpd -p "10.213.0.11:$p" -h "$T/w$p"
done
www w6 v6
in_ns "$G2" busybox httpd -p "[fd42:213::11]:443" -h "$T/w6"
# UDP: a DNS server in g3 that logs who asked
ip netns exec "$G3" dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= --user=root \
	--listen-address=10.213.0.12 --bind-interfaces --no-resolv --address=/probe.test/192.0.2.53 \
	--log-queries --log-facility="$T/dns3.log" &
wait_until 5 sh -c "ip netns exec $G3 ss -lun | grep -q 10.213.0.12:53" || fail "g3's DNS server not listening"
ask() { in_inet timeout 5 busybox nslookup probe.test "$1" 2>/dev/null | grep -c '192.0.2.53'; }

get() { local ns=$1 url=$2; in_ns "$ns" timeout 5 busybox wget -q -O - "$url" 2>/dev/null; }
expect() { # WHAT GOT WANT
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# From the internet, each kind.
expect "tcp 2222 -> 10.213.0.10:22" "$(get "$NS_INET" http://198.51.100.2:2222/cgi-bin/ip)" 198.51.100.1
expect "tcp 2222 on the second address" "$(get "$NS_INET" http://198.51.100.3:2222/who)" ssh
expect "tcp 8000 (range to one port)" "$(get "$NS_INET" http://198.51.100.2:8000/who)" port80
expect "tcp 8009 (range to one port)" "$(get "$NS_INET" http://198.51.100.2:8009/who)" port80
expect "tcp 9000 (range to range)" "$(get "$NS_INET" http://198.51.100.2:9000/who)" port90
expect "tcp 9002 (range to range)" "$(get "$NS_INET" http://198.51.100.2:9002/who)" port92
expect "tcp [2001:db8:51::2]:443" "$(get "$NS_INET" 'http://[2001:db8:51::2]:443/who')" v6
expect "udp 53 on 198.51.100.2" "$(ask 198.51.100.2)" 1
grep -q "query\[A\] probe.test from 198.51.100.1" "$T/dns3.log" || fail "g3 did not see the query from 198.51.100.1: $(cat "$T/dns3.log")"
ok "from the internet: tcp one port, range to one, range to range, IPv6, udp"

# The kernel holds exactly what gatewayd -n -v prints: the maps, sets and
# their elements, the DNAT, counting and hairpin rules (counter values
# aside; elements compared as sorted "set: element" lines, as nft wraps
# and orders them its own way).
in_host "$GATEWAYD" -n -v -c "$T/gw.conf" | sed -n '/^table inet/,/^}/p' >"$T/want.nft"
in_host nft list table inet gatewayd | grep -v '^		packets [0-9]* bytes' |
	sed 's/ counter packets [0-9]* bytes [0-9]*//; s/ # progname .*//; /^	flags owner$/,+1d' >"$T/have.nft"
split_elements() { # FILE: FILE.rules without element blocks, FILE.el the elements
	awk -v el="$1.el" '
		/^\t(map|set) / { set = $2 }
		/elements = \{/ { inel = 1; buf = "" }
		inel { buf = buf " " $0; if ($0 ~ /\}/) { inel = 0; sub(/.*elements = \{ */, "", buf); sub(/ *\}[^}]*$/, "", buf);
			n = split(buf, a, /, */); for (i = 1; i <= n; i++) { gsub(/^[ \t]+|[ \t]+$/, "", a[i]); if (set !~ /^ctq(_drops|_in4|_in6)?$/) print set ": " a[i] > el } }
			next }
		{ print }' "$1" >"$1.rules"
	sort -o "$1.el" "$1.el"
}
split_elements "$T/want.nft"
split_elements "$T/have.nft"
diff -u "$T/want.nft.rules" "$T/have.nft.rules" || fail "installed ruleset differs from gatewayd -n -v"
diff -u "$T/want.nft.el" "$T/have.nft.el" || fail "installed elements differ from gatewayd -n -v"
grep -q '^fwd4: tcp . 9002 : 10.213.0.11 . 92$' "$T/have.nft.el" || fail "no port-for-port element: $(grep fwd4 "$T/have.nft.el")"
ok "the kernel holds what gatewayd -n -v prints ($(wc -l <"$T/have.nft.el") elements)"

# What is not forwarded stays closed.
[ -z "$(get "$NS_INET" http://198.51.100.2:9003/who)" ] || fail "port 9003 was forwarded"
[ "$(ask 198.51.100.3)" = 0 ] || fail "udp 53 answered on 198.51.100.3, which is not its listen address"
in_inet ip route add 10.213.0.0/24 via 198.51.100.2
[ -z "$(get "$NS_INET" http://10.213.0.10:22/who)" ] || fail "a guest was reachable directly from the internet"
in_inet ip route del 10.213.0.0/24 via 198.51.100.2
ok "closed: other ports, udp on another address, guests directly"

# Hairpin from a guest, and the host itself.
expect "hairpin: g4 -> 198.51.100.2:2222 (source the target sees)" \
	"$(get "$G4" http://198.51.100.2:2222/cgi-bin/ip)" 10.213.0.1
expect "hairpin: g4 -> 198.51.100.2:9001" "$(get "$G4" http://198.51.100.2:9001/who)" port91
expect "hairpin: g4 -> [2001:db8:51::2]:443 (source the target sees)" \
	"$(get "$G4" 'http://[2001:db8:51::2]:443/cgi-bin/ip')" '[fd42:213::1]'
expect "the host -> 198.51.100.2:2222" "$(get "$NS_HOST" http://198.51.100.2:2222/cgi-bin/ip)" 198.51.100.2
expect "the host -> [2001:db8:51::2]:443" "$(get "$NS_HOST" 'http://[2001:db8:51::2]:443/who')" v6
ok "hairpin from a guest (the target sees 10.213.0.1, fd42:213::1) and from the host"

# Counters: one element per forward, counting both ways; gatewayctl
# forwards and the metrics show them.
ctl() { $GATEWAYCTL -s "$T/run/gatewayd.sock" "$@"; }
count_of() { # NAME [COLUMN]: packets (6) or bytes (7) as gatewayctl forwards says
	ctl forwards default | awk -v n="$1" -v c="${2:-6}" '$2 == n { print $c }'
}
ctl forwards >"$T/fw.txt" || fail "gatewayctl forwards: $(cat "$T/fw.txt")"
grep -q '^default  *webr  *tcp  *\*:9000-9002  *10.213.0.11:90-92 ' "$T/fw.txt" || fail "forwards: $(cat "$T/fw.txt")"
grep -q '^default  *dns  *udp  *198.51.100.2:53  *10.213.0.12:53 ' "$T/fw.txt" || fail "forwards: $(cat "$T/fw.txt")"
c_ssh=$(count_of ssh)
[ "${c_ssh:-0}" -ge 10 ] || fail "ssh's counter: '$c_ssh' packets ($(cat "$T/fw.txt"))"
c_6=$(count_of web6)
[ "${c_6:-0}" -ge 10 ] || fail "web6's counter: '$c_6' packets"
[ "$(count_of dns)" -ge 2 ] || fail "dns's counter: '$(count_of dns)' (a query and its answer)"
ctl forwards --json default | grep -q '"name": *"web6"' || fail "forwards --json: $(ctl forwards --json default)"
ctl metrics | grep -q "^gatewayd_forward_packets_total{network=\"default\",forward=\"ssh\"} $c_ssh\$" ||
	fail "metrics: $(ctl metrics | grep forward_packets)"
ok "counters (gatewayctl forwards, metrics): ssh $c_ssh packets, web6 $c_6, dns $(count_of dns)"

# One forward more, by reload: elements only.
handles() { in_host nft -a list table inet gatewayd | grep '# handle' | sort; }
handles >"$T/handles.before"
pid=$(dnsmasq_pid)
write_conf "${FWD[@]}" 'forward late { proto = tcp port = 2300 to = "10.213.0.10:22" }'
$GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
expect "new forward tcp 2300" "$(get "$NS_INET" http://198.51.100.2:2300/who)" ssh
handles >"$T/handles.after"
diff "$T/handles.before" "$T/handles.after" >"$T/handles.diff" || fail "a chain, set or rule was rewritten: $(cat "$T/handles.diff")"
[ "$(dnsmasq_pid)" = "$pid" ] || fail "dnsmasq restarted ($pid -> $(dnsmasq_pid))"
c2=$(count_of ssh)
[ "${c2:-0}" -ge "$c_ssh" ] || fail "ssh's counter reset by the reload: $c_ssh -> $c2"
grep -q "replacing them whole" "$T/gw.log" && fail "the update was refused: $(grep "replacing them whole" "$T/gw.log")"
expect "tcp 2222 still" "$(get "$NS_INET" http://198.51.100.2:2222/who)" ssh
ok "forward added by reload: $(wc -l <"$T/handles.after") handles unchanged, dnsmasq $pid kept, ssh counter $c_ssh -> $c2"

# A forward's target changed by reload: its element goes and comes back
# in the same transaction.
write_conf "${FWD[@]/10.213.0.10:22/10.213.0.11:80}" 'forward late { proto = tcp port = 2300 to = "10.213.0.10:22" }'
$GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
expect "ssh moved to 10.213.0.11:80" "$(get "$NS_INET" http://198.51.100.2:2222/who)" port80
handles >"$T/handles.after"
diff -q "$T/handles.before" "$T/handles.after" >/dev/null || fail "changing a target rewrote a chain"
ok "a target changed by reload: elements only"

# And removed again.
write_conf "${FWD[@]}"
$GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
[ -z "$(get "$NS_INET" http://198.51.100.2:2300/who)" ] || fail "removed forward still answers"
handles >"$T/handles.after"
diff -q "$T/handles.before" "$T/handles.after" >/dev/null || fail "removing a forward rewrote a chain"
ok "forward removed by reload: elements only"
