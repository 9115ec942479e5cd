#!/usr/bin/env bash
# Publishes NatGateway to /opt/natgw and installs it as two systemd services: natgw-agent (root, only the kernel
# capabilities) and natgw (the web, as the system user natgw, no capabilities). Upgrades a single-unit install.
# Usage: deploy/install.sh [--prefix /opt/natgw] [--no-start]      Undo: deploy/uninstall.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib/common.sh
natgw_require_root
natgw_ensure_packages "${NATGW_RUNTIME_PACKAGES[@]}"
natgw_require_dotnet

prefix=/opt/natgw
start=1
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --no-start) start=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
case "$dotnet_root" in
  /root/*|/home/*|/run/user/*)
    # ProtectHome=yes hides these from both units, and the natgw user could not read them anyway.
    echo "natgw: dotnet is in $dotnet_root; install the .NET runtime outside /root and /home (e.g. /usr/share/dotnet)" >&2
    exit 1 ;;
esac

# The web's system user: no home, no shell. Its data (/var/lib/natgw) is the StateDirectory systemd creates for it.
getent group "$NATGW_USER" >/dev/null || groupadd --system "$NATGW_USER"
getent passwd "$NATGW_USER" >/dev/null ||
  useradd --system --no-create-home --home-dir "/var/lib/$NATGW_USER" --shell /usr/sbin/nologin --gid "$NATGW_USER" "$NATGW_USER"

# An earlier install ran the web as root: stop it before its files change hands.
systemctl stop "${NATGW_UNITS[@]}" 2>/dev/null || true

dotnet publish src/NatGateway.Web/NatGateway.Web.csproj -c Release -r linux-x64 --self-contained false -o "$prefix" -nologo -v quiet
cp README.md "$prefix/"
for unit in "${NATGW_UNITS[@]}"; do
  sed -e "s|/opt/natgw|$prefix|g" \
      -e "s|^Environment=DOTNET_CLI_TELEMETRY_OPTOUT=1|Environment=DOTNET_ROOT=$dotnet_root DOTNET_CLI_TELEMETRY_OPTOUT=1|" \
      "deploy/$unit" > "/etc/systemd/system/$unit"
done
# The database of a single-unit install belongs to root; the web now runs as natgw.
if [ -d "/var/lib/$NATGW_USER" ]; then chown -R "$NATGW_USER:$NATGW_USER" "/var/lib/$NATGW_USER"; fi
systemctl daemon-reload
systemctl enable "${NATGW_UNITS[@]}"
if [ "$start" -eq 1 ]; then
  # The agent first: natgw.service Requires= it, so it would be pulled in anyway; this makes a failure point at it.
  systemctl restart natgw-agent.service
  systemctl restart natgw.service
  echo "natgw is running: http://127.0.0.1:5080 (systemctl status natgw natgw-agent)"
fi
