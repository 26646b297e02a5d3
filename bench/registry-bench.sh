#!/usr/bin/env bash
# berth-registry vs Debian's docker-registry (CNCF distribution 2.8), side by side in the same run, on loopback:
# 1 GiB blob upload (one monolithic PUT) and download (curl), and manifest GET requests per second with wrk at
# 16 connections. Each registry gets its own temp root and port; both are stopped (by PID) and removed on exit.
# Besides wall-clock figures it prints the CPU time the server process spent (utime+stime from /proc), which
# other load on the machine disturbs far less. One untimed round first warms both up (the JVM's JIT).
# Needs: a built berth-registry (scripts/build.sh), docker-registry, wrk, curl (scripts/install-deps.sh --bench).
# Downloads are measured two ways: one curl (wall clock, and the CPU time of curl and of the server per download),
# and --parallel K curls of the blob at once (aggregate MiB/s). On loopback both ends share the machine's CPUs, so
# the client's CPU time is reported too: a server that saves CPU by zero-copy makes the receiver's copy dearer.
# Options: --runs N (default 3), --size-mib N (default 1024), --wrk-seconds N (default 10), --connections N (16),
# --parallel K (default 3).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runs=${RUNS:-3}
size_mib=${SIZE_MIB:-1024}
wrk_seconds=${WRK_SECONDS:-10}
connections=${CONNECTIONS:-16}
parallel=${PARALLEL:-3}
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --size-mib) size_mib=$2; shift 2 ;;
    --wrk-seconds) wrk_seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --parallel) parallel=$2; shift 2 ;;
    *) die "unknown option $1" ;;
  esac
done

command -v docker-registry >/dev/null || die "docker-registry is missing (apt-get install docker-registry)"
command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"
[ -f "$bench_root/berth-registry/target/berth-registry.jar" ] || die "berth-registry is not built (scripts/build.sh)"

work=$(mktemp -d /tmp/berth-registry-bench.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do stop_pid "$p" registry; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM


wait_http() {
  local url=$1 i
  for i in $(seq 1 150); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

# --- start both registries
dr_port=$(free_port)
mkdir -p "$work/dr-root"
cat >"$work/dr-config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/dr-root
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$dr_port
YAML
docker-registry serve "$work/dr-config.yml" >"$work/dr.log" 2>&1 &
pids+=($!)
declare -A pid port
pid[docker-registry]=$!
port[docker-registry]=$dr_port
br_port=$(free_port)
# bin/berth-registry execs java, so $! is the JVM itself.
"$bench_root/bin/berth-registry" serve --root "$work/br-root" --listen "127.0.0.1:$br_port" >"$work/br.log" 2>&1 &
pids+=($!)
pid[berth-registry]=$!
port[berth-registry]=$br_port
wait_http "http://127.0.0.1:$dr_port/v2/" || { cat "$work/dr.log" >&2; die "docker-registry did not start"; }
wait_http "http://127.0.0.1:$br_port/v2/" || { cat "$work/br.log" >&2; die "berth-registry did not start"; }

log "making a ${size_mib} MiB random blob ..."
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$work/blob"
digest="sha256:$(sha256sum "$work/blob" | cut -d' ' -f1)"
bytes=$(stat -c %s "$work/blob")

# upload PORT REPO: one monolithic PUT of the blob into a new session; prints seconds.
upload() {
  local port=$1 repo=$2 loc sep
  loc=$(curl -fsS -X POST -D - -o /dev/null "http://127.0.0.1:$port/v2/$repo/blobs/uploads/" \
    | awk 'tolower($1) == "location:" { print $2 }' | tr -d '\r')
  case $loc in http*) ;; *) loc="http://127.0.0.1:$port$loc" ;; esac
  case $loc in *\?*) sep='&' ;; *) sep='?' ;; esac
  curl -fsS -T "$work/blob" -H 'Content-Type: application/octet-stream' -H 'Expect:' -o /dev/null \
    -w '%{time_total}\n' "$loc${sep}digest=$digest"
}

