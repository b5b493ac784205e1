#!/bin/sh
# deploy.sh: pxegen's loop on the boot server itself.
#   1. diff:   show what the inventory changes under ROOT; nothing: stop
#   2. render: --verify runs the daemons' own checks (DHCP, Apache, TFTP) on a
#              staging copy; --prune removes what removed hosts produced;
#              every file is replaced atomically; a hand-edited file stops
#              the run (exit 4) before anything is written
#   3. reload: only the daemons whose own file changed, as pxegen names them,
#              with the systemctl verb it names (restart where reload is
#              not enough)
#
# Usage: deploy.sh INVENTORY [ROOT]
#   ROOT      where the tree goes (default /)
#   PXEGEN    the pxegen command (default pxegen)
#   SYSTEMCTL how to reload or restart a service (default systemctl; it is
#             called as SYSTEMCTL reload|restart SERVICE)
#   CHECK=1   show the diff and stop, like ansible-playbook --check
set -eu
inventory=${1:?usage: deploy.sh INVENTORY [ROOT]}
root=${2:-/}
pxegen=${PXEGEN:-pxegen}
systemctl=${SYSTEMCTL:-systemctl}

status=0
$pxegen diff --inventory "$inventory" --root "$root" --prune || status=$?
case $status in
0) echo "deploy: $root is up to date"; exit 0 ;;
1) ;;
*) exit "$status" ;;
esac
if [ "${CHECK:-0}" = 1 ]; then
	echo "deploy: check mode, nothing written"
	exit 0
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
$pxegen render --inventory "$inventory" --out "$root" --prune --verify >"$log"
cat "$log"
# pxegen never reloads a daemon itself; it says which ones need it.
sed -n 's/^pxegen: \(reload\|restart\) [^ ]* (service \([^)]*\)).*/\1 \2/p' "$log" | sort -u | while read -r action service; do
	echo "deploy: $action $service"
	$systemctl "$action" "$service"
done
