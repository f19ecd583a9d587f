#!/bin/sh
# npm ci in each given folder (htdocs, test/e2e), only when its package-lock.json changed since
# the last install (stamp in node_modules). Packages come from the npm registry only.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
for dir in "$@"; do
    d=$top/$dir
    [ -f "$d/package-lock.json" ] || continue
    stamp=$d/node_modules/.install-stamp
    if [ ! -f "$stamp" ] || [ "$d/package-lock.json" -nt "$stamp" ]; then
        echo "npm ci in $dir"
        (cd "$d" && npm ci --no-audit --no-fund --loglevel=error)
        touch "$stamp"
    fi
done
