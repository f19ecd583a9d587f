#!/bin/sh
# The development server: `make run` (foreground, Ctrl-C stops it), `make stop`,
# `make restart-realtime`. Apache and the real-time daemon (build/skillbarter-realtime, on
# RTPORT, default PORT+1, behind /socket.io/; its log run/dev/logs/realtime.log) run together.
# Root: run/dev (git-ignored). PORT (default 8080), MPM (default event).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
root=$top/run/dev
port=${PORT:-8080}
mpm=${MPM:-event}
rtport=${RTPORT:-$((port + 1))}
rtpid=$root/run/realtime.pid
httpd=/usr/sbin/apache2
ctl() { "$httpd" -d "$root" -f "$root/conf/httpd.conf" "$@"; }

pid_alive() {
    [ -s "$root/run/httpd.pid" ] && kill -0 "$(cat "$root/run/httpd.pid")" 2>/dev/null
}

# The jobs runner (sbctl jobs: mail delivery, later scheduled session jobs) runs beside Apache
# as the worker user, reading the settings file httpd writes; its log is logs/jobs.log.
jobs_alive() {
    [ -s "$root/run/jobs.pid" ] && kill -0 "$(cat "$root/run/jobs.pid")" 2>/dev/null
}

start_jobs() {
    touch "$root/logs/jobs.log"
    chown www-data:www-data "$root/logs/jobs.log"
    runuser -u www-data -- "$top/build/sbctl" --settings "$root/run/skillbarter.settings" \
        jobs --log "$root/logs/jobs.log" &
    echo $! > "$root/run/jobs.pid"
}

stop_jobs() {
    if jobs_alive; then
        kill -TERM "$(cat "$root/run/jobs.pid")"
        i=0
        while jobs_alive && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    fi
    rm -f "$root/run/jobs.pid"
}


rt_alive() {
    [ -s "$rtpid" ] && kill -0 "$(cat "$rtpid")" 2>/dev/null
}

rt_stop() {
    if rt_alive; then
        kill "$(cat "$rtpid")"
        i=0
        while rt_alive && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        echo "skillbarter: real-time daemon stopped"
    fi
    rm -f "$rtpid"
}

# The daemon reads the settings httpd wrote at start-up (run/dev/run/skillbarter.settings).
rt_start() {
    "$top/build/skillbarter-realtime" --settings "$root/run/skillbarter.settings" \
        --port "$rtport" --log "$root/logs/realtime.log" --pid-file "$rtpid" &
    i=0
    until [ -s "$rtpid" ]; do
        i=$((i + 1)); [ $i -lt 100 ] || { echo "skillbarter: real-time daemon did not start"; \
            tail -n 5 "$root/logs/realtime.log"; exit 1; }
        sleep 0.1
    done
    echo "skillbarter: real-time daemon on 127.0.0.1:$rtport (/socket.io/ through Apache)"
}

stop() {
    stop_jobs
    rt_stop
    if pid_alive; then
        ctl -k stop
        i=0
        while pid_alive && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
        echo "skillbarter: stopped"
    fi
}

case ${1:-run} in
run)
    stop
    SB_REALTIME_PORT=$rtport "$top/tools/mkroot.sh" "$root" "$port" "$mpm"
    if [ ! -e "$root/data/.demo-seeded" ]; then
        "$top/build/sbctl" "sqlite:$root/data/skillbarter.db" seed-demo
        touch "$root/data/.demo-seeded"
    fi
    chown -R www-data:www-data "$root/data"
    ctl -t >/dev/null 2>&1 || { ctl -t; exit 1; }
    ctl -k start
    i=0
    until curl -fsS -o /dev/null "http://127.0.0.1:$port/api/health" 2>/dev/null; do
        i=$((i + 1)); [ $i -lt 100 ] || { echo "skillbarter: server did not answer"; \
            tail -n 20 "$root/logs/error.log"; exit 1; }
        sleep 0.1
    done
    rt_start
    start_jobs
    echo "skillbarter: http://127.0.0.1:$port/  (API: /api/health; demo login alice / barter-demo-2024)"
    echo "skillbarter: logs in $root/logs (jobs runner: jobs.log); Ctrl-C stops the server"
    trap 'stop; exit 0' INT TERM
    tail -n 0 -F "$root/logs/error.log" "$root/logs/realtime.log" &
    tailpid=$!
    trap 'kill $tailpid 2>/dev/null; stop; exit 0' INT TERM
    while pid_alive; do sleep 1; done
    kill $tailpid 2>/dev/null || true
    echo "skillbarter: server exited"
    ;;
stop)
    stop
    ;;
restart-realtime)
    pid_alive || { echo "skillbarter: no development server running (make run)"; exit 1; }
    rt_stop
    rt_start
    ;;
*)
    echo "usage: devserver.sh run|stop|restart-realtime" >&2; exit 2
    ;;
esac
