#!/usr/bin/env python3
"""Dictionary-compressed updates (RFC 9842 dcz) in a real browser.

    python3 browser_dcz.py --hush HUSH [--chromium chromium] [--timeout 90]

1. A small site — two pages and one bundle, js/app.js — is collected twice into one STATIC_ROOT
   with `hush collect --keep-versions 2`: release 1, then release 2 (the bundle changed by one
   line), so release 2 holds the delta js/app.<v2>.js.<v1>.dcz;
2. `hush serve` serves it on 127.0.0.1; the browser opens http://localhost:PORT (a secure
   context, as RFC 9842 requires, without TLS);
3. headless Chromium, over the DevTools protocol on a pipe (browser_deploy.DevTools), with one
   --user-data-dir: page v1 (its bundle arrives with Use-As-Dictionary and becomes a dictionary),
   then page v2; then page v2 again in a fresh browser context that holds no dictionary.

Checks: v1's bundle carries `Use-As-Dictionary: match="/static/js/app.*.js"`; v2's bundle is
requested with `Available-Dictionary` naming v1's SHA-256 and arrives `Content-Encoding: dcz`;
both bundles ran (each writes its version into the page); a JSON file fetch()ed by the page
(`match-dest=()`, any destination) arrives dcz in v2 too and parses; without the dictionary v2's
bundle arrives br.
Prints bytes on the wire for v2's bundle with and without the dictionary. Exit 0 and one line on
stdout, or exit 1 and one line per failure on stderr; one deadline; every process is ended.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_deploy import DevTools, Failure, stop, wait_for  # noqa: E402


def bundle(version):
    """About 40 KB of varied code; the release changes one line, as a minor version would."""
    lines = []
    state = 7
    for i in range(800):
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        lines.append(f"function helper{i}(a, b) {{ return (a * {state >> 44} + b) % {i + 3}; }}")
    lines.insert(400, f'const RELEASE = "{version}.0";')
    lines.append(f'document.getElementById("out").textContent = "bundle " + RELEASE + " ran";')
    return "\n".join(lines) + "\n"


def data(version):
    """About 20 KB of JSON that fetch() loads: match-dest=() lets any destination use it."""
    rows = [{"id": i, "name": f"item {i}", "weight": (i * 7919) % 1009} for i in range(400)]
    return json.dumps({"release": f"{version}.0", "rows": rows}, indent=1) + "\n"


def page(version, hashed, data_name):
    return (f"<!doctype html><title>v{version}</title><p id=out>not run</p><p id=data>not fetched</p>\n"
            f'<script src="/static/{hashed}"></script>\n'
            f"<script>fetch('/static/{data_name}').then(r => r.json())"
            f".then(j => {{ document.getElementById('data').textContent = 'data ' + j.release; }});</script>\n")


def status(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def hashed_name(content, stem="js/app", ext=".js"):
    return stem + "." + hashlib.md5(content.encode()).hexdigest()[:12] + ext


def collect(args, source, root, deadline):
    result = subprocess.run([args.hush, "collect", source, "--output", root, "--keep-versions", "2",
                             "--no-cache"], capture_output=True, text=True,
                            timeout=max(1, deadline - time.monotonic()))
    if result.returncode != 0:
        raise Failure(f"hush collect failed: {result.stderr.strip()}")
    return result.stdout.strip()


def load(devtools, session, url, deadline):
    """Navigates and waits until the load event and every request it started have finished."""
    start = len(devtools.events)
    devtools.send("Page.navigate", {"url": url}, session=session, deadline=deadline)

    def events():
        return [e for e in devtools.events[start:] if e.get("sessionId") == session]

    devtools.pump_until(lambda: any(e["method"] == "Page.loadEventFired" for e in events()), deadline)

    def settled():
        started = {e["params"]["requestId"] for e in events() if e["method"] == "Network.requestWillBeSent"}
        ended = {e["params"]["requestId"] for e in events()
                 if e["method"] in ("Network.loadingFinished", "Network.loadingFailed")}
        return started <= ended
    devtools.pump_until(settled, deadline)
    text = devtools.send("Runtime.evaluate", {"returnByValue": True,
                                              "expression": "document.getElementById('out').textContent"},
                         session=session, deadline=deadline)["result"].get("value")
    return events(), text


def exchange(events, path):
    """Request headers, response headers and bytes on the wire of the request for `path`."""
    ids = [e["params"]["requestId"] for e in events
           if e["method"] == "Network.requestWillBeSent" and e["params"]["request"]["url"].endswith(path)]
    if not ids:
        raise Failure(f"{path}: never requested")
    rid = ids[-1]
    request, response, wire = {}, {}, None
    for e in events:
        p = e["params"]
        if p.get("requestId") != rid:
            continue
        if e["method"] == "Network.requestWillBeSentExtraInfo":
            request.update({k.lower(): v for k, v in p["headers"].items()})
        elif e["method"] == "Network.responseReceivedExtraInfo":
            response.update({k.lower(): v for k, v in p["headers"].items()})
        elif e["method"] == "Network.responseReceived":
            for k, v in p["response"]["headers"].items():
                response.setdefault(k.lower(), v)
        elif e["method"] == "Network.loadingFinished":
            wire = p["encodedDataLength"]
        elif e["method"] == "Network.loadingFailed":
            raise Failure(f"{path}: {p.get('errorText')}")
    return request, response, wire


def run(args, work, processes, deadline):
    source = os.path.join(work, "site")
    root = os.path.join(work, "staticfiles")
    os.makedirs(os.path.join(source, "js"))
    os.makedirs(os.path.join(source, "data"))
    v1, v2 = bundle(1), bundle(2)
    h1, h2 = hashed_name(v1), hashed_name(v2)
    d1, d2 = data(1), data(2)
    j1, j2 = hashed_name(d1, "data/config", ".json"), hashed_name(d2, "data/config", ".json")
    for name, text in (("v1.html", page(1, h1, j1)), ("v2.html", page(2, h2, j2))):
        with open(os.path.join(source, name), "w") as f:
            f.write(text)
    with open(os.path.join(source, "js", "app.js"), "w") as f:
        f.write(v1)
    with open(os.path.join(source, "data", "config.json"), "w") as f:
        f.write(d1)
    collect(args, source, root, deadline)

    hush_log = os.path.join(work, "hush.log")
    hush = subprocess.Popen([args.hush, "serve", "--root", root, "--port", "0"], stdout=subprocess.PIPE,
                            stderr=open(hush_log, "w"), text=True, start_new_session=True)
    processes.append(hush)
    if not select.select([hush.stdout], [], [], max(0, deadline - time.monotonic()))[0]:
        raise Failure("hush serve: no 'serving' line before the deadline")
    match = re.search(r"http://127\.0\.0\.1:(\d+)/static/", hush.stdout.readline())
    if not match:
        raise Failure(f"hush serve did not report its port: {open(hush_log).read()[-400:]}")
    base = f"http://localhost:{match.group(1)}/static/"

    devtools = DevTools(args.chromium, os.path.join(work, "profile"), open(os.path.join(work, "chromium.log"), "w"))
    processes.append(devtools)

    def tab(context=None):
        params = {"url": "about:blank"}
        if context:
            params["browserContextId"] = context
        target = devtools.send("Target.createTarget", params, deadline=deadline)["targetId"]
        session = devtools.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                deadline=deadline)["sessionId"]
        for domain in ("Network", "Runtime", "Page"):
            devtools.send(f"{domain}.enable", session=session, deadline=deadline)
        return session

    failures = []
    session = tab()
    events, text = load(devtools, session, base + "v1.html", deadline)
    _, first, _ = exchange(events, h1)
    if 'match="/static/js/app.*.js"' not in first.get("use-as-dictionary", ""):
        failures.append(f"v1 bundle: Use-As-Dictionary {first.get('use-as-dictionary')!r}")
    if text != "bundle 1.0 ran":
        failures.append(f"v1 page: {text!r}, expected the v1 bundle to have run")
    _, first_data, _ = exchange(events, j1)
    if first_data.get("use-as-dictionary") != 'match="/static/data/config.*.json", match-dest=()':
        failures.append(f"v1 data: Use-As-Dictionary {first_data.get('use-as-dictionary')!r}")

    # Release 2, deployed under the running server: collect, then SIGHUP reloads the table.
    with open(os.path.join(source, "js", "app.js"), "w") as f:
        f.write(v2)
    with open(os.path.join(source, "data", "config.json"), "w") as f:
        f.write(d2)
    summary = collect(args, source, root, deadline)
    delta = os.path.join(root, h2 + "." + h1[len("js/app."):-len(".js")] + ".dcz")
    if not os.path.isfile(delta):
        raise Failure(f"release 2 wrote no delta {os.path.relpath(delta, root)}: {summary}")
    hush.send_signal(signal.SIGHUP)
    wait_for("hush serve reload", lambda: status(base.replace("localhost", "127.0.0.1") + h2) == 200, deadline,
             hush, hush_log)

    # The dictionary was stored once v1's response was complete; v2's request names it.
    events, text = load(devtools, session, base + "v2.html", deadline)
    asked, answer, with_dictionary = exchange(events, h2)
    expected = ":" + base64.b64encode(hashlib.sha256(v1.encode()).digest()).decode() + ":"
    if asked.get("available-dictionary") != expected:
        failures.append(f"v2 bundle: Available-Dictionary {asked.get('available-dictionary')!r}, expected {expected}")
    if answer.get("content-encoding") != "dcz":
        failures.append(f"v2 bundle: Content-Encoding {answer.get('content-encoding')!r}, expected dcz "
                        f"(Accept-Encoding {asked.get('accept-encoding')!r})")
    if "available-dictionary" not in answer.get("vary", "").lower():
        failures.append(f"v2 bundle: Vary {answer.get('vary')!r}")
    if text != "bundle 2.0 ran":
        failures.append(f"v2 page: {text!r}, expected the v2 bundle (decoded from dcz) to have run")
    # The JSON's dictionary has match-dest=() (any destination): fetch() uses it too.
    asked_data, answer_data, _ = exchange(events, j2)
    if answer_data.get("content-encoding") != "dcz":
        failures.append(f"v2 data: Content-Encoding {answer_data.get('content-encoding')!r}, expected dcz "
                        f"(Available-Dictionary {asked_data.get('available-dictionary')!r})")
    # The fetch's promise resolves after its response finished: poll the page, bounded.
    def fetched_text():
        return devtools.send("Runtime.evaluate", {"returnByValue": True,
                                                  "expression": "document.getElementById('data').textContent"},
                             session=session, deadline=deadline)["result"].get("value")
    fetched = fetched_text()
    polls = 0
    while fetched == "not fetched" and polls < 100 and time.monotonic() < deadline:
        time.sleep(0.05)
        fetched, polls = fetched_text(), polls + 1
    if fetched != "data 2.0":
        failures.append(f"v2 page: fetched data {fetched!r}, expected the v2 JSON (decoded from dcz)")

    # The same page in a context that never saw v1: no dictionary, the usual negotiation.
    context = devtools.send("Target.createBrowserContext", deadline=deadline)["browserContextId"]
    events, text = load(devtools, tab(context), base + "v2.html", deadline)
    asked, plain, without_dictionary = exchange(events, h2)
    if "available-dictionary" in asked or plain.get("content-encoding") != "br":
        failures.append(f"fresh context: Available-Dictionary {asked.get('available-dictionary')!r}, "
                        f"Content-Encoding {plain.get('content-encoding')!r}, expected none and br")
    if text != "bundle 2.0 ran":
        failures.append(f"fresh context v2 page: {text!r}")
    if failures:
        raise Failure("\n".join(failures))
    return (f"browser dcz: v2 bundle ({len(v2)} B) over the wire {with_dictionary} B with the v1 dictionary "
            f"(dcz, delta file {os.path.getsize(delta)} B), {without_dictionary} B without (br, "
            f"{os.path.getsize(os.path.join(root, h2 + '.br'))} B body); both pages ran their bundle; "
            f"the fetch()ed JSON (match-dest=()) arrived dcz too")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hush", required=True)
    parser.add_argument("--chromium", default="chromium")
    parser.add_argument("--timeout", type=float, default=90)
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    args = parser.parse_args()
    args.hush = os.path.abspath(args.hush)
    chromium = shutil.which(args.chromium) or (args.chromium if os.path.isfile(args.chromium) else None)
    if not chromium:
        sys.stderr.write("browser dcz: chromium not found: apt-get install -y chromium (make test does it when root)\n")
        return 1
    args.chromium = chromium
    deadline = time.monotonic() + args.timeout
    work = tempfile.mkdtemp(prefix="hush-dcz-")
    processes = []
    try:
        print(run(args, work, processes, deadline))
        return 0
    except (Failure, subprocess.TimeoutExpired, OSError, KeyError) as error:
        for line in str(error).splitlines():
            sys.stderr.write(f"browser dcz: {line}\n")
        sys.stderr.write(f"browser dcz: logs in {work}\n" if args.keep else "")
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
