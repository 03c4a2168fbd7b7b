"""Faults (issue 6): a save killed with kill -9 leaves no orphaned temporary behind for good;
float32 norm does not overflow; NumPy's RuntimeWarnings do not leak from operators; the
live-array counters stay exact when threads make and free arrays at once."""
import glob
import os
import signal
import subprocess
import sys
import threading
import time
import warnings

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, instrument
from mxnb import fileio
from mxnb.fileio import write_atomically

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
posix_only = pytest.mark.skipif(os.name != "posix", reason="kill -9 and process liveness are POSIX")


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _stale_temporary(fname, pid):
    folder, base = os.path.split(fname)
    host = getattr(fileio, "_HOST", "host")
    path = os.path.join(folder, ".%s.mxnb-%s-%d-abc123.tmp" % (base, host, pid))
    with open(path, "wb") as f:
        f.write(b"\0" * 1000)
    return path


def _temporaries(fname):
    folder, base = os.path.split(fname)
    return glob.glob(os.path.join(folder, ".%s.*tmp" % base))


@posix_only
def test_a_save_killed_mid_write_leaves_a_temporary_the_next_save_removes(tmp_path):
    fname = str(tmp_path / "big.params")
    # The child hangs in fsync, after writing its temporary and before renaming it.
    script = ("import os, sys, time, mxnb.fileio as f\n"
              "def hang(fd):\n"
              "    print('writing', flush=True)\n"
              "    time.sleep(60)\n"
              "os.fsync = hang\n"
              "f.write_atomically(sys.argv[1], b'x' * 3000000)\n")
    proc = subprocess.Popen([sys.executable, "-c", script, fname], cwd=ROOT,
                            stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=ROOT))
    assert proc.stdout.readline().strip() == b"writing"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    orphans = _temporaries(fname)
    assert len(orphans) == 1 and not os.path.exists(fname)     # what kill -9 leaves
    nd.save(fname, {"w": nd.ones((2, 2))})
    assert _temporaries(fname) == []
    assert nd.load(fname)["w"].shape == (2, 2)


@posix_only
def test_a_load_removes_stale_temporaries_but_not_a_running_save(tmp_path):
    fname = str(tmp_path / "net.params")
    nd.save(fname, [nd.ones(3)])
    stale = _stale_temporary(fname, _dead_pid())
    running = _stale_temporary(fname, os.getppid())    # a live process: a save in progress
    other = str(tmp_path / ".other.params.mxnb-x-1-abc.tmp")
    open(other, "wb").close()
    nd.load(fname)
    assert not os.path.exists(stale)
    assert os.path.exists(running) and os.path.exists(other)


@posix_only
def test_symbol_save_and_load_clean_up_too(tmp_path):
    fname = str(tmp_path / "net-symbol.json")
    stale = _stale_temporary(fname, _dead_pid())
    mx.sym.var("x").save(fname)
    assert not os.path.exists(stale)
    stale = _stale_temporary(fname, _dead_pid())
    mx.sym.load(fname)
    assert not os.path.exists(stale)
    assert fileio.remove_stale_temporaries(fname) == []


def test_a_failed_write_leaves_neither_a_temporary_nor_a_partial_file(tmp_path):
    fname = str(tmp_path / "f.bin")
    write_atomically(fname, b"old")
    with pytest.raises(TypeError):
        write_atomically(fname, 12345)
    assert open(fname, "rb").read() == b"old" and _temporaries(fname) == []


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.float64])
def test_norm_scales_before_squaring(dtype):
    big = {np.float32: 3e19, np.float16: 300.0, np.float64: 1e160}[dtype]
    x = np.array([[3 * big, 4 * big], [0, 0]], dtype=dtype)
    out = nd.norm(nd.array(x, dtype=dtype)).asnumpy()
    np.testing.assert_allclose(out.astype(np.float64), [5 * float(big)], rtol=1e-3)
    np.testing.assert_allclose(nd.norm(nd.array(x, dtype=dtype), axis=1).asnumpy().astype(np.float64),
                               [5 * float(big), 0], rtol=1e-3)
    assert nd.norm(nd.array([np.inf, 1.0])).asnumpy()[0] == np.inf
    assert np.isnan(nd.norm(nd.array([np.nan, 1.0])).asnumpy()[0])


def test_operators_do_not_emit_numpy_runtime_warnings():
    x = nd.array([0.0, -1.0, 1e30])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = [nd.log(x), x / 0, nd.sqrt(x), x * x, nd.exp(x), nd.arccos(x + 3), nd.sum(x * 1e10)]
        s = mx.sym.log(mx.sym.var("a"))
        out.append(s.bind(mx.cpu(), {"a": x}).forward()[0])
        w = nd.array([1e38, 1.0])
        mx.optimizer.SGD(learning_rate=1e10, wd=1.0).update(0, w, nd.array([np.inf, 1.0]), None)
        out.append(w)
        for o in out:
            o.asnumpy()
    assert [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)] == []
    assert np.isnan(out[0].asnumpy()[1])            # the values say what happened
    with warnings.catch_warnings(record=True) as caught:    # the user's NumPy is untouched
        warnings.simplefilter("always")
        np.log(np.array([-1.0]))
    assert any(issubclass(w.category, RuntimeWarning) for w in caught)


def test_live_array_counts_are_exact_across_threads():
    instrument.start_array_tracking()
    try:
        before = instrument.array_stats().get(mx.cpu(), {"count": 0, "bytes": 0})
        base = nd.ones((4,))
        barrier = threading.Barrier(4)

        def churn():
            barrier.wait()
            for _ in range(3000):
                y = base + 1
                del y

        threads = [threading.Thread(target=churn) for _ in range(4)]
        switch = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)            # switch threads as often as possible
        try:
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        finally:
            sys.setswitchinterval(switch)
        del base
        mx.nd.waitall()             # a threaded engine's pending work holds arrays until it runs
        after = instrument.array_stats().get(mx.cpu(), {"count": 0, "bytes": 0})
        assert after["count"] == before["count"] and after["bytes"] == before["bytes"]
    finally:
        instrument.stop_array_tracking()


def test_counter_updates_wait_for_the_counts_lock():
    """Making a counted array takes `instrument.counts_lock`: while another thread holds it,
    the array's accounting waits (so concurrent updates cannot interleave)."""
    instrument.start_array_tracking()
    done = threading.Event()
    try:
        with instrument.counts_lock:
            worker = threading.Thread(target=lambda: (nd.ones((2,)) + 1, done.set()))
            worker.start()
            blocked = not done.wait(0.3)
        worker.join()
        assert blocked and done.is_set()
    finally:
        instrument.stop_array_tracking()
