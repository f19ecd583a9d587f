#!/bin/sh
# Runs the node:test integration files (TAP) and prints "integration: N passed, N failed, N skipped".
#
# test/run-integration.sh --asan: the same files against the ASan+UBSan build of the module
# (build/asan/mod_skillbarter.so, made by `make test-integration-asan`) loaded into the real,
# uninstrumented httpd with the compiler's sanitizer runtimes preloaded; prints
# "integration-asan: ...". The harness fails a file on any sanitizer report (see harness.mjs).
# Cores of crashed children are kept in build/cores/<run>/ (harness.mjs) and named at the end.
# SB_CANARY_MODULE, when set, is a deliberately broken sanitizer build that canary.test.mjs
# expects the harness to catch.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
layer=integration
if [ "${1:-}" = --asan ]; then
    layer=integration-asan
    cc=${CC:-cc}
    asan=$($cc -print-file-name=libasan.so); ubsan=$($cc -print-file-name=libubsan.so)
    for f in "$asan" "$ubsan"; do
        [ -f "$f" ] || { echo "$layer: no sanitizer runtime $f for $cc"; \
                         echo "$layer: 0 passed, 1 failed, 0 skipped"; exit 1; }
    done
    SB_SAN_PRELOAD="$asan $ubsan"
    SB_MODULE=${SB_MODULE:-$top/build/asan/mod_skillbarter.so}
    export SB_SAN_PRELOAD SB_MODULE
fi
module=${SB_MODULE:-$top/build/mod_skillbarter.so}
if [ ! -f "$module" ]; then
    echo "$layer: no module $module"; echo "$layer: 0 passed, 1 failed, 0 skipped"; exit 1
fi
start=$(date +%s)
# Cores the harness keeps (build/cores/<run>/, harness.mjs keepCores): those of this run are
# named at the end, beside the failures they belong to.
cores_before=$(ls "$top/build/cores" 2>/dev/null)
. "$top/test/node-layer.sh"
node_layer "$layer" "$top"/test/integration/*.test.mjs
for k in $(ls "$top/build/cores" 2>/dev/null); do
    case " $(echo $cores_before) " in *" $k "*) continue ;; esac
    for c in "$top/build/cores/$k"/core*; do
        [ -f "$c" ] && echo "$layer: a child left a core: build/cores/$k/$(basename "$c") (gdb /usr/sbin/apache2 build/cores/$k/$(basename "$c"))"
    done
done
echo "$layer: $(( $(date +%s) - start )) s with $module"
echo "$layer: $p passed, $f failed, $s skipped"
[ "$f" -eq 0 ]
