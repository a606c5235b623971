#!/usr/bin/env bash
# Runs every cargo-fuzz target (or the ones named) one after the other, for a number of runs
# and/or a time per target, and prints executions, exec/s and crashes for each.
#
#   fuzz/run.sh                                   # -runs=1000000 -max_total_time=600 each
#   fuzz/run.sh -runs=2000000 -max_total_time=300 # whichever comes first, per target
#   fuzz/run.sh -max_total_time=60 escape number  # some targets only
#
# Arguments starting with `-` go to libFuzzer as they are (e.g. -seed=1, -max_len=4096);
# other arguments are target names. Exit status: 0 when no target crashed, 1 otherwise (a
# crash is any crash-/leak-/timeout-/oom- artifact, or libFuzzer failing), 2 on usage or
# build errors. Corpora live in fuzz/corpus/<target> (seeded here when empty), findings in
# fuzz/artifacts/<target>, full logs in fuzz/logs/<target>.log (all git-ignored).
#
# Environment: PYTHON (default: <repo>/.venv/bin/python) is the interpreter pyo3 builds and
# links against (PYO3_PYTHON, LD_LIBRARY_PATH); TOOLCHAIN (default: nightly).
set -u -o pipefail

FUZZ_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$FUZZ_DIR")
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
TOOLCHAIN=${TOOLCHAIN:-nightly}
ALL_TARGETS=(escape float_repr int number unescape base64 url query headers)

fuzzer_args=()
targets=()
have_runs=0
have_time=0
for arg in "$@"; do
    case "$arg" in
        -h | --help)
            sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        -runs=*) have_runs=1; fuzzer_args+=("$arg") ;;
        -max_total_time=*) have_time=1; fuzzer_args+=("$arg") ;;
        -*) fuzzer_args+=("$arg") ;;
        *)
            if [[ " ${ALL_TARGETS[*]} " != *" $arg "* ]]; then
                echo "run.sh: unknown target '$arg' (targets: ${ALL_TARGETS[*]})" >&2
                exit 2
            fi
            targets+=("$arg")
            ;;
    esac
