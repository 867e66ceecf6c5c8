#!/usr/bin/env bash
# spineseg setup: installs npm dependencies and, only when Node finds no WebGPU adapter,
# a software Vulkan driver (Mesa lavapipe from bookworm-backports; bookworm's mesa 22 is too old for Dawn).
# A machine with a working GPU adapter is left untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

if [ ! -d node_modules/webgpu ] || [ "${SPINESEG_NPM_CI:-}" = 1 ]; then
  echo "[setup] installing npm dependencies"
  npm ci --no-audit --no-fund
fi

probe() { node scripts/probe-adapter.mjs >/dev/null 2>&1; }

if probe; then
  echo "[setup] WebGPU adapter found: $(node scripts/probe-adapter.mjs)"
else
  echo "[setup] no WebGPU adapter found"
  if [ "$(id -u)" != 0 ] || ! grep -q 'VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null; then
    cat >&2 <<'MSG'
[setup] cannot install a driver automatically (needs root on Debian bookworm).
        Install a Vulkan driver that Dawn accepts: a GPU driver with Vulkan support, or
        Mesa >= 23 lavapipe (Debian: mesa-vulkan-drivers and libvulkan1 from bookworm-backports),
        then run this script again.
MSG
    exit 1
  fi
  src=/etc/apt/sources.list.d/spineseg-backports.sources
  if [ ! -f "$src" ]; then
    echo "[setup] enabling bookworm-backports in $src"
    cat > "$src" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
  if probe; then
    echo "[setup] WebGPU adapter found: $(node scripts/probe-adapter.mjs)"
  else
    node scripts/probe-adapter.mjs || true
    echo "[setup] still no WebGPU adapter after installing lavapipe" >&2
    exit 1
  fi
fi

if [ "${SPINESEG_BROWSER:-1}" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[setup] installing Debian chromium for the browser tests"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || echo "[setup] chromium install failed; browser tests will report it" >&2
  else
    echo "[setup] chromium not found; the browser tests need /usr/bin/chromium" >&2
  fi
fi
