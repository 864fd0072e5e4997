"""Smoke tests of the harness v2 parts (issue 14): CPU accounting on fixture /proc trees, h2load's
output and per-request log, the peer checks against a fake server, bytes on the wire, the bundle
releases, the generated Django project and the peers' configurations. No timing assertions; the
only servers are a stdlib http.server on 127.0.0.1 and nothing else.
"""

import gzip
import http.server
import json
import os
import re
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "harness"))

import bench  # noqa: E402
import checks  # noqa: E402
import corpus  # noqa: E402
import cpu  # noqa: E402
import django_project  # noqa: E402
import measure  # noqa: E402
import servers  # noqa: E402


def write(path: str, data) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def pid_stat(pid: int, comm: str, utime: int, stime: int, cutime: int = 0, cstime: int = 0) -> str:
    # Fields 3..13 (state .. majflt), then utime stime cutime cstime, then the rest (proc(5)).
    return (f"{pid} ({comm}) S 1 {pid} {pid} 0 -1 4194560 100 0 0 0 {utime} {stime} {cutime} {cstime} "
            "20 0 1 0 12345 1000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n")


PROC_STAT = """cpu  1000 0 500 8000 10 0 0 0 0 0
cpu0 {u0} 5 {s0} {i0} 20 3 {sq0} 2 7 0
cpu1 900 0 400 4000 5 0 0 0 0 0
intr 12345
"""


class CpuAccountingTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.proc = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def tree(self, master: tuple, worker: tuple, core: tuple) -> None:
        """A server (pid 100, a thread 102) with one child (pid 101), and /proc/stat."""
        write(f"{self.proc}/100/stat", pid_stat(100, "nginx: master) (x", *master))
        write(f"{self.proc}/100/task/100/children", "")
        write(f"{self.proc}/100/task/102/children", "101 ")
        write(f"{self.proc}/101/stat", pid_stat(101, "nginx: worker", *worker))
        write(f"{self.proc}/101/task/101/children", "")
        u0, s0, i0, sq0 = core
        write(f"{self.proc}/stat", PROC_STAT.format(u0=u0, s0=s0, i0=i0, sq0=sq0))

    def test_pid_stat_fields_are_counted_from_the_last_parenthesis(self):
        self.assertEqual(cpu.parse_pid_stat(pid_stat(7, "a) b (c", 11, 22, 33, 44)), (11, 22, 33, 44))

    def test_core_line_busy_and_total(self):
        busy, total = cpu.parse_proc_stat_cpu(PROC_STAT.format(u0=100, s0=50, i0=800, sq0=10), "0")
        # user + nice + system + irq + softirq + steal; guest (7) is inside user already.
        self.assertEqual(busy, 100 + 5 + 50 + 3 + 10 + 2)
        self.assertEqual(total, busy + 800 + 20)
        with self.assertRaises(ValueError):
            cpu.parse_proc_stat_cpu(PROC_STAT, "5")

    def test_the_process_tree_is_summed_through_every_thread(self):
        self.tree((10, 5, 1, 1), (200, 100), (0, 0, 0, 0))
        self.assertEqual(sorted(cpu.tree_pids(100, self.proc)), [100, 101])
        self.assertEqual(cpu.tree_ticks(100, self.proc), 10 + 5 + 1 + 1 + 200 + 100)
        # Reaped children's time counts on its side: cutime with user, cstime with kernel.
        self.assertEqual(cpu.tree_ticks_split(100, self.proc), (10 + 1 + 200, 5 + 1 + 100))

    def test_deltas_over_the_window_per_request(self):
        self.tree((10, 5), (200, 100), (1000, 500, 3000, 0))
        before = cpu.sample(100, "0", self.proc)
        # 2.5 s of server CPU (250 ticks at 100 Hz) over 50,000 requests; the core was busy 400 of
        # 500 ticks.
        self.tree((20, 15), (400, 130), (1300, 600, 3100, 0))
        after = cpu.sample(100, "0", self.proc)
        acc = cpu.account(before, after, 50000, clk_tck=100)
        self.assertAlmostEqual(acc.server_us_per_req, 50.0)
        self.assertAlmostEqual(acc.core_busy_pct, 80.0)
        self.assertAlmostEqual(acc.core_us_per_req, 80.0)
        # utime 210 -> 420, stime 105 -> 145: 42 µs in the server's code, 8 in the kernel.
        self.assertAlmostEqual(acc.server_user_us_per_req, 42.0)
        self.assertAlmostEqual(acc.server_kernel_us_per_req, 8.0)
        self.assertAlmostEqual(acc.server_user_us_per_req + acc.server_kernel_us_per_req, acc.server_us_per_req)

    def test_no_requests_gives_no_per_request_figure(self):
        s = cpu.Sample(10, 100, 200)
        acc = cpu.account(s, cpu.Sample(20, 150, 300), 0, clk_tck=100)
        self.assertIsNone(acc.server_us_per_req)
        self.assertIsNone(acc.server_user_us_per_req, "no split without the user ticks")
        self.assertAlmostEqual(acc.core_busy_pct, 50.0)

    def test_a_vanished_child_is_skipped(self):
        self.tree((10, 5), (200, 100), (0, 0, 0, 0))
        os.unlink(f"{self.proc}/101/stat")
        self.assertEqual(cpu.tree_ticks(100, self.proc), 15)

    def test_load_generator_share_and_cost(self):
        share, per = cpu.loadgen(cpu_seconds=1.5, wall_seconds=2.0, requests=100000)
        self.assertAlmostEqual(share, 75.0)
        self.assertAlmostEqual(per, 15.0)

    def test_this_process_can_be_sampled(self):
        s = cpu.sample(os.getpid(), "0")
        self.assertGreaterEqual(s.process_ticks, 0)
        self.assertGreater(s.core_total, 0)


