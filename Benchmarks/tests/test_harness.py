"""Smoke tests of the benchmark harness (stdlib unittest; part of `make test` via `make bench-smoke`).

They run in a couple of seconds and start no server: the corpus generator is deterministic and
every reference in it resolves (so Django's strict manifest storage accepts it), the chart writer
produces well-formed SVG naming every series, and wrk's output and the hush/peer ratios are read
as intended.
"""

import hashlib
import os
import posixpath
import re
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "harness"))

import chart  # noqa: E402
import corpus  # noqa: E402
import measure  # noqa: E402
from results import Results  # noqa: E402

# Django 6.1's ManifestStaticFilesStorage patterns (case-insensitive, as Django compiles them).
CSS_PATTERNS = [
    re.compile(r"""(?P<matched>url\((?P<quote>['"]{0,1})\s*(?P<url>.*?)(?P=quote)\))""", re.I),
    re.compile(r"""(?P<matched>@import\s*["']\s*(?P<url>.*?)["'])""", re.I),
    re.compile(r"(?m)^(?P<matched>/\*#[ \t](?-i:sourceMappingURL)=(?P<url>.*)[ \t]*\*/)$", re.I),
]
JS_PATTERNS = [re.compile(r"(?m)^(?P<matched>//# (?-i:sourceMappingURL)=(?P<url>.*))$", re.I)]

SMALL = {"files": 150, "total_mb": 9.0}     # big enough for the serve targets, small enough to be quick


def tree_digest(root: str) -> dict:
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return out


def namespace(out: str) -> dict:
    """Collected path -> file on disk, first source winning (app, theme, then vendor/ prefix)."""
    ns = {}
    for source, prefix in (("app", ""), ("theme", ""), ("vendor", "vendor/")):
        base = os.path.join(out, source)
        for dirpath, _, files in os.walk(base):
            for name in files:
                path = os.path.join(dirpath, name)
                ns.setdefault(prefix + os.path.relpath(path, base).replace(os.sep, "/"), path)
    return ns


def references(name: str, text: str) -> list:
    patterns = CSS_PATTERNS if name.endswith(".css") else JS_PATTERNS if name.endswith(".js") else []
    return [m.group("url") for p in patterns for m in p.finditer(text)]


class CorpusTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = os.path.join(cls.tmp.name, "a")
        cls.info = corpus.generate(cls.out, SMALL["files"], SMALL["total_mb"], seed=7)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_same_seed_writes_the_same_bytes(self):
        again = os.path.join(self.tmp.name, "b")
        corpus.generate(again, SMALL["files"], SMALL["total_mb"], seed=7)
        first = tree_digest(self.out)
        second = tree_digest(again)
        first.pop("corpus.json")
        second.pop("corpus.json")
        self.assertEqual(first, second)

    def test_another_seed_writes_other_bytes(self):
        other = os.path.join(self.tmp.name, "c")
        corpus.generate(other, SMALL["files"], SMALL["total_mb"], seed=8)
        self.assertNotEqual(tree_digest(self.out), tree_digest(other))

    def test_file_count_and_size_match_the_request(self):
        ns_files = sum(len(files) for _, _, files in os.walk(self.out)) - 1   # minus corpus.json
        self.assertEqual(ns_files, SMALL["files"])
        self.assertAlmostEqual(self.info["bytes"] / corpus.MB, SMALL["total_mb"], delta=SMALL["total_mb"] * 0.1)

    def test_every_reference_resolves_in_the_collected_namespace(self):
        ns = namespace(self.out)
        checked = 0
        for rel, path in ns.items():
            if not rel.endswith((".css", ".js")):
                continue
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for url in references(rel, text):
                if url.startswith(("data:", "#", "//")) or re.match(r"^[a-z][a-z0-9+.-]*:", url):
                    continue      # Django leaves these alone
                # Django strips the path (its CSS source-map pattern keeps the space before "*/").
                target = url.split("#", 1)[0].split("?", 1)[0].strip()
                if target.startswith("/static/"):
                    resolved = target[len("/static/"):]
                else:
                    self.assertFalse(target.startswith("/"), f"{rel}: {url}")
                    resolved = posixpath.normpath(posixpath.join(posixpath.dirname(rel), target))
                self.assertTrue(resolved in ns, f"{rel}: {url} does not resolve")
                checked += 1
        self.assertGreater(checked, 100)

    def test_mix_has_every_kind_and_path_clashes(self):
        kinds = set(self.info["kinds"])
        self.assertTrue({"css", "js", "map", "svg", "png", "jpg", "woff2", "json", "mp4"} <= kinds, kinds)
        shadowed = [rel for rel in tree_digest(os.path.join(self.out, "theme"))
                    if os.path.exists(os.path.join(self.out, "app", rel))]
        self.assertTrue(shadowed, "theme should shadow some of app's paths")

    def test_import_chains_are_acyclic_and_at_most_three_deep(self):
        ns = namespace(self.out)
        graph = {}
        for rel, path in ns.items():
            if rel.endswith(".css"):
                with open(path, encoding="utf-8") as f:
                    urls = [m.group("url") for m in CSS_PATTERNS[1].finditer(f.read())]
                graph[rel] = [posixpath.normpath(posixpath.join(posixpath.dirname(rel), u)) for u in urls]

        def depth(node, seen=()):
            self.assertNotIn(node, seen, f"cycle through {node}")
            return 1 + max((depth(n, seen + (node,)) for n in graph.get(node, [])), default=0)

        depths = [depth(n) for n in graph]
        self.assertLessEqual(max(depths), 3)
        self.assertGreaterEqual(max(depths), 2, "some CSS should @import a chain")

    def test_serve_targets_and_touch_file_exist(self):
        ns = namespace(self.out)
        for key in ("css", "js", "binary"):
            self.assertIn(self.info["targets"][key], ns)
        self.assertEqual(os.path.getsize(ns[self.info["targets"]["binary"]]), 5 * corpus.MB)
        self.assertTrue(os.path.exists(self.info["touch_path"]))


