# nd_send.pl IFINDEX MAC SOURCE TARGET COUNT [FRAME_MAC [nonce|na]]: COUNT
# neighbour solicitations for TARGET, 0.1 s apart, written on a packet
# socket (a guest that makes its own frames). SOURCE "::" makes them
# duplicate address probes (no link-layer option, as DAD sends them); any
# other source sends ordinary solicitations from it, with MAC as the
# link-layer option -- which teaches the host's neighbour table that
# SOURCE is at MAC. The frames' Ethernet source is FRAME_MAC (default
# MAC); "nonce" puts a nonce option (its bytes FRAME_MAC) before the
# link-layer option: Linux takes the first link-layer option wherever it
# is. "na" sends unsolicited, overriding neighbour advertisements for
# TARGET to all nodes instead, MAC as their target link-layer option.
use strict;
use warnings;
use Socket;

my ($idx, $mac, $src6, $tgt6, $count, $fmac, $nonce) = @ARGV;
die "usage: nd_send.pl IFINDEX MAC SOURCE TARGET COUNT\n" unless defined $count;
socket(my $s, 17, SOCK_RAW, 0) or die "packet socket: $!"; # AF_PACKET

sub addr6 { # text -> 16 bytes (a "::" anywhere)
	my ($head, $tail) = split(/::/, $_[0], 2);
	my @h = grep { length } split(/:/, $head // '');
	my @t = grep { length } split(/:/, $tail // '');
	my @all = defined $tail ? (@h, (0) x (8 - @h - @t), @t) : @h;
	return pack("n8", map { hex($_) } @all);
}
sub csum {
	my $d = shift;
	$d .= "\0" if length($d) % 2;
	my $sum = 0;
	$sum += $_ for unpack("n*", $d);
	$sum = ($sum & 0xffff) + ($sum >> 16) while $sum >> 16;
	return ~$sum & 0xffff;
}
my $ll = pack("H12", $mac =~ s/://gr);
my $fll = defined $fmac ? pack("H12", $fmac =~ s/://gr) : $ll;
# the nonce's 6 bytes are FRAME_MAC: at the offset where a check that
# reads only the first option's address would look
my $na = ($nonce // "") eq "na";
my $pre = $nonce && !$na ? pack("C C", 14, 1) . $fll : "";
my ($src, $tgt) = (addr6($src6), addr6($tgt6));
my $dad = $src eq "\0" x 16;
my $dst = pack("H26", "ff0200000000000000000001ff") . substr($tgt, 13, 3); # solicited-node
my $emac = "\x33\x33\xff" . substr($tgt, 13, 3);
my $icmp = pack("C C n N", 135, 0, 0, 0) . $tgt . $pre . ($dad ? "" : pack("C C", 1, 1) . $ll);
if ($na) {
	$dst = pack("H32", "ff020000000000000000000000000001");
	$emac = "\x33\x33\x00\x00\x00\x01";
	$icmp = pack("C C n N", 136, 0, 0, 0x20000000) . $tgt . pack("C C", 2, 1) . $ll;
}
substr($icmp, 2, 2) = pack("n", csum($src . $dst . pack("N", length($icmp)) . pack("x3 C", 58) . $icmp));
my $frame = $emac . $fll . pack("n", 0x86dd) . pack("N n C C", 0x60000000, length($icmp), 58, 255)
	. $src . $dst . $icmp;
my $to = pack("S n i S C C a8", 17, 0x86dd, $idx, 1, 0, 6, $emac);
for (1 .. $count) {
	send($s, $frame, 0, $to) or die "send: $!";
	select(undef, undef, undef, 0.1);
}
