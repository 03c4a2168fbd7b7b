"""Memory-bound CPU kernels split over the cores: the convolution's copies (im2col, col2im,
the Winograd transforms) by image, BatchNorm's per-channel loops by channel, the activations'
loops by range; stacks of matrix products by matrix (parallel_matmul); and the convolutions'
pieces of work by image, each thread's products on one BLAS thread (parallel_products).
NumPy's copies and ufunc loops and the compiled (nogil) loops release the GIL, so threads
running slices of one batch overlap; other matrix products use OpenBLAS's threads, which must
not spin on a core meanwhile (mxnb.blas_threads).

The thread count is OMP_NUM_THREADS (as MXNet's CPU operators), else OPENBLAS_NUM_THREADS, else
the number of cores. On CuPy, or for small work, the function runs once on the whole batch.
"""
import collections
import os
import threading

import numpy

from ... import blas_threads
from ..quiet import silence, restore, SILENT
from ._shapes import prod

__all__ = ["parallel_batches", "parallel_elementwise", "parallel_matmul", "parallel_products",
           "parallel_ufunc", "cpu_threads"]

# Elements below which splitting a copy costs more than it saves.
_MIN_ELEMENTS = 1 << 17

# Elements from which a memory-bound loop that reads and writes each element once (an
# activation's gradient, BatchNorm's per-channel passes) is split: a hand-off costs 80-90 us on
# a 2-core VM, and arrays that no longer fit in cache are read at one thread's memory bandwidth.
# tanh's gradient: 737k elements 1.0x; 2M 0.90 -> 0.57 ms; 8M 3.98 -> 1.92 ms.
_ELEMENTWISE_FROM = 1 << 20

# Elements from which a transcendental ufunc (tanh, exp) is split (parallel_ufunc). These are
# compute-bound, ~2.6 ns an element for float32 tanh on a 2-core znver3 VM, so a hand-off pays
# from far fewer elements than a copy's. us, one thread / split: tanh of 32k elements 83 / 70,
# 64k 173 / 116, 205k 538 / 303, LeNet's 737k 1936 / 1023.
_UFUNC_FROM = 1 << 15

# Multiply-adds from which a stack of products is split (parallel_matmul). Stacks of LeNet's
# first layer shape (20x26 . 26x576 per image), median us, one matmul against a split: 16
# images 75 / 156-165, 32 images 177 / 270, 64 images 381-505 / 324-433. In LeNet's training
# step, though, splitting its im2col products (64 images, forward and weight gradient) made the
# step ~1.5% slower (6 interleaved runs): only Winograd's, 300M multiply-adds and more in
# ResNet-18/32x32, go through parallel_matmul.
_MATMUL_SPLIT_FROM = 1 << 24

# Slices per thread (parallel_batches' slices_per_thread) of the convolutions' splits that make
# columns and multiply them on one BLAS thread each (_conv_columns) and of max pooling's: taken
# by whichever thread is free. LeNet's training step (median ms, in-process A/B): 10.73 ->
# 10.45 imperative, 10.59 -> 10.43 hybridized. Elsewhere (BatchNorm, activations, col2im,
# Winograd's transforms and products) the halves stay: ResNet-18/32x32's step was 424 -> 432 ms
# with every split cut in four, 431 -> 438 with Winograd's products too.
DYNAMIC_SLICES = 4

_pool = None
_pool_pid = None
_pool_lock = threading.Lock()
_blas_split_lock = threading.Lock()   # held by the one split that has set BLAS to one thread
_threads = None


def cpu_threads():
    """Threads the CPU kernels may use (read once)."""
    global _threads
    if _threads is None:
        count = os.cpu_count() or 1
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            value = os.environ.get(var, "")
            if value.isdigit() and int(value) > 0:
                count = min(count, int(value))
                break
        _threads = max(1, count)
    return _threads


