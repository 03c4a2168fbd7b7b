"""Batched matrix products of nd.linalg: gemm2 and gemm, in every transpose combination."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from .harness import Case, run_case

R = np.random.RandomState(11)


def _u(*shape):
    return R.uniform(-1, 1, shape)


def _op(x, transpose):
    return np.swapaxes(x, -1, -2) if transpose else x


def _gemm2_ref(a, b, transpose_a=False, transpose_b=False, alpha=1.0):
    return alpha * np.matmul(_op(a, transpose_a), _op(b, transpose_b))


def _gemm_ref(a, b, c, transpose_a=False, transpose_b=False, alpha=1.0, beta=1.0):
    return _gemm2_ref(a, b, transpose_a, transpose_b, alpha) + beta * c


CASES = []
for ta in (False, True):
    for tb in (False, True):
        a = _u(2, 4, 3) if ta else _u(2, 3, 4)
        b = _u(2, 5, 4) if tb else _u(2, 4, 5)
        attrs = {"transpose_a": ta, "transpose_b": tb, "alpha": 0.5}
        CASES.append(Case("_linalg_gemm2", [a, b], _gemm2_ref, attrs=attrs,
                          name="gemm2_ta%d_tb%d" % (ta, tb)))
        CASES.append(Case("_linalg_gemm", [a, b, _u(2, 3, 5)], _gemm_ref,
                          attrs=dict(attrs, beta=2.0), name="gemm_ta%d_tb%d" % (ta, tb)))


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


def test_namespaces_and_mxnet_example():
    # MXNet's documented example: gemm2(A, B, transpose_b=True, alpha=2.0) = [[[4.0]], [[0.04]]]
    a = nd.array([[[1.0, 1.0]], [[0.1, 0.1]]])
    out = nd.linalg.gemm2(a, a, transpose_b=True, alpha=2.0)
    np.testing.assert_allclose(out.asnumpy(), [[[4.0]], [[0.04]]], rtol=1e-6)
    s = mx.sym.linalg.gemm(mx.sym.var("A"), mx.sym.var("B"), mx.sym.var("C"))
    assert s.infer_shape(A=(3, 2), B=(2, 4))[1] == [(3, 4)]
    with pytest.raises(mx.MXNetError, match="linalg_gemm2.*columns"):
        nd.linalg.gemm2(nd.ones((2, 3)), nd.ones((2, 3)))


def _axis0_ref(a, b, transpose_a=False, transpose_b=False, alpha=1.0, axis=0):
    out = _gemm2_ref(np.moveaxis(a, axis, -2), np.moveaxis(b, axis, -2), transpose_a,
                     transpose_b, alpha)
    return np.moveaxis(out, -2, axis)


CASES += [
    Case("_linalg_gemm2", [_u(3, 2, 4), _u(4, 2, 5)], _axis0_ref, attrs={"axis": 0, "alpha": 2.0},
         name="gemm2_axis0"),
    Case("_linalg_gemm2", [_u(4, 2, 3), _u(4, 2, 5)], _axis0_ref,
         attrs={"axis": 0, "transpose_a": True}, name="gemm2_axis0_ta"),
    Case("_linalg_gemm", [_u(3, 2, 4), _u(4, 2, 5), _u(3, 2, 5)],
         lambda a, b, c, axis, beta: _axis0_ref(a, b, axis=axis) + beta * c,
         attrs={"axis": 0, "beta": 0.5}, name="gemm_axis0"),
]
