"""The live dashboard, headless: its figures follow known allocations and operators, its widget
models hold them after a refresh, and its GPU figures come from the probe (fakes stand in for CuPy's
memory pool and NVML here; the cpu path is real)."""
import gc
import mmap
import os
import subprocess
import sys
import time
import weakref

import numpy as np
import pytest

import mxnb as mx
from mxnb import instrument
from mxnb.notebook import sysinfo
from mxnb.notebook.dashboard import Dashboard
from mxnb.notebook.dashboard_text import format_bytes, format_figure, snapshot_text
from mxnb.notebook.gpuinfo import GpuProbe
from mxnb.notebook.opwindow import OpWindow

MIB = 1024 * 1024
HUNDRED_MIB = 100 * MIB
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def dashboards():
    """Dashboards made by a test, stopped afterwards even when it fails. Garbage from earlier tests
    is collected first, so its arrays do not die (and change the figures) in the middle of a test."""
    gc.collect()
    made = []

    def make(**kwargs):
        dash = Dashboard(**kwargs)
        made.append(dash)
        return dash
    yield make
    for dash in made:
        dash.close()


def cpu_figures(snapshot):
    return snapshot["contexts"]["cpu(0)"]


def wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


# --------------------------------------------------------------------------- cpu figures, for real

def test_live_bytes_follow_a_100_mib_allocation_and_its_release(dashboards):
    dash = dashboards(interval=0.05)
    before = cpu_figures(dash.snapshot())
    big = mx.nd.zeros((HUNDRED_MIB // 4,), dtype="float32")
    during = cpu_figures(dash.snapshot())
    assert during["live_bytes"] - before["live_bytes"] == pytest.approx(HUNDRED_MIB, rel=0.01)
    assert during["live_arrays"] - before["live_arrays"] == 1
    assert during["peak_bytes"] >= before["live_bytes"] + HUNDRED_MIB

    del big
    gc.collect()
    after = cpu_figures(dash.snapshot())
    assert after["live_bytes"] - before["live_bytes"] == pytest.approx(0, abs=0.01 * HUNDRED_MIB)
    assert after["live_arrays"] == before["live_arrays"]
    assert after["peak_bytes"] >= before["live_bytes"] + HUNDRED_MIB  # the peak stays

    dash.reset_peaks()
    assert cpu_figures(dash.snapshot())["peak_bytes"] == after["live_bytes"]


def test_background_thread_records_the_allocation_in_history(dashboards):
    dash = dashboards(interval=0.05)
    base = cpu_figures(dash.snapshot())["live_bytes"]
    big = mx.nd.ones((HUNDRED_MIB // 4,))
    assert wait_until(lambda: any(v is not None and v - base >= HUNDRED_MIB for v in
                                  dash.snapshot()["history"]["contexts"]["cpu(0)"]["live_bytes"]))
    del big
    gc.collect()
    # A later sample shows it gone again.
    assert wait_until(lambda: dash.snapshot()["history"]["contexts"]["cpu(0)"]["live_bytes"][-1] - base
                      < 0.01 * HUNDRED_MIB)
    history = dash.snapshot()["history"]
    assert len(history["time"]) == len(history["ops_per_second"]) == len(history["process"]["rss_bytes"])
    assert history["time"] == sorted(history["time"])


def test_widget_models_hold_the_figures_after_a_refresh(dashboards):
    dash = dashboards(interval=10.0, start=False)
    values = dash.value_widgets
    big = mx.nd.zeros((HUNDRED_MIB // 4,))
    snapshot = dash.refresh()
    figures = cpu_figures(snapshot)
    assert values[("cpu(0)", "live_bytes")].value == format_bytes(figures["live_bytes"])
    assert values[("cpu(0)", "peak_bytes")].value == format_bytes(figures["peak_bytes"])
    assert values[("cpu(0)", "live_arrays")].value == format_figure("live_arrays", figures["live_arrays"])
    assert values[("process", "rss_bytes")].value == format_bytes(snapshot["process"]["rss_bytes"])
    assert values[("operators", "ops_per_second")].value == "%.1f/s" % snapshot["ops_per_second"]
    assert "<svg" in dash._view.sparks[("cpu(0)", "live_bytes")].value
    assert "_zeros" in dash._view.top_ops.value
    del big
    gc.collect()
    dash.refresh()
    assert values[("cpu(0)", "live_bytes")].value == format_bytes(cpu_figures(dash.snapshot())["live_bytes"])
    assert values[("cpu(0)", "peak_bytes")].value == format_bytes(figures["peak_bytes"])


def test_the_thread_updates_the_widgets_while_the_caller_works(dashboards):
    dash = dashboards(interval=0.05)
    label = dash.value_widgets[("cpu(0)", "live_bytes")]
    base = cpu_figures(dash.snapshot())["live_bytes"]
    big = mx.nd.zeros((HUNDRED_MIB // 4,))
    expected = format_bytes(base + HUNDRED_MIB)
    assert wait_until(lambda: label.value == expected), (label.value, expected)
    assert dash._view.status.value.startswith("updating every 0.05 s")
    del big
    dash.stop()
    assert dash._view.status.value == "stopped"


def test_operators_in_the_window_are_counted_with_their_names(dashboards):
    dash = dashboards(interval=0.05, window=30.0, top=3)
    x = mx.nd.ones((64, 64))
    for _ in range(7):
        mx.nd.sigmoid(x)
    for _ in range(3):
        mx.nd.relu(x)
    # operators run by an executor (a bound Symbol) are seen too
    executor = mx.sym.tanh(mx.sym.var("x")).bind(mx.cpu(), {"x": x})
    for _ in range(5):
        executor.forward()
    time.sleep(0.15)  # several ticks of the thread: counts survive the closing of buckets
    snapshot = dash.snapshot()
    totals = snapshot["op_totals"]
    assert totals["sigmoid"][0] == 7
    assert totals["relu"][0] == 3
    assert totals["tanh"][0] == 5
    assert all(seconds > 0 for _, seconds in totals.values())
    assert snapshot["ops_per_second"] == pytest.approx(
        sum(c for c, _ in totals.values()) / snapshot["window_seconds"], rel=0.2)
    top = snapshot["top_ops"]
    assert len(top) == 3
    assert [s for _, s, _ in top] == sorted((s for _, s, _ in top), reverse=True)
    assert top[0][1] == max(s for _, s in totals.values())
    assert {name: count for name, _, count in top}.items() <= {n: c for n, (c, _) in totals.items()}.items()


def test_op_window_forgets_operators_older_than_the_window():
    now = [100.0]
    window = OpWindow(window=2.0, clock=lambda: now[0])
    window.observe("dot", 0.5)
    window.observe("dot", 0.25)
    window.observe("add", 0.1)
    now[0] = 101.0
    window.tick()
    rate, top, totals = window.read(top=1)
    assert totals == {"dot": (2, 0.75), "add": (1, 0.1)}
    assert top == [("dot", 0.75, 2)]
    assert rate == pytest.approx(3 / 1.0)
    window.observe("add", 0.1)                   # in the open bucket
    now[0] = 104.0                               # the closed bucket ended 3 s ago: out of the window
    window.tick()
    rate, top, totals = window.read(top=5)
    assert totals == {"add": (1, 0.1)}
    assert rate == pytest.approx(1 / 3.0)        # over the kept bucket, 101 -> 104


def test_process_figures_are_real(dashboards):
    dash = dashboards(interval=10.0, start=False, window=30.0)
    rss_before = dash.snapshot()["process"]["rss_bytes"]
    # Fresh pages straight from the kernel, written so they are resident (NDArrays may reuse
    # memory the backend's pool already holds, which would not grow the resident set).
    touched = mmap.mmap(-1, HUNDRED_MIB)
    touched.write(b"\1" * HUNDRED_MIB)
    rss_during = dash.snapshot()["process"]["rss_bytes"]
    assert rss_during - rss_before >= 0.9 * HUNDRED_MIB
    touched.close()
    gc.collect()
    started = time.perf_counter()
    while time.perf_counter() - started < 0.2:  # busy: this process uses CPU
        np.sqrt(np.arange(10000.0))
    snapshot = dash.snapshot()
    assert 10.0 < snapshot["process"]["cpu_percent"] <= 100.0 * (os.cpu_count() or 1) + 5
    host = cpu_figures(snapshot)
    assert 0 < host["device_free_bytes"] <= host["device_total_bytes"]
    assert 0.0 <= host["utilization"] <= 100.0
    assert host["pool_used_bytes"] is None and host["pool_held_bytes"] is None


# --------------------------------------------------------------------------- gpu figures, from fakes

class FakePool:
    def __init__(self):
        self.used = {0: 0, 1: 0}
        self.held = {0: 0, 1: 0}
        self.device = None

    def used_bytes(self):
        return self.used[self.device.current]

    def total_bytes(self):
        return self.held[self.device.current]


class FakeCuda:
    """cupy.cuda: Device(i) as a context manager that makes i current, and the runtime."""

    def __init__(self):
        self.current = 0
        self.mem = {0: (70 * 2**30, 80 * 2**30), 1: (10 * 2**30, 40 * 2**30)}  # (free, total)
        fake = self

        class Device:
            def __init__(self, device_id):
                self.id = device_id
                self.pci_bus_id = "0000:%02X:00.0" % (0x10 + device_id)

            def __enter__(self):
                self.previous, fake.current = fake.current, self.id
                return self

            def __exit__(self, *exc):
                fake.current = self.previous

        class Runtime:
            @staticmethod
            def memGetInfo():
                return fake.mem[fake.current]

            @staticmethod
            def getDeviceCount():
                return 2

        self.Device = Device
        self.runtime = Runtime


class FakeCupy:
    def __init__(self):
        self.cuda = FakeCuda()
        self.pool = FakePool()
        self.pool.device = self.cuda

    def get_default_memory_pool(self):
        return self.pool


class FakeNVML:
    """pynvml: handles by PCI bus id; NVML's numbering differs from CUDA's on purpose."""

    class Memory:
        def __init__(self, total, free):
            self.total, self.free, self.used = total, free, total - free

    class Utilization:
        def __init__(self, gpu):
            self.gpu, self.memory = gpu, 0

    def __init__(self, fail_init=False):
        self.fail_init = fail_init
        self.inits = 0
        self.devices = {"0000:10:00.0": (self.Memory(80 * 2**30, 60 * 2**30), 37),
                        "0000:11:00.0": (self.Memory(40 * 2**30, 39 * 2**30), 3)}

    def nvmlInit(self):
        self.inits += 1
        if self.fail_init:
            raise RuntimeError("NVML Shared Library Not Found")

    def nvmlDeviceGetHandleByPciBusId(self, bus_id):
        return bus_id

    def nvmlDeviceGetHandleByIndex(self, index):
        raise AssertionError("the handle must be found by PCI bus id, not by NVML's index")

    def nvmlDeviceGetMemoryInfo(self, handle):
        return self.devices[handle][0]

    def nvmlDeviceGetUtilizationRates(self, handle):
        return self.Utilization(self.devices[handle][1])


def test_gpu_figures_come_from_the_cupy_pool_and_nvml(dashboards):
    cupy, nvml = FakeCupy(), FakeNVML()
    dash = dashboards(interval=10.0, start=False, contexts=[mx.gpu(0), mx.gpu(1)],
                      gpu_probe=GpuProbe(cupy=cupy, nvml=nvml))
    cupy.pool.used[0], cupy.pool.held[0] = 100 * MIB, 256 * MIB
    cupy.pool.used[1], cupy.pool.held[1] = 1 * MIB, 2 * MIB
    gpu0 = dash.snapshot()["contexts"]["gpu(0)"]
    assert gpu0 == {"live_arrays": 0, "live_bytes": 0, "peak_bytes": 0,
                    "pool_used_bytes": 100 * MIB, "pool_held_bytes": 256 * MIB,
                    "device_total_bytes": 80 * 2**30, "device_free_bytes": 60 * 2**30, "utilization": 37.0}
    gpu1 = dash.snapshot()["contexts"]["gpu(1)"]
    assert (gpu1["pool_used_bytes"], gpu1["device_free_bytes"], gpu1["utilization"]) == (1 * MIB, 39 * 2**30, 3.0)
    assert cupy.cuda.current == 0             # the probe restores the current device
    assert nvml.inits == 1

    # allocating 100 MiB more in the pool shows 100 MiB more there, after a refresh in the widgets
    values = dash.value_widgets
    cupy.pool.used[0] += 100 * MIB
    snapshot = dash.refresh()
    assert snapshot["contexts"]["gpu(0)"]["pool_used_bytes"] - gpu0["pool_used_bytes"] == 100 * MIB
    assert values[("gpu(0)", "pool_used_bytes")].value == "200.0 MiB"
    assert values[("gpu(0)", "device_free_bytes")].value == "60.0 GiB"
    assert values[("gpu(0)", "utilization")].value == "37.0%"
    assert "gpu(0)" in snapshot_text(snapshot) and "CuPy pool used" in snapshot_text(snapshot)


def test_gpu_memory_comes_from_the_cuda_runtime_without_nvml():
    cupy = FakeCupy()
    for probe in (GpuProbe(cupy=cupy, nvml=None), GpuProbe(cupy=cupy, nvml=FakeNVML(fail_init=True))):
        figures = probe.figures(1)
        assert figures["device_free_bytes"] == 10 * 2**30
        assert figures["device_total_bytes"] == 40 * 2**30
        assert figures["utilization"] is None
        assert figures["pool_used_bytes"] == 0


def test_a_gpu_context_appears_once_it_holds_arrays(dashboards):
    """Contexts come from the core's accounting: a gpu context's arrays are counted like the cpu's.
    (Made here without a device by accounting a stand-in array on gpu(3).)"""
    cupy = FakeCupy()
    cupy.cuda.mem[3] = (1 * 2**30, 2 * 2**30)
    cupy.pool.used[3] = cupy.pool.held[3] = 0
    dash = dashboards(interval=10.0, start=False, gpu_probe=GpuProbe(cupy=cupy, nvml=None))
    assert "gpu(3)" not in dash.snapshot()["contexts"]

    class StandIn:
        __slots__ = ("_ctx", "_data", "__weakref__")
    stand_in = StandIn()
    stand_in._ctx, stand_in._data = mx.gpu(3), np.empty(HUNDRED_MIB, np.uint8)
    instrument.track(stand_in)
    try:
        gpu3 = dash.refresh()["contexts"]["gpu(3)"]
        assert (gpu3["live_arrays"], gpu3["live_bytes"], gpu3["device_free_bytes"]) == (1, HUNDRED_MIB, 2**30)
        assert ("gpu(3)", "pool_held_bytes") in dash.value_widgets
        del stand_in
        gc.collect()
        assert dash.snapshot()["contexts"]["gpu(3)"]["live_bytes"] == 0
    finally:  # the core keeps a context's entry for good; later tests should not see a gpu(3)
        instrument.forget_context(mx.gpu(3))


def test_without_cupy_the_gpu_figures_are_unknown():
    """This machine's own path: no CuPy (or no device) -> every gpu figure is None, no error."""
    try:
        import cupy  # noqa: F401
        has_cupy = True
    except Exception:
        has_cupy = False
    if not has_cupy:
        assert GpuProbe().figures(0) == dict.fromkeys(GpuProbe.FIELDS)
    else:
        assert GpuProbe().figures(0)["device_total_bytes"] > 0


# --------------------------------------------------------------------------- life cycle

def test_stop_detaches_from_the_core_and_start_attaches_again(dashboards):
    observers_before = len(instrument._observers)
    dash = dashboards(interval=0.05)
    assert dash.running and instrument.tracking and len(instrument._observers) == observers_before + 1
    dash.stop()
    dash.stop()                                  # twice is fine
    assert not dash.running
    assert len(instrument._observers) == observers_before
    ops = dash.snapshot()["op_totals"].get("sigmoid", (0, 0))[0]
    mx.nd.sigmoid(mx.nd.ones((2,)))
    assert dash.snapshot()["op_totals"].get("sigmoid", (0, 0))[0] == ops   # not observed when stopped
    dash.start()
    assert dash.running and len(instrument._observers) == observers_before + 1
    mx.nd.sigmoid(mx.nd.ones((2,)))
    assert dash.snapshot()["op_totals"]["sigmoid"][0] == ops + 1
    with dash:
        pass
    assert not dash.running and len(instrument._observers) == observers_before


def test_an_abandoned_dashboard_is_collected_and_lets_go_of_the_core():
    observers_before = len(instrument._observers)
    dash = Dashboard(interval=0.02)
    thread = dash._thread
    ref = weakref.ref(dash)
    time.sleep(0.1)
    del dash
    assert wait_until(lambda: gc.collect() is not None and ref() is None, timeout=2.0)
    thread.join(timeout=2.0)
    assert not thread.is_alive()
    assert len(instrument._observers) == observers_before


def test_a_failing_probe_is_shown_and_sampling_goes_on(dashboards):
    class BrokenProbe:
        def figures(self, device_id):
            raise RuntimeError("driver went away")
    dash = dashboards(interval=0.03, contexts=[mx.gpu(0)], gpu_probe=BrokenProbe())
    status = dash.value_widgets and dash._view.status
    assert wait_until(lambda: "driver went away" in status.value)
    assert dash.running
    snapshot = dash.snapshot()                  # the other figures are still there
    assert snapshot["contexts"]["gpu(0)"]["pool_used_bytes"] is None
    assert snapshot["contexts"]["cpu(0)"]["device_total_bytes"] > 0
    assert dash.last_error == "gpu(0): RuntimeError: driver went away"


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(ValueError, match="interval"):
        Dashboard(interval=0)
    with pytest.raises(ValueError, match="window"):
        Dashboard(interval=1, window=-1)


def test_displaying_gives_the_widget_view(dashboards):
    dash = dashboards(interval=10.0, start=False)
    bundle = dash._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == dash.widget.model_id
    assert "stopped" in repr(dash)


def test_the_dashboard_module_imports_no_widgets_until_displayed():
    code = ("import sys, mxnb; assert 'mxnb.notebook' not in sys.modules; "
            "from mxnb.notebook import Dashboard; d = Dashboard(interval=5); d.snapshot(); d.stop(); "
            "assert 'ipywidgets' not in sys.modules, 'ipywidgets imported'; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=ROOT), cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


# --------------------------------------------------------------------------- readers and text

def test_proc_readers_parse_their_files(tmp_path):
    statm = tmp_path / "statm"
    statm.write_text("12345 2500 300 10 0 4000 0\n")
    assert sysinfo.process_rss_bytes(str(statm)) == 2500 * os.sysconf("SC_PAGE_SIZE")
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       16384000 kB\nMemFree:         1000000 kB\nMemAvailable:    8192000 kB\n")
    assert sysinfo.host_memory(str(meminfo)) == (16384000 * 1024, 8192000 * 1024)
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n")
    first = sysinfo.host_cpu_ticks(str(stat))
    assert first == (150, 1000)
    stat.write_text("cpu  200 0 100 850 50 0 0 0 0 0\n")
    assert sysinfo.percent_between(first, sysinfo.host_cpu_ticks(str(stat))) == pytest.approx(75.0)
    assert sysinfo.process_rss_bytes(str(tmp_path / "missing")) is None
    assert sysinfo.host_memory(str(tmp_path / "missing")) == (None, None)


def test_byte_sizes_read_well():
    assert format_bytes(None) == "—"
    assert format_bytes(512) == "512 B"
    assert format_bytes(HUNDRED_MIB) == "100.0 MiB"
    assert format_bytes(80 * 2**30) == "80.0 GiB"
    assert format_bytes(-2 * MIB) == "-2.0 MiB"


def test_a_new_dashboard_starts_its_own_peak(dashboards):
    first = dashboards(start=False)
    big = mx.nd.ones((1 << 20,))                       # 4 MiB, counted: a dashboard is running
    del big
    assert cpu_figures(first.snapshot())["peak_bytes"] >= 4 << 20
    second = dashboards(start=False)
    assert cpu_figures(second.snapshot())["peak_bytes"] < 4 << 20   # its peak starts now
    big = mx.nd.ones((1 << 20,))
    del big
    kept = dashboards(start=False, reset_peak=False)
    assert cpu_figures(kept.snapshot())["peak_bytes"] >= 4 << 20


def test_history_charts_follow_the_samples(dashboards):
    pytest.importorskip("anywidget")
    dash = dashboards()
    dash.refresh()
    held = mx.nd.ones((1 << 18,))                       # 1 MiB
    dash.refresh()
    memory, ops = dash.history_charts()
    live = next(l for l in memory["lines"] if l["label"] == "cpu(0) live NDArrays")
    assert len(live["x"]) == len(live["y"]) >= 2 and live["x"][0] == 0.0
    assert live["y"][-1] - live["y"][0] >= 1.0
    assert ops["lines"][0]["label"] == "ops/s"
    widget = dash.history_widget()
    assert widget.panel["charts"][0]["title"] == "memory"
    bundle = widget._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "data:image/svg+xml;base64," in data["text/html"]
    del held
