"""dot (MXNet's N-D semantics), its two gradient operators, and batch_dot."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from .harness import Case, run_case

R = np.random.RandomState(11)


def _u(*shape):
    return R.uniform(-1, 1, shape)


def _dot_ref(a, b, transpose_a=False, transpose_b=False):
    """MXNet's dot: lhs's last axis (first with transpose_a) against rhs's first axis (last with
    transpose_b), written with tensordot."""
    if a.ndim == 1 and b.ndim == 1:
        return np.array([np.dot(a, b)])
    ia = 0 if transpose_a and a.ndim > 1 else a.ndim - 1
    ib = b.ndim - 1 if transpose_b and b.ndim > 1 else 0
    # tensordot keeps each side's remaining axes in order, as MXNet's transposed views do.
    return np.tensordot(a, b, axes=([ia], [ib]))


def _grad_lhs_ref(og, b, a, transpose_a=False, transpose_b=False):
    """d(sum(og * dot(a, b)))/da, by contracting og with b over rhs's free axes."""
    nq = b.ndim - 1
    b_free = list(range(b.ndim - 1)) if transpose_b else list(range(1, b.ndim))
    g = np.tensordot(og, b, axes=(list(range(og.ndim - nq, og.ndim)), b_free))  # P... x K
    return np.moveaxis(g, -1, 0) if transpose_a else g


def _grad_rhs_ref(og, a, b, transpose_a=False, transpose_b=False):
    """d(sum(og * dot(a, b)))/db, by contracting a with og over lhs's free axes."""
    npf = a.ndim - 1
    a_free = list(range(1, a.ndim)) if transpose_a else list(range(a.ndim - 1))
    g = np.tensordot(a, og, axes=(a_free, list(range(npf))))  # K x Q...
    return np.moveaxis(g, 0, -1) if transpose_b else g


def _flags(ta, tb):
    return {"transpose_a": ta, "transpose_b": tb}


CASES = []
for ta in (False, True):
    for tb in (False, True):
        tag = "%s%s" % ("T" if ta else "N", "T" if tb else "N")
        a2 = _u(4, 3) if ta else _u(3, 4)
        b2 = _u(5, 4) if tb else _u(4, 5)
        CASES.append(Case("dot", [a2, b2], _dot_ref, attrs=_flags(ta, tb), name="dot_2d_" + tag))
        an = _u(4, 2, 3) if ta else _u(2, 3, 4)
        bn = _u(3, 2, 4) if tb else _u(4, 3, 2)
        CASES.append(Case("dot", [an, bn], _dot_ref, attrs=_flags(ta, tb), name="dot_nd_" + tag))
        og = _u(*_dot_ref(an, bn, ta, tb).shape)
        CASES.append(Case("_dot_grad_lhs", [og, bn, an], _grad_lhs_ref, attrs=_flags(ta, tb),
                          grad_inputs=[0, 1], name="_dot_grad_lhs_" + tag))
        CASES.append(Case("_dot_grad_rhs", [og, an, bn], _grad_rhs_ref, attrs=_flags(ta, tb),
                          grad_inputs=[0, 1], name="_dot_grad_rhs_" + tag))
        ab = _u(2, 4, 3) if ta else _u(2, 3, 4)
        bb = _u(2, 5, 4) if tb else _u(2, 4, 5)
        CASES.append(Case("batch_dot", [ab, bb],
                          lambda a, b, transpose_a, transpose_b: np.matmul(
                              np.swapaxes(a, 1, 2) if transpose_a else a,
                              np.swapaxes(b, 1, 2) if transpose_b else b),
                          attrs=_flags(ta, tb), name="batch_dot_" + tag))
CASES += [
    Case("dot", [_u(4), _u(4)], _dot_ref, name="dot_vectors"),
    Case("dot", [_u(4), _u(4, 3)], _dot_ref, name="dot_vector_matrix"),
    Case("dot", [_u(2, 4), _u(4)], _dot_ref, name="dot_matrix_vector"),
    Case("dot", [_u(2, 4), _u(4)], _dot_ref, attrs={"transpose_b": True}, name="dot_matrix_vector_T"),
    Case("batch_dot", [_u(2, 2, 3, 4), _u(2, 2, 4, 2)], lambda a, b: np.matmul(a, b),
         name="batch_dot_4d"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


def test_shape_errors_name_the_operator(ctx):
    with pytest.raises(mx.base.ShapeError, match=r"dot.*\(2, 4\).*4.*\(5, 6\).*5"):
        nd.dot(nd.ones((2, 4), ctx=ctx), nd.ones((5, 6), ctx=ctx))
    with pytest.raises(mx.MXNetError, match="cannot transpose vectors"):
        nd.dot(nd.ones((4,), ctx=ctx), nd.ones((4,), ctx=ctx), transpose_a=True)
    with pytest.raises(mx.base.ShapeError, match="batch_dot.*leading batch"):
        nd.batch_dot(nd.ones((2, 4, 5), ctx=ctx), nd.ones((1, 5, 6), ctx=ctx))
    with pytest.raises(mx.base.ShapeError, match="batch_dot.*rank"):
        nd.batch_dot(nd.ones((4, 5), ctx=ctx), nd.ones((5, 6), ctx=ctx))


def test_infer_shape_partial():
    dot = mx.ops.registry.get("dot")
    attrs = dot.parse_attrs({})
    assert dot.infer_shape(attrs, [(2, 3), None]) == ([(2, 3), None], [None])
    assert dot.infer_shape(attrs, [(0, 3), (3, 5)])[1] == [(0, 5)]
    bdot = mx.ops.registry.get("batch_dot")
    assert bdot.infer_shape(bdot.parse_attrs({"transpose_b": True}), [(0, 3, 4), (2, 5, 4)])[1] == [(2, 3, 5)]


@pytest.mark.parametrize("ta, tb", [(False, False), (True, True)])
def test_second_order_through_dot(ta, tb, ctx):
    """The gradient of sum(dot(a, b) ** 2) w.r.t. a, differentiated again w.r.t. b, against
    finite differences of the first gradient."""
    a0 = _u(3, 2, 4) if not ta else _u(4, 3, 2)
    b0 = _u(4, 5) if not tb else _u(5, 4)

    def first_grad(bv, create_graph=False):
        a = nd.array(a0, ctx=ctx, dtype="float64")
        a.attach_grad()
        with autograd.record():
            y = nd.dot(a, bv, transpose_a=ta, transpose_b=tb)
            (ga,) = autograd.grad([nd.sum(nd.square(y))], [a], create_graph=create_graph)
        return ga

    b = nd.array(b0, ctx=ctx, dtype="float64")
    b.attach_grad()
    with autograd.record():
        total = nd.sum(first_grad(b, create_graph=True))
    total.backward()
    numeric = np.zeros_like(b0)
    eps = 1e-6
    for j in range(b0.size):
        plus, minus = b0.copy(), b0.copy()
        plus.reshape(-1)[j] += eps
        minus.reshape(-1)[j] -= eps
        numeric.reshape(-1)[j] = (first_grad(nd.array(plus, ctx=ctx, dtype="float64")).asnumpy().sum()
                                  - first_grad(nd.array(minus, ctx=ctx, dtype="float64")).asnumpy().sum()) / (2 * eps)
    np.testing.assert_allclose(b.grad.asnumpy(), numeric, rtol=1e-5, atol=1e-7)
