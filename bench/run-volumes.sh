#!/usr/bin/env bash
# Figures for volumes on a berthd from this checkout (own temp roots, socket and cgroup parent; stopped by PID):
# docker run latency with no mount, a named volume, a tmpfs; copy-up of 20 MB in 200 files into an anonymous
# volume vs nocopy; volume create + rm. Runs are interleaved so machine load hits every variant alike. Needs root.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
d=$(mktemp -d /tmp/volbench.XXXXXX)
cg="volbench-$(basename $d | cut -d. -f2)"
sock=$d/b.sock
setsid $root/bin/berthd --data-root $d/data --exec-root $d/run -H unix://$sock --pidfile $d/pid --cgroup-parent $cg >$d/log 2>&1 </dev/null &
pid=$!
cleanup() {
  kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
  grep " $d" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  find /sys/fs/cgroup -maxdepth 6 -type d -name "$cg" 2>/dev/null | while read -r c; do find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true; done
  rm -rf $d
}
trap cleanup EXIT
export DOCKER_HOST=unix://$sock DOCKER_CONFIG=$d/dc
for i in $(seq 100); do docker version >/dev/null 2>&1 && break; sleep 0.2; done
$root/scripts/busybox-rootfs.sh | docker import -c 'CMD ["sh"]' - busybox >/dev/null
img=$d/img; mkdir -p $img; $root/scripts/busybox-rootfs.sh | tar -C $img -xf -
mkdir -p $img/data; for i in $(seq 200); do head -c 100000 /dev/urandom > $img/data/f$i; done
tar -C $img --numeric-owner -cf - . | docker import -c 'VOLUME /data' -c 'CMD ["sh"]' - volimg >/dev/null
docker volume create v1 >/dev/null
declare -A T
run_one() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e-s)/1000000 )); }
for i in $(seq 15); do docker run --rm -v v1:/d busybox true >/dev/null; docker run --rm busybox true >/dev/null; done
labels=("run --rm busybox true" "run --rm -v v1:/d busybox true" "run --rm --tmpfs /t busybox true" "run --rm volimg true (copy-up 20 MB, 200 files)" "run --rm --mount type=volume,dst=/data,volume-nocopy volimg true" "volume create x1 + volume rm x1")
cmds=("docker run --rm busybox true" "docker run --rm -v v1:/d busybox true" "docker run --rm --tmpfs /t busybox true" "docker run --rm volimg true" "docker run --rm --mount type=volume,dst=/data,volume-nocopy volimg true" "sh -c 'docker volume create x1 && docker volume rm x1'")
for r in $(seq 12); do for k in "${!cmds[@]}"; do T[$k]+="$(run_one bash -c "${cmds[$k]}") "; done; done
for k in "${!cmds[@]}"; do printf '%-62s median %4s ms  p90 %4s ms (n=12, interleaved)\n' "${labels[$k]}" \
  "$(echo ${T[$k]} | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')" \
  "$(echo ${T[$k]} | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END{print a[int(NR*0.9+0.5)]}')"; done
docker volume ls -q | wc -l | sed 's/^/volumes left after the --rm runs: /'
