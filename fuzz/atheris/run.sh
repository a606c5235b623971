#!/usr/bin/env bash
# Run the atheris harnesses one after the other (the machine is shared: never in parallel)
# and print executions, exec/s and findings per harness.
#
#   fuzz/atheris/run.sh [-t SECONDS] [-n RUNS] [harness ...]     (harnesses: dumps loads request)
#
# -t: time cap per harness (libFuzzer -max_total_time, default 900)
# -n: executions per harness (-atheris_runs, default 1000000); whichever comes first.
# Work files (corpora, crash files, findings, logs) go to $FUZZ_WORK (default
# /tmp/httpbin-ext-atheris); corpora are reused between runs. Findings do not stop a run
# (FUZZ_KEEP_GOING=1): each distinct one is saved as findings/<harness>/finding-<sha1> (+ .txt)
# and can be replayed with `python fuzz/atheris/repro.py <harness> FILE...`.
# Exit status: 1 if any harness reported a finding or crashed, else 0.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
python="${PYTHON:-$repo/.venv/bin/python}"
time_cap=900
runs=1000000
while getopts "t:n:" opt; do
  case "$opt" in
    t) time_cap="$OPTARG" ;;
    n) runs="$OPTARG" ;;
    *) sed -n '2,14p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(dumps loads request)

export FUZZ_WORK="${FUZZ_WORK:-/tmp/httpbin-ext-atheris}"
export FUZZ_KEEP_GOING=1
status=0
summary=()
for h in "${harnesses[@]}"; do
  corpus="$FUZZ_WORK/corpus/$h"
  log="$FUZZ_WORK/$h.log"
  mkdir -p "$corpus" "$FUZZ_WORK/findings/$h"
  before=$(find "$FUZZ_WORK/findings/$h" -name 'finding-*.txt' | wc -l)
  marker="$FUZZ_WORK/.start-$h"
  touch "$marker"
  echo "== $h: up to $runs runs / ${time_cap}s (log: $log)"
  start=$(date +%s)
  "$python" "$here/fuzz_$h.py" "$corpus" -atheris_runs="$runs" -max_total_time="$time_cap" \
    -max_len=1024 -print_final_stats=1 >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  # atheris ends -atheris_runs with "Done N in S second(s)"; a time cap with libFuzzer's stats.
  execs=$(sed -n 's/^Done \([0-9]*\) \(runs \)\{0,1\}in.*/\1/p' "$log" | tail -1)
  [ -z "$execs" ] && execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [ -z "$execs" ] && execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  rate="?"
  [ -n "$execs" ] && [ "$secs" -gt 0 ] && rate=$((execs / secs))
  after=$(find "$FUZZ_WORK/findings/$h" -name 'finding-*.txt' | wc -l)
  new=$((after - before))
  crashes=$(grep -c '^==[0-9]*== ERROR: libFuzzer' "$log")
  line="$h: ${execs:-?} executions in ${secs}s (${rate:-?} exec/s), $new new findings ($after saved), exit $rc"
  [ "$crashes" -gt 0 ] && line="$line, libFuzzer ERROR (see $log)"
  summary+=("$line")
  if [ "$new" -gt 0 ]; then
    echo "   new findings (REGRESSION Fn: like fixed finding Fn, see fuzz/atheris/README.md):"
    find "$FUZZ_WORK/findings/$h" -name 'finding-*.txt' -newer "$marker" -exec head -n1 {} \; |
      sort | uniq -c | sed 's/^/   /'
  fi
  { [ "$rc" -ne 0 ] || [ "$new" -gt 0 ]; } && status=1
  echo "   $line"
done
echo
echo "== summary"
printf '%s\n' "${summary[@]}"
exit $status
