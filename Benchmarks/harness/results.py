"""Result rows, Hush/peer ratios and the outputs: stdout table, CSV, JSON, Markdown."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field

HUSH = "hush"

# Ratios are always hush/peer: above 1 is better for req/s and MB/s, below 1 for seconds, MB and
# bytes. Time metrics also get it in words ("5.2x faster").
UNITS = {"seconds": "s", "peak_rss_mb": "MB", "req_per_s": "req/s", "mb_per_s": "MB/s", "p99_ms": "ms",
         "startup_s": "s", "rss_start_mb": "MB", "rss_end_mb": "MB", "rss_mb": "MB", "br_bytes": "B",
         "gz_bytes": "B", "br_files": "files", "gz_files": "files", "files": "files", "mb": "MB",
         "cpu_us_per_req": "µs", "core_busy_pct": "%", "core_us_per_req": "µs", "loadgen_cpu_pct": "%",
         "server_user_us_per_req": "µs", "server_kernel_us_per_req": "µs",
         "loadgen_us_per_req": "µs", "p50_ms": "ms", "p999_ms": "ms", "achieved_rps": "req/s",
         "identity_bytes": "B", "zstd_bytes": "B", "dcz_bytes": "B", "zstd_ref_bytes": "B", "dcz_ref_bytes": "B"}

# Headings of the sections issue 14 added.
SECTION_TITLES = {
    "collect-django": "Collect a Django project (hush collect --django vs manage.py collectstatic)",
    "bytes": "Bytes on the wire (what a client accepting each encoding downloads)",
    "serve-cpu": "Serve CPU (the pinned core's busy share and µs per request; the server's own µs per request "
                 "split into user and kernel; the load generator's share of its core and µs per request)",
    "latency": "Latency at fixed request rates (h2load --h1 --rps, 50 connections)",
    "latency-cpu": "Latency runs' CPU",
    "h2c": "h2c (HTTP/2 cleartext, h2load)",
    "h2c-cpu": "h2c CPU",
}


@dataclass
class Row:
    section: str
    scenario: str
    concurrency: int | None
    tool: str
    metric: str
    value: float | None
    runs: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def key(self) -> tuple:
        return (self.section, self.scenario, self.concurrency or 0, self.metric)


HASH_ONLY = "hush-hash-only"
# The Hush configuration each peer is paired with: Django's hashing-only storage against Hush with
# compression off (issue 2's comparison), everything else against Hush as configured by default.
COUNTERPART = {"django-manifest": HASH_ONLY}


# Section headings of the Markdown report, in the README's words.
TITLES = {"collect": "Collect (wall time, peak RSS; compressed totals)",
          "serve": "Serve (requests/s; ratios are hush/peer, above 1 means Hush is ahead)",
          "scaling": "Scaling (collect without compression; start-up; connections)"}
TITLES.update(SECTION_TITLES)

# Version of the JSON results document (RESULTS/NAME.json); raise it when a key changes meaning.
JSON_FORMAT = 1


class Results:
    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.notes: list[str] = []

    def add(self, section: str, scenario: str, tool: str, metric: str, value: float | None,
            concurrency: int | None = None, runs: list[float] | None = None, note: str = "") -> Row:
        row = Row(section, scenario, concurrency, tool, metric, value, list(runs or []), note)
        self.rows.append(row)
        return row

    def hush_for(self, row: Row) -> Row | None:
        """The Hush row a peer's row is compared with; without a hash-only Hush row in that
        section (the scaling runs are hash-only throughout), plain `hush`."""
        wanted = COUNTERPART.get(row.tool, HUSH)
        for tool in (wanted, HUSH):
            for r in self.rows:
                if r.tool == tool and r.key == row.key:
                    return r
        return None

    def ratio(self, row: Row) -> float | None:
        """hush/peer for the same section, scenario, concurrency and metric, from this run."""
        if row.tool.startswith(HUSH):
            return None
        h = self.hush_for(row)
        if h is None or h.value is None or row.value in (None, 0) or not math.isfinite(row.value):
            return None
        return h.value / row.value

    def tools(self, section: str) -> list[str]:
        seen: list[str] = []
        for r in self.rows:
            if r.section == section and r.tool not in seen:
                seen.append(r.tool)
        return sorted(seen, key=lambda t: (t != HUSH, not t.startswith(HUSH), seen.index(t)))

    def sections(self) -> list[str]:
        seen: list[str] = []
        for r in self.rows:
            if r.section not in seen:
                seen.append(r.section)
        return seen

    # ------------------------------------------------------------ outputs

    def write_csv(self, path: str) -> None:
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["section", "scenario", "concurrency", "tool", "metric", "value", "unit",
                        "hush_over_peer", "runs", "note"])
            for r in self.rows:
                ratio = self.ratio(r)
                w.writerow([r.section, r.scenario, r.concurrency if r.concurrency is not None else "",
                            r.tool, r.metric, "" if r.value is None else f"{r.value:.6g}", UNITS.get(r.metric, ""),
                            "" if ratio is None else f"{ratio:.4g}", ";".join(f"{v:.6g}" for v in r.runs), r.note])

    def write_json(self, path: str, run: dict) -> None:
        """Every row as measured (values unrounded) with `run`, the facts about the run that the
        report states: date, machine, corpus, protocol, versions, wall_minutes. The Markdown
        report (and the README's copy of it) is rendered from this file alone."""
        doc = {"format": JSON_FORMAT, **run, "notes": self.notes,
               "rows": [{"section": r.section, "scenario": r.scenario, "concurrency": r.concurrency,
                         "tool": r.tool, "metric": r.metric, "value": r.value, "runs": r.runs, "note": r.note}
                        for r in self.rows]}
        with open(path, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")

    @classmethod
    def from_json(cls, doc: dict) -> "Results":
        if doc.get("format") != JSON_FORMAT:
            raise ValueError(f"results format {doc.get('format')!r}, expected {JSON_FORMAT}")
        res = cls()
        res.notes = list(doc.get("notes", []))
        for r in doc["rows"]:
            res.add(r["section"], r["scenario"], r["tool"], r["metric"], r["value"], r["concurrency"],
                    r.get("runs"), r.get("note", ""))
        return res

    def table(self, section: str) -> tuple[list[str], list[list[str]]]:
        tools = self.tools(section)
        keys: list[tuple] = []
        for r in self.rows:
            if r.section == section and r.key not in keys:
                keys.append(r.key)
        # Grouped by scenario (in the order measured), then metric, then connection count.
        scenarios = list(dict.fromkeys(k[1] for k in keys))
        metrics = list(dict.fromkeys(k[3] for k in keys))
        keys.sort(key=lambda k: (scenarios.index(k[1]), metrics.index(k[3]), k[2]))
        header = ["scenario", "conc", "metric"] + tools
        body = []
        for key in keys:
            line = [key[1], str(key[2]) if key[2] else "", f"{key[3]} ({UNITS.get(key[3], '')})"]
            for tool in tools:
                row = next((r for r in self.rows if r.tool == tool and r.key == key), None)
                line.append(cell(row, self.ratio(row) if row else None))
            body.append(line)
        return header, body


def human(value: float | None, metric: str) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    if metric.endswith("_bytes"):
        if abs(value) < 1048576:
            return f"{value / 1024:.1f} KiB"
        return f"{value / 1048576:.2f} MiB"
    a = abs(value)
    if a >= 1e5:
        return f"{value:,.0f}"
    if a >= 100:
        return f"{value:.0f}"
    if a >= 10:
        return f"{value:.1f}"
    if a >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def verdict(ratio: float, metric: str) -> str:
    """Hush's standing against the peer in words, for time metrics (hush/peer < 1 is faster)."""
    if ratio <= 0 or not math.isfinite(ratio):
        return "n/a"
    return f"{1 / ratio:.1f}x faster" if ratio <= 1 else f"{ratio:.1f}x slower"


def cell(row: Row | None, ratio: float | None) -> str:
    if row is None:
        return ""
    if row.value is None:
        return row.note or "n/a"
    text = human(row.value, row.metric)
    if ratio is not None:
        text += f" (hush/peer {ratio:.2f}; {verdict(ratio, row.metric)})" if row.metric in ("seconds", "startup_s") \
            else f" (hush/peer {ratio:.2f})"
    if row.note and not row.note.startswith("ok"):
        text += f" [{row.note}]"
    return text


def render_text_table(header: list[str], body: list[list[str]]) -> str:
    widths = [max(len(h), *(len(line[i]) for line in body)) if body else len(h) for i, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths)),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(line, widths)) for line in body]
    return "\n".join(out)


def render_markdown_report(doc: dict) -> str:
    """The report of one run as Markdown (RESULTS/NAME.md, and the README between its markers):
    what was measured where, one table per section, the notes, the run's wall time."""
    res = Results.from_json(doc)
    md = [f"Measured {doc['date']} on {doc['machine']}.", ""]
    md += [". ".join(part for part in (doc.get("corpus", ""), doc["protocol"]) if part) + ".", ""]
    if doc.get("versions"):
        md += [f"Servers: {doc['versions']}.", ""]
    for section in res.sections():
        header, body = res.table(section)
        md += [f"**{TITLES.get(section, section)}**", "", render_markdown_table(header, body), ""]
    md += [f"- {note}" for note in res.notes]
    md += ["", f"Total wall time of the run: {doc['wall_minutes']:.1f} min.", ""]
    return "\n".join(md)


def render_markdown_table(header: list[str], body: list[list[str]]) -> str:
    def esc(s: str) -> str:
        return s.replace("|", "\\|")
    out = ["| " + " | ".join(esc(h) for h in header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(esc(c) for c in line) + " |" for line in body]
    return "\n".join(out)
