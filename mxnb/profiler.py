"""The profiler (MXNet 1.x `mx.profiler`): operator spans, user-annotated tasks, frames, events,
counters and markers, written as Chrome trace-event JSON (Perfetto and chrome://tracing open it)
and aggregated into MXNet's statistics table.

    mx.profiler.set_config(profile_all=True, aggregate_stats=True, filename='profile.json')
    mx.profiler.set_state('run')
    ...                                     # train
    mx.profiler.set_state('stop')
    print(mx.profiler.dumps())              # the table
    mx.profiler.dump()                      # profile.json

Operator spans come from the core's node hooks (`mxnb.instrument.add_node_hook`, timed by the
one interpreter), so eager calls, executors and hybridized blocks are all profiled, each span on
the thread that ran it, with the node's name and phase (forward or backward) in its arguments.
"""
import collections
import contextlib
import json
import os
import threading
import time

from . import instrument
from .base import MXNetError
from .fileio import write_atomically

__all__ = ["set_config", "set_state", "profiler_set_config", "profiler_set_state", "pause",
           "resume", "dump", "dump_profile", "dumps", "Domain", "Task", "Frame", "Event",
           "Counter", "Marker", "scope", "get_trace"]

_CONFIG_KEYS = ("profile_all", "profile_symbolic", "profile_imperative", "profile_memory",
                "profile_api", "filename", "continuous_dump", "dump_period", "aggregate_stats",
                "profile_process")


class _State:
    """The profiler's configuration, whether it runs, and what it recorded."""

    def __init__(self):
        self.config = {"profile_all": False, "profile_symbolic": True, "profile_imperative": True,
                       "profile_memory": False, "profile_api": False, "filename": "profile.json",
                       "continuous_dump": False, "dump_period": 1.0, "aggregate_stats": False,
                       "profile_process": "worker"}
        self.running = False
        self.paused = False
        self.lock = threading.Lock()
        self.events = []                                     # Chrome trace events
        self.stats = collections.OrderedDict()               # category -> name -> [n, tot, min, max]
        self.memory = {}                                     # context -> [n, min, max, total]
        self.origin = time.perf_counter()
        self.wall_origin = time.time()
        self.scope = threading.local()
        # The file continuous dumps (`dump(False)`) append to: events once written are dropped,
        # and later dumps add only newer ones; pids keep the numbers that file gave them.
        self.dump_file = None
        self.dump_pids = {}
        self.dumped_any = False


_state = _State()


def _now_us():
    return (_state.wall_origin + (time.perf_counter() - _state.origin)) * 1e6


def _record_span(category, name, start_us, dur_us, pid="cpu/0", args=None):
    event = {"name": name, "cat": category, "ph": "X", "ts": start_us, "dur": max(0.0, dur_us),
             "pid": pid, "tid": threading.get_ident()}
    if args:
        event["args"] = args
    with _state.lock:
        _state.events.append(event)
    _aggregate(category, name, dur_us / 1000.0)


def _aggregate(category, name, ms):
    """One more occurrence of `name` lasting `ms` in the statistics `dumps` prints."""
    if not _state.config["aggregate_stats"]:
        return
    with _state.lock:
        entry = _state.stats.setdefault(category, {}).get(name)
        if entry is None:
            _state.stats[category][name] = [1, ms, ms, ms]
        else:
            entry[0] += 1
            entry[1] += ms
            entry[2] = min(entry[2], ms)
            entry[3] = max(entry[3], ms)


_CUSTOM_DOMAIN = "Custom Operator"
_custom_scope = threading.local()      # .names: the custom operators running on this thread


def _span_name(node):
    """(category, name) of an operator step, named as MXNet names it: a custom operator itself is
    '<op_type>::pure_python' ('_backward_<op_type>::pure_python'), an operator its Python code
    runs '<op_type>::<op>', both under 'Custom Operator'; others '<scope><op>' under 'operator'."""
    op_name = node.op.name
    if op_name in ("Custom", "_backward_Custom"):
        state = (getattr(node, "attrs", None) or {}).get("_state")
        if state is not None:
            prefix = "_backward_" if op_name == "_backward_Custom" else ""
            return _CUSTOM_DOMAIN, "%s%s::pure_python" % (prefix, state.op_type)
    running = getattr(_custom_scope, "names", None)
    if running:
        return _CUSTOM_DOMAIN, "%s::%s" % (running[-1], op_name)
    prefix = getattr(_state.scope, "name", None)
    return "operator", prefix + op_name if prefix else op_name


