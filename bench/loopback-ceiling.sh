#!/usr/bin/env bash
# What any server can reach for one 1 GiB download over loopback on this machine: a bare C server (built here
# with gcc) answers GET with one file, by sendfile(2) and by write(2) from an mmap of it, and one curl per run
# downloads it, alternating. Compare with registry-bench.sh's "one curl" row (issue 3, docs/registry.md).
#
#   bench/loopback-ceiling.sh [--runs N] [--mib N]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
runs=5
mib=1024
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --mib) mib=$2; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) die "unknown argument $1" ;;
  esac
done
command -v gcc >/dev/null || die "needs gcc"
work=$(mktemp -d /tmp/berth-ceiling.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
cat >"$work/srv.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/sendfile.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <netinet/in.h>
/* srv PORT sendfile|mmap FILE: answers every request on 127.0.0.1:PORT with FILE, then closes */
int main(int argc, char **argv) {
  if (argc != 4) return 2;
  int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET; a.sin_port = htons(atoi(argv[1])); a.sin_addr.s_addr = htonl(0x7f000001);
  if (bind(ls, (struct sockaddr *) &a, sizeof a) || listen(ls, 16)) { perror("bind"); return 1; }
  int fd = open(argv[3], O_RDONLY);
  struct stat st; fstat(fd, &st);
  char *map = mmap(0, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  int use_sendfile = !strcmp(argv[2], "sendfile");
  for (;;) {
    int c = accept(ls, 0, 0), n = 0, r;
    char req[4096], head[128];
    while ((r = read(c, req + n, sizeof req - n - 1)) > 0) { n += r; req[n] = 0; if (strstr(req, "\r\n\r\n")) break; }
    int hl = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %lld\r\nConnection: close\r\n\r\n", (long long) st.st_size);
    if (write(c, head, hl) != hl) { close(c); continue; }
    off_t off = 0;
    while (off < st.st_size) {
      ssize_t s = use_sendfile ? sendfile(c, fd, &off, st.st_size - off)
                               : write(c, map + off, st.st_size - off > (8 << 20) ? (8 << 20) : st.st_size - off);
      if (s <= 0) break;
      if (!use_sendfile) off += s;
    }
    close(c);
  }
}
C
gcc -O2 -o "$work/srv" "$work/srv.c"
head -c $((mib << 20)) /dev/urandom >"$work/blob"
port=$(free_port)
"$work/srv" "$port" sendfile "$work/blob" & pids+=($!)
port2=$(free_port)
"$work/srv" "$port2" mmap "$work/blob" & pids+=($!)
sleep 0.3
for _ in $(seq 1 "$runs"); do
  for p in "$port" "$port2"; do
    t=$(curl -fsS -o /dev/null -w '%{time_total}' "http://127.0.0.1:$p/blob")
    awk -v t="$t" -v m="$mib" 'BEGIN { printf "%d\n", m / t }' >>"$work/rate-$p"
  done
done
printf '%-32s %s\n' "server, one curl (MiB/s)" "runs (sorted)"
printf '%-32s %s\n' "sendfile" "$(sort -n "$work/rate-$port" | tr '\n' ' ')"
printf '%-32s %s\n' "write from mmap, 8 MiB pieces" "$(sort -n "$work/rate-$port2" | tr '\n' ' ')"
