#!/bin/bash
# One dependency list (deps/debian-packages), one installer (deps/install.sh),
# used by `make demo`, `make check` and .ci/run alike. The installer is run
# against a fake dpkg-query/apt-get/id on PATH, so "a fresh machine", "all
# installed" and "not root" are simulated without touching the real system.
# No namespaces, no root needed.
. "$(dirname "$0")/lib.sh"
INSTALL=$TOP/deps/install.sh
LIST=$TOP/deps/debian-packages
[ -x "$INSTALL" ] || fail "no executable deps/install.sh"
[ -f "$LIST" ] || fail "no deps/debian-packages"
mapfile -t all < <("$INSTALL" --list)
[ ${#all[@]} -ge 10 ] || fail "the list is suspiciously short: ${all[*]}"
in_list() { printf '%s\n' "${all[@]}" | grep -qx -- "$1"; }
sorted() { tr ' ' '\n' | grep -v '^$' | sort; }

# The fakes: dpkg-query knows only $FAKE_INSTALLED, apt-get logs its
# arguments, id -u says $FAKE_UID.
fake=$T/fake
mkdir -p "$fake"
cat >"$fake/dpkg-query" <<'F'
#!/bin/bash
rc=0
for a in "$@"; do
	case $a in -*) continue ;; esac
	case " $FAKE_INSTALLED " in
	*" $a "*) echo "$a ii " ;;
	*) echo "dpkg-query: no packages found matching $a" >&2; rc=1 ;;
	esac
done
exit $rc
F
printf '#!/bin/sh\necho "apt-get $*" >>"$APT_LOG"\n' >"$fake/apt-get"
printf '#!/bin/sh\n[ "$1" = -u ] && { echo "$FAKE_UID"; exit 0; }\nexec /usr/bin/id "$@"\n' >"$fake/id"
chmod +x "$fake"/*
export APT_LOG=$T/apt.log
run_install() { # UID INSTALLED ARGS...
	local uid=$1 inst=$2; shift 2
	: >"$APT_LOG"
	PATH=$fake:$PATH FAKE_UID=$uid FAKE_INSTALLED=$inst "$INSTALL" "$@" >"$T/out" 2>"$T/err"
}
installed_args() { grep '^apt-get install ' "$APT_LOG" | tr ' ' '\n' | grep -v '^-' | tail -n +3 | sort; }

# A fresh machine, as root: update once, then install the whole list.
run_install 0 "" || fail "install on a fresh machine failed: $(cat "$T/err")"
[ "$(sed -n 1p "$APT_LOG")" = "apt-get update -q" ] || fail "no apt-get update first: $(cat "$APT_LOG")"
grep -q '^apt-get install -y .*--no-install-recommends' "$APT_LOG" || fail "not apt-get install -y --no-install-recommends: $(cat "$APT_LOG")"
diff <(installed_args) <(printf '%s\n' "${all[@]}" | sort) >"$T/d" || fail "fresh machine: asked for other than the full list: $(cat "$T/d")"
ok "fresh machine: apt-get update, then install -y --no-install-recommends of all ${#all[@]} packages"

# Everything there: silent, no apt-get at all (not even update).
run_install 0 "${all[*]}" || fail "all installed: failed"
[ -s "$APT_LOG" ] && fail "all installed, yet: $(cat "$APT_LOG")"
[ -s "$T/out" ] || [ -s "$T/err" ] && fail "all installed, yet it talks: $(cat "$T/out" "$T/err")"
ok "all installed: no apt-get, no output"

# Two missing, root: exactly those two.
some=$(printf '%s\n' "${all[@]}" | grep -vx 'check\|tcpdump' | tr '\n' ' ')
run_install 0 "$some" || fail "partial install failed"
[ "$(installed_args | tr '\n' ' ')" = "check tcpdump " ] || fail "partial: $(cat "$APT_LOG")"
ok "check and tcpdump missing: installs just those"

# Two missing, not root: names them and the command, installs nothing.
run_install 1000 "$some" && fail "non-root with packages missing succeeded"
[ -s "$APT_LOG" ] && fail "non-root ran apt-get: $(cat "$APT_LOG")"
grep -q 'missing Debian packages: check tcpdump$' "$T/err" || fail "does not name the missing packages: $(cat "$T/err")"
grep -q 'sudo apt-get install -y --no-install-recommends check tcpdump$' "$T/err" || fail "no command to run: $(cat "$T/err")"
ok "not root: names 'check tcpdump' and the apt-get command, exit $(run_install 1000 "$some"; echo $?)"

# Optional groups: only on request.
run_install 0 "${all[*]}" fuzz || fail "fuzz group failed"
[ "$(installed_args | tr '\n' ' ')" = "clang libclang-rt-dev " ] || fail "fuzz group: $(cat "$APT_LOG")"
in_list clang && fail "clang is in the always-list (make check does not fuzz)"
ok "group fuzz: clang libclang-rt-dev, only when asked"

# The make targets: demo and check install first, then build; demo builds
# both binaries (the demo runs gatewayctl).
mk() { make -n -C "$TOP" BUILD="$T/b" "$@" 2>&1; }
mk demo >"$T/demo.n" || fail "make -n demo: $(tail -5 "$T/demo.n")"
line() { grep -n -m1 -e "$2" "$1" | cut -d: -f1; }
d=$(line "$T/demo.n" 'deps/install.sh') g=$(line "$T/demo.n" "-o $T/b/gatewayd ") c=$(line "$T/demo.n" "-o $T/b/gatewayctl ") s=$(line "$T/demo.n" 'demo/demo.sh')
[ -n "$d" ] && [ -n "$g" ] && [ -n "$c" ] && [ -n "$s" ] || fail "make -n demo lacks install ($d), gatewayd ($g), gatewayctl ($c) or demo.sh ($s); see make -n demo"
[ "$d" -lt "$g" ] && [ "$d" -lt "$c" ] && [ "$g" -lt "$s" ] && [ "$c" -lt "$s" ] || fail "make -n demo: wrong order"
ok "make -n demo: deps/install.sh, gatewayd + gatewayctl, then demo.sh"
mk check >"$T/check.n" || fail "make -n check: $(tail -5 "$T/check.n")"
d=$(line "$T/check.n" 'deps/install.sh') u=$(line "$T/check.n" "-o $T/b/unit-tests ") c=$(line "$T/check.n" "-o $T/b/gatewayctl ") r=$(line "$T/check.n" 'run-all.sh')
[ -n "$d" ] && [ -n "$u" ] && [ -n "$c" ] && [ -n "$r" ] || fail "make -n check lacks install ($d), unit-tests ($u), gatewayctl ($c) or run-all ($r); see make -n check"
[ "$d" -lt "$u" ] && [ "$u" -lt "$r" ] && [ "$c" -lt "$r" ] || fail "make -n check: wrong order"
ok "make -n check: deps/install.sh before the unit tests are built"

# One list: .ci/run goes through the installer, and no other file in the
# tree carries a copy (three or more of the listed names).
grep -q '^[^#]*deps/install.sh' "$TOP/.ci/run" || fail ".ci/run does not use deps/install.sh"
grep -q '^[^#]*make check' "$TOP/.ci/run" || fail ".ci/run does not run make check"
[ -e "$TOP/demo/install-deps.sh" ] && fail "demo/install-deps.sh still there"
for f in $(grep -rIl --exclude-dir=.git --exclude-dir='build*' -e libnftnl -e busybox -e ndisc6 "$TOP"); do
	case $f in "$LIST" | */tests/integ/t_deps.sh) continue ;; esac
	n=0
	for p in "${all[@]}"; do
		case $p in *-*) grep -qw -- "$p" "$f" && n=$((n + 1)) ;; esac
	done
	[ $n -ge 3 ] && fail "$f holds a second copy of the package list ($n names)"
