#!/usr/bin/env bash
# Pull and push of a 1 GiB image with 8 layers, berthd against dockerd in the same run:
#   pull: `docker pull` from a local berth-registry into an engine that does not have the image (rmi between runs)
#   push: `docker push` of the pulled image to a fresh, empty berth-registry each run
# The image (8 layers of 128 MiB: random bytes and base64 text, gzip -1) is made once and cached in
# $PULL_IMAGE_DIR (default /tmp/berth-bench-pull-image) as an OCI layout, then copied into the registry with skopeo.
# berthd runs from this checkout on temp dirs; dockerd is setup-dockerd.sh's private one (loopback registries are
# insecure by default in both). Everything started here is stopped by PID on exit.
#
#   bench/run-pull.sh [--runs N] [--only pull,push]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BERTH_ROOT=${BERTH_ROOT:-$bench_root}
runs=${RUNS:-3}
only=pull,push
image_dir=${PULL_IMAGE_DIR:-/tmp/berth-bench-pull-image}
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done
wants() { [[ ",$only," == *",$1,"* ]]; }
[ "$(id -u)" = 0 ] || die "must run as root (both engines need it)"
command -v skopeo >/dev/null || die "skopeo is needed to put the image into the registry"

work=$(mktemp -d /tmp/berth-bench-pull.XXXXXX)
berthd_pid=
berthd_sock=
registry_pids=()
registry_port=
dockerd_started=

