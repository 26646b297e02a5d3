#!/usr/bin/env bash
# Classic-builder build times: a 10-step Dockerfile (COPY of a 50 MB context, four RUNs, metadata steps) built
# with `DOCKER_BUILDKIT=0 docker build` against several engines, alternating engine by engine, run by run:
# cold (--no-cache: every step executes, the context is sent and copied) and then fully cached (every step
# "Using cache"; the 50 MB context is still sent, and compared with the last one or checksummed).
#
#   bench/run-build.sh [--runs N] [--mb N] [--warmup N] [--floor] NAME=SOCKET NAME=SOCKET ...
#
# --warmup N builds N times per engine before measuring (default 1, which also fills the cache): a JVM
# daemon started just before is still compiling during its first builds; a higher N shows it warm.
# --floor adds an engine "client-only": bench/stub-engine.py, which answers /_ping and only drains the context, so
# its "warm" row is what the docker CLI alone needs to tar and send the context (no engine can go below it).
#
# Each engine needs an image "busybox" (bench/setup-dockerd.sh gives a private dockerd with one). RUN steps use
# --network none so a dockerd started with --bridge=none can run them. Prints median / min / max in ms, and each
# engine's medians as fractions of those of the engine named dockerd, if one is.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

runs=${RUNS:-5}
mb=50
floor=
warmup=1
bench_option() {
  case $1 in
    --mb) mb=$2 ;;
    --floor) floor=1; return 2 ;;
    *) return 1 ;;
  esac
}
engine_args "$0 [--runs N] [--mb N] [--warmup N] [--floor] NAME=SOCKET ..." "$@"

tmp=$(mktemp -d /tmp/berth-build-bench.XXXXXX)
stub_pid=
trap '[ -z "$stub_pid" ] || kill "$stub_pid" 2>/dev/null; rm -rf "$tmp"' EXIT
if [ -n "$floor" ]; then
  python3 "$(dirname "${BASH_SOURCE[0]}")/stub-engine.py" "$tmp/stub.sock" &
  stub_pid=$!
  wait_ping "$tmp/stub.sock" 10 || die "stub engine did not start"
  names+=(client-only); socks+=("$tmp/stub.sock")
fi
ctx=$tmp/ctx
mkdir -p "$ctx/data"
# 50 files of 1 MB, incompressible
for i in $(seq 1 "$mb"); do head -c 1048576 /dev/urandom >"$ctx/data/f$i"; done
cat >"$ctx/Dockerfile" <<'DF'
FROM busybox
ENV APP=/app
WORKDIR /app
COPY data/ /app/data/
RUN du -s /app/data > /app/size
RUN echo one > /one && echo two > /two
LABEL bench=build
RUN cat /app/size /one /two > /app/all
RUN ls /app/data | wc -l > /app/count
CMD ["cat", "/app/all"]
DF

build() { # SOCK TAG [extra args]: one build, its output kept for checks
  local sock=$1 tag=$2; shift 2
  DOCKER_HOST="unix://$sock" DOCKER_BUILDKIT=0 "$DOCKER_CLI" build --network none -t "$tag" "$@" "$ctx" >"$tmp/out" 2>&1 \
    || { cat "$tmp/out" >&2; die "build failed on $sock"; }
}
for _ in $(seq 1 "$warmup"); do
  for i in "${!names[@]}"; do
    build "${socks[$i]}" berth-bench-build:latest  # warm-up, and fills the cache
  done
done
for _ in $(seq 1 "$runs"); do
  for i in "${!names[@]}"; do
    t0=$(now_ns); build "${socks[$i]}" berth-bench-build:latest --no-cache; echo $(( $(now_ns) - t0 )) >>"$tmp/cold$i"
    stub=; [ "${names[$i]}" = client-only ] && stub=1
    [ -n "$stub" ] || ! grep -q "Using cache" "$tmp/out" || die "${names[$i]}: a --no-cache build used the cache"
    t0=$(now_ns); build "${socks[$i]}" berth-bench-build:latest; echo $(( $(now_ns) - t0 )) >>"$tmp/warm$i"
    [ -n "$stub" ] || [ "$(grep -c 'Using cache' "$tmp/out")" -ge 9 ] || die "${names[$i]}: the second build was not fully cached"
  done
done
printf '%-14s %-7s %5s %9s %9s %9s\n' engine build runs median min max
declare -A median
for i in "${!names[@]}"; do
  for k in cold warm; do
    read -r med _ min max < <(stats_ms <"$tmp/$k$i")
    median[$k$i]=$med
    printf '%-14s %-7s %5s %9s %9s %9s\n' "${names[$i]}" "$k" "$runs" "$med" "$min" "$max"
  done
done
# medians as fractions of dockerd's, the form issue 8's targets take (cold <= 0.6, cached <= 0.3)
for d in "${!names[@]}"; do
  [ "${names[$d]}" = dockerd ] || continue
  for i in "${!names[@]}"; do
    [ "$i" = "$d" ] && continue
    awk -v n="${names[$i]}" -v c="${median[cold$i]}" -v w="${median[warm$i]}" -v dc="${median[cold$d]}" -v dw="${median[warm$d]}" \
      'BEGIN { printf "%s / dockerd: cold %.3f, cached %.3f\n", n, c / dc, w / dw }'
  done
done
for i in "${!names[@]}"; do
  [ "${names[$i]}" = client-only ] || DOCKER_HOST="unix://${socks[$i]}" "$DOCKER_CLI" rmi berth-bench-build:latest >/dev/null 2>&1 || true
done