# download PORT REPO: one curl; prints "seconds client-cpu-seconds" (curl's user + system time, from /usr/bin/time).
download() {
  local t
  t=$(/usr/bin/time -f '%U %S' -o "$work/time" curl -fsS -o /dev/null -w '%{time_total}' \
    "http://127.0.0.1:$1/v2/$2/blobs/$digest")
  awk -v t="$t" '{ print t, $1 + $2 }' "$work/time"
}

# download_parallel PORT REPO K: K curls of the blob at once (as a pull fetches several layers; docker's default is
# 3), on separate connections; prints the wall seconds until the last one finished.
download_parallel() {
  local t0 t1 j ps=()
  t0=$(date +%s%N)
  for j in $(seq 1 "$3"); do
    curl -fsS -o /dev/null "http://127.0.0.1:$1/v2/$2/blobs/$digest" &
    ps+=($!)
  done
  for j in "${ps[@]}"; do wait "$j"; done
  t1=$(date +%s%N)
  awk -v n=$((t1 - t0)) 'BEGIN { print n / 1e9 }'
}

# push_manifest PORT: a small OCI image (config + one layer) tagged bench/app:v1.
push_manifest() {
  local port=$1 cfg layer cd ld
  cfg='{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
  layer="layer for the manifest benchmark"
  cd="sha256:$(printf '%s' "$cfg" | sha256sum | cut -d' ' -f1)"
  ld="sha256:$(printf '%s' "$layer" | sha256sum | cut -d' ' -f1)"
  for pair in "$cfg|$cd" "$layer|$ld"; do
    local body=${pair%|*} d=${pair##*|} loc sep
    loc=$(curl -fsS -X POST -D - -o /dev/null "http://127.0.0.1:$port/v2/bench/app/blobs/uploads/" \
      | awk 'tolower($1) == "location:" { print $2 }' | tr -d '\r')
    case $loc in http*) ;; *) loc="http://127.0.0.1:$port$loc" ;; esac
    case $loc in *\?*) sep='&' ;; *) sep='?' ;; esac
    printf "%s" "$body" | curl -fsS -X PUT -H "Content-Type: application/octet-stream" --data-binary @- -o /dev/null "$loc${sep}digest=$d"
  done
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d}]}' \
    "$cd" "${#cfg}" "$ld" "${#layer}" \
    | curl -fsS -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary @- \
      -o /dev/null "http://127.0.0.1:$port/v2/bench/app/manifests/v1"
}

# cpu_ticks PID: user + system CPU time of a process, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

median() { grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mibps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.0f", b / 1048576 / s }'; }

declare -A up down rps upcpu downcpu clientcpu par parcpu
names=(docker-registry berth-registry)
for name in "${names[@]}"; do
  up[$name]=""; down[$name]=""; upcpu[$name]=""; downcpu[$name]=""; clientcpu[$name]=""; par[$name]=""; parcpu[$name]=""
done
secs() { awk -v t="$1" -v hz="$hz" 'BEGIN { print t / hz }'; }
for i in $(seq 0 "$runs"); do
  # the engine that goes first alternates, so neither always meets a machine just warmed (or loaded) by the other
  order=("${names[@]}")
  [ $((i % 2)) -eq 1 ] && order=("${names[1]}" "${names[0]}")
  for name in "${order[@]}"; do
    p=${port[$name]}
    c0=$(cpu_ticks "${pid[$name]}")
    u=$(upload "$p" "bench/up$i")
    c1=$(cpu_ticks "${pid[$name]}")
    sync
    read -r d dc < <(download "$p" "bench/up$i")
    c2=$(cpu_ticks "${pid[$name]}")
    pd=$(download_parallel "$p" "bench/up$i" "$parallel")
    c3=$(cpu_ticks "${pid[$name]}")
    if [ "$i" -eq 0 ]; then
      log "warm-up $name: upload $u s, download $d s, $parallel parallel downloads $pd s"
      continue
    fi
    up[$name]+="$u"$'\n'
    down[$name]+="$d"$'\n'
    clientcpu[$name]+="$dc"$'\n'
    par[$name]+="$pd"$'\n'
    upcpu[$name]+="$(secs $((c1 - c0)))"$'\n'
    downcpu[$name]+="$(secs $((c2 - c1)))"$'\n'
    parcpu[$name]+="$(secs $((c3 - c2)))"$'\n'
    log "run $i $name: upload $u s ($((c1 - c0)) ticks CPU), download $d s ($((c2 - c1)) ticks server CPU, curl $dc s)," \
      "$parallel parallel downloads $pd s ($((c3 - c2)) ticks server CPU)"
  done
done

for name in "${names[@]}"; do
  p=${port[$name]}
  push_manifest "$p"
  url="http://127.0.0.1:$p/v2/bench/app/manifests/v1"
  wrk -t2 -c"$connections" -d2s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$url" >/dev/null
  out=$(wrk -t2 -c"$connections" -d"${wrk_seconds}s" -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$url")
  ! grep -q 'Non-2xx' <<<"$out" || die "$name answered errors to wrk: $out"
  rps[$name]=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f", a / b }'; }
dr_up=$(mibps "$(median <<<"${up[docker-registry]}")"); br_up=$(mibps "$(median <<<"${up[berth-registry]}")")
dr_down=$(mibps "$(median <<<"${down[docker-registry]}")"); br_down=$(mibps "$(median <<<"${down[berth-registry]}")")
printf '\n%-40s %16s %16s %8s\n' "loopback, median of $runs" "docker-registry" "berth-registry" "ratio"
printf '%s\n' "(ratio: berth-registry's advantage, higher is better; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-40s %16s %16s %8s\n' "blob upload ${size_mib} MiB (MiB/s)" "$dr_up" "$br_up" "$(ratio "$br_up" "$dr_up")"
printf '%-40s %16.2f %16.2f %8s\n' "  server CPU per upload (s)" "$(median <<<"${upcpu[docker-registry]}")" \
  "$(median <<<"${upcpu[berth-registry]}")" "$(ratio "$(median <<<"${upcpu[docker-registry]}")" "$(median <<<"${upcpu[berth-registry]}")")"
printf '%-40s %16s %16s %8s\n' "blob download ${size_mib} MiB, one curl (MiB/s)" "$dr_down" "$br_down" "$(ratio "$br_down" "$dr_down")"
cpurow() {
  local dr br
  dr=$(median <<<"$2"); br=$(median <<<"$3")
  printf '%-40s %16.2f %16.2f %8s\n' "$1" "$dr" "$br" "$(ratio "$dr" "$br")"
}
cpurow "  server CPU per download (s)" "${downcpu[docker-registry]}" "${downcpu[berth-registry]}"
cpurow "  client (curl) CPU per download (s)" "${clientcpu[docker-registry]}" "${clientcpu[berth-registry]}"
sumcpu() { paste <(grep -v '^$' <<<"$1") <(grep -v '^$' <<<"$2") | awk '{ print $1 + $2 }'; }
cpurow "  server + client CPU per download (s)" "$(sumcpu "${downcpu[docker-registry]}" "${clientcpu[docker-registry]}")" \
  "$(sumcpu "${downcpu[berth-registry]}" "${clientcpu[berth-registry]}")"
dr_par=$(awk -v m="$(mibps "$(median <<<"${par[docker-registry]}")")" -v k="$parallel" 'BEGIN { print m * k }')
br_par=$(awk -v m="$(mibps "$(median <<<"${par[berth-registry]}")")" -v k="$parallel" 'BEGIN { print m * k }')
printf '%-40s %16s %16s %8s\n' "blob download, $parallel curls at once (MiB/s)" "$dr_par" "$br_par" "$(ratio "$br_par" "$dr_par")"
cpurow "  server CPU for the $parallel downloads (s)" "${parcpu[docker-registry]}" "${parcpu[berth-registry]}"
printf '%-40s %16.0f %16.0f %8s\n' "manifest GET, wrk -c$connections ${wrk_seconds}s (req/s)" "${rps[docker-registry]}" \
  "${rps[berth-registry]}" "$(ratio "${rps[berth-registry]}" "${rps[docker-registry]}")"
