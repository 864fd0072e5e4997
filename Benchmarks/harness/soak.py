#!/usr/bin/env python3
"""Soak: a bounded mixed run against `hush serve`, reporting errors, RSS and descriptors over time.

    python3 Benchmarks/harness/soak.py --hush .build/release/hush [--seconds 600]

Collects a generated source tree with the real `hush collect`, serves it on 127.0.0.1 and, for
--seconds, runs at once: keep-alive clients, one-request-per-connection clients, byte ranges
(checked against the file's bytes), conditional requests (If-None-Match → 304, If-Range),
gzip (decoded and compared), slow readers of a large file, a SIGHUP every --sighup-every seconds
and a real deploy (sources changed, `hush collect` into the served root, SIGHUP) every
--deploy-every seconds. A hashed name's body must have the MD5 its name says. Every
--sample-every seconds one row: requests, errors, the server's RSS and open descriptors
(/proc/PID/status, /proc/PID/fd). Exit status 1 on any error. Every loop ends at the deadline.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from servers import HOST, free_port, probe, read, tail  # noqa: E402

BIG_SIZE = 3 << 20
HASHED = re.compile(r"\.([0-9a-f]{12})\.[^./]+$")


def write(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def make_sources(src: str, version: int) -> None:
    """A small site whose CSS/JS reference each other; `version` changes their bytes (a deploy)."""
    rng = random.Random(7)
    write(f"{src}/media/big.dat", bytes(rng.getrandbits(8) for _ in range(4096)) * (BIG_SIZE // 4096))
    write(f"{src}/img/logo.png", bytes(rng.getrandbits(8) for _ in range(20000)))
    for i in range(40):
        write(f"{src}/css/part{i}.css", (f".p{i} {{ background: url(../img/logo.png); }}\n" * (5 + i * 20)).encode())
    write(f"{src}/css/app.css", (f"/* deploy {version} */\n@import 'part1.css';\n"
                                  "body { background: url('../img/logo.png?v=1#x'); }\n" * 50).encode())
    write(f"{src}/js/app.js", (f"// deploy {version}\n" + "console.log('hush soak');\n" * 400
                               + "//# sourceMappingURL=app.js.map\n").encode())
    write(f"{src}/js/app.js.map", b'{"version": 3, "sources": []}\n')
    write(f"{src}/index.html", f"<!doctype html><title>deploy {version}</title>\n".encode())


def collect(hush: str, src: str, root: str) -> None:
    done = subprocess.run([hush, "collect", src, "--output", root, "--quiet"], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"hush collect failed ({done.returncode}): {done.stderr.strip()}")


class Site:
    """What is being served: the manifest's names, refreshed after each deploy."""

    def __init__(self, root: str, big: bytes):
        self.root, self.big = root, big
        self.lock = threading.Lock()
        self.names: list[str] = []
        self.refresh()

    def manifest(self) -> list[str]:
        with open(os.path.join(self.root, "staticfiles.json")) as f:
            paths = json.load(f)["paths"]
        return sorted(set(paths) | set(paths.values()))

    def refresh(self, names: list[str] | None = None) -> None:
        names = names or self.manifest()
        with self.lock:
            self.names = names

    def pick(self, rng: random.Random) -> str:
        with self.lock:
            return rng.choice(self.names)


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.errors: list[str] = []
        self.by_kind: dict[str, int] = {}

    def ok(self, kind: str, n: int = 1) -> None:
        with self.lock:
            self.requests += n
            self.by_kind[kind] = self.by_kind.get(kind, 0) + n

    def error(self, kind: str, message: str) -> None:
        with self.lock:
            self.requests += 1
            self.errors.append(f"{time.strftime('%H:%M:%S')} {kind}: {message}")


def check_body(name: str, status: int, headers: http.client.HTTPMessage, body: bytes) -> str | None:
    """Why a 200 response is wrong, or None."""
    if status != 200:
        return f"{name}: status {status}"
    length = headers.get("Content-Length")
    if length is None or int(length) != len(body):
        return f"{name}: Content-Length {length}, {len(body)} bytes"
    if headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    m = HASHED.search(name)
    if m and hashlib.md5(body).hexdigest()[:12] != m.group(1):
        return f"{name}: body does not hash to its name"
    return None


