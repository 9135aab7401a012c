#!/usr/bin/perl
# CPU time of gatewayd and its dnsmasqs, for bench/events.sh.
#
#   ev_cpu.pl RUN_DIR GW_PID
#       prints "GW_US DNSMASQ_US SYS_MS T_MS NDNSMASQ": gatewayd's and all
#       running dnsmasqs' (RUN_DIR/*.dnsmasq.pid) CPU time in µs, the
#       whole machine's busy time (/proc/stat: all but idle and iowait,
#       every CPU, every process -- other load on the machine included --
#       less this sampler's own) in ms, the wall clock in ms, and how many dnsmasqs were counted
#   ev_cpu.pl RUN_DIR GW_PID quiet GW_IDLE_US DNS_IDLE_US MAX_S
#       waits until both are quiet -- over one second gatewayd used under
#       1.5 x GW_IDLE_US (its idle CPU per second: e.g. periodic RAs) plus
#       2 ms, the dnsmasqs under 1.5 x DNS_IDLE_US plus 5 ms -- and prints
#       the sample from the start of that quiet second (so the figure is
#       the work, not the wait); or, after 20 s, once both have used CPU at
#       a steady rate for 5 s (each second within 30 % + 2 / 5 ms of the
#       mean: a background that changed since idle was measured), the
#       sample from the start of those 5 s with "steady GW_US DNSMASQ_US"
#       (the rates per s) appended; after MAX_S seconds the last sample,
#       with "busy" appended.
#
# CPU time is the scheduler's sum_exec_runtime (/proc/PID/task/*/schedstat,
# ns) where the kernel has it, else utime + stime (/proc/PID/stat, ticks):
# both count the same thing, the first to the ns instead of 10 ms.
use strict;
use warnings;
use POSIX qw(sysconf _SC_CLK_TCK);
use Time::HiRes qw(time usleep);

my ($run, $gw, $mode, $gw_idle, $dns_idle, $max) = @ARGV;
my $hz = sysconf(_SC_CLK_TCK) || 100;

sub slurp { open(my $h, '<', $_[0]) or return undef; local $/; my $s = <$h>; return $s; }

# cpu_us PID: the process's CPU time (µs), 0 if gone.
sub cpu_us {
	my ($pid) = @_;
	my $us = 0;
	my @tasks = glob("/proc/$pid/task/*");
	return 0 unless @tasks;
	if (-r "$tasks[0]/schedstat") {
		for my $t (@tasks) {
			my $s = slurp("$t/schedstat") // next;
			$us += (split / /, $s)[0] / 1000;
		}
		return int($us);
	}
	my $l = slurp("/proc/$pid/stat") // return 0;
	$l =~ s/^.*\) //;
	my @a = split / /, $l;
	return int(($a[11] + $a[12]) * 1e6 / $hz);
}

sub sample {
	my ($d, $n) = (0, 0);
	for my $f (glob("$run/*.dnsmasq.pid")) {
		my $p = slurp($f) // next;
		chomp $p;
		next unless $p =~ /^\d+$/;
		$d += cpu_us($p);
		$n++;
	}
	my @c = split /\s+/, (grep { /^cpu / } split /\n/, slurp('/proc/stat'))[0];
	my $busy = 0;
	$busy += $c[$_] // 0 for (1, 2, 3, 6, 7, 8);
	# less this process's own CPU (the waits sample every 0.25 s)
	my ($u, $sy) = times;
	return [cpu_us($gw), $d, int($busy * 1000 / $hz - ($u + $sy) * 1000), int(time * 1000), $n];
}

my $s = sample();
if (($mode // '') ne 'quiet') {
	print "@$s\n";
	exit 0;
}
my @w = ($s);
my $t0 = time;
my $end = $t0 + $max;
# rate I J K: field K's µs per s from sample I to J
sub rate { my ($i, $j, $k) = @_; return ($j->[$k] - $i->[$k]) * 1000 / (($j->[3] - $i->[3]) || 1); }
for (;;) {
	usleep(250_000);
	push @w, sample();
	shift @w while @w > 21; # the last five seconds, in quarters
	my ($p, $q) = ($w[-5] // $w[0], $w[-1]);
	# a dnsmasq that went or came between the samples makes its sum jump
	if (@w >= 5 && $p->[4] == $q->[4] && rate($p, $q, 0) < 1.5 * $gw_idle + 2000 &&
		rate($p, $q, 1) < 1.5 * $dns_idle + 5000) {
		print "@$p\n";
		exit 0;
	}
	# Not back to idle after 20 s, but steady for 5 s: a background that
	# changed since idle was measured (a timer that started later). Quiet
	# too, with the steady rates appended, "steady GW_US DNSMASQ_US" per s.
	if (time - $t0 > 20 && @w == 21 && $w[0]->[4] == $q->[4]) {
		my (@g, @d);
		for my $i (0 .. 4) {
			push @g, rate($w[4 * $i], $w[4 * $i + 4], 0);
			push @d, rate($w[4 * $i], $w[4 * $i + 4], 1);
		}
		my @gs = sort { $a <=> $b } @g;
		my @ds = sort { $a <=> $b } @d;
		my $gm = rate($w[0], $q, 0);
		my $dm = rate($w[0], $q, 1);
		if ($gs[-1] - $gs[0] <= 0.3 * $gm + 2000 && $ds[-1] - $ds[0] <= 0.3 * $dm + 5000) {
			printf "%s steady %d %d\n", "@{$w[0]}", $gm, $dm;
			exit 0;
		}
	}
	if (time > $end) {
		print "@$q busy\n";
		exit 0;
	}
}
