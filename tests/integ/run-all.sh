#!/bin/bash
# Run every integration test (t_*.sh). Needs root: each test builds its own
# network namespaces and removes them on exit; the root namespace is never
# touched. Prints one line per test and a closing "N passed, N failed".
# A test that skips because a command is missing counts as failed: `make
# check` installs deps/debian-packages first, so that is a gap in the list.
cd "$(dirname "$0")" || exit 1
if [ "$(id -u)" != 0 ]; then
	echo "integration tests need root (network namespaces): run 'sudo make check'" >&2
	exit 1
fi
pass=0 failed=0 skipped=0 failures=()
for t in t_*.sh; do
	start=$SECONDS
	out=$(bash "./$t" 2>&1)
	rc=$?
	case $rc in
	0) pass=$((pass + 1)); echo "PASS $t ($((SECONDS - start)) s)"; echo "$out" | grep '^  ok' ;;
	77)
		why=$(echo "$out" | grep '^SKIP' | head -1)
		# A command a test needs is missing: deps/install.sh (which make
		# check runs first) should have installed it, so this is a failure,
		# not a skip -- the list lacks a package or the install was skipped.
		case $why in
		"SKIP: needs root"*) ;;
		"SKIP: needs "*)
			failed=$((failed + 1)); failures+=("$t")
			echo "FAIL $t: $why -- missing from deps/debian-packages, or run 'sudo deps/install.sh'"
			continue ;;
		esac
		skipped=$((skipped + 1)); echo "SKIP $t: $why" ;;
	*) failed=$((failed + 1)); failures+=("$t"); echo "FAIL $t ($((SECONDS - start)) s)"; echo "$out" | sed 's/^/    /' | tail -n 60 ;;
	esac
done
echo
echo "integration: $pass passed, $failed failed, $skipped skipped"
[ $failed = 0 ] || { echo "failed: ${failures[*]}"; exit 1; }
