"""The README's benchmark section: rendered from a results file, put between its markers
(Benchmarks/harness/readme.py, which `make bench` runs). Part of `make test` via `make bench-smoke`."""

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

TESTS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(TESTS))
sys.path.insert(0, os.path.join(REPO, "Benchmarks", "harness"))

import readme  # noqa: E402
from readme import END, START, splice  # noqa: E402
from results import Results, render_markdown_report  # noqa: E402

FIXTURE = os.path.join(TESTS, "fixtures", "results.json")
EXPECTED = os.path.join(TESTS, "fixtures", "report.md")

PAGE = f"""# Project

Intro text, kept.

{START}

Measured long ago: an old table.

| a | b |
|---|---|

{END}

## After

Kept as well.
"""


def fixture() -> dict:
    with open(FIXTURE) as f:
        return json.load(f)


class ReportTests(unittest.TestCase):
    def test_the_report_of_the_fixture_is_the_expected_markdown(self):
        with open(EXPECTED) as f:
            self.assertEqual(render_markdown_report(fixture()), f.read())

    def test_json_written_by_the_harness_renders_the_tables_it_measured(self):
        res = Results.from_json(fixture())
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "latest.json")
            res.write_json(path, {k: v for k, v in fixture().items() if k not in ("format", "notes", "rows")})
            with open(path) as f:
                again = Results.from_json(json.load(f))
        for section in ("collect", "serve"):
            self.assertEqual(again.table(section), res.table(section))
        self.assertEqual(again.notes, res.notes)

    def test_the_harness_writes_the_json_and_the_markdown_rendered_from_it(self):
        import bench
        with tempfile.TemporaryDirectory() as d:
            run = bench.Bench(bench.parse_args(["--work", d, "--results", os.path.join(d, "results"), "--hush", ""]))
            run.results = Results.from_json(fixture())
            with contextlib.redirect_stdout(io.StringIO()):
                run.report()
            with open(os.path.join(d, "results", "latest.json")) as f:
                doc = json.load(f)
            with open(os.path.join(d, "results", "latest.md")) as f:
                self.assertEqual(f.read(), render_markdown_report(doc))
        self.assertEqual(doc["rows"], fixture()["rows"])
        self.assertEqual(doc["notes"][0], fixture()["notes"][0])
        self.assertTrue(doc["notes"][-1].startswith("load average"), doc["notes"])

    def test_an_unknown_results_format_is_refused(self):
        with self.assertRaises(ValueError):
            render_markdown_report({**fixture(), "format": 99})


class SpliceTests(unittest.TestCase):
    def test_only_the_text_between_the_markers_is_replaced(self):
        out = splice(PAGE, "NEW\n\n| x |\n")
        before, after = PAGE.split(START)[0], PAGE.split(END)[1]
        self.assertTrue(out.startswith(before + START + "\n\nNEW\n\n| x |\n\n" + END))
        self.assertTrue(out.endswith(END + after))
        self.assertNotIn("an old table", out)

    def test_splicing_twice_changes_nothing_more(self):
        once = splice(PAGE, "NEW")
        self.assertEqual(splice(once, "NEW"), once)

    def test_missing_doubled_or_reversed_markers_are_refused(self):
        for page in (PAGE.replace(END, ""), PAGE.replace(START, ""), PAGE + END + "\n",
                     PAGE.replace(START, "@@").replace(END, START).replace("@@", END),
                     PAGE.replace(START, "text " + START)):
            with self.assertRaises(ValueError):
                splice(page, "NEW")

    def test_the_repository_readme_has_the_markers(self):
        with open(os.path.join(REPO, "README.md")) as f:
            splice(f.read(), "NEW")


class CommandTests(unittest.TestCase):
    def run_main(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = readme.main(list(argv))
        return status, out.getvalue(), err.getvalue()

    def test_the_readme_is_rewritten_from_the_results_file(self):
        with tempfile.TemporaryDirectory() as d:
            page = os.path.join(d, "README.md")
            with open(page, "w") as f:
                f.write(PAGE)
            status, out, _ = self.run_main("--results", FIXTURE, "--readme", page)
            self.assertEqual(status, 0)
            self.assertIn("now shows", out)
            with open(page) as f, open(EXPECTED) as g:
                self.assertEqual(f.read(), splice(PAGE, g.read()))
            status, out, _ = self.run_main("--results", FIXTURE, "--readme", page)
            self.assertEqual((status, "unchanged" in out), (0, True))

    def test_a_missing_results_file_is_one_line_and_leaves_the_readme(self):
        with tempfile.TemporaryDirectory() as d:
            page = os.path.join(d, "README.md")
            with open(page, "w") as f:
                f.write(PAGE)
            status, _, err = self.run_main("--results", os.path.join(d, "none.json"), "--readme", page)
            self.assertEqual(status, 1)
            self.assertEqual(err.count("\n"), 1, err)
            with open(page) as f:
                self.assertEqual(f.read(), PAGE)


if __name__ == "__main__":
    unittest.main()