def _on_operator(phase, node, inputs, outputs, seconds):
    """Timed node hook: one span per operator step (ends now, lasted `seconds`)."""
    if _state.paused:
        return
    end = _now_us()
    category, name = _span_name(node)
    _record_span(category, name, end - seconds * 1e6, seconds * 1e6,
                 args={"node": node.name, "phase": phase})
    if _state.config["profile_memory"]:
        _sample_memory(end)


@contextlib.contextmanager
def _inside_custom(name):
    names = getattr(_custom_scope, "names", None)
    if names is None:
        names = _custom_scope.names = []
    names.append(name)
    try:
        yield
    finally:
        names.pop()


def _custom_operator_scope(op_type, what):
    """The scope the custom-operator runtime enters around a custom operator's own forward or
    backward while profiling (mxnb.operator.set_user_code_scope): the operators that code runs
    are named after it (the runtime's own allocations of outputs and gradients are not)."""
    return _inside_custom(("_backward_" if what == "backward" else "") + op_type)


def _watch_custom_operators(on):
    from . import operator      # (imported when profiling starts: it needs the whole package)
    operator.set_user_code_scope(_custom_operator_scope if on else None)


def _sample_memory(ts):
    stats = instrument.array_stats()
    with _state.lock:
        for ctx, figures in stats.items():
            name = "Memory: %s/%d" % (ctx.device_type, ctx.device_id)
            kb = figures["bytes"] / 1024.0
            _state.events.append({"name": name, "cat": "memory", "ph": "C", "ts": ts,
                                  "pid": "%s/%d" % (ctx.device_type, ctx.device_id),
                                  "args": {"live_kB": kb}})
            entry = _state.memory.get(name)
            if entry is None:
                _state.memory[name] = [1, kb, kb, kb]
            else:
                entry[0] += 1
                entry[1] = min(entry[1], kb)
                entry[2] = max(entry[2], kb)
                entry[3] += kb


# --- configuration and state -------------------------------------------------------------------
def set_config(**kwargs):
    """Sets up the profiler.

    Parameters
    ----------
    profile_all : bool
        Profile everything (operators of every kind, memory, API calls).
    profile_symbolic : bool
        Profile executors and hybridized blocks.
    profile_imperative : bool
        Profile eager operator calls.
    profile_memory : bool
        Record the live bytes of every context as counters.
    profile_api : bool
        Accepted for MXNet compatibility (mxnb has no C API calls to profile).
    filename : str
        Where `dump` writes the trace (default 'profile.json').
    continuous_dump, dump_period
        Accepted for MXNet compatibility; `dump` writes on demand.
    aggregate_stats : bool
        Keep the per-operator statistics `dumps` prints.
    profile_process : str
        'worker' (the only process mxnb has).

    Examples
    --------
    >>> mx.profiler.set_config(profile_all=True, aggregate_stats=True, filename='lenet.json')
    """
    unknown = sorted(set(kwargs) - set(_CONFIG_KEYS))
    if unknown:
        raise MXNetError("profiler.set_config: unknown argument(s) %s; it takes %s"
                         % (unknown, list(_CONFIG_KEYS)))
    if kwargs.get("profile_process", "worker") not in ("worker", "server"):
        raise MXNetError("profiler.set_config: profile_process must be 'worker' or 'server', "
                         "found %r" % kwargs["profile_process"])
    config = dict(_state.config, **kwargs)
    if config["profile_all"]:
        config.update(profile_symbolic=True, profile_imperative=True, profile_memory=True)
    if not isinstance(config["filename"], (str, os.PathLike)):
        raise MXNetError("profiler.set_config: filename must be a path, found %r"
                         % (config["filename"],))
    if os.fspath(config["filename"]) != os.fspath(_state.config["filename"]):
        _state.dump_file = None          # a new file gets only the events not dumped yet
    _state.config = config


def profiler_set_config(mode="symbolic", filename="profile.json"):
    """MXNet 1.x's older form of `set_config` ('symbolic' or 'all')."""
    if mode not in ("symbolic", "all"):
        raise MXNetError("profiler_set_config: mode must be 'symbolic' or 'all', found %r" % (mode,))
    set_config(profile_symbolic=True, profile_imperative=mode == "all",
               profile_memory=mode == "all", filename=filename)


