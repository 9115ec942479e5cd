#!/usr/bin/env bash
# Starts NatGateway: installs what is missing, builds, and serves the web app on http://127.0.0.1:5080.
# Extra arguments go to `natgw serve` (e.g. --urls http://0.0.0.0:5080 --db /path/natgw.db).
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib/common.sh
natgw_require_root
natgw_ensure_packages "${NATGW_RUNTIME_PACKAGES[@]}"
natgw_require_dotnet
dotnet build src/NatGateway.Web/NatGateway.Web.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
exec dotnet src/NatGateway.Web/bin/Release/net10.0/natgw.dll serve "$@"
