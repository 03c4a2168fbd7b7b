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
