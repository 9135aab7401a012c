# dhcp_send.pl IFINDEX SRCMAC DSTMAC SRCIP DSTIP TYPE COUNT [KEY=VALUE...]:
# COUNT DHCPv4 client messages written on a packet socket (a guest that
# makes its own frames), 5 ms apart. TYPE: discover, request, decline,
# release. The frame's Ethernet source is SRCMAC whatever the message
# says; KEY=VALUE:
#   chaddr=MAC|random   the BOOTP client hardware address (default SRCMAC;
#                       random: a new locally administered MAC each)
#   clid=random|HEX     a client identifier option (61), random: new each
#   req=IP              requested address (option 50)
#   server=IP           server identifier (option 54)
#   ciaddr=IP           the client address field
#   rapid=1             rapid commit (option 80): dnsmasq with
#                       dhcp-rapid-commit answers a DISCOVER with an ACK
#                       and makes the lease at once
#   frag=N              send the IPv4 datagram as two fragments, the first
#                       carrying N bytes of UDP (a multiple of 8)
#   tags=SPEC           VLAN tags before the IPv4 header, outermost
#                       first: TPID:VID pairs joined by ',' (hex TPID),
#                       e.g. 8100:0,8100:0 (two priority tags)
use strict;
use warnings;
use Socket;

my ($idx, $smac, $dmac, $sip, $dip, $type, $count, @kv) = @ARGV;
die "usage: dhcp_send.pl IFINDEX SRCMAC DSTMAC SRCIP DSTIP TYPE COUNT [KEY=VALUE...]\n"
	unless defined $count;
my %o = map { split(/=/, $_, 2) } @kv;
my %types = (discover => 1, request => 3, decline => 4, release => 7);
die "unknown type $type\n" unless $types{$type};
socket(my $s, 17, SOCK_RAW, 0) or die "packet socket: $!"; # AF_PACKET

sub mac { pack("H12", $_[0] =~ s/://gr) }
sub ip4 { pack("C4", split(/\./, $_[0])) }
sub rnd { join("", map { chr(int(rand(256))) } 1 .. $_[0]) }
sub csum {
	my $d = shift;
	$d .= "\0" if length($d) % 2;
	my $sum = 0;
	$sum += $_ for unpack("n*", $d);
	$sum = ($sum & 0xffff) + ($sum >> 16) while $sum >> 16;
	return ~$sum & 0xffff;
}

for (1 .. $count) {
	my $ch = !defined $o{chaddr} ? mac($smac)
		: $o{chaddr} eq "random" ? "\x02" . rnd(5) : mac($o{chaddr});
	my $opts = pack("C C C", 53, 1, $types{$type});
	if (defined $o{clid}) {
		my $id = $o{clid} eq "random" ? "\xff" . rnd(8) : pack("H*", $o{clid});
		$opts .= pack("C C", 61, length($id)) . $id;
	}
	$opts .= pack("C C", 50, 4) . ip4($o{req}) if defined $o{req};
	$opts .= pack("C C", 54, 4) . ip4($o{server}) if defined $o{server};
	$opts .= pack("C C", 80, 0) if $o{rapid};
	$opts .= "\xff";
	my $bootp = pack("C C C C", 1, 1, 6, 0) . rnd(4) . pack("n n", 0, 0)
		. ip4($o{ciaddr} // "0.0.0.0") . ("\0" x 12) . $ch . ("\0" x 10)
		. ("\0" x 192) . pack("N", 0x63825363) . $opts;
	$bootp .= "\0" x (300 - length($bootp)) if length($bootp) < 300;
	my $udp = pack("n n n n", 68, 67, 8 + length($bootp), 0) . $bootp;
	my $id = int(rand(65536));
	my @parts = $o{frag} ? ([0x2000, substr($udp, 0, $o{frag})], [$o{frag} / 8, substr($udp, $o{frag})])
		: ([0, $udp]);
	my $to = pack("S n i S C C a8", 17, 0x0800, $idx, 1, 0, 6, mac($dmac));
	for my $p (@parts) {
		my ($fo, $data) = @$p;
		my $iph = pack("C C n n n C C n", 0x45, 0, 20 + length($data), $id, $fo, 64, 17, 0)
			. ip4($sip) . ip4($dip);
		substr($iph, 10, 2) = pack("n", csum($iph));
		my $tags = join("", map { my ($tp, $vid) = split(/:/); pack("n n", hex($tp), $vid) }
			split(/,/, $o{tags} // ""));
		my $frame = mac($dmac) . mac($smac) . $tags . pack("n", 0x0800) . $iph . $data;
		send($s, $frame, 0, $to) or die "send: $!";
	}
	select(undef, undef, undef, 0.005);
}
