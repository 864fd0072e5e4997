"""Two consecutive real releases of widely used static bundles, from their PyPI wheels.

    python3 Benchmarks/harness/releases.py --out DIR [--cache DIR]

The bytes section collects release 1 and then release 2 of each into one STATIC_ROOT, as a site
deploys them, and measures what a returning visitor downloads for release 2. The versions are
pinned so that every run measures the same bytes; wheels are fetched once with `pip download`
(PyPI must be reachable the first time) into a cache directory and reused afterwards.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class Release:
    """One bundle: `package` at versions `old` then `new`; the files of the wheel whose path
    matches `member` (a regular expression), stored below `strip` removed."""
    name: str
    package: str
    old: str
    new: str
    strip: str
    member: str
    kind: str

    @property
    def label(self) -> str:
        return f"{self.name} {self.old}→{self.new}"


RELEASES = (
    # Django's admin: every Django site serves it; 6.0 → 6.1 are consecutive feature releases
    # (Django's "minor" versions), each at its latest patch level.
    Release("django-admin", "django", "6.0.10", "6.1.3", "django/contrib/admin/static/",
            r"django/contrib/admin/static/admin/.+", "feature release"),
    # Bokeh's minified browser bundles (bokeh.min.js and five more, 4 MB; the unminified ones name
    # source maps the wheel does not ship), 3.8.2 → 3.9.0: consecutive releases, a minor update.
    Release("bokeh", "bokeh", "3.8.2", "3.9.0", "bokeh/server/static/",
            r"bokeh/server/static/js/[^/]+\.min\.js", "minor release"),
)


def wheel(cache: str, package: str, version: str) -> str:
    """The cached wheel of package==version, downloaded first if absent; raises OSError with one
    line when pip cannot fetch it."""
    os.makedirs(cache, exist_ok=True)
    prefix = f"{package.replace('-', '_')}-{version}-".lower()
    found = [n for n in os.listdir(cache) if n.lower().startswith(prefix) and n.endswith(".whl")]
    if not found:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
             "--python-version", "3.13", "-d", cache, f"{package}=={version}"],
            capture_output=True, text=True, timeout=600)
        found = [n for n in os.listdir(cache) if n.lower().startswith(prefix) and n.endswith(".whl")]
        if done.returncode != 0 or not found:
            last = (done.stderr.strip().splitlines() or ["no wheel"])[-1]
            raise OSError(f"pip download {package}=={version}: {last}")
    return os.path.join(cache, found[0])


def extract(release: Release, version: str, cache: str, out: str) -> str:
    """Writes the release's files of `version` to OUT/NAME/VERSION (replaced); returns that
    directory, the source directory a collector is given."""
    dest = os.path.join(out, release.name, version)
    shutil.rmtree(dest, ignore_errors=True)
    pattern = re.compile(release.member)
    with zipfile.ZipFile(wheel(cache, release.package, version)) as z:
        for info in z.infolist():
            if info.is_dir() or not pattern.fullmatch(info.filename):
                continue
            rel = info.filename[len(release.strip):]
            target = os.path.join(dest, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(info) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
    if not os.path.isdir(dest):
        raise OSError(f"{release.package}=={version}: no file matches {release.member}")
    return dest


def changed_files(old_dir: str, new_dir: str) -> list[str]:
    """Relative paths (with '/') of the files of new_dir whose bytes differ from old_dir's or that
    old_dir lacks: what a visitor holding the old release must download again."""
    out = []
    for base, _, names in os.walk(new_dir):
        for n in names:
            path = os.path.join(base, n)
            rel = os.path.relpath(path, new_dir).replace(os.sep, "/")
            old = os.path.join(old_dir, rel)
            try:
                with open(old, "rb") as a, open(path, "rb") as b:
                    if a.read() == b.read():
                        continue
            except OSError:
                pass
            out.append(rel)
    return sorted(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--cache", default=None, help="wheel cache (default OUT/wheels)")
    a = p.parse_args(argv)
    cache = a.cache or os.path.join(a.out, "wheels")
    for r in RELEASES:
        try:
            old, new = (extract(r, v, cache, a.out) for v in (r.old, r.new))
        except (OSError, subprocess.TimeoutExpired) as e:
            print(f"releases: {r.label}: {e}", file=sys.stderr)
            return 1
        print(f"releases: {r.label}: {old} → {new}, {len(changed_files(old, new))} files changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