done
ok "one list: .ci/run uses deps/install.sh, no copy elsewhere"

# Every command the tests and the demo run comes from a listed package (or
# an Essential one), so nothing works only because it happened to be here.
owner() {
	local c p
	for c in "$1" "$(readlink -f "$1")"; do
		for p in "$c" "${c#/usr}" "/usr$c"; do
			dpkg -S "$p" 2>/dev/null | sed -n 's/^\([^ :,]*\)[:,].*/\1/p' | head -1 | grep . && return 0
		done
	done
	return 1
}
cmds=$(sed -n 's/^require //p; s/.*command -v \([a-z0-9_-]*\).*/\1/p' "$TOP"/tests/integ/*.sh "$TOP"/demo/*.sh | tr ' ' '\n')
checked=
for c in $(printf '%s\n' $cmds ip bridge ss ps pgrep setpriv timeout | grep -x '[a-z0-9_-]\+' | grep -vx make | sort -u); do
	path=$(command -v "$c") || fail "the tests use $c, which is not installed: is its package in deps/debian-packages?"
	pkg=$(owner "$path") || fail "no package owns $path ($c)"
	in_list "$pkg" || [ "$(dpkg-query -W -f='${Essential}' "$pkg")" = yes ] ||
		fail "$c comes from $pkg, which is neither in deps/debian-packages nor Essential"
	checked="$checked $c:$pkg"
done
# Files too: nft names protocols from /etc/protocols (t_guest_network
# compares `nft list` with gatewayd's own printing).
for f in /etc/protocols; do
	[ -e "$f" ] || fail "$f missing: is its package in deps/debian-packages?"
	pkg=$(owner "$f") || fail "no package owns $f"
	in_list "$pkg" || [ "$(dpkg-query -W -f='${Essential}' "$pkg")" = yes ] ||
		fail "$f comes from $pkg, which is neither in deps/debian-packages nor Essential"
	checked="$checked $f:$pkg"
done
ok "commands and files the tests use come from listed packages:$checked"
