#!/usr/bin/env bash
# Container start latency: `docker run --rm busybox true` through the real docker CLI against an engine's socket,
# and `runc run` of a prepared busybox bundle as the floor (no engine at all).
#
#   bench/run-latency.sh [--label NAME] [--runs N] [--warmup N] [--no-runc] <socket>
#   bench/run-latency.sh --runc-only [--runs N]
#
# Prints one table row per target: median, p90, min and max wall time in ms. The engine needs an image "busybox"
# (setup-dockerd.sh and run-all.sh import it). Exit status 2 means the engine could not run a container.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runs=${RUNS:-20}
warmup=${WARMUP:-3}
label=
socket=
do_engine=1
do_runc=1
while [ $# -gt 0 ]; do
  case $1 in
    --label) label=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --no-runc) do_runc=; shift ;;
    --runc-only) do_engine=; shift ;;
    --no-header) no_header=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) socket=$1; shift ;;
  esac
done
[ -z "$do_engine" ] || [ -n "$socket" ] || die "usage: $0 [--label NAME] [--runs N] <socket>"
[ "$runs" -ge 1 ] || die "--runs must be at least 1"
label=${label:-$(basename "$(dirname "${socket:-/x/runc}")")}

row() { printf '%-22s %5s %9s %9s %9s %9s\n' "$@"; }
[ -n "${no_header:-}" ] || row target runs "median" "p90" "min" "max"
[ -n "${no_header:-}" ] || row "" "" "ms" "ms" "ms" "ms"

# time_runs N CMD...: runs CMD N times, printing each duration in ns; fails on the first failing run.
time_runs() {
  local n=$1 i t0 t1
  shift
  for i in $(seq 1 "$n"); do
    t0=$(now_ns)
    "$@" >/dev/null 2>>"$errlog" || return 1
    t1=$(now_ns)
    echo $(( t1 - t0 ))
  done
}

errlog=$(mktemp)
tmp=
cleanup() {
  rm -f "$errlog"
  if [ -n "$tmp" ]; then
    # Containers left by an interrupted run: delete them from our private runc root.
    for id in $(runc --root "$tmp/state" list -q 2>/dev/null); do
      runc --root "$tmp/state" delete -f "$id" >/dev/null 2>&1 || true
    done
    unmount_under "$tmp"
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

# timed WARMUP RUNS CMD: each run's time in ns, by hyperfine when it is installed (apt-get install hyperfine),
# else by a loop that also counts a few ms of its own process starts.
timed() {
  if command -v hyperfine >/dev/null; then
    hyperfine_ns "$1" "$2" "$3" 2>>"$errlog"
  else
    time_runs "$1" bash -c "$3" >/dev/null && time_runs "$2" bash -c "$3"
  fi
}

status=0
if [ -n "$do_engine" ]; then
  if ! times=$(timed "$warmup" "$runs" "DOCKER_HOST=unix://$socket $DOCKER_CLI run --rm busybox true"); then
    row "$label" "$runs" "FAILED" "" "" ""
    log "  $label: docker run failed: $(tail -3 "$errlog" | tr '\n' ' ')"
    status=2
  else
    row "$label" "$runs" $(printf '%s\n' "$times" | stats_ms)
  fi
fi

if [ -n "$do_runc" ]; then
  command -v runc >/dev/null || die "runc not found"
  tmp=$(mktemp -d /tmp/berth-bench-runc.XXXXXX)
  mkdir -p "$tmp/bundle/rootfs" "$tmp/state"
  "$bench_root/scripts/busybox-rootfs.sh" | tar -C "$tmp/bundle/rootfs" -xf -
  (cd "$tmp/bundle" && runc spec)
  # A non-interactive `true`, like the docker run above.
  jq '.process.terminal = false | .process.args = ["true"]' "$tmp/bundle/config.json" >"$tmp/config.json"
  mv "$tmp/config.json" "$tmp/bundle/config.json"
  # every run needs its own container ID
  if ! times=$(timed "$warmup" "$runs" "runc --root $tmp/state run --bundle $tmp/bundle berth-bench-$$-\$RANDOM\$RANDOM"); then
    row "runc run (floor)" "$runs" "FAILED" "" "" ""
    log "  runc: $(tail -3 "$errlog" | tr '\n' ' ')"
    status=2
  else
    row "runc run (floor)" "$runs" $(printf '%s\n' "$times" | stats_ms)
  fi
fi
exit $status
