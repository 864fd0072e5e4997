#!/usr/bin/env python3
"""Differential-test oracle for Django 6.1's reference-rewriting regexes.

Reads JSON on stdin:

    {"pattern": NAME, "inputs": ["...", ...]}

and prints JSON on stdout:

    {"pattern": NAME, "regex": SOURCE, "flags": INT,
     "matches": [ [ [start, end, {"group": [start, end] | null, ...}], ... ],   # input 0
                  ... ]}

one list per input, each match as `re.finditer` yields it, with every named
group. All offsets are byte offsets into the UTF-8 encoding of the input
(Python works in code points; they are converted here). A group that did not
take part in the match is null.

NAME is one of (`--list` prints them with their source and flags):

    css_url, css_import, css_source_map       HashedFilesMixin.patterns, "*.css"
    js_source_map                             HashedFilesMixin.patterns, "*.js"
    js_import_from, js_export_from,           _js_module_import_aggregation_patterns
    js_import_bare, js_import_dynamic         (used with --js-modules)
    css_ignored, js_ignored                   _css_ignored_re, _js_ignored_re

The rewriting patterns are compiled exactly as HashedFilesMixin.__init__ does
(re.IGNORECASE, plus the pattern's own inline flags); the ignored-block
patterns keep their own flags (re.DOTALL). The sources are read from Django
itself, not copied, so the oracle follows the installed version.

Exit status 2 with one line on stderr for bad input. Python >= 3.12 + Django.
"""

import sys

sys.dont_write_bytecode = True

import json  # noqa: E402
import re  # noqa: E402


def _pattern_source(entry):
    # An entry is a bare pattern or a (pattern, template[, ignored_re]) tuple.
    return entry[0] if isinstance(entry, (tuple, list)) else entry


def load_patterns():
    from django.contrib.staticfiles import storage as st

    mixin = st.HashedFilesMixin
    by_ext = {ext: list(entries) for ext, entries in mixin.patterns}
    css = by_ext["*.css"]
    js = by_ext["*.js"]
    ext, modules = mixin._js_module_import_aggregation_patterns
    assert ext == "*.js" and len(css) == 3 and len(js) == 1 and len(modules) == 4

    def rewriting(entry):
        return re.compile(_pattern_source(entry), re.IGNORECASE)

    def ignored(lazy):
        # _lazy_re_compile returns a SimpleLazyObject around a compiled regex.
        return re.compile(lazy.pattern, lazy.flags)

    return {
        "css_url": rewriting(css[0]),
        "css_import": rewriting(css[1]),
        "css_source_map": rewriting(css[2]),
        "js_source_map": rewriting(js[0]),
        "js_import_from": rewriting(modules[0]),
        "js_export_from": rewriting(modules[1]),
        "js_import_bare": rewriting(modules[2]),
        "js_import_dynamic": rewriting(modules[3]),
        "css_ignored": ignored(st._css_ignored_re),
        "js_ignored": ignored(st._js_ignored_re),
    }


def byte_offsets(text):
    """offsets[i] = UTF-8 byte offset of code point i (offsets[len] = total)."""
    offsets = [0] * (len(text) + 1)
    total = 0
    for i, ch in enumerate(text):
        offsets[i] = total
        # surrogatepass: a lone surrogate from JSON still gets a width (3).
        total += len(ch.encode("utf-8", "surrogatepass"))
    offsets[len(text)] = total
    return offsets


def matches_for(regex, text):
    offsets = byte_offsets(text)
    names = sorted(regex.groupindex, key=regex.groupindex.get)
    result = []
    for m in regex.finditer(text):
        groups = {}
        for name in names:
            start, end = m.span(name)
            groups[name] = None if start == -1 else [offsets[start], offsets[end]]
        result.append([offsets[m.start()], offsets[m.end()], groups])
    return result


def main(argv):
    try:
        patterns = load_patterns()
    except ImportError as exc:
        sys.stderr.write(f"regex_oracle: cannot import Django: {exc}\n")
        return 2
    if argv[:1] == ["--list"]:
        listing = {
            name: {"regex": rx.pattern, "flags": int(rx.flags)}
            for name, rx in patterns.items()
        }
        print(json.dumps(listing, indent=1))
        return 0
    try:
        request = json.load(sys.stdin)
        name = request["pattern"]
        inputs = request["inputs"]
        regex = patterns[name]
        if not isinstance(inputs, list) or not all(isinstance(s, str) for s in inputs):
            raise TypeError("inputs must be a list of strings")
    except KeyError as exc:
        sys.stderr.write(
            f"regex_oracle: unknown or missing key {exc}; patterns: "
            + ", ".join(patterns)
            + "\n"
        )
        return 2
    except (ValueError, TypeError) as exc:
        sys.stderr.write(f"regex_oracle: bad request: {exc}\n")
        return 2
    payload = {
        "pattern": name,
        "regex": regex.pattern,
        "flags": int(regex.flags),
        "matches": [matches_for(regex, text) for text in inputs],
    }
    json.dump(payload, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
