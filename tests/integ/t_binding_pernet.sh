#!/bin/bash
# Guest binding's cost follows the network that changed (issue 17): with
# 20 networks, each with a bound guest, a guest renewing its lease on one
# network, and a new VM starting on another (port plugged, DHCP), make
# gatewayd read only that network's lease file -- it used to read all 20
# on every sync. Every guest stays bound throughout, the new one is bound,
# and a lease file written for a network with no ports costs no sync.
# Watched with strace on gatewayd's openat() calls.
#
#   [g0:  udhcpc] ── vg0  ── gb0  10.220.0.1/24  (network n00)
#   [g1:  udhcpc] ── vg1  ── gb1  10.220.1.1/24  (network n01)   [host: gatewayd]
#    ...                                                                 |
#   [g19: udhcpc] ── vg19 ── gb19 10.220.19.1/24 (network n19)          up0 ── [inet]
#   [g25: udhcpc] ── vg25 ── gb5   (the new VM, on n05, started while strace watches)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft strace

N=20
topo_init
{
	echo "uplink    = auto"
	echo "state_dir = \"$T/state\""
	echo "run_dir   = \"$T/run\""
	for i in $(seq 0 $((N - 1))); do
		printf 'network n%02d {\n    bridge = "gb%d"\n    ipv4 = "10.220.%d.1/24"\n' "$i" "$i" "$i"
		printf '    dhcp {\n        range = "10.220.%d.100-10.220.%d.150"\n        lease_time = 1h\n    }\n}\n' "$i" "$i"
	done
	# a network nobody is plugged into
	printf 'network empty {\n    bridge = "gb99"\n    ipv4 = "10.221.0.1/24"\n}\n'
} >"$T/gw.conf"
GW_FLAGS=-v gw_spawn
wait_until 20 sh -c "[ \$(grep -c 'dnsmasq\[n[0-9]*\]: started' $T/gw.log) -ge $N ]" \
	|| fail "not all $N dnsmasqs started"

bound() { in_host nft list set bridge gatewayd bind4 | grep -Eq "$1( |,|$)"; }
for i in $(seq 0 $((N - 1))); do
	guest_add_at "$NS_HOST" "$i" "gb$i"
	udhcpc_lease "$i" || fail "guest $i: no lease"
done
for i in $(seq 0 $((N - 1))); do
	wait_until 5 bound "$(lease_var "$i" ip)" || fail "guest $i ($(lease_var "$i" ip)) never bound"
done
ok "$N guests on $N networks, each bound"

# strace_start NAME: gatewayd's openat() calls into $T/NAME.strace
strace_start() {
	strace -qq -e trace=openat -p "$GW_PID" -o "$T/$1.strace" &
	STRACE=$!
	MARK=$(wc -l <"$T/gw.log")
	# strace is attached once gatewayd shows a tracer
	wait_until 5 sh -c "grep -q '^TracerPid:[[:space:]]*$STRACE' /proc/$GW_PID/status" \
		|| fail "strace did not attach to gatewayd"
}
strace_stop() { kill "$STRACE"; wait "$STRACE" 2>/dev/null; }
# leases_read NAME: the lease files gatewayd opened, one a line, sorted
leases_read() { grep -o '[a-z0-9]*\.leases"' "$T/$1.strace" | tr -d '"' | sort -u; }
# synced NET NAME: the sync that read NET.leases is over: the debug line
# gatewayd logs after a sync names the networks it recomputed (one that
# logs no such line reads every network's file, n19's last: that, or 3 s)
synced() {
	wait_until 5 grep -q "$1.leases\"" "$T/$2.strace" || fail "$1.leases was not read after its change: $(cat "$T/$2.strace")"
	wait_until 3 sh -c "tail -n +$((MARK + 1)) $T/gw.log | grep -q 'recomputed ([a-z0-9 ]*$1' ||
		grep -q 'n19.leases' $T/$2.strace" || true
}

# 1. guest 3 renews its lease: n03.leases only
strace_start renew
udhcpc_lease 3 || fail "guest 3: no renewal"
synced n03 renew
strace_stop
read_files=$(leases_read renew | tr '\n' ' ')
[ "$read_files" = "n03.leases " ] || fail "guest 3's renewal made gatewayd read: $read_files(want n03.leases only)"
ok "a renewal on n03 read n03.leases only, not the other $((N - 1))"

# 2. a new VM starts on n05: port plugged, then DHCP: n05.leases only
strace_start vmstart
guest_add_at "$NS_HOST" 25 gb5
udhcpc_lease 25 || fail "new guest 25: no lease"
IP25=$(lease_var 25 ip)
wait_until 5 bound "$IP25" || fail "new guest 25 ($IP25) on n05 never bound"
synced n05 vmstart
strace_stop
read_files=$(leases_read vmstart | tr '\n' ' ')
[ "$read_files" = "n05.leases " ] || fail "a VM start on n05 made gatewayd read: $read_files(want n05.leases only)"
in_ns "$(guest_ns 25)" busybox ping -c 1 -W 2 10.220.5.1 >/dev/null || fail "new guest 25 bound but cannot ping its gateway"
ok "a VM start on n05 (port plugged, DHCP) read n05.leases only, and the new guest ($IP25) is bound"

# 3. a lease file of a network without ports (written by hand here): no
# other network's lease file read (names.c reads that one itself, for the
# guests' names: not binding's)
strace_start empty
echo "0 02:00:00:00:99:01 10.221.0.50 x *" >"$T/state/empty.leases"
# a change the sync does read, after it: the empty one's is then over
udhcpc_lease 7 || fail "guest 7: no renewal"
synced n07 empty
strace_stop
read_files=$(leases_read empty | grep -v '^empty\.leases$' | tr '\n' ' ')
[ "$read_files" = "n07.leases " ] || fail "after empty.leases and n07's renewal gatewayd read: $read_files(want n07.leases only)"
ok "a lease file of a network without ports costs no other network's read"

# every guest still bound, the forged lease bound nowhere
for i in $(seq 0 $((N - 1))); do
	bound "$(lease_var "$i" ip)" || fail "guest $i ($(lease_var "$i" ip)) lost its binding"
done
bound 10.221.0.50 && fail "a lease on a network without ports got bound"
n=$(in_host nft list set bridge gatewayd bind4 | grep -o '10\.220\.[0-9]*\.[0-9]*' | sort -u | wc -l)
[ "$n" = $((N + 1)) ] || fail "bind4 holds $n addresses, want $((N + 1))"
ok "all $((N + 1)) guests still bound, each once"
