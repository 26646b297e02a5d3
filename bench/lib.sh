# Shared helpers for Berth's benchmark scripts (sourced, not run).
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DOCKER_CLI=${DOCKER_CLI:-/usr/local/bin/docker}
DOCKERD_DIR=${DOCKERD_DIR:-/tmp/berth-bench-dockerd}
DOCKERD_SOCK="$DOCKERD_DIR/docker.sock"

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# now_ns: wall clock in nanoseconds.
now_ns() { date +%s%N; }

# wait_ping SOCKET SECONDS: waits until the engine on SOCKET answers /_ping.
wait_ping() {
  local sock=$1 deadline=$(( $(date +%s) + $2 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if curl -fsS --max-time 2 --unix-socket "$sock" http://localhost/_ping >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# import_busybox SOCKET: imports the host's busybox as image "busybox" unless it is there already.
import_busybox() {
  local sock=$1
  if DOCKER_HOST="unix://$sock" "$DOCKER_CLI" image inspect busybox >/dev/null 2>&1; then
    return 0
  fi
  # Same image as BerthdFixture.importBusybox: CMD sh, like the registry's busybox.
  "$bench_root/scripts/busybox-rootfs.sh" | DOCKER_HOST="unix://$sock" "$DOCKER_CLI" import -c 'CMD ["sh"]' - busybox >/dev/null
}

# hyperfine_ns WARMUP RUNS CMD: runs CMD (a shell command line) with hyperfine and prints each run's wall time in
# ns. hyperfine subtracts the time of starting the shell itself, so a command pays only for what it runs.
hyperfine_ns() {
  local json rc=0
  json=$(mktemp)
  hyperfine --style none --warmup "$1" --runs "$2" --export-json "$json" "$3" >/dev/null 2>&1 || rc=$?
  [ "$rc" -eq 0 ] && jq -r '.results[0].times[] | . * 1e9 | floor' "$json"
  rm -f "$json"
  return $rc
}

# engine_args USAGE ARG...: the arguments of a side-by-side bench. NAME=SOCKET pairs go to the arrays names and socks,
# --runs N and --warmup N to runs and warmup, -h prints the script's header comment. Any other option goes to the
# script's own bench_option OPTION VALUE, which returns 0 when it took OPTION and VALUE, 2 when it took OPTION alone
# (a flag) and 1 when it does not know OPTION. At least one engine is required.
engine_args() {
  local usage=$1 rc
  shift
  names=()
  socks=()
  while [ $# -gt 0 ]; do
    case $1 in
      --runs) runs=$2; shift 2 ;;
      --warmup) warmup=$2; shift 2 ;;
      -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
      *=*) names+=("${1%%=*}"); socks+=("${1#*=}"); shift ;;
      --*)
        rc=0
        bench_option "$1" "${2:-}" || rc=$?
        case $rc in
          0) [ $# -ge 2 ] || die "$1 needs a value"; shift 2 ;;
          2) shift ;;
          *) die "unknown option $1; usage: $usage" ;;
        esac ;;
      *) die "expected NAME=SOCKET, got $1" ;;
    esac
  done
  [ ${#names[@]} -ge 1 ] || die "usage: $usage"
}

# stats_ms: reads durations in nanoseconds (one per line), prints "median p90 min max" in ms.
stats_ms() {
  sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "- - - -"; exit }
    p50 = v[int((NR + 1) / 2)]; i90 = int(NR * 0.9 + 0.999999); if (i90 < 1) i90 = 1; if (i90 > NR) i90 = NR
    printf "%.1f %.1f %.1f %.1f\n", p50 / 1e6, v[i90] / 1e6, v[1] / 1e6, v[NR] / 1e6 }'
}

# alternate_timed WARMUP RUNS DIR FN SOCKET...: calls "FN SOCKET OUT" WARMUP times per engine (OUT /dev/null), then
# RUNS rounds taking the engines in turn, so that load from other work on the machine falls on each alike. Each timed
# call's wall time in ns is appended to DIR/<i> (i: the engine's position among the sockets), its output goes to DIR/out.<i>.
alternate_timed() {
  local warmup=$1 runs=$2 dir=$3 fn=$4 i t0 _
  shift 4
  local socks=("$@")
  for i in "${!socks[@]}"; do
    for _ in $(seq 1 "$warmup"); do "$fn" "${socks[$i]}" /dev/null; done
  done
  for _ in $(seq 1 "$runs"); do
    for i in "${!socks[@]}"; do
      t0=$(now_ns)
      "$fn" "${socks[$i]}" "$dir/out.$i"
      echo $(( $(now_ns) - t0 )) >>"$dir/$i"
    done
  done
}

# stop_pid PID [NAME]: SIGTERM, wait up to 20 s, then SIGKILL; only for processes this script started.
stop_pid() {
  local pid=$1 name=${2:-process} i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  log "$name ($pid) did not stop in 20 s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

# unmount_under DIR: lazily unmounts every mount point below DIR, deepest first.
unmount_under() {
  local dir=$1 m
  [ -d "$dir" ] || return 0
  awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
}
# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
