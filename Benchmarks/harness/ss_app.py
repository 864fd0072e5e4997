"""ServeStatic as a plain WSGI app over a collected STATIC_ROOT, for gunicorn (benchmark venv only).

    HUSH_BENCH_ROOT=STATIC_ROOT gunicorn -w 1 -k sync ss_app:application

The same set-up as wn_app.py (ServeStatic keeps WhiteNoise's API: https://archmonger.github.io/ServeStatic/
"WSGI" quick start): the root is scanned once at start-up, the .br/.gz siblings are served, names
carrying Django's 12-hex hash are immutable, anything else falls through to a tiny 404 app.
"""

import os
import re

from servestatic import ServeStatic

HASHED = re.compile(r"\.[0-9a-f]{12}\.[^/]+$")


def not_found(environ, start_response):
    body = b"Not Found\n"
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


application = ServeStatic(
    not_found,
    root=os.environ["HUSH_BENCH_ROOT"],
    prefix=os.environ.get("HUSH_BENCH_PREFIX", "static/"),
    max_age=60,
    immutable_file_test=lambda path, url: bool(HASHED.search(url)),
)
