#!/usr/bin/env bash
# Writes to stdout a tar of a minimal root filesystem made from the host's static busybox:
# /bin/busybox, one symlink per applet, and the usual top-level directories.
set -euo pipefail
bb=$(command -v busybox || true)
[ -n "$bb" ] || { echo "busybox-rootfs: busybox not found (apt-get install busybox-static)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir"/{bin,dev,etc,home,proc,root,sys,tmp,usr/bin,usr/sbin,sbin,var/spool/mail,var/www}
chmod 1777 "$dir/tmp"
cp "$bb" "$dir/bin/busybox"
for applet in $("$bb" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$dir/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$dir/etc/passwd"
printf 'root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n' >"$dir/etc/group"
tar -C "$dir" --numeric-owner --owner=0 --group=0 -cf - .
