# Sourced by test/bench/run.sh (uses $base, $root, ctl, measure, row, $static_rps).
# /api/health with the global limiter attached and detached (`SkillBarterRateLimit global
# off`, an operator's setting) in the same run. The configuration is restored afterwards.
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

# Three on/off pairs, alternating, each measured for $duration s; medians compared (single
# runs on this shared 2-core machine vary by +-8 %, more than the effect being measured).
rl_med() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
rl_ons=""; rl_offs=""
for rl_i in 1 2 3; do
    r=$(measure "$base/api/health"); rl_ons="$rl_ons ${r%% *}"
    echo 'SkillBarterRateLimit global off' >> "$root/conf/httpd.conf"
    ctl -k graceful; sleep 0.5; rl_wait off
    r=$(measure "$base/api/health"); rl_offs="$rl_offs ${r%% *}"
    sed -i '/^SkillBarterRateLimit global off$/d' "$root/conf/httpd.conf"
    ctl -k graceful; sleep 0.5; rl_wait on
done
rl_on=$(rl_med $rl_ons); rl_off=$(rl_med $rl_offs)
printf '%-34s %10s %9s %8s %7s\n' "GET /api/health (no limiter)" "$rl_off" "-" "-" \
    "$(awk -v a="$rl_off" -v b="$static_rps" 'BEGIN{printf "%.2f", a/b}')"
printf '%-34s %10s %9s %8s %7s\n' "GET /api/health (global limiter)" "$rl_on" "-" "-" \
    "$(awk -v a="$rl_on" -v b="$static_rps" 'BEGIN{printf "%.2f", a/b}')"
echo "rate limiter cost on /api/health: $(rl_pct "$rl_on" "$rl_off") (median of 3; on:$rl_ons; off:$rl_offs; target >= -5%)"