done
((${#targets[@]})) || targets=("${ALL_TARGETS[@]}")
# Never unbounded: default to 1M runs, and cap the time unless a cap was given.
((have_runs || have_time)) || fuzzer_args+=(-runs=1000000)
((have_time)) || fuzzer_args+=(-max_total_time=600)

if [[ ! -x $PYTHON ]]; then
    echo "run.sh: no Python at $PYTHON (set PYTHON=...)" >&2
    exit 2
fi
export PYO3_PYTHON=$PYTHON
LIBDIR=$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))')
export LD_LIBRARY_PATH=$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

cd "$FUZZ_DIR"
# -a: debug assertions (and overflow checks) on, so the code's debug_asserts are checked too.
echo "== building ${targets[*]} (cargo +$TOOLCHAIN fuzz build -a)"
for t in "${targets[@]}"; do
    cargo "+$TOOLCHAIN" fuzz build -a "$t" || exit 2
done
HOST=$(rustc "+$TOOLCHAIN" -vV | sed -n 's/^host: //p')
BIN_DIR=$FUZZ_DIR/target/$HOST/release

# A few seeds per target (printf %b escapes); libFuzzer grows the corpus from there.
seed() { # target name bytes
    local dir=corpus/$1
    [[ -e $dir/seed-$2 ]] || printf '%b' "$3" >"$dir/seed-$2"
}
make_seeds() {
    local t=$1
    mkdir -p "corpus/$t"
    case $t in
        escape)
            seed escape plain '\x00hello world'
            seed escape specials '\x03q"b\\\\s/\\b\x08\x0c\n\r\t\x01\x1f\x7f'
            seed escape unicode '\x11caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xed\xa0\x80 \xff'
            seed escape long '\x1f0123456789abcdef0123456789abcdef"0123456789\x80abcdef'
            ;;
        float_repr)
            seed float_repr one '\x00\x00\x00\x00\x00\x00\xf0\x3f\x05'
            seed float_repr e05 '\xf1\x68\xe3\x88\xb5\xf8\xe4\x3e\x03'
            seed float_repr text '\x00\x00\x00\x00\x00\x00\x00\x00\x001.234e-05'
            seed float_repr big '\x00\x00\x00\x00\x00\x00\x00\x00\x009999999999999998.0'
            ;;
        int)
            seed int max '\xff\xff\xff\xff\xff\xff\xff\x7f\x03'
            seed int min '\x00\x00\x00\x00\x00\x00\x00\x80\x21'
            ;;
        number)
            seed number int '\x00-1234567890123456789]'
            seed number float '\x0110.25e-1,'
            seed number exp '\x02xx1E+400'
            seed number bad '\x0001.'
            seed number fast '\x00123456789012345.678e-3'
            ;;
        unescape)
            seed unescape plain '\x00hello world" tail'
            seed unescape escapes '\x00{\\"key\\":\\"v\\\\al\\/ue\\n\\t\\b\\f\\r\\"}"'
            seed unescape unicode '\x01 \\u00e9\\u4E2D\\ud83d\\ude00 caf\xc3\xa9 \\ud800 \\u12"'
            seed unescape long '\x020123456789abcdef\\"0123456789abcdef0123456789\\u0041abcdef"'
            ;;
        base64)
            seed base64 foobar 'foobar'
            seed base64 bytes '\xff\xfe\xfd\x00'
            ;;
        url)
            seed url simple '\x00\x00Example.COM:8080/app//a b/caf\xc3\xa9?q=%e2%82%ac&r=%ff\x00https%41%2f%zz'
            seed url mixed '\x01\x04\x00h:443/r/%2F%3f%25\x00\xff#&=+%E2%82;https'
            ;;
        query)
            seed query pairs 'a=1&&b&c=&=d&a=2;x&k=v=w'
            seed query quoted 'x=%E2%82%AC+y%2B&z=%ff%e2%82x%zz%4&\xc3\xa9=%E2\xc3\xa9%82%AC'
            ;;
        headers)
            seed headers ua 'HTTP_USER_AGENT'
            seed headers ct 'CONTENT_TYPE'
            seed headers odd 'HTTP_X_1ABC__dNt9z'
            ;;
    esac
}

results=()
failed=0
for t in "${targets[@]}"; do
    make_seeds "$t"
    mkdir -p "artifacts/$t" logs
    dict=()
    [[ -f dicts/$t.dict ]] && dict=(-dict="dicts/$t.dict")
    before=$(find "artifacts/$t" -type f | wc -l)
    echo "== $t: ${fuzzer_args[*]}"
    "$BIN_DIR/$t" -print_final_stats=1 -timeout=30 -artifact_prefix="artifacts/$t/" \
        "${dict[@]}" "${fuzzer_args[@]}" "corpus/$t" >"logs/$t.log" 2>&1
    rc=$?
    after=$(find "artifacts/$t" -type f | wc -l)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "logs/$t.log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "logs/$t.log" | tail -1)
    crashes=$((after - before))
    if ((rc != 0 && crashes == 0)); then
        crashes=1 # libFuzzer failed without an artifact: count it, see the log
    fi
    if ((crashes)); then
        failed=1
        echo "!! $t: exit $rc, see fuzz/logs/$t.log and fuzz/artifacts/$t/"
        grep -m1 -A4 -E "panicked at|ERROR: AddressSanitizer|ERROR: libFuzzer" "logs/$t.log" | sed 's/^/   /'
    fi
    results+=("$(printf '%-12s %12s %10s %8s' "$t" "${execs:-?}" "${speed:-?}" "$crashes")")
done

echo
printf '%-12s %12s %10s %8s\n' target executions exec/s crashes
printf '%s\n' "${results[@]}"
exit $failed
