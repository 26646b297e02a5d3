#!/usr/bin/env bash
# exec latency: `docker exec <c> true` through the real docker CLI against an engine's socket, into one running
# busybox container the script starts (and removes), 3 warm-ups then N timed runs.
#
#   bench/run-exec.sh [--label NAME] [--runs N] [--warmup N] [--no-header] <socket>
#
# Prints median / p90 / min / max wall time in ms. The engine needs an image "busybox".
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runs=${RUNS:-20}
warmup=${WARMUP:-3}
label=
socket=
while [ $# -gt 0 ]; do
  case $1 in
    --label) label=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --no-header) no_header=1; shift ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) socket=$1; shift ;;
  esac
done
[ -n "$socket" ] || die "usage: $0 [--label NAME] [--runs N] <socket>"
label=${label:-$(basename "$(dirname "$socket")")}
export DOCKER_HOST="unix://$socket"

row() { printf '%-22s %5s %9s %9s %9s %9s\n' "$@"; }
[ -n "${no_header:-}" ] || row target runs "median" "p90" "min" "max"
[ -n "${no_header:-}" ] || row "" "" "ms" "ms" "ms" "ms"

name="berth-bench-exec-$$-$(date +%s%N)"
cleanup() { "$DOCKER_CLI" rm -f "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT
"$DOCKER_CLI" run -d --name "$name" busybox sleep 600 >/dev/null || { log "$label: cannot run a container"; exit 2; }
for _ in $(seq 1 "$warmup"); do
  "$DOCKER_CLI" exec "$name" true
done
samples=$(for _ in $(seq 1 "$runs"); do
  t0=$(now_ns)
  "$DOCKER_CLI" exec "$name" true
  t1=$(now_ns)
  echo $(( t1 - t0 ))
done)
# shellcheck disable=SC2046
row "$label exec true" "$runs" $(printf '%s\n' "$samples" | stats_ms)
