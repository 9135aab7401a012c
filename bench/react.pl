#!/usr/bin/perl
# Reaction time of a guard, for make bench.
#
#   react.pl PID TIMEOUT NS IPCMD   make the change IPCMD ("link set vxf
#                                   master gwa") in namespace NS, then print
#                                   the ms until process PID is gone, or
#                                   "timeout"; exit 1 if ip failed
#
# ip(8) runs in batch mode and is already waiting on its stdin when the
# clock starts: the figure is the change and the reaction to it, not ip's
# start-up (a fork and exec that takes tens of ms on a loaded machine).
# PID is looked at every 0.5 ms.
use strict;
use warnings;
use Time::HiRes qw(time usleep);
use IO::Handle;

my ($pid, $timeout, $ns, $cmd) = @ARGV;
my $ip = open(my $to_ip, '|-', 'ip', '-n', $ns, '-batch', '-') or die "ip: $!";
$to_ip->autoflush(1);
# wait until ip has exec'ed and sleeps in its read of stdin
for (my $i = 0; $i < 5000; $i++) {
	my $st = '';
	if (open(my $f, '<', "/proc/$ip/stat")) { local $/; $st = <$f>; }
	last if $st =~ /^\d+ \(ip\) S /;
	usleep(1000);
}
my $t0 = time;
print $to_ip "$cmd\n";
my $res;
while (kill(0, $pid)) {
	if (time - $t0 > $timeout) { $res = "timeout"; last }
	usleep(500);
}
$res //= sprintf("%d", (time - $t0) * 1000 + 0.5);
close($to_ip) or exit 1;
print "$res\n";
