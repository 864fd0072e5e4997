#!/usr/bin/env python3
"""The README's Django deploy, end to end, in a real browser.

    python browser_deploy.py --hush HUSH --python DJANGO_PYTHON [--chromium chromium] [--nginx nginx]

1. `hush collect --django` collects Tests/DjangoSite into a temporary STATIC_ROOT;
2. `hush serve` serves it, gunicorn (from DJANGO_PYTHON's venv) serves the project, and nginx —
   configured with the one ```nginx block of README.md, ports substituted — proxies /static/ to
   Hush and the rest to gunicorn, all on 127.0.0.1;
3. headless Chromium, driven over the DevTools protocol on a pipe (--remote-debugging-pipe: no
   websocket, standard library only), opens /admin/login/ through nginx.

Checks: the page is 200; every /static/ request is 200; every CSS/JS response is
`Content-Encoding: br` with `immutable` in Cache-Control; the admin stylesheet is applied (a
computed style base.css and login.css set); no console error, no uncaught exception, no failed
request. Exit 0 and one summary line on stdout, or exit 1 and one line per failure on stderr.
Everything runs under one deadline (--timeout, default 90 s) and every process started is ended.
"""

import argparse
import fcntl
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = os.path.join(REPO, "Tests", "DjangoSite")


class Failure(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, predicate, deadline, process=None, log=None):
    """Polls `predicate` until it is truthy; fails at the deadline or when `process` exits."""
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if process is not None and process.poll() is not None:
            detail = open(log, errors="replace").read()[-600:] if log else ""
            raise Failure(f"{what}: exited with status {process.returncode} before it was ready: {detail.strip()}")
        time.sleep(0.05)
    raise Failure(f"{what}: not ready before the deadline")


def http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


def readme_nginx_block():
    text = open(os.path.join(REPO, "README.md"), encoding="utf-8").read()
    blocks = re.findall(r"```nginx\n(.*?)```", text, re.S)
    if len(blocks) != 1:
        raise Failure(f"README.md: expected exactly one ```nginx block, found {len(blocks)}")
    return blocks[0]


def nginx_config(block, work, nginx_port, hush_port, app_port):
    for needle in ("listen 80;", "127.0.0.1:8080", "127.0.0.1:8000"):
        if needle not in block:
            raise Failure(f"README.md's nginx block no longer contains {needle!r}; update the test with it")
    block = (block.replace("listen 80;", f"listen 127.0.0.1:{nginx_port};")
             .replace("127.0.0.1:8080", f"127.0.0.1:{hush_port}")
             .replace("127.0.0.1:8000", f"127.0.0.1:{app_port}"))
    temp = os.path.join(work, "nginx-temp")
    os.makedirs(temp, mode=0o777)
    os.chmod(temp, 0o777)  # workers may run as nobody
    return f"""daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
    access_log {work}/nginx-access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{block}
}}
"""


