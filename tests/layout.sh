#!/bin/bash
# Dependencies point one way (gatewayd/README.md): a file includes only
# headers of its own level or below. Levels:
#   lib 0 < conf 1 < nft dhcp ra 2 < gatewayd/host 3 < gatewayd/core 4
#   < gatewayd/ctl 5 < gatewayd/main.c 6
# Prints each include that points up and fails if there is one.
cd "$(dirname "$0")/.." || exit 2
level() {
	case "$1" in
	lib/*) echo 0 ;; conf/*) echo 1 ;; nft/* | dhcp/* | ra/*) echo 2 ;;
	gatewayd/host/*) echo 3 ;; gatewayd/core/*) echo 4 ;; gatewayd/ctl/*) echo 5 ;;
	gatewayd/*) echo 6 ;; *) echo -1 ;;
	esac
}
bad=0
for f in lib/*.[ch] conf/*.[ch] nft/*.[ch] dhcp/*.[ch] ra/*.[ch] gatewayd/*.[ch] gatewayd/*/*.[ch]; do
	lf=$(level "$f")
	while read -r inc; do
		case "$inc" in */*) ;; *) inc=$(dirname "$f")/$inc ;; esac
		li=$(level "$inc")
		if [ "$li" -gt "$lf" ]; then
			echo "layout: $f includes $inc, a higher level" >&2
			bad=1
		fi
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done
[ $bad = 0 ] && echo "layout: every include points down or sideways"
exit $bad