class ChartTests(unittest.TestCase):
    def render(self):
        panels = [
            chart.bars("Requests/s", "req/s", ["css", "js", "404"],
                       {"hush": [52000.0, 31000.0, None], "nginx": [41000.0, 30500.0, 39000.0],
                        "caddy & co": [13000.0, None, 9000.0]}),
            chart.lines("Collect time", "files", "s", {"hush": [(1000, 0.2), (10000, 1.9), (100000, 19.0)],
                                                        "django-manifest": [(1000, 1.1), (10000, 11.0)]},
                        log_x=True, log_y=True),
            chart.lines("Empty", "files", "s", {"nothing": []}),
        ]
        return chart.render_svg("Hush <benchmarks>", panels, subtitle="test machine")

    def test_svg_is_well_formed_and_names_every_series(self):
        root = ET.fromstring(self.render())
        ns = "{http://www.w3.org/2000/svg}"
        self.assertEqual(root.tag, ns + "svg")
        series = {g.get("data-series") for g in root.iter(ns + "g") if g.get("class") == "series"}
        self.assertEqual(series, {"hush", "nginx", "caddy & co", "django-manifest", "nothing"})
        legend = {t.text for g in root.iter(ns + "g") if g.get("class") == "legend" for t in g.iter(ns + "text")}
        self.assertTrue(series <= legend, legend)

    def test_missing_values_are_marked_not_drawn_as_zero(self):
        root = ET.fromstring(self.render())
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        self.assertEqual(texts.count("n/a"), 2)

    def test_write_svg_writes_the_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "x.svg")
            chart.write_svg(path, "t", [chart.bars("b", "u", ["g"], {"hush": [1.0]})])
            ET.parse(path)


WRK_OUTPUT = """Running 2s test @ http://127.0.0.1:8080/static/css/main.0123456789ab.css
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.50ms  300.00us   9.00ms   90.00%
    Req/Sec    40.00k     2.00k   44.00k    80.00%
  Latency Distribution
     50%    1.40ms
     75%    1.60ms
     90%    1.90ms
     99%    3.20ms
  80000 requests in 2.00s, 70.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec:  40000.50
Transfer/sec:     35.00MB
"""


