"""Smoke tests of the real-release inputs of the bytes section (Benchmarks/harness/releases.py):
extraction from a wheel, the changed-file list, the cache, and the pinned table. No network: the
wheels here are zip files written by the test into the cache, so `pip download` never runs.
"""

import os
import sys
import tempfile
import unittest
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "harness"))

import bench  # noqa: E402
import releases  # noqa: E402
import servers  # noqa: E402

DEMO = releases.Release("demo", "demo-pkg", "1.0", "1.1", "demo_pkg/static/",
                        r"demo_pkg/static/js/[^/]+\.min\.js", "test")


def make_wheel(cache: str, version: str, members: dict) -> None:
    os.makedirs(cache, exist_ok=True)
    with zipfile.ZipFile(os.path.join(cache, f"demo_pkg-{version}-py3-none-any.whl"), "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


class ReleasesTests(unittest.TestCase):
    def test_extract_keeps_only_matching_members_below_the_stripped_prefix(self):
        with tempfile.TemporaryDirectory() as d:
            cache = os.path.join(d, "wheels")
            make_wheel(cache, "1.0", {"demo_pkg/static/js/app.min.js": b"one",
                                      "demo_pkg/static/js/app.js": b"unminified",
                                      "demo_pkg/static/js/lib/deep.min.js": b"nested",
                                      "demo_pkg/__init__.py": b""})
            out = releases.extract(DEMO, "1.0", cache, os.path.join(d, "out"))
            found = sorted(os.path.relpath(os.path.join(b, n), out) for b, _, ns in os.walk(out) for n in ns)
            self.assertEqual(found, ["js/app.min.js"])
            with open(os.path.join(out, "js", "app.min.js"), "rb") as f:
                self.assertEqual(f.read(), b"one")

    def test_changed_files_lists_edited_and_new_files_only(self):
        with tempfile.TemporaryDirectory() as d:
            cache = os.path.join(d, "wheels")
            base = "demo_pkg/static/js/"
            make_wheel(cache, "1.0", {base + "same.min.js": b"x", base + "edit.min.js": b"old",
                                      base + "gone.min.js": b"y"})
            make_wheel(cache, "1.1", {base + "same.min.js": b"x", base + "edit.min.js": b"new",
                                      base + "added.min.js": b"z"})
            old, new = (releases.extract(DEMO, v, cache, os.path.join(d, "out")) for v in ("1.0", "1.1"))
            self.assertEqual(releases.changed_files(old, new), ["js/added.min.js", "js/edit.min.js"])

    def test_a_wheel_without_matching_files_is_an_error_naming_the_pattern(self):
        with tempfile.TemporaryDirectory() as d:
            cache = os.path.join(d, "wheels")
            make_wheel(cache, "1.0", {"demo_pkg/other.txt": b""})
            with self.assertRaisesRegex(OSError, r"demo-pkg==1\.0: no file matches"):
                releases.extract(DEMO, "1.0", cache, os.path.join(d, "out"))

    def test_a_cached_wheel_is_used_without_pip(self):
        with tempfile.TemporaryDirectory() as d:
            make_wheel(d, "1.0", {})
            self.assertEqual(releases.wheel(d, "demo-pkg", "1.0"), os.path.join(d, "demo_pkg-1.0-py3-none-any.whl"))

    def test_the_pinned_releases_are_consecutive_pairs_of_distinct_versions(self):
        self.assertGreaterEqual(len(releases.RELEASES), 2)
        for r in releases.RELEASES:
            self.assertNotEqual(r.old, r.new, r.name)
            self.assertTrue(r.member.startswith(r.strip), r.name)

    def test_dcz_size_finds_the_delta_named_after_both_hashed_names(self):
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, "js"))
            with open(os.path.join(d, "js", "app.0123456789ab.js.ba9876543210.dcz"), "wb") as f:
                f.write(b"x" * 57)
            self.assertEqual(bench.dcz_size(d, "js/app.0123456789ab.js", "js/app.ba9876543210.js"), 57)
            self.assertIsNone(bench.dcz_size(d, "js/app.0123456789ab.js", "js/app.aaaaaaaaaaaa.js"))
            self.assertIsNone(bench.dcz_size(d, "js/app.0123456789ab.js", None))
            self.assertIsNone(bench.dcz_size(d, "js/app.0123456789ab.js", "js/app.0123456789ab.js"))

    def test_gunicorn_sync_peers_are_marked_as_closing_each_connection(self):
        # The latency section skips them with a note instead of waiting on h2load until it times out.
        self.assertFalse(servers.WhiteNoiseGunicorn.keeps_alive)
        self.assertFalse(servers.ServeStaticGunicorn.keeps_alive)
        self.assertTrue(servers.Nginx.keeps_alive)


if __name__ == "__main__":
    unittest.main()
