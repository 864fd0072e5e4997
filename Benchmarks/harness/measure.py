"""Measuring one command (wall time, peak RSS) and one wrk run (requests/s, bytes/s, errors)."""

from __future__ import annotations

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


def run_wrk(url: str, connections: int, seconds: float, headers: dict[str, str], cpu: str = "1") -> WrkResult:
    argv = ["taskset", "-c", cpu, "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
            "--latency", "--timeout", "5s"]
    for key, value in headers.items():
        argv += ["-H", f"{key}: {value}"]
    argv.append(url)
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
    if out.returncode != 0:
        raise ValueError(f"wrk exit {out.returncode}: {out.stderr.strip()[:200]}")
    return parse_wrk(out.stdout)


def median(values: list[float]) -> float:
    s = sorted(values)
    n = len(s)
    if not n:
        return float("nan")
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
