#!/usr/bin/env bash
# `docker logs` of a long log, several engines side by side: on each engine, one busybox container (named
# berth-bench-logs-<pid>) writes N lines of 80 bytes with --log-opt max-size=10m --log-opt max-file=5 (so the log
# spans rotated files) and exits; then `docker logs` of it, its output thrown away, is timed against the engines
# alternately, run by run. Removes its containers (by that name, on the given sockets only) on exit.
#
#   bench/run-logs.sh [--lines N] [--runs N] [--warmup N] NAME=SOCKET NAME=SOCKET ...
#
# Prints median / p90 / min / max wall time in ms per engine and the lines the last call printed (must be N).
# Each engine needs an image "busybox".
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

lines=${LINES_N:-200000}
runs=${RUNS:-10}
warmup=${WARMUP:-2}
bench_option() { case $1 in --lines) lines=$2 ;; *) return 1 ;; esac; }
engine_args "$0 [--lines N] [--runs N] [--warmup N] NAME=SOCKET ..." "$@"

name="berth-bench-logs-$$"
tmp=$(mktemp -d)
cleanup() {
  local s
  for s in "${socks[@]}"; do
    DOCKER_HOST="unix://$s" "$DOCKER_CLI" rm -f "$name" >/dev/null 2>&1 || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

for i in "${!names[@]}"; do
  export DOCKER_HOST="unix://${socks[$i]}"
  "$DOCKER_CLI" run -d --name "$name" --log-opt max-size=10m --log-opt max-file=5 busybox sh -c \
    "i=0; while [ \$i -lt $lines ]; do echo \"line \$i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"; i=\$((i+1)); done" \
    >/dev/null || die "${names[$i]}: cannot run the writer"
  [ "$("$DOCKER_CLI" wait "$name")" = 0 ] || die "${names[$i]}: the writer failed"
done
logs_to() { DOCKER_HOST="unix://$1" "$DOCKER_CLI" logs "$name" >"$2"; }
# timed with the output thrown away, so that writing it out is not measured; counted in one more call
discarded() { logs_to "$1" /dev/null; }
alternate_timed "$warmup" "$runs" "$tmp" discarded "${socks[@]}"
printf '%-22s %5s %9s %9s %9s %9s %8s\n' engine runs median p90 min max lines
for i in "${!names[@]}"; do
  logs_to "${socks[$i]}" "$tmp/out"
  printf '%-22s %5s %9s %9s %9s %9s %8s\n' "${names[$i]}" "$runs" $(stats_ms <"$tmp/$i") "$(wc -l <"$tmp/out")"
done
