import numpy as np
import pytest

import mxnb as mx


def _contexts():
    ctxs = [pytest.param(mx.cpu(), id="cpu")]
    ctxs.append(pytest.param(mx.gpu(0), id="gpu", marks=[pytest.mark.gpu, pytest.mark.skipif(
        mx.num_gpus() == 0, reason="no GPU with CuPy on this machine")]))
    return ctxs


@pytest.fixture(params=_contexts())
def ctx(request):
    return request.param


@pytest.fixture
def forced_split(monkeypatch):
    """forced_split(module) makes `module`'s parallel_elementwise split its work over two
    threads however small, and returns the list of the (n, elements) it is called with."""
    from mxnb.ops.nn import _conv_parallel
    monkeypatch.setattr(_conv_parallel, "_threads", 2)
    monkeypatch.setattr(_conv_parallel, "_MIN_ELEMENTS", 0)

    def force(module):
        calls = []

        def split(work, n, elements):
            calls.append((n, elements))
            _conv_parallel.parallel_batches(np, work, n, elements)
        monkeypatch.setattr(module, "parallel_elementwise", split)
        return calls
    return force
