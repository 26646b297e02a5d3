#!/usr/bin/env bash
# Network benchmarks, berthd against dockerd on this machine:
#   1. setup cost: `docker run --rm busybox true` on the default bridge minus the same with --network none
#      (median of N runs each, interleaved), per engine;
#   2. requests per second through a published port to busybox httpd with wrk (16 connections, 10 s),
#      to the host's own address (DNAT by the kernel) and to 127.0.0.1 (each engine's userland proxy).
# berthd runs from this checkout on its own bridge (bnbench<rand>) and subnet; dockerd is a private one with
# its own bridge device (dbench0, 10.198.0.1/24) and iptables rules, under /tmp/berth-bench-dockerd-net.
# Everything started here is stopped by PID and removed on exit.
#
#   bench/run-network.sh [--runs N] [--duration S] [--only setup,wrk] [--engine berthd|dockerd|both]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runs=${RUNS:-20}
duration=${DURATION:-10}
only=setup,wrk
engines=both
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --engine) engines=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done
wants() { [[ ",$only," == *",$1,"* ]]; }
[ "$(id -u)" = 0 ] || die "must run as root"

DDIR=/tmp/berth-bench-dockerd-net
DBRIDGE=dbench0
tag=$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
berthd_dir=
berthd_pid=
dockerd_pid=

cleanup() {
  set +e
  if [ -n "$berthd_pid" ]; then
    DOCKER_HOST="unix://$berthd_dir/run/berth.sock" "$DOCKER_CLI" rm -f $(DOCKER_HOST="unix://$berthd_dir/run/berth.sock" "$DOCKER_CLI" ps -aq) >/dev/null 2>&1
    stop_pid "$berthd_pid" berthd
    unmount_under "$berthd_dir"
    rm -rf "$berthd_dir"
  fi
  if [ -n "$dockerd_pid" ]; then
    DOCKER_HOST="unix://$DDIR/docker.sock" "$DOCKER_CLI" rm -f $(DOCKER_HOST="unix://$DDIR/docker.sock" "$DOCKER_CLI" ps -aq) >/dev/null 2>&1
    stop_pid "$dockerd_pid" dockerd
    unmount_under "$DDIR"
    rm -rf "$DDIR"
    ip link del "$DBRIDGE" 2>/dev/null
    # dockerd 20.10 leaves its chains behind; remove them unless a system dockerd is using them
    if ! pgrep -a -x dockerd | grep -v -q -- '--iptables=false'; then
      for t in filter nat; do
        iptables -w -t "$t" -S | grep -E "^-A (FORWARD|PREROUTING|OUTPUT|POSTROUTING) .*(-j DOCKER|$DBRIDGE|10\.198\.0\.0/24)" | sed 's/^-A/-D/' | \
          while read -r rule; do eval iptables -w -t "$t" "$rule"; done
        for c in $(iptables -w -t "$t" -S | awk '/^-N DOCKER/ {print $2}'); do iptables -w -t "$t" -F "$c"; done
        for c in $(iptables -w -t "$t" -S | awk '/^-N DOCKER/ {print $2}'); do iptables -w -t "$t" -X "$c"; done
      done
    fi
  fi
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
  [ -x /usr/sbin/dockerd ] || die "no /usr/sbin/dockerd (bench/setup-dockerd.sh installs it)"
  mkdir -p "$DDIR/data" "$DDIR/exec"
  ip link add "$DBRIDGE" type bridge 2>/dev/null || true
  ip addr replace 10.198.0.1/24 dev "$DBRIDGE"
  ip link set "$DBRIDGE" up
  setsid /usr/sbin/dockerd --host "unix://$DDIR/docker.sock" --data-root "$DDIR/data" --exec-root "$DDIR/exec" \
    --pidfile "$DDIR/dockerd.pid" --bridge "$DBRIDGE" --iptables=true --cgroup-parent "berth-bench-dockerd-net" \
    >"$DDIR/dockerd.log" 2>&1 </dev/null &
  dockerd_pid=$!
  wait_ping "$DDIR/docker.sock" 60 || { tail -20 "$DDIR/dockerd.log" >&2; die "dockerd did not start"; }
  import_busybox "$DDIR/docker.sock"
  socks+=("$DDIR/docker.sock"); labels+=(dockerd)
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

# wrk_rps SOCKET LABEL: busybox httpd behind -p, wrk from the host to its address and to 127.0.0.1.
wrk_rps() {
  local sock=$1 label=$2 port host
  command -v wrk >/dev/null || { log "wrk not installed (apt-get install wrk)"; return 0; }
  DOCKER_HOST="unix://$sock" "$DOCKER_CLI" run -d --name "wrk-httpd-$tag" -p 80 busybox sh -c \
    'mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www' >/dev/null
  port=$(DOCKER_HOST="unix://$sock" "$DOCKER_CLI" port "wrk-httpd-$tag" 80/tcp | head -1 | sed 's/.*://')
  host=$(ip -4 -o route get 1.1.1.1 | sed -n 's/.* src \([0-9.]*\).*/\1/p')
  sleep 0.5
  for target in "$host" 127.0.0.1; do
    rps=$(wrk -t2 -c16 -d"${duration}s" "http://$target:$port/index.html" 2>/dev/null | awk '/Requests\/sec/ {print $2}')
    printf '%-10s wrk -c16 to %-15s %10s requests/s\n' "$label" "$target:$port" "${rps:-failed}"
  done
  DOCKER_HOST="unix://$sock" "$DOCKER_CLI" rm -f "wrk-httpd-$tag" >/dev/null
}

socks=()
labels=()
if [ "$engines" = both ] || [ "$engines" = berthd ]; then start_berthd; fi
if [ "$engines" = both ] || [ "$engines" = dockerd ]; then start_dockerd; fi
for i in "${!socks[@]}"; do
  wants setup && setup_cost "${socks[$i]}" "${labels[$i]}"
done
for i in "${!socks[@]}"; do
  wants wrk && wrk_rps "${socks[$i]}" "${labels[$i]}"
done
