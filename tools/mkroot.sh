#!/bin/sh
# Generates a server root for mod_skillbarter from conf/*.in.
# usage: mkroot.sh ROOT PORT [MPM] [EXTRA_CONF_FILE]
# Creates ROOT/{conf,logs,run,data,mail,uploads,secret,cores}, a JWT secret (kept if present),
# and hands the writable folders to www-data. A child that crashes leaves its core in
# ROOT/cores (CoreDumpDirectory; the kernel writes one only if whoever starts httpd has raised
# `ulimit -c`, as test/bench/lib.sh does, and core_pattern is a plain file name). Used by `make run` and the test harness.
# SB_REALTIME_PORT: the real-time daemon's port /socket.io/ is proxied to (default PORT+1).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
root=$1; port=$2; mpm=${3:-event}; extra=${4:-}
module=${SB_MODULE:-$top/build/mod_skillbarter.so}
rtport=${SB_REALTIME_PORT:-$((port + 1))}
# The document root: the web app built by `make` (vite build of htdocs/ into build/web).
htdocs=${SB_HTDOCS:-$top/build/web}
mkdir -p "$htdocs"

mkdir -p "$root/conf" "$root/logs" "$root/run" "$root/data" "$root/mail" "$root/uploads" \
         "$root/secret" "$root/cores"
chmod 0755 "$root"
if [ ! -s "$root/secret/jwt.key" ]; then
    umask 077
    head -c 48 /dev/urandom | base64 > "$root/secret/jwt.key"
    umask 022
fi
chmod 0700 "$root/secret"; chmod 0600 "$root/secret/jwt.key"

extra_text=""
[ -n "$extra" ] && extra_text=$(cat "$extra")
subst() {
    # '|' cannot appear in the values we substitute (paths, digits, names)
    sed -e "s|@ROOT@|$root|g" -e "s|@PORT@|$port|g" -e "s|@MPM@|$mpm|g" \
        -e "s|@MODULE@|$module|g" -e "s|@HTDOCS@|$htdocs|g" \
        -e "s|@RTPORT@|$rtport|g" "$1"
}
subst "$top/conf/skillbarter-local.conf.in" > "$root/conf/skillbarter.conf"
subst "$top/conf/httpd.conf.in" | awk -v extra="$extra_text" '{ if ($0 == "@EXTRA@") print extra; else print }' \
    > "$root/conf/httpd.conf"
# (an absolute path: `make run` passes a relative ROOT, and httpd resolves this one itself)
echo "CoreDumpDirectory \"$(cd "$root/cores" && pwd)\"" >> "$root/conf/httpd.conf"
chown -R www-data:www-data "$root/data" "$root/mail" "$root/uploads" "$root/cores"
chmod 0700 "$root/cores"
