#!/usr/bin/env bash
# Network benchmarks, berthd against dockerd on this machine:
#   1. setup cost: `docker run --rm busybox true` on the default bridge minus the same with --network none
#      (median of N runs each, interleaved), per engine;
#   2. requests per second through a published port to busybox httpd serving the same 6-byte file, with wrk from the
#      host (16 connections), to the host's non-loopback address (DNAT by the kernel for both engines) and to
#      127.0.0.1 (dockerd: its docker-proxy, as by default; berthd: DNAT too). Both containers run at once; runs
#      alternate the engine that goes first; medians of --wrk-runs runs per engine and target;
#   3. latency (only with --only latency, not by default): `docker run --rm busybox true` and `docker exec <c> true`
#      with both engines as installed, each on its default bridge (bench/ab-latency.sh, alternating engine by engine
#      run by run, --runs N) -- the issue 2 and 5 comparisons for default installs rather than network-less ones.
# berthd runs from this checkout on its own bridge (bnbench<rand>, 10.197.0.1/24); dockerd is setup-dockerd.sh's
# private one with --network dbench<rand> 10.198.0.1/24 (its own bridge and iptables rules, userland proxy on), under
# /tmp/berth-bench-dockerd-net. Everything started here is stopped by PID and removed on exit (stop-dockerd.sh
# removes dockerd's bridge and rules).
#
#   bench/run-network.sh [--runs N] [--wrk-runs N] [--duration S] [--only setup,wrk,latency] [--engine berthd|dockerd|both]
# HTTPD_OPTS adds run options to both httpd containers (e.g. "--security-opt seccomp=unconfined").
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runs=${RUNS:-20}
wrk_runs=${WRK_RUNS:-5}
duration=${DURATION:-10}
only=setup,wrk
engines=both
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --wrk-runs) wrk_runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --engine) engines=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done
wants() { [[ ",$only," == *",$1,"* ]]; }
[ "$(id -u)" = 0 ] || die "must run as root"

export DOCKERD_DIR=/tmp/berth-bench-dockerd-net
DOCKERD_SOCK="$DOCKERD_DIR/docker.sock"
tag=$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
berthd_dir=
berthd_pid=
dockerd_started=

cleanup() {
  set +e
  if [ -n "$berthd_pid" ]; then
    DOCKER_HOST="unix://$berthd_dir/run/berth.sock" "$DOCKER_CLI" rm -f $(DOCKER_HOST="unix://$berthd_dir/run/berth.sock" "$DOCKER_CLI" ps -aq) >/dev/null 2>&1
    stop_pid "$berthd_pid" berthd
    unmount_under "$berthd_dir"
    rm -rf "$berthd_dir"
  fi
  [ -z "$dockerd_started" ] || "$bench_root/bench/stop-dockerd.sh"
}
trap cleanup EXIT

start_berthd() {
  berthd_dir=$(mktemp -d /tmp/berth-bench-net.XXXXXX)
  setsid "$bench_root/bin/berthd" --data-root "$berthd_dir/data" --exec-root "$berthd_dir/run" \
    -H "unix://$berthd_dir/run/berth.sock" --cgroup-parent "berth-bench-net-$tag" \
    --bridge "bnbench$tag" --bip 10.197.0.1/24 --default-address-pools base=10.197.0.0/16,size=24 \
    >"$berthd_dir/berthd.log" 2>&1 </dev/null &
  berthd_pid=$!
  wait_ping "$berthd_dir/run/berth.sock" 60 || { tail -20 "$berthd_dir/berthd.log" >&2; die "berthd did not start"; }
  import_busybox "$berthd_dir/run/berth.sock"
  socks+=("$berthd_dir/run/berth.sock"); labels+=(berthd)
}

start_dockerd() {
  [ ! -e "$DOCKERD_DIR" ] || die "$DOCKERD_DIR exists: another run is going on (or stop it with DOCKERD_DIR=$DOCKERD_DIR bench/stop-dockerd.sh)"
  dockerd_started=1
  "$bench_root/bench/setup-dockerd.sh" --network "dbench$tag" 10.198.0.1/24 >/dev/null
  socks+=("$DOCKERD_SOCK"); labels+=(dockerd)
}

