# Sourced by test/bench/run.sh (uses $base, $root, ctl, measure, row, $static_rps).
# /api/health with the global limiter attached and detached (`SkillBarterRateLimit global
# off`, an operator's setting) in the same run: on, off, on — the cost is off vs the mean of
# the two "on" runs. The configuration is restored afterwards.
rl_health() { curl -fsS -D - -o /dev/null "$base/api/health" | tr -d '\r'; }
rl_wait() {  # $1: "on" or "off" — until every child answers with the new configuration
    n=0
    while :; do
        if [ "$1" = off ]; then rl_health | grep -qi '^ratelimit-limit' || break
        else rl_health | grep -qi '^ratelimit-limit' && break; fi
        n=$((n + 1)); [ $n -lt 100 ] || { echo "bench: limiter did not turn $1"; exit 1; }
        sleep 0.1
    done
    wrk -t"$threads" -c"$conns" -d2s "$base/api/health" >/dev/null
}
rl_pct() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%+.1f%%", (a - b) * 100 / b}'; }

rl_on1=$(measure "$base/api/health"); rl_on1=${rl_on1%% *}
echo 'SkillBarterRateLimit global off' >> "$root/conf/httpd.conf"
ctl -k graceful; sleep 0.5; rl_wait off
rl_off=$(measure "$base/api/health")
sed -i '/^SkillBarterRateLimit global off$/d' "$root/conf/httpd.conf"
ctl -k graceful; sleep 0.5; rl_wait on
rl_on2=$(measure "$base/api/health"); rl_on2=${rl_on2%% *}
rl_on=$(( (rl_on1 + rl_on2) / 2 ))
set -- $rl_off
printf '%-34s %10s %9s %8s %7s\n' "GET /api/health (no limiter)" "$1" "$2" "$3" \
    "$(awk -v a="$1" -v b="$static_rps" 'BEGIN{printf "%.2f", a/b}')"
printf '%-34s %10s %9s %8s %7s\n' "GET /api/health (global limiter)" "$rl_on" "-" "-" \
    "$(awk -v a="$rl_on" -v b="$static_rps" 'BEGIN{printf "%.2f", a/b}')"
echo "rate limiter cost on /api/health: $(rl_pct "$rl_on" "$1") (runs: on $rl_on1, off $1, on $rl_on2; target >= -5%)"