H2LOAD_H1 = """starting benchmark...
spawning thread #0: 50 total client(s). Timing-based test with 0s of warm-up time and 3s of main duration for measurements.
Application protocol: http/1.1
Main benchmark duration is over for thread #0. Stopping all clients.

finished in 3.01s, 5000.00 req/s, 1.15MB/s
requests: 15000 total, 15000 started, 15000 done, 14990 succeeded, 10 failed, 4 errored, 2 timeout
status codes: 14990 2xx, 0 3xx, 10 4xx, 0 5xx
traffic: 3.45MB (3617504) total, 2.40MB (2520000) headers (space savings 0.00%), 87.89KB (90000) data
                     min         max         mean         sd        +/- sd
time for request:      110us      9.99ms       310us       210us    95.00%
"""

H2LOAD_FAST = """finished in 891us, 1122.33 req/s, 850.20KB/s
requests: 1 total, 1 started, 1 done, 1 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 1 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 954B (954) total, 108B (108) headers (space savings 48.57%), 798B (798) data
"""


class CpuRowsTests(unittest.TestCase):
    def test_a_server_stopped_by_a_signal_is_forgotten_once_without_an_error(self):
        with tempfile.TemporaryDirectory() as d:
            b = bench.Bench(bench.parse_args(["--work", d, "--hush", "/bin/true"]))
            r = object()
            b.running.append(r)
            b.running.remove(r)     # what stop_all() did when the signal came
            b.forget(r)             # the run's own cleanup afterwards: no ValueError
            self.assertEqual(b.running, [])

    def test_serve_rows_carry_process_cpu_and_the_cpu_table_the_rest(self):
        with tempfile.TemporaryDirectory() as d:
            b = bench.Bench(bench.parse_args(["--work", d, "--hush", "/bin/true"]))
            runs = []
            for server_us, busy in ((20.0, 90.0), (30.0, 100.0), (25.0, 95.0)):
                r = measure.parse_wrk(WRK_64)
                r.cpu = cpu.Account(server_us, busy, server_us * 4)
                r.loadgen_cpu_s, r.wall_s = 1.0, 2.0
                runs.append(r)
            b.add_cpu_rows("serve", "css-3KB", "nginx", 64, runs)
        rows = {(r.section, r.metric): r for r in b.results.rows}
        self.assertEqual(rows[("serve", "cpu_us_per_req")].value, 25.0)          # the median of the runs
        self.assertEqual(rows[("serve", "cpu_us_per_req")].runs, [20.0, 30.0, 25.0])
        self.assertEqual(rows[("serve-cpu", "core_busy_pct")].value, 95.0)
        self.assertEqual(rows[("serve-cpu", "core_us_per_req")].value, 100.0)
        self.assertEqual(rows[("serve-cpu", "loadgen_cpu_pct")].value, 50.0)
        self.assertAlmostEqual(rows[("serve-cpu", "loadgen_us_per_req")].value, 1e6 / 80000)
        self.assertNotIn(("serve-cpu", "server_user_us_per_req"), rows, "no split given, no row")


WRK_64 = """Running 2s test @ http://127.0.0.1:8080/static/css/main.0123456789ab.css
  1 threads and 64 connections
  80000 requests in 2.00s, 70.00MB read
Requests/sec:  40000.50
Transfer/sec:     35.00MB
"""


