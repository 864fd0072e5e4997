"""The check every server passes before a scenario is timed: one request, as the load tool will
send it, must give the expected status, the expected Content-Encoding and the exact bytes.

For a 200 the expected representation is the best sibling on disk for `Accept-Encoding: br, gzip`
(br, else gzip, else the file itself), and the body must equal that file byte for byte. A server
that compresses by itself instead of serving siblings (lighttpd, see servers.Lighttpd) must still
choose that encoding, and its body, decoded, must equal the file. A 304 is checked with the ETag
the same server gave on a first request.
"""

from __future__ import annotations

import gzip
import http.client
import os
import subprocess
from typing import Callable

ACCEPT = {"Accept-Encoding": "br, gzip"}
SIBLING = {"br": ".br", "gzip": ".gz", None: ""}


def expected_encoding(path: str) -> str | None:
    """What a correct server sends for `Accept-Encoding: br, gzip`, from the siblings on disk."""
    return "br" if os.path.exists(path + ".br") else "gzip" if os.path.exists(path + ".gz") else None


def venv_brotli(python: str) -> Callable[[bytes], bytes] | None:
    """A Brotli decoder: the brotli module when this Python has it, else the bench venv's (the
    harness itself is stdlib only)."""
    try:
        import brotli  # type: ignore
        return brotli.decompress
    except ImportError:
        pass
    if not python or not os.path.exists(python):
        return None

    def decode(data: bytes) -> bytes:
        done = subprocess.run([python, "-c", "import brotli, sys; sys.stdout.buffer.write("
                               "brotli.decompress(sys.stdin.buffer.read()))"],
                              input=data, capture_output=True, timeout=60)
        if done.returncode != 0:
            raise ValueError(done.stderr.decode(errors="replace").strip()[-200:])
        return done.stdout
    return decode


def check(host: str, port: int, root: str, sc: dict, own_compression: bool = False,
          decoders: dict | None = None, timeout: float = 10) -> tuple[bool, str, dict]:
    """sc: {"url", "rel" (path under root, None for a 404), "expect" (200, 304 or 404)}.
    Returns (ok, reason, the headers the load tool must send)."""
    headers = dict(ACCEPT)
    try:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        if sc["expect"] == 304:
            conn.request("GET", sc["url"], headers=headers)
            first = conn.getresponse()
            first.read()
            etag = first.getheader("ETag")
            if not etag:
                return False, "no ETag on the 200 response", headers
            headers["If-None-Match"] = etag
        conn.request("GET", sc["url"], headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
    except OSError as e:
        return False, f"request failed: {e}", headers
    if resp.status != sc["expect"]:
        return False, f"status {resp.status}, expected {sc['expect']}", headers
    if sc["expect"] != 200:
        return True, f"{resp.status}", headers
    base = os.path.join(root, sc["rel"])
    want = expected_encoding(base)
    got = resp.getheader("Content-Encoding") or None
    if got != want:
        return False, f"Content-Encoding {got or 'none'}, expected {want or 'none'}", headers
    if own_compression and want is not None:
        decode = (decoders or {}).get(want, gzip.decompress if want == "gzip" else None)
        if decode is None:
            return False, f"cannot decode {want} to check the body", headers
        try:
            body = decode(body)
        except (OSError, ValueError, EOFError) as e:
            return False, f"{want} body does not decode: {e}", headers
        path = base
    else:
        path = base + SIBLING[want]
    with open(path, "rb") as f:
        if f.read() != body:
            return False, f"body differs from {os.path.basename(path)} ({len(body)} bytes)", headers
    how = f"{want or 'identity'}{' (own compression, decoded)' if own_compression and want else ''}"
    return True, f"200 {how}", headers
