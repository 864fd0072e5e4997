"""Measuring one command (wall time, peak RSS), one wrk run (requests/s, bytes/s, errors) and one
h2load run (h2c throughput, or HTTP/1.1 latency at a fixed request rate), with the load tool's own
CPU time from its rusage."""

from __future__ import annotations

import math
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field


@dataclass
class CommandResult:
    seconds: float
    peak_rss_kb: int
    returncode: int
    output: str         # combined stdout/stderr, last few KB

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def first_error_line(self) -> str:
        lines = [line for line in self.output.strip().splitlines() if line.strip()]
        return lines[-1][:200] if lines else f"exit {self.returncode}"


GNU_TIME = "/usr/bin/time"


def drain(fd: int, chunks: list[bytes]) -> None:
    """Reads what a non-blocking pipe holds into `chunks`, keeping only the recent output."""
    try:
        while True:
            data = os.read(fd, 65536)
            if not data:
                return
            chunks.append(data)
            if len(chunks) > 64:
                del chunks[:-32]
    except (BlockingIOError, OSError):
        pass


def run_measured(argv: list[str], timeout: float, env: dict | None = None, cwd: str | None = None) -> CommandResult:
    """Runs argv to completion; wall clock from fork to reap, peak RSS of the command.

    Peak RSS comes from GNU time's %M when /usr/bin/time exists. wait4's own ru_maxrss is only a
    fallback: Linux carries the high-water mark of the mm a process had before exec, so a child
    forked from this (large) Python process never reports less than this process's RSS. GNU time
    is a small C program, so the command it forks starts from a few MB."""
    rss_file = None
    if os.access(GNU_TIME, os.X_OK):
        fd, rss_file = tempfile.mkstemp(prefix="bench-rss-")
        os.close(fd)
        argv = [GNU_TIME, "-f", "%M", "-o", rss_file, *argv]
    log_r, log_w = os.pipe()
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=log_w, stderr=log_w, stdin=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})}, cwd=cwd, start_new_session=True)
    os.close(log_w)
    os.set_blocking(log_r, False)
    chunks: list[bytes] = []
    deadline = t0 + timeout
    status = None
    rusage = None
    while status is None:
        drain(log_r, chunks)
        pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            status, rusage = st, ru
            break
        if time.monotonic() > deadline:
            os.killpg(proc.pid, 9)
            _, status, rusage = os.wait4(proc.pid, 0)
            chunks.append(f"\n(timed out after {timeout:.0f} s)".encode())
            break
        time.sleep(0.005)
    seconds = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    drain(log_r, chunks)
    os.close(log_r)
    output = b"".join(chunks)[-8192:].decode(errors="replace")
    peak_kb = rusage.ru_maxrss
    if rss_file:
        try:
            with open(rss_file) as f:
                numbers = [line.strip() for line in f if line.strip().isdigit()]
            if numbers:
                peak_kb = int(numbers[-1])
        finally:
            os.unlink(rss_file)
    return CommandResult(seconds, peak_kb, proc.returncode, output)


@dataclass
class WrkResult:
    requests_per_s: float
    bytes_per_s: float
    requests: int
    non_2xx_3xx: int
    socket_errors: int
    latency_p50_ms: float | None
    latency_p99_ms: float | None
    raw: str = field(repr=False, default="")
    loadgen_cpu_s: float | None = None     # the load tool's utime + stime (its rusage)
    wall_s: float | None = None


UNITS = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}


