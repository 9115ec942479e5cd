#!/usr/bin/env bash
# Publishes NatGateway to /opt/natgw and installs it as the systemd service natgw.
# Usage: deploy/install.sh [--prefix /opt/natgw] [--no-start]
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

dotnet publish src/NatGateway.Web/NatGateway.Web.csproj -c Release -r linux-x64 --self-contained false -o "$prefix" -nologo -v quiet
cp README.md "$prefix/"
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
sed -e "s|/opt/natgw|$prefix|g" \
    -e "s|^Environment=DOTNET_CLI_TELEMETRY_OPTOUT=1|Environment=DOTNET_ROOT=$dotnet_root DOTNET_CLI_TELEMETRY_OPTOUT=1|" \
    deploy/natgw.service > /etc/systemd/system/natgw.service
systemctl daemon-reload
if [ "$start" -eq 1 ]; then
  systemctl enable --now natgw.service
  echo "natgw is running: http://127.0.0.1:5080 (systemctl status natgw)"
fi
