"""CPU accounting for the serve runs: what a server spent per request, and what the load generator spent.

On 2 cores one load-generator thread tops out near the request rate the fastest servers reach, so
requests/s alone cannot rank them; CPU time per request can. Two measures, both deltas over the
timed window (sampled just before the load tool starts and just after it exits):

- **process CPU** (`server_us_per_req`): utime + stime of the server's own processes (the pid the
  harness started and every descendant: nginx's worker, gunicorn's worker), from
  `/proc/PID/stat`, plus cutime/cstime (children reaped during the window). Only the server's own
  work counts, so it holds on a machine shared with other builds. Kernel work done in softirq
  context on the server's behalf (loopback delivery) is charged to whatever ran when it fired, so
  part of it can be missing here.
- **core busy share** (`core_busy_pct`, and `core_us_per_req` = busy time of that core ÷
  requests): from the `cpuN` line of `/proc/stat` for the core the server is pinned to, as issue
  14 words it. It includes softirq and everything else that ran on that core, other helpers'
  compilers too, so on a shared machine it is an upper bound.

The chart shows process CPU, for that reason; the tables show both, and process CPU split into
user (`server_user_us_per_req`: the server's own code) and kernel (`server_kernel_us_per_req`: its
system calls, TCP included), which tells whether a difference between servers is in their code or
in what they ask of the kernel.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def parse_pid_stat(text: str) -> tuple[int, int, int, int]:
    """(utime, stime, cutime, cstime) in clock ticks from the text of /proc/PID/stat.

    The command name (field 2) is in parentheses and may itself hold spaces or ')', so fields are
    counted from the last ')': after it come state (field 3) ... utime is field 14 (proc(5))."""
    rest = text[text.rindex(")") + 2:].split()
    return int(rest[11]), int(rest[12]), int(rest[13]), int(rest[14])


def parse_proc_stat_cpu(text: str, cpu: str) -> tuple[int, int]:
    """(busy, total) clock ticks of core `cpu` from the text of /proc/stat.

    busy = user + nice + system + irq + softirq + steal; total adds idle + iowait. guest and
    guest_nice are already inside user and nice (proc(5)), so they are not added again."""
    label = f"cpu{cpu}"
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] == label:
            v = [int(x) for x in parts[1:]] + [0] * 8
            user, nice, system, idle, iowait, irq, softirq, steal = v[:8]
            busy = user + nice + system + irq + softirq + steal
            return busy, busy + idle + iowait
    raise ValueError(f"no {label} line in /proc/stat")


def tree_pids(pid: int, proc: str = "/proc") -> list[int]:
    """pid and its live descendants (through every thread's children list)."""
    out, stack, seen = [], [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        out.append(p)
        try:
            for task in os.listdir(f"{proc}/{p}/task"):
                with open(f"{proc}/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError, NotADirectoryError):
            continue
    return out


def tree_ticks(pid: int, proc: str = "/proc") -> int:
    return sum(tree_ticks_split(pid, proc))


def tree_ticks_split(pid: int, proc: str = "/proc") -> tuple[int, int]:
    """(user, kernel) clock ticks of the process tree: utime + cutime, stime + cstime."""
    user = kernel = 0
    for p in tree_pids(pid, proc):
        try:
            with open(f"{proc}/{p}/stat") as f:
                utime, stime, cutime, cstime = parse_pid_stat(f.read())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue      # exited between the listing and the read: its time moves to cutime
        user += utime + cutime
        kernel += stime + cstime
    return user, kernel


@dataclass
class Sample:
    process_ticks: int
    core_busy: int
    core_total: int
    process_user_ticks: int | None = None   # the user-space part of process_ticks


def sample(pid: int, cpu: str = "0", proc: str = "/proc") -> Sample:
    with open(f"{proc}/stat") as f:
        busy, total = parse_proc_stat_cpu(f.read(), cpu)
    user, kernel = tree_ticks_split(pid, proc)
    return Sample(user + kernel, busy, total, user)


@dataclass
class Account:
    server_us_per_req: float | None     # the server's own processes
    core_busy_pct: float | None         # share of the pinned core that was busy, 0-100
    core_us_per_req: float | None       # busy time of the pinned core per request
    # server_us_per_req split: the server's own code (user) and the system calls it made (kernel,
    # TCP included). Where one server differs from another in CPU per request, this says whether
    # it is in its code or in what it asks of the kernel.
    server_user_us_per_req: float | None = None
    server_kernel_us_per_req: float | None = None


def account(before: Sample, after: Sample, requests: int, clk_tck: int = CLK_TCK) -> Account:
    """Deltas between two samples, per request completed in the window."""
    us_per_tick = 1e6 / clk_tck
    d_proc = after.process_ticks - before.process_ticks
    d_busy = after.core_busy - before.core_busy
    d_total = after.core_total - before.core_total
    per = (lambda ticks: ticks * us_per_tick / requests) if requests > 0 else (lambda ticks: None)
    user = kernel = None
    if before.process_user_ticks is not None and after.process_user_ticks is not None:
        d_user = after.process_user_ticks - before.process_user_ticks
        d_kernel = d_proc - d_user
        if d_user >= 0 and d_kernel >= 0:
            user, kernel = per(d_user), per(d_kernel)
    return Account(
        server_us_per_req=per(d_proc) if d_proc >= 0 else None,
        core_busy_pct=100.0 * d_busy / d_total if d_total > 0 else None,
        core_us_per_req=per(d_busy) if d_busy >= 0 else None,
        server_user_us_per_req=user,
        server_kernel_us_per_req=kernel,
    )


def loadgen(cpu_seconds: float, wall_seconds: float, requests: int) -> tuple[float | None, float | None]:
    """(share of its core in per cent, µs per request) of the load generator, from its rusage."""
    share = 100.0 * cpu_seconds / wall_seconds if wall_seconds > 0 else None
    per = cpu_seconds * 1e6 / requests if requests > 0 else None
    return share, per
