"""DataLoader with worker processes (shared-memory batches), worker threads, and their faults:
a worker that hangs or dies gives an MXNetError within `timeout`, and the program still exits."""
import gc
import mmap
import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError
from mxnb.gluon import data as gdata
from mxnb.gluon.data.dataloader import DataLoaderTimeoutError, DataLoaderWorkerError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Squares(gdata.Dataset):
    """Sample i is (i*i as float32 of shape (2, 3), i) computed by Python code, with the pid."""

    def __len__(self):
        return 11

    def __getitem__(self, i):
        return np.full((2, 3), i * i, dtype=np.float32), np.int64(i)


def _leftover_segments():
    """Shared-memory segments of this process's DataLoaders still on /dev/shm, once loaders
    that earlier tests left in reference cycles are collected (their shutdown removes theirs)."""
    gc.collect()
    prefix = "mxnb-dataloader-%d-" % os.getpid()
    return [f for f in os.listdir("/dev/shm") if f.startswith(prefix)]


def _base_mmap(arr):
    base = arr
    while base is not None and not isinstance(base, mmap.mmap):
        base = getattr(base, "base", None) if not isinstance(base, memoryview) else base.obj
    return base


@pytest.mark.parametrize("last_batch, sizes", [("keep", [[4, 4, 3]] * 2),
                                               ("discard", [[4, 4]] * 2),
                                               ("rollover", [[4, 4], [4, 4, 4]])])
def test_worker_processes_give_the_same_batches(last_batch, sizes):
    plain = gdata.DataLoader(Squares(), batch_size=4, last_batch=last_batch)
    workers = gdata.DataLoader(Squares(), batch_size=4, last_batch=last_batch, num_workers=2)
    for epoch in range(2):
        length = len(workers)
        expected, got = list(plain), list(workers)
        assert [len(b[1]) for b in got] == sizes[epoch] and len(got) == length
        for (ex, ey), (gx, gy) in zip(expected, got):
            assert gx.dtype == np.float32 and gy.dtype == np.int64
            np.testing.assert_array_equal(gx.asnumpy(), ex.asnumpy())
            np.testing.assert_array_equal(gy.asnumpy(), ey.asnumpy())


def test_batches_arrive_through_shared_memory_from_other_processes():
    pids = gdata.DataLoader(gdata.SimpleDataset(list(range(8))).transform(lambda i: os.getpid()),
                            batch_size=2, num_workers=2)
    seen = {int(p) for b in pids for p in b.asnumpy()}
    assert os.getpid() not in seen and len(seen) == 2
    x, _ = next(iter(gdata.DataLoader(Squares(), batch_size=4, num_workers=1)))
    assert isinstance(_base_mmap(x._data), mmap.mmap)  # a view of the worker's segment
    assert not _leftover_segments()


def test_sampler_batch_sampler_prefetch_pin_memory_and_threads():
    sampler = gdata.BatchSampler(gdata.IntervalSampler(11, 3), 5, "keep")
    loader = gdata.DataLoader(Squares(), batch_sampler=sampler, num_workers=2, prefetch=1)
    labels = [b[1].asnumpy().tolist() for b in loader]
    assert labels == [[0, 3, 6, 9, 1], [4, 7, 10, 2, 5], [8]]
    pinned = next(iter(gdata.DataLoader(Squares(), batch_size=2, num_workers=1,
                                        pin_memory=True)))
    assert pinned[0].context == mx.cpu_pinned(0)
    threads = gdata.DataLoader(Squares(), batch_size=3, num_workers=2, thread_pool=True,
                               batchify_fn=gdata.batchify.Group(gdata.batchify.Stack(),
                                                                gdata.batchify.AsList()))
    x, ys = list(threads)[1]
    assert x.shape == (3, 2, 3) and ys == [3, 4, 5]


