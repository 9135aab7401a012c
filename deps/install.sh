#!/bin/bash
# Install whatever deps/debian-packages lists and dpkg does not have.
#
#   deps/install.sh [GROUP...]            the always-list, plus GROUPs (fuzz, format)
#   deps/install.sh --list [GROUP...]     print the packages, one a line
#   deps/install.sh --missing [GROUP...]  print the missing ones; exit 1 if any
#
# When everything is there: one dpkg-query, no apt-get, silent, exit 0.
# As root it runs `apt-get update` and `apt-get install -y
# --no-install-recommends` for just the missing ones. As anyone else it names
# them and the command to run, and exits 1.
set -eu
list="$(cd "$(dirname "$0")" && pwd)/debian-packages"
mode=install
case ${1:-} in
--list | --missing) mode=${1#--}; shift ;;
esac

groups="$*"
# PACKAGE [GROUP] lines; comments and blank lines skipped.
pkgs=$(sed 's/#.*//' "$list" | awk -v want=" $* " 'NF && (NF == 1 || index(want, " " $2 " ")) { print $1 }')
[ -n "$pkgs" ] || { echo "deps: no packages in $list" >&2; exit 2; }
# shellcheck disable=SC2086
set -- $pkgs
if [ "$mode" = list ]; then
	printf '%s\n' "$@"
	exit 0
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps: no dpkg-query (not Debian?): make sure these or their equivalents are installed: $*" >&2
	[ "$mode" = missing ] && exit 1
	exit 0
fi
installed=" $(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null | awk '$2 == "ii" { printf "%s ", $1 }')"
missing=
for p in "$@"; do
	case $installed in *" $p "*) ;; *) missing="$missing $p" ;; esac
done
missing=${missing# }
if [ "$mode" = missing ]; then
	[ -z "$missing" ] || { echo "$missing"; exit 1; }
	exit 0
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	cat >&2 <<MSG
deps: missing Debian packages: $missing
deps: install them as root with:
    sudo apt-get update && sudo apt-get install -y --no-install-recommends $missing
deps: or: sudo $0${groups:+ $groups}   (sudo make demo and sudo make check do it too)
MSG
	exit 1
fi
echo "deps: installing $missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
