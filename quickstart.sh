#!/usr/bin/env bash
# One command from a fresh Debian/Ubuntu machine (as root) to a running container:
# installs packages, builds, links berth/berthd into /usr/local/bin, starts berthd,
# imports a busybox image made from the host's static busybox, and runs a container.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "quickstart: run as root (berthd manages mounts, cgroups and namespaces)" >&2; exit 1; }
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
ln -sf "$root/bin/berthd" /usr/local/bin/berthd
ln -sf "$root/bin/berth" /usr/local/bin/berth

sock=/run/berth/berth.sock
export BERTH_HOST=unix://$sock
if ! berth version >/dev/null 2>&1; then
  mkdir -p /var/log
  echo "quickstart: starting berthd (log: /var/log/berthd.log)"
  nohup berthd --pidfile /run/berth/berthd.pid >>/var/log/berthd.log 2>&1 &
  for _ in $(seq 1 100); do berth version >/dev/null 2>&1 && break; sleep 0.1; done
  berth version >/dev/null || { echo "quickstart: berthd did not start; see /var/log/berthd.log" >&2; exit 1; }
fi
if ! berth image inspect busybox >/dev/null 2>&1; then
  "$root/scripts/busybox-rootfs.sh" | berth import -c 'CMD ["sh"]' - busybox:latest >/dev/null
fi
berth run --rm busybox echo "Hello from a Berth container!"
cat <<MSG

berthd is running (pid $(cat /run/berth/berthd.pid)). Try:
  export DOCKER_HOST=unix://$sock
  docker run --rm busybox echo hello
  berth run -d --name web busybox sleep 1000 && berth ps
MSG
