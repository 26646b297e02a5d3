#!/usr/bin/env bash
# Compares berthd with Docker's dockerd on this machine, in one run:
#   1. container start latency: docker run --rm busybox true (real docker CLI) on each engine, runc run as the floor
#   2. API throughput: create -> start -> wait -> remove, sequential and 8 in parallel (curl on the unix socket)
#   3. memory: engine RSS idle and with 50 running containers (VmRSS of the engine and of all its helper processes)
#   4. CLI start-up: `berth version` vs `docker version --format '{{.Client.Version}}'`
# berthd runs from this checkout (or $BERTH_ROOT) on its own temp data root, exec root, socket and cgroup parent;
# dockerd comes from setup-dockerd.sh. A step an engine cannot do yet is reported as SKIPPED with the reason.
# Everything started here is stopped by PID and cleaned up on exit.
#
#   bench/run-all.sh [--runs N] [--containers N] [--only latency,throughput,rss,cli]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BERTH_ROOT=${BERTH_ROOT:-$bench_root}
runs=${RUNS:-20}
n_containers=${CONTAINERS:-50}
n_cycles=${CYCLES:-40}
parallel=${PARALLEL:-8}
only=latency,throughput,rss,cli
api=/v1.41   # the newest API both dockerd 20.10 and berthd speak
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --containers) n_containers=$2; shift 2 ;;
    --cycles) n_cycles=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done
wants() { [[ ",$only," == *",$1,"* ]]; }
[ "$(id -u)" = 0 ] || die "must run as root (both engines need it)"

results=$(mktemp)
result() { printf '%-34s %-16s %s\n' "$1" "$2" "$3" | tee -a "$results"; }
skip() { result "$1" "$2" "SKIPPED: $3"; }

# ---------------------------------------------------------------- engines

berthd_dir=
berthd_pid=
berthd_sock=
cgroup_parent=
dockerd_started=

start_berthd() {
  if [ ! -f "$BERTH_ROOT/berth-daemon/target/berthd.jar" ]; then
    berth_reason="berthd.jar not built; run $BERTH_ROOT/scripts/build.sh"
    log "$berth_reason"
    return 1
  fi
  berthd_dir=$(mktemp -d /tmp/berth-bench-berthd.XXXXXX)
  berthd_sock="$berthd_dir/run/berth.sock"
  cgroup_parent="berth-bench-$(basename "$berthd_dir" | cut -d. -f2)"
  # No default bridge, as the private dockerd (--bridge=none): `docker run` gets the same (loopback-only) network
  # on both engines.
  setsid "$BERTH_ROOT/bin/berthd" --data-root "$berthd_dir/data" --exec-root "$berthd_dir/run" \
    -H "unix://$berthd_sock" --pidfile "$berthd_dir/berthd.pid" --cgroup-parent "$cgroup_parent" \
    --bridge none --iptables=false >"$berthd_dir/berthd.log" 2>&1 </dev/null &
  berthd_pid=$!   # bin/berthd execs java, so this is berthd itself
  if ! wait_ping "$berthd_sock" 60; then
    tail -20 "$berthd_dir/berthd.log" >&2
    berth_reason="berthd did not answer on $berthd_sock (log above)"
    log "$berth_reason"
    return 1
  fi
}

stop_berthd() {
  [ -n "$berthd_dir" ] || return 0
  stop_pid "$berthd_pid" berthd
  local runc_root="$berthd_dir/run/runc" id p
  if [ -d "$runc_root" ]; then
    for id in $(runc --root "$runc_root" list -q 2>/dev/null); do
      runc --root "$runc_root" delete -f "$id" >/dev/null 2>&1 || true
    done
  fi
  # conmon and anything else berthd spawned carry our unique directory in their arguments.
  for p in $(pids_mentioning "$berthd_dir"); do kill -KILL "$p" 2>/dev/null || true; done
  unmount_under "$berthd_dir"
  # Its cgroup parent may sit nested below berthd's own cgroup in some controllers: find it everywhere.
  local c
  find /sys/fs/cgroup -maxdepth 6 -type d -name "$cgroup_parent" -prune 2>/dev/null | while read -r c; do
    find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  rm -rf --one-file-system "$berthd_dir"
  berthd_dir=
}

start_dockerd() {
  local pidfile="$DOCKERD_DIR/dockerd.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    log "using the dockerd already running on $DOCKERD_SOCK (left running afterwards)"
  else
    dockerd_started=1
  fi
  "$bench_root/bench/setup-dockerd.sh" >/dev/null
}

