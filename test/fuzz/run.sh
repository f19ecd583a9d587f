#!/bin/sh
# Build each libFuzzer target with ASan+UBSan against the core sources it needs and run it for
# $1 seconds (default 5), starting from its committed seeds (test/fuzz/corpus/<target>/) with
# its dictionary (test/fuzz/<target>.dict). The pool guard (test/unit/sb_pool_guard.c) is
# linked in and on, so ASan sees each pool allocation as its own block. A crash, a leak, a
# timeout or a build failure fails the target. The canary (test/fuzz/canary/) crashes on its
# seed and passes only if libFuzzer reports that crash.
# Last line: "fuzz: N passed, N failed". Crash inputs are kept in build/fuzz/<target>/.
# With SB_RESULTS set, "pass|fail fuzz/<target>" lines are appended to that file.
set -u
cd "$(dirname "$0")/../.." || exit 2
secs=${1:-5}
out=build/fuzz
results=${SB_RESULTS:-/dev/null}
mkdir -p "$out/bin"
CC=${FUZZ_CC:-clang}
core=mod_skillbarter/core
deps=$(pkg-config --cflags --libs apr-1 apr-util-1 json-c cjose libbson-1.0 openssl) || exit 2
flags="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -I$core -Imod_skillbarter/realtime"
SB_POOL_GUARD=1; export SB_POOL_GUARD
pass=0; fail=0

# build <target> <source> <core sources...>: 0 when built
build() {
    target=$1; src=$2; shift 2
    mkdir -p "$out/$target"
    # shellcheck disable=SC2086
    if ! $CC $flags -o "$out/bin/$target" "$src" test/unit/sb_pool_guard.c "$@" $deps \
            2>"$out/$target/build.log"; then
        echo "fuzz: $target: build failed"; cat "$out/$target/build.log"
        return 1
    fi
}

# fuzz <target> <dict>: libFuzzer's exit status
fuzz() {
    dir=$out/$1
    rm -rf "$dir/corpus"; mkdir -p "$dir/corpus"
    "$out/bin/$1" -max_total_time="$secs" -max_len=4096 -timeout=10 -print_final_stats=1 \
        -dict="$2" -artifact_prefix="$dir/" "$dir/corpus" "test/fuzz/corpus/$1" \
        >"$dir/run.log" 2>&1
}

for target in fuzz_json_parse fuzz_validate fuzz_jwt_verify fuzz_multipart fuzz_cursor \
              fuzz_time fuzz_skill_rules fuzz_image fuzz_sbrt_codec fuzz_sbrt_json; do
    case $target in
        fuzz_json_parse) srcs="$core/sb_json.c $core/sb_error.c" ;;
        fuzz_validate)   srcs="$core/sb_validate.c $core/sb_error.c" ;;
        fuzz_jwt_verify) srcs="$core/sb_jwt.c $core/sb_json.c $core/sb_id.c $core/sb_error.c" ;;
        fuzz_multipart)  srcs="$core/sb_multipart.c $core/sb_image.c" ;;
        fuzz_cursor)     srcs="$core/sb_cursor.c $core/sb_id.c" ;;
        fuzz_time)       srcs="$core/sb_time.c" ;;
        fuzz_image)      srcs="$core/sb_image.c" ;;
        fuzz_sbrt_codec|fuzz_sbrt_json)
            srcs="mod_skillbarter/realtime/sbrt_codec.c mod_skillbarter/realtime/sbrt_json.c
                  $core/sb_json.c $core/sb_error.c" ;;
        fuzz_skill_rules)
            srcs="$core/sb_skill_rules.c $core/sb_json.c $core/sb_validate.c $core/sb_error.c" ;;
    esac
    # shellcheck disable=SC2086
    if ! build "$target" "test/fuzz/$target.c" $srcs; then
        fail=$((fail + 1)); echo "fail fuzz/$target" >>"$results"; continue
    fi
    if fuzz "$target" "test/fuzz/$target.dict"; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$target/run.log" \
            | grep -o '[0-9]*$')
        echo "fuzz: $target ok (${runs:-?} runs in ${secs}s)"
        pass=$((pass + 1)); echo "pass fuzz/$target" >>"$results"
    else
        echo "fuzz: $target FAILED (see $out/$target/run.log)"
        grep -m5 -E 'ERROR|SUMMARY|runtime error|dictionary' "$out/$target/run.log"
        fail=$((fail + 1)); echo "fail fuzz/$target" >>"$results"
    fi
done

# The canary must crash on its seed, and the crash must be ASan's report.
target=canary_fuzz_crash
if build "$target" "test/fuzz/canary/$target.c" \
        && ! fuzz "$target" "test/fuzz/canary/$target.dict" \
        && grep -q 'ERROR: AddressSanitizer: heap-buffer-overflow' "$out/$target/run.log"; then
    echo "fuzz: canary $target caught (heap-buffer-overflow)"
    pass=$((pass + 1)); echo "pass fuzz/canary/$target" >>"$results"
else
    echo "fuzz: canary $target NOT caught (see $out/$target/run.log)"
    fail=$((fail + 1)); echo "fail fuzz/canary/$target" >>"$results"
fi
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
