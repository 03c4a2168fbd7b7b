"""A live device and memory dashboard: `mxnb.notebook.Dashboard(interval=1.0)`.

While it lives, a daemon thread samples every `interval` seconds and updates an ipywidgets panel,
so the panel keeps moving while other cells train (a widget value set from a thread is sent to the
frontend over its comm). Per context it shows the live NDArrays (count, bytes, peak, from
`mxnb.instrument`'s accounting), on a GPU CuPy's memory pool and the device's memory and
utilisation (NVML), on the cpu the host's memory and CPU utilisation; for the process its resident
memory and CPU use; and operators per second with the slowest operators over the last `window`
seconds (from an `mxnb.instrument` op observer). `snapshot()` returns the same figures as a dict.

Only NDArrays made after the dashboard starts are counted: the core counts arrays from the moment
accounting is switched on.
"""
import collections
import threading
import time
import weakref

from .. import instrument
from ..context import Context, cpu
from . import sysinfo
from .dashboard_text import snapshot_text
from .gpuinfo import GpuProbe
from .opwindow import OpWindow

__all__ = ["Dashboard"]

CONTEXT_FIELDS = ("live_arrays", "live_bytes", "peak_bytes", "pool_used_bytes", "pool_held_bytes",
                  "device_total_bytes", "device_free_bytes", "utilization")
PROCESS_FIELDS = ("rss_bytes", "cpu_percent")


