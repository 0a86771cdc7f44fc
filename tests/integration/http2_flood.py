#!/usr/bin/python3
"""Hostile HTTP/2 clients against a real modalisd, and what they cost it in memory.

  http2_flood.py --bin DIR --plugins DIR --rules DIR [--connections N] [--streams N] [--seconds S]
                 [--max-rss-mb MB] [--json]

Starts modalisd (its own database in a temp directory, a free loopback port) and measures its
resident memory while, on each of N connections, an unauthenticated client opens many gRPC streams
and sends most of a near-maximum message on each, never finishing one (written frame by frame: no
HTTP/2 library would misbehave this way). Meanwhile a well-behaved client keeps calling the health
check and must keep getting answers within its deadline. Then it checks that connections that only
send the HTTP/2 preface, or nothing at all, are closed by the server in time.

Prints the peak RSS and exits non-zero when a bound is broken (--max-rss-mb, the normal client's
answers, the idle connections). Every loop is bounded by --seconds.
"""
import argparse
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = \
    0, 1, 3, 4, 6, 7, 8, 9
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + \
        struct.pack(">I", stream & 0x7FFFFFFF) + payload


def hpack_integer(value, prefix_bits, first_byte_flags=0):
    """RFC 7541 5.1."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first_byte_flags | value])
    out = [first_byte_flags | limit]
    value -= limit
    while value >= 128:
        out.append((value % 128) + 128)
        value //= 128
    out.append(value)
    return bytes(out)


def literal_header(name, value):
    """HPACK literal header field without indexing, new name, no Huffman (RFC 7541 6.2.2)."""
    def string(s):
        b = s.encode()
        return hpack_integer(len(b), 7) + b
    return b"\x00" + string(name) + string(value)


def request_headers(path, authority):
    return b"".join(literal_header(n, v) for n, v in (
        (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", authority),
        ("content-type", "application/grpc"), ("te", "trailers")))


class FloodConnection:
    """One TCP connection sending unfinished near-maximum messages on many streams."""

    def __init__(self, address, streams, message_bytes, deadline, source=None):
        host, port = address.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=5,
                                             source_address=(source, 0) if source else None)
        self.address, self.streams, self.message_bytes, self.deadline = \
            address, streams, message_bytes, deadline
        self.lock = threading.Lock()
        self.window = {0: 65535}
        self.initial_window = 65535
        self.closed = False
        self.refused_streams = 0
        self.sent = 0
        self.max_concurrent = None
        self.continuation = False

    def send(self, data):
        with self.lock:
            self.sock.sendall(data)

    def reader(self):
        buf = b""
        try:
            while not self.closed and time.monotonic() < self.deadline:
                try:
                    chunk = self.sock.recv(65536)
                except socket.timeout:
                    continue
                if not chunk:
                    break
                buf += chunk
                while len(buf) >= 9:
                    length = int.from_bytes(buf[:3], "big")
                    if len(buf) < 9 + length:
                        break
                    kind, flags = buf[3], buf[4]
                    stream = int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
                    payload, buf = buf[9:9 + length], buf[9 + length:]
                    self.on_frame(kind, flags, stream, payload)
        except OSError:
            pass
        self.closed = True

    def on_frame(self, kind, flags, stream, payload):
        if kind == SETTINGS and not flags & ACK:
            for i in range(0, len(payload), 6):
                ident, value = struct.unpack(">HI", payload[i:i + 6])
                if ident == 0x3:
                    self.max_concurrent = value
                if ident == 0x4:
                    with self.lock:
                        delta = value - self.initial_window
                        self.initial_window = value
                        for s in self.window:
                            if s:
                                self.window[s] += delta
            self.send(frame(SETTINGS, ACK, 0))
        elif kind == PING and not flags & ACK:
            self.send(frame(PING, ACK, 0, payload))
        elif kind == WINDOW_UPDATE:
            increment = int.from_bytes(payload[:4], "big") & 0x7FFFFFFF
            with self.lock:
                self.window[stream] = self.window.get(stream, self.initial_window) + increment
        elif kind == RST_STREAM:
            with self.lock:
                self.window[stream] = -1 << 40  # never send on it again
                self.refused_streams += 1
        elif kind == GOAWAY:
            self.closed = True

    def run_continuation(self):
        """A header block that never ends: HEADERS without END_HEADERS, then CONTINUATION frames
        of unindexed headers until the deadline (the attack of CVE-2023-33953)."""
        self.sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
        reader = threading.Thread(target=self.reader, daemon=True)
        reader.start()
        try:
            self.send(frame(HEADERS, 0, 1,
                            request_headers("/modalis.v1.PlanService/SuggestPlan", self.address)))
            # Many small unindexed headers per frame: each is under the metadata limit.
            block = b"".join(literal_header("x-f%d" % i, "v" * 100) for i in range(140))
            while not self.closed and time.monotonic() < self.deadline:
                self.send(frame(CONTINUATION, 0, 1, block))
                self.sent += len(block)
        except OSError:
            self.closed = True
        return reader

    def run(self):
        if self.continuation:
            return self.run_continuation()
        self.sock.sendall(PREFACE + frame(SETTINGS, 0, 0))
        reader = threading.Thread(target=self.reader, daemon=True)
        reader.start()
        headers = request_headers("/modalis.v1.PlanService/SuggestPlan", self.address)
        # The worst a client can do within the protocol: as many streams as the server allows.
        settled = time.monotonic() + 1.0
        while self.max_concurrent is None and time.monotonic() < settled and not self.closed:
            time.sleep(0.01)
        streams = min(self.streams, self.max_concurrent or self.streams)
        ids = [1 + 2 * i for i in range(streams)]
        left = {}
        try:
            for sid in ids:
                with self.lock:
                    self.window.setdefault(sid, self.initial_window)
                self.send(frame(HEADERS, END_HEADERS, sid, headers))
                # The gRPC length prefix announces a message just under the limit.
                prefix = b"\x00" + struct.pack(">I", self.message_bytes)
                self.send(frame(DATA, 0, sid, prefix))
                left[sid] = self.message_bytes - 4096  # most of it, never all of it
            chunk = b"\x00" * 16384
            while left and not self.closed and time.monotonic() < self.deadline:
                progressed = False
                for sid in list(left):
                    with self.lock:
                        room = min(self.window.get(0, 0), self.window.get(sid, 0), left[sid], 16384)
                        if room > 0:
                            self.window[0] -= room
                            self.window[sid] -= room
                    if room <= 0:
                        if self.window.get(sid, 0) < -(1 << 30):
                            del left[sid]
                        continue
                    self.send(frame(DATA, 0, sid, chunk[:room]))
                    self.sent += room
                    left[sid] -= room
                    progressed = True
                    if left[sid] <= 0:
                        del left[sid]
                if not progressed:
                    time.sleep(0.01)
        except OSError:
            self.closed = True
        return reader


def rss_mb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


class NormalClient(threading.Thread):
    """Calls the standard health check over a real gRPC client until stopped."""

    def __init__(self, address, deadline_s):
        super().__init__(daemon=True)
        self.address, self.deadline_s = address, deadline_s
        self.ok = self.failed = 0
        self.errors = []
        self.stop = threading.Event()

    def run(self):
        import grpc
        channel = grpc.insecure_channel(self.address)
        # health.proto's Check, called by its full name with hand-encoded messages: no generated
        # code needed. Request {service: ""} is empty; a SERVING reply is b"\x08\x01".
        check = channel.unary_unary("/grpc.health.v1.Health/Check",
                                    request_serializer=lambda b: b,
                                    response_deserializer=lambda b: b)
        while not self.stop.is_set():
            try:
                reply = check(b"", timeout=self.deadline_s)
                if reply == b"\x08\x01":
                    self.ok += 1
                else:
                    self.failed += 1
                    self.errors.append("not SERVING: %r" % reply)
            except grpc.RpcError as e:
                self.failed += 1
                self.errors.append("%s: %s" % (e.code().name, e.details()))
            time.sleep(0.05)
        channel.close()


def start_server(args, work, extra):
    log = open(os.path.join(work, "modalisd.log"), "w")
    server = subprocess.Popen(
        [os.path.join(args.bin, "modalisd"), "--rules", args.rules, "--plugins", args.plugins,
         "--db", os.path.join(work, "m.db"), "--listen", "127.0.0.1:0", "--watch-quiet-ms", "0"]
        + extra, stdout=subprocess.PIPE, stderr=log, text=True)
    line = server.stdout.readline()
    m = re.match(r"modalisd listening on (\S+) ", line)
    if not m:
        server.kill()
        raise SystemExit("modalisd did not start: %s%s" % (line, open(log.name).read()))
    return server, m.group(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_nginx(conf_path, upstream, work):
    """nginx in the foreground with the deploy configuration, TLS dropped (loopback only) and its
    addresses pointed at this run; returns the process and the address it listens on."""
    port = free_port()
    lines = []
    for line in open(conf_path).read().splitlines():
        stripped = line.strip()
        if stripped.startswith("ssl_"):
            continue
        if stripped.startswith("listen "):
            line = "    listen 127.0.0.1:%d http2;" % port
        elif stripped.startswith("server 127.0.0.1:"):
            line = "    server %s;" % upstream
        lines.append(line)
    site = os.path.join(work, "modalisd.conf")
    with open(site, "w") as f:
        f.write("\n".join(lines) + "\n")
    temp = os.path.join(work, "nginx")
    os.makedirs(temp)
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write("daemon off;\nmaster_process off;\npid %s/nginx.pid;\nerror_log %s/error.log warn;\n"
                "events { worker_connections 1024; }\n"
                "http {\n  access_log off;\n" % (temp, temp) +
                "".join("  %s_temp_path %s/%s;\n" % (k, temp, k)
                        for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) +
                "  include %s;\n}\n" % site)
    nginx = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-c", conf, "-p", temp],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + 10
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return nginx, "127.0.0.1:%d" % port
        except OSError:
            if nginx.poll() is not None:
                raise SystemExit("nginx did not start: " + nginx.stderr.read())
            time.sleep(0.05)
    nginx.kill()
    raise SystemExit("nginx did not listen within 10 s")


def idle_connections_closed(address, count, within_s):
    """Opens `count` connections that send only the preface (half) or nothing (half); returns how
    many the server closed within `within_s`."""
    host, port = address.rsplit(":", 1)
    socks = []
    for i in range(count):
        s = socket.create_connection((host, int(port)), timeout=5)
        if i % 2 == 0:
            s.sendall(PREFACE + frame(SETTINGS, 0, 0))
        s.settimeout(0.2)
        socks.append(s)
    closed = set()
    end = time.monotonic() + within_s
    while time.monotonic() < end and len(closed) < count:
        for i, s in enumerate(socks):
            if i in closed:
                continue
            try:
                data = s.recv(65536)
                if not data:
                    closed.add(i)
            except socket.timeout:
                pass
            except OSError:
                closed.add(i)
        time.sleep(0.05)
    for s in socks:
        s.close()
    return len(closed)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--plugins", required=True)
    parser.add_argument("--rules", required=True)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--message-bytes", type=int, default=1000000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--max-rss-mb", type=float, default=0, help="fail above this peak")
    parser.add_argument("--idle", type=int, default=0,
                        help="also open this many idle connections; the server must close them")
    parser.add_argument("--idle-within", type=float, default=10.0)
    parser.add_argument("--server-arg", action="append", default=[])
    parser.add_argument("--continuation", action="store_true",
                        help="send a header block that never ends instead of unfinished messages")
    parser.add_argument("--flood-from", metavar="ADDRESS",
                        help="send the hostile traffic from this loopback address (127.0.0.2), "
                        "so a proxy's per-client limits tell it from the normal client")
    parser.add_argument("--nginx", metavar="CONF",
                        help="put nginx with this configuration (deploy/nginx/modalisd.conf) in "
                        "front of modalisd and send every client through it")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    args.via = None  # the proxy's address, when --nginx starts one

    work = tempfile.mkdtemp(prefix="modalis-flood-")
    server, address = start_server(args, work, args.server_arg)
    nginx = None
    problems = []
    try:
        if args.nginx:
            nginx, args.via = start_nginx(args.nginx, address, work)
        time.sleep(0.5)
        baseline = rss_mb(server.pid)
        normal = NormalClient(args.via or address, deadline_s=2.0)
        normal.start()
        deadline = time.monotonic() + args.seconds
        target = args.via or address
        floods = [FloodConnection(target, args.streams, args.message_bytes, deadline,
                                  args.flood_from)
                  for _ in range(args.connections)]
        for f in floods:
            f.continuation = args.continuation
        threads = [threading.Thread(target=f.run, daemon=True) for f in floods]
        for t in threads:
            t.start()
        peak = baseline
        while time.monotonic() < deadline:
            peak = max(peak, rss_mb(server.pid))
            time.sleep(0.05)
        for f in floods:
            f.closed = True
            try:
                f.sock.close()
            except OSError:
                pass
        for t in threads:
            t.join(timeout=5)
        normal.stop.set()
        normal.join(timeout=5)
        time.sleep(1.0)
        after = rss_mb(server.pid)
        idle_closed = None
        if args.idle:
            idle_closed = idle_connections_closed(args.via or address, args.idle, args.idle_within)
            if idle_closed < args.idle:
                problems.append("only %d of %d idle connections were closed within %.0f s" %
                                (idle_closed, args.idle, args.idle_within))
        alive = server.poll() is None
        if nginx is not None and nginx.poll() is not None:
            problems.append("nginx died")
        result = {
            "connections": args.connections, "streams": args.streams,
            "message_bytes": args.message_bytes, "seconds": args.seconds,
            "rss_baseline_mb": round(baseline, 1), "rss_peak_mb": round(peak, 1),
            "rss_after_mb": round(after, 1),
            "flood_bytes_sent": sum(f.sent for f in floods),
            "streams_refused": sum(f.refused_streams for f in floods),
            "server_max_concurrent_streams": floods[0].max_concurrent,
            "normal_client_ok": normal.ok, "normal_client_failed": normal.failed,
            "idle_closed": idle_closed, "server_alive": alive,
            "via": "nginx" if nginx else "direct",
        }
        if not alive:
            problems.append("modalisd died")
        if args.max_rss_mb and peak > args.max_rss_mb:
            problems.append("peak RSS %.0f MiB is over %.0f MiB" % (peak, args.max_rss_mb))
        if args.max_rss_mb and after > args.max_rss_mb:
            problems.append("RSS %.0f MiB after the flood is over %.0f MiB" % (after, args.max_rss_mb))
        if normal.ok == 0 or normal.failed > 0:
            problems.append("the normal client got %d answers and %d failures: %s" %
                            (normal.ok, normal.failed, normal.errors[:3]))
        print(json.dumps(result) if args.json else
              "\n".join("%s: %s" % kv for kv in result.items()))
    finally:
        if nginx is not None:
            nginx.terminate()
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)
    for p in problems:
        print("FAIL " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
