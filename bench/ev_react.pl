#!/usr/bin/perl
# The guard's reaction, DHCP and RA, for bench/events.sh. Run it inside a
# namespace whose interface IF is a guest port on the bridge being watched:
#
#   ev_react.pl PID TIMEOUT NS IPCMD LOG REGEX IF
#
# Sends a Router Solicitation out of IF every 10 ms (to ff02::2) and
# records every Router Advertisement that comes back "live" (router
# lifetime or a prefix's valid lifetime above 0; a final RA with lifetime 0
# is the router saying goodbye, not serving). After 100 ms of that it
# makes the change IPCMD ("link set vxf master gw-9") in namespace NS through
# an `ip -batch` already waiting on its stdin (so ip's start-up is not
# timed), and prints
#
#   DHCP_MS LOG_MS RA_MS RA_BEFORE RA_AFTER GAP PID_US
#
# DHCP_MS: ms until process PID (the network's dnsmasq) is gone, or
# "timeout"; LOG_MS: until a line matching REGEX was appended to LOG ("-"
# if never); RA_MS: the last live RA received after the change ("-" if
# none, "running" if they still came 1 s after DHCP stopped); RA_BEFORE /
# RA_AFTER: live RAs received in the 100 ms before the change / after it
# (RA_BEFORE 0: nothing answered the solicitations, so RA_MS proves
# nothing); GAP: this process's longest ms between two looks (near
# the figures: the machine starved the watcher too); PID_US: PID's CPU
# time when last seen, µs (its CPU is lost from any sum once it is gone).
# It keeps soliciting
# for 1 s after DHCP stopped and the log line was seen (2 s after DHCP
# stopped if the line never comes). Exits 1 if ip failed.
use strict;
use warnings;
use Socket qw(AF_INET6 SOCK_RAW IPPROTO_IPV6 pack_sockaddr_in6 inet_pton);
use Time::HiRes qw(time usleep);
use IO::Handle;
use POSIX ();

my ($pid, $timeout, $ns, $cmd, $logpath, $re, $ifname) = @ARGV;
use constant { IPPROTO_ICMPV6 => 58, IPV6_MULTICAST_IF => 17, IPV6_MULTICAST_HOPS => 18,
	ICMP6_FILTER => 1, MSG_DONTWAIT => 0x40 };

open(my $ifh, '<', "/sys/class/net/$ifname/ifindex") or die "$ifname: $!";
my $ifindex = <$ifh>;
chomp $ifindex;
socket(my $s, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6) or die "raw ICMPv6 socket: $!";
setsockopt($s, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, pack('i', 255)) or die "hops: $!";
setsockopt($s, IPPROTO_IPV6, IPV6_MULTICAST_IF, pack('i', $ifindex)) or die "mcast if: $!";
# pass only type 134 (a set bit blocks its type)
my @filter = (0xffffffff) x 8;
$filter[134 >> 5] &= ~(1 << (134 & 31));
setsockopt($s, IPPROTO_ICMPV6, ICMP6_FILTER, pack('L8', @filter)) or die "filter: $!";
my $to = pack_sockaddr_in6(0, inet_pton(AF_INET6, 'ff02::2'), $ifindex);
my $rs = pack('CCnN', 133, 0, 0, 0);

# live: an RA that still serves (router lifetime or a prefix's valid
# lifetime above 0).
sub live {
	my ($p) = @_;
	return 0 if length($p) < 16 || ord($p) != 134;
	return 1 if unpack('n', substr($p, 6, 2)) > 0;
	my $o = 16;
	while ($o + 8 <= length($p)) {
		my ($type, $len) = unpack('CC', substr($p, $o, 2));
		last if !$len;
		return 1 if $type == 3 && $len == 4 && $o + 32 <= length($p) && unpack('N', substr($p, $o + 4, 4)) > 0;
		$o += 8 * $len;
	}
	return 0;
}

my @ra; # arrival times of live RAs
my $next_rs = 0;
sub probe {
	my $t = time;
	if ($t >= $next_rs) {
		send($s, $rs, 0, $to);
		$next_rs = $t + 0.010;
	}
	while (defined(recv($s, my $buf, 2048, MSG_DONTWAIT))) {
		push @ra, time if live($buf);
	}
}

open(my $log, '<', $logpath) or die "$logpath: $!";
seek($log, 0, 2);
my $ip = open(my $to_ip, '|-', 'ip', '-n', $ns, '-batch', '-') or die "ip: $!";
$to_ip->autoflush(1);
for (my $i = 0; $i < 5000; $i++) {
	my $st = '';
	if (open(my $f, '<', "/proc/$ip/stat")) { local $/; $st = <$f>; }
	last if $st =~ /^\d+ \(ip\) S /;
	usleep(1000);
}
# cpu: PID's CPU time in µs (sum_exec_runtime; utime + stime without it)
my $hz = POSIX::sysconf(POSIX::_SC_CLK_TCK()) || 100;
my $pid_us = 0;
sub cpu {
	if (open(my $f, '<', "/proc/$pid/schedstat")) {
		my $l = <$f>;
		$pid_us = int((split / /, $l)[0] / 1000) if defined $l;
	} elsif (open($f, '<', "/proc/$pid/stat")) {
		my $l = <$f>;
		return unless defined $l;
		$l =~ s/^.*\) //;
		my @a = split / /, $l;
		$pid_us = int(($a[11] + $a[12]) * 1e6 / $hz);
	}
}
my $tp = time;
while (time - $tp < 0.1) { probe(); usleep(500); }
my $t0 = time;
print $to_ip "$cmd\n";
my ($dhcp, $logms, $last, $gap, $buf, $done) = (undef, undef, $t0, 0, '', undef);
my $seen = sub {
	return if defined $logms;
	seek($log, 0, 1); # clear EOF
	local $/;
	my $more = <$log>;
	$buf .= $more if defined $more;
	$logms = (time - $t0) * 1000 if $buf =~ /$re/;
};
for (;;) {
	my $t = time;
	$gap = $t - $last if $t - $last > $gap;
	$last = $t;
	probe();
	$seen->();
	if (!defined $dhcp) {
		cpu();
		$dhcp = ($t - $t0) * 1000 if !kill(0, $pid);
	}
	if ($t - $t0 > $timeout) { $dhcp //= 'timeout'; last }
	if (defined $dhcp) {
		$done //= $t;
		$done = $t if defined $logms && $logms / 1000 + $t0 > $done;
		last if $t - $done > (defined $logms ? 1 : 2);
	}
	usleep(500);
}
my $tend = time;
close($to_ip) or exit 1;
my @after = grep { $_ > $t0 } @ra;
my $ra_ms = '-';
if (@after) {
	$ra_ms = ($after[-1] - $t0) * 1000;
	$ra_ms = 'running' if $tend - $after[-1] < 0.1;
}
my $ms = sub { my ($v) = @_; return $v =~ /^[\d.]+$/ ? sprintf('%d', $v + 0.5) : $v; };
printf "%s %s %s %d %d %d %d\n", $ms->($dhcp), $ms->($logms // '-'), $ms->($ra_ms),
	scalar(grep { $_ <= $t0 } @ra), scalar(@after), $gap * 1000 + 0.5, $pid_us;