def set_state(state="stop", profile_process="worker"):
    """Starts ('run') or stops ('stop') profiling.

    Parameters
    ----------
    state : {'run', 'stop'}
    profile_process : str
        'worker'.
    """
    if state not in ("run", "stop"):
        raise MXNetError("profiler.set_state: state must be 'run' or 'stop', found %r" % (state,))
    if state == "run" and not _state.running:
        if _state.config["profile_memory"]:
            instrument.start_array_tracking()
        instrument.add_node_hook(_on_operator, timed=True)
        _watch_custom_operators(True)
        _state.running, _state.paused = True, False
    elif state == "stop" and _state.running:
        instrument.remove_node_hook(_on_operator)
        _watch_custom_operators(False)
        if _state.config["profile_memory"]:
            instrument.stop_array_tracking()
        _state.running = False


def profiler_set_state(state="stop"):
    """MXNet 1.x's older name of `set_state`."""
    set_state(state)


def state():
    """'run' or 'stop'."""
    return "run" if _state.running else "stop"


def pause(profile_process="worker"):
    """Stops recording until `resume`, keeping what was recorded."""
    _state.paused = True


def resume(profile_process="worker"):
    """Records again after `pause`."""
    _state.paused = False


# --- output ---------------------------------------------------------------------------------------
def _numbered(events, numbers):
    """`events` with their string pids replaced by numbers (new names get the next number and a
    'process_name' metadata event first)."""
    out = []
    for e in events:
        pid = e["pid"]
        if isinstance(pid, str):
            if pid not in numbers:
                numbers[pid] = len(numbers)
                out.append({"ph": "M", "name": "process_name", "pid": numbers[pid],
                            "args": {"name": pid}})
            e = dict(e, pid=numbers[pid])
        out.append(e)
    return out


def get_trace():
    """The recorded events not dumped yet as a Chrome trace dict ({"traceEvents": [...], ...}),
    without writing a file (what `dump` writes; notebook timelines read it)."""
    with _state.lock:
        events = list(_state.events)
    pids = sorted({e["pid"] for e in events if isinstance(e["pid"], str)})
    numbers = {name: i for i, name in enumerate(pids)}
    out = [{"ph": "M", "name": "process_name", "pid": i, "args": {"name": name}}
           for name, i in numbers.items()]
    out += _numbered(events, numbers)
    return {"traceEvents": out, "displayTimeUnit": "ms"}


_TRACE_HEAD = '{"displayTimeUnit": "ms", "traceEvents": [\n'
_TRACE_TAIL = '\n]}\n'


def _append_events(filename, text):
    """Adds `text` (events joined by ',\n') before the closing of the trace file `filename`,
    which stays valid JSON. False when the file is not one this profiler left open."""
    tail = _TRACE_TAIL.encode()
    try:
        with open(filename, "r+b") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            if size < len(tail):
                return False
            f.seek(size - len(tail))
            if f.read(len(tail)) != tail:
                return False
            f.seek(size - len(tail))
            f.write(((",\n" if _state.dumped_any else "") + text).encode() + tail)
            f.truncate()
    except OSError:
        return False
    return True


def dump(finished=True, profile_process="worker"):
    """Writes the recorded events to the configured file as Chrome trace-event JSON.

    Events written are dropped from memory. A continuous dump (`finished=False`) keeps the
    file open for more: the next dump to the same file adds only the events recorded since
    (the file is valid JSON after every dump); after `set_config(filename=...)` names another
    file, that file starts with the events not dumped yet.

    Parameters
    ----------
    finished : bool
        True for the last dump of this file: the next dump starts the file afresh.
    profile_process : str
        'worker'.

    Examples
    --------
    >>> mx.profiler.dump(False)     # the events so far; the profiler keeps recording
    >>> mx.profiler.dump()          # the rest, and the file is complete
    """
    filename = os.fspath(_state.config["filename"])
    with _state.lock:
        events = list(_state.events)
        _state.events.clear()
    appended = False
    if _state.dump_file == filename:
        text = _encoded(events)
        appended = not text or _append_events(filename, text)
    if not appended:       # a new file (or one changed behind our back): start it afresh
        _state.dump_pids, _state.dumped_any = {}, False
        text = _encoded(events)
        write_atomically(filename, _TRACE_HEAD + text + _TRACE_TAIL)
    _state.dumped_any = _state.dumped_any or bool(text)
    _state.dump_file = None if finished else filename


def _encoded(events):
    """`events` as trace-file text, numbered as the file being dumped to numbers its pids."""
    return ",\n".join(json.dumps(e) for e in _numbered(events, _state.dump_pids))


def dump_profile():
    """MXNet 1.x's older name of `dump`."""
    dump(True)


