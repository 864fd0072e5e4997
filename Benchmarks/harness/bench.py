#!/usr/bin/env python3
"""Hush side by side with Django/WhiteNoise/ServeStatic (collect) and nginx, Caddy, h2o, lighttpd,
WhiteNoise and ServeStatic (serve).

Normally started by Benchmarks/run.sh (`make bench`, `make bench-quick`), which installs the peers
and builds Hush. Everything here is stdlib; the peers' Python side runs in the venv given by --venv.

Sections (all by default, or --only collect,collect-ci,collect-django,bytes,serve,latency,h2c,scaling):
  collect  hush collect vs collectstatic (ManifestStaticFilesStorage; WhiteNoise's and ServeStatic's
           CompressedManifestStaticFilesStorage): cold run (empty STATIC_ROOT, empty hush cache
           directory), then a warm re-run after editing one CSS file that others import; wall time,
           peak RSS; compressed totals hush vs the peers.
  collect-ci  a CI/Docker build: hush into an empty STATIC_ROOT from a fresh copy of the sources,
           with the cache directory an earlier build left (restored CI cache, RUN --mount=type=cache),
           vs WhiteNoise's and ServeStatic's cold collectstatic; the hush tree is checked byte for
           byte against a cold hush run.
  collect-django  hush collect --django vs manage.py collectstatic on a generated project
           (django_project.py: N apps with static/ trees, the admin's files), cold and warm.
  bytes    bytes on the wire per encoding (identity, gzip, br; zstd, dcz when siblings exist), per
           kind, in total and per asset, for two consecutive releases of a generated bundle, and for
           two real consecutive releases each of Django's admin and Bokeh (releases.py, PyPI wheels).
  serve    hush serve vs the peers over one STATIC_ROOT; each server on CPU 0 with one worker,
           wrk -t1 on CPU 1; 3 KB CSS, 100 KB JS, 5 MB binary, 304, 404; every scenario is checked
           (status, Content-Encoding, body bytes) before it is timed; server CPU µs per request
           (its processes, and its pinned core) and wrk's own CPU.
  latency  p50/p99/p99.9 at fixed request rates below saturation (h2load --h1 --rps).
  h2c      HTTP/2 cleartext with h2load, each server probed first ("not supported" otherwise).
  scaling  collect time and server start-up/RSS at 1k/10k/100k files; hush req/s from 1 to 1,024
           connections (nginx alongside as the reference line).

Outputs: a table on stdout, RESULTS/NAME.json (every figure and the facts of the run),
RESULTS/NAME.md (rendered from the JSON), RESULTS/NAME.csv, RESULTS/NAME.svg (NAME is `latest`,
or `quick` with --quick so a quick pass never replaces published figures). `make bench` then
copies latest.md into the README between its markers (readme.py).
"""

from __future__ import annotations

import argparse
import atexit
import datetime
import json
import os
import platform
import re
import resource
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import chart  # noqa: E402
import checks  # noqa: E402
import corpus  # noqa: E402
import cpu  # noqa: E402
import django_project  # noqa: E402
import measure  # noqa: E402
import releases  # noqa: E402
import servers  # noqa: E402
from results import HASH_ONLY, HUSH, TITLES, Results, render_markdown_report, render_text_table  # noqa: E402

ACCEPT = checks.ACCEPT
NOT_BUILT = "not built"
SECTIONS = ("collect", "collect-ci", "collect-django", "bytes", "serve", "latency", "h2c", "scaling")
PEERS = ("nginx", "caddy", "h2o", "lighttpd", "whitenoise", "servestatic", "django")


def log(msg: str) -> None:
    print(f"bench: {msg}", flush=True)


# Scenarios where the load generator's own ceiling is measured beside the servers.
CEILING_SCENARIOS = ("css-3KB", "304-revalidate")


def record_response(port: int, url: str, headers: dict) -> bytes | None:
    """The exact bytes Hush answers one request with (head and body), for ceiling.c to replay."""
    import socket
    lines = [f"GET {url} HTTP/1.1", f"Host: {servers.HOST}"] + [f"{k}: {v}" for k, v in headers.items()]
    try:
        with socket.create_connection((servers.HOST, port), timeout=5) as sock:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(65536)
                if not chunk:
                    return None
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if head.startswith(b"HTTP/1.1 304"):
                length = 0
            while len(body) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    return None
                body += chunk
            return head + b"\r\n\r\n" + body[:length]
    except (OSError, ValueError):
        return None