class H2loadTests(unittest.TestCase):
    def test_summary_is_parsed(self):
        r = measure.parse_h2load(H2LOAD_H1)
        self.assertEqual(r.requests_per_s, 5000.0)
        self.assertEqual(r.bytes_per_s, 1.15 * 2**20)
        self.assertEqual((r.requests, r.succeeded, r.failed, r.errored, r.timeout), (15000, 14990, 10, 4, 2))
        self.assertEqual(r.status, {"2xx": 14990, "3xx": 0, "4xx": 10, "5xx": 0})
        self.assertEqual(r.data_bytes, 90000)

    def test_a_run_under_a_millisecond_is_parsed(self):
        r = measure.parse_h2load(H2LOAD_FAST)
        self.assertEqual((r.succeeded, r.data_bytes), (1, 798))

    def test_no_summary_is_an_error(self):
        with self.assertRaises(ValueError):
            measure.parse_h2load("starting benchmark...\nconnect to 127.0.0.1:1 failed\n")

    def test_an_h2c_run_counts_only_with_the_expected_status_and_bytes(self):
        css = {"name": "css-3KB", "expect": 200}
        good = measure.parse_h2load(H2LOAD_FAST)
        self.assertEqual(bench.h2c_verify(good, css, 798), "")
        # Errors or another status under load: not ranked.
        self.assertIn("10 4xx", bench.h2c_verify(measure.parse_h2load(H2LOAD_H1), css, 6))
        self.assertIn("status 1 2xx", bench.h2c_verify(good, {"name": "304", "expect": 304}, 0))
        # The right status with other bodies (a smaller representation, an empty body).
        self.assertIn("798 body bytes", bench.h2c_verify(good, css, 3000))

    def test_log_file_gives_sorted_latencies(self):
        log = "1796104921577182\t200\t2764\n1796104921577194\t200\t1000\nbad line\n1796104921577188\t404\t500\n"
        self.assertEqual(measure.parse_h2load_log(log), [0.5, 1.0, 2.764])

    def test_nearest_rank_percentiles(self):
        values = [float(i) for i in range(1, 1001)]          # 1 .. 1000
        self.assertEqual(measure.percentile(values, 50), 500.0)
        self.assertEqual(measure.percentile(values, 99), 990.0)
        self.assertEqual(measure.percentile(values, 99.9), 999.0)
        self.assertEqual(measure.percentile([3.0], 99.9), 3.0)
        self.assertIsNone(measure.percentile([], 50))

    def test_wrk_still_parses_and_run_tool_keeps_the_rusage(self):
        out = measure.run_tool([sys.executable, "-c", "sum(range(3_000_000)); print('done')"], timeout=60)
        self.assertEqual((out.returncode, out.stdout.strip()), (0, "done"))
        self.assertGreater(out.cpu_s, 0)
        self.assertGreater(out.wall_s, 0)