def _executor(threads):
    """The shared pool; a new one in a forked child (a fork copies the pool but not its
    threads, and work handed to it would wait forever)."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            from concurrent.futures import ThreadPoolExecutor
            _pool = ThreadPoolExecutor(threads - 1, thread_name_prefix="mxnb-conv")
            _pool_pid = os.getpid()
    return _pool


def parallel_batches(xp, work, n, elements, slices_per_thread=1):
    """work(lo, hi) over batch slices [lo, hi) covering range(n): in threads when xp is NumPy,
    there are several cores and `elements` (the size of the work) is worth splitting. With
    `slices_per_thread` > 1 the batch is cut finer and each thread takes the next slice when
    it is free, so a thread slowed by another's work on its core (OpenBLAS's spinning
    workers, mxnb.blas_threads) holds up the call by one slice, not by half the batch."""
    threads = min(cpu_threads(), n)
    if threads < 2 or elements < _MIN_ELEMENTS or xp is not numpy:
        work(0, n)
        return
    pool = _executor(cpu_threads())
    if slices_per_thread == 1:              # a slice per thread; this thread takes the first
        bounds = [n * i // threads for i in range(threads + 1)]
        futures = [pool.submit(work, bounds[i], bounds[i + 1]) for i in range(1, threads)]
        work(bounds[0], bounds[1])
    else:
        slices = min(n, threads * slices_per_thread)
        bounds = [n * i // slices for i in range(slices + 1)]
        waiting = collections.deque(zip(bounds[:-1], bounds[1:]))

        def take():     # the next slice to whichever thread is free (popleft is atomic)
            while True:
                try:
                    lo, hi = waiting.popleft()
                except IndexError:
                    return
                work(lo, hi)
        futures = [pool.submit(take) for _ in range(1, threads)]
        take()
    for future in futures:
        future.result()


def parallel_elementwise(work, n, elements):
    """work(lo, hi) over range(n) (channels, or pieces of a flat array) on NumPy arrays: split
    over threads only when `elements` reach _ELEMENTWISE_FROM (see there)."""
    if elements < _ELEMENTWISE_FROM:
        work(0, n)
        return
    parallel_batches(numpy, work, n, elements)


def parallel_ufunc(ufunc, x, out=None):
    """ufunc(x, out=out) for a transcendental NumPy ufunc (tanh, exp), split over the threads by
    pieces of the flat array from _UFUNC_FROM elements of C-contiguous floats; each piece is
    the same ufunc on the same elements, so the result is bit-equal. `out` may be x. The
    threads compute with NumPy's floating-point warnings off, as operators do (ops/quiet).
    Anything else (CuPy arrays, small or strided ones) is one ufunc call."""
    if (type(x) is not numpy.ndarray or x.size < _UFUNC_FROM or x.dtype.kind != "f"
            or not x.flags.c_contiguous or cpu_threads() < 2
            or (out is not None and (out.dtype != x.dtype or out.shape != x.shape
                                     or not out.flags.c_contiguous))):
        return ufunc(x) if out is None else ufunc(x, out=out)
    if out is None:
        out = numpy.empty_like(x)
    source, target = x.reshape(-1), out.reshape(-1)
    size = source.size

    def work(lo, hi):
        a, b = size * lo // _UFUNC_PIECES, size * hi // _UFUNC_PIECES
        quiet = silence(SILENT)
        try:
            ufunc(source[a:b], out=target[a:b])
        finally:
            restore(quiet)
    parallel_batches(numpy, work, _UFUNC_PIECES, max(size, _MIN_ELEMENTS), DYNAMIC_SLICES // 2)
    return out


_UFUNC_PIECES = 64


def parallel_matmul(xp, a, b):
    """xp.matmul(a, b) of stacks of matrices (broadcast as matmul does), split along the first
    axis of the result's stack over the CPU threads with each part's products on one BLAS thread.
    OpenBLAS splits each product of a stack over its threads, and Winograd's products are
    narrow (64 to 512 rows and columns): two threads of one product each were quicker on 2
    cores (ms, ResNet-18/32x32's, batch 32: weight gradient of 64 channels 5.07 -> 3.81, 128
    channels 3.98 -> 2.88, 256 channels 3.44 -> 2.38; forward of 64 channels 3.40 -> 2.90, 128
    channels 3.48 -> 2.43; the training step ~580-595 -> 543-574 ms). A plain matmul on CuPy,
    for one thread, and below _MATMUL_SPLIT_FROM."""
    if xp is not numpy:
        return xp.matmul(a, b)
    batch = numpy.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    if (not batch or min(cpu_threads(), batch[0]) < 2
            or prod(batch) * a.shape[-2] * a.shape[-1] * b.shape[-1] < _MATMUL_SPLIT_FROM):
        return xp.matmul(a, b)
    n = batch[0]
    out = numpy.empty(batch + (a.shape[-2], b.shape[-1]), numpy.result_type(a, b))

    def cut(x, lo, hi):     # an operand broadcast along the split axis goes whole
        return x[lo:hi] if x.ndim - 2 == len(batch) and x.shape[0] == n else x

    def part(lo, hi):
        numpy.matmul(cut(a, lo, hi), cut(b, lo, hi), out=out[lo:hi])
    parallel_products(part, n, out.size + _MIN_ELEMENTS)
    return out


def parallel_products(work, n, elements, slices_per_thread=1):
    """work(lo, hi) over batch slices of range(n) on NumPy arrays, in threads (parallel_batches)
    with each thread's BLAS products on one BLAS thread: for stacks of products too narrow for
    OpenBLAS to split each one well. Where OpenBLAS's count cannot be set so
    (blas_threads.blas_thread_setter), or another split holds it, work(0, n) runs here with
    BLAS's own threads.

    The count is process-wide: one split at a time sets it and puts back what it found (two
    overlapping, from the threaded engine's workers, could leave it at 1)."""
    set_threads = blas_threads.blas_thread_setter()
    if (set_threads is None or min(cpu_threads(), n) < 2
            or not _blas_split_lock.acquire(blocking=False)):
        work(0, n)
        return
    try:
        previous = set_threads(1)
        try:
            parallel_batches(numpy, work, n, elements, slices_per_thread)
        finally:
            set_threads(previous)
    finally:
        _blas_split_lock.release()
