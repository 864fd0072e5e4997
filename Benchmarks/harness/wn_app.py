"""WhiteNoise, or ServeStatic (its maintained fork, same API), as a plain WSGI app over a collected
STATIC_ROOT, for gunicorn (benchmark venv only).

    HUSH_BENCH_ROOT=STATIC_ROOT [HUSH_BENCH_MODULE=servestatic] gunicorn -w 1 -k sync wn_app:application

The app scans the root once at start-up and serves the .br/.gz siblings the collector wrote; names
carrying Django's 12-hex hash are marked immutable, as WhiteNoise does for a manifest storage
(ServeStatic: https://archmonger.github.io/ServeStatic/, "WSGI" quick start). Anything outside the
table falls through to a tiny 404 app.
"""

import importlib
import os
import re

# The module to serve with, and its middleware class: one set-up for both peers.
CLASSES = {"whitenoise": "WhiteNoise", "servestatic": "ServeStatic"}
MODULE = os.environ.get("HUSH_BENCH_MODULE", "whitenoise")
Middleware = getattr(importlib.import_module(MODULE), CLASSES[MODULE])

HASHED = re.compile(r"\.[0-9a-f]{12}\.[^/]+$")


def not_found(environ, start_response):
    body = b"Not Found\n"
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


application = Middleware(
    not_found,
    root=os.environ["HUSH_BENCH_ROOT"],
    prefix=os.environ.get("HUSH_BENCH_PREFIX", "static/"),
    max_age=60,
    immutable_file_test=lambda path, url: bool(HASHED.search(url)),
)