class MeasureTests(unittest.TestCase):
    def test_wrk_output_is_parsed(self):
        r = measure.parse_wrk(WRK_OUTPUT)
        self.assertEqual(r.requests_per_s, 40000.50)
        self.assertEqual(r.bytes_per_s, 35.0 * 2**20)
        self.assertEqual((r.requests, r.non_2xx_3xx, r.socket_errors), (80000, 5, 3))
        self.assertEqual((r.latency_p50_ms, r.latency_p99_ms), (1.4, 3.2))

    def test_wrk_without_a_result_is_an_error(self):
        with self.assertRaises(ValueError):
            measure.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")

    def test_median(self):
        self.assertEqual(measure.median([3.0, 1.0, 2.0]), 2.0)
        self.assertEqual(measure.median([4.0, 1.0]), 2.5)

    def test_run_measured_reports_time_rss_and_status(self):
        r = measure.run_measured([sys.executable, "-c", "import sys; b = bytearray(30 << 20); sys.exit(3)"],
                                 timeout=30)
        self.assertEqual(r.returncode, 3)
        self.assertGreater(r.peak_rss_kb, 30 * 1024)
        self.assertGreater(r.seconds, 0)


class CollectArgvTests(unittest.TestCase):
    """hush runs in the harness never read or fill the user's ~/.cache/hush."""

    def test_hush_gets_a_cache_directory_under_the_work_directory(self):
        import bench
        with tempfile.TemporaryDirectory() as d:
            b = bench.Bench(bench.parse_args(["--work", d, "--hush", "/bin/true"]))
            argv = b.collect_argv("hush", ["src"], "out")
            self.assertEqual(argv[argv.index("--cache-dir") + 1], os.path.join(d, "hush-cache"))
            ci = b.collect_argv("hush", ["src"], "out", ["--cache-dir", "/ci"])
            self.assertEqual(ci.count("--cache-dir"), 1)
            self.assertEqual(ci[ci.index("--cache-dir") + 1], "/ci")
            self.assertNotIn("--cache-dir", b.collect_argv("whitenoise", ["src"], "out"))
            self.assertIn("collect-ci", bench.parse_args(["--work", d]).only)


class RatioTests(unittest.TestCase):
    def test_ratio_is_hush_over_the_peer_in_the_same_row(self):
        res = Results()
        res.add("serve", "css", "hush", "req_per_s", 60000.0, 64)
        res.add("serve", "css", "nginx", "req_per_s", 40000.0, 64)
        res.add("serve", "css", "nginx", "req_per_s", 10000.0, 1)
        rows = {(r.tool, r.concurrency): r for r in res.rows}
        self.assertEqual(res.ratio(rows[("nginx", 64)]), 1.5)
        self.assertIsNone(res.ratio(rows[("nginx", 1)]))       # no hush figure at c=1: no ratio
        self.assertIsNone(res.ratio(rows[("hush", 64)]))

    def test_django_hashing_is_paired_with_hush_hashing_only(self):
        res = Results()
        res.add("collect", "cold", "hush", "seconds", 8.0)
        res.add("collect", "cold", "hush-hash-only", "seconds", 0.5)
        django = res.add("collect", "cold", "django-manifest", "seconds", 2.0)
        whitenoise = res.add("collect", "cold", "whitenoise", "seconds", 40.0)
        self.assertEqual(res.ratio(django), 0.25)
        self.assertEqual(res.ratio(whitenoise), 0.2)
        self.assertEqual(res.tools("collect"), ["hush", "hush-hash-only", "django-manifest", "whitenoise"])

    def test_a_missing_hush_figure_gives_no_ratio_and_keeps_its_note(self):
        res = Results()
        res.add("collect", "cold", "hush", "seconds", None, note="hush: not built")
        peer = res.add("collect", "cold", "whitenoise", "seconds", 40.0)
        self.assertIsNone(res.ratio(peer))
        header, body = res.table("collect")
        self.assertEqual(header[3:], ["hush", "whitenoise"])
        self.assertEqual(body[0][3], "hush: not built")

    def test_csv_has_one_line_per_row(self):
        res = Results()
        res.add("collect", "cold", "hush", "seconds", 2.0)
        res.add("collect", "cold", "whitenoise", "seconds", 40.0, runs=[40.0])
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "r.csv")
            res.write_csv(path)
            with open(path) as f:
                lines = f.read().splitlines()
        self.assertEqual(len(lines), 3)
        self.assertIn("0.05", lines[2])


if __name__ == "__main__":
    unittest.main()
