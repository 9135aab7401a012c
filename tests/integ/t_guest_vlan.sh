#!/bin/bash
# Guest binding and VLAN tags: a guest port sends no tagged frames (802.1Q
# or 802.1ad), whose inner headers the binding's checks would not read and
# which would reach other guests' VLAN interfaces; counted in bind_NET.
# With guest_binding = false they pass (guests that trunk VLANs).
# (This kernel has no VLAN devices: guest 2 writes the frames itself on a
# packet socket, with perl's Socket module from perl-base.)
#
#   [g1] ── vg1 ─┐
#                ├─ gw0 [host: gatewayd] ── up0 ── [inet]
#   [g2] ── vg2 ─┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl tcpdump

guest_pair
udhcpc_lease 2 || fail "guest 2: no lease"

# send_tagged TPID SENDER-IP: three broadcast frames from guest 2 with an
# ARP request from SENDER-IP in a tag (VLAN 5): 802.1Q as a VLAN interface
# sends them (TPID 0x8100), or 802.1ad with an 802.1Q tag inside (0x88a8)
send_tagged() {
	in_ns "$G2" perl -MSocket -e '
		my ($idx, $mac, $tpid, $ip) = @ARGV;
		socket(my $s, 17, SOCK_RAW, 0) or die "packet socket: $!";
		my $src = pack("H12", $mac =~ s/://gr);
		my $arp = pack("n n C C n", 1, 0x0800, 6, 4, 1) . $src . pack("C4", split(/\./, $ip))
			. ("\0" x 6) . pack("C4", 10, 213, 0, 1);
		my $tags = pack("n n", hex($tpid), 5) . ($tpid eq "0x88a8" ? pack("n n", 0x8100, 7) : "");
		my $f = ("\xff" x 6) . $src . $tags . pack("n", 0x0806) . $arp;
		$f .= "\0" x (60 - length($f)) if length($f) < 60;
		my $to = pack("S n i S C C a8", 17, 0x0003, $idx, 1, 0, 6, "\xff" x 6);
		for (1 .. 3) { send($s, $f, 0, $to) or die "send: $!"; select(undef, undef, undef, 0.1) }
	' "$IDX2" "$MAC2" "$1" "$2"
}
# seen_by_guest1 TPID SENDER-IP: how many of those guest 1 saw
seen_by_guest1() {
	local tp=$1 n
	in_ns "$G1" timeout 4 tcpdump -i eth0 -nn -e -l "ether src $MAC2" >"$T/dump" 2>/dev/null &
	local dump=$!
	wait_until 3 sh -c "ip netns exec $G1 ss -a -0 2>/dev/null | grep -q ." || sleep 1
	sleep 0.5
	send_tagged "$tp" "$2" || fail "perl could not send the frames"
	wait "$dump" 2>/dev/null
	n=$(grep -c "vlan 5" "$T/dump")
	echo "$n"
}

before=$(in_host nft list counter bridge gatewayd bind_default | sed -n 's/.*packets \([0-9]*\).*/\1/p')
# a tagged frame from guest 2's own address; then the gateway's, two tags deep
[ "$(seen_by_guest1 0x8100 "$(lease_var 2 ip)")" = 0 ] || fail "guest 1 received guest 2's 802.1Q frames: $(cat "$T/dump")"
[ "$(seen_by_guest1 0x88a8 10.213.0.1)" = 0 ] || fail "guest 1 received guest 2's 802.1ad frames claiming the gateway: $(cat "$T/dump")"
after=$(in_host nft list counter bridge gatewayd bind_default | sed -n 's/.*packets \([0-9]*\).*/\1/p')
[ "$after" -ge $((before + 6)) ] || fail "bind_default counted $before -> $after, not 6 more"
ok "tagged frames (802.1Q, 802.1ad) from guest 2 reach no one; counted ($before -> $after)"

write_conf 'guest_binding = false'
kill -HUP "$GW_PID"
wait_until 10 grep -q "reload: new configuration applied" "$T/gw.log" || fail "reload failed"
n=$(seen_by_guest1 0x8100 "$(lease_var 2 ip)")
[ "$n" -ge 1 ] || fail "guest_binding = false: guest 1 saw none of guest 2's tagged frames"
ok "guest_binding = false: guest 2's tagged frames reach guest 1 ($n of 3)"
