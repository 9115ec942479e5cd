# shellcheck shell=bash disable=SC2034  # sourced by the scripts; the arrays are used there.
# Shared by deploy/run.sh, deploy/test.sh and deploy/install.sh.
# Installs missing Debian packages (needs root) and checks for the .NET 10 SDK.

natgw_require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "natgw: run this as root (it manages the kernel's NAT and installs packages)" >&2
    exit 1
  fi
}

# natgw_ensure_packages PKG... : apt-get install only what is missing, once. The packages of NATGW_AGENT_SUPERVISED are
# installed without starting their services (a policy-rc.d answering 101, as natgw_ensure_promtool does), and their
# units are then disabled and masked: the agent runs these daemons as children with its own configuration.
natgw_ensure_packages() {
  local missing=() supervised=0
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "natgw: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    local policy=/usr/sbin/policy-rc.d backup=""
    for pkg in "${missing[@]}"; do
      case " ${NATGW_AGENT_SUPERVISED[*]} " in *" $pkg "*) supervised=1 ;; esac
    done
    if [ "$supervised" = 1 ]; then
      if [ -e "$policy" ]; then backup="$(mktemp)"; cp -p "$policy" "$backup"; fi
      printf '#!/bin/sh\nexit 101\n' >"$policy"
      chmod 755 "$policy"
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    if [ "$supervised" = 1 ]; then
      if [ -n "$backup" ]; then mv "$backup" "$policy"; else rm -f "$policy"; fi
    fi
  fi
  natgw_mask_supervised
}

# natgw_mask_supervised : keepalived.service and conntrackd.service stopped, disabled and masked (also on hosts where
# the packages were installed before natgw), so the host never runs a second keepalived or conntrackd.
natgw_mask_supervised() {
  [ -d /run/systemd/system ] || return 0
  local pkg
  for pkg in "${NATGW_AGENT_SUPERVISED[@]}"; do
    if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      systemctl disable --now "$pkg.service" >/dev/null 2>&1 || true
      systemctl mask "$pkg.service" >/dev/null 2>&1 || true
    fi
  done
}

# natgw_ensure_promtool : Debian's prometheus package for promtool (the tests check deploy/prometheus/ and the /metrics
# text with it), WITHOUT the Prometheus server it also ships: its postinst would start and enable prometheus.service.
# A policy-rc.d that answers 101 ("action forbidden") makes invoke-rc.d/deb-systemd-invoke skip the start; an existing one
# is kept and restored. Afterwards the unit is stopped, disabled and masked in case anything started it anyway.
natgw_ensure_promtool() {
  if command -v promtool >/dev/null 2>&1; then return 0; fi
  local policy=/usr/sbin/policy-rc.d backup=""
  if [ -e "$policy" ]; then backup="$(mktemp)"; cp -p "$policy" "$backup"; fi
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  natgw_ensure_packages prometheus
  if [ -n "$backup" ]; then mv "$backup" "$policy"; else rm -f "$policy"; fi
  if [ -d /run/systemd/system ]; then
    systemctl disable --now prometheus.service >/dev/null 2>&1 || true
    systemctl mask prometheus.service >/dev/null 2>&1 || true
  fi
}

natgw_require_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "natgw: the .NET 10 SDK is required (dotnet not found on PATH)" >&2
    exit 1
  fi
  export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
}

# Packages the app needs at run time: nftables' library and CLI, conntrack tools, iproute2; keepalived and conntrackd
# for the HA pair (natgw agent runs them as its own children, never their packaged services: see natgw_ensure_packages).
NATGW_RUNTIME_PACKAGES=(iproute2 nftables libnftables1 conntrack procps keepalived conntrackd)
# Packages whose packaged service must never run: natgw agent starts these daemons itself with generated
# configurations, and a keepalived.service on /etc/keepalived/keepalived.conf would fight it for the VIPs.
NATGW_AGENT_SUPERVISED=(keepalived conntrackd)
# Extra packages the tests need: Chromium for the browser tests, traffic tools for the lab; systemd-analyze, shellcheck and
# python3 (seccomp-exec.py, with systemd's libseccomp) for the deploy/ units and scripts.
# prometheus (for promtool) is not in this list: natgw_ensure_promtool installs it without starting its server.
NATGW_TEST_PACKAGES=(chromium netcat-openbsd iputils-ping socat systemd shellcheck python3 ethtool)

# deploy/install.sh creates these and deploy/uninstall.sh removes them: the units (agent first), the web's user and group.
NATGW_UNITS=(natgw-agent.service natgw.service)
NATGW_USER=natgw
