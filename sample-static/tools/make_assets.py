#!/usr/bin/env python3
"""Rebuilds the binary assets of the demo site: the PNGs (standard library only) and the
Hush Sans font (needs fontTools + brotli: `pip install fonttools brotli`). Everything here is
drawn by this script; the output is deterministic, so re-running it changes nothing.

    python3 sample-static/tools/make_assets.py
"""
import math
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def png(width, height, pixel):
    """A real RGBA PNG; pixel(x, y) -> (r, g, b, a)."""
    raw = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )

    def chunk(kind, data):
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def write(rel, data):
    path = os.path.join(ROOT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    print(f"{rel}: {len(data)} bytes")


def mix(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


BLUE, PURPLE, INK, PAPER = (58, 110, 165), (106, 76, 147), (29, 29, 39), (251, 250, 247)


def favicon(x, y):
    # a rounded square in the brand gradient with a white "H"
    inside = not ((x in (0, 15)) and (y in (0, 15)))
    if not inside:
        return (0, 0, 0, 0)
    if (x in (4, 5, 10, 11) and 3 <= y <= 12) or (y in (7, 8) and 4 <= x <= 11):
        return (255, 255, 255, 255)
    return mix(BLUE, PURPLE, (x + y) / 30) + (255,)


def hero(x, y):
    t = x / 63
    wave = 0.5 + 0.5 * math.sin((x / 64 + y / 32) * math.pi * 2)
    return mix(mix(BLUE, PURPLE, t), (255, 255, 255), 0.15 * wave) + (255,)


def pattern(x, y):
    return (29, 29, 39, 40) if (x, y) in ((1, 1), (5, 5)) else (0, 0, 0, 0)


TEAM = [  # 12x8: three little people
    "............",
    ".o...o...o..",
    "ooo.ooo.ooo.",
    ".o...o...o..",
    ".o...o...o..",
    "o.o.o.o.o.o.",
    "............",
    "oooooooooooo",
]


def team(x, y):
    return INK + (255,) if TEAM[y][x] == "o" else PAPER + (255,)


def arrows(x, y):
    # two 16x16 chevrons side by side: "<" then ">"
    cx = x % 16
    d = abs(y - 7.5)
    on = abs(cx - (5 + d * 1.1)) < 1.3 if x < 16 else abs(cx - (10.5 - d * 1.1)) < 1.3
    return INK + (255,) if on and d < 5.5 else (0, 0, 0, 0)


def build_font(out_base):
    from fontTools.fontBuilder import FontBuilder
    from fontTools.misc.timeTools import timestampFromString
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    upm, xh, cap, s = 1000, 520, 720, 110

    def rects(*rs):
        pen = TTGlyphPen(None)
        for x0, y0, x1, y1 in rs:  # clockwise outer contours, as TrueType wants
            pen.moveTo((x0, y0))
            pen.lineTo((x0, y1))
            pen.lineTo((x1, y1))
            pen.lineTo((x1, y0))
            pen.closePath()
        return pen.glyph()

    mid = (xh - s) // 2
    glyphs = {
        ".notdef": rects((50, 0, 450, 60), (50, 660, 450, 720), (50, 60, 110, 660), (390, 60, 450, 660)),
        "space": TTGlyphPen(None).glyph(),
        "H": rects((60, 0, 60 + s, cap), (520, 0, 520 + s, cap), (60 + s, 310, 520, 310 + s)),
        "h": rects((60, 0, 60 + s, 760), (420, 0, 420 + s, xh - s), (60 + s, xh - s, 420 + s, xh)),
        "u": rects((60, s, 60 + s, xh), (420, 0, 420 + s, xh), (60, 0, 420, s)),
        "s": rects((60, xh - s, 470, xh), (60, mid + 25, 60 + s, xh - s), (60, mid - 30, 470, mid + 55),
                   (470 - s, s, 470, mid - 30), (60, 0, 470, s)),
        "period": rects((60, 0, 60 + s, s)),
    }
    advance = {".notdef": 500, "space": 260, "H": 690, "h": 590, "u": 590, "s": 530, "period": 230}
    cmap = {0x20: "space", ord("H"): "H", ord("h"): "h", ord("u"): "u", ord("s"): "s", ord("."): "period"}
    order = list(glyphs)
    stamp = timestampFromString("Wed Nov 25 00:00:00 2026")

    fb = FontBuilder(upm, isTTF=True)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap(cmap)
    fb.setupGlyf(glyphs)
    metrics = {}
    for name in order:
        glyph = glyphs[name]
        glyph.recalcBounds(fb.font["glyf"])
        metrics[name] = (advance[name], getattr(glyph, "xMin", 0))
    fb.setupHorizontalMetrics(metrics)
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({
        "familyName": "Hush Sans", "styleName": "Bold", "uniqueFontIdentifier": "HushSans-Bold-demo",
        "fullName": "Hush Sans Bold", "psName": "HushSans-Bold", "version": "Version 1.000",
        "copyright": "Drawn for the Hush demo site", "licenseDescription": "Public domain (CC0 1.0)",
    })
    fb.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200,
                usWeightClass=700)
    fb.setupPost()
    fb.setupHead(unitsPerEm=upm, created=stamp, modified=stamp)
    fb.font["head"].checkSumAdjustment = 0
    for flavor, ext in ((None, "ttf"), ("woff2", "woff2")):
        fb.font.flavor = flavor
        path = os.path.join(ROOT, f"{out_base}.{ext}")
        fb.font.save(path, reorderTables=True)
        print(f"{out_base}.{ext}: {os.path.getsize(path)} bytes")


def main():
    write("site/img/favicon.png", png(16, 16, favicon))
    write("site/img/hero.png", png(64, 32, hero))
    write("site/img/pattern.png", png(8, 8, pattern))
    write("site/img/photos/team photo.png", png(12, 8, team))
    write("vendor/minislide/img/arrows.png", png(32, 16, arrows))
    try:
        build_font("theme/fonts/hush-sans-subset")
    except ImportError:
        print("make_assets: fontTools not installed; font left as it is", file=sys.stderr)


if __name__ == "__main__":
    main()
