"""_softmax_cross_entropy_pick and its backward against NumPy, and bit for bit against the
log_softmax -> pick -> negative chain they replace in an eager SoftmaxCrossEntropyLoss."""
import numpy as np
import pytest

from mxnb import nd, autograd
from mxnb.base import MXNetError

from .harness import Case, run_case

R = np.random.RandomState(11)


def _u(*shape):
    return R.uniform(-2, 2, shape)


def _np_log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _np_positions(label, n, mode):
    """Integer class indices: clipped into [0, n) or wrapped around."""
    idx = label.astype(np.int64)
    return np.clip(idx, 0, n - 1) if mode == "clip" else idx % n


def _with_axis(label, ndim, axis):
    """The label with the class axis kept (length 1), as take_along_axis wants it."""
    return label if label.ndim == ndim else np.expand_dims(label, axis)


def _ce_ref(data, label, axis=-1, mode="clip", keepdims=True):
    """-log softmax(data)[label] along axis, the axis kept (length 1) or dropped."""
    axis %= data.ndim
    idx = _with_axis(_np_positions(label, data.shape[axis], mode), data.ndim, axis)
    out = -np.take_along_axis(_np_log_softmax(data, axis), idx, axis=axis)
    return out if keepdims else out.squeeze(axis)


def _ce_back_ref(og, label, data, axis=-1, mode="clip", keepdims=True):
    """d/d data of sum(og * out): (softmax(data) - one_hot(label)) * og, per sample."""
    axis %= data.ndim
    idx = _with_axis(_np_positions(label, data.shape[axis], mode), data.ndim, axis)
    classes = np.arange(data.shape[axis]).reshape((-1,) + (1,) * (data.ndim - axis - 1))
    one_hot = (classes == idx).astype(np.float64)
    og = og.reshape(idx.shape)
    return og * np.exp(_np_log_softmax(data, axis)) - og * one_hot


_LABEL = np.array([0.0, 4.0, 2.0, 1.0])
_LABEL_3D = np.array([[3.0, -1.0], [1.0, 7.0], [0.0, 2.0]])     # (3, 2): classes along axis 1

CASES = [
    Case("_softmax_cross_entropy_pick", [_u(4, 5), _LABEL], _ce_ref, grad_inputs=[0]),
    # labels out of range, clipped; the classes along axis 1 of a 3-d input
    Case("_softmax_cross_entropy_pick", [_u(3, 4, 2), _LABEL_3D], _ce_ref,
         attrs={"axis": 1}, grad_inputs=[0], name="_softmax_cross_entropy_pick_axis1_clip"),
    # wrapped labels, given with the class axis kept
    Case("_softmax_cross_entropy_pick", [_u(3, 4), np.array([[5.0], [-1.0], [2.0]])], _ce_ref,
         attrs={"mode": "wrap"}, grad_inputs=[0], name="_softmax_cross_entropy_pick_wrap"),
    # the axis dropped: a classifier's per-sample loss, as SoftmaxCrossEntropyLoss records it
    Case("_softmax_cross_entropy_pick", [_u(4, 5), _LABEL], _ce_ref, attrs={"keepdims": False},
         grad_inputs=[0], name="_softmax_cross_entropy_pick_dropped_axis"),
    Case("_backward_softmax_cross_entropy_pick",
         [_u(4, 1), _LABEL, _u(4, 5)], _ce_back_ref, grad_inputs=[0, 2]),
    Case("_backward_softmax_cross_entropy_pick",
         [_u(4), _LABEL, _u(4, 5)], _ce_back_ref, attrs={"keepdims": False}, grad_inputs=[0, 2],
         name="_backward_softmax_cross_entropy_pick_dropped_axis"),
    Case("_backward_softmax_cross_entropy_pick",
         [_u(3, 1, 2), _LABEL_3D, _u(3, 4, 2)], _ce_back_ref,
         attrs={"axis": 1, "mode": "wrap"}, grad_inputs=[0, 2],
         name="_backward_softmax_cross_entropy_pick_axis1_wrap"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_case(case, ctx):
    run_case(case, ctx)


def _chain(data, label, axis, mode):
    """The operators an eager loss recorded before: log_softmax, pick, negative."""
    return nd.negative(nd.pick(nd.log_softmax(data, axis=axis), label, axis=axis,
                               keepdims=True, mode=mode))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, axis, label, mode", [
    ((64, 10), -1, R.randint(-3, 13, 64), "clip"),
    ((5, 7, 3), 1, R.randint(0, 7, (5, 3)), "clip"),
    ((5, 7, 3), -1, R.randint(-4, 9, (5, 7)), "wrap"),
    ((1, 4), -1, np.array([2]), "clip"),
    ((3, 1), -1, np.array([0, 2, -1]), "clip"),           # one class: the general path
])
def test_values_and_gradient_equal_the_chain_bit_for_bit(ctx, dtype, shape, axis, label, mode):
    x = R.randn(*shape).astype(dtype) * 3
    head = R.uniform(-1, 1, _ce_ref(x, label, axis, mode).shape).astype(dtype)
    results = []
    for fused in (True, False):
        data = nd.array(x, ctx=ctx, dtype=dtype)
        data.attach_grad()
        lab = nd.array(label, ctx=ctx)
        with autograd.record():
            out = (nd._softmax_cross_entropy_pick(data, lab, axis=axis, mode=mode) if fused
                   else _chain(data, lab, axis, mode))
        out.backward(nd.array(head, ctx=ctx, dtype=dtype))
        results.append((out.asnumpy(), data.grad.asnumpy()))
    (value, grad), (chain_value, chain_grad) = results
    assert value.dtype == chain_value.dtype == grad.dtype == dtype
    assert np.array_equal(value, chain_value)
    assert np.array_equal(grad, chain_grad)
    np.testing.assert_allclose(value, _ce_ref(x.astype(np.float64), label, axis, mode),
                               rtol=1e-5, atol=1e-6)