class FakeServer:
    """A static server on 127.0.0.1 whose misbehaviour is chosen per test."""

    def __init__(self, root: str, mode: str):
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                rel = self.path[len("/static/"):]
                path = os.path.join(root, rel)
                if not os.path.isfile(path):
                    return self.send(404, b"nope", {})
                etag = '"v1"'
                if self.headers.get("If-None-Match") == etag and outer.mode != "no-304":
                    return self.send(304, b"", {"ETag": etag})
                accept = self.headers.get("Accept-Encoding", "")
                body, enc = read(path), None
                if outer.mode == "compress-itself" and "gzip" in accept:
                    body, enc = gzip.compress(body, compresslevel=1, mtime=0), "gzip"
                elif outer.mode != "identity-only":
                    for e, ext in (("br", ".br"), ("gzip", ".gz")):
                        if e in accept and os.path.exists(path + ext):
                            body, enc = read(path + ext), e
                            break
                if outer.mode == "wrong-bytes":
                    body = body[:-1] + bytes([body[-1] ^ 1])
                headers = {"ETag": etag} if outer.mode != "no-etag" else {}
                if enc:
                    headers["Content-Encoding"] = enc
                self.send(200, body, headers)

            def send(self, status, body, headers):
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)) if status != 304 else "0")
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

        self.mode = mode
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class PeerCheckTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        root = cls.root = cls.tmp.name
        write(f"{root}/css/a.css", b"body{color:red}" * 50)
        write(f"{root}/css/a.css.br", b"BROTLI-BYTES")
        write(f"{root}/css/a.css.gz", gzip.compress(b"body{color:red}" * 50, mtime=0))
        write(f"{root}/js/b.js", b"var x=1;" * 80)
        write(f"{root}/js/b.js.gz", gzip.compress(b"var x=1;" * 80, compresslevel=9, mtime=0))
        write(f"{root}/img/c.png", os.urandom(500))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def check(self, mode, sc, own=False):
        server = FakeServer(self.root, mode)
        try:
            return checks.check("127.0.0.1", server.port, self.root, sc, own_compression=own, timeout=5)
        finally:
            server.close()

    CSS = {"url": "/static/css/a.css", "rel": "css/a.css", "expect": 200}
    JS = {"url": "/static/js/b.js", "rel": "js/b.js", "expect": 200}
    PNG = {"url": "/static/img/c.png", "rel": "img/c.png", "expect": 200}

    def test_a_correct_server_passes_every_scenario(self):
        for sc, how in ((self.CSS, "200 br"), (self.JS, "200 gzip"), (self.PNG, "200 identity")):
            ok, why, headers = self.check("good", sc)
            self.assertTrue(ok, why)
            self.assertEqual(why, how)
            self.assertEqual(headers, checks.ACCEPT)
        ok, why, headers = self.check("good", dict(self.CSS, expect=304))
        self.assertTrue(ok, why)
        self.assertEqual(headers["If-None-Match"], '"v1"')
        ok, why, _ = self.check("good", {"url": "/static/nope.css", "rel": None, "expect": 404})
        self.assertTrue(ok, why)

    def test_a_server_ignoring_the_siblings_fails_on_the_encoding(self):
        ok, why, _ = self.check("identity-only", self.CSS)
        self.assertFalse(ok)
        self.assertEqual(why, "Content-Encoding none, expected br")

    def test_a_server_sending_other_bytes_fails_on_the_body(self):
        ok, why, _ = self.check("wrong-bytes", self.CSS)
        self.assertFalse(ok)
        self.assertIn("body differs from a.css.br", why)

    def test_a_wrong_status_fails(self):
        ok, why, _ = self.check("good", {"url": "/static/missing.css", "rel": "missing.css", "expect": 200})
        self.assertFalse(ok)
        self.assertEqual(why, "status 404, expected 200")
        ok, why, _ = self.check("no-304", dict(self.CSS, expect=304))
        self.assertFalse(ok)
        ok, why, _ = self.check("no-etag", dict(self.CSS, expect=304))
        self.assertEqual((ok, why), (False, "no ETag on the 200 response"))

    def test_a_server_compressing_by_itself_passes_only_as_such_and_decoded(self):
        ok, why, _ = self.check("compress-itself", self.JS)
        self.assertFalse(ok, "its gzip bytes are not the sibling's")
        ok, why, _ = self.check("compress-itself", self.JS, own=True)
        self.assertTrue(ok, why)
        self.assertIn("own compression", why)

    def test_an_unreachable_server_fails(self):
        ok, why, _ = checks.check("127.0.0.1", servers.free_port(), self.root, self.CSS, timeout=2)
        self.assertFalse(ok)
        self.assertTrue(why.startswith("request failed"), why)


class BytesTests(unittest.TestCase):
    def test_wire_sizes_fall_back_to_the_file_and_show_present_encodings_only(self):
        with tempfile.TemporaryDirectory() as root:
            write(f"{root}/staticfiles.json", json.dumps({"paths": {"a.css": "a.1.css", "b.png": "b.2.png"}}))
            write(f"{root}/a.1.css", b"x" * 1000)
            write(f"{root}/a.1.css.br", b"x" * 100)
            write(f"{root}/a.1.css.gz", b"x" * 120)
            write(f"{root}/a.1.css.zstd", b"x" * 110)
            write(f"{root}/b.2.png", b"x" * 700)
            sizes = bench.wire_sizes(root)
        self.assertEqual(sizes["a.1.css"], {"identity": 1000, "br": 100, "gzip": 120, "zstd": 110})
        self.assertEqual(sizes["b.2.png"], {"identity": 700, "br": 700, "gzip": 700, "zstd": 700})
        self.assertNotIn("dcz", sizes["a.1.css"])

    def test_two_releases_differ_a_little_and_deterministically(self):
        a, b = corpus.bundle_text(3, 1), corpus.bundle_text(3, 2)
        self.assertEqual(a, corpus.bundle_text(3, 1))
        self.assertNotEqual(a, b)
        self.assertTrue(a.startswith("(()=>{") and a.endswith("})();\n"))
        # Most modules are byte-identical between the releases.
        mods = lambda text: set(re.findall(r"\d+:\(e,t,n\)=>\{!function\(\)\{.{0,80}", text))
        same = mods(a) & mods(b)
        self.assertGreaterEqual(len(same), 70)
        self.assertLess(len(same), len(mods(b)))
        self.assertGreater(len(a), 200_000)

    def test_bundle_releases_are_written_as_sources(self):
        with tempfile.TemporaryDirectory() as d:
            r1, r2 = corpus.bundle_releases(d, seed=3)
            self.assertTrue(os.path.isfile(os.path.join(r2, "js", "app.bundle.js")))
            self.assertNotEqual(r1, r2)


