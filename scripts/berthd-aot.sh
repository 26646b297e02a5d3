#!/usr/bin/env bash
# Trains an AOT cache (JEP 483/514/515) for berthd: runs the built berthd once on a private data root, exec root,
# socket and cgroup parent, drives it through the berth CLI (import, run, logs, exec, stop, rm), and stops it; the
# JVM writes berth-daemon/target/berthd.aot as it exits. bin/berthd uses the cache when it is newer than the jar.
# Needs root (containers), runc, conmon and busybox; without them no cache is made and berthd still works.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/java-env.sh"
jar="$root/berth-daemon/target/berthd.jar"
aot="$root/berth-daemon/target/berthd.aot"
rm -f "$aot"
[ "$(id -u)" = 0 ] || { echo "berthd-aot: not root, no training run" >&2; exit 1; }

dir=$(mktemp -d /tmp/berthd-aot.XXXXXX)
cgroup_parent="berthd-aot-${dir##*.}"
sock="$dir/run/berth.sock"
pid=
cleanup() {
  set +e
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
  # anything the training run left: its containers' monitors carry our directory in their arguments
  for f in /proc/[0-9]*/cmdline; do
    p=${f#/proc/}; p=${p%/cmdline}
    { tr "\\0" " " <"$f"; } 2>/dev/null | grep -qF -- "$dir/" && kill -KILL "$p" 2>/dev/null
  done
  awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m"; done
  # a killed container's cgroup stays busy until its processes are gone: a few tries
  for _ in 1 2 3 4 5; do
    find /sys/fs/cgroup -maxdepth 3 -type d -name "$cgroup_parent" 2>/dev/null | while read -r c; do
      find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    [ -z "$(find /sys/fs/cgroup -maxdepth 3 -type d -name "$cgroup_parent" 2>/dev/null)" ] && break
    sleep 0.5
  done
  rm -rf --one-file-system "$dir"
}
trap cleanup EXIT

# Same options as bin/berthd: the cache only applies to a JVM started with compatible ones.
"$JAVA" "@$root/bin/berthd.jvm-options" -XX:AOTCacheOutput="$aot" -Xlog:aot=off,cds=off --enable-native-access=ALL-UNNAMED \
  -jar "$jar" --data-root "$dir/data" --exec-root "$dir/run" -H "unix://$sock" --cgroup-parent "$cgroup_parent" \
  >"$dir/berthd.log" 2>&1 </dev/null &
pid=$!
export DOCKER_HOST="unix://$sock"
berth() { "$root/bin/berth" "$@"; }
for _ in $(seq 1 150); do
  berth version >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { tail -5 "$dir/berthd.log" >&2; exit 1; }
  sleep 0.2
done

# The training: what clients ask of berthd most, several times so the profiles are worth keeping.
"$root/scripts/busybox-rootfs.sh" | berth import -c 'CMD ["sh"]' - busybox >/dev/null
berth images >/dev/null
for _ in $(seq 1 15); do
  berth run --rm busybox true
done
for i in $(seq 1 3); do
  berth run --name "train$i" -e A=1 -w /tmp busybox sh -c 'echo out; echo err >&2' >/dev/null 2>&1
  berth logs "train$i" >/dev/null 2>&1
  berth inspect "train$i" >/dev/null
  berth rm "train$i" >/dev/null
done
berth run -d --name web busybox sleep 300 >/dev/null
berth ps -a >/dev/null
for _ in $(seq 1 10); do
  berth exec web true
done
berth top web >/dev/null
berth stop -t 1 web >/dev/null
berth rm web >/dev/null
berth info >/dev/null
# A build, then rebuilds from the cache (as a developer's edit-build loop does): the context's reading,
# checksumming and the cached steps.
ctx="$dir/context"
mkdir -p "$ctx/data"
for i in 1 2 3 4; do head -c 300000 /dev/urandom >"$ctx/data/f$i"; done
printf 'FROM busybox\nENV APP=/app\nWORKDIR /app\nCOPY data/ /app/data/\nRUN du -s /app/data > /app/size\nLABEL train=build\nCMD ["cat", "/app/size"]\n' >"$ctx/Dockerfile"
for _ in 1 2 3 4 5 6; do
  berth build -q --network none -t train-build "$ctx" >/dev/null
done
berth rmi train-build >/dev/null

# berthd stops on SIGTERM; the JVM then writes the cache.
kill -TERM "$pid"
wait "$pid" || true
pid=
[ -f "$aot" ]
