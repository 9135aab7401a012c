#!/usr/bin/perl
# tap_open.pl TAP [hold]: attach to tap TAP through /dev/net/tun (TUNSETIFF,
# IFF_TAP | IFF_NO_PI), as QEMU's -netdev tap,ifname=TAP does. Prints "ok"
# and exits 0, or prints why and exits 1. With "hold" it keeps the tap
# open until killed (a tap that is not persistent lives that long).
# tap_open.pl relay TAP1 TAP2: open both and copy frames between them, so
# that a tap moved into a guest namespace is that guest's wire.
# Only perl-base: open, ioctl, select, sysread, syswrite.
use strict;

my $TUNSETIFF = 0x400454ca;
my $IFF_TAP_NO_PI = 0x0002 | 0x1000;

sub tap {
	my ($name) = @_;
	open(my $f, "+<", "/dev/net/tun") or die "open /dev/net/tun: $!\n";
	ioctl($f, $TUNSETIFF, pack("a16 s", $name, $IFF_TAP_NO_PI)) or die "TUNSETIFF $name: $!\n";
	return $f;
}

$| = 1;
if ($ARGV[0] eq "relay") {
	my ($a, $b) = (tap($ARGV[1]), tap($ARGV[2]));
	print "ok\n";
	my $rin = '';
	vec($rin, fileno($a), 1) = 1;
	vec($rin, fileno($b), 1) = 1;
	while (1) {
		select(my $r = $rin, undef, undef, undef) > 0 or next;
		for my $p ([$a, $b], [$b, $a]) {
			next unless vec($r, fileno($p->[0]), 1);
			my $n = sysread($p->[0], my $buf, 65536);
			exit 0 unless $n;
			syswrite($p->[1], $buf);
		}
	}
}
my $f = eval { tap($ARGV[0]) };
if (!$f) {
	print "fail: $@";
	exit 1;
}
print "ok\n";
sleep while $ARGV[1] && $ARGV[1] eq "hold";
exit 0;
