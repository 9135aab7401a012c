#!/bin/bash
# Red team of issue 16 item 17: a BIRD that stops answering. At stop (and
# at a reload that moves config_file, and at --teardown) gatewayd tells
# BIRD about the emptied fragment with a synchronous request bounded by
# 1 s -- but its connect() was a blocking one: once a hung BIRD's listen
# backlog is full (gatewayd's own retries every few seconds fill it in a
# minute or two; here another client of BIRD's socket fills it at once),
# connect() waits for ever, and gatewayd never exits on SIGTERM (a
# reload would freeze the loop, guards and all). gatewayd must stop
# within a few seconds, saying BIRD was not told.
# Control: BIRD answering, gatewayd stops and BIRD loads the stopped
# fragment.
#
#   [host: gatewayd + BIRD] gw0 (routed 10.64.0.0/24, announce)
#          BIRD: SIGSTOP; its control socket's backlog filled
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft bird birdc perl

topo_init
mkdir -p "$T/bird"
cat >"$T/bird/host.conf" <<EOF
log "$T/bird/host.log" all;
router id 198.51.100.2;
protocol device { scan time 1; }
include "$T/bird/gatewayd.conf";
EOF
: >"$T/bird/gatewayd.conf"
bird_run "$NS_HOST" host
bgp_routed_conf
announced() { "$GATEWAYCTL" -s "$T/run/gatewayd.sock" status default | awk '$1 == "announce" { print $2 }' | grep -qx announced; }
stop_within() { # SECONDS: SIGTERM, gatewayd gone within that time
	local pid=$GW_PID
	kill -TERM "$pid"
	if ! wait_until "$1" sh -c "! kill -0 $pid"; then
		kill -KILL "$pid"
		return 1
	fi
	wait "$pid" 2>/dev/null
	GW_PID=
}

# --- control: BIRD answering
gw_start
wait_until 10 announced || fail "not announced: $("$GATEWAYCTL" -s "$T/run/gatewayd.sock" status default)"
t0=$(date +%s%N)
stop_within 5 || fail "gatewayd did not stop within 5 s with BIRD answering"
grep -q "BIRD loaded the stopped" "$T/gw.log" || fail "BIRD was not told at stop"
ok "control: BIRD answering: stopped in $((($(date +%s%N) - t0) / 1000000)) ms, BIRD told"

# --- BIRD hung (SIGSTOP), its socket's backlog full
: >"$T/gw.log"
gw_start
wait_until 10 announced || fail "not announced after the restart"
BIRD_PID=$(cat "$T/bird/host.pid")
kill -STOP "$BIRD_PID"
cat >"$T/fill.pl" <<'PL'
use strict; use Socket; use Errno qw(EAGAIN);
my ($path, $stop) = @ARGV; my (@s, $n);
for (1 .. 64) {
	socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die;
	my $fl = fcntl($s, 4, 0); fcntl($s, 4, $fl | 04000); # O_NONBLOCK
	if (!connect($s, pack_sockaddr_un($path))) { last if $! == EAGAIN; die "connect: $!\n"; }
	push @s, $s; $n++;
}
open(my $f, '>', "$stop.ready"); print $f "$n\n"; close $f;
sleep 1 until -e $stop;
PL
in_host perl "$T/fill.pl" "$T/bird/host.ctl" "$T/stop" &
FILL_PID=$!
wait_until 5 test -e "$T/stop.ready" || fail "the backlog filler did not start"
t0=$(date +%s%N)
if ! stop_within 8; then
	kill -CONT "$BIRD_PID"
	touch "$T/stop"
	fail "gatewayd did not stop within 8 s of SIGTERM with BIRD hung (backlog full after $(cat "$T/stop.ready") connections): killed"
fi
dt=$((($(date +%s%N) - t0) / 1000000))
kill -CONT "$BIRD_PID"
touch "$T/stop"
wait "$FILL_PID"
grep -q "bgp: BIRD at .* not told" "$T/gw.log" || fail "gatewayd did not say BIRD was not told: $(grep bgp "$T/gw.log" | tail -3)"
ok "BIRD hung, its backlog full ($(cat "$T/stop.ready") connections): gatewayd stopped in $dt ms, said BIRD was not told"
