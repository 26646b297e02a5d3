#!/usr/bin/env bash
# Installs the host packages Berth needs (Debian/Ubuntu, as root). Safe to run again.
set -euo pipefail
packages=(runc conmon iptables iproute2 busybox-static maven ca-certificates procps skopeo docker-registry)
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
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
