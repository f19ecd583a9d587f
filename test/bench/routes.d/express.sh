# Sourced by test/bench/run.sh: the same constant JSON from Express 4 (Node), the framework a
# user would pick instead, in the same run. Express is installed by npm into
# test/bench/node/node_modules (git-ignored) on first use; only `make bench` needs it.
ex_dir=$top/test/bench/node
if command -v node >/dev/null && { [ -d "$ex_dir/node_modules/express" ] ||
        npm install --prefix "$ex_dir" --no-audit --no-fund --silent >/dev/null 2>&1; }; then
    ex_port=$(free_port 18556)
    PORT=$ex_port node "$ex_dir/hello.js" & ex_pid=$!
    bench_stops="$bench_stops $ex_pid"
    n=0; until curl -fsS -o /dev/null "http://127.0.0.1:$ex_port/hello" 2>/dev/null; do
        n=$((n+1)); [ $n -lt 100 ] || break; sleep 0.1; done
    warm 2 "http://127.0.0.1:$ex_port/hello"
    row "Express 4 hello-JSON (1 process)" "http://127.0.0.1:$ex_port/hello"
    kill "$ex_pid" 2>/dev/null || true
else
    echo "Express 4 hello-JSON: skipped (node/npm or the express package not available)"
fi