_SORT_KEYS = ("total", "avg", "min", "max", "count")
_TIME_COLUMNS = ("count", "total", "min", "max")       # a time statistics row, in order
_MEMORY_COLUMNS = ("count", "min", "max", "total")     # a memory row ('total': the sum)


def _sorted_rows(rows, columns, sort_by, ascending):
    """`rows`' (name, values) items sorted by the `sort_by` statistic; `columns` names the
    values in order ('avg' is total / count)."""
    if sort_by == "avg":
        total = columns.index("total")
        key = lambda item: item[1][total] / item[1][0]  # noqa: E731
    else:
        index = columns.index(sort_by)
        key = lambda item: item[1][index]  # noqa: E731
    return sorted(rows.items(), key=key, reverse=not ascending)


def _json_stats(stats, memory, sort_by, ascending):
    """MXNet's JSON statistics: Time by domain, Memory under 'Device Storage', rows sorted."""
    def time_rows(rows):
        return collections.OrderedDict(
            (name, {"Count": n, "Total": total, "Min": low, "Max": high, "Avg": total / n})
            for name, (n, total, low, high) in _sorted_rows(rows, _TIME_COLUMNS, sort_by, ascending))

    doc = collections.OrderedDict()
    doc["Time"] = collections.OrderedDict((cat, time_rows(rows)) for cat, rows in stats.items())
    doc["Memory"] = {"Device Storage": collections.OrderedDict(
        (name, {"Count": n, "Min": low, "Max": high, "Avg": total / n})
        for name, (n, low, high, total) in _sorted_rows(memory, _MEMORY_COLUMNS, sort_by,
                                                          ascending))}
    doc["Unit"] = {"Time": "ms", "Memory": "kB"}
    return json.dumps(doc, indent=2)


def _table_stats(stats, memory, sort_by, ascending):
    """MXNet's statistics table: Device Storage first, then one block per domain, rows sorted."""
    lines = ["", "Profile Statistics:", "\tNote the difference in units for different entries."]
    if memory:
        lines += ["Device Storage", "=================",
                  "%-30s%16s%17s%17s%17s" % ("Name", "Total Count", "Min Use  (kB)", "Max Use  (kB)",
                                             "Avg Use  (kB)"),
                  "%-30s%16s%17s%17s%17s" % ("----", "-----------", "-------------", "-------------",
                                             "-------------")]
        for name, (n, low, high, total) in _sorted_rows(memory, _MEMORY_COLUMNS, sort_by,
                                                          ascending):
            lines.append("%-30s%16d%17.4f%17.4f%17.4f" % (name, n, low, high, total / n))
        lines.append("")
    for cat, rows in stats.items():
        lines += [cat, "=================",
                  "%-30s%16s%17s%17s%17s%17s" % ("Name", "Total Count", "Time (ms)", "Min Time (ms)",
                                                 "Max Time (ms)", "Avg Time (ms)"),
                  "%-30s%16s%17s%17s%17s%17s" % ("----", "-----------", "---------", "-------------",
                                                 "-------------", "-------------")]
        for name, (n, total, low, high) in _sorted_rows(rows, _TIME_COLUMNS, sort_by, ascending):
            lines.append("%-30s%16d%17.4f%17.4f%17.4f%17.4f" % (name, n, total, low, high, total / n))
        lines.append("")
    return "\n".join(lines) + "\n"


def dumps(reset=False, format="table", sort_by="total", ascending=False):
    """The aggregate statistics (needs `set_config(aggregate_stats=True)`) as text or JSON.

    Parameters
    ----------
    reset : bool
        Clear the statistics after reading them.
    format : {'table', 'json'}
        MXNet's table, or JSON: {"Time": {domain: {name: {"Count", "Total", "Min", "Max",
        "Avg"}}}, "Memory": {"Device Storage": {name: {"Count", "Min", "Max", "Avg"}}},
        "Unit": ...}.
    sort_by : {'total', 'avg', 'min', 'max', 'count'}
        The statistic each domain's rows are sorted by (in both formats).
    ascending : bool

    Returns
    -------
    str

    Examples
    --------
    >>> stats = json.loads(mx.profiler.dumps(format='json', sort_by='count'))
    >>> stats['Time']['operator']                                   # doctest: +SKIP
    """
    if format not in ("table", "json"):
        raise MXNetError("profiler.dumps: format must be 'table' or 'json', found %r" % (format,))
    if sort_by not in _SORT_KEYS:
        raise MXNetError("profiler.dumps: sort_by must be one of %s, found %r"
                         % (sorted(_SORT_KEYS), sort_by))
    with _state.lock:
        stats = {cat: {name: list(v) for name, v in rows.items()} for cat, rows in _state.stats.items()}
        memory = {name: list(v) for name, v in _state.memory.items()}
        if reset:
            _state.stats.clear()
            _state.memory.clear()
    if format == "json":
        return _json_stats(stats, memory, sort_by, ascending)
    return _table_stats(stats, memory, sort_by, ascending)