def test_shapes_are_inferred_both_ways():
    from mxnb import sym
    s = sym._softmax_cross_entropy_pick(sym.var("x"), sym.var("y"), axis=1)
    args, outs, _ = s.infer_shape(x=(3, 4, 2))
    assert args == [(3, 4, 2), (3, 2)] and outs == [(3, 1, 2)]
    back = sym._backward_softmax_cross_entropy_pick(sym.var("og"), sym.var("y"), sym.var("x"))
    args, outs, _ = back.infer_shape(x=(5, 7), y=(5,))
    assert args == [(5, 1), (5,), (5, 7)] and outs == [(5, 7)]


def test_label_that_does_not_fit_is_a_clear_error():
    data = nd.array(_u(4, 5))
    with pytest.raises(MXNetError, match="index of shape"):
        nd._softmax_cross_entropy_pick(data, nd.array(np.zeros(3))).asnumpy()


def _bits(a):
    return a.view(np.uint64 if a.dtype == np.float64 else np.uint32)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_last_axis_gradient_has_the_general_paths_bits_at_zeros_infinities_and_nans(dtype):
    """The fast path's g + 0.0 in place of a sum along the axis, checked where it could differ:
    ograd of -0.0 and +0.0, infinite and NaN ograd and logits."""
    from mxnb.ops import registry
    from mxnb.ops.indexing import BackwardPick
    from mxnb.ops.nn.softmax import BackwardLogSoftmax, log_softmax
    data = R.randn(8, 5).astype(dtype)
    data[5, 2] = np.inf
    data[6, 0] = np.nan
    og = np.array([[-0.0], [0.0], [1.5], [-np.inf], [np.nan], [2.0], [1.0], [-3.0]], dtype=dtype)
    label = np.array([0, 4, 2, 9, -1, 2, 1, 3], dtype=np.float32)
    op = registry.get("_backward_softmax_cross_entropy_pick")
    attrs = op.parse_attrs({})
    with np.errstate(invalid="ignore"):
        fast = op.compute(np, [og, label, data], attrs)
        ls = log_softmax(np, data, -1)
        placed = BackwardPick.compute(np, [-og, label, ls], {"axis": -1, "keepdims": True,
                                                             "mode": "clip"})
        general = BackwardLogSoftmax.compute(np, [placed, ls], {"axis": -1, "temperature": None})
    assert fast.dtype == general.dtype == dtype
    np.testing.assert_array_equal(_bits(fast), _bits(general))