cleanup() {
  local rc=$?
  set +e
  [ "$loaded" -eq 0 ] || remove_loaded
  sweep_containers "$DOCKERD_SOCK"
  [ -z "$berthd_sock" ] || sweep_containers "$berthd_sock"
  stop_berthd
  [ -z "$dockerd_started" ] || "$bench_root/bench/stop-dockerd.sh"
  rm -f "$results"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# pids_mentioning TEXT: PIDs of processes whose command line contains TEXT (not this shell's).
pids_mentioning() {
  local f pid
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}; pid=${pid%/cmdline}
    [ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] || continue
    { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "$1" && echo "$pid"
  done
  return 0
}

# rss_kb PID: resident set size in kB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# tree_rss_kb TEXT: summed RSS of every process whose command line mentions TEXT (engine, containerd, shims, conmon).
tree_rss_kb() {
  local sum=0 p
  for p in $(pids_mentioning "$1"); do sum=$(( sum + $(rss_kb "$p") )); done
  echo $sum
}

last4() { awk '{ print $(NF-3), $(NF-2), $(NF-1), $NF }'; }

mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

# ---------------------------------------------------------------- API helpers (curl on the unix socket)

# call SOCK METHOD PATH [JSON]: prints the body; fails on HTTP >= 400.
call() {
  local sock=$1 method=$2 path=$3
  if [ $# -ge 4 ]; then
    curl -fsS --unix-socket "$sock" -X "$method" -H 'Content-Type: application/json' -d "$4" "http://localhost$api$path"
  else
    curl -fsS --unix-socket "$sock" -X "$method" "http://localhost$api$path"
  fi
}

create() { # create SOCK CMD-JSON [NAME]: prints the new container's ID
  local body
  body=$(call "$1" POST "/containers/create${3:+?name=$3}" "{\"Image\":\"busybox\",\"Cmd\":$2,\"HostConfig\":{\"NetworkMode\":\"none\"}}") || return 1
  body=${body#*\"Id\":\"}
  echo "${body%%\"*}"
}

cycle_seq=0
cycle() { # cycle SOCK [TAG]: one create -> start -> wait -> remove of `true`, all four requests in one curl
  local sock=$1 name codes
  cycle_seq=$(( cycle_seq + 1 ))
  name="berth-bench-$$-${2:-0}-$cycle_seq"
  # One curl process and one kept-alive connection per cycle, so process start-up is not what gets measured.
  codes=$(curl -sS --unix-socket "$sock" -o /dev/null -w '%{http_code} ' -X POST -H 'Content-Type: application/json' \
      -d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none"}}' "http://localhost$api/containers/create?name=$name" \
    --next --unix-socket "$sock" -o /dev/null -w '%{http_code} ' -X POST "http://localhost$api/containers/$name/start" \
    --next --unix-socket "$sock" -o /dev/null -w '%{http_code} ' -X POST "http://localhost$api/containers/$name/wait" \
    --next --unix-socket "$sock" -o /dev/null -w '%{http_code}' -X DELETE "http://localhost$api/containers/$name") || return 1
  if [ "$codes" != "201 204 200 204" ]; then
    log "cycle $name: HTTP status codes $codes (want 201 204 200 204)"
    # Best effort: do not leave the container behind.
    call "$sock" DELETE "/containers/$name?force=1" >/dev/null 2>&1 || true
    return 1
  fi
}

# ---------------------------------------------------------------- benchmarks

bench_latency() { # bench_latency NAME SOCK
  local out rc=0
  out=$("$bench_root/bench/run-latency.sh" --no-runc --no-header --runs "$runs" --label "$1" "$2" 2>&1) || rc=$?
  if [ $rc -ne 0 ]; then
    skip "latency: docker run --rm" "$1" "$(echo "$out" | tail -1 | sed 's/^ *//')"
    return
  fi
  read -r med p90 min max <<<"$(echo "$out" | head -1 | last4)"
  result "latency: docker run --rm (ms)" "$1" "median $med  p90 $p90  min $min  max $max"
}

bench_runc_floor() {
  local out
  if out=$("$bench_root/bench/run-latency.sh" --runc-only --no-header --runs "$runs" 2>&1); then
    read -r med p90 min max <<<"$(echo "$out" | head -1 | last4)"
    result "latency: runc run (ms)" "floor" "median $med  p90 $p90  min $min  max $max"
  else
    skip "latency: runc run" "floor" "$(echo "$out" | tail -1)"
  fi
}

bench_throughput() { # bench_throughput NAME SOCK
  local name=$1 sock=$2 t0 t1 i w
  local err
  if ! err=$(cycle "$sock" warm 2>&1); then
    skip "throughput: create/start/wait/rm" "$name" "API cycle failed: $(echo "$err" | tail -1)"
    return
  fi
  t0=$(now_ns)
  for i in $(seq 1 "$n_cycles"); do
    cycle "$sock" || { skip "throughput: sequential" "$name" "cycle $i failed"; return; }
  done
  t1=$(now_ns)
  result "throughput: sequential" "$name" "$(awk -v n="$n_cycles" -v ns=$((t1 - t0)) \
    'BEGIN { printf "%.1f containers/s  (%.0f ms each, %d cycles)", n / (ns / 1e9), ns / 1e6 / n, n }')"
  local per=$(( (n_cycles + parallel - 1) / parallel )) failed=0 pids=()
  t0=$(now_ns)
  for w in $(seq 1 "$parallel"); do
    ( for i in $(seq 1 "$per"); do cycle "$sock" "w$w" || exit 1; done ) &
    pids+=($!)
  done
  for w in "${pids[@]}"; do wait "$w" || failed=1; done
  t1=$(now_ns)
  if [ $failed = 1 ]; then
    skip "throughput: $parallel parallel" "$name" "a worker's cycle failed"
    return
  fi
  result "throughput: $parallel parallel" "$name" "$(awk -v n=$((per * parallel)) -v ns=$((t1 - t0)) \
    'BEGIN { printf "%.1f containers/s  (%d cycles)", n / (ns / 1e9), n }')"
}

rss_idle() { # rss_idle NAME ENGINE-PID MARKER
  result "rss: idle" "$1" "$(mib "$(rss_kb "$2")")  (with helpers: $(mib "$(tree_rss_kb "$3")"))"
}

loaded_sock=
loaded=0   # how many named containers rss_loaded may have created; cleanup removes them if the run is interrupted
rss_loaded() { # rss_loaded NAME SOCK ENGINE-PID MARKER
  local name=$1 sock=$2 pid=$3 marker=$4 id i ok=1
  loaded_sock=$sock
  for i in $(seq 1 "$n_containers"); do
    loaded=$i
    if ! id=$(create "$sock" '["sleep","600"]' "berth-bench-$$-load-$i") || ! call "$sock" POST "/containers/$id/start" >/dev/null; then
      skip "rss: $n_containers running" "$name" "could not start container $i"
      ok=
      break
    fi
  done
  if [ -n "$ok" ]; then
    sleep 2
    result "rss: $n_containers running" "$name" "$(mib "$(rss_kb "$pid")")  (with shims/conmon: $(mib "$(tree_rss_kb "$marker")"))"
  fi
  remove_loaded
}

# sweep_containers SOCK: removes every container this run named (berth-bench-<pid>-...), e.g. after an interrupt.
sweep_containers() {
  [ -S "$1" ] || return 0
  local id
  for id in $(curl -fsS --max-time 10 --unix-socket "$1" -G "http://localhost$api/containers/json" \
      --data-urlencode all=1 --data-urlencode "filters={\"name\":[\"berth-bench-$$-\"]}" 2>/dev/null | jq -r '.[].Id' 2>/dev/null); do
    call "$1" DELETE "/containers/$id?force=1" >/dev/null 2>&1 || true
  done
}

remove_loaded() {
  local i
  for i in $(seq 1 "$loaded"); do
    call "$loaded_sock" DELETE "/containers/berth-bench-$$-load-$i?force=1" >/dev/null 2>&1 || true
  done
  loaded=0
}

bench_cli() { # bench_cli SOCK
  local sock=$1 berth="$BERTH_ROOT/bin/berth"
  export DOCKER_HOST="unix://$sock"
  if command -v hyperfine >/dev/null; then
    local json
    json=$(mktemp)
    if hyperfine -N --warmup 3 --runs "$runs" --export-json "$json" "$berth version" >/dev/null 2>&1; then
      result "cli: berth version (ms)" "hyperfine" "$(jq -r '.results[0] | "median \(.median*10000|round/10)  mean \(.mean*10000|round/10)  min \(.min*10000|round/10)"' "$json")"
    else
      skip "cli: berth version" "berth" "berth version failed: $("$berth" version 2>&1 | tail -1)"
    fi
    hyperfine -N --warmup 3 --runs "$runs" --export-json "$json" "$DOCKER_CLI version --format {{.Client.Version}}" >/dev/null 2>&1 &&
      result "cli: docker version --format (ms)" "hyperfine" "$(jq -r '.results[0] | "median \(.median*10000|round/10)  mean \(.mean*10000|round/10)  min \(.min*10000|round/10)"' "$json")"
    rm -f "$json"
  else
    local times
    if times=$(for i in $(seq 1 "$runs"); do t0=$(now_ns); "$berth" version >/dev/null 2>&1 || exit 1; echo $(( $(now_ns) - t0 )); done); then
      read -r med p90 min max <<<"$(echo "$times" | stats_ms)"
      result "cli: berth version (ms)" "loop" "median $med  p90 $p90  min $min  max $max"
    else
      skip "cli: berth version" "berth" "berth version failed: $("$berth" version 2>&1 | tail -1)"
    fi
    times=$(for i in $(seq 1 "$runs"); do t0=$(now_ns); "$DOCKER_CLI" version --format '{{.Client.Version}}' >/dev/null 2>&1; echo $(( $(now_ns) - t0 )); done)
    read -r med p90 min max <<<"$(echo "$times" | stats_ms)"
    result "cli: docker version --format (ms)" "loop" "median $med  p90 $p90  min $min  max $max"
  fi
  unset DOCKER_HOST
}

# ---------------------------------------------------------------- run

log "== starting engines"
berth_ok=
berth_reason="berthd did not start"
if start_berthd; then
  if import_busybox "$berthd_sock" 2>"$berthd_dir/import.err"; then
    berth_ok=1
  else
    berth_reason="berthd is up but 'docker import busybox' failed: $(tail -1 "$berthd_dir/import.err")"
    log "$berth_reason"
  fi
fi
docker_ok=
start_dockerd && docker_ok=1 || log "dockerd could not be started (see $DOCKERD_DIR/dockerd.log)"
dockerd_pid=$(cat "$DOCKERD_DIR/dockerd.pid" 2>/dev/null || true)
berth_name=berthd
docker_name="dockerd-$(DOCKER_HOST="unix://$DOCKERD_SOCK" "$DOCKER_CLI" version --format '{{.Server.Version}}' 2>/dev/null | cut -d+ -f1)"

echo
printf '%-34s %-16s %s\n' benchmark engine result | tee -a "$results"
printf '%-34s %-16s %s\n' --------- ------ ------ | tee -a "$results"
not_berth() { skip "$1" "$berth_name" "$berth_reason"; }

if wants rss; then
  # Idle figures first, before any container has run.
  if [ -n "$berthd_pid" ] && kill -0 "$berthd_pid" 2>/dev/null; then rss_idle "$berth_name" "$berthd_pid" "$berthd_dir"; else skip "rss: idle" "$berth_name" "berthd not running"; fi
  if [ -n "$docker_ok" ]; then rss_idle "$docker_name" "$dockerd_pid" "$DOCKERD_DIR"; else skip "rss: idle" dockerd "dockerd not running"; fi
fi
if wants latency; then
  if [ -n "$berth_ok" ]; then bench_latency "$berth_name" "$berthd_sock"; else not_berth "latency: docker run --rm"; fi
  if [ -n "$docker_ok" ]; then bench_latency "$docker_name" "$DOCKERD_SOCK"; else skip "latency: docker run --rm" dockerd "dockerd not running"; fi
  bench_runc_floor
fi
if wants throughput; then
  if [ -n "$berth_ok" ]; then bench_throughput "$berth_name" "$berthd_sock"; else not_berth "throughput"; fi
  if [ -n "$docker_ok" ]; then bench_throughput "$docker_name" "$DOCKERD_SOCK"; else skip throughput dockerd "dockerd not running"; fi
fi
if wants rss; then
  if [ -n "$berth_ok" ]; then rss_loaded "$berth_name" "$berthd_sock" "$berthd_pid" "$berthd_dir"; else not_berth "rss: $n_containers running"; fi
  if [ -n "$docker_ok" ]; then rss_loaded "$docker_name" "$DOCKERD_SOCK" "$dockerd_pid" "$DOCKERD_DIR"; else skip "rss: $n_containers running" dockerd "dockerd not running"; fi
fi
if wants cli; then
  # Both CLIs talk to berthd when it is up, else to dockerd.
  if [ -n "$berthd_sock" ] && [ -S "$berthd_sock" ]; then bench_cli "$berthd_sock"; else bench_cli "$DOCKERD_SOCK"; fi
fi

echo
echo "== summary ($(date -u +%FT%TZ), $(nproc) CPUs, kernel $(uname -r))"
cat "$results"
