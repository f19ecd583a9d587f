# Sourced by test/bench/run.sh (uses $base, $root, ctl, sliced, median_of, print_row).
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

# Three on/off pairs, alternating, each phase sliced beside the static file (lib.sh); the cost
# is the median on-ratio over the median off-ratio (the spread: over each pair's own cost).
# Single runs on this shared 2-core machine vary by +-8 %, more than the effect measured.
rl_ons=""; rl_offs=""; rl_pairs=""
for rl_i in 1 2 3; do
    rl_on=$(sliced "$top/test/bench/report.lua" "$base/api/health")
    echo 'SkillBarterRateLimit global off' >> "$root/conf/httpd.conf"
    ctl -k graceful; sleep 0.5; rl_wait off
    rl_off=$(sliced "$top/test/bench/report.lua" "$base/api/health")
    sed -i '/^SkillBarterRateLimit global off$/d' "$root/conf/httpd.conf"
    ctl -k graceful; sleep 0.5; rl_wait on
    rl_ons="$rl_ons|$rl_on"; rl_offs="$rl_offs|$rl_off"
    rl_pairs="$rl_pairs $(echo "$rl_on $rl_off" | awk '{printf "%.1f", ($3 / $10 - 1) * 100}')"
done
IFS='|'; set -- ${rl_offs#|}; unset IFS; rl_off=$(median_of "$@")
IFS='|'; set -- ${rl_ons#|}; unset IFS; rl_on=$(median_of "$@")
print_row "GET /api/health (no limiter)" "$rl_off"
print_row "GET /api/health (global limiter)" "$rl_on"
rl_cost=$(echo "$rl_on $rl_off" | awk '{printf "%.1f", ($3 / $10 - 1) * 100}')
rl_lo=$(printf '%s\n' $rl_pairs | sort -g | head -1); rl_hi=$(printf '%s\n' $rl_pairs | sort -g | tail -1)
printf 'row\t%s\t-\t-\t%s\t%s\t%s\t-\t-\n' "rate limiter cost on /api/health (%)" "$rl_cost" "$rl_lo" \
    "$rl_hi" >> "$results"
echo "rate limiter cost on /api/health: $rl_cost% (median ratio with / without; each pair:$rl_pairs; target >= -5%)"
