#!/bin/bash
# Config errors name the line the user wrote, in the shipped example and in
# a file with every comment form; names that would reach dnsmasq or
# nftables are refused with the line. Only "gatewayd -n": no namespace, no
# root needed, nothing applied.
#
#   conf/gatewayd.conf.example ──(one bad value)──► gatewayd -n ──► FILE:LINE: ...
. "$(dirname "$0")/lib.sh"
[ -x "$GATEWAYD" ] || skip "build gatewayd first ($GATEWAYD)"
EXAMPLE=$TOP/conf/gatewayd.conf.example

# expect_line FILE LINE MESSAGE: exit 2 and exactly one line, FILE:LINE: MESSAGE.
expect_line() {
	local f=$1 line=$2 msg=$3 rc
	"$GATEWAYD" -n -c "$f" >"$T/out" 2>&1
	rc=$?
	[ $rc = 2 ] || fail "expected exit 2, got $rc: $(cat "$T/out")"
	[ "$(cat "$T/out")" = "$f:$line: $msg" ] || fail "expected '$f:$line: $msg', got: $(cat "$T/out")"
	ok "${f#"$T"/}:$line: $msg"
}

# line_of FILE TEXT: the number of the first line containing TEXT.
line_of() { grep -nF -m1 -- "$2" "$1" | cut -d: -f1; }

"$GATEWAYD" -n -c "$EXAMPLE" >"$T/out" 2>&1 || fail "the example does not pass: $(cat "$T/out")"
ok "the example passes gatewayd -n"

# --- the shipped example, one bad value at a time
n=$(line_of "$EXAMPLE" '10.213.0.100-10.213.0.250')
[ -n "$n" ] && [ "$(head -n "$n" "$EXAMPLE" | grep -c '#')" -gt 2 ] || fail "example: no comments before the range line"
sed "${n}s|10.213.0.100-10.213.0.250|10.213.0.5-10.214.0.9|" "$EXAMPLE" >"$T/ex.conf"
expect_line "$T/ex.conf" "$n" 'network "default": dhcp range 10.213.0.5-10.214.0.9 is outside 10.213.0.0/24'

n=$(line_of "$EXAMPLE" '"10.213.0.1/24"')
sed "${n}s|10.213.0.1/24|10.213.0.1/33|" "$EXAMPLE" >"$T/ex.conf"
expect_line "$T/ex.conf" "$n" 'network "default": ipv4 "10.213.0.1/33": prefix length must be between 8 and 30'

# the commented-out guest_ports line, switched on with a comment inside
# the list and a bad second pattern on the next line
n=$(line_of "$EXAMPLE" '# guest_ports')
sed "${n}s|.*|    guest_ports = {\"tap*\", # the usual\n                   \"vnet**\"}|" "$EXAMPLE" >"$T/ex.conf"
expect_line "$T/ex.conf" $((n + 1)) "network \"default\": guest_ports pattern \"vnet**\" must be 1-15 letters, digits, '-', '_' or '.', optionally ending in '*' (like \"tap*\")"

{ cat "$EXAMPLE"; echo 'colour = blue'; } >"$T/ex.conf"
expect_line "$T/ex.conf" $(($(wc -l <"$EXAMPLE") + 1)) "no such option 'colour'"

# --- every comment form; line numbers are in the left margin of the test
cat >"$T/c.conf" <<'EOF'
/* a block comment before the first key,
   over two lines, with a "quote and a # inside */
# own line
// own line, slash-slash
uplink       = auto          # end of line
state_dir    = "/var/lib/gw" // end of line, slash-slash
run_dir      = '/run/gw'     /* end of line, block */
dnsmasq_user = "nobody"#no space before it
network n { # after an opening brace
    # inside a section
    bridge = "gw0" /* a block comment that
                      ends on the next line */
    ipv4   = "10.1.0.1/24"
    guest_ports = {"tap*", # inside a list
                   // alone on its line, inside the list
                   "vnet*" /* block */ }
    dhcp {
        // inside a nested section
        range      = "10.1.0.100-10.1.0.200" # line 19
        lease_time = 1h
    }
}
# the last line
EOF
"$GATEWAYD" -n -c "$T/c.conf" >"$T/out" 2>&1 || fail "commented config refused: $(cat "$T/out")"
ok "every comment form parses"

variant() { sed "$1s|.*|$2|" "$T/c.conf" >"$T/v.conf"; }
variant 19 '        range = "10.1.0.5-10.2.0.9" # outside'
expect_line "$T/v.conf" 19 'network "n": dhcp range 10.1.0.5-10.2.0.9 is outside 10.1.0.0/24'
variant 13 '    colour = blue # not a key'
expect_line "$T/v.conf" 13 "no such option 'colour'"
variant 20 '        lease_time = = 1h // twice'
expect_line "$T/v.conf" 20 "unexpected token '='"
variant 10 '    uplink = "up#0" # the first # is quoted'
expect_line "$T/v.conf" 10 "network \"n\": uplink \"up#0\" is not a valid interface name (1-15 letters, digits, '-', '_' or '.', not \".\" or \"..\")"

# --- names and strings that would reach dnsmasq or nftables
sed '11s|"gw0"|"gw0,up0"|' "$T/c.conf" >"$T/v.conf"
expect_line "$T/v.conf" 11 "network \"n\": bridge \"gw0,up0\" is not a valid interface name (1-15 letters, digits, '-', '_' or '.', not \".\" or \"..\")"
variant 8 'dnsmasq_user = "x\\ndhcp-script=/tmp/evil"'
expect_line "$T/v.conf" 8 'dnsmasq_user "x\ndhcp-script=/tmp/evil" contains a control character'
variant 8 'dnsmasq_user = "no-such-user-gwd"'
expect_line "$T/v.conf" 8 'dnsmasq_user "no-such-user-gwd" is not a user on this system'
variant 6 'state_dir = "${HOME}/gw"'
expect_line "$T/v.conf" 6 'environment reference "${HOME}" is not supported; write the value itself'