def client(port: int, site: Site, stats: Stats, deadline: float, seed: int, keep_alive: bool) -> None:
    """GETs (identity or gzip), conditional GETs and ranges, on keep-alive or fresh connections."""
    rng = random.Random(seed)
    kind = "keep-alive" if keep_alive else "fresh"
    conn = None
    while time.monotonic() < deadline:
        name = site.pick(rng)
        path = "/static/" + name
        try:
            if conn is None or not keep_alive:
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            headers = {} if keep_alive else {"Connection": "close"}
            choice = rng.random()
            if choice < 0.15:
                start = rng.randrange(BIG_SIZE)
                end = min(BIG_SIZE - 1, start + rng.randrange(1, 200_000))
                conn.request("GET", "/static/media/big.dat", headers={**headers, "Range": f"bytes={start}-{end}"})
                r = conn.getresponse()
                body = r.read()
                if r.status != 206 or body != site.big[start:end + 1]:
                    stats.error("range", f"bytes={start}-{end}: status {r.status}, {len(body)} bytes")
                else:
                    stats.ok("range")
            elif choice < 0.35 and HASHED.search(name):
                # A hashed name's validator never changes: the second answer must be 304.
                conn.request("GET", path, headers=headers)
                r = conn.getresponse()
                body = r.read()
                etag = r.getheader("ETag")
                if keep_alive is False:
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=30)
                conn.request("GET", path, headers={**headers, "If-None-Match": etag or '"none"'})
                r2 = conn.getresponse()
                r2.read()
                problem = check_body(name, r.status, r.headers, body)
                if problem or r2.status != 304:
                    stats.error("conditional", problem or f"{name}: If-None-Match gave {r2.status}")
                else:
                    stats.ok("conditional", 2)
            else:
                coding = rng.choice(["", "gzip", "br, gzip"])
                conn.request("GET", path, headers={**headers, **({"Accept-Encoding": coding} if coding else {})})
                r = conn.getresponse()
                body = r.read()
                problem = None if r.getheader("Content-Encoding") == "br" and r.status == 200 else check_body(name, r.status, r.headers, body)
                if problem:
                    stats.error(kind, problem)
                else:
                    stats.ok(kind)
            if not keep_alive:
                conn.close()
        except (OSError, http.client.HTTPException) as e:
            stats.error(kind, f"{path}: {type(e).__name__}: {e}")
            if conn is not None:
                conn.close()
            conn = None
    if conn is not None:
        conn.close()


