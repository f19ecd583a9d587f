#!/bin/sh
# Installs what building, running and testing need: Debian packages (only the missing
# ones; apt-get update runs only when something is missing) and npm packages (npm ci,
# only when package-lock.json changed since the last install). Idempotent.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)

PKGS="build-essential pkg-config apache2 apache2-dev libapr1-dev libaprutil1-dev
libjson-c-dev libcjose-dev libjansson-dev libmongoc-dev libbson-dev libsqlite3-dev
libwebsockets-dev libwebsockets-evlib-ev libev-dev libcmocka-dev libssl-dev libcurl4-openssl-dev curl wrk valgrind clang
libclang-rt-14-dev python3-aiosmtpd tzdata sqlite3 python3 nodejs npm chromium fonts-liberation"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $p"
done
# Node may come from outside Debian (as on our machines): then only need node and npm on PATH.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    missing=$(printf '%s\n' $missing | grep -vxE 'nodejs|npm' | tr '\n' ' ' || true)
fi
if [ -n "$(echo $missing)" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-deps: missing packages:$missing (run as root, or: apt-get install -y$missing)" >&2
        exit 1
    fi
    echo "install-deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# The packaged Apache starts itself on port 80 when installed; this project runs its own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet apache2 2>/dev/null; then
    systemctl stop apache2 >/dev/null 2>&1 || true
fi

if [ -f "$top/package-lock.json" ]; then
    stamp="$top/node_modules/.install-stamp"
    if [ ! -f "$stamp" ] || [ "$top/package-lock.json" -nt "$stamp" ]; then
        echo "install-deps: npm ci"
        (cd "$top" && npm ci --no-audit --no-fund --loglevel=error)
        touch "$stamp"
    fi
fi
# The web app (htdocs/: React, Vite, Vitest), the browser tests (test/e2e/: playwright-core
# driving the Debian chromium above; no browser is ever downloaded) and the integration tests'
# own packages (test/integration/: socket.io-client, ws).
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$top/tools/npm-ci.sh" htdocs test/e2e test/integration
