"""A small SVG chart writer (stdlib only): panels of grouped bars and of lines, stacked vertically.

    panels = [
        bars("Requests/s, 64 connections", unit="req/s", groups=["css", "js"],
             series={"hush": [52000, 31000], "nginx": [41000, None]}),
        lines("Collect time by tree size", x_label="files", unit="s",
              series={"hush": [(1000, 0.2), (10000, 1.9)]}, log_x=True),
    ]
    write_svg("latest.svg", "Hush benchmarks", panels, subtitle="machine, date")

A missing value (None) is drawn as "n/a" rather than as a zero bar, so a server that failed its
check can never look like a slow one. Every series is a <g class="series" data-series=NAME>
and is named in its panel's legend.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

WIDTH = 960
PANEL_HEIGHT = 300
MARGIN_LEFT = 80
MARGIN_RIGHT = 170           # legend column
# Hush keeps the one warm colour; peers get cool, clearly different ones.
PALETTE = ["#1c7ed6", "#2b8a3e", "#862e9c", "#495057", "#0b7285", "#c2255c", "#5c940d", "#364fc7"]
FIXED_COLOURS = {"hush": "#d9480f"}


def bars(title: str, unit: str, groups: list[str], series: dict[str, list[float | None]]) -> dict:
    return {"kind": "bars", "title": title, "unit": unit, "groups": groups, "series": series}


def lines(title: str, x_label: str, unit: str, series: dict[str, list[tuple[float, float]]],
          log_x: bool = True, log_y: bool = False) -> dict:
    return {"kind": "lines", "title": title, "x_label": x_label, "unit": unit, "series": series,
            "log_x": log_x, "log_y": log_y}


def colour_map(names: list[str]) -> dict[str, str]:
    out, i = {}, 0
    for name in names:
        if name in FIXED_COLOURS:
            out[name] = FIXED_COLOURS[name]
        else:
            palette = [c for c in PALETTE if c not in FIXED_COLOURS.values()]
            out[name] = palette[i % len(palette)]
            i += 1
    return out


def nice_max(value: float) -> float:
    if value <= 0 or not math.isfinite(value):
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * exp >= value:
            return step * exp
    return 10 * exp


def fmt(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    a = abs(value)
    if value == int(value) and a < 1e4:
        return str(int(value))
    if a >= 1e6:
        return f"{value / 1e6:.1f}M"
    if a >= 1e4:
        return f"{value / 1e3:.0f}k" if value % 1000 == 0 or a >= 1e5 else f"{value / 1e3:.1f}k"
    if a >= 1e3:
        return f"{value / 1e3:.1f}k"
    if a >= 100:
        return f"{value:.0f}"
    if a >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _text(x: float, y: float, s: str, size: int = 11, anchor: str = "start", weight: str = "normal",
          fill: str = "#212529", rotate: float | None = None) -> str:
    transform = f' transform="rotate({rotate} {x:.1f} {y:.1f})"' if rotate is not None else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}"{transform}>{escape(s)}</text>')


def _legend(names: list[str], colours: dict[str, str], x: float, y: float) -> list[str]:
    out = ['<g class="legend">']
    for i, name in enumerate(names):
        yy = y + i * 18
        out.append(f'<rect x="{x:.1f}" y="{yy - 9:.1f}" width="12" height="12" fill="{colours[name]}"/>')
        out.append(_text(x + 18, yy + 1, name, 12))
    out.append("</g>")
    return out


def _axis_y(x0: float, y0: float, height: float, vmax: float, unit: str, plot_w: float,
            log: bool = False, vmin: float = 1.0) -> list[str]:
    out = []
    ticks = []
    if log:
        lo, hi = math.floor(math.log10(vmin)), math.ceil(math.log10(vmax))
        ticks = [10 ** e for e in range(lo, hi + 1)]
    else:
        ticks = [vmax * i / 4 for i in range(5)]
    for t in ticks:
        frac = ((math.log10(t) - math.log10(ticks[0])) / max(1e-9, math.log10(ticks[-1]) - math.log10(ticks[0]))
                if log else t / vmax)
        y = y0 + height - frac * height
        out.append(f'<line x1="{x0:.1f}" y1="{y:.1f}" x2="{x0 + plot_w:.1f}" y2="{y:.1f}" stroke="#dee2e6"/>')
        out.append(_text(x0 - 6, y + 4, fmt(t), 10, "end", fill="#495057"))
    out.append(_text(x0 - 60, y0 + height / 2, unit, 11, "middle", fill="#495057", rotate=-90))
    return out


def _bars_panel(p: dict, top: float, colours: dict[str, str]) -> list[str]:
    names = list(p["series"])
    groups = p["groups"]
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = PANEL_HEIGHT - 80
    y0 = top + 40
    values = [v for vs in p["series"].values() for v in vs if v is not None and math.isfinite(v)]
    vmax = nice_max(max(values) if values else 1.0)
    out = [_text(MARGIN_LEFT, top + 22, p["title"], 14, weight="bold")]
    out += _axis_y(MARGIN_LEFT, y0, plot_h, vmax, p["unit"], plot_w)
    group_w = plot_w / max(1, len(groups))
    bar_w = min(40.0, group_w * 0.8 / max(1, len(names)))
    for gi, group in enumerate(groups):
        gx = MARGIN_LEFT + gi * group_w
        out.append(_text(gx + group_w / 2, y0 + plot_h + 18, group, 11, "middle"))
    for si, name in enumerate(names):
        out.append(f'<g class="series" data-series={quoteattr(name)}>')
        for gi, value in enumerate(p["series"][name]):
            gx = MARGIN_LEFT + gi * group_w + (group_w - bar_w * len(names)) / 2 + si * bar_w
            if value is None or not math.isfinite(value):
                out.append(_text(gx + bar_w / 2, y0 + plot_h - 4, "n/a", 9, "middle", fill="#868e96"))
                continue
            h = plot_h * value / vmax
            out.append(f'<rect x="{gx + 1:.1f}" y="{y0 + plot_h - h:.1f}" width="{bar_w - 2:.1f}" '
                       f'height="{h:.1f}" fill="{colours[name]}"><title>{escape(name)} {escape(groups[gi])}: '
                       f'{fmt(value)} {escape(p["unit"])}</title></rect>')
            out.append(_text(gx + bar_w / 2, y0 + plot_h - h - 3, fmt(value), 9, "middle", fill="#343a40"))
        out.append("</g>")
    out.append(f'<line x1="{MARGIN_LEFT}" y1="{y0 + plot_h:.1f}" x2="{MARGIN_LEFT + plot_w:.1f}" '
               f'y2="{y0 + plot_h:.1f}" stroke="#495057"/>')
    out += _legend(names, colours, WIDTH - MARGIN_RIGHT + 20, y0 + 10)
    return out


def _lines_panel(p: dict, top: float, colours: dict[str, str]) -> list[str]:
    names = list(p["series"])
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = PANEL_HEIGHT - 90
    y0 = top + 40
    points = [(x, y) for pts in p["series"].values() for x, y in pts
              if x is not None and y is not None and math.isfinite(y) and x > 0]
    xs = [x for x, _ in points] or [1, 10]
    ys = [y for _, y in points] or [1]
    xmin, xmax = min(xs), max(xs)
    if xmin == xmax:
        xmin, xmax = xmin / 2, xmax * 2
    log_y = p.get("log_y", False) and min(ys) > 0
    ymax = nice_max(max(ys)) if not log_y else 10 ** math.ceil(math.log10(max(ys)))
    ymin = 10 ** math.floor(math.log10(min(ys))) if log_y else 0.0

    def px(x: float) -> float:
        if p["log_x"]:
            return MARGIN_LEFT + plot_w * (math.log10(x) - math.log10(xmin)) / (math.log10(xmax) - math.log10(xmin))
        return MARGIN_LEFT + plot_w * (x - xmin) / (xmax - xmin)

    def py(y: float) -> float:
        if log_y:
            frac = (math.log10(y) - math.log10(ymin)) / max(1e-9, math.log10(ymax) - math.log10(ymin))
        else:
            frac = y / ymax
        return y0 + plot_h - plot_h * frac

    out = [_text(MARGIN_LEFT, top + 22, p["title"], 14, weight="bold")]
    out += _axis_y(MARGIN_LEFT, y0, plot_h, ymax, p["unit"], plot_w, log=log_y, vmin=ymin or 1)
    for x in sorted(set(xs)):
        out.append(_text(px(x), y0 + plot_h + 16, fmt(x), 10, "middle", fill="#495057"))
    out.append(_text(MARGIN_LEFT + plot_w / 2, y0 + plot_h + 34, p["x_label"], 11, "middle", fill="#495057"))
    for name in names:
        pts = sorted((x, y) for x, y in p["series"][name]
                     if x is not None and y is not None and math.isfinite(y) and x > 0)
        out.append(f'<g class="series" data-series={quoteattr(name)}>')
        if pts:
            path = " ".join(f"{'M' if i == 0 else 'L'}{px(x):.1f},{py(y):.1f}" for i, (x, y) in enumerate(pts))
            out.append(f'<path d="{path}" fill="none" stroke="{colours[name]}" stroke-width="2"/>')
            for x, y in pts:
                out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colours[name]}">'
                           f'<title>{escape(name)} {fmt(x)}: {fmt(y)} {escape(p["unit"])}</title></circle>')
        out.append("</g>")
    out.append(f'<line x1="{MARGIN_LEFT}" y1="{y0 + plot_h:.1f}" x2="{MARGIN_LEFT + plot_w:.1f}" '
               f'y2="{y0 + plot_h:.1f}" stroke="#495057"/>')
    out += _legend(names, colours, WIDTH - MARGIN_RIGHT + 20, y0 + 10)
    return out


def render_svg(title: str, panels: list[dict], subtitle: str = "") -> str:
    names: list[str] = []
    for p in panels:
        for name in p["series"]:
            if name not in names:
                names.append(name)
    colours = colour_map(names)
    height = 60 + PANEL_HEIGHT * len(panels)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif">',
           f"<title>{escape(title)}</title>",
           f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
           _text(20, 28, title, 18, weight="bold")]
    if subtitle:
        out.append(_text(20, 46, subtitle, 11, fill="#495057"))
    for i, p in enumerate(panels):
        top = 60 + i * PANEL_HEIGHT
        out.append(f'<g class="panel" data-title={quoteattr(p["title"])}>')
        out += _bars_panel(p, top, colours) if p["kind"] == "bars" else _lines_panel(p, top, colours)
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_svg(path: str, title: str, panels: list[dict], subtitle: str = "") -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(render_svg(title, panels, subtitle))