def slow_reader(port: int, site: Site, stats: Stats, deadline: float) -> None:
    """Reads the large file 16 KiB at a time with pauses (about 1.5 s per response)."""
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=30) as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
                s.sendall(b"GET /static/media/big.dat HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n")
                received = bytearray()
                while True:
                    chunk = s.recv(16384)
                    if not chunk:
                        break
                    received += chunk
                    time.sleep(0.008)
            head, _, body = bytes(received).partition(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200") or body != site.big:
                stats.error("slow-reader", f"{head.split(b' ')[1:2]} and {len(body)} of {BIG_SIZE} bytes")
            else:
                stats.ok("slow-reader")
        except OSError as e:
            stats.error("slow-reader", f"{type(e).__name__}: {e}")


def server_sample(pid: int) -> tuple[int, int]:
    """RSS (kB) and open descriptors of the server process."""
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def table(rows: list[dict]) -> str:
    head = f"{'t (s)':>6} {'requests':>9} {'req/s':>7} {'errors':>6} {'RSS MB':>7} {'fds':>5} {'SIGHUPs':>7} {'deploys':>7}"
    lines = [head]
    previous = None
    for row in rows:
        rate = 0.0
        if previous is not None and row["t"] > previous["t"]:
            rate = (row["requests"] - previous["requests"]) / (row["t"] - previous["t"])
        lines.append(f"{row['t']:>6.0f} {row['requests']:>9} {rate:>7.0f} {row['errors']:>6} {row['rss_kb'] / 1024:>7.1f} "
                     f"{row['fds']:>5} {row['sighups']:>7} {row['deploys']:>7}")
        previous = row
    return "\n".join(lines)


def summary(rows: list[dict]) -> str:
    rss = [r["rss_kb"] / 1024 for r in rows]
    fds = [r["fds"] for r in rows]
    return (f"errors {rows[-1]['errors']}; RSS MB start {rss[0]:.1f} end {rss[-1]:.1f} max {max(rss):.1f}; "
            f"fds start {fds[0]} end {fds[-1]} max {max(fds)}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hush", required=True)
    p.add_argument("--seconds", type=float, default=600)
    p.add_argument("--clients", type=int, default=4, help="keep-alive clients (as many fresh-connection ones)")
    p.add_argument("--slow-readers", type=int, default=2)
    p.add_argument("--sighup-every", type=float, default=3)
    p.add_argument("--deploy-every", type=float, default=60)
    p.add_argument("--sample-every", type=float, default=30)
    args = p.parse_args(argv)

    work = tempfile.mkdtemp(prefix="hush-soak-")
    src, root = os.path.join(work, "src"), os.path.join(work, "root")
    proc = None
    try:
        make_sources(src, 0)
        collect(args.hush, src, root)
        with open(os.path.join(src, "media/big.dat"), "rb") as f:
            site = Site(root, f.read())
        port = free_port()
        log_path = os.path.join(work, "serve.log")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([args.hush, "serve", "--root", root, "--host", HOST, "--port", str(port)],
                                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        ready_by = time.monotonic() + 30
        while probe(port, "/static/index.html") != 200:
            if proc.poll() is not None or time.monotonic() > ready_by:
                raise RuntimeError(f"hush serve did not start: {tail(log_path)}")
            time.sleep(0.05)

        stats = Stats()
        start = time.monotonic()
        deadline = start + args.seconds
        threads = [threading.Thread(target=client, args=(port, site, stats, deadline, i, i % 2 == 0), daemon=True)
                   for i in range(2 * args.clients)]
        threads += [threading.Thread(target=slow_reader, args=(port, site, stats, deadline), daemon=True)
                    for _ in range(args.slow_readers)]
        for t in threads:
            t.start()

        rows: list[dict] = []
        sighups = deploys = 0
        next_sighup, next_deploy, next_sample = start + args.sighup_every, start + args.deploy_every, start
        while True:
            now = time.monotonic()
            if now >= next_sample or now >= deadline:
                rss, fds = server_sample(proc.pid)
                with stats.lock:
                    rows.append({"t": now - start, "requests": stats.requests, "errors": len(stats.errors),
                                 "rss_kb": rss, "fds": fds, "sighups": sighups, "deploys": deploys})
                print(table(rows).splitlines()[-1] if len(rows) > 1 else table(rows), flush=True)
                next_sample += args.sample_every
            if now >= deadline:
                break
            if proc.poll() is not None:
                stats.error("server", f"exited with {proc.returncode}: {tail(log_path)}")
                break
            if now >= next_deploy:
                deploys += 1
                make_sources(src, deploys)
                try:
                    collect(args.hush, src, root)
                    os.kill(proc.pid, signal.SIGHUP)
                    sighups += 1
                    # SIGHUP is asynchronous: clients move to the new names once the server
                    # answers one of them, as a page deployed after the assets would.
                    names = site.manifest()
                    with site.lock:
                        fresh = sorted(set(names) - set(site.names))
                    reloaded_by = time.monotonic() + 10
                    while fresh and probe(port, "/static/" + fresh[0]) != 200:
                        if time.monotonic() > reloaded_by:
                            raise RuntimeError(f"{fresh[0]} still not served 10 s after the deploy's SIGHUP")
                        time.sleep(0.02)
                    site.refresh(names)
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    stats.error("deploy", str(e))
                next_deploy += args.deploy_every
            elif now >= next_sighup:
                os.kill(proc.pid, signal.SIGHUP)
                sighups += 1
                next_sighup += args.sighup_every
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        for t in threads:
            t.join(timeout=60)
        stuck = sum(t.is_alive() for t in threads)
        if stuck:
            stats.error("harness", f"{stuck} client threads still running 60 s after the deadline")
        for line in read(log_path).splitlines():
            if "reload failed" in line or "error" in line.lower():
                stats.error("server log", line.strip())
        # The last row after the clients stopped: what the server holds when idle again.
        rss, fds = server_sample(proc.pid)
        rows.append({"t": time.monotonic() - start, "requests": stats.requests, "errors": len(stats.errors),
                     "rss_kb": rss, "fds": fds, "sighups": sighups, "deploys": deploys})

        print()
        print(table(rows))
        print()
        print("by kind: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.by_kind.items())))
        for line in stats.errors[:20]:
            print("  " + line)
        if len(stats.errors) > 20:
            print(f"  … {len(stats.errors) - 20} more")
        print("soak: " + summary(rows))
        return 1 if stats.errors else 0
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
