#!/usr/bin/env python3
"""Deterministic static-asset corpus for the collect and serve benchmarks.

    corpus.py --files N --out DIR [--seed S] [--total-mb M]

Writes three source directories under DIR, meant to be collected in this order:

    DIR/app      the site's own assets (first source: wins every clash)
    DIR/theme    a theme that overrides some of app's paths (shadowed files) and adds its own
    DIR/vendor   third-party assets, mounted as `vendor=DIR/vendor`

and DIR/corpus.json, which names the sources in order, the totals, the files the serve benchmark
requests (a ~3 KB CSS, a ~100 KB JS, a 5 MB incompressible video) and the CSS file the warm
collect run edits.

The mix imitates a real front-end by count and by bytes: CSS with url() and @import chains
(every reference resolves, so Django's strict ManifestStaticFilesStorage accepts the tree),
minified-looking JS with source maps, SVG, fonts, PNG/JPEG-like incompressible blobs, JSON and,
when the byte budget allows, a few multi-MB bundles. Only `random.Random(seed)` drives it: the same
arguments give the same bytes on every machine and Python 3 version.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import posixpath
import random
import shutil
import sys
from dataclasses import dataclass, field

MB = 1024 * 1024

# Share of the file count per kind (maps come with JS/CSS and are counted apart).
COUNT_SHARES = [
    ("css", 0.14),
    ("js", 0.12),
    ("svg", 0.13),
    ("png", 0.19),
    ("jpg", 0.08),
    ("gif", 0.02),
    ("webp", 0.02),
    ("woff2", 0.05),
    ("woff", 0.02),
    ("json", 0.10),
    ("txt", 0.02),
    ("html", 0.01),
]
# Median size in bytes per kind before the whole tree is scaled to --total-mb (log-normal spread).
MEDIAN_SIZE = {
    "css": 5000, "js": 14000, "svg": 2500, "png": 14000, "jpg": 45000, "gif": 6000,
    "webp": 20000, "woff2": 40000, "woff": 55000, "json": 5000, "txt": 800, "html": 3000,
}
DIRS = {
    "css": ["css", "css/components", "css/pages", "css/vendor"],
    "js": ["js", "js/pages", "js/lib", "js/widgets"],
    "svg": ["img/icons", "img/illustrations", "img"],
    "png": ["img", "img/products", "img/avatars", "img/ui"],
    "jpg": ["img/photos", "img/products", "img/banners"],
    "gif": ["img/ui"],
    "webp": ["img/photos", "img/products"],
    "woff2": ["fonts"],
    "woff": ["fonts"],
    "json": ["data", "i18n", "data/config"],
    "txt": ["", "docs"],
    "html": ["", "partials"],
}
WORDS = (
    "app header footer nav menu card grid list item button icon modal panel form input label badge "
    "alert toast hero banner product cart price user avatar profile search filter sort table row "
    "cell chart graph map layout sidebar tab tooltip dropdown carousel slide gallery thumb video "
    "player track lazy sticky shadow border theme dark light primary accent muted"
).split()
SOURCE_NAMES = ("app", "theme", "vendor")


@dataclass
class Entry:
    source: str                 # "app", "theme" or "vendor"
    rel: str                    # path inside its source dir
    kind: str
    size: int
    refs: list = field(default_factory=list)    # CSS: namespace paths of referenced assets
    imports: list = field(default_factory=list) # CSS: namespace paths of @imported CSS
    map_for: str | None = None  # .map files: namespace path of the file it maps
    has_map: bool = False

    @property
    def ns(self) -> str:
        """Path in the collected namespace (what a URL under /static/ names)."""
        return f"vendor/{self.rel}" if self.source == "vendor" else self.rel


def lognormal_size(rng: random.Random, median: int, sigma: float = 1.0) -> int:
    return max(200, int(median * math.exp(rng.gauss(0.0, sigma))))


def ident(rng: random.Random) -> str:
    return f"{rng.choice(WORDS)}-{rng.choice(WORDS)}-{rng.randrange(1000)}"


class Plan:
    """Decides every file's path, size and references before any byte is written."""

    def __init__(self, files: int, total_bytes: int, seed: int):
        self.rng = random.Random(seed)
        self.files = files
        self.total_bytes = total_bytes
        self.entries: list[Entry] = []
        self.taken: set[str] = set()    # (source, rel) keys, to keep names unique per source
        self.targets: dict[str, str] = {}

    def _name(self, source: str, kind: str, directory: str, stem: str | None = None) -> str:
        rng = self.rng
        if stem is None:
            stem = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}"
            if kind == "js" and rng.random() < 0.6:
                stem += ".min"
        for attempt in range(1000):
            base = stem if attempt == 0 else f"{stem}-{rng.randrange(100000)}"
            rel = posixpath.join(directory, f"{base}.{kind}") if directory else f"{base}.{kind}"
            if (source, rel) not in self.taken:
                self.taken.add((source, rel))
                return rel
        raise RuntimeError("could not find a free name")

    def add(self, source: str, kind: str, size: int, directory: str | None = None,
            stem: str | None = None) -> Entry:
        directory = self.rng.choice(DIRS[kind]) if directory is None else directory
        entry = Entry(source, self._name(source, kind, directory, stem), kind, size)
        self.entries.append(entry)
        return entry

    def add_map(self, owner: Entry, size: int) -> Entry:
        entry = Entry(owner.source, owner.rel + ".map", "map", size, map_for=owner.ns)
        self.taken.add((owner.source, entry.rel))
        owner.has_map = True
        self.entries.append(entry)
        return entry

    def build(self) -> None:
        rng = self.rng
        fixed: list[Entry] = []
        if self.total_bytes >= 8 * MB and self.files >= 50:
            # The serve benchmark's targets, at fixed sizes.
            css = self.add("app", "css", 3 * 1024, "css", "main")
            js = self.add("app", "js", 100 * 1024, "js", "app.min")
            video = self.add("app", "mp4", 5 * MB, "media", "intro")
            self.targets = {"css": css.ns, "js": js.ns, "binary": video.ns}
            fixed += [css, js, video]
        if self.total_bytes >= 30 * MB and self.files >= 100:
            # A few multi-MB bundles, as a real front-end has.
            for source, stem, size in (("app", "bundle.vendor", 4 * MB), ("app", "bundle.app", 2 * MB + MB // 2),
                                       ("vendor", "charts.bundle", 1 * MB + MB // 3)):
                bundle = self.add(source, "js", size, "js" if source == "app" else "dist", stem)
                fixed += [bundle, self.add_map(bundle, size // 3)]
            fixed.append(self.add("app", "json", MB + MB // 2, "data", "catalog"))
            fixed.append(self.add("vendor", "woff2", 180 * 1024, "fonts", "icons"))
            fixed.append(self.add("app", "jpg", 2 * MB, "img/banners", "hero"))
        remaining = max(0, self.files - len(fixed))
        # Count per kind; JS/CSS maps come out of the same budget.
        # Maps add about 0.8 per JS and 0.25 per CSS file; the rest is filled with PNGs below.
        counts = {kind: int(remaining * share / 1.131) for kind, share in COUNT_SHARES}
        variable: list[Entry] = []
        order = [kind for kind, _ in COUNT_SHARES]
        for kind in order:
            for _ in range(counts[kind]):
                source = rng.choices(SOURCE_NAMES, weights=(70, 18, 12))[0]
                variable.append(self.add(source, kind, lognormal_size(rng, MEDIAN_SIZE[kind])))
        # Source maps for most JS and some CSS, until the file count is met.
        for entry in list(variable):
            if len(self.entries) >= self.files:
                break
            if (entry.kind == "js" and rng.random() < 0.8) or (entry.kind == "css" and rng.random() < 0.25):
                variable.append(self.add_map(entry, max(300, entry.size * 2 // 3)))
        while len(self.entries) < self.files:
            variable.append(self.add("app", "png", lognormal_size(rng, MEDIAN_SIZE["png"])))
        # Path clashes: theme and vendor copies of some of app's paths (first source wins).
        app_files = [e for e in variable if e.source == "app" and e.kind in ("css", "png", "svg", "json")]
        clash_count = min(len(app_files), max(2, self.files // 50))
        theme_by_kind: dict[str, list[Entry]] = {}
        for e in variable:
            if e.source == "theme" and not e.has_map:
                theme_by_kind.setdefault(e.kind, []).append(e)
        for original in rng.sample(app_files, clash_count) if app_files else []:
            pool = theme_by_kind.get(original.kind)
            if not pool or ("theme", original.rel) in self.taken:
                continue
            victim = pool.pop(rng.randrange(len(pool)))
            self.taken.discard((victim.source, victim.rel))
            victim.rel = original.rel
            self.taken.add(("theme", victim.rel))
        # Scale the variable files so the tree meets --total-mb.
        budget = max(self.total_bytes - sum(e.size for e in fixed), 200 * len(variable))
        current = sum(e.size for e in variable) or 1
        for e in variable:
            e.size = max(200, int(e.size * budget / current))
        self._plan_references()

    def _plan_references(self) -> None:
        """CSS references: url() to assets, @import of CSS in a DAG at most three levels deep
        (Django stops after five post-process passes)."""
        rng = self.rng
        by_ns: dict[str, Entry] = {}
        for e in self.entries:
            by_ns.setdefault(e.ns, e)          # first source wins, as the finders do
        # What stylesheets point at, as on real sites: mostly small icons and sprites, fonts, and a
        # few large backgrounds. (Django re-reads and hashes the target of every url() it rewrites,
        # so which files CSS names, not only how many, shapes collectstatic's time.)
        images = sorted(ns for ns, e in by_ns.items() if e.kind in ("png", "jpg", "gif", "webp", "svg"))
        icons = [ns for ns in images if by_ns[ns].size <= 24 * 1024] or images
        fonts = sorted(ns for ns, e in by_ns.items() if e.kind in ("woff2", "woff"))

        def pick_asset() -> str:
            r = rng.random()
            if r < 0.8 or not images:
                return rng.choice(icons)
            return rng.choice(images)
        css = sorted((e for e in self.entries if e.kind == "css"), key=lambda e: (e.source, e.rel))
        level: dict[str, int] = {}
        importable: list[str] = []        # winners below level 2, in the order they were planned
        for e in css:
            count = max(1, min(30, e.size // 1500))
            e.refs = [pick_asset() for _ in range(count)] if images else []
            if fonts and rng.random() < 0.3:
                e.refs.append(rng.choice(fonts))
            # Only CSS already given a level can be imported, and it must sit below level 2.
            candidates = importable
            if candidates and rng.random() < 0.45:
                e.imports = sorted(set(rng.sample(candidates, min(len(candidates), rng.randint(1, 3)))))
                e.imports = [ns for ns in e.imports if ns != e.ns and by_ns[ns].kind == "css"]
            my_level = 1 + max((level[ns] for ns in e.imports), default=-1)
            if by_ns.get(e.ns) is e:
                level[e.ns] = my_level
                if my_level < 2:
                    importable.append(e.ns)


# ---------------------------------------------------------------- content

def rel_url(from_ns: str, to_ns: str) -> str:
    return posixpath.relpath(to_ns, posixpath.dirname(from_ns) or ".")


def css_bytes(rng: random.Random, e: Entry) -> bytes:
    out: list[str] = []
    for i, target in enumerate(e.imports):
        url = rel_url(e.ns, target)
        form = i % 3
        out.append(f'@import "{url}";' if form == 0 else
                   f"@import url('{url}');" if form == 1 else f'@import "{url}" screen;')
    minified = rng.random() < 0.5
    sep = "" if minified else "\n"
    refs = list(e.refs)
    props = ["display:flex", "margin:0 4px", "padding:8px 12px", "color:#3a4b5c", "border-radius:4px",
             "font-weight:600", "line-height:1.4", "position:relative", "z-index:10", "opacity:.85",
             "transition:opacity .2s ease-in", "grid-template-columns:repeat(3,1fr)", "gap:16px"]
    size = 0
    n = 0
    body: list[str] = []
    while size < e.size - 120 or refs:
        n += 1
        decls = rng.sample(props, rng.randint(2, 5))
        if refs and (rng.random() < 0.5 or size >= e.size - 120):
            target = refs.pop()
            url = rel_url(e.ns, target)
            if target.endswith((".woff", ".woff2")):
                suffix = rng.choice(["", "?v=4.7.0", "#iefix"])
                fmt = "woff2" if target.endswith("woff2") else "woff"
                rule = (f"@font-face{{font-family:f{n};src:url({url}{suffix}) format(\"{fmt}\");"
                        f"font-display:swap}}")
            else:
                quote = rng.choice(["", "'", '"'])
                if rng.random() < 0.05:
                    url = "/static/" + target     # absolute under STATIC_URL
                decls.append(f"background:url({quote}{url}{quote}) no-repeat")
                rule = f".{ident(rng)}{{{';'.join(decls)}}}"
        else:
            extra = rng.random()
            if extra < 0.02:
                decls.append("background-image:url(data:image/gif;base64,R0lGODlhAQABAAAAACw=)")
            elif extra < 0.03:
                decls.append("mask:url(#clip-shape)")
            elif extra < 0.04:
                decls.append("background:url(https://cdn.example.invalid/bg.png)")
            rule = f".{ident(rng)} .{rng.choice(WORDS)}:hover{{{';'.join(decls)}}}"
        body.append(rule)
        size += len(rule) + len(sep)
        if n > 200000:
            break
    text = "\n".join(out) + ("\n" if out else "") + sep.join(body) + "\n"
    if e.has_map:
        text += f"/*# sourceMappingURL={posixpath.basename(e.rel)}.map */\n"
    return text.encode()


JS_TOKENS = (
    "function(e,t,n){", "return ", "var ", "const ", "let ", "this.", "e.exports=", "Object.defineProperty(t,",
    "\"__esModule\",{value:!0})", "void 0", "null", "!0", "!1", "typeof ", "===", "!==", "&&", "||", "?", ":",
    ";", ",", "(", ")", "{", "}", "[", "]", ".prototype.", "new Promise(function(r,j){", "document.querySelector(",
    "addEventListener(\"click\",", "Array.isArray(", "JSON.parse(", "setTimeout(", ".length", ".push(",
    "window.", "Math.max(", "n(", "t.default=", "r.apply(this,arguments)", "\"use strict\";",
)


def js_bytes(rng: random.Random, e: Entry) -> bytes:
    names = [f"{c}{d}" for c in "abcdefghijklmnopqrstuvwxyz" for d in ("", "e", "t", "n", "r")]
    words = [w.capitalize() for w in WORDS]
    parts: list[str] = ["!function(){\"use strict\";"]
    size = len(parts[0])
    target = e.size - 60
    choice, random_ = rng.choice, rng.random
    while size < target:
        r = random_()
        if r < 0.55:
            tok = choice(JS_TOKENS)
        elif r < 0.8:
            tok = choice(names)
        elif r < 0.9:
            tok = f"\"{choice(WORDS)}{choice(words)}\""
        else:
            tok = str(rng.randrange(100000))
        parts.append(tok)
        size += len(tok)
    parts.append("}();\n")
    text = "".join(parts)
    if e.has_map:
        text += f"//# sourceMappingURL={posixpath.basename(e.rel)}.map\n"
    return text.encode()


def map_bytes(rng: random.Random, e: Entry) -> bytes:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    src = posixpath.basename(e.map_for or "x")
    head = {"version": 3, "file": src, "sources": [f"webpack:///src/{ident(rng)}.ts" for _ in range(3)],
            "names": [rng.choice(WORDS) for _ in range(20)]}
    prefix = json.dumps(head)[:-1] + ', "mappings": "'
    n = max(0, e.size - len(prefix) - 3)
    chars = rng.choices(alphabet, k=n)
    for i in range(6, n, 7):
        chars[i] = ";" if i % 91 == 0 else ","
    return (prefix + "".join(chars) + '"}\n').encode()


def svg_bytes(rng: random.Random, e: Entry) -> bytes:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {rng.randint(16, 512)} '
            f'{rng.randint(16, 512)}"><title>{rng.choice(WORDS)}</title>')
    parts = [head]
    size = len(head)
    while size < e.size - 20:
        pts = " ".join(f"{rng.choice('MLCQ')}{rng.randint(0, 512)}.{rng.randint(0, 99)} {rng.randint(0, 512)}"
                       for _ in range(rng.randint(4, 12)))
        p = f'<path fill="#{rng.randrange(0x1000000):06x}" d="{pts}Z"/>'
        parts.append(p)
        size += len(p)
    parts.append("</svg>\n")
    return "".join(parts).encode()


def json_bytes(rng: random.Random, e: Entry) -> bytes:
    items: list[str] = []
    size = 2
    while size < e.size:
        key = f'"{rng.choice(WORDS)}.{rng.choice(WORDS)}.{rng.randrange(10000)}"'
        value = f'"{" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 8)))}"'
        item = f"{key}:{value}"
        items.append(item)
        size += len(item) + 1
    return ("{" + ",".join(items) + "}\n").encode()


def text_bytes(rng: random.Random, e: Entry) -> bytes:
    words: list[str] = []
    size = 0
    while size < e.size:
        w = rng.choice(WORDS)
        words.append(w)
        size += len(w) + 1
    text = " ".join(words) + "\n"
    if e.kind == "html":
        text = f"<!doctype html><html><head><title>{words[0]}</title></head><body><p>{text}</p></body></html>\n"
    return text.encode()


MAGIC = {
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    "gif": b"GIF89a",
    "webp": b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    "woff2": b"wOF2\x00\x01\x00\x00",
    "woff": b"wOFF\x00\x01\x00\x00",
    "mp4": b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00",
}


def blob_bytes(rng: random.Random, e: Entry) -> bytes:
    magic = MAGIC[e.kind]
    return magic + rng.randbytes(max(0, e.size - len(magic)))


def content(rng: random.Random, e: Entry) -> bytes:
    if e.kind == "css":
        return css_bytes(rng, e)
    if e.kind == "js":
        return js_bytes(rng, e)
    if e.kind == "map":
        return map_bytes(rng, e)
    if e.kind == "svg":
        return svg_bytes(rng, e)
    if e.kind == "json":
        return json_bytes(rng, e)
    if e.kind in ("txt", "html"):
        return text_bytes(rng, e)
    return blob_bytes(rng, e)


# ---------------------------------------------------------------- writing

def generate(out: str, files: int, total_mb: float, seed: int) -> dict:
    plan = Plan(files, int(total_mb * MB), seed)
    plan.build()
    if os.path.exists(out):
        for name in SOURCE_NAMES:
            shutil.rmtree(os.path.join(out, name), ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    total = 0
    made_dirs: set[str] = set()
    for index, e in enumerate(plan.entries):
        # One generator per file: a file's bytes depend only on the seed and its index.
        rng = random.Random(f"{seed}:{index}")
        data = content(rng, e)
        path = os.path.join(out, e.source, e.rel)
        parent = os.path.dirname(path)
        if parent not in made_dirs:
            os.makedirs(parent, exist_ok=True)
            made_dirs.add(parent)
        with open(path, "wb") as f:
            f.write(data)
        total += len(data)
    winners: dict[str, Entry] = {}
    for e in plan.entries:
        winners.setdefault(e.ns, e)
    # The warm collect run edits one CSS file that others @import, so its dependants change too.
    imported = sorted({ns for e in plan.entries if e.kind == "css" and winners.get(e.ns) is e for ns in e.imports})
    touch = imported[0] if imported else next((e.ns for e in plan.entries if e.kind == "css"), None)
    info = {
        "seed": seed,
        "files": len(plan.entries),
        "bytes": total,
        "collected_paths": len(winners),
        "sources": [os.path.join(out, "app"), os.path.join(out, "theme"),
                    "vendor=" + os.path.join(out, "vendor")],
        "django_dirs": [os.path.join(out, "app"), os.path.join(out, "theme"),
                        ["vendor", os.path.join(out, "vendor")]],
        "targets": plan.targets,
        "touch": touch,
        "touch_path": os.path.join(out, winners[touch].source, winners[touch].rel) if touch else None,
        "kinds": {},
    }
    for e in plan.entries:
        k = info["kinds"].setdefault(e.kind, {"count": 0})
        k["count"] += 1
    with open(os.path.join(out, "corpus.json"), "w") as f:
        json.dump(info, f, indent=2, sort_keys=True)
        f.write("\n")
    return info


# ---------------------------------------------------------------- two releases of a bundle

def bundle_module(seed: str, size: int) -> str:
    """One webpack module body: minified-looking code from its own generator."""
    rng = random.Random(seed)
    return js_bytes(rng, Entry("app", "m.js", "js", size)).decode().rstrip("\n")


def bundle_text(seed: int, release: int, modules: int = 80, module_size: int = 4500) -> str:
    """A webpack-5-style production bundle: `(()=>{var e={ID:(e,t,n)=>{...}, ...}; runtime})();`.

    Release 2 is release 1 with what a routine release changes: three modules edited (their
    bodies regenerated), one module added, the build id in the runtime bumped. Everything else is
    byte-identical, as it is when a bundler's output is deterministic."""
    rng = random.Random(f"bundle:{seed}")
    ids = sorted(rng.sample(range(100, 9999), modules))
    edited = set(rng.sample(ids, 3)) if release > 1 else set()
    parts = []
    for i in ids:
        version = release if i in edited else 1
        size = module_size // 2 + random.Random(f"bundle:{seed}:{i}:size").randrange(module_size)
        parts.append(f"{i}:(e,t,n)=>{{{bundle_module(f'bundle:{seed}:{i}:{version}', size)}}}")
    if release > 1:
        new_id = 10000 + release
        parts.append(f"{new_id}:(e,t,n)=>{{{bundle_module(f'bundle:{seed}:{new_id}', module_size)}}}")
    runtime = ("var t={};function n(r){var o=t[r];if(void 0!==o)return o.exports;var i=t[r]={exports:{}};"
               "return e[r](i,i.exports,n),i.exports}n.m=e,n.p=\"/static/\",n.buildId=\"" +
               f"{random.Random(f'bundle:{seed}:build:{release}').getrandbits(64):016x}" + "\";"
               f"n({ids[0]})")
    return "(()=>{\"use strict\";var e={" + ",".join(parts) + "};" + runtime + "})();\n"


def bundle_releases(out: str, seed: int = 1, releases: int = 2) -> list[str]:
    """Writes DIR/release-N/js/app.bundle.js for N = 1..releases; returns the source directories."""
    dirs = []
    for release in range(1, releases + 1):
        d = os.path.join(out, f"release-{release}")
        os.makedirs(os.path.join(d, "js"), exist_ok=True)
        with open(os.path.join(d, "js", "app.bundle.js"), "w", encoding="utf-8") as f:
            f.write(bundle_text(seed, release))
        dirs.append(d)
    return dirs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000, help="number of files (default 1000)")
    parser.add_argument("--out", required=True, help="output directory (its app/theme/vendor are replaced)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--total-mb", type=float, default=50.0, help="approximate total size (default 50)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.files < 10:
        parser.error("--files must be at least 10")
    info = generate(args.out, args.files, args.total_mb, args.seed)
    if not args.quiet:
        print(f"corpus: {info['files']} files, {info['bytes'] / MB:.1f} MB in {args.out} "
              f"(seed {args.seed}, {info['collected_paths']} collected paths)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
