# Canary for test/integration/bench.test.mjs (BENCH_ROUTES=this folder): a child killed by
# SIGSEGV, as an unreproduced crash would. The parent logs "exit signal" (AH00051 "possible
# coredump in" once a core directory is set, else AH00052), so the bench must fail on the
# log, and the child's core must be kept in build/cores (tools/mkroot.sh sets
# CoreDumpDirectory, lib.sh raises `ulimit -c`) for gdb.
child=$(pgrep -P "$(cat "$root/run/httpd.pid")" | head -1)
[ -n "$child" ] || { echo "canary: no child"; exit 1; }
kill -SEGV "$child"
n=0; until grep -q "exit signal" "$root/logs/error.log"; do
    n=$((n + 1)); [ $n -lt 600 ] || { echo "canary: no exit signal logged"; exit 1; }; sleep 0.1
done
