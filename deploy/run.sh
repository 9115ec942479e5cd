#!/usr/bin/env bash
# Starts NatGateway as it runs in production, in the foreground: `natgw agent` as root holds the kernel work, and the web
# runs as the system user natgw with no capabilities (`natgw serve --agent`), on http://127.0.0.1:5080. Installs what is
# missing, publishes the app to a root-owned folder (the root agent must not run code the web user could change) and
# creates the natgw user like deploy/install.sh (deploy/uninstall.sh removes it). Ctrl-C stops both.
# Extra arguments go to `natgw serve` (e.g. --urls http://0.0.0.0:5080 --db /var/lib/natgw/other.db).
# NATGW_SINGLE_PROCESS=1 deploy/run.sh runs one root process instead (development only).
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib/common.sh
natgw_require_root
natgw_ensure_packages "${NATGW_RUNTIME_PACKAGES[@]}"
natgw_require_dotnet

if [ "${NATGW_SINGLE_PROCESS:-0}" = 1 ]; then
  dotnet build src/NatGateway.Web/NatGateway.Web.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
  exec dotnet src/NatGateway.Web/bin/Release/net10.0/natgw.dll serve "$@"
fi

app=/usr/local/lib/natgw
data="/var/lib/$NATGW_USER"
run="/run/$NATGW_USER"
dotnet_bin="$(readlink -f "$(command -v dotnet)")"

getent group "$NATGW_USER" >/dev/null || groupadd --system "$NATGW_USER"
getent passwd "$NATGW_USER" >/dev/null ||
  useradd --system --no-create-home --home-dir "$data" --shell /usr/sbin/nologin --gid "$NATGW_USER" "$NATGW_USER"
if ! setpriv --reuid "$NATGW_USER" --regid "$NATGW_USER" --clear-groups test -x "$dotnet_bin"; then
  echo "natgw: the user $NATGW_USER cannot run $dotnet_bin (is .NET installed under /root?);" \
       "install it elsewhere, or start one root process with NATGW_SINGLE_PROCESS=1 deploy/run.sh" >&2
  exit 1
fi

dotnet publish src/NatGateway.Web/NatGateway.Web.csproj -c Release -o "$app" -nologo -v quiet -clp:ErrorsOnly
chown -R root:root "$app"
chmod -R go-w "$app"
install -d -o "$NATGW_USER" -g "$NATGW_USER" -m 0750 "$data"
# A database made by an earlier single-process start belongs to root; the web now runs as natgw.
chown -R "$NATGW_USER:$NATGW_USER" "$data"
install -d -o root -g "$NATGW_USER" -m 0750 "$run"

# The database lives with the web's data unless the caller names one.
db=(--db "$data/natgw.db")
for arg in "$@"; do [ "$arg" = --db ] && db=(); done

"$dotnet_bin" "$app/natgw.dll" agent --socket "$run/agent.sock" --web-user "$NATGW_USER" &
agent=$!
trap 'kill "$agent" 2>/dev/null || true; wait "$agent" 2>/dev/null || true' EXIT
# The web: the natgw user, no capabilities in any set, no way to gain any (what natgw.service gives it).
setpriv --reuid "$NATGW_USER" --regid "$NATGW_USER" --clear-groups --inh-caps -all --bounding-set -all --no-new-privs \
  env HOME="$data" DOTNET_CLI_HOME="$data" \
  "$dotnet_bin" "$app/natgw.dll" serve --agent "$run/agent.sock" "${db[@]}" --content-root "$app" "$@"