class DevTools:
    """Chrome DevTools protocol over --remote-debugging-pipe: NUL-terminated JSON on fds 3/4."""

    def __init__(self, chromium, profile, log):
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        # Moved above 9 first, so the dup2 onto 3 and 4 in the child cannot clobber either.
        high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD_CLOEXEC, 10)
        high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_browser_r)
        os.close(from_browser_w)

        def child_fds():
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.process = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, close_fds=False,
            preexec_fn=child_fds, start_new_session=True,
        )
        os.close(high_r)
        os.close(high_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None, deadline=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self.receive(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise Failure(f"DevTools {method}: {reply['error']}")
                return reply.get("result", {})

    def receive(self, deadline):
        """One message; events are kept in self.events as they pass."""
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Failure("Chromium: no DevTools reply before the deadline")
            ready, _, _ = select.select([self.from_browser], [], [], min(remaining, 0.5))
            if ready:
                chunk = os.read(self.from_browser, 1 << 16)
                if not chunk:
                    raise Failure(f"Chromium exited (status {self.process.poll()})")
                self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        message = json.loads(raw)
        if "method" in message:
            self.events.append(message)
        return message

    def pump_until(self, predicate, deadline):
        while not predicate():
            self.receive(deadline)

    def close(self):
        for fd in (self.to_browser, self.from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        stop(self.process)


def stop(process):
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except OSError:
        process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            process.kill()
        process.wait(timeout=5)


def run(args, work, processes, deadline):
    static_root = os.path.join(work, "staticfiles")
    env = dict(os.environ, HUSH_SITE_STATIC_ROOT=static_root, PYTHONDONTWRITEBYTECODE="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["VIRTUAL_ENV"] = os.path.dirname(os.path.dirname(args.python))

    # Release: exactly the README's command, from the directory holding manage.py.
    collect = subprocess.run([args.hush, "collect", "--django", "--quiet"], cwd=SITE, env=env,
                             capture_output=True, text=True, timeout=max(1, deadline - time.monotonic()))
    if collect.returncode != 0:
        raise Failure(f"hush collect --django failed: {collect.stderr.strip()}")

    hush_log = os.path.join(work, "hush.log")
    hush = subprocess.Popen([args.hush, "serve", "--root", static_root, "--port", "0"],
                            stdout=subprocess.PIPE, stderr=open(hush_log, "w"), text=True, start_new_session=True)
    processes.append(hush)
    # The one "serving" line, printed once listening (or nothing, if it exits first).
    if not select.select([hush.stdout], [], [], max(0, deadline - time.monotonic()))[0]:
        raise Failure("hush serve: no 'serving' line before the deadline")
    line = hush.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/static/", line)
    if not match:
        raise Failure(f"hush serve did not report its port: {line!r} {open(hush_log).read()[-400:]}")
    hush_port = int(match.group(1))

    app_port = free_port()
    app_log = os.path.join(work, "gunicorn.log")
    gunicorn = os.path.join(os.path.dirname(args.python), "gunicorn")
    app = subprocess.Popen([gunicorn, "--bind", f"127.0.0.1:{app_port}", "--workers", "1",
                            "--chdir", SITE, "site_config.wsgi"],
                           env=env, stdout=open(app_log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
    processes.append(app)

    nginx_port = free_port()
    config = os.path.join(work, "nginx.conf")
    with open(config, "w") as f:
        f.write(nginx_config(readme_nginx_block(), work, nginx_port, hush_port, app_port))
    nginx_log = os.path.join(work, "nginx-error.log")
    nginx = subprocess.Popen([args.nginx, "-p", work, "-e", nginx_log, "-c", config],
                             stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "nginx-start.log"), "w"),
                             start_new_session=True)
    processes.append(nginx)

    base = f"http://127.0.0.1:{nginx_port}"
    wait_for("gunicorn", lambda: http_ok(f"http://127.0.0.1:{app_port}/admin/login/"), deadline, app, app_log)
    wait_for("nginx", lambda: http_ok(base + "/admin/login/"), deadline, nginx, os.path.join(work, "nginx-start.log"))

    browser_log = open(os.path.join(work, "chromium.log"), "w")
    devtools = DevTools(args.chromium, os.path.join(work, "profile"), browser_log)
    processes.append(devtools)
    target = devtools.send("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
    session = devtools.send("Target.attachToTarget", {"targetId": target, "flatten": True}, deadline=deadline)["sessionId"]
    for domain in ("Network", "Runtime", "Log", "Page"):
        devtools.send(f"{domain}.enable", session=session, deadline=deadline)
    devtools.send("Page.navigate", {"url": base + "/admin/login/"}, session=session, deadline=deadline)
    devtools.pump_until(lambda: any(e["method"] == "Page.loadEventFired" for e in devtools.events), deadline)

    # Every request the page made has finished (or failed) before the checks.
    def settled():
        started = {e["params"]["requestId"] for e in devtools.events if e["method"] == "Network.requestWillBeSent"}
        ended = {e["params"]["requestId"] for e in devtools.events
                 if e["method"] in ("Network.loadingFinished", "Network.loadingFailed")}
        return started <= ended
    devtools.pump_until(settled, deadline)

    style = devtools.send("Runtime.evaluate", {"returnByValue": True, "expression": """(() => {
        const body = getComputedStyle(document.body);
        const container = document.querySelector('#container');
        return {bodyMargin: body.margin, bodyFont: body.fontFamily,
                containerWidth: container ? getComputedStyle(container).width : null,
                containerEm: container ? parseFloat(getComputedStyle(container).width) / parseFloat(getComputedStyle(container).fontSize) : null,
                sheets: document.styleSheets.length};
    })()"""}, session=session, deadline=deadline)["result"]["value"]

    failures = []
    responses = [e["params"] for e in devtools.events if e["method"] == "Network.responseReceived"]
    static = [r for r in responses if r["response"]["url"].startswith(base + "/static/")]
    page = [r for r in responses if r["response"]["url"] == base + "/admin/login/"]
    if not page or page[0]["response"]["status"] != 200:
        failures.append(f"/admin/login/: status {page[0]['response']['status'] if page else 'none'}")
    if not any(r["type"] == "Stylesheet" for r in static) or not any(r["type"] == "Script" for r in static):
        failures.append(f"expected stylesheets and scripts under /static/, saw {[r['response']['url'] for r in static]}")
    for r in static:
        response = r["response"]
        headers = {k.lower(): v for k, v in response["headers"].items()}
        url = response["url"][len(base):]
        if response["status"] != 200:
            failures.append(f"{url}: status {response['status']}")
        if r["type"] in ("Stylesheet", "Script"):
            if headers.get("content-encoding") != "br":
                failures.append(f"{url}: Content-Encoding {headers.get('content-encoding')!r}, expected br")
            if "immutable" not in headers.get("cache-control", ""):
                failures.append(f"{url}: Cache-Control {headers.get('cache-control')!r}, expected immutable")
    for e in devtools.events:
        p = e["params"]
        if e["method"] == "Network.loadingFailed":
            failures.append(f"request failed: {p.get('errorText')} ({p.get('type')})")
        elif e["method"] == "Runtime.exceptionThrown":
            failures.append(f"uncaught exception: {p['exceptionDetails'].get('text')} {p['exceptionDetails'].get('exception', {}).get('description', '')}")
        elif e["method"] == "Runtime.consoleAPICalled" and p["type"] in ("error", "assert"):
            failures.append(f"console.{p['type']}: {[a.get('value', a.get('description')) for a in p['args']]}")
        elif e["method"] == "Log.entryAdded" and p["entry"]["level"] == "error":
            failures.append(f"console error: {p['entry']['text']} ({p['entry'].get('url', '')})")
    # base.css: `body { margin: 0 }` (a browser's default is 8px); login.css: `.login #container
    # { width: 28em }` (without it, a block as wide as the viewport).
    if style["bodyMargin"] != "0px":
        failures.append(f"admin stylesheet not applied: body margin {style['bodyMargin']!r}, base.css sets 0")
    if style["containerEm"] != 28:
        failures.append(f"admin stylesheet not applied: #container width {style['containerWidth']!r}, login.css sets 28em")
    if failures:
        raise Failure("\n".join(failures))
    scripts = sum(r["type"] == "Script" for r in static)
    sheets = sum(r["type"] == "Stylesheet" for r in static)
    return (f"browser: /admin/login/ through nginx: {len(static)} /static/ requests all 200 "
            f"({sheets} stylesheets, {scripts} scripts, all br + immutable), body margin 0px, "
            f"#container {style['containerWidth']} (28em), no console errors")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hush", required=True)
    parser.add_argument("--python", required=True, help="the venv's python (gunicorn beside it)")
    parser.add_argument("--chromium", default="chromium")
    parser.add_argument("--nginx", default="nginx")
    parser.add_argument("--timeout", type=float, default=90)
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = parser.parse_args()
    args.hush, args.python = os.path.abspath(args.hush), os.path.abspath(args.python)
    for tool in ("chromium", "nginx"):
        path = shutil.which(getattr(args, tool)) or (getattr(args, tool) if os.path.isfile(getattr(args, tool)) else None)
        if not path:
            sys.stderr.write(f"browser: {tool} not found: apt-get install -y chromium nginx (make test does it when root)\n")
            return 1
        setattr(args, tool, path)
    if not os.path.isfile(os.path.join(os.path.dirname(args.python), "gunicorn")):
        sys.stderr.write(f"browser: no gunicorn beside {args.python}: pip install gunicorn into that venv (make test does)\n")
        return 1
    deadline = time.monotonic() + args.timeout
    work = tempfile.mkdtemp(prefix="hush-browser-")
    os.chmod(work, 0o755)
    processes = []
    try:
        print(run(args, work, processes, deadline))
        return 0
    except (Failure, subprocess.TimeoutExpired, OSError) as error:
        for line in str(error).splitlines():
            sys.stderr.write(f"browser: {line}\n")
        sys.stderr.write(f"browser: logs in {work}\n" if args.keep else "")
        return 1
    finally:
        for process in reversed(processes):
            if isinstance(process, DevTools):
                process.close()
            else:
                stop(process)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
