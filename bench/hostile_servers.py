#!/usr/bin/env python3
"""Hostile HTTP servers on 127.0.0.1 for bench/hostile.sh (issue 15). One mode per process:

  stall           accept, read the request, never answer
  endless         200 with a JSON body that never ends
  gzip-bomb       200, Content-Encoding: gzip, 1 GiB of zeros compressed to about 1 MiB
  violations      200, a 3 MB body with a million schema violations
  retry-after-0   429 with Retry-After: 0, counting requests (GET /count reports the count)
  slow            200 after 30 s (for SIGTERM mid-run)

Usage: hostile_servers.py MODE PORT
"""
import gzip
import http.server
import io
import socketserver
import sys
import threading
import time

MODE, PORT = sys.argv[1], int(sys.argv[2])
COUNT = 0
LOCK = threading.Lock()


def violations_body():
    return ('{"request_id":"r","status_code":200,"sessions":['
            + ",".join(["{}"] * 1_000_000) + "]}").encode()


def gzip_bomb():
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as z:
        chunk = b"\0" * (1 << 20)
        for _ in range(1024):
            z.write(chunk)
    return buf.getvalue()


BODY = violations_body() if MODE == "violations" else (gzip_bomb() if MODE == "gzip-bomb" else b"")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        global COUNT
        if self.path == "/count":
            body = str(COUNT).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        with LOCK:
            COUNT += 1
        if MODE == "stall":
            time.sleep(3600)
        elif MODE == "slow":
            time.sleep(30)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
        elif MODE == "endless":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b'{"a":1},' * 8192
            try:
                self.wfile.write(b"1\r\n[\r\n")
                while True:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except (BrokenPipeError, ConnectionResetError):
                return
        elif MODE == "retry-after-0":
            self.send_response(429)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            if MODE == "gzip-bomb":
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            try:
                self.wfile.write(BODY)
            except (BrokenPipeError, ConnectionResetError):
                return


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


Server(("127.0.0.1", PORT), Handler).serve_forever()