# --- user annotations -----------------------------------------------------------------------------
class Domain:
    """A named group of tasks, frames, counters and markers.

    Parameters
    ----------
    name : str

    Examples
    --------
    >>> domain = mx.profiler.Domain('training')
    >>> task = domain.new_task('epoch')
    >>> task.start(); ...; task.stop()
    """

    def __init__(self, name):
        if not isinstance(name, str) or not name:
            raise MXNetError("profiler.Domain: name must be a non-empty string, found %r" % (name,))
        self.name = name

    def new_task(self, name):
        return Task(self, name)

    def new_frame(self, name):
        return Frame(self, name)

    def new_counter(self, name, value=None):
        return Counter(self, name, value)

    def new_marker(self, name):
        return Marker(self, name)

    def __str__(self):
        return self.name


class _Span:
    """A named interval: `start()` then `stop()` records it (also as a context manager)."""
    kind = "span"

    def __init__(self, domain, name):
        self.domain = domain
        self.name = name
        self._started = None

    def _category(self):
        return self.domain.name if self.domain is not None else "event"

    def start(self):
        self._started = _now_us()

    def stop(self):
        if self._started is None:
            raise MXNetError("profiler %s %r: stop() without start()" % (self.kind, self.name))
        if _state.running and not _state.paused:
            end = _now_us()
            _record_span(self._category(), self.name, self._started, end - self._started,
                         args={"kind": self.kind})
        self._started = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def __str__(self):
        return self.name


class Task(_Span):
    """A task of a domain (a span on the thread that runs it)."""
    kind = "task"


class Frame(_Span):
    """A frame of a domain (one iteration of a loop, say)."""
    kind = "frame"


class Event(_Span):
    """A free-standing named span."""
    kind = "event"

    def __init__(self, name):
        super().__init__(None, name)


class Counter:
    """A named value over time, drawn as a counter track."""

    def __init__(self, domain, name, value=None):
        self.domain = domain
        self.name = name
        self.value = 0
        if value is not None:
            self.set_value(value)

    def set_value(self, value):
        self.value = value
        if _state.running and not _state.paused:
            ts = _now_us()
            with _state.lock:
                _state.events.append({"name": self.name, "cat": self.domain.name, "ph": "C",
                                      "ts": ts, "pid": "cpu/0", "args": {self.name: value}})
            _aggregate(self.domain.name, self.name, 0.0)

    def increment(self, delta=1):
        self.set_value(self.value + delta)

    def decrement(self, delta=1):
        self.set_value(self.value - delta)

    def __iadd__(self, delta):
        self.increment(delta)
        return self

    def __isub__(self, delta):
        self.decrement(delta)
        return self

    def __str__(self):
        return self.name


class Marker:
    """An instant in time."""

    def __init__(self, domain, name):
        self.domain = domain
        self.name = name

    def mark(self, scope="process"):
        """Records the instant; scope is 'global', 'process', 'thread', 'task' or 'marker'."""
        scopes = {"global": "g", "process": "p", "thread": "t", "task": "t", "marker": "t"}
        if scope not in scopes:
            raise MXNetError("profiler.Marker.mark: scope must be one of %s, found %r"
                             % (sorted(scopes), scope))
        if _state.running and not _state.paused:
            with _state.lock:
                _state.events.append({"name": self.name, "cat": self.domain.name, "ph": "i",
                                      "ts": _now_us(), "s": scopes[scope], "pid": "cpu/0",
                                      "tid": threading.get_ident()})


@contextlib.contextmanager
def scope(name="<unk>:", append_mode=False):
    """Operators run inside are named '<scope>op' in the profile.

    Parameters
    ----------
    name : str
        The prefix, conventionally ending in ':'.
    append_mode : bool
        Append to the enclosing scope's name instead of replacing it.
    """
    previous = getattr(_state.scope, "name", None)
    _state.scope.name = (previous or "") + name if append_mode and previous else name
    try:
        yield
    finally:
        _state.scope.name = previous


def _reset_for_tests():
    """Back to a fresh profiler (stopped, default configuration, nothing recorded)."""
    set_state("stop")
    global _state
    _state = _State()