class Dashboard:
    """Live figures of the contexts, the process and the operators; see the module docstring.

    interval: seconds between samples of the background thread.
    window:   seconds over which operators per second, the slowest operators and CPU use are taken.
    top:      how many of the slowest operators to list.
    history:  how many samples the history plots keep.
    contexts: contexts to show from the start besides cpu(0) (others appear once they hold arrays).
    gpu_probe: what reads a GPU's figures (a `GpuProbe`; tests pass one built on fakes).
    start:    start the background thread now (else call `start()`, or `refresh()` by hand).
    reset_peak: the peak figures are the process's (every dashboard reads the same counters); a new
              dashboard starts them again from the bytes live now, so its peak is the peak since it
              was created. False keeps the process's earlier peak.
    attribution: also count live NDArray bytes by layer and operator (see attribution.py, and
              `watch_layers(net)` for layer names); snapshots then have an 'attribution' entry.
    """

    def __init__(self, interval=1.0, window=5.0, top=5, history=120, contexts=None, gpu_probe=None,
                 start=True, reset_peak=True, attribution=False):
        if not interval > 0:
            raise ValueError("Dashboard interval must be a positive number of seconds, found %r" % (interval,))
        if not window > 0:
            raise ValueError("Dashboard window must be a positive number of seconds, found %r" % (window,))
        self.interval = float(interval)
        self.window = float(window)
        self.top = int(top)
        self._contexts = [cpu()] + [Context(c) for c in (contexts or []) if Context(c) != cpu()]
        self._gpu = gpu_probe if gpu_probe is not None else GpuProbe()
        self._ops = OpWindow(self.window)
        self._marks = collections.deque()           # (perf_counter, process CPU s, host CPU ticks)
        self._samples = collections.deque(maxlen=int(history))
        self._refresh_lock = threading.Lock()
        self._view = None
        self._thread = None
        self._stop_event = None
        self._detach = None
        self.last_error = None
        self.attribution = bool(attribution)
        self._peak_breakdown = None
        self._attach()
        if reset_peak:
            instrument.reset_peaks()
        self._mark()
        if start:
            self.start()

    # --- life cycle ------------------------------------------------------------------------------
    def _attach(self):
        """Switches on the core's accounting and op observer; undone by `_detach()` exactly once,
        also when the dashboard is garbage collected without `stop()`."""
        instrument.start_array_tracking()
        if self.attribution:
            from .attribution import PeakBreakdown
            instrument.start_attribution()
            self._peak_breakdown = PeakBreakdown()
        observer = self._ops.observe
        instrument.add_op_observer(observer)
        self._stop_event = threading.Event()
        self._detach = weakref.finalize(self, _release, observer, self._stop_event, self.attribution)

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def start(self):
        """Starts (or restarts after `stop()`) sampling in a background thread."""
        if self.running:
            return self
        if not self._detach.alive:
            self._attach()
        self._thread = threading.Thread(target=_sample_loop, args=(weakref.ref(self), self._stop_event),
                                        name="mxnb-dashboard", daemon=True)
        self._thread.start()
        self.show_status()
        return self

    def stop(self):
        """Stops sampling and the core's accounting for this dashboard; the panel keeps its figures."""
        thread = self._thread
        self._detach()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.interval + 5.0)
        self._thread = None
        self.show_status()
        return self

    def close(self):
        """`stop()`, then closes the widgets."""
        self.stop()
        if self._view is not None:
            self._view.close()
            self._view = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    # --- figures ---------------------------------------------------------------------------------
    def refresh(self):
        """Takes one sample: closes the operator bucket, records history, updates the widgets.
        Returns the snapshot (what the background thread does every `interval` seconds)."""
        with self._refresh_lock:
            self._ops.tick()
            self._mark()
            figures = self._measure()
            self._samples.append(figures)
            snapshot = dict(figures, history=self._history())
            if self._view is not None:
                self._view.update(snapshot)
        self.show_status()
        return snapshot

    def snapshot(self):
        """The figures now, as a dict:
        {'time', 'window_seconds',
         'contexts': {str(ctx): {'live_arrays', 'live_bytes', 'peak_bytes', 'pool_used_bytes',
                                 'pool_held_bytes', 'device_total_bytes', 'device_free_bytes',
                                 'utilization'}},
         'process': {'rss_bytes', 'cpu_percent'},
         'ops_per_second', 'top_ops': [(name, seconds, count)], 'op_totals': {name: (count, seconds)},
         'history': {'time': [...], 'ops_per_second': [...], 'process': {field: [...]},
                     'contexts': {str(ctx): {field: [...]}}}}
        Figures that cannot be read here (a pool on the cpu, NVML without pynvml) are None."""
        with self._refresh_lock:
            return dict(self._measure(), history=self._history())

    def reset_peaks(self):
        """Peaks start again from the bytes live now (on every context)."""
        instrument.reset_peaks()
        if self._peak_breakdown is not None:
            self._peak_breakdown.reset()

    def text(self):
        """The snapshot as plain text."""
        return snapshot_text(self.snapshot())

    def _mark(self):
        now = time.perf_counter()
        self._marks.append((now, sysinfo.process_cpu_seconds(), sysinfo.host_cpu_ticks()))
        horizon = now - self.window
        # Keep the newest mark at or before the horizon: it is where the window starts.
        while len(self._marks) > 1 and self._marks[1][0] <= horizon:
            self._marks.popleft()

    def _measure(self):
        now = time.perf_counter()
        started, cpu_then, ticks_then = self._marks[0]
        span = now - started
        cpu_percent = 100.0 * (sysinfo.process_cpu_seconds() - cpu_then) / span if span > 0 else None
        host_percent = sysinfo.percent_between(ticks_then, sysinfo.host_cpu_ticks())
        ops_per_second, top_ops, totals = self._ops.read(self.top)
        stats = instrument.array_stats()
        contexts = list(self._contexts) + sorted((c for c in stats if c not in self._contexts), key=str)
        host_total, host_free = sysinfo.host_memory()
        per_context, errors = {}, []
        for ctx in contexts:
            live = stats.get(ctx, {})
            figures = {"live_arrays": live.get("count", 0), "live_bytes": live.get("bytes", 0),
                       "peak_bytes": live.get("peak_bytes", 0)}
            if ctx.device_type == "gpu":
                try:
                    figures.update(self._gpu.figures(ctx.device_id))
                except Exception as exc:  # one unreadable device must not hide the other figures
                    figures.update(dict.fromkeys(GpuProbe.FIELDS))
                    errors.append("%s: %s: %s" % (ctx, type(exc).__name__, exc))
            else:
                figures.update(pool_used_bytes=None, pool_held_bytes=None, device_total_bytes=host_total,
                               device_free_bytes=host_free, utilization=host_percent)
            per_context[str(ctx)] = figures
        self.last_error = "; ".join(errors) or None
        when = time.time()
        figures = {"time": when, "window_seconds": min(span, self.window) if span > 0 else 0.0,
                   "contexts": per_context,
                   "process": {"rss_bytes": sysinfo.process_rss_bytes(), "cpu_percent": cpu_percent},
                   "ops_per_second": ops_per_second, "top_ops": top_ops, "op_totals": totals}
        if self._peak_breakdown is not None:
            from .attribution import breakdown
            now = breakdown(self.top)
            figures["attribution"] = dict(now, peak=self._peak_breakdown.update(now, when))
        return figures

    def _history(self):
        samples = list(self._samples)
        names = [str(ctx) for ctx in self._contexts]  # present (empty) before the first sample too
        for sample in samples:
            names += [n for n in sample["contexts"] if n not in names]
        return {
            "time": [s["time"] for s in samples],
            "ops_per_second": [s["ops_per_second"] for s in samples],
            "process": {f: [s["process"][f] for s in samples] for f in PROCESS_FIELDS},
            "contexts": {n: {f: [s["contexts"].get(n, {}).get(f) for s in samples] for f in CONTEXT_FIELDS}
                         for n in names},
        }

    # --- the panel -------------------------------------------------------------------------------
    @property
    def widget(self):
        """The ipywidgets panel (built on first use; needs ipywidgets)."""
        if self._view is None:
            from .dashboard_view import DashboardView
            view = DashboardView(self.interval, self.window, self.history_charts)
            view.update(self.snapshot())
            self._view = view
            self.show_status()
        return self._view.root

    def history_charts(self, snapshot=None, since=None):
        """The history as chart descriptions (see charts_widget.chart): live NDArray MiB per
        context with the process's RSS, and operators per second, against seconds since the first
        sample shown. `since` (a time.time() value) leaves out earlier samples."""
        from .charts_widget import chart
        history = (snapshot or self.snapshot())["history"]
        keep = [i for i, t in enumerate(history["time"]) if since is None or t >= since]
        times = [history["time"][i] for i in keep]
        seconds = [t - times[0] for t in times]
        mib = 1024.0 * 1024.0

        def mebibytes(values):
            return [None if values[i] is None else values[i] / mib for i in keep]
        memory = {"%s live NDArrays" % name: mebibytes(past["live_bytes"])
                  for name, past in history["contexts"].items()}
        memory["process RSS"] = mebibytes(history["process"]["rss_bytes"])
        return [chart("memory", memory, x=seconds, x_label="seconds", y_label="MiB"),
                chart("operators per second", {"ops/s": [history["ops_per_second"][i] for i in keep]},
                      x=seconds, x_label="seconds", y_label="ops/s")]

    def history_widget(self, since=None, process=True):
        """A chart widget (uPlot) of the history so far: memory and operators per second.

        since: a time.time() value; earlier samples are left out.
        process: include the process's RSS in the memory chart (it can dwarf the NDArrays).
        """
        from .charts_widget import ChartsWidget
        charts = self.history_charts(since=since)
        if not process:
            charts[0]["lines"] = [l for l in charts[0]["lines"] if l["label"] != "process RSS"]
        widget = ChartsWidget()
        widget.set_charts(charts)
        return widget

    @property
    def value_widgets(self):
        """{(section, field): the widget showing that figure}; section is str(ctx), 'process' or
        'operators'. For reading figures headless, as a frontend would see them."""
        self.widget
        return self._view.values

    def display(self):
        from IPython.display import display
        display(self.widget)
        return self

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        # what front ends without the widget show (nbconvert, GitHub, a notebook saved and
        # opened without a kernel): the figures as text and the history charts as pictures
        data["text/html"] = self.snapshot_html()
        data["text/plain"] = repr(self)
        return bundle

    def snapshot_html(self):
        """The figures now (as `text()`) and the history charts, as static HTML."""
        import html as _html
        from .charts_widget import ChartsWidget
        snapshot = self.snapshot()
        charts = ChartsWidget()
        try:
            charts.set_charts(self.history_charts(snapshot))
            pictures = charts.snapshot_html()
        finally:
            charts.close()
        return ('<div class="mxnb-dashboard-snapshot"><pre>%s</pre>%s</div>'
                % (_html.escape(snapshot_text(snapshot)), pictures))

    def show_status(self):
        """Shows in the view whether sampling runs, its interval and the last probe error."""
        if self._view is not None:
            self._view.set_status(self.running, self.interval, self.last_error)

    def __repr__(self):
        return "<mxnb.notebook.Dashboard %s, every %g s>" % ("running" if self.running else "stopped",
                                                            self.interval)


def _release(observer, stop_event, attribution=False):
    """Undoes what `Dashboard` attached on start: ends the thread's loop, removes the observer, stops accounting."""
    stop_event.set()
    try:
        instrument.remove_op_observer(observer)
    except ValueError:
        pass
    if attribution:
        instrument.stop_attribution()
    instrument.stop_array_tracking()


def _sample_loop(dashboard_ref, stop_event):
    """The background thread: refreshes every `interval` seconds until stopped or collected. It holds
    the dashboard only weakly between samples, so an abandoned dashboard is collected and stops."""
    while True:
        dashboard = dashboard_ref()
        if dashboard is None:
            return
        interval = dashboard.interval
        del dashboard
        if stop_event.wait(interval):
            return
        dashboard = dashboard_ref()
        if dashboard is None:
            return
        try:
            dashboard.refresh()
        except Exception as exc:  # a failing probe must not kill the thread: show it and go on
            dashboard.last_error = "%s: %s" % (type(exc).__name__, exc)
            dashboard.show_status()
        del dashboard
