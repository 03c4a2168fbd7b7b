"""Pure-NumPy drawing helpers shared by every notebook tool: PNG heatmaps, SVG charts, HTML tables.

No matplotlib: a heatmap is a tiny PNG written with zlib, a chart is SVG text. Everything here
returns bytes or strings, so it is testable headless and cheap to re-render on every update.
"""
import html
import math
import struct
import zlib
import base64

import numpy as np

__all__ = ["heatmap_png", "png_data_uri", "histogram_svg", "sparkline_svg", "line_chart_svg",
           "array_stats", "html_table", "to_numpy", "encode_png", "Raw", "SERIES_COLORS"]

# Matplotlib's viridis sampled at 9 stops; interpolated linearly to 256 entries below.
_VIRIDIS_STOPS = np.array([
    [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
    [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37]], dtype=np.float64)

SERIES_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                 "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

_NAN_RGB = (255, 0, 255)   # magenta: NaN/Inf stand out from every colormap


def _colormap(name):
    if name == "gray" or name == "grey":
        ramp = np.linspace(0, 255, 256)
        return np.stack([ramp, ramp, ramp], axis=1).astype(np.uint8)
    if name == "viridis":
        positions = np.linspace(0, 1, len(_VIRIDIS_STOPS))
        samples = np.linspace(0, 1, 256)
        channels = [np.interp(samples, positions, _VIRIDIS_STOPS[:, c]) for c in range(3)]
        return np.stack(channels, axis=1).round().astype(np.uint8)
    raise ValueError("unknown colormap %r; expected 'viridis' or 'gray'" % (name,))


def to_numpy(array):
    """A NumPy copy of an mxnb NDArray, a CuPy array or anything array-like."""
    if hasattr(array, "asnumpy"):
        return array.asnumpy()
    if hasattr(array, "get") and type(array).__module__.startswith("cupy"):
        return array.get()
    return np.asarray(array)


def _png_chunk(kind, payload):
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def encode_png(rgb):
    """PNG bytes of a (height, width, 3) uint8 image (8-bit RGB, no filtering)."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width, _ = rgb.shape
    # Each scanline starts with filter type 0 (None).
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rgb.reshape(height, width * 3)], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)) + _png_chunk(b"IEND", b""))


def heatmap_png(array2d, cmap="viridis", scale=None, vmin=None, vmax=None):
    """PNG bytes of a 2-D array as a heatmap; NaN/Inf pixels are magenta.

    `scale` is the integer pixel size of one element; by default small arrays are enlarged so
    that the longer side is at least ~128 pixels (and never more than 16 pixels per element).
    """
    values = to_numpy(array2d).astype(np.float64)
    if values.ndim != 2:
        raise ValueError("heatmap_png needs a 2-D array, found shape %s" % (values.shape,))
    if values.size == 0:
        raise ValueError("heatmap_png needs a non-empty array, found shape %s" % (values.shape,))
    finite = np.isfinite(values)
    low = vmin if vmin is not None else (values[finite].min() if finite.any() else 0.0)
    high = vmax if vmax is not None else (values[finite].max() if finite.any() else 1.0)
    span = high - low if high > low else 1.0
    normalised = np.clip((np.where(finite, values, low) - low) / span, 0.0, 1.0)
    rgb = _colormap(cmap)[(normalised * 255).round().astype(np.intp)]
    rgb[~finite] = _NAN_RGB
    if scale is None:
        scale = max(1, min(16, 128 // max(values.shape)))
    scale = int(scale)
    if scale > 1:
        rgb = np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)
    return encode_png(rgb)


def png_data_uri(png_bytes):
    return "data:image/png;base64," + base64.b64encode(png_bytes).decode("ascii")


def svg_img(svg_text, alt=""):
    """An <img> of an SVG drawing: unlike inline <svg>, it survives the HTML sanitising of
    untrusted notebooks (a saved notebook opened again, GitHub)."""
    return '<img alt="%s" src="data:image/svg+xml;base64,%s">' % (
        html.escape(alt), base64.b64encode(svg_text.encode("utf-8")).decode("ascii"))


def _number(value):
    """Short text for a figure on an axis or in a table."""
    if value is None:
        return ""
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value != 0 and (abs(value) >= 1e4 or abs(value) < 1e-3):
        return "%.2e" % value
    return "%.4g" % value


def _svg_open(width, height):
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
            'viewBox="0 0 %d %d" style="font-family:sans-serif;font-size:10px">'
            % (width, height, width, height))


def histogram_svg(values, bins=30, width=240, height=80):
    """SVG histogram of the finite entries of `values` (empty frame when none are finite)."""
    data = to_numpy(values).astype(np.float64).ravel()
    data = data[np.isfinite(data)]
    parts = [_svg_open(width, height),
             '<rect x="0" y="0" width="%d" height="%d" fill="#fafafa" stroke="#ddd"/>' % (width, height)]
    if data.size:
        counts, edges = np.histogram(data, bins=bins)
        plot_height = height - 14
        bar_width = width / float(len(counts))
        top = counts.max() or 1
        for i, count in enumerate(counts):
            bar = plot_height * count / top
            parts.append('<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="#1f77b4">'
                         '<title>[%s, %s): %d</title></rect>'
                         % (i * bar_width, plot_height - bar, max(bar_width - 1, 0.5), bar,
                            _number(edges[i]), _number(edges[i + 1]), count))
        parts.append('<text x="2" y="%d">%s</text>' % (height - 2, html.escape(_number(edges[0]))))
        parts.append('<text x="%d" y="%d" text-anchor="end">%s</text>'
                     % (width - 2, height - 2, html.escape(_number(edges[-1]))))
    parts.append("</svg>")
    return "".join(parts)


def _finite_points(values):
    return [(i, float(v)) for i, v in enumerate(values)
            if v is not None and math.isfinite(float(v))]


def _polyline(points, x_of, y_of, color):
    coords = " ".join("%.2f,%.2f" % (x_of(i), y_of(v)) for i, v in points)
    return ('<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>' % (color, coords))


def sparkline_svg(values, width=120, height=24, color="#1f77b4"):
    """A tiny line of `values` without axes; non-finite entries are left out."""
    points = _finite_points(list(values))
    parts = [_svg_open(width, height)]
    if points:
        ys = [v for _, v in points]
        low, high = min(ys), max(ys)
        span = (high - low) or 1.0
        count = max(len(values) - 1, 1)
        parts.append(_polyline(points, lambda i: 1 + (width - 2) * i / count,
                               lambda v: height - 2 - (height - 4) * (v - low) / span, color))
    parts.append("</svg>")
    return "".join(parts)


def line_chart_svg(series, width=400, height=200, title=None, log_y=False):
    """SVG line chart of `series` (name -> list of values, x is the index) with axes and legend.

    `log_y` plots log10 of positive values (for gradient norms spanning decades); its ticks are
    written as plain values (62.1, not 1e1.793). The legend sits under the plot, off the data.
    """
    margin_left, margin_right, margin_top, margin_bottom = 48, 8, 20 if title else 8, 18
    legend_h = 12 * len(series)
    plot_w = width - margin_left - margin_right
    plot_h = height - margin_top - margin_bottom
    height += legend_h
    prepared = {}
    for name, values in series.items():
        values = [None if v is None else float(v) for v in values]
        if log_y:
            values = [math.log10(v) if v is not None and v > 0 else None for v in values]
        prepared[name] = (values, _finite_points(values))
    all_y = [v for _, points in prepared.values() for _, v in points]
    longest = max([len(values) for values, _ in prepared.values()] or [1])
    parts = [_svg_open(width, height),
             '<rect x="%d" y="%d" width="%d" height="%d" fill="#fff" stroke="#ccc"/>'
             % (margin_left, margin_top, plot_w, plot_h)]
    if title:
        parts.append('<text x="%d" y="13" font-weight="bold">%s</text>'
                     % (margin_left, html.escape(title)))
    if all_y:
        low, high = min(all_y), max(all_y)
        if high == low:
            low, high = low - 0.5, high + 0.5
        span = high - low
        count = max(longest - 1, 1)

        def x_of(i):
            return margin_left + plot_w * i / count

        def y_of(v):
            return margin_top + plot_h * (1 - (v - low) / span)

        x_axis_y = margin_top + plot_h + 14

        for fraction in (0.0, 0.5, 1.0):
            tick = low + span * fraction
            label = _number(10 ** tick) if log_y else _number(tick)
            parts.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>'
                         % (margin_left - 3, y_of(tick) + 3, html.escape(label)))
        parts.append('<text x="%d" y="%d">0</text>' % (margin_left, x_axis_y))
        parts.append('<text x="%d" y="%d" text-anchor="end">%d</text>'
                     % (width - margin_right, x_axis_y, longest - 1))
        for k, (name, (values, points)) in enumerate(prepared.items()):
            color = SERIES_COLORS[k % len(SERIES_COLORS)]
            if len(points) == 1:
                i, v = points[0]
                parts.append('<circle cx="%.2f" cy="%.2f" r="2" fill="%s"/>' % (x_of(i), y_of(v), color))
            elif points:
                parts.append(_polyline(points, x_of, y_of, color))
        for k, name in enumerate(prepared):
            color = SERIES_COLORS[k % len(SERIES_COLORS)]
            last = prepared[name][1][-1][1] if prepared[name][1] else None
            text = "%s %s" % (name, _number(10 ** last if log_y and last is not None else last))
            parts.append('<text x="%d" y="%d" fill="%s">%s</text>'
                         % (margin_left + 4, margin_top + 11 + 11 * k, color, html.escape(text)))
    else:
        parts.append('<text x="%d" y="%d" fill="#999">no data yet</text>'
                     % (margin_left + 4, margin_top + 14))
    parts.append("</svg>")
    return "".join(parts)


def array_stats(array):
    """shape, dtype, ctx and min/max/mean/std over the finite entries, plus NaN and Inf counts."""
    ctx = getattr(array, "context", None)
    data = to_numpy(array)
    stats = {"shape": tuple(data.shape), "dtype": str(data.dtype),
             "ctx": str(ctx) if ctx is not None else "cpu(0)",
             "min": None, "max": None, "mean": None, "std": None, "nan": 0, "inf": 0}
    if data.dtype.kind not in "biufc" or data.size == 0:
        return stats
    if data.dtype.kind in "fc":
        nan_mask = np.isnan(data)
        inf_mask = np.isinf(data)
        stats["nan"] = int(nan_mask.sum())
        stats["inf"] = int(inf_mask.sum())
        finite = data[~(nan_mask | inf_mask)]
    else:
        finite = data.ravel()
    if finite.size:
        finite = finite.astype(np.float64) if data.dtype.kind != "c" else np.abs(finite)
        stats.update(min=float(finite.min()), max=float(finite.max()),
                     mean=float(finite.mean()), std=float(finite.std()))
    return stats


def html_table(rows, header=None, max_height=None):
    """An HTML table of `rows` (lists of cells); cells are escaped unless wrapped in `Raw`."""
    def cell(value, tag):
        text = value.html if isinstance(value, Raw) else html.escape(str(value))
        return "<%s style=\"text-align:left;padding:2px 8px\">%s</%s>" % (tag, text, tag)

    parts = ['<table style="border-collapse:collapse;font-family:monospace;font-size:12px">']
    if header:
        parts.append("<thead><tr>%s</tr></thead>" % "".join(cell(h, "th") for h in header))
    parts.append("<tbody>")
    for row in rows:
        parts.append("<tr>%s</tr>" % "".join(cell(value, "td") for value in row))
    parts.append("</tbody></table>")
    table = "".join(parts)
    if max_height:
        table = '<div style="max-height:%dpx;overflow:auto">%s</div>' % (max_height, table)
    return table


class Raw:
    """A table cell that is already HTML (an image, a sparkline) and must not be escaped."""
    __slots__ = ("html",)

    def __init__(self, html_text):
        self.html = html_text

    def __str__(self):
        return self.html
