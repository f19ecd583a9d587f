#!/bin/sh
# Build each libFuzzer target with ASan+UBSan against the core sources it needs and run it for
# $1 seconds (default 20). Exits non-zero when any target crashes or fails to build.
# Last line: "fuzz: N passed, N failed". Crash inputs are kept in build/fuzz/<target>/.
set -u
cd "$(dirname "$0")/../.." || exit 2
secs=${1:-20}
out=build/fuzz
mkdir -p "$out/bin"
CC=${FUZZ_CC:-clang}
core=mod_skillbarter/core
deps=$(pkg-config --cflags --libs apr-1 apr-util-1 json-c cjose libbson-1.0 openssl) || exit 2
flags="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -I$core"
pass=0; fail=0
for target in fuzz_json_parse fuzz_validate fuzz_jwt_verify fuzz_multipart; do
    case $target in
        fuzz_json_parse) srcs="$core/sb_json.c $core/sb_error.c" ;;
        fuzz_validate)   srcs="$core/sb_validate.c $core/sb_error.c" ;;
        fuzz_jwt_verify) srcs="$core/sb_jwt.c $core/sb_json.c $core/sb_id.c $core/sb_error.c" ;;
        fuzz_multipart)  srcs="$core/sb_multipart.c $core/sb_image.c" ;;
    esac
    dir=$out/$target
    mkdir -p "$dir/corpus"
    # shellcheck disable=SC2086
    if ! $CC $flags -o "$out/bin/$target" "test/fuzz/$target.c" $srcs $deps 2>"$dir/build.log"; then
        echo "fuzz: $target: build failed"; cat "$dir/build.log"
        fail=$((fail + 1)); continue
    fi
    if (cd "$dir" && "../bin/$target" -max_total_time="$secs" -max_len=4096 -timeout=10 \
            -print_final_stats=1 corpus >run.log 2>&1); then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$dir/run.log" | grep -o '[0-9]*$')
        echo "fuzz: $target ok (${runs:-?} runs in ${secs}s)"
        pass=$((pass + 1))
    else
        echo "fuzz: $target FAILED (see $dir/run.log)"
        grep -m5 -E 'ERROR|SUMMARY|runtime error' "$dir/run.log"
        fail=$((fail + 1))
    fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
