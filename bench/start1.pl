#!/usr/bin/perl
# start1.pl CONF BINARY: run in the host namespace; fork/exec
# BINARY -f -c CONF and poll /proc/net/udp (this namespace) every 0.2 ms
# until a child of gatewayd (its dnsmasq, not gatewayd's own port check)
# holds a socket bound to port 67; print the ms from the fork to that,
# and gatewayd's pid. gatewayd's output goes to stderr. With START1_MARKS
# set, the fork's and the socket's CLOCK_MONOTONIC go to stderr too
# ("TMARK SECONDS what"), beside any the binary prints. Used by
# bench/start1.sh.
use strict;
use warnings;
use Time::HiRes qw(time sleep clock_gettime CLOCK_MONOTONIC);

my ($conf, $bin) = @ARGV;
my $marks = $ENV{START1_MARKS};
my $t0 = time;
printf STDERR "TMARK %.6f fork\n", clock_gettime(CLOCK_MONOTONIC) if $marks;
my $pid = fork // die "fork: $!";
if (!$pid) {
	open STDOUT, '>&', \*STDERR or die "stdout: $!";
	exec $bin, '-f', '-c', $conf or die "exec $bin: $!";
}

# a socket inode on port 67 held by one of gatewayd's children
sub dnsmasq_has {
	my ($inodes) = @_;
	open my $c, '<', "/proc/$pid/task/$pid/children" or return 0;
	my @kids = split ' ', (<$c> // '');
	for my $k (@kids) {
		opendir my $d, "/proc/$k/fd" or next;
		for my $fd (readdir $d) {
			my $l = readlink "/proc/$k/fd/$fd" or next;
			return 1 if $l =~ /^socket:\[(\d+)\]$/ && $inodes->{$1};
		}
	}
	return 0;
}

for (;;) {
	my %inodes;
	if (open my $f, '<', '/proc/net/udp') {
		while (<$f>) {
			my @w = split;
			$inodes{$w[9]} = 1 if @w > 9 && $w[1] =~ /:0043$/;
		}
	}
	if (%inodes && dnsmasq_has(\%inodes)) {
		printf STDERR "TMARK %.6f dhcp socket\n", clock_gettime(CLOCK_MONOTONIC) if $marks;
		printf "%.2f %d\n", (time - $t0) * 1000, $pid;
		exit 0;
	}
	die "gatewayd exited\n" if waitpid($pid, 1) == $pid;
	die "no DHCP socket after 10 s\n" if time - $t0 > 10;
	sleep 0.0002;
}
