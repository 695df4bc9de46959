"""Server-side SVG for the sensors page: min/avg/max charts over time and the GPS track. Pure, no JS.

The CSP is `default-src 'self'`, and the gateway is offline: inline SVG needs neither scripts nor tiles.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from html import escape
from typing import Any

WIDTH, HEIGHT = 640, 180
PAD_L, PAD_R, PAD_T, PAD_B = 44, 8, 8, 22
M_PER_DEG_LAT = 110_540.0
M_PER_DEG_LON = 111_320.0


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    span = hi - lo
    raw = span / max(n - 1, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 10) for i in range(int((hi - first) / step + 1e-9) + 1)]


def _time_label(ts: float, span: float) -> str:
    fmt = "%H:%M" if span <= 2 * 86400 else "%d %b"
    return time.strftime(fmt, time.localtime(ts))


def _segments(points: Sequence[tuple[float, float]], max_gap: float) -> list[list[tuple[float, float]]]:
    """Split a series where the data has a hole (the board was unplugged), so no line bridges it."""
    out: list[list[tuple[float, float]]] = []
    for p in points:
        if not out or p[0] - out[-1][-1][0] > max_gap:
            out.append([])
        out[-1].append(p)
    return out


def chart_svg(
    series: Sequence[dict[str, Any]],
    field: str,
    since: float,
    until: float,
    *,
    unit: str,
    title: str,
    band: tuple[float, float] | None = None,
) -> str:
    """A min/avg/max chart of `field` (`t` or `h`) from `SensorStore.series` rows, with the alert band."""
    lo_key, avg_key, hi_key = f"{field}min", f"{field}avg", f"{field}max"
    rows = [r for r in series if r.get(avg_key) is not None]
    label = escape(title)
    if not rows:
        return (f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{label}: no data">'
                f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#777">no readings in this period'
                "</text></svg>")
    values = [v for r in rows for v in (r[lo_key], r[hi_key]) if v is not None]
    lo, hi = min(values), max(values)
    if band:
        lo, hi = min(lo, band[0]), max(hi, band[1])
    pad = max((hi - lo) * 0.08, 0.5)
    lo, hi = lo - pad, hi + pad
    inner_w, inner_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B
    span = max(until - since, 1.0)

    def x(t: float) -> float:
        return round(PAD_L + (t - since) / span * inner_w, 1)

    def y(v: float) -> float:
        return round(PAD_T + (hi - v) / (hi - lo) * inner_h, 1)

    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{label}">',
             f"<title>{label}</title>"]
    if band:
        parts.append(f'<rect class="band" x="{PAD_L}" y="{y(band[1])}" width="{inner_w}" '
                     f'height="{round(y(band[0]) - y(band[1]), 1)}" fill="#e3f4e3"/>')
    for tick in _nice_ticks(lo, hi):
        parts.append(f'<line x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{y(tick)}" y2="{y(tick)}" stroke="#eee"/>'
                     f'<text x="{PAD_L - 4}" y="{y(tick) + 4}" text-anchor="end" font-size="11" fill="#555">'
                     f"{tick:g}</text>")
    for i in range(5):
        t = since + span * i / 4
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        parts.append(f'<text x="{x(t)}" y="{HEIGHT - 6}" text-anchor="{anchor}" font-size="11" fill="#555">'
                     f"{escape(_time_label(t, span))}</text>")
    gap = 3 * span / max(len(series), 1) + 1
    avg_pts = [(r["t"], r[avg_key]) for r in rows]
    for seg in _segments(avg_pts, gap):
        idx = {t for t, _ in seg}
        seg_rows = [r for r in rows if r["t"] in idx]
        if len(seg_rows) > 1:
            upper = " ".join(f"{x(r['t'])},{y(r[hi_key])}" for r in seg_rows)
            lower = " ".join(f"{x(r['t'])},{y(r[lo_key])}" for r in reversed(seg_rows))
            parts.append(f'<polygon class="range" points="{upper} {lower}" fill="#f5b700" fill-opacity="0.25"/>')
            pts = " ".join(f"{x(t)},{y(v)}" for t, v in seg)
            parts.append(f'<polyline class="avg" points="{pts}" fill="none" stroke="#b07f00" stroke-width="1.5"/>')
        else:
            t, v = seg[0]
            parts.append(f'<circle class="avg" cx="{x(t)}" cy="{y(v)}" r="2" fill="#b07f00"/>')
    parts.append(f'<text x="{WIDTH - PAD_R}" y="{PAD_T + 12}" text-anchor="end" font-size="11" fill="#555">'
                 f"{escape(unit)} · min / avg / max per {escape(_duration(span / max(len(series), 1)))}</text></svg>")
    return "".join(parts)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"


def _nice_length(m: float) -> float:
    if m <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(m))
    return float(max(k * mag for k in (1, 2, 5) if k * mag <= m))


def track_svg(fixes: Sequence[dict[str, Any]], size: int = 420) -> str:
    """The GPS track as a polyline in a local metric projection, with start/end marks and a scale bar."""
    pts = [(f["lat"], f["lon"]) for f in fixes if f.get("lat") is not None and f.get("lon") is not None]
    if not pts:
        return (f'<svg class="track" viewBox="0 0 {size} {size}" role="img" aria-label="GPS track: no fix">'
                f'<text x="{size / 2}" y="{size / 2}" text-anchor="middle" fill="#777">no GPS fix in this period'
                "</text></svg>")
    lat0 = sum(p[0] for p in pts) / len(pts)
    lon0 = sum(p[1] for p in pts) / len(pts)
    k = math.cos(math.radians(lat0))
    xy = [((lon - lon0) * M_PER_DEG_LON * k, (lat - lat0) * M_PER_DEG_LAT) for lat, lon in pts]
    xs, ys = [p[0] for p in xy], [p[1] for p in xy]
    extent = max(max(xs) - min(xs), max(ys) - min(ys), 20.0)  # metres; a parked truck still gets a 20 m frame
    margin = 24
    scale = (size - 2 * margin) / extent
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def px(p: tuple[float, float]) -> str:
        return f"{round(size / 2 + (p[0] - cx) * scale, 1)},{round(size / 2 - (p[1] - cy) * scale, 1)}"

    start, end = px(xy[0]).split(","), px(xy[-1]).split(",")
    bar_m = _nice_length(extent / 4)
    bar_px = round(bar_m * scale, 1)
    bar_label = f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m"
    parts = [
        f'<svg class="track" viewBox="0 0 {size} {size}" role="img" aria-label="GPS track, {len(pts)} fixes">',
        f"<title>GPS track, {len(pts)} fixes</title>",
        f'<rect x="0" y="0" width="{size}" height="{size}" fill="#fff" stroke="#ddd"/>',
        f'<polyline class="path" points="{" ".join(px(p) for p in xy)}" fill="none" stroke="#2a6fdb" '
        'stroke-width="2" stroke-linejoin="round"/>',
        f'<circle class="start" cx="{start[0]}" cy="{start[1]}" r="5" fill="#2e9e44"><title>start</title></circle>',
        f'<circle class="end" cx="{end[0]}" cy="{end[1]}" r="5" fill="#c62828"><title>latest</title></circle>',
        f'<line x1="{margin}" x2="{margin + bar_px}" y1="{size - 10}" y2="{size - 10}" stroke="#222" '
        'stroke-width="2"/>',
        f'<text class="scale" x="{margin}" y="{size - 14}" font-size="11">{escape(bar_label)}</text>',
        f'<text x="{size - 6}" y="16" text-anchor="end" font-size="11" fill="#555">N ↑</text>',
        "</svg>",
    ]
    return "".join(parts)
