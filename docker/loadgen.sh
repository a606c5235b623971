#!/bin/sh
# Entry point of the loadgen service: benchmarks.e2e in --target mode against the app service,
# results to /results (compose mounts ./benchmarks/results there).
#   TARGET     default http://app:8000
#   QUICK=1    the quick preset (results e2e-docker-quick.*), else the full one (e2e-docker.*)
#   E2E_ARGS   extra arguments for benchmarks.e2e (word-split), e.g. "--scenarios get,post_json"
# Arguments given to the container are appended as well.
set -eu
target=${TARGET:-http://app:8000}
results=${RESULTS_DIR:-/results}
mkdir -p "$results"
case ${QUICK:-0} in
    1|true|yes) set -- --quick --output "$results/e2e-docker-quick.json" ${E2E_ARGS:-} "$@" ;;
    *) set -- --output "$results/e2e-docker.json" ${E2E_ARGS:-} "$@" ;;
esac
echo "loadgen: python -m benchmarks.e2e --target $target $*" >&2
exec python -m benchmarks.e2e --target "$target" "$@"
