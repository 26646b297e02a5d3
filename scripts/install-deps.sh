#!/usr/bin/env bash
# Installs the host packages Berth needs (Debian/Ubuntu, as root). Safe to run again.
# --bench adds what bench/registry-bench.sh drives (wrk).
set -euo pipefail
# apache2-utils: htpasswd, which the registry's auth tests use to make bcrypt files.
# docker-registry: the distribution tests pull from and push to Debian's registry too.
# docker.io: Debian's dockerd, the Docker engine that interop tests (save/load, push/pull) run beside berthd
# on their own sockets; policy-rc.d below keeps its system service from starting.
# conntrack: berthd deletes a released container's connection-tracking entries, as dockerd does.
# tini: its static build (/usr/bin/tini-static) is --init's PID 1, as Docker's docker-init.
# gcc, libc6-dev: the build compiles berth-nsexec (berth-daemon/src/main/c), which starts exec'd processes.
packages=(gcc libc6-dev runc conmon iptables iproute2 busybox-static maven ca-certificates procps skopeo apache2-utils openssl curl docker-registry tini docker.io conntrack git)
if [ "${1:-}" = --bench ]; then
  packages+=(wrk)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "berth: these packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
  echo "berth: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # docker-registry's and docker.io's packages would start system services; tests start their own.
  added_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  status=0
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
  [ -z "$added_policy" ] || rm -f /usr/sbin/policy-rc.d
  exit "$status"
fi
