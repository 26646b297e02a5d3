#!/usr/bin/env python3
"""A stand-in Docker engine on a unix socket that answers /_ping and drains POST /build bodies.

run-build.sh --floor times `docker build` against it: what the docker CLI alone needs to tar and
send a context, the part of every build that no engine can make faster. Usage: stub-engine.py SOCKET
"""
import os
import socket
import sys
import threading


def serve(conn):
    f = conn.makefile('rb')
    try:
        while True:
            line = f.readline()
            if not line:
                return
            method, target, _ = line.decode('latin-1').split(' ', 2)
            headers = {}
            while True:
                h = f.readline().decode('latin-1')
                if h in ('\r\n', '\n', ''):
                    break
                k, v = h.split(':', 1)
                headers[k.strip().lower()] = v.strip()
            if headers.get('transfer-encoding', '').lower() == 'chunked':
                while True:
                    size = int(f.readline().split(b';')[0], 16)
                    if size == 0:
                        while f.readline() not in (b'\r\n', b'\n', b''):
                            pass
                        break
                    while size:
                        size -= len(f.read(min(size, 1 << 20)))
                    f.readline()
            else:
                left = int(headers.get('content-length', '0'))
                while left:
                    left -= len(f.read(min(left, 1 << 20)))
            if target.split('?')[0].endswith('/build'):
                body = b'{"stream":"Successfully built 000000000000\\n"}\r\n'
                ctype = b'application/json'
            else:
                body = b'OK'
                ctype = b'text/plain'
            head = b'HTTP/1.1 200 OK\r\nApi-Version: 1.50\r\nContent-Type: ' + ctype + b'\r\nContent-Length: %d\r\n\r\n' % len(body)
            conn.sendall(head if method == 'HEAD' else head + body)
    finally:
        conn.close()


def main():
    path = sys.argv[1]
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    s.listen(16)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == '__main__':
    main()