def series_of(rows, tools, categories, matches, value=lambda r: r.value) -> dict:
    """One chart series per tool: for each category, the value of that tool's first row that
    `matches(row, category)`, or None (an empty bar)."""
    return {t: [next((value(r) for r in rows if r.tool == t and matches(r, x)), None) for x in categories]
            for t in tools}


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.a = args
        self.work = os.path.abspath(args.work)
        os.makedirs(self.work, exist_ok=True)
        self.results = Results()
        self.registry = servers.PidRegistry(os.path.join(self.work, "servers.pids"))
        self.running: list[servers.Running] = []
        self.venv_python = os.path.join(args.venv, "bin", "python")
        self.hush = os.path.abspath(args.hush) if args.hush else ""
        self.collected: dict[str, str] = {}       # tool -> its STATIC_ROOT from the collect section
        self.corpus_info: dict = {}
        self.versions: dict[str, str] = {}
        self.started = time.monotonic()
        self.load_at_start = os.getloadavg()

    # ------------------------------------------------------------ helpers

    def peer(self, name: str) -> bool:
        return name in self.a.peers

    def hush_subcommand(self, sub: str) -> str | None:
        """None when `hush SUB` can run, else why not ('not built')."""
        if not (self.hush and os.path.isfile(self.hush) and os.access(self.hush, os.X_OK)):
            return NOT_BUILT
        probe = subprocess.run([self.hush, sub, "--help"], capture_output=True, timeout=30)
        return None if probe.returncode == 0 else NOT_BUILT

    def stop_all(self) -> None:
        for r in list(self.running):
            servers.stop(r, self.registry)
            self.forget(r)

    def forget(self, r) -> None:
        """Drops a stopped server from what stop_all() stops. It may be gone already: a signal
        during a run stops every server first, and the run's own cleanup comes after."""
        if r in self.running:
            self.running.remove(r)

    def make_corpus(self, name: str, files: int, total_mb: float) -> dict:
        out = os.path.join(self.work, name)
        t0 = time.monotonic()
        info = corpus.generate(out, files, total_mb, self.a.seed)
        log(f"corpus {name}: {info['files']} files, {info['bytes'] / 2**20:.1f} MB "
            f"({time.monotonic() - t0:.1f} s to generate)")
        return info

    # ------------------------------------------------------------ collect

    @property
    def hush_cache(self) -> str:
        """hush's cache directory for every run but collect-ci's (never the user's ~/.cache/hush)."""
        return os.path.join(self.work, "hush-cache")

    @property
    def wheel_cache(self) -> str:
        """Where the real releases' wheels are kept between runs (releases.py fetches each once)."""
        return os.path.join(self.work, "wheels")

    def collect_argv(self, tool: str, sources: list[str], out: str, extra: list[str] | None = None) -> list[str]:
        if tool.startswith(HUSH):
            extra = extra or []
            cache = [] if "--cache-dir" in extra else ["--cache-dir", self.hush_cache]
            return [self.hush, "collect", *sources, "--output", out, "--quiet", *cache, *extra]
        storage = tool if tool in ("whitenoise", "servestatic") else "manifest"
        return [self.venv_python, os.path.join(HERE, "django_collect.py"), "--root", out,
                "--storage", storage, *sources]

    def run_collect(self, tool: str, sources: list[str], out: str, extra: list[str] | None = None
                    ) -> measure.CommandResult:
        return measure.run_measured(self.collect_argv(tool, sources, out, extra), timeout=self.a.collect_timeout)

    def section_collect(self) -> None:
        info = self.corpus_info
        sources = info["sources"]
        # hush-hash-only (--no-brotli --no-zstd --no-gzip) is what Django's hashing-only storage is compared
        # with; plain hush (hash + compress) is compared with WhiteNoise.
        tools = [HUSH] + ([HASH_ONLY] if self.peer("django") else []) + \
            [t for t in ("django", "whitenoise", "servestatic") if self.peer(t)]
        touch_path = info["touch_path"]
        with open(touch_path, "rb") as f:
            original = f.read()
        st = os.stat(touch_path)
        edit = original + b"\n.bench-warm-edit{color:#c92a2a}\n"
        for tool in tools:
            label = {"django": "django-manifest"}.get(tool, tool)
            out = os.path.join(self.work, f"root-{tool}")
            extra = ["--no-brotli", "--no-zstd", "--no-gzip"] if tool == HASH_ONLY else None
            if tool.startswith(HUSH):
                why = self.hush_subcommand("collect")
                if why:
                    log(f"collect: {tool}: {why}")
                    for phase in ("cold", "warm"):
                        self.results.add("collect", phase, tool, "seconds", None, note=f"hush: {why}")
                    continue
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(out + ".staging", ignore_errors=True)
            # Cold means nothing remembered: no compressed siblings from an earlier run either.
            shutil.rmtree(self.hush_cache, ignore_errors=True)
            cold = self.run_collect(tool, sources, out, extra)
            self.record_collect("cold", label, cold)
            if not cold.ok:
                continue
            self.collected[tool] = out
            try:
                with open(touch_path, "wb") as f:
                    f.write(edit)
                warm = self.run_collect(tool, sources, out, extra)
            finally:
                with open(touch_path, "wb") as f:
                    f.write(original)
                os.utime(touch_path, ns=(st.st_atime_ns, st.st_mtime_ns))
            self.record_collect("warm", label, warm)
        # Compressed totals: the bytes a CDN or server would send, Hush vs WhiteNoise.
        for tool in (HUSH, "whitenoise", "servestatic"):
            root = self.collected.get(tool)
            if root is None:
                if tool == HUSH:
                    self.results.add("collect", "compressed", HUSH, "br_bytes", None, note=f"hush: {NOT_BUILT}")
                    self.results.add("collect", "compressed", HUSH, "gz_bytes", None, note=f"hush: {NOT_BUILT}")
                continue
            totals = compressed_totals(root)
            for metric in ("br_bytes", "gz_bytes", "br_files", "gz_files"):
                self.results.add("collect", "compressed", tool, metric, totals[metric])
        # Same manifest as Django's, the contract of issue 2 (reported, not timed).
        if HUSH in self.collected and "django" in self.collected:
            same = manifest_paths(self.collected[HUSH]) == manifest_paths(self.collected["django"])
            # The warm runs edited one file in place and the edit was undone: both manifests
            # describe the edited tree, so they are still comparable.
            self.results.notes.append(f"hush staticfiles.json paths {'identical to' if same else 'DIFFER from'} "
                                      "Django's on the benchmark corpus")

    def section_collect_ci(self) -> None:
        """Fresh STATIC_ROOT + warm cache directory (hush) vs a cold collectstatic (WhiteNoise)."""
        sources = self.corpus_info["sources"]
        scenario = "collect-ci"
        why = self.hush_subcommand("collect")
        if why:
            log(f"collect-ci: hush: {why}")
            self.results.add("collect", scenario, HUSH, "seconds", None, note=f"hush: {why}")
        else:
            cache = os.path.join(self.work, "hush-cache-ci")
            earlier = os.path.join(self.work, "root-hush-ci-earlier")
            for d in (cache, earlier):
                shutil.rmtree(d, ignore_errors=True)
            # The earlier build that filled the cache (a cold run; not part of the figure).
            warmup = self.run_collect(HUSH, sources, earlier, ["--cache-dir", cache])
            self.record_collect("ci-warmup", HUSH, warmup)
            # A fresh checkout: the same bytes under new paths, with new inodes and times.
            checkout = os.path.join(self.work, "ci-checkout")
            shutil.rmtree(checkout, ignore_errors=True)
            fresh_sources = []
            for spec in sources:
                prefix, eq, directory = spec.partition("=") if "=" in spec else ("", "", spec)
                copy = os.path.join(checkout, os.path.basename(directory.rstrip("/")))
                shutil.copytree(directory, copy)
                fresh_sources.append(prefix + eq + copy)
            out = os.path.join(self.work, "root-hush-ci")
            shutil.rmtree(out, ignore_errors=True)
            res = self.run_collect(HUSH, fresh_sources, out, ["--cache-dir", cache])
            self.record_collect(scenario, HUSH, res)
            if warmup.ok and res.ok:
                same = tree_bytes(out) == tree_bytes(earlier)
                self.results.notes.append(f"collect-ci: hush's tree from a fresh STATIC_ROOT + warm cache is "
                                          f"{'byte-identical to' if same else 'DIFFERENT from'} its cold run's")
        # The peers have no cache to restore: a CI build is their cold run.
        for peer in ("whitenoise", "servestatic"):
            if self.peer(peer):
                out = os.path.join(self.work, f"root-{peer}-ci")
                shutil.rmtree(out, ignore_errors=True)
                self.record_collect(scenario, peer, self.run_collect(peer, sources, out))

    def section_collect_django(self) -> None:
        """`hush collect --django` against `python manage.py collectstatic --noinput` on a generated
        project (django_project.py: N apps with their own static/ trees, the admin's, one
        STATICFILES_DIRS entry; WhiteNoise's compressing manifest storage), cold and warm (after
        editing one imported CSS file, undone afterwards)."""
        if not os.path.exists(self.venv_python):
            self.results.notes.append("collect-django: skipped, no venv with Django")
            return
        proj = os.path.join(self.work, "djproject")
        t0 = time.monotonic()
        info = django_project.generate(proj, self.a.django_apps, self.a.django_files_per_app,
                                       self.a.django_mb_per_app, self.a.seed)
        log(f"django project: {info['apps']} apps, {info['files']} files ({time.monotonic() - t0:.1f} s to generate)")
        touch = info["touch_path"]
        with open(touch, "rb") as f:
            original = f.read()
        st = os.stat(touch)
        cache = os.path.join(self.work, "hush-cache-django")
        tools = {HUSH: [self.hush, "collect", "--django", "--python", self.venv_python, "--cache-dir", cache,
                        "--quiet"]}
        if self.peer("django") or self.peer("whitenoise"):
            tools["collectstatic"] = [self.venv_python, "manage.py", "collectstatic", "--noinput", "-v0"]
        for tool, argv in tools.items():
            if tool == HUSH and self.hush_subcommand("collect"):
                for phase in ("cold", "warm"):
                    self.results.add("collect-django", phase, HUSH, "seconds", None, note=f"hush: {NOT_BUILT}")
                continue
            root = os.path.join(self.work, f"djproject-root-{tool}")
            shutil.rmtree(root, ignore_errors=True)
            shutil.rmtree(cache, ignore_errors=True)
            env = {"BENCH_STATIC_ROOT": root, "DJANGO_SETTINGS_MODULE": "benchsite.settings"}
            cold = measure.run_measured(argv, timeout=self.a.collect_timeout, env=env, cwd=proj)
            self.record_collect("cold", tool, cold, section="collect-django")
            if not cold.ok:
                continue
            try:
                with open(touch, "wb") as f:
                    f.write(original + b"\n.bench-warm-edit{color:#c92a2a}\n")
                warm = measure.run_measured(argv, timeout=self.a.collect_timeout, env=env, cwd=proj)
            finally:
                with open(touch, "wb") as f:
                    f.write(original)
                os.utime(touch, ns=(st.st_atime_ns, st.st_mtime_ns))
            self.record_collect("warm", tool, warm, section="collect-django")
        roots = [os.path.join(self.work, f"djproject-root-{t}") for t in tools]
        if len(roots) == 2 and all(os.path.exists(os.path.join(r, "staticfiles.json")) for r in roots):
            same = manifest_paths(roots[0]) == manifest_paths(roots[1])
            self.results.notes.append(f"collect-django: {info['apps']} apps + admin, {info['files']} files; hush "
                                      f"--django's staticfiles.json paths {'identical to' if same else 'DIFFER from'} "
                                      "collectstatic's (WhiteNoise's CompressedManifestStaticFilesStorage)")

    def record_collect(self, phase: str, tool: str, res: measure.CommandResult, section: str = "collect") -> None:
        note = "" if res.ok else f"failed: {res.first_error_line()}"
        log(f"{section} {phase:4} {tool:16} {res.seconds:7.2f} s  peak RSS {res.peak_rss_kb / 1024:7.1f} MB"
            + (f"  {note}" if note else ""))
        self.results.add(section, phase, tool, "seconds", res.seconds if res.ok else None, note=note)
        self.results.add(section, phase, tool, "peak_rss_mb", res.peak_rss_kb / 1024 if res.ok else None,
                         note=note)

    # ------------------------------------------------------------ serve

    def serve_root(self) -> tuple[str | None, str]:
        for tool in (HUSH, "whitenoise", "django"):
            if tool in self.collected:
                return self.collected[tool], tool
        # --only serve: collect once, quietly, with what is there.
        if self.hush_subcommand("collect") is None:
            tool = HUSH
        elif os.path.exists(self.venv_python):
            tool = "whitenoise"
        else:
            return None, ""
        out = os.path.join(self.work, f"root-{tool}")
        shutil.rmtree(out, ignore_errors=True)
        log(f"serve: collecting the corpus with {tool} to have a STATIC_ROOT")
        res = self.run_collect(tool, self.corpus_info["sources"], out)
        if not res.ok:
            log(f"serve: {tool} collect failed: {res.first_error_line()}")
            return None, ""
        self.collected[tool] = out
        return out, tool

    def server_objects(self, h2c: bool = False) -> list[servers.Server]:
        out: list[servers.Server] = [servers.Hush(self.work, self.hush, speak_h2c=h2c)]
        if self.peer("nginx"):
            out.append(servers.Nginx(self.work))
        if self.peer("caddy"):
            out.append(servers.Caddy(self.work, self.a.venv))
        if self.peer("h2o"):
            out.append(servers.H2O(self.work))
        if self.peer("lighttpd"):
            out.append(servers.Lighttpd(self.work))
        if self.peer("whitenoise"):
            out.append(servers.WhiteNoiseGunicorn(self.work, self.a.venv, HERE))
        if self.peer("servestatic"):
            out.append(servers.ServeStaticGunicorn(self.work, self.a.venv, HERE))
        return out

    def scenarios(self, root: str) -> list[dict]:
        paths = manifest_paths(root)
        targets = self.corpus_info.get("targets") or {}
        out = []
        for name, key in (("css-3KB", "css"), ("js-100KB", "js"), ("binary-5MB", "binary")):
            if key in targets and targets[key] in paths:
                rel = paths[targets[key]]
                out.append({"name": name, "rel": rel, "url": "/static/" + rel, "expect": 200})
        if out:
            out.append({"name": "304-revalidate", "rel": out[0]["rel"], "url": out[0]["url"], "expect": 304})
        out.append({"name": "404", "rel": None, "url": "/static/css/no-such-file.0123456789ab.css", "expect": 404})
        return out

    def serve_scenarios(self, root: str) -> list[dict]:
        """The scenarios the serve section times (--serve-scenarios; --quick: the 3 KB CSS only)."""
        return [x for x in self.scenarios(root) if not self.a.serve_scenarios or x["name"] in self.a.serve_scenarios]

    def check(self, running: servers.Running, root: str, sc: dict, server: servers.Server | None = None
              ) -> tuple[bool, str, dict]:
        """checks.check against a running server (see checks.py). Returns (ok, reason, headers for wrk)."""
        own = bool(server and server.own_compression)
        return checks.check(servers.HOST, running.port, root, sc, own_compression=own,
                            decoders={"br": self.brotli_decoder} if own else None)

    @property
    def brotli_decoder(self):
        if not hasattr(self, "_brotli"):
            self._brotli = checks.venv_brotli(self.venv_python)
        return self._brotli

    def timed_wrk(self, r: servers.Running, url: str, c: int, secs: float, headers: dict) -> measure.WrkResult:
        """One wrk run with the server's CPU (process tree and pinned core) sampled around it."""
        before = cpu.sample(r.proc.pid, servers.SERVER_CPU)
        res = measure.run_wrk(url, c, secs, headers)
        after = cpu.sample(r.proc.pid, servers.SERVER_CPU)
        res.cpu = cpu.account(before, after, res.requests)
        return res

    def section_serve(self) -> None:
        if not (shutil.which("wrk") and shutil.which("taskset")):
            log("serve: wrk or taskset not installed; skipping serve")
            self.results.notes.append("serve: skipped, wrk or taskset not installed")
            return
        root, made_by = self.serve_root()
        if root is None:
            log("serve: no STATIC_ROOT could be collected; skipping serve")
            self.results.notes.append("serve: skipped, no collector available")
            return
        self.results.notes.append(f"serve: all servers read the STATIC_ROOT written by {made_by}")
        scenarios = self.serve_scenarios(root)
        probe_path = scenarios[0]["url"]
        concs = self.a.concurrency
        runs: dict[tuple, list] = {}            # (server, scenario, conc) -> [WrkResult]
        failed: dict[tuple, str] = {}           # (server, scenario) -> reason
        unavailable: dict[str, str] = {}
        sessions: dict[str, list] = {}          # server -> [(startup_s, rss_start_kb, rss_end_kb)]
        srv_objs = self.server_objects()
        for s in srv_objs:
            why = s.available()
            if s.name == HUSH and not why:
                why = self.hush_subcommand("serve")
            if why:
                unavailable[s.name] = why if why.startswith("hush") or s.name != HUSH else f"hush: {why}"
                reason = unavailable[s.name]
                log(f"serve: {reason}" if reason.startswith(f"{s.name}:") else f"serve: {s.name}: {reason}")
            else:
                self.versions[s.name] = s.version() or s.name
        ceiling_bin = self.build_ceiling()
        recorded: dict[str, tuple[str, dict]] = {}   # scenario -> (file with Hush's response, headers)
        # Rounds interleave the servers, so a burst of load from elsewhere on this shared machine
        # lands on every server's runs alike instead of on one server's.
        for rnd in range(self.a.runs):
            for s in srv_objs:
                if s.name in unavailable:
                    continue
                try:
                    r = s.start(root, self.registry, probe_path)
                except (RuntimeError, servers.NotAvailable) as e:
                    unavailable[s.name] = f"start failed: {e}"[:200]
                    log(f"serve: {s.name}: {unavailable[s.name]}")
                    continue
                self.running.append(r)
                rss_start = servers.tree_rss_kb(r.proc.pid)
                try:
                    for sc in scenarios:
                        key = (s.name, sc["name"])
                        if key in failed:
                            continue
                        ok, why, headers = self.check(r, root, sc, s)
                        if rnd == 0:
                            log(f"check {s.name:10} {sc['name']:15} {'ok' if ok else 'FAILED'}: {why}")
                        if not ok:
                            failed[key] = why
                            log(f"serve: {s.name} {sc['name']} is not measured: {why}")
                            continue
                        url = f"http://{servers.HOST}:{r.port}{sc['url']}"
                        if s.name == HUSH and sc["name"] in CEILING_SCENARIOS and sc["name"] not in recorded:
                            raw = record_response(r.port, sc["url"], headers)
                            if raw:
                                path = os.path.join(self.work, f"ceiling-{sc['name']}.http")
                                with open(path, "wb") as f:
                                    f.write(raw)
                                recorded[sc["name"]] = (path, headers)
                        if self.a.warmup > 0 and sc is scenarios[0]:
                            measure.run_wrk(url, 64, self.a.warmup, headers)
                        for c in concs:
                            secs = self.a.duration if c == 64 else self.a.side_duration
                            try:
                                res = self.timed_wrk(r, url, c, secs, headers)
                            except (ValueError, subprocess.TimeoutExpired) as e:
                                log(f"wrk {s.name} {sc['name']} c={c}: {e}")
                                continue
                            runs.setdefault((s.name, sc["name"], c), []).append(res)
                            if self.a.verbose:
                                log(f"  {s.name:10} {sc['name']:15} c={c:<4} {res.requests_per_s:10.0f} req/s "
                                    f"{res.bytes_per_s / 2**20:8.1f} MB/s  server {fmt_us(res.cpu.server_us_per_req)} "
                                    f"µs/req, core 0 {fmt_us(res.cpu.core_busy_pct)} % busy")
                    rss_end = servers.tree_rss_kb(r.proc.pid)
                    sessions.setdefault(s.name, []).append((r.started_s, rss_start, rss_end))
                    if r.proc.poll() is not None:
                        log(f"serve: {s.name} exited during the run: {servers.tail(r.log_path)}")
                finally:
                    servers.stop(r, self.registry)
                    self.forget(r)
            if ceiling_bin:
                self.measure_ceiling(ceiling_bin, root, recorded, runs)
            log(f"serve: round {rnd + 1}/{self.a.runs} done ({time.monotonic() - self.started:.0f} s elapsed)")
        # Rows: medians over the rounds.
        for name in CEILING_SCENARIOS:
            rs = runs.get((servers.Ceiling.name, name, 64), [])
            if rs:
                rps = [x.requests_per_s for x in rs]
                self.results.add("serve", name, servers.Ceiling.name, "req_per_s", measure.median(rps), 64, rps)
                # The load generator's share of its core against a responder that does no work.
                self.add_cpu_rows("serve", name, servers.Ceiling.name, 64, rs)
        if any(runs.get((servers.Ceiling.name, n, 64)) for n in CEILING_SCENARIOS):
            self.results.notes.append(
                "wrk-ceiling: wrk against a responder that does no work (Benchmarks/harness/ceiling.c replaying "
                "Hush's recorded response), i.e. the most requests/s one wrk thread drives on this machine, "
                "give or take the run-to-run noise (a few per cent); a hush/peer target above ceiling/peer "
                "cannot be met under this protocol")
        for s in srv_objs:
            for sc in scenarios:
                for c in concs:
                    if s.name in unavailable:
                        note = unavailable[s.name]
                        self.results.add("serve", sc["name"], s.name, "req_per_s", None, c, note=note)
                        continue
                    if (s.name, sc["name"]) in failed:
                        self.results.add("serve", sc["name"], s.name, "req_per_s", None, c,
                                         note=f"check failed: {failed[(s.name, sc['name'])]}")
                        continue
                    rs = runs.get((s.name, sc["name"], c), [])
                    if not rs:
                        self.results.add("serve", sc["name"], s.name, "req_per_s", None, c, note="wrk failed")
                        continue
                    errors = sum(x.socket_errors for x in rs)
                    bad = sum(x.non_2xx_3xx for x in rs) if sc["expect"] != 404 else 0
                    note = f"{errors} socket errors" if errors else ""
                    if bad:
                        note += f"{'; ' if note else ''}{bad} unexpected statuses"
                    rps = [x.requests_per_s for x in rs]
                    self.results.add("serve", sc["name"], s.name, "req_per_s", measure.median(rps), c, rps, note)
                    if sc["name"].startswith("binary"):
                        mbs = [x.bytes_per_s / 2**20 for x in rs]
                        self.results.add("serve", sc["name"], s.name, "mb_per_s", measure.median(mbs), c, mbs)
                    p99 = [x.latency_p99_ms for x in rs if x.latency_p99_ms is not None]
                    if p99:
                        self.results.add("serve", sc["name"], s.name, "p99_ms", measure.median(p99), c, p99)
                    self.add_cpu_rows("serve", sc["name"], s.name, c, rs)
            if s.name in sessions:
                ss = sessions[s.name]
                self.results.add("serve", "server", s.name, "startup_s", measure.median([x[0] for x in ss]),
                                 runs=[x[0] for x in ss])
                self.results.add("serve", "server", s.name, "rss_start_mb", ss[0][1] / 1024,
                                 runs=[x[1] / 1024 for x in ss])
                self.results.add("serve", "server", s.name, "rss_end_mb", ss[-1][2] / 1024,
                                 runs=[x[2] / 1024 for x in ss])
            elif s.name == HUSH:
                for metric in ("startup_s", "rss_start_mb", "rss_end_mb"):
                    self.results.add("serve", "server", HUSH, metric, None, note=unavailable.get(HUSH, ""))
        self.serve_root_path = root

    def add_cpu_rows(self, section: str, scenario: str, tool: str, c: int, rs: list) -> None:
        """Server CPU µs/request (process tree) in the section's own table; the pinned core's busy
        share, its µs/request and the load generator's CPU in the section's -cpu table."""
        def add(sec, metric, values):
            values = [v for v in values if v is not None]
            if values:
                self.results.add(sec, scenario, tool, metric, measure.median(values), c, values)
        add(section, "cpu_us_per_req", [getattr(x, "cpu", None) and x.cpu.server_us_per_req for x in rs])
        add(section + "-cpu", "core_busy_pct", [getattr(x, "cpu", None) and x.cpu.core_busy_pct for x in rs])
        add(section + "-cpu", "core_us_per_req", [getattr(x, "cpu", None) and x.cpu.core_us_per_req for x in rs])
        add(section + "-cpu", "server_user_us_per_req",
            [getattr(x, "cpu", None) and x.cpu.server_user_us_per_req for x in rs])
        add(section + "-cpu", "server_kernel_us_per_req",
            [getattr(x, "cpu", None) and x.cpu.server_kernel_us_per_req for x in rs])
        lg = [cpu.loadgen(x.loadgen_cpu_s, x.wall_s, x.requests) for x in rs
              if x.loadgen_cpu_s is not None and x.wall_s]
        add(section + "-cpu", "loadgen_cpu_pct", [x[0] for x in lg])
        add(section + "-cpu", "loadgen_us_per_req", [x[1] for x in lg])

    def build_ceiling(self) -> str | None:
        """Compiles ceiling.c with gcc into the work directory; None (and a note) without gcc."""
        binary = os.path.join(self.work, "ceiling")
        gcc = shutil.which("gcc") or shutil.which("cc")
        if gcc is None:
            self.results.notes.append("wrk-ceiling: not measured, no C compiler")
            return None
        src = os.path.join(HERE, "ceiling.c")
        done = subprocess.run([gcc, "-O2", "-o", binary, src], capture_output=True, text=True)
        if done.returncode != 0:
            self.results.notes.append(f"wrk-ceiling: not measured, gcc failed: {done.stderr.strip()[:200]}")
            return None
        return binary

    def measure_ceiling(self, binary: str, root: str, recorded: dict, runs: dict) -> None:
        """One wrk run at 64 connections against the ceiling responder per recorded scenario."""
        for name, (path, headers) in recorded.items():
            ceiling = servers.Ceiling(self.work, binary, path)
            try:
                r = ceiling.start(root, self.registry, "/")
            except (RuntimeError, servers.NotAvailable) as e:
                log(f"serve: wrk-ceiling {name}: {e}")
                continue
            self.running.append(r)
            try:
                url = f"http://{servers.HOST}:{r.port}/"
                res = measure.run_wrk(url, 64, self.a.duration, headers)
                runs.setdefault((ceiling.name, name, 64), []).append(res)
                if self.a.verbose:
                    log(f"  {ceiling.name:10} {name:15} c=64   {res.requests_per_s:10.0f} req/s")
            except (ValueError, subprocess.TimeoutExpired) as e:
                log(f"wrk wrk-ceiling {name}: {e}")
            finally:
                servers.stop(r, self.registry)
                self.forget(r)

    # ------------------------------------------------------------ bytes on the wire

    def section_bytes(self) -> None:
        """What a client downloads: per asset and in total, for a client accepting each encoding
        (the sibling when the collector wrote one, else the file), from each collector's output;
        then the same for two consecutive releases of a JS bundle (corpus.bundle_releases).

        The serve checks prove that the servers send exactly these sibling files. zstd and dcz
        columns appear when a collector wrote .zst/.zstd/.dcz siblings. For the bundle, the
        zstd CLI's sizes are given as a reference (tool `zstd-19 (reference)`): `zstd -19` of the new
        release, and `zstd -19 --patch-from` the previous release plus dcz's 40-byte header, i.e.
        what a dictionary-compressed (dcz) response with the previous release as the dictionary
        would weigh. Nobody serves those here; they show what dcz would save."""
        roots = {t: self.collected[t] for t in (HUSH, "whitenoise", "servestatic") if t in self.collected}
        if not roots:
            root, tool = self.serve_root()
            if root:
                roots[tool] = root
        per_asset: list[list] = []
        kinds = ("css", "js", "map", "svg", "json", "other")
        for tool, root in roots.items():
            assets = wire_sizes(root)
            groups: dict[str, dict[str, int]] = {}
            for rel, sizes in sorted(assets.items()):
                kind = rel.rsplit(".", 1)[-1] if rel.rsplit(".", 1)[-1] in kinds else "other"
                for group in ("corpus-total", f"corpus-{kind}"):
                    g = groups.setdefault(group, {})
                    for enc, size in sizes.items():
                        g[enc] = g.get(enc, 0) + size
                per_asset.append([tool, rel] + [sizes.get(e, "") for e in ENCODINGS])
            present = {e for sizes in assets.values() for e in sizes}
            for group in ["corpus-total"] + [f"corpus-{k}" for k in kinds]:
                for enc in ENCODINGS:
                    if enc in present and group in groups:
                        self.results.add("bytes", group, tool, f"{ENC_METRIC[enc]}", groups[group][enc])
        self.bytes_per_asset = per_asset
        self.bundle_bytes()
        self.release_bytes()

    def bundle_bytes(self) -> None:
        out = os.path.join(self.work, "bundle")
        shutil.rmtree(out, ignore_errors=True)
        r1, r2 = corpus.bundle_releases(out, self.a.seed)
        tools = [HUSH] + [t for t in ("whitenoise", "servestatic") if self.peer(t)]
        for tool in tools:
            if tool == HUSH and self.hush_subcommand("collect"):
                self.results.add("bytes", "bundle-release-2", HUSH, "br_bytes", None, note=f"hush: {NOT_BUILT}")
                continue
            root = os.path.join(self.work, f"bundle-root-{tool}")
            shutil.rmtree(root, ignore_errors=True)
            extra = ["--cache-dir", os.path.join(self.work, "bundle-cache")] if tool == HUSH else None
            if extra:
                shutil.rmtree(extra[1], ignore_errors=True)
            first_rel = None
            for n, src in ((1, r1), (2, r2)):
                # Consecutive deploys into one STATIC_ROOT, as a site ships them.
                res = self.run_collect(tool, [src], root, extra)
                if not res.ok:
                    self.results.add("bytes", f"bundle-release-{n}", tool, "br_bytes", None,
                                     note=f"failed: {res.first_error_line()}")
                    break
                rel = manifest_paths(root).get("js/app.bundle.js")
                sizes = wire_sizes(root, only=[rel]).get(rel, {}) if rel else {}
                if n == 1:
                    first_rel = rel
                elif rel and tool == HUSH:
                    # What a browser holding release 1 gets: Hush's dcz delta against it.
                    delta = dcz_size(root, rel, first_rel)
                    if delta is not None:
                        sizes["dcz"] = delta
                for enc in ENCODINGS:
                    if enc in sizes:
                        self.results.add("bytes", f"bundle-release-{n}", tool, ENC_METRIC[enc], sizes[enc])
        zstd = shutil.which("zstd")
        if zstd:
            ref = "zstd-19 (reference)"
            new = os.path.join(r2, "js", "app.bundle.js")
            old = os.path.join(r1, "js", "app.bundle.js")
            for n, path in ((1, old), (2, new)):
                done = subprocess.run([zstd, "-19", "-q", "-c", path], capture_output=True, timeout=300)
                if done.returncode == 0:
                    self.results.add("bytes", f"bundle-release-{n}", ref, "zstd_ref_bytes", len(done.stdout))
            done = subprocess.run([zstd, "-19", "-q", "-c", f"--patch-from={old}", new], capture_output=True,
                                  timeout=300)
            if done.returncode == 0:
                self.results.add("bytes", "bundle-release-2", ref, "dcz_ref_bytes", len(done.stdout) + DCZ_HEADER)
        with open(os.path.join(r1, "js", "app.bundle.js"), "rb") as a, open(os.path.join(r2, "js", "app.bundle.js"),
                                                                              "rb") as b:
            sa, sb = a.read(), b.read()
        self.results.notes.append(
            f"bytes: the bundle is corpus.bundle_text: {len(sa) / 1024:.0f} KiB of webpack-5-style modules; "
            f"release 2 ({len(sb) / 1024:.0f} KiB) edits 3 of its 80 modules, adds one and bumps the build id; "
            "both are collected into one STATIC_ROOT in turn. zstd-19 (reference) is the zstd CLI, not a server: "
            "dcz_ref = zstd -19 --patch-from release 1, + 40 bytes of dcz header")

    def release_bytes(self) -> None:
        """Two consecutive real releases of each bundle in releases.RELEASES, deployed in turn into
        one STATIC_ROOT per collector: the bytes a returning visitor who holds release 1 downloads
        for release 2 (only the files whose content changed; `NAME-update`), per encoding, and the
        same for every file of release 2 (a first visit; `NAME-all`). dcz is what Hush serves a
        client that offers release 1's file as its dictionary (the smallest representation where
        Hush wrote no delta); `zstd-19 (reference)` is the zstd CLI's --patch-from for comparison."""
        out = os.path.join(self.work, "releases")
        tools = [HUSH] + [t for t in ("whitenoise", "servestatic") if self.peer(t)]
        for rel in releases.RELEASES:
            try:
                old_src, new_src = (releases.extract(rel, v, self.wheel_cache, out) for v in (rel.old, rel.new))
            except (OSError, subprocess.TimeoutExpired) as e:
                self.results.notes.append(f"bytes: {rel.label}: skipped, {e}")
                continue
            changed = releases.changed_files(old_src, new_src)
            for tool in tools:
                if tool == HUSH and self.hush_subcommand("collect"):
                    continue
                root = os.path.join(self.work, f"release-root-{tool}-{rel.name}")
                shutil.rmtree(root, ignore_errors=True)
                extra = ["--cache-dir", os.path.join(self.work, "release-cache")] if tool == HUSH else None
                if extra:
                    shutil.rmtree(extra[1], ignore_errors=True)
                res = self.run_collect(tool, [old_src], root, extra)
                old_paths = manifest_paths(root)
                if res.ok:
                    res = self.run_collect(tool, [new_src], root, extra)
                if not res.ok:
                    self.results.add("bytes", f"{rel.name}-update", tool, "br_bytes", None,
                                     note=f"failed: {res.first_error_line()}")
                    continue
                new_paths = manifest_paths(root)
                for scope, names in (("update", changed), ("all", sorted(new_paths))):
                    hashed = [new_paths[n] for n in names if n in new_paths]
                    sizes = wire_sizes(root, only=hashed)
                    if scope == "update" and tool == HUSH:
                        for n in names:
                            if n in new_paths and new_paths[n] in sizes:
                                delta = dcz_size(root, new_paths[n], old_paths.get(n))
                                row = sizes[new_paths[n]]
                                row["dcz"] = delta if delta is not None else min(row.values())
                                self.bytes_per_asset.append([tool, f"{rel.name}:{n}"] +
                                                            [row.get(e, "") for e in ENCODINGS])
                    totals: dict[str, int] = {}
                    for row in sizes.values():
                        for enc, size in row.items():
                            totals[enc] = totals.get(enc, 0) + size
                    for enc in ENCODINGS:
                        if enc in totals:
                            self.results.add("bytes", f"{rel.name}-{scope}", tool, ENC_METRIC[enc], totals[enc])
            self.release_reference(rel, old_src, new_src, changed)

    def release_reference(self, rel: releases.Release, old_src: str, new_src: str, changed: list[str]) -> None:
        """The zstd CLI's sizes for the changed files of a real release: -19 alone, and -19
        --patch-from the previous version of the same file plus dcz's header (files new in the
        release count their plain -19 size)."""
        zstd = shutil.which("zstd")
        if not zstd:
            return
        plain = patched = 0
        for name in changed:
            new = os.path.join(new_src, name)
            old = os.path.join(old_src, name)
            one = subprocess.run([zstd, "-19", "-q", "-c", new], capture_output=True, timeout=600)
            if one.returncode != 0:
                return
            plain += len(one.stdout)
            if os.path.exists(old):
                two = subprocess.run([zstd, "-19", "-q", "-c", f"--patch-from={old}", new], capture_output=True,
                                     timeout=600)
                if two.returncode != 0:
                    return
                patched += min(len(two.stdout) + DCZ_HEADER, len(one.stdout))
            else:
                patched += len(one.stdout)
        ref = "zstd-19 (reference)"
        self.results.add("bytes", f"{rel.name}-update", ref, "zstd_ref_bytes", plain)
        self.results.add("bytes", f"{rel.name}-update", ref, "dcz_ref_bytes", patched)
        self.results.notes.append(
            f"bytes: {rel.label} ({rel.kind}, from the PyPI wheels): {len(changed)} files of release 2 differ "
            f"from release 1; `{rel.name}-update` totals those (a returning visitor), `{rel.name}-all` every file "
            "of release 2 (a first visit)")

    # ------------------------------------------------------------ latency under load, h2c

    def each_server(self, section: str, scenario: dict, body, h2c: bool = False) -> None:
        """Starts every available server in turn over the serve root, checks `scenario` on it and
        calls body(server, running, headers); every server is stopped again whatever happens."""
        root = getattr(self, "serve_root_path", None) or self.serve_root()[0]
        if root is None:
            self.results.notes.append(f"{section}: skipped, no STATIC_ROOT")
            return
        for s in self.server_objects(h2c=h2c):
            why = s.available() or (self.hush_subcommand("serve") if s.name == HUSH else None)
            if why:
                body(s, None, why if why.startswith("hush") or s.name != HUSH else f"hush: {why}")
                continue
            try:
                r = s.start(root, self.registry, scenario["url"])
            except (RuntimeError, servers.NotAvailable) as e:
                body(s, None, f"start failed: {e}"[:160])
                continue
            self.running.append(r)
            try:
                self.versions.setdefault(s.name, s.version() or s.name)
                ok, why, headers = self.check(r, root, scenario, s)
                body(s, r, headers if ok else f"check failed: {why}")
            finally:
                servers.stop(r, self.registry)
                self.forget(r)

    def saturation(self, tool: str, scenario: str) -> float | None:
        """The tool's closed-loop req/s on this scenario at 64 connections, when serve measured it."""
        return next((r.value for r in self.results.rows if r.section == "serve" and r.tool == tool
                     and r.scenario == scenario and r.metric == "req_per_s" and r.concurrency == 64), None)

    def section_latency(self) -> None:
        """p50/p99/p99.9 at fixed request rates below saturation: h2load --h1 --rps, 50 connections.

        A server behind a proxy lives below its peak; a closed-loop tool (wrk) only shows the peak.
        h2load sends at a constant rate per connection and logs every request's latency (from its
        send to the end of the response); a rate above 90 % of the server's closed-loop req/s from
        the serve section is not run ("above saturation"). h2load measures from the actual send, so
        a server that falls behind the schedule is not charged for the requests it delayed (the
        coordinated omission wrk2 corrects): the rows also give the rate h2load achieved."""
        if not (shutil.which("h2load") and shutil.which("taskset")):
            self.results.notes.append("latency: skipped, h2load (nghttp2-client) not installed")
            return
        root = getattr(self, "serve_root_path", None) or self.serve_root()[0]
        if root is None:
            return
        sc = next(x for x in self.scenarios(root) if x["name"] == "css-3KB")
        clients = self.a.latency_clients

        def body(s, r, headers):
            for rate in self.a.rates:
                scen = f"{sc['name']}@{rate // 1000}k" if rate >= 1000 else f"{sc['name']}@{rate}"
                if r is None or isinstance(headers, str):
                    self.results.add("latency", scen, s.name, "p99_ms", None, note=headers)
                    continue
                if not s.keeps_alive:
                    self.results.add("latency", scen, s.name, "p99_ms", None,
                                     note="not measurable: one request per connection (h2load --rps needs keep-alive)")
                    continue
                peak = self.saturation(s.name, sc["name"])
                if peak is not None and rate > 0.9 * peak:
                    self.results.add("latency", scen, s.name, "p99_ms", None,
                                     note=f"above saturation ({peak:,.0f} req/s closed-loop)")
                    continue
                log_path = os.path.join(self.work, "h2load-latency.log")
                if os.path.exists(log_path):
                    os.unlink(log_path)
                url = f"http://{servers.HOST}:{r.port}{sc['url']}"
                before = cpu.sample(r.proc.pid, servers.SERVER_CPU)
                try:
                    res = measure.run_h2load(url, clients, self.a.latency_duration, headers, h1=True,
                                             rps_per_client=rate / clients, log_path=log_path)
                except subprocess.TimeoutExpired as e:
                    self.results.add("latency", scen, s.name, "p99_ms", None,
                                     note=f"no result: h2load did not finish in {e.timeout:.0f} s")
                    continue
                except ValueError as e:
                    self.results.add("latency", scen, s.name, "p99_ms", None, note=f"h2load: {e}"[:120])
                    continue
                after = cpu.sample(r.proc.pid, servers.SERVER_CPU)
                res.cpu = cpu.account(before, after, res.requests)
                note = ""
                if res.requests_per_s < 0.97 * rate:
                    note = f"held {res.requests_per_s:,.0f} of {rate:,} req/s"
                bad = res.failed + res.errored + res.timeout
                if bad:
                    note += f"{'; ' if note else ''}{bad} failed"
                for metric, value in (("p50_ms", res.latency_p50_ms), ("p99_ms", res.latency_p99_ms),
                                      ("p999_ms", res.latency_p999_ms), ("achieved_rps", res.requests_per_s)):
                    self.results.add("latency", scen, s.name, metric, value, note=note if metric == "p99_ms" else "")
                self.add_cpu_rows("latency", scen, s.name, None, [res])
                log(f"latency {s.name:11} {scen:14} p50 {res.latency_p50_ms or 0:7.3f} ms  p99 "
                    f"{res.latency_p99_ms or 0:7.3f} ms  p99.9 {res.latency_p999_ms or 0:7.3f} ms  "
                    f"({res.requests_per_s:,.0f} req/s, server {fmt_us(res.cpu.server_us_per_req)} µs/req)"
                    + (f"  {note}" if note else ""))
        self.each_server("latency", sc, body)
        self.results.notes.append(
            f"latency: h2load -t1 --h1 -c{clients} --rps=R/{clients} for {self.a.latency_duration:g} s per rate on "
            "CPU 1, p50/p99/p99.9 from its per-request log; a rate above 90 % of the server's closed-loop req/s "
            "is not run; one h2load thread holds about 50k req/s here")

    def section_h2c(self) -> None:
        """HTTP/2 over cleartext (prior knowledge) with h2load: each server is probed with one
        request first; one that does not speak h2c is reported "not supported" (Hush today), so the
        row fills in by itself once it does. The probe also checks the status and that the body has
        the size of the sibling the HTTP/1.1 check expects."""
        if not (shutil.which("h2load") and shutil.which("taskset")):
            self.results.notes.append("h2c: skipped, h2load (nghttp2-client) not installed")
            return
        root = getattr(self, "serve_root_path", None) or self.serve_root()[0]
        if root is None:
            return
        wanted = [x for x in self.scenarios(root) if x["name"] in self.a.h2c_scenarios]
        if not wanted:
            return
        clients, streams = self.a.h2c_clients, self.a.h2c_streams

        def body(s, r, headers):
            for sc in wanted:
                if r is None or isinstance(headers, str):
                    self.results.add("h2c", sc["name"], s.name, "req_per_s", None, clients, note=headers)
                    continue
                url = f"http://{servers.HOST}:{s.h2c_port(r)}{sc['url']}"
                ok, why, probe_bytes = h2c_probe(url, headers, root, sc, own=s.own_compression)
                if not ok:
                    self.results.add("h2c", sc["name"], s.name, "req_per_s", None, clients,
                                     note=f"not supported ({why})")
                    log(f"h2c {s.name:11} {sc['name']}: not supported ({why})")
                    continue
                before = cpu.sample(r.proc.pid, servers.SERVER_CPU)
                try:
                    res = measure.run_h2load(url, clients, self.a.duration, headers, streams=streams)
                except (ValueError, subprocess.TimeoutExpired) as e:
                    self.results.add("h2c", sc["name"], s.name, "req_per_s", None, clients, note=f"h2load: {e}"[:120])
                    continue
                after = cpu.sample(r.proc.pid, servers.SERVER_CPU)
                res.cpu = cpu.account(before, after, res.requests)
                invalid = h2c_verify(res, sc, probe_bytes)
                if invalid:
                    # A run whose answers were not the file (errors, another status, other
                    # bytes) times something else: no figure, the reason instead.
                    self.results.add("h2c", sc["name"], s.name, "req_per_s", None, clients, note=invalid)
                    log(f"h2c {s.name:11} {sc['name']}: not counted ({invalid})")
                    continue
                bad = res.failed + res.errored + res.timeout
                self.results.add("h2c", sc["name"], s.name, "req_per_s", res.requests_per_s, clients,
                                 [res.requests_per_s], note=f"{bad} failed" if bad else "")
                self.add_cpu_rows("h2c", sc["name"], s.name, clients, [res])
                log(f"h2c {s.name:11} {sc['name']:10} {res.requests_per_s:10,.0f} req/s  server "
                    f"{fmt_us(res.cpu.server_us_per_req)} µs/req")
        self.each_server("h2c", wanted[0], body, h2c=True)
        self.results.notes.append(f"h2c: h2load -t1 -c{clients} -m{streams} on CPU 1, HTTP/2 with prior knowledge "
                                  "(nginx on a second listener: its h2c port speaks nothing else; hush with "
                                  "--h2c); a run counts only if every response had the expected status and "
                                  "body size")

    # ------------------------------------------------------------ scaling

    def section_scaling(self) -> None:
        hush_why = self.hush_subcommand("collect")
        serve_why = self.hush_subcommand("serve")
        for n in self.a.scaling_sizes:
            info = self.make_corpus(f"scaling-{n}", n, max(1.0, n * self.a.scaling_kb / 1024))
            scenario = f"{n}"
            out_h = os.path.join(self.work, f"scaling-{n}-hush")
            shutil.rmtree(out_h, ignore_errors=True)
            root_for_serve = None
            if hush_why:
                self.results.add("scaling", f"collect-{scenario}", HUSH, "seconds", None, note=f"hush: {hush_why}")
            else:
                res = self.run_collect(HUSH, info["sources"], out_h, ["--no-brotli", "--no-zstd", "--no-gzip"])
                self.record_scaling_collect(scenario, HUSH, res)
                if res.ok:
                    root_for_serve = out_h
            if self.peer("django") and n <= self.a.scaling_django_max:
                out_d = os.path.join(self.work, f"scaling-{n}-django")
                shutil.rmtree(out_d, ignore_errors=True)
                res = self.run_collect("django", info["sources"], out_d)
                self.record_scaling_collect(scenario, "django-manifest", res)
                if root_for_serve is None and res.ok:
                    root_for_serve = out_d
                elif res.ok:
                    shutil.rmtree(out_d, ignore_errors=True)
            # Start-up: spawn to first good response, and RSS once ready, for table-building servers.
            if root_for_serve:
                probe_rel = sorted(manifest_paths(root_for_serve).values())[0]
                for s in [servers.Hush(self.work, self.hush)] + (
                        [servers.WhiteNoiseGunicorn(self.work, self.a.venv, HERE)] if self.peer("whitenoise") else []):
                    if s.name == HUSH and serve_why:
                        self.results.add("scaling", f"startup-{scenario}", HUSH, "startup_s", None,
                                         note=f"hush: {serve_why}")
                        continue
                    if s.available():
                        continue
                    try:
                        r = s.start(root_for_serve, self.registry, "/static/" + probe_rel, timeout=300)
                    except (RuntimeError, servers.NotAvailable) as e:
                        self.results.add("scaling", f"startup-{scenario}", s.name, "startup_s", None,
                                         note=str(e)[:120])
                        continue
                    self.running.append(r)
                    rss = servers.tree_rss_kb(r.proc.pid)
                    servers.stop(r, self.registry)
                    self.forget(r)
                    log(f"startup {s.name:10} {n:>7} files: {r.started_s:6.2f} s, RSS {rss / 1024:6.1f} MB")
                    self.results.add("scaling", f"startup-{scenario}", s.name, "startup_s", r.started_s)
                    self.results.add("scaling", f"startup-{scenario}", s.name, "rss_mb", rss / 1024)
            for d in (out_h, os.path.join(self.work, f"scaling-{n}-django"), os.path.join(self.work, f"scaling-{n}")):
                shutil.rmtree(d, ignore_errors=True)
        self.scaling_connections()

    def record_scaling_collect(self, scenario: str, tool: str, res: measure.CommandResult) -> None:
        note = "" if res.ok else f"failed: {res.first_error_line()}"
        log(f"scaling collect {tool:16} {scenario:>7} files: {res.seconds:7.2f} s  "
            f"peak RSS {res.peak_rss_kb / 1024:6.1f} MB" + (f"  {note}" if note else ""))
        self.results.add("scaling", f"collect-{scenario}", tool, "seconds", res.seconds if res.ok else None,
                         note=note)
        self.results.add("scaling", f"collect-{scenario}", tool, "peak_rss_mb",
                         res.peak_rss_kb / 1024 if res.ok else None, note=note)

    def scaling_connections(self) -> None:
        if not (shutil.which("wrk") and shutil.which("taskset")):
            return
        root = getattr(self, "serve_root_path", None) or self.serve_root()[0]
        if root is None:
            return
        sc = self.scenarios(root)[0]
        candidates = [servers.Hush(self.work, self.hush)] + ([servers.Nginx(self.work)] if self.peer("nginx") else [])
        for s in candidates:
            why = s.available() or (self.hush_subcommand("serve") if s.name == HUSH else None)
            if why:
                for c in self.a.scaling_connections:
                    self.results.add("scaling", "connections", s.name, "req_per_s", None, c, note=why)
                continue
            r = s.start(root, self.registry, sc["url"])
            self.running.append(r)
            try:
                ok, why, headers = self.check(r, root, sc)
                for c in self.a.scaling_connections:
                    if not ok:
                        self.results.add("scaling", "connections", s.name, "req_per_s", None, c,
                                         note=f"check failed: {why}")
                        continue
                    try:
                        res = measure.run_wrk(f"http://{servers.HOST}:{r.port}{sc['url']}", c,
                                              self.a.side_duration, headers)
                    except (ValueError, subprocess.TimeoutExpired) as e:
                        self.results.add("scaling", "connections", s.name, "req_per_s", None, c, note=str(e)[:80])
                        continue
                    note = f"{res.socket_errors} socket errors" if res.socket_errors else ""
                    self.results.add("scaling", "connections", s.name, "req_per_s", res.requests_per_s, c, note=note)
                    log(f"connections {s.name:10} c={c:<5} {res.requests_per_s:10.0f} req/s")
            finally:
                servers.stop(r, self.registry)
                self.forget(r)

    # ------------------------------------------------------------ report

    def machine(self) -> str:
        model, cpus = "unknown CPU", 0
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name") and model == "unknown CPU":
                        model = line.split(":", 1)[1].strip()
                    if line.startswith("processor"):
                        cpus += 1
        except OSError:
            pass
        mem = ""
        try:
            with open("/proc/meminfo") as f:
                kb = int(f.readline().split()[1])
                mem = f", {kb / 2**20:.0f} GiB RAM"
        except (OSError, ValueError, IndexError):
            pass
        return f"{model}, {cpus} logical CPUs{mem}, Linux {platform.release()}"

    def report(self) -> None:
        res = self.results
        name = "quick" if self.a.quick else "latest"
        os.makedirs(self.a.results, exist_ok=True)
        base = os.path.join(self.a.results, name)
        date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        machine = self.machine()
        wall = time.monotonic() - self.started
        info = self.corpus_info
        corpus_line = (f"corpus: {info.get('files', 0)} files, {info.get('bytes', 0) / 2**20:.1f} MB, seed "
                       f"{self.a.seed}" if info else "")
        if os.path.isfile(self.hush):
            built = datetime.datetime.fromtimestamp(os.path.getmtime(self.hush), datetime.timezone.utc)
            # The binary says which commit it was built from (a HUSH_BIN not built by run.sh too).
            said = servers.version_of([self.hush, "--version"]).replace("hush ", "", 1)
            self.versions[HUSH] = (os.environ.get("HUSH_REVISION") or said) + \
                f" (binary {self.hush}, built {built:%Y-%m-%d %H:%M} UTC)"
        versions = ", ".join(f"{k} {v}".replace("  ", " ") for k, v in sorted(self.versions.items()))
        protocol = (f"wrk -t1 on CPU 1, each server on CPU 0 with one worker; Accept-Encoding: br, gzip; "
                    f"{self.a.runs} run(s), median; {self.a.duration:g} s at 64 connections, "
                    f"{self.a.side_duration:g} s at other counts")
        print()
        print(f"Hush benchmarks — {date} — {machine}")
        if corpus_line:
            print(corpus_line)
        print(protocol)
        for section in res.sections():
            header, body = res.table(section)
            print()
            print(TITLES.get(section, section))
            print(render_text_table(header, body))
        load_end = os.getloadavg()
        res.notes.append("load average (1/5/15 min) at start {:.2f}/{:.2f}/{:.2f}, at end {:.2f}/{:.2f}/{:.2f} "
                         "(this machine's 2 cores are shared; a high load means noisy figures)"
                         .format(*self.load_at_start, *load_end))
        for note in res.notes:
            print(f"note: {note}")
        print(f"\ntotal wall time {wall / 60:.1f} min")
        run = {"date": date, "machine": machine, "corpus": corpus_line, "protocol": protocol,
               "versions": versions, "wall_minutes": wall / 60}
        res.write_json(base + ".json", run)
        res.write_csv(base + ".csv")
        if getattr(self, "bytes_per_asset", None):
            import csv
            with open(base + "-bytes.csv", "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["collector", "asset"] + [f"{e}_bytes" for e in ENCODINGS])
                w.writerows(self.bytes_per_asset)
        with open(base + ".json") as f:
            report = render_markdown_report(json.load(f))
        with open(base + ".md", "w") as f:
            f.write(report)
        chart.write_svg(base + ".svg", "Hush benchmarks", self.panels(), subtitle=f"{date} — {machine}")
        log(f"wrote {base}.json, {base}.md, {base}.csv, {base}.svg")

    def panels(self) -> list[dict]:
        res = self.results
        panels = []
        serve_rows = [r for r in res.rows if r.section == "serve" and r.metric == "req_per_s"]
        scen = [s for s in dict.fromkeys(r.scenario for r in serve_rows) if not s.startswith("binary")]
        tools = sorted(dict.fromkeys(r.tool for r in serve_rows), key=lambda t: t == servers.Ceiling.name)
        for c in self.a.concurrency:
            series = series_of(serve_rows, tools, scen, lambda r, s, c=c: r.scenario == s and r.concurrency == c)
            # The ceiling is measured at 64 connections only: no empty bars elsewhere.
            series = {t: v for t, v in series.items() if t != servers.Ceiling.name or any(x is not None for x in v)}
            if scen:
                panels.append(chart.bars(f"Requests/s, {c} connection{'s' if c != 1 else ''}", "req/s",
                                         scen, series))
        # Server CPU per request: process CPU (utime+stime of the server's processes), not the
        # pinned core's busy share, which also holds whatever else ran on that core (cpu.py).
        cpu_rows = [r for r in res.rows if r.section == "serve" and r.metric == "cpu_us_per_req"]
        if cpu_rows:
            c = 64 if any(r.concurrency == 64 for r in cpu_rows) else cpu_rows[0].concurrency
            cscen = [x for x in scen if any(r.scenario == x for r in cpu_rows)]
            ctools = [t for t in tools if t != servers.Ceiling.name]
            series = series_of(cpu_rows, ctools, cscen, lambda r, x: r.scenario == x and r.concurrency == c)
            panels.append(chart.bars(f"Server CPU per request, {c} connections (µs, process CPU; lower is better)",
                                     "µs/req", cscen, series))
        lat = [r for r in res.rows if r.section == "latency" and r.metric == "p99_ms"]
        if lat:
            rates = list(dict.fromkeys(r.scenario for r in lat))
            ltools = list(dict.fromkeys(r.tool for r in lat))
            series = series_of(lat, ltools, rates, lambda r, x: r.scenario == x)
            panels.append(chart.bars("p99 latency at a fixed request rate, h2load --h1 (ms; lower is better)",
                                     "ms", rates, series))
        h2 = [r for r in res.rows if r.section == "h2c" and r.metric == "req_per_s"]
        if h2:
            hs = list(dict.fromkeys(r.scenario for r in h2))
            htools = list(dict.fromkeys(r.tool for r in h2))
            series = series_of(h2, htools, hs, lambda r, x: r.scenario == x)
            panels.append(chart.bars("h2c requests/s (h2load; n/a: not supported)", "req/s", hs, series))
        wire = [r for r in res.rows if r.section == "bytes" and r.scenario == "bundle-release-2" and r.value]
        if wire:
            metrics = list(dict.fromkeys(r.metric for r in wire))
            wtools = list(dict.fromkeys(r.tool for r in wire))
            series = series_of(wire, wtools, metrics, lambda r, m: r.metric == m, value=lambda r: r.value / 1024)
            panels.append(chart.bars("Bundle release 2 on the wire (KiB; lower is better)", "KiB",
                                     [m.replace("_bytes", "") for m in metrics], series))
        mb_rows = [r for r in res.rows if r.section == "serve" and r.metric == "mb_per_s"]
        if mb_rows or any(r.scenario.startswith("binary") for r in serve_rows):
            series = series_of(mb_rows, [t for t in tools if t != servers.Ceiling.name], self.a.concurrency,
                               lambda r, c: r.concurrency == c)
            panels.append(chart.bars("5 MB binary, MB/s", "MB/s", [f"{c} conn" for c in self.a.concurrency], series))
        col = [r for r in res.rows if r.section == "collect" and r.metric == "seconds"]
        if col:
            phases = list(dict.fromkeys(r.scenario for r in col))
            ctools = list(dict.fromkeys(r.tool for r in col))
            series = series_of(col, ctools, phases, lambda r, p: r.scenario == p)
            panels.append(chart.bars("Collect, seconds (lower is better)", "s", phases, series))
        sc = [r for r in res.rows if r.section == "scaling"]
        coll = [r for r in sc if r.scenario.startswith("collect-") and r.metric == "seconds"]
        if coll:
            series = {}
            for r in coll:
                series.setdefault(r.tool, []).append((int(r.scenario.split("-")[1]), r.value))
            panels.append(chart.lines("Collect time by tree size (hash + rewrite)", "files", "s", series,
                                      log_x=True, log_y=True))
        start = [r for r in sc if r.scenario.startswith("startup-") and r.metric in ("startup_s", "rss_mb")]
        if start:
            series = {}
            for r in start:
                label = f"{r.tool} {'start-up s' if r.metric == 'startup_s' else 'RSS MB'}"
                series.setdefault(label, []).append((int(r.scenario.split("-")[1]), r.value))
            panels.append(chart.lines("Server start-up (s) and RSS (MB) by table size", "files", "s / MB",
                                      series, log_x=True, log_y=True))
        conn = [r for r in sc if r.scenario == "connections"]
        if conn:
            series = {}
            for r in conn:
                series.setdefault(r.tool, []).append((r.concurrency, r.value))
            panels.append(chart.lines("Requests/s by connections (3 KB CSS)", "connections", "req/s", series,
                                      log_x=True))
        return panels

    # ------------------------------------------------------------ main

    def run(self) -> None:
        only = self.a.only
        # Scaling needs the main corpus too: its connection sweep serves the same 3 KB CSS.
        self.corpus_info = self.make_corpus("corpus", self.a.files, self.a.total_mb)
        sections = {"collect": self.section_collect, "collect-ci": self.section_collect_ci,
                    "collect-django": self.section_collect_django, "serve": self.section_serve,
                    "bytes": self.section_bytes, "latency": self.section_latency, "h2c": self.section_h2c,
                    "scaling": self.section_scaling}
        for name, section in sections.items():
            if name not in only:
                continue
            minutes = (time.monotonic() - self.started) / 60
            # --budget-minutes: a run that must end by a set time still writes its report; the
            # sections it never started are named, not silently missing.
            if self.a.budget_minutes and minutes > self.a.budget_minutes:
                log(f"{name}: skipped, --budget-minutes {self.a.budget_minutes:g} spent ({minutes:.1f} min)")
                self.results.notes.append(f"{name}: not run, the run's --budget-minutes {self.a.budget_minutes:g} "
                                          f"was spent after {minutes:.1f} min")
                continue
            section()
        self.report()


ENCODINGS = ("identity", "gzip", "br", "zstd", "dcz")
ENC_METRIC = {"identity": "identity_bytes", "gzip": "gz_bytes", "br": "br_bytes", "zstd": "zstd_bytes",
              "dcz": "dcz_bytes"}
SIBLINGS = {"gzip": (".gz",), "br": (".br",), "zstd": (".zst", ".zstd"), "dcz": (".dcz",)}
DCZ_HEADER = 40      # dcz: 8-byte magic + the dictionary's SHA-256 (Compression Dictionary Transport)


def wire_sizes(root: str, only: list[str] | None = None) -> dict[str, dict[str, int]]:
    """Per hashed asset in the manifest: the bytes a client accepting each encoding downloads (the
    sibling when there is one, else the file). An encoding appears only when some asset in the
    tree has that sibling; identity always."""
    rels = only if only is not None else sorted(set(manifest_paths(root).values()))
    out: dict[str, dict[str, int]] = {}
    seen: set[str] = set()
    for rel in rels:
        base = os.path.join(root, rel)
        try:
            identity = os.path.getsize(base)
        except OSError:
            continue
        sizes = {"identity": identity}
        for enc, exts in SIBLINGS.items():
            for ext in exts:
                if os.path.exists(base + ext):
                    sizes[enc] = os.path.getsize(base + ext)
                    seen.add(enc)
                    break
        out[rel] = sizes
    for sizes in out.values():
        for enc in seen:
            sizes.setdefault(enc, sizes["identity"])
    return out


def h2c_probe(url: str, headers: dict, root: str, sc: dict, own: bool = False) -> tuple[bool, str, int]:
    """One h2c request with h2load: (True, "", body bytes) when it succeeded with the expected
    status class and a body of the expected sibling's size (a server that compresses on its own,
    `own`, is held to its HTTP/1.1 check instead, which decoded its body)."""
    try:
        res = measure.run_h2load(url, 1, None, headers, requests=1)
    except (ValueError, subprocess.TimeoutExpired) as e:
        return False, str(e).splitlines()[0][:80], 0
    if res.succeeded != 1:
        return False, "h2load: the request failed", 0
    klass = f"{sc['expect'] // 100}xx"
    if res.status.get(klass) != 1:
        return False, f"status not {klass}", 0
    if sc["expect"] == 200 and sc.get("rel") and not own:
        base = os.path.join(root, sc["rel"])
        want = os.path.getsize(base + checks.SIBLING[checks.expected_encoding(base)])
        if res.data_bytes != want:
            return False, f"{res.data_bytes} body bytes, expected {want}", 0
    return True, "", res.data_bytes


def h2c_verify(res: "measure.H2loadResult", sc: dict, body_bytes: int) -> str:
    """Why a timed h2c run does not count ("" when it does): every finished request must have
    succeeded with the probe's status class, and the bodies must add up to the probe's size each
    (h2load counts DATA payload bytes), so a server answering errors, 304s or another
    representation under load is not ranked on them."""
    klass = f"{sc['expect'] // 100}xx"
    if res.requests == 0:
        return "no request finished"
    # h2load may count the status of a response that ends after the measured period (seen: nginx,
    # 57,848 2xx for 57,846 done), so the class must cover the requests, and no other class appear.
    others = sum(v for k, v in res.status.items() if k != klass)
    if res.succeeded != res.requests or res.status.get(klass, 0) < res.requests or others:
        codes = ", ".join(f"{v} {k}" for k, v in sorted(res.status.items()) if v)
        return f"{res.requests} done, {res.succeeded} succeeded, status {codes or 'none'}"
    want = body_bytes * res.requests
    if abs(res.data_bytes - want) > want // 1000:
        return f"{res.data_bytes} body bytes for {res.requests} responses of {body_bytes}"
    return ""


def fmt_us(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def compressed_totals(root: str) -> dict:
    t = {"br_bytes": 0, "gz_bytes": 0, "br_files": 0, "gz_files": 0}
    for dirpath, _, files in os.walk(root):
        for name in files:
            for ext, key in ((".br", "br"), (".gz", "gz")):
                if name.endswith(ext):
                    t[f"{key}_bytes"] += os.path.getsize(os.path.join(dirpath, name))
                    t[f"{key}_files"] += 1
    return t


def tree_bytes(root: str) -> dict:
    """Every file under root by relative path, with its bytes."""
    tree = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                tree[os.path.relpath(path, root)] = f.read()
    return tree


def dcz_size(root: str, new_rel: str, old_rel: str | None) -> int | None:
    """The size of the dictionary-compressed (dcz) representation Hush wrote of `new_rel` against
    `old_rel` as the dictionary, or None when it wrote none. Hush names a delta after both hashed
    names: `js/app.<new>.js.<old>.dcz` for `js/app.<new>.js` against `js/app.<old>.js`."""
    if not old_rel or old_rel == new_rel:
        return None
    found = re.search(r"\.([0-9a-f]{12})(?:\.[^./]*)?$", old_rel.rsplit("/", 1)[-1])
    if not found:
        return None
    try:
        return os.path.getsize(os.path.join(root, f"{new_rel}.{found.group(1)}.dcz"))
    except OSError:
        return None


def manifest_paths(root: str) -> dict:
    try:
        with open(os.path.join(root, "staticfiles.json")) as f:
            return json.load(f).get("paths", {})
    except (OSError, ValueError):
        return {}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    bench_dir = os.path.dirname(HERE)
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--quick", action="store_true",
                   help="under 3 minutes, for use while optimising (make bench-quick adds --peers nginx): a small "
                        "corpus, one scenario per kind, 2 s loads, 1 run; writes results/quick.*")
    p.add_argument("--only", default=",".join(SECTIONS), help=f"comma list of {','.join(SECTIONS)}")
    p.add_argument("--peers", default=",".join(PEERS), help=f"comma list of {','.join(PEERS)}")
    p.add_argument("--hush", default=os.environ.get("HUSH_BIN", os.path.join(os.path.dirname(bench_dir),
                                                                              ".build", "release", "hush")),
                   help="hush binary (default $HUSH_BIN or .build/release/hush)")
    p.add_argument("--venv", default=os.path.join(bench_dir, ".work", "venv"), help="venv with django etc.")
    p.add_argument("--work", default=os.path.join(bench_dir, ".work"))
    p.add_argument("--results", default=os.path.join(bench_dir, "results"))
    p.add_argument("--files", type=int, default=None, help="corpus files (default 1000; quick 300)")
    p.add_argument("--total-mb", type=float, default=None, help="corpus size (default 50; quick 12)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--duration", type=float, default=None, help="wrk seconds at 64 connections (10; quick 2)")
    p.add_argument("--side-duration", type=float, default=None,
                   help="wrk seconds at the other connection counts (2; quick 2)")
    p.add_argument("--warmup", type=float, default=None, help="wrk warm-up seconds per server start (1; quick 0)")
    p.add_argument("--runs", type=int, default=None, help="rounds per figure, median taken (3; quick 1)")
    p.add_argument("--concurrency", default=None, help="serve: connection counts (1,64,512; quick 64)")
    p.add_argument("--serve-scenarios", default=None,
                   help="serve: scenarios (all: css-3KB,js-100KB,binary-5MB,304-revalidate,404; quick css-3KB)")
    p.add_argument("--scaling-sizes", default=None, help="file counts (1000,10000,100000; quick 500,2000)")
    p.add_argument("--scaling-kb", type=float, default=1.0, help="mean file size in the scaling corpora (KB)")
    p.add_argument("--scaling-django-max", type=int, default=10000, help="largest tree Django collects")
    p.add_argument("--scaling-connections", default=None, help="(1,4,16,64,256,1024)")
    p.add_argument("--collect-timeout", type=float, default=900)
    p.add_argument("--budget-minutes", type=float, default=None,
                   help="start no further section after this many minutes (the report is still written)")
    p.add_argument("--django-apps", type=int, default=None, help="collect-django: apps (20; quick 5)")
    p.add_argument("--django-files-per-app", type=int, default=40)
    p.add_argument("--django-mb-per-app", type=float, default=0.6)
    p.add_argument("--rates", default=None, help="latency: request rates (2000,10000,20000,40000; quick 20000)")
    p.add_argument("--latency-duration", type=float, default=None, help="latency: seconds per rate (5; quick 2)")
    p.add_argument("--latency-clients", type=int, default=50, help="latency: h2load connections")
    p.add_argument("--h2c-scenarios", default=None, help="h2c: scenarios (css-3KB,js-100KB; quick css-3KB)")
    p.add_argument("--h2c-clients", type=int, default=16)
    p.add_argument("--h2c-streams", type=int, default=8, help="h2c: concurrent streams per connection")
    p.add_argument("--verbose", action="store_true", help="print every wrk result")
    a = p.parse_args(argv)
    q = a.quick
    a.files = a.files or (300 if q else 1000)
    a.total_mb = a.total_mb or (12.0 if q else 50.0)
    a.duration = a.duration or (2.0 if q else 10.0)
    a.side_duration = a.side_duration or 2.0
    a.warmup = a.warmup if a.warmup is not None else (0.0 if q else 1.0)
    a.runs = a.runs or (1 if q else 3)
    a.scaling_sizes = [int(x) for x in (a.scaling_sizes or ("2000" if q else "1000,10000,100000")).split(",")]
    a.scaling_connections = [int(x) for x in (a.scaling_connections or
                                              ("16,1024" if q else "1,4,16,64,256,1024")).split(",")]
    a.concurrency = [int(x) for x in (a.concurrency or ("64" if q else "1,64,512")).split(",")]
    a.serve_scenarios = [x for x in (a.serve_scenarios or ("css-3KB" if q else "")).split(",") if x]
    a.django_apps = a.django_apps or (5 if q else 20)
    a.rates = [int(x) for x in (a.rates or ("20000" if q else "2000,10000,20000,40000")).split(",")]
    a.latency_duration = a.latency_duration or (2.0 if q else 5.0)
    a.h2c_scenarios = (a.h2c_scenarios or ("css-3KB" if q else "css-3KB,js-100KB")).split(",")
    a.only = [x.strip() for x in a.only.split(",") if x.strip()]
    a.peers = [x.strip() for x in a.peers.split(",") if x.strip()]
    for x in a.only:
        if x not in SECTIONS:
            p.error(f"--only: unknown section {x}")
    for x in a.peers:
        if x not in PEERS:
            p.error(f"--peers: unknown peer {x} (known: {', '.join(PEERS)})")
    return a


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else min(65536, hard)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    bench = Bench(args)
    atexit.register(bench.stop_all)

    def on_signal(signum, _frame):
        bench.stop_all()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if not os.path.exists(bench.venv_python):
        log(f"no venv at {args.venv}: django/whitenoise peers are skipped (run Benchmarks/run.sh to install)")
        args.peers = [p for p in args.peers if p not in ("django", "whitenoise")]
    bench.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
