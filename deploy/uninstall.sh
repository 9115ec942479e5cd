#!/usr/bin/env bash
# Removes what deploy/install.sh installed (both units, /run/natgw, the app in /opt/natgw, the natgw user and group)
# and what deploy/run.sh made (the app in /usr/local/lib/natgw, the same user).
# Keeps the database (/var/lib/natgw) unless --purge. Safe to run again. Our nftables tables stay in force until reboot.
# Usage: deploy/uninstall.sh [--prefix /opt/natgw] [--purge]
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib/common.sh
natgw_require_root

prefix=/opt/natgw
purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --purge) purge=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

for unit in "${NATGW_UNITS[@]}"; do
  systemctl disable --now "$unit" 2>/dev/null || true
  rm -f "/etc/systemd/system/$unit"
done
systemctl daemon-reload 2>/dev/null || true
systemctl reset-failed "${NATGW_UNITS[@]}" 2>/dev/null || true
# systemd removes the RuntimeDirectory when the agent stops; this covers an agent that was run by hand.
rm -rf "/run/$NATGW_USER"
# Only a folder install.sh published (it holds natgw.dll), never an arbitrary --prefix.
if [ -f "$prefix/natgw.dll" ]; then rm -rf "$prefix"; fi
if [ -f /usr/local/lib/natgw/natgw.dll ]; then rm -rf /usr/local/lib/natgw; fi
if [ "$purge" -eq 1 ]; then
  rm -rf "/var/lib/$NATGW_USER"
elif [ -d "/var/lib/$NATGW_USER" ]; then
  # The user goes away: leave the kept data to root rather than to a uid that may be reused.
  chown -R root:root "/var/lib/$NATGW_USER"
  echo "natgw: kept /var/lib/$NATGW_USER (remove it with --purge)"
fi
if getent passwd "$NATGW_USER" >/dev/null; then userdel "$NATGW_USER"; fi
if getent group "$NATGW_USER" >/dev/null; then groupdel "$NATGW_USER"; fi
echo "natgw: uninstalled"
