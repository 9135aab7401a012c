# nd_flood.pl IFINDEX SECONDS [eth]: router solicitations (no options, from
# fe80::1 to ff02::2) written on a packet socket as fast as it goes for
# SECONDS, each frame from a new made-up Ethernet source (02:42:...); prints
# how many were sent. A guest that makes its own frames. "eth": broadcast
# frames of the local experimental ether type 0x88b5 instead (no protocol
# any check of gatewayd's reads: the bridge learns each source).
use strict;
use warnings;
use Socket;
use Time::HiRes qw(time);

my ($idx, $secs, $kind) = @ARGV;
die "usage: nd_flood.pl IFINDEX SECONDS [eth]\n" unless defined $secs;
socket(my $s, 17, SOCK_RAW, 0) or die "packet socket: $!"; # AF_PACKET
my $dst = pack("H12", "333300000002");
my $ip6 = pack("N n C C", 0x60000000, 8, 58, 255)
	. pack("H32", "fe800000000000000000000000000001") . pack("H32", "ff020000000000000000000000000002");
my $rs = "\x86\xdd" . $ip6 . pack("C C n N", 133, 0, 0, 0);
if (($kind // "") eq "eth") {
	$dst = "\xff" x 6;
	$rs = "\x88\xb5" . ("\0" x 46);
}
my $to = pack("S n i S C C a8", 17, 0x86dd, $idx, 1, 0, 6, $dst);
my ($end, $n, $c) = (time + $secs, 0, int(rand(1 << 24)));
while (time < $end) {
	for (1 .. 1000) {
		$c = ($c + 1) & 0xffffffff;
		send($s, $dst . pack("C C N", 2, 0x42, $c) . $rs, 0, $to) and $n++;
	}
}
print "$n\n";
