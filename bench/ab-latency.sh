#!/usr/bin/env bash
# A/B start latency: `docker run --rm busybox true` against several engines, alternating run by run, so load that
# comes and goes on the machine falls on every engine alike (hyperfine runs one command's runs back to back).
# With --exec: `docker exec <c> true` instead, into one busybox `sleep` container per engine (started first,
# removed at the end).
#
#   bench/ab-latency.sh [--runs N] [--warmup N] [--exec] NAME=SOCKET NAME=SOCKET ...
#
# Each engine needs an image "busybox". Prints median / p90 / min / max in ms per engine; each time includes a
# `date` call (~1 ms), the same for every engine.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runs=${RUNS:-50}
warmup=${WARMUP:-5}
mode=run
bench_option() { case $1 in --exec) mode=exec; return 2 ;; *) return 1 ;; esac; }
engine_args "$0 [--runs N] [--warmup N] [--exec] NAME=SOCKET ..." "$@"

tmp=$(mktemp -d)
ctr="berth-bench-abexec-$$"
cleanup() {
  if [ "$mode" = exec ]; then
    for s in "${socks[@]}"; do DOCKER_HOST="unix://$s" "$DOCKER_CLI" rm -f "$ctr" >/dev/null 2>&1 || true; done
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
if [ "$mode" = exec ]; then
  for s in "${socks[@]}"; do DOCKER_HOST="unix://$s" "$DOCKER_CLI" run -d --name "$ctr" busybox sleep 3600 >/dev/null; done
  one() { DOCKER_HOST="unix://$1" "$DOCKER_CLI" exec "$ctr" true >/dev/null; }
else
  one() { DOCKER_HOST="unix://$1" "$DOCKER_CLI" run --rm busybox true >/dev/null; }
fi
for i in "${!names[@]}"; do
  for _ in $(seq 1 "$warmup"); do one "${socks[$i]}"; done
done
for _ in $(seq 1 "$runs"); do
  for i in "${!names[@]}"; do
    t0=$(now_ns)
    one "${socks[$i]}"
    echo $(( $(now_ns) - t0 )) >>"$tmp/$i"
  done
done
printf '%-22s %5s %9s %9s %9s %9s\n' engine runs median p90 min max
for i in "${!names[@]}"; do
  printf '%-22s %5s %9s %9s %9s %9s\n' "${names[$i]}" "$runs" $(stats_ms <"$tmp/$i")
done