cleanup() {
  local rc=$? p
  set +e
  [ -n "$berthd_pid" ] && stop_pid "$berthd_pid" berthd
  for p in "${registry_pids[@]}"; do stop_pid "$p" berth-registry; done
  if [ -S "$DOCKERD_SOCK" ]; then
    DOCKER_HOST="unix://$DOCKERD_SOCK" "$DOCKER_CLI" image ls --format '{{.Repository}}:{{.Tag}}' 2>/dev/null \
      | grep "/bench/big" | xargs -r env DOCKER_HOST="unix://$DOCKERD_SOCK" "$DOCKER_CLI" rmi >/dev/null 2>&1
  fi
  [ -z "$dockerd_started" ] || "$bench_root/bench/stop-dockerd.sh"
  unmount_under "$work"
  rm -rf --one-file-system "$work"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# start_registry DIR: serves DIR on a free loopback port, which it leaves in $registry_port
# (not printed: a command substitution's subshell would lose the PID).
start_registry() {
  local dir=$1
  registry_port=$(free_port)
  mkdir -p "$dir"
  setsid "$BERTH_ROOT/bin/berth-registry" serve --root "$dir" --listen "127.0.0.1:$registry_port" >"$dir.log" 2>&1 </dev/null &
  registry_pids+=($!)
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$registry_port/v2/" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "berth-registry did not start (see $dir.log)"
}

stop_last_registry() {
  local last=$(( ${#registry_pids[@]} - 1 ))
  stop_pid "${registry_pids[$last]}" berth-registry
  unset "registry_pids[$last]"
  registry_pids=("${registry_pids[@]}")
}

# ---------------------------------------------------------------- the image
make_image() {
  [ -f "$image_dir/index.json" ] && return 0
  log "making the 1 GiB test image in $image_dir (once) ..."
  local tmp="$image_dir.tmp" i diff_ids="" layers="" sha size
  rm -rf "$tmp"; mkdir -p "$tmp/blobs/sha256" "$tmp/l"
  for i in $(seq 1 8); do
    rm -rf "$tmp/l"/*
    head -c 64M /dev/urandom >"$tmp/l/random-$i.bin"
    head -c 48M /dev/urandom | base64 >"$tmp/l/text-$i.txt"
    tar -C "$tmp/l" -cf "$tmp/layer.tar" .
    diff_ids="$diff_ids${diff_ids:+,}\"sha256:$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)\""
    gzip -1 -c "$tmp/layer.tar" >"$tmp/layer.tgz"
    sha=$(sha256sum "$tmp/layer.tgz" | cut -d' ' -f1); size=$(stat -c %s "$tmp/layer.tgz")
    mv "$tmp/layer.tgz" "$tmp/blobs/sha256/$sha"
    layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$sha\",\"size\":$size}"
  done
  rm -rf "$tmp/l" "$tmp/layer.tar"
  printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' \
    "$diff_ids" >"$tmp/config.json"
  sha=$(sha256sum "$tmp/config.json" | cut -d' ' -f1); size=$(stat -c %s "$tmp/config.json")
  mv "$tmp/config.json" "$tmp/blobs/sha256/$sha"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
    "$sha" "$size" "$layers" >"$tmp/manifest.json"
  sha=$(sha256sum "$tmp/manifest.json" | cut -d' ' -f1); size=$(stat -c %s "$tmp/manifest.json")
  mv "$tmp/manifest.json" "$tmp/blobs/sha256/$sha"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$tmp/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"1"}}]}' \
    "$sha" "$size" >"$tmp/index.json"
  mv "$tmp" "$image_dir"
}

# ---------------------------------------------------------------- engines
start_berthd() {
  local d="$work/berthd"
  [ -f "$BERTH_ROOT/berth-daemon/target/berthd.jar" ] || die "berthd.jar not built; run $BERTH_ROOT/scripts/build.sh"
  mkdir -p "$d"
  setsid "$BERTH_ROOT/bin/berthd" --data-root "$d/data" --exec-root "$d/run" -H "unix://$d/berth.sock" \
    --pidfile "$d/berthd.pid" --cgroup-parent "berth-bench-pull-$$" >"$d/berthd.log" 2>&1 </dev/null &
  berthd_pid=$!
  wait_ping "$d/berth.sock" 60 || { tail -20 "$d/berthd.log" >&2; die "berthd did not start"; }
  berthd_sock="$d/berth.sock"
}

start_dockerd() {
  local pidfile="$DOCKERD_DIR/dockerd.pid"
  if ! { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }; then
    dockerd_started=1
  fi
  "$bench_root/bench/setup-dockerd.sh" >/dev/null
}

# timed SOCKET CMD...: runs the docker CLI against SOCKET, prints the wall time in ns.
timed() {
  local sock=$1 t0 t1; shift
  t0=$(now_ns)
  DOCKER_HOST="unix://$sock" "$DOCKER_CLI" "$@" >"$work/last.out" 2>&1 || { cat "$work/last.out" >&2; die "docker $* failed"; }
  t1=$(now_ns)
  echo $(( t1 - t0 ))
}

make_image
start_registry "$work/registry"
src="127.0.0.1:$registry_port/bench/big:1"
log "copying the image into the registry ..."
skopeo copy -q --dest-tls-verify=false "oci:$image_dir:1" "docker://$src" >&2
start_berthd
start_dockerd

results=()
for engine in berthd dockerd; do
  sock=$berthd_sock; [ "$engine" = dockerd ] && sock=$DOCKERD_SOCK
  if wants pull; then
    : >"$work/pull-$engine"
    for i in $(seq 1 "$runs"); do
      DOCKER_HOST="unix://$sock" "$DOCKER_CLI" rmi -f "$src" >/dev/null 2>&1 || true
      sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
      timed "$sock" pull "$src" >>"$work/pull-$engine"
    done
    results+=("pull 1 GiB / 8 layers|$engine|$(stats_ms <"$work/pull-$engine")")
    log "pull $engine: $(stats_ms <"$work/pull-$engine") (median p90 min max ms)"
  fi
  if wants push; then
    DOCKER_HOST="unix://$sock" "$DOCKER_CLI" image inspect "$src" >/dev/null 2>&1 || timed "$sock" pull "$src" >/dev/null
    : >"$work/push-$engine"
    for i in $(seq 1 "$runs"); do
      start_registry "$work/push-registry-$engine-$i"
      dst="127.0.0.1:$registry_port/bench/big-pushed:1"
      DOCKER_HOST="unix://$sock" "$DOCKER_CLI" tag "$src" "$dst"
      timed "$sock" push "$dst" >>"$work/push-$engine"
      DOCKER_HOST="unix://$sock" "$DOCKER_CLI" rmi "$dst" >/dev/null
      stop_last_registry
      rm -rf "$work/push-registry-$engine-$i"
    done
    results+=("push 1 GiB / 8 layers|$engine|$(stats_ms <"$work/push-$engine")")
    log "push $engine: $(stats_ms <"$work/push-$engine") (median p90 min max ms)"
  fi
  DOCKER_HOST="unix://$sock" "$DOCKER_CLI" rmi -f "$src" >/dev/null 2>&1 || true
done

printf '\n%-26s %-8s %10s %10s %10s %10s\n' "benchmark ($runs runs)" engine "median ms" "p90 ms" "min ms" "max ms"
for r in "${results[@]}"; do
  IFS='|' read -r name engine stats <<<"$r"
  read -r med p90 mn mx <<<"$stats"
  printf '%-26s %-8s %10s %10s %10s %10s\n' "$name" "$engine" "$med" "$p90" "$mn" "$mx"
done
