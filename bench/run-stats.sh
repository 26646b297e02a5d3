#!/usr/bin/env bash
# `docker stats --no-stream` with many running containers, several engines side by side: starts N busybox `sleep`
# containers on each engine (named berth-bench-stats-<pid>-<i>), then times `docker stats --no-stream` against the
# engines alternately, run by run, so load from other work on the machine falls on each alike; removes the
# containers it started (by that name prefix, on the given sockets only) on exit.
#
#   bench/run-stats.sh [--containers N] [--runs N] [--warmup N] NAME=SOCKET NAME=SOCKET ...
#
# Prints median / p90 / min / max wall time in ms per engine, and the number of rows the last call printed (it
# must be N: a row per running container). Each engine needs an image "busybox".
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

containers=${CONTAINERS:-50}
runs=${RUNS:-10}
warmup=${WARMUP:-2}
bench_option() { case $1 in --containers) containers=$2 ;; *) return 1 ;; esac; }
engine_args "$0 [--containers N] [--runs N] [--warmup N] NAME=SOCKET ..." "$@"

prefix="berth-bench-stats-$$"
tmp=$(mktemp -d)
cleanup() {
  local s ids
  for s in "${socks[@]}"; do
    ids=$(DOCKER_HOST="unix://$s" "$DOCKER_CLI" ps -aq --filter "name=$prefix-" 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -z "$ids" ] || DOCKER_HOST="unix://$s" "$DOCKER_CLI" rm -f $ids >/dev/null 2>&1 || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

for i in "${!names[@]}"; do
  for n in $(seq 1 "$containers"); do
    DOCKER_HOST="unix://${socks[$i]}" "$DOCKER_CLI" run -d --name "$prefix-$n" busybox sleep 3600 >/dev/null ||
      die "${names[$i]}: cannot start container $n"
  done
done
one() { DOCKER_HOST="unix://$1" "$DOCKER_CLI" stats --no-stream --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}}' >"$2"; }
alternate_timed "$warmup" "$runs" "$tmp" one "${socks[@]}"
printf '%-22s %5s %9s %9s %9s %9s %6s\n' engine runs median p90 min max rows
for i in "${!names[@]}"; do
  printf '%-22s %5s %9s %9s %9s %9s %6s\n' "${names[$i]}" "$runs" $(stats_ms <"$tmp/$i") \
    "$(grep -c "^$prefix-" "$tmp/out.$i" || true)"
done
