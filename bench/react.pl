#!/usr/bin/perl
# Reaction time of a guard, for make bench.
#
#   react.pl PID TIMEOUT NS IPCMD LOG REGEX
#
# Makes the change IPCMD ("link set vxf master gwa") in namespace NS, then
# prints "MS LOGMS GAP": the ms until process PID is gone (or "timeout"),
# the ms until a line matching REGEX was appended to LOG (gatewayd's
# decision; "-" if not seen by then), and the longest ms between two looks.
# Exits 1 if ip failed.
#
# ip(8) runs in batch mode and is already waiting on its stdin when the
# clock starts: the figure is the change and the reaction to it, not ip's
# start-up (a fork and exec that takes tens of ms on a loaded machine).
# PID and LOG are looked at every 0.5 ms; GAP says when this process itself
# was starved of CPU (then MS is an upper bound, not gatewayd's doing).
use strict;
use warnings;
use Time::HiRes qw(time usleep);
use IO::Handle;

my ($pid, $timeout, $ns, $cmd, $logpath, $re) = @ARGV;
open(my $log, '<', $logpath) or die "$logpath: $!";
seek($log, 0, 2);
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
my ($res, $logms, $last, $gap, $buf) = (undef, undef, $t0, 0, '');
my $seen = sub {
	return if defined $logms;
	seek($log, 0, 1); # clear EOF
	local $/;
	my $more = <$log>;
	$buf .= $more if defined $more;
	$logms = sprintf("%d", (time - $t0) * 1000 + 0.5) if $buf =~ /$re/;
};
while (kill(0, $pid)) {
	my $t = time;
	$gap = $t - $last if $t - $last > $gap;
	$last = $t;
	$seen->();
	if ($t - $t0 > $timeout) { $res = "timeout"; last }
	usleep(500);
}
$res //= sprintf("%d", (time - $t0) * 1000 + 0.5);
$seen->();
close($to_ip) or exit 1;
printf "%s %s %d\n", $res, $logms // '-', $gap * 1000 + 0.5;