def _duration_ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(out: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    tps = re.search(r"Transfer/sec:\s*([\d.]+)([KMGT]?)B", out)
    total = re.search(r"(\d+) requests in", out)
    non = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    p50 = re.search(r"^\s*50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s*99%\s+(\S+)", out, re.M)
    if not rps or not total:
        raise ValueError("wrk printed no result: " + " | ".join(out.strip().splitlines()[-3:]))
    return WrkResult(
        requests_per_s=float(rps.group(1)),
        bytes_per_s=float(tps.group(1)) * UNITS[tps.group(2)] if tps else 0.0,
        requests=int(total.group(1)),
        non_2xx_3xx=int(non.group(1)) if non else 0,
        socket_errors=sum(int(x) for x in sock.groups()) if sock else 0,
        latency_p50_ms=_duration_ms(p50.group(1)) if p50 else None,
        latency_p99_ms=_duration_ms(p99.group(1)) if p99 else None,
        raw=out,
    )


@dataclass
class ToolRun:
    returncode: int
    stdout: str
    stderr: str
    cpu_s: float        # utime + stime of the tool and what it waited for
    wall_s: float


def run_tool(argv: list[str], timeout: float) -> ToolRun:
    """Runs a load tool to completion (killed after `timeout`), with its rusage: subprocess.run
    reaps the child itself and drops the rusage, so this waits with wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = t0 + timeout
        while True:
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.killpg(proc.pid, 9)
                _, status, ru = os.wait4(proc.pid, 0)
                proc.returncode = -9
                raise subprocess.TimeoutExpired(argv, timeout)
            time.sleep(0.01)
        wall = time.monotonic() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ToolRun(proc.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                       ru.ru_utime + ru.ru_stime, wall)


def run_wrk(url: str, connections: int, seconds: float, headers: dict[str, str], cpu: str = "1") -> WrkResult:
    argv = ["taskset", "-c", cpu, "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
            "--latency", "--timeout", "5s"]
    for key, value in headers.items():
        argv += ["-H", f"{key}: {value}"]
    argv.append(url)
    out = run_tool(argv, timeout=seconds + 30)
    if out.returncode != 0:
        raise ValueError(f"wrk exit {out.returncode}: {out.stderr.strip()[:200]}")
    res = parse_wrk(out.stdout)
    res.loadgen_cpu_s, res.wall_s = out.cpu_s, out.wall_s
    return res


@dataclass
class H2loadResult:
    requests_per_s: float
    bytes_per_s: float
    requests: int          # done
    succeeded: int
    failed: int
    errored: int
    timeout: int
    status: dict           # "2xx" -> count ...
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None
    latency_p999_ms: float | None = None
    data_bytes: int = 0    # response bodies, from the 'traffic:' line
    raw: str = field(repr=False, default="")
    loadgen_cpu_s: float | None = None
    wall_s: float | None = None


def parse_h2load(out: str) -> H2loadResult:
    """h2load's summary (nghttp2 1.52): 'finished in 2.00s, 53312.50 req/s, 168.39MB/s', the
    'requests:' and 'status codes:' lines."""
    fin = re.search(r"finished in ([\d.]+)(us|ms|s),\s*([\d.]+) req/s,\s*([\d.]+)([KMG]?)B/s", out)
    req = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
                    r"(\d+) errored, (\d+) timeout", out)
    if not fin or not req:
        raise ValueError("h2load printed no result: " + " | ".join(out.strip().splitlines()[-3:]))
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    status = dict(zip(("2xx", "3xx", "4xx", "5xx"), (int(x) for x in codes.groups()))) if codes else {}
    data = re.search(r"traffic: .*?, \S+ \((\d+)\) data", out)
    return H2loadResult(
        requests_per_s=float(fin.group(3)),
        bytes_per_s=float(fin.group(4)) * UNITS[fin.group(5)],
        requests=int(req.group(3)), succeeded=int(req.group(4)), failed=int(req.group(5)),
        errored=int(req.group(6)), timeout=int(req.group(7)), status=status,
        data_bytes=int(data.group(1)) if data else 0, raw=out)


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0-100) of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q * len(sorted_values) / 100.0 - 1e-9))     # 99.9 % of 1000 is rank 999, not 1000
    return sorted_values[min(rank, len(sorted_values)) - 1]


def parse_h2load_log(text: str) -> list[float]:
    """Per-request latencies (ms, ascending) from h2load's --log-file: tab-separated start time
    (µs since the epoch), status, µs until the end of the response."""
    out = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[2].strip().lstrip("-").isdigit():
            out.append(int(parts[2]) / 1000.0)
    out.sort()
    return out


def run_h2load(url: str, clients: int, seconds: float | None, headers: dict[str, str], h1: bool = False,
               streams: int = 1, rps_per_client: float | None = None, log_path: str | None = None,
               cpu: str = "1", requests: int | None = None) -> H2loadResult:
    """One h2load thread on `cpu`: h2c with prior knowledge (`streams` concurrent streams per
    connection), or HTTP/1.1 with `h1`; `rps_per_client` makes it a constant-rate run, and
    `log_path` gives p50/p99/p99.9 from its per-request log."""
    argv = ["taskset", "-c", cpu, "h2load", "-t1", f"-c{clients}", f"-m{streams}", "-T5"]
    argv.append(f"-n{requests}" if requests else f"-D{max(1, round(seconds or 1))}")
    if h1:
        argv.append("--h1")
    if rps_per_client:
        argv.append(f"--rps={rps_per_client:g}")
    if log_path:
        argv.append(f"--log-file={log_path}")
    for key, value in headers.items():
        argv += ["-H", f"{key.lower()}: {value}"]
    argv.append(url)
    out = run_tool(argv, timeout=(seconds or 5) + 30)
    if out.returncode != 0 and "finished in" not in out.stdout:
        raise ValueError(f"h2load exit {out.returncode}: {(out.stderr or out.stdout).strip()[-200:]}")
    res = parse_h2load(out.stdout)
    res.loadgen_cpu_s, res.wall_s = out.cpu_s, out.wall_s
    if log_path and os.path.exists(log_path):
        with open(log_path) as f:
            lat = parse_h2load_log(f.read())
        res.latency_p50_ms, res.latency_p99_ms, res.latency_p999_ms = (
            percentile(lat, 50), percentile(lat, 99), percentile(lat, 99.9))
    return res


def median(values: list[float]) -> float:
    s = sorted(values)
    n = len(s)
    if not n:
        return float("nan")
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
