#!/usr/bin/env python3
"""Puts the latest benchmark report into README.md between its markers (`make bench` runs it).

    python3 Benchmarks/harness/readme.py [--results Benchmarks/results/latest.json] [--readme README.md]

The report is rendered from the results JSON the harness wrote (results.render_markdown_report,
the same text as latest.md) and replaces everything between the two marker lines; the markers
and the rest of the README stay byte for byte. Exit 0 (one line: updated or unchanged), or 1
with one line naming what is wrong (a marker missing, doubled or out of order; no results).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from results import render_markdown_report  # noqa: E402

START = "<!-- bench:start (make bench writes this section from Benchmarks/results/latest.json) -->"
END = "<!-- bench:end -->"


def splice(text: str, block: str, start: str = START, end: str = END) -> str:
    """`text` with the lines between the `start` and `end` marker lines replaced by `block`.
    Each marker must be a whole line of its own, once, `start` before `end`."""
    lines = text.split("\n")
    found = {}
    for marker in (start, end):
        at = [i for i, line in enumerate(lines) if line.strip() == marker]
        if len(at) != 1:
            raise ValueError(f"marker {marker!r} found {len(at)} times, expected once on a line of its own")
        found[marker] = at[0]
    first, last = found[start], found[end]
    if first > last:
        raise ValueError(f"marker {end!r} comes before {start!r}")
    body = block.strip("\n").split("\n")
    return "\n".join(lines[:first + 1] + [""] + body + [""] + lines[last:])


def main(argv: list[str] | None = None) -> int:
    repo = os.path.dirname(os.path.dirname(HERE))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", default=os.path.join(repo, "Benchmarks", "results", "latest.json"))
    p.add_argument("--readme", default=os.path.join(repo, "README.md"))
    a = p.parse_args(argv)
    try:
        with open(a.results) as f:
            report = render_markdown_report(json.load(f))
        with open(a.readme) as f:
            before = f.read()
        after = splice(before, report)
    except (OSError, ValueError) as e:
        print(f"readme: {a.readme}: {e}", file=sys.stderr)
        return 1
    except KeyError as e:
        print(f"readme: {a.results}: no {e} in the results (written by an older harness?)", file=sys.stderr)
        return 1
    if after == before:
        print(f"readme: {a.readme} unchanged (already shows {a.results})")
        return 0
    with open(a.readme, "w") as f:
        f.write(after)
    print(f"readme: {a.readme} now shows {a.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