# setup_cost SOCKET LABEL: median run time with the default bridge and with --network none, and the difference.
setup_cost() {
  local sock=$1 label=$2 i t0 t1 bridge=() none=()
  for i in $(seq 1 3); do
    DOCKER_HOST="unix://$sock" "$DOCKER_CLI" run --rm busybox true >/dev/null
    DOCKER_HOST="unix://$sock" "$DOCKER_CLI" run --rm --network none busybox true >/dev/null
  done
  for i in $(seq 1 "$runs"); do
    t0=$(now_ns); DOCKER_HOST="unix://$sock" "$DOCKER_CLI" run --rm busybox true >/dev/null; t1=$(now_ns)
    bridge+=($(( t1 - t0 )))
    t0=$(now_ns); DOCKER_HOST="unix://$sock" "$DOCKER_CLI" run --rm --network none busybox true >/dev/null; t1=$(now_ns)
    none+=($(( t1 - t0 )))
  done
  local mb mn
  mb=$(printf '%s\n' "${bridge[@]}" | stats_ms | cut -d' ' -f1)
  mn=$(printf '%s\n' "${none[@]}" | stats_ms | cut -d' ' -f1)
  printf '%-10s run bridge %8s ms   run none %8s ms   network setup %8s ms\n' "$label" "$mb" "$mn" \
    "$(awk -v a="$mb" -v b="$mn" 'BEGIN { printf "%.1f", a - b }')"
}

# start_httpd SOCKET: busybox httpd behind -p 80 serving /www/index.html; prints the host port.
start_httpd() {
  local sock=$1 port i
  DOCKER_HOST="unix://$sock" "$DOCKER_CLI" run -d --name "wrk-httpd-$tag" -p 80 ${HTTPD_OPTS:-} busybox sh -c \
    'mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
  port=$(DOCKER_HOST="unix://$sock" "$DOCKER_CLI" port "wrk-httpd-$tag" 80/tcp | head -1 | sed 's/.*://')
  for i in $(seq 1 50); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/index.html" 2>/dev/null && break
    sleep 0.2
  done
  echo "$port"
}

# wrk_rps: both engines' httpd at once; runs alternate which engine goes first; medians per engine and target.
wrk_rps() {
  command -v wrk >/dev/null || { log "wrk not installed (apt-get install wrk)"; return 0; }
  local host i j k target rps ports=() order
  host=$(ip -4 -o route get 1.1.1.1 | sed -n 's/.* src \([0-9.]*\).*/\1/p')
  for i in "${!socks[@]}"; do ports+=("$(start_httpd "${socks[$i]}")"); done
  declare -A all
  for j in $(seq 1 "$wrk_runs"); do
    order=("${!socks[@]}")
    [ $((j % 2)) -eq 0 ] && [ "${#order[@]}" -eq 2 ] && order=(1 0)
    for i in "${order[@]}"; do
      for target in "$host" 127.0.0.1; do
        rps=$(wrk -t2 -c16 -d"${duration}s" "http://$target:${ports[$i]}/index.html" 2>/dev/null | awk '/Requests\/sec/ {print $2}')
        log "run $j ${labels[$i]} $target:${ports[$i]} ${rps:-failed} requests/s"
        all["$i $target"]+="${rps:-0}"$'\n'
      done
    done
  done
  for target in "$host" 127.0.0.1; do
    for i in "${!socks[@]}"; do
      printf '%-10s wrk -c16 %ss to %-15s median %10s requests/s  (runs: %s)\n' "${labels[$i]}" "$duration" "$target" \
        "$(grep -v '^$' <<<"${all["$i $target"]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')" \
        "$(grep -v '^$' <<<"${all["$i $target"]}" | tr '\n' ' ')"
    done
  done
  # With both engines: berthd / dockerd of each run (the two measured back to back), median over the runs; steadier
  # than the ratio of medians when other work on the machine comes and goes.
  if [ "${#socks[@]}" -eq 2 ]; then
    for target in "$host" 127.0.0.1; do
      printf '%s / %s to %-15s median of the runs'"'"' ratios %s\n' "${labels[0]}" "${labels[1]}" "$target" \
        "$(paste <(grep -v '^$' <<<"${all["0 $target"]}") <(grep -v '^$' <<<"${all["1 $target"]}") \
          | awk '$2 > 0 { print $1 / $2 }' | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] }')"
    done
  fi
  for i in "${!socks[@]}"; do DOCKER_HOST="unix://${socks[$i]}" "$DOCKER_CLI" rm -f "wrk-httpd-$tag" >/dev/null; done
}

socks=()
labels=()
if [ "$engines" = both ] || [ "$engines" = berthd ]; then start_berthd; fi
if [ "$engines" = both ] || [ "$engines" = dockerd ]; then start_dockerd; fi
for i in "${!socks[@]}"; do
  wants setup && setup_cost "${socks[$i]}" "${labels[$i]}"
done
wants wrk && wrk_rps
if wants latency; then
  ab=()
  for i in "${!socks[@]}"; do ab+=("${labels[$i]}=${socks[$i]}"); done
  log "docker run --rm busybox true, default bridge, alternating:"
  "$bench_root/bench/ab-latency.sh" --runs "$runs" "${ab[@]}"
  log "docker exec <c> true, alternating:"
  "$bench_root/bench/ab-latency.sh" --exec --runs "$runs" "${ab[@]}"
fi
