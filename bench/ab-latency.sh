#!/usr/bin/env bash
# A/B start latency: `docker run --rm busybox true` against several engines, alternating run by run, so load that
# comes and goes on the machine falls on every engine alike (hyperfine runs one command's runs back to back).
#
#   bench/ab-latency.sh [--runs N] [--warmup N] NAME=SOCKET NAME=SOCKET ...
#
# Each engine needs an image "busybox". Prints median / p90 / min / max in ms per engine; each time includes a
# `date` call (~1 ms), the same for every engine.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runs=${RUNS:-50}
warmup=${WARMUP:-5}
names=()
socks=()
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *=*) names+=("${1%%=*}"); socks+=("${1#*=}"); shift ;;
    *) die "expected NAME=SOCKET, got $1" ;;
  esac
done
[ ${#names[@]} -ge 1 ] || die "usage: $0 [--runs N] NAME=SOCKET ..."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
one() { DOCKER_HOST="unix://$1" "$DOCKER_CLI" run --rm busybox true >/dev/null; }
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