def test_worker_errors_are_raised_with_the_worker_traceback():
    class Faulty(Squares):
        def __getitem__(self, i):
            if i == 5:
                raise KeyError("sample 5 is missing")
            return super().__getitem__(i)

    for thread_pool in (False, True):
        loader = gdata.DataLoader(Faulty(), batch_size=2, num_workers=2, thread_pool=thread_pool)
        with pytest.raises(KeyError, match="sample 5 is missing") as info:
            list(loader)
        assert "batch 2 (samples [4, 5])" in str(info.value.__cause__)
        assert "sample 5 is missing" in str(info.value.__cause__)
        assert len(list(gdata.DataLoader(Squares(), batch_size=2, num_workers=2))) == 6


def test_hung_worker_times_out_and_dead_worker_is_reported():
    class Hangs(Squares):
        def __getitem__(self, i):
            if i == 3:
                time.sleep(60)
            return super().__getitem__(i)

    loader = gdata.DataLoader(Hangs(), batch_size=1, num_workers=1, timeout=1)
    with pytest.raises(DataLoaderTimeoutError, match="batch 3 .*within timeout=1 seconds"):
        list(loader)
    workers = loader._workers
    assert workers.broken and not any(p.is_alive() for p in workers._procs)

    class Dies(Squares):
        def __getitem__(self, i):
            if i == 4:
                os._exit(7)
            return super().__getitem__(i)

    with pytest.raises(DataLoaderWorkerError, match="exited with code 7 while loading batch"):
        list(gdata.DataLoader(Dies(), batch_size=2, num_workers=2, timeout=30))
    # the multiprocessing TimeoutError MXNet raises is still caught by code written for MXNet
    import multiprocessing
    assert issubclass(DataLoaderTimeoutError, multiprocessing.TimeoutError)
    assert issubclass(DataLoaderTimeoutError, MXNetError)


@pytest.mark.parametrize("thread_pool", [False, True])
def test_process_exits_after_a_timeout_with_a_hung_getitem(thread_pool):
    """Issue 6: after a DataLoader timeout with a __getitem__ that never returns, the program
    must still exit."""
    script = textwrap.dedent("""
        import threading
        import mxnb as mx
        from mxnb.gluon import data as gdata

        class Never(gdata.Dataset):
            def __len__(self):
                return 4
            def __getitem__(self, i):
                threading.Event().wait()  # never returns

        loader = gdata.DataLoader(Never(), batch_size=1, num_workers=2, timeout=1,
                                  thread_pool=%s)
        try:
            next(iter(loader))
        except mx.base.MXNetError as exc:
            print("raised:", type(exc).__name__)
    """ % thread_pool)
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "raised: DataLoaderTimeoutError" in proc.stdout


def test_workers_started_from_a_thread_outlive_it():
    import threading
    loader = gdata.DataLoader(Squares(), batch_size=4, num_workers=2)
    done = []
    thread = threading.Thread(target=lambda: done.append(len(list(loader))))
    thread.start()
    thread.join()
    assert done == [3] and len(list(loader)) == 3  # same workers, from the main thread


def test_workers_die_with_a_killed_main_process():
    script = textwrap.dedent("""
        import os, signal, threading
        from mxnb.gluon import data as gdata

        class Never(gdata.Dataset):
            def __len__(self):
                return 4
            def __getitem__(self, i):
                threading.Event().wait()

        loader = gdata.DataLoader(Never(), batch_size=1, num_workers=2)
        workers = loader._worker_pool()
        workers.submit((0, 0), [0])  # both workers now hang inside __getitem__
        workers.submit((0, 1), [1])
        print(" ".join(str(p) for p in workers.pids), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == -9, proc.stderr
    pids = [int(p) for p in proc.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 30
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _running(p)]
        time.sleep(0.1)
    assert not alive, "workers %s outlived their killed parent" % alive


def _running(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


def test_full_shared_memory_falls_back_to_the_pipe(monkeypatch):
    from mxnb.gluon.data import _shared_batch

    def no_space(fd, data, offset):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(_shared_batch.os, "pwrite", no_space)
    batches = list(gdata.DataLoader(Squares(), batch_size=4, num_workers=2))  # forked: patched
    x, y = batches[1]
    np.testing.assert_array_equal(y.asnumpy(), [4, 5, 6, 7])
    np.testing.assert_array_equal(x.asnumpy()[:, 0, 0], [16, 25, 36, 49])
    assert _base_mmap(x._data) is None
    assert not _leftover_segments()
