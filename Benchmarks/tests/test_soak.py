"""Smoke tests of the soak harness (Benchmarks/harness/soak.py): its response checks and report
need no server; the short real run (4 s against .build/release/hush) runs when that binary is
built and is skipped otherwise (`make build` first)."""

import email.message
import gzip
import hashlib
import io
import os
import sys
import unittest
from contextlib import redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "harness"))

import soak  # noqa: E402

RELEASE = os.path.join(os.path.dirname(os.path.dirname(HERE)), ".build", "release", "hush")


def headers(**fields) -> email.message.Message:
    m = email.message.Message()
    for k, v in fields.items():
        m[k.replace("_", "-")] = v
    return m


class CheckBodyTests(unittest.TestCase):
    body = b"body { color: red }\n"
    name = f"css/app.{hashlib.md5(body).hexdigest()[:12]}.css"

    def test_a_hashed_body_must_match_its_name(self):
        self.assertIsNone(soak.check_body(self.name, 200, headers(Content_Length=str(len(self.body))), self.body))
        self.assertIn("does not hash", soak.check_body(self.name, 200, headers(Content_Length="3"), b"abc"))

    def test_gzip_is_decoded_before_hashing(self):
        packed = gzip.compress(self.body)
        ok = headers(Content_Length=str(len(packed)), Content_Encoding="gzip")
        self.assertIsNone(soak.check_body(self.name, 200, ok, packed))

    def test_short_bodies_and_bad_statuses_are_errors(self):
        self.assertIn("Content-Length", soak.check_body("a.css", 200, headers(Content_Length="10"), b"abc"))
        self.assertIn("status 404", soak.check_body("a.css", 404, headers(), b""))


class ReportTests(unittest.TestCase):
    rows = [
        {"t": 0, "requests": 0, "errors": 0, "rss_kb": 20480, "fds": 12, "sighups": 0, "deploys": 0},
        {"t": 30, "requests": 3000, "errors": 0, "rss_kb": 30720, "fds": 20, "sighups": 10, "deploys": 0},
        {"t": 60, "requests": 9000, "errors": 1, "rss_kb": 25600, "fds": 13, "sighups": 20, "deploys": 1},
    ]

    def test_table_has_a_row_per_sample_with_the_interval_rate(self):
        lines = soak.table(self.rows).splitlines()
        self.assertEqual(len(lines), 4)
        self.assertEqual(lines[3].split()[:4], ["60", "9000", "200", "1"])

    def test_summary_gives_start_end_and_max(self):
        self.assertEqual(soak.summary(self.rows),
                         "errors 1; RSS MB start 20.0 end 25.0 max 30.0; fds start 12 end 13 max 20")


@unittest.skipUnless(os.access(RELEASE, os.X_OK), "needs .build/release/hush (make build)")
class ShortRunTests(unittest.TestCase):
    def test_four_seconds_with_a_deploy_and_sighups_have_no_error(self):
        out = io.StringIO()
        with redirect_stdout(out):
            status = soak.main(["--hush", RELEASE, "--seconds", "4", "--clients", "1", "--slow-readers", "1",
                                "--sighup-every", "1", "--deploy-every", "2", "--sample-every", "2"])
        self.assertEqual(status, 0, out.getvalue())
        self.assertRegex(out.getvalue(), r"soak: errors 0; RSS MB start [\d.]+ end [\d.]+ max [\d.]+; fds start \d+ end \d+ max \d+")


if __name__ == "__main__":
    unittest.main()