class DjangoProjectTests(unittest.TestCase):
    def test_apps_have_their_static_trees_and_absolute_references_stay_inside_them(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "proj")
            info = django_project.generate(out, apps=2, files_per_app=30, mb_per_app=0.3, seed=4)
            with open(os.path.join(out, "benchsite", "settings.py")) as f:
                settings = f.read()
            for app in ("app01", "app02"):
                self.assertIn(f'"{app}",', settings)
                self.assertTrue(os.path.isdir(os.path.join(out, app, "static", app)))
            self.assertIn("CompressedManifestStaticFilesStorage", settings)
            self.assertTrue(os.path.isfile(info["touch_path"]))
            for dirpath, _, names in os.walk(out):
                for name in names:
                    if name.endswith(".css"):
                        with open(os.path.join(dirpath, name)) as f:
                            for url in re.findall(r"/static/[^)'\"]*", f.read()):
                                self.assertRegex(url, r"^/static/(app0[12]|site)/", url)


class PeerConfigTests(unittest.TestCase):
    """Each peer is configured as its documentation advises for serving precompressed files."""

    def conf(self, server, name):
        with tempfile.TemporaryDirectory() as work:
            s = server(work)
            os.makedirs(s.work)          # Server.start makes it
            argv, env = s.command("/srv/root", 8123)
            with open(os.path.join(s.work, name)) as f:
                return argv, env, f.read()

    def test_caddy_serves_zstd_br_gzip_sidecars_with_one_thread(self):
        argv, env, text = self.conf(lambda w: servers.Caddy(w, "/venv"), "Caddyfile")
        self.assertEqual(argv[0], "/venv/bin/caddy")
        self.assertIn("precompressed zstd br gzip", text)
        self.assertIn("protocols h1 h2 h2c", text)
        self.assertEqual(env["GOMAXPROCS"], "1")

    def test_h2o_sends_compressed_siblings(self):
        _, _, text = self.conf(servers.H2O, "h2o.conf")
        self.assertIn("file.send-compressed: ON", text)
        self.assertIn("num-threads: 1", text)
        self.assertIn("host: 127.0.0.1", text)

    def test_lighttpd_compresses_once_into_its_cache(self):
        _, _, text = self.conf(servers.Lighttpd, "lighttpd.conf")
        self.assertIn("deflate.cache-dir", text)
        self.assertIn('server.bind = "127.0.0.1"', text)
        self.assertTrue(servers.Lighttpd.own_compression)

    def test_nginx_gets_an_h2c_listener_of_its_own(self):
        with tempfile.TemporaryDirectory() as work:
            s = servers.Nginx(work)
            os.makedirs(s.work)
            s.command("/srv/root", 8123)
            with open(os.path.join(s.work, "nginx.conf")) as f:
                text = f.read()
        self.assertIn("listen 127.0.0.1:8123 backlog", text)
        self.assertIn(f"listen 127.0.0.1:{s.h2c} http2", text)
        self.assertIn("gzip_static on", text)

    def test_a_spent_budget_skips_the_remaining_sections_and_says_so(self):
        with tempfile.TemporaryDirectory() as d:
            b = bench.Bench(bench.parse_args(["--work", d, "--only", "collect,bytes,h2c", "--budget-minutes", "1"]))
            called = []
            b.make_corpus = lambda *args: {}
            b.report = lambda: None
            b.section_collect = lambda: (called.append("collect"), setattr(b, "started", b.started - 120))
            b.section_bytes = lambda: called.append("bytes")
            b.section_h2c = lambda: called.append("h2c")
            b.run()
        self.assertEqual(called, ["collect"])
        self.assertEqual([n.split(":")[0] for n in b.results.notes], ["bytes", "h2c"])

    def test_quick_runs_one_scenario_per_kind(self):
        with tempfile.TemporaryDirectory() as d:
            a = bench.parse_args(["--work", d, "--quick"])
            self.assertEqual((a.serve_scenarios, a.concurrency, a.rates, a.h2c_scenarios),
                             (["css-3KB"], [64], [20000], ["css-3KB"]))
            full = bench.parse_args(["--work", d])
            self.assertEqual(full.serve_scenarios, [])
            self.assertEqual(set(full.only), set(bench.SECTIONS))


if __name__ == "__main__":
    unittest.main()
