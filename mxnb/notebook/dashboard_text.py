"""Text for the dashboard's figures: byte sizes, percentages, rates, and a plain-text report of a
snapshot (for scripts, logs and benchmarks, where there is no widget to look at)."""

_UNITS = ("B", "KiB", "MiB", "GiB", "TiB")

# What each per-context figure is called on screen, in display order.
CONTEXT_LABELS = (
    ("live_arrays", "live NDArrays"),
    ("live_bytes", "live NDArray bytes"),
    ("peak_bytes", "peak NDArray bytes (process, since the newest dashboard)"),
    ("pool_used_bytes", "CuPy pool used"),
    ("pool_held_bytes", "CuPy pool held"),
    ("device_free_bytes", "device memory free"),
    ("device_total_bytes", "device memory total"),
    ("utilization", "utilisation"),
)
PROCESS_LABELS = (("rss_bytes", "resident memory (RSS)"), ("cpu_percent", "CPU (100% = one core)"))


def format_bytes(value):
    """'104.9 MiB'; a dash for an unknown figure."""
    if value is None:
        return "—"
    size = float(value)
    sign = "-" if size < 0 else ""
    size = abs(size)
    for unit in _UNITS:
        if size < 1024 or unit == _UNITS[-1]:
            return "%s%d %s" % (sign, size, unit) if unit == "B" else "%s%.1f %s" % (sign, size, unit)
        size /= 1024.0


def format_percent(value):
    return "—" if value is None else "%.1f%%" % value


def format_rate(value):
    return "—" if value is None else "%.1f/s" % value


def format_count(value):
    return "—" if value is None else "{:,}".format(int(value))


def format_figure(field, value):
    """A figure's text by what it measures: bytes, a percentage or a count."""
    if field.endswith("bytes"):
        return format_bytes(value)
    if field in ("utilization", "cpu_percent"):
        return format_percent(value)
    if field == "ops_per_second":
        return format_rate(value)
    return format_count(value)


def context_labels(ctx_name):
    """CONTEXT_LABELS as shown for `ctx_name`: on a cpu the device is the host (its memory, and its
    CPUs' utilisation), and there is no memory pool."""
    if ctx_name.startswith("gpu"):
        return CONTEXT_LABELS
    host = {"device_free_bytes": "host memory available", "device_total_bytes": "host memory total",
            "utilization": "host CPU utilisation"}
    return tuple((field, host.get(field, label)) for field, label in CONTEXT_LABELS
                 if not field.startswith("pool_"))


def snapshot_text(snapshot):
    """A plain-text report of `Dashboard.snapshot()`."""
    lines = []
    for ctx_name, figures in snapshot["contexts"].items():
        lines.append("%s:" % ctx_name)
        for field, label in context_labels(ctx_name):
            lines.append("  %-24s %s" % (label, format_figure(field, figures.get(field))))
    lines.append("process:")
    for field, label in PROCESS_LABELS:
        lines.append("  %-24s %s" % (label, format_figure(field, snapshot["process"].get(field))))
    lines.append("operators: %s over the last %.2f s" % (format_rate(snapshot["ops_per_second"]),
                                                         snapshot.get("window_seconds", 0.0)))
    for name, seconds, count in snapshot["top_ops"]:
        lines.append("  %-34s %8.1f ms in %s calls" % (name, 1e3 * seconds, format_count(count)))
    return "\n".join(lines)
