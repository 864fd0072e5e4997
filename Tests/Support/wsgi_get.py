#!/usr/bin/env python3
"""GET URL paths from Tests/DjangoSite's WSGI application in-process, as a server would, and
print one JSON object per line: {"path", "status", "headers" (lower-case names), "body" (latin-1)}.

    HUSH_SITE_STATIC_ROOT=... [HUSH_SITE_WHITENOISE=1] python wsgi_get.py [--accept-encoding E] PATH...

With HUSH_SITE_WHITENOISE=1 the project runs WhiteNoise's middleware over STATIC_ROOT: the
single-port set-up the README describes. No socket, no server: the WSGI callable itself.
"""
import io
import json
import os
import sys

sys.dont_write_bytecode = True
SITE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "DjangoSite")
sys.path.insert(0, SITE)
os.environ["DJANGO_SETTINGS_MODULE"] = "site_config.settings"

from django.core.wsgi import get_wsgi_application  # noqa: E402


def main(argv):
    accept = "br, gzip"
    if argv[:1] == ["--accept-encoding"]:
        accept, argv = argv[1], argv[2:]
    application = get_wsgi_application()
    for path in argv:
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT_ENCODING": accept,
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        reply = {}

        def start_response(status, headers, exc_info=None):
            reply["status"] = int(status.split()[0])
            reply["headers"] = {name.lower(): value for name, value in headers}

        result = application(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        print(json.dumps({"path": path, "status": reply["status"], "headers": reply["headers"], "body": body.decode("latin-1")}))


if __name__ == "__main__":
    main(sys.argv[1:])
