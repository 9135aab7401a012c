#!/usr/bin/perl
# New TCP connections per second, for make bench.
#
#   tcp_conn.pl accept ADDR PORT           accept and close, forever
#   tcp_conn.pl connect ADDR PORT SECONDS  connect and close as fast as one
#                                          process can; prints "RATE FAILS"
#
# ADDR is IPv4 or IPv6 (one with a colon: 2001:db8:51::1).
#
# The connector closes with SO_LINGER 0 (an RST): no TIME_WAIT, so the
# ephemeral ports never run out, and each connection is exactly one
# SYN, SYN-ACK, ACK, RST through the ruleset. SO_SNDTIMEO bounds connect():
# a lost SYN costs 1 s and counts as a failure instead of stalling the run.
use strict;
use warnings;
use Socket qw(PF_INET PF_INET6 AF_INET6 SOCK_STREAM SOL_SOCKET SO_LINGER SO_REUSEADDR
	      SO_SNDTIMEO inet_aton inet_pton pack_sockaddr_in pack_sockaddr_in6);
use Time::HiRes qw(time);

my ($mode, $ip, $port, $secs) = @ARGV;
my $v6 = $ip =~ /:/;
my $pf = $v6 ? PF_INET6 : PF_INET;
my $a = $v6 ? inet_pton(AF_INET6, $ip) : inet_aton($ip);
defined $a or die "not an address: $ip";
my $addr = $v6 ? pack_sockaddr_in6($port, $a) : pack_sockaddr_in($port, $a);

if ($mode eq 'accept') {
	socket(my $l, $pf, SOCK_STREAM, 0) or die "socket: $!";
	setsockopt($l, SOL_SOCKET, SO_REUSEADDR, 1) or die "SO_REUSEADDR: $!";
	bind($l, $addr) or die "bind $ip:$port: $!";
	listen($l, 4096) or die "listen: $!";
	while (1) {
		my $c;
		accept($c, $l) and close($c);
	}
}

my $linger = pack('ii', 1, 0);
my $timeo = pack('l!l!', 1, 0);
my ($n, $fails) = (0, 0);
my $t0 = time;
my $end = $t0 + $secs;
my $t;
while (($t = time) < $end) {
	socket(my $s, $pf, SOCK_STREAM, 0) or die "socket: $!";
	setsockopt($s, SOL_SOCKET, SO_LINGER, $linger);
	setsockopt($s, SOL_SOCKET, SO_SNDTIMEO, $timeo);
	if (connect($s, $addr)) { $n++ } else { $fails++ }
	close($s);
}
printf "%d %d\n", $n / ($t - $t0), $fails;
