#!/bin/sh
# deploy.sh: pxegen's loop on the boot server itself.
#   1. diff:   show what the inventory changes under ROOT; nothing: stop
#   2. render: --verify runs the daemons' own checks (DHCP, Apache, TFTP) on a
#              staging copy; --prune removes what removed hosts produced;
#              every file is replaced atomically; a hand-edited file stops
#              the run (exit 4) before anything is written
#   3. reload: only the daemons whose own file changed, as pxegen names them,
#              with the systemctl verb it names (restart where reload is
#              not enough), or for Kea its config-reload command through
#              the control socket pxegen names (with socat; a Kea that is
#              not running is started instead)
#
# Usage: deploy.sh INVENTORY [ROOT]
#   ROOT      where the tree goes (default /)
#   PXEGEN    the pxegen command (default pxegen)
#   SYSTEMCTL how to reload or restart a service (default systemctl; it is
#             called as SYSTEMCTL reload|restart|stop SERVICE)
#   SOCAT     how to reach Kea's control socket (default socat)
#   CHECK=1   show the diff and stop, like ansible-playbook --check
set -eu
inventory=${1:?usage: deploy.sh INVENTORY [ROOT]}
root=${2:-/}
pxegen=${PXEGEN:-pxegen}
systemctl=${SYSTEMCTL:-systemctl}
socat=${SOCAT:-socat}

# kea_config_reload SERVICE SOCKET: Kea applies its new file without a
# restart; one that is not running (no socket, or a socket left by a Kea
# that died: nothing answers) is started. A file Kea refuses leaves it
# serving the old one, and fails the deploy once the other daemons are
# done.
kea_config_reload() {
	answer=
	if [ -S "$2" ]; then
		answer=$(printf '{"command": "config-reload"}' | $socat -t 30 - "UNIX-CONNECT:$2" 2>/dev/null) || answer=
	fi
	if [ -z "$answer" ]; then
		echo "deploy: no Kea answers on $2: restart $1"
		$systemctl restart "$1"
		return
	fi
	echo "deploy: $answer"
	case $answer in
	*'"result": 0'*) ;;
	*) echo "deploy: Kea refused its new file; it still serves the old one" >&2; return 1 ;;
	esac
}

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
sed -n 's/^pxegen: \(reload\|restart\|stop\|config-reload\) [^ ]* (service \([^,)]*\)\(, socket \([^)]*\)\)\{0,1\}).*/\1 \2 \4/p' "$log" | sort -u |
	{
		failed=0
		while read -r action service socket; do
			echo "deploy: $action $service"
			case $action in
			config-reload) kea_config_reload "$service" "$socket" || failed=1 ;;
			*) $systemctl "$action" "$service" ;;
			esac
		done
		exit $failed
	}
