"""WhiteNoise as a plain WSGI app over a collected STATIC_ROOT, for gunicorn (benchmark venv only).

    HUSH_BENCH_ROOT=STATIC_ROOT gunicorn -w 1 -k sync wn_app:application

WhiteNoise scans the root once at start-up and serves the .br/.gz siblings the collector wrote;
names carrying Django's 12-hex hash are marked immutable, as WhiteNoise does for a manifest storage.
Anything outside the table falls through to a tiny 404 app.
"""

import os
import re

from whitenoise import WhiteNoise

HASHED = re.compile(r"\.[0-9a-f]{12}\.[^/]+$")


def not_found(environ, start_response):
    body = b"Not Found\n"
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


application = WhiteNoise(
    not_found,
    root=os.environ["HUSH_BENCH_ROOT"],
    prefix=os.environ.get("HUSH_BENCH_PREFIX", "static/"),
    max_age=60,
    immutable_file_test=lambda path, url: bool(HASHED.search(url)),
)
