"""Reductions: sum, mean, prod, nansum, nanprod, max, min, norm, argmax, argmin, argmax_channel."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from .harness import Case, run_case

R = np.random.RandomState(3)


def _u(*shape):
    return R.uniform(-1, 1, shape)


def _signed_away_from_zero(*shape):
    return R.choice([-1.0, 1.0], shape) * R.uniform(0.5, 1.5, shape)


def _apart(*shape):
    """Distinct values far apart, so max/min/argmax do not change under finite differences."""
    return R.permutation(np.arange(int(np.prod(shape)), dtype=np.float64)).reshape(shape) * 0.3 - 1


def _with_nans(*shape):
    x = _signed_away_from_zero(*shape)
    x.reshape(-1)[::3] = np.nan
    return x


def _numpy_axes(ndim, axis, exclude):
    """The axes MXNet reduces, worked out independently of mxnb."""
    if axis is None or axis == ():
        return tuple(range(ndim))
    listed = {a % ndim for a in ((axis,) if isinstance(axis, int) else axis)}
    return tuple(sorted(set(range(ndim)) - listed)) if exclude else tuple(sorted(listed))


def _reduction_ref(fn):
    def reference(x, axis=None, keepdims=False, exclude=False):
        out = np.asarray(fn(x, axis=_numpy_axes(x.ndim, axis, exclude), keepdims=keepdims))
        return out.reshape(1) if out.ndim == 0 else out.astype(x.dtype)
    return reference


_REDUCTIONS = {
    "sum": (np.sum, _u), "mean": (np.mean, _u), "prod": (np.prod, _signed_away_from_zero),
    "nansum": (np.nansum, _with_nans), "nanprod": (np.nanprod, _with_nans),
    "max": (np.max, _apart), "min": (np.min, _apart),
}
_AXES = [
    {},                                              # every axis: shape (1,)
    {"axis": 1},
    {"axis": (0, 2), "keepdims": True},
    {"axis": -1, "exclude": True},
    {"axis": (), "keepdims": True},                  # () means every axis, as None
]

CASES = []
for _name, (_fn, _gen) in _REDUCTIONS.items():
    for _i, _attrs in enumerate(_AXES):
        CASES.append(Case(_name, [_gen(2, 3, 2)], _reduction_ref(_fn), attrs=_attrs,
                          name="%s_%d" % (_name, _i)))
CASES += [
    Case("sum_axis", [_u(3, 4)], _reduction_ref(np.sum), attrs={"axis": 0}),
    Case("max_axis", [_apart(3, 4)], _reduction_ref(np.max), attrs={"axis": 1}),
    Case("min_axis", [_apart(3, 4)], _reduction_ref(np.min), attrs={"axis": 1, "keepdims": True}),
]


# --- gradient helpers -----------------------------------------------------------------------
def _broadcast_reduced_ref(data, like, axis=None, keepdims=False, exclude=False, mean=False):
    axes = _numpy_axes(like.ndim, axis, exclude)
    kept = tuple(1 if i in axes else d for i, d in enumerate(like.shape))
    out = np.broadcast_to(data.reshape(kept), like.shape)
    count = int(np.prod([like.shape[a] for a in axes]))
    return out / count if mean else out


CASES += [
    Case("_broadcast_reduced", [_u(3), _u(2, 3, 4)], _broadcast_reduced_ref,
         attrs={"axis": (0, 2)}, grad_inputs=[0]),
    Case("_broadcast_reduced", [_u(2, 1, 4), _u(2, 3, 4)], _broadcast_reduced_ref,
         attrs={"axis": 1, "keepdims": True, "mean": True}, grad_inputs=[0], name="_broadcast_reduced_mean"),
    Case("_broadcast_reduced", [_u(1), _u(2, 3)], _broadcast_reduced_ref, grad_inputs=[0],
         name="_broadcast_reduced_all"),
    Case("_nan_to_zero", [_with_nans(3, 4)], lambda x: np.where(np.isnan(x), 0, x)),
]


# --- norm -------------------------------------------------------------------------------------
def _norm_ref(x, ord=2, axis=None, keepdims=False, out_dtype=None):
    axes = _numpy_axes(x.ndim, axis, False)
    if ord == 2:
        out = np.sqrt((x.astype(np.float64) ** 2).sum(axis=axes, keepdims=keepdims))
    else:
        out = np.abs(x.astype(np.float64)).sum(axis=axes, keepdims=keepdims)
    out = np.asarray(out).astype(out_dtype or x.dtype)
    return out.reshape(1) if out.ndim == 0 else out


CASES += [
    Case("norm", [_u(3, 4)], _norm_ref),
    Case("norm", [_u(2, 3, 4)], _norm_ref, attrs={"axis": 1, "keepdims": True}, name="norm_axis"),
    Case("norm", [_u(2, 3, 4)], _norm_ref, attrs={"axis": (1, 2)}, name="norm_two_axes"),
    Case("norm", [_signed_away_from_zero(3, 4)], _norm_ref, attrs={"ord": 1, "axis": 0},
         name="norm_l1"),
    Case("norm", [_u(3, 4)], _norm_ref, attrs={"out_dtype": "float64"}, grad=False,
         name="norm_out_dtype"),
]


# --- argmax / argmin --------------------------------------------------------------------------
def _arg_ref(fn):
    def reference(x, axis=None, keepdims=False):
        if axis is None:
            out = np.array([fn(x)]).reshape((1,) * x.ndim if keepdims else (1,))
        else:
            out = fn(x, axis=axis)
            out = np.expand_dims(out, axis) if keepdims else out
        return out.astype(x.dtype)
    return reference


CASES += [
    Case("argmax", [_apart(3, 4)], _arg_ref(np.argmax)),
    Case("argmax", [_apart(2, 3, 4)], _arg_ref(np.argmax), attrs={"axis": 1}, name="argmax_axis"),
    Case("argmax", [_apart(2, 3)], _arg_ref(np.argmax), attrs={"axis": -1, "keepdims": True},
         name="argmax_keepdims"),
    Case("argmin", [_apart(3, 4)], _arg_ref(np.argmin), attrs={"axis": 0}),
    Case("argmin", [_apart(3, 4)], _arg_ref(np.argmin), attrs={"keepdims": True},
         name="argmin_flat_keepdims"),
    Case("argmax_channel", [_apart(2, 3, 4)], lambda x: np.argmax(x, axis=1).astype(x.dtype)),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


def test_shapes_match_mxnet(ctx):
    x = nd.ones((2, 3), ctx=ctx)
    assert nd.sum(x).shape == (1,)
    assert nd.sum(x, keepdims=True).shape == (1, 1)
    assert nd.sum(x, axis=(0, 1), exclude=True).shape == (2, 3)
    assert nd.max(x, axis=1, keepdims=True).shape == (2, 1)
    assert nd.argmax(x).shape == (1,)
    assert x.sum(axis=0).shape == (3,)       # the fluent method


def test_int_reductions_keep_dtype(ctx):
    x = nd.array([[1, 2], [3, 4]], ctx=ctx, dtype="int32")
    assert nd.sum(x).dtype == np.int32
    assert nd.mean(x, axis=0).asnumpy().tolist() == [2, 3]
    assert nd.argmax(x, axis=1).dtype == np.int32


def test_max_gradient_goes_to_every_tie(ctx):
    x = nd.array([[1.0, 3.0, 3.0]], ctx=ctx)
    x.attach_grad()
    with autograd.record():
        y = nd.max(x, axis=1)
    y.backward()
    assert x.grad.asnumpy().tolist() == [[0.0, 1.0, 1.0]]


def test_bad_axis_and_ord_raise(ctx):
    x = nd.ones((2, 3), ctx=ctx)
    with pytest.raises(mx.base.ShapeError, match="sum.*axis 2.*2 dimension"):
        nd.sum(x, axis=2)
    with pytest.raises(mx.MXNetError, match="norm.*ord=3"):
        nd.norm(x, ord=3)


def test_second_order_through_sum(ctx):
    """d/dx of the gradient of sum(x^2 summed over axis 1) is 2 everywhere."""
    x = nd.array(np.arange(6, dtype=np.float64).reshape(2, 3), ctx=ctx)
    x.attach_grad()
    with autograd.record():
        y = nd.sum(nd.square(x), axis=1)
        (dx,) = autograd.grad([y], [x], create_graph=True)
        z = nd.sum(dx)
    z.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), np.full((2, 3), 2.0))
