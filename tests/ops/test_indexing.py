"""Slicing, take/pick/gather_nd, one_hot, where, clip, sorting operators, and NDArray `[]`."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from mxnb.base import MXNetError, ShapeError

from .harness import Case, run_case

R = np.random.RandomState(3)


def _u(*shape):
    return R.uniform(-1, 1, shape)


def _distinct(*shape):
    """Values far apart (no ties), so sorting is stable under finite differences."""
    return R.permutation(np.arange(int(np.prod(shape)), dtype=np.float64)).reshape(shape) * 0.5 - 3


def _zeros_with(data, key, og):
    out = np.zeros(data.shape)
    out[key] = og
    return out


def _take_back(og, idx, data, axis=0, mode="clip"):
    """Reference for _backward_take: a plain loop adding each taken slice back."""
    out = np.zeros(data.shape)
    idx = np.clip(idx.astype(np.int64), 0, data.shape[axis] - 1).reshape(-1)
    og = np.moveaxis(og.reshape(data.shape[:axis] + (idx.size,) + data.shape[axis + 1:]), axis, 0)
    moved = np.moveaxis(out, axis, 0)
    for k, i in enumerate(idx):
        moved[i] += og[k]
    return out


def _pick_ref(data, index, axis=-1, keepdims=False, mode="clip"):
    n = data.shape[axis]
    idx = index.astype(np.int64)
    idx = np.clip(idx, 0, n - 1) if mode == "clip" else idx % n
    moved = np.moveaxis(data, axis, -1)
    flat_idx = (idx if not keepdims else np.squeeze(idx, axis)).reshape(-1)
    rows = moved.reshape(-1, n)
    out = rows[np.arange(rows.shape[0]), flat_idx].reshape(moved.shape[:-1])
    return np.expand_dims(out, axis) if keepdims else out


def _pick_back(og, index, data, axis=-1, keepdims=False, mode="clip"):
    out = np.zeros(data.shape)
    n = data.shape[axis]
    idx = np.clip(index.astype(np.int64), 0, n - 1)
    for pos in np.ndindex(*idx.shape):
        full = list(pos)
        if keepdims:
            full[axis] = idx[pos]
        else:
            full.insert(axis % data.ndim, idx[pos])
        out[tuple(full)] += og[pos]
    return out


def _gather_back(og, indices, data):
    out = np.zeros(data.shape)
    idx = indices.astype(np.int64)
    for pos in np.ndindex(*idx.shape[1:]):
        out[tuple(idx[(slice(None),) + pos])] += og[pos]
    return out


def _topk_ref(x, axis=-1, k=1, ret_typ="indices", is_ascend=False, dtype="float32"):
    order = np.argsort(x if is_ascend else -x, axis=axis)
    idx = np.take(order, np.arange(k), axis=axis)
    values = np.take_along_axis(x, idx, axis=axis)
    if ret_typ == "value":
        return values
    if ret_typ == "indices":
        return idx.astype(dtype)
    if ret_typ == "both":
        return [values, idx.astype(dtype)]
    mask = np.zeros(x.shape)
    np.put_along_axis(mask, idx, 1, axis=axis)
    return mask


def _topk_back(og, idx, data, axis=-1):
    out = np.zeros(data.shape)
    np.put_along_axis(out, idx.astype(np.int64), og, axis=axis)
    return out


_X = _u(4, 5)
_IDX = np.array([[3.0, 0.0], [1.0, 3.0]])
_PICK_IDX = np.array([0.0, 4.0, 7.0, -1.0])          # out of range: clipped
_GATHER_IDX = np.array([[0.0, 1.0, 0.0], [2.0, 4.0, 2.0]])   # (0, 2) appears twice

CASES = [
    Case("slice", [_u(4, 5, 3)], lambda x, begin, end, step: x[1:3, ::2],
         attrs={"begin": (1, None), "end": (3, None), "step": (1, 2)}),
    Case("slice", [_u(4, 5)], lambda x, begin, end, step: x[:, 3:0:-1],
         attrs={"begin": "(None, 3)", "end": "(None, 0)", "step": "(None, -1)"},
         name="slice_negative_step_strings"),
    Case("crop", [_u(4, 5)], lambda x, begin, end: x[-3:-1], attrs={"begin": (-3,), "end": (-1,)},
         name="crop_alias"),
    Case("_backward_slice", [_u(2, 3), _u(4, 5)],
         lambda og, d, **k: _zeros_with(d, (slice(1, 3), slice(0, 5, 2)), og),
         attrs={"begin": (1, 0), "end": (3, 5), "step": (1, 2)}, grad_inputs=[0]),
    Case("slice_axis", [_u(3, 6)], lambda x, axis, begin, end: x[:, 2:], attrs={"axis": 1, "begin": 2,
                                                                                  "end": None}),
    Case("slice_axis", [_u(4, 3)], lambda x, axis, begin, end: x[-3:-1],
         attrs={"axis": -2, "begin": -3, "end": -1}, name="slice_axis_negative"),
    Case("_backward_slice_axis", [_u(3, 2), _u(3, 6)],
         lambda og, d, **k: _zeros_with(d, (slice(None), slice(1, 3)), og),
         attrs={"axis": 1, "begin": 1, "end": 3}, grad_inputs=[0]),
    Case("slice_like", [_u(4, 5, 3), _u(2, 3, 3)], lambda x, y: x[:2, :3], grad_inputs=[0]),
    Case("slice_like", [_u(4, 5, 3), _u(2, 7, 1)], lambda x, y, axes: x[:2, :, :1],
         attrs={"axes": (0, -1)}, grad_inputs=[0], name="slice_like_axes"),
    Case("_backward_slice_like", [_u(2, 3), _u(4, 5)],
         lambda og, d: _zeros_with(d, (slice(0, 2), slice(0, 3)), og), grad_inputs=[0]),
    Case("take", [_X, _IDX], lambda a, i: a[np.clip(i.astype(int), 0, 3)], grad_inputs=[0]),
    Case("take", [_X, np.array([-1.0, 6.0, 2.0, 2.0])],
         lambda a, i, axis, mode: a[:, np.array([-1, 6, 2, 2]) % 5], attrs={"axis": 1, "mode": "wrap"},
         grad_inputs=[0], name="take_wrap_axis1"),
    Case("take", [_X, np.array([1, 3], dtype=np.int64)], lambda a, i, mode: a[[1, 3]],
         attrs={"mode": "raise"}, grad_inputs=[0], name="take_raise_int_indices"),
    Case("_backward_take", [_u(2, 2, 5), _IDX, _X], lambda og, i, d: _take_back(og, i, d),
         grad_inputs=[0]),
    Case("pick", [_X, _PICK_IDX], lambda d, i: _pick_ref(d, i), grad_inputs=[0]),
    Case("pick", [_X, np.array([[1.0, 2.0, 3.0, 0.0, 5.0]])],
         lambda d, i, axis, keepdims, mode: _pick_ref(d, i, 0, True, "wrap"),
         attrs={"axis": 0, "keepdims": True, "mode": "wrap"}, grad_inputs=[0], name="pick_axis0_keepdims"),
    # keepdims shapes the output only: an index without the picked axis is accepted (the loss
    # functions of Gluon call pick(pred, label, keepdims=True) with labels of shape (batch,))
    Case("pick", [_X, _PICK_IDX], lambda d, i, axis, keepdims: _pick_ref(d, i)[:, None],
         attrs={"axis": -1, "keepdims": True}, grad_inputs=[0], name="pick_keepdims_flat_index"),
    Case("_backward_pick", [_u(4), _PICK_IDX, _X], lambda og, i, d: _pick_back(og, i, d),
         grad_inputs=[0]),
    # the last axis of a 3-d array, index with the picked axis kept, wrapped
    Case("pick", [_u(2, 3, 4), np.array([[[5.0], [-1.0], [2.0]], [[0.0], [3.0], [-6.0]]])],
         lambda d, i, axis, keepdims, mode: _pick_ref(d, i, -1, True, "wrap"),
         attrs={"axis": 2, "keepdims": True, "mode": "wrap"}, grad_inputs=[0],
         name="pick_3d_last_axis_wrap"),
    Case("_backward_pick", [_u(2, 3), np.array([[3.0, 0.0, 9.0], [1.0, -2.0, 2.0]]), _u(2, 3, 4)],
         lambda og, i, d: _pick_back(og, i, d), grad_inputs=[0], name="_backward_pick_3d"),
    Case("gather_nd", [_u(3, 5, 2), _GATHER_IDX], lambda d, i: d[tuple(i.astype(int))],
         grad_inputs=[0]),
    Case("_backward_gather_nd", [_u(3, 2), _GATHER_IDX, _u(3, 5, 2)],
         lambda og, i, d: _gather_back(og, i, d), grad_inputs=[0]),
    Case("one_hot", [np.array([[0.0, 2.0], [-1.0, 5.0]])],
         lambda i, depth, on_value, off_value: np.where(i[..., None] == np.arange(4), 3.0, -1.0),
         attrs={"depth": 4, "on_value": 3.0, "off_value": -1.0}, grad=False),
    Case("where", [np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 1.0]]), _u(2, 3), _u(2, 3)],
         lambda c, x, y: np.where(c != 0, x, y), grad_inputs=[1, 2]),
    Case("where", [np.array([0.0, 1.0, 1.0]), _u(3, 2), _u(3, 2)],
         lambda c, x, y: np.where(c[:, None] != 0, x, y), grad_inputs=[1, 2], name="where_rows"),
    Case("clip", [np.array([[-0.9, -0.3, 0.1], [0.35, 0.6, 0.95]])],
         lambda x, a_min, a_max: np.clip(x, -0.5, 0.5), attrs={"a_min": -0.5, "a_max": 0.5}),
    Case("topk", [_distinct(3, 5)], lambda x, k: _topk_ref(x, k=2), attrs={"k": 2}, grad=False),
    Case("topk", [_distinct(3, 5)], lambda x, **a: _topk_ref(x, axis=0, k=2, ret_typ="value"),
         attrs={"axis": 0, "k": 2, "ret_typ": "value"}, name="topk_value"),
    Case("topk", [_distinct(3, 5)], lambda x, **a: _topk_ref(x, k=3, ret_typ="both", is_ascend=True),
         attrs={"k": 3, "ret_typ": "both", "is_ascend": True}, grad_inputs=[0], name="topk_both"),
    Case("topk", [_distinct(3, 5)], lambda x, **a: _topk_ref(x, k=2, ret_typ="mask"),
         attrs={"k": 2, "ret_typ": "mask"}, grad=False, name="topk_mask"),
    Case("topk", [_distinct(2, 3)], lambda x, **a: _topk_ref(x.reshape(-1), k=2, ret_typ="value"),
         attrs={"axis": None, "k": 2, "ret_typ": "value"}, name="topk_flat"),
    Case("_backward_topk", [_u(2, 3), np.array([[0.0, 4.0, 1.0], [2.0, 3.0, 0.0]]), _u(2, 5)],
         lambda og, i, d: _topk_back(og, i, d), grad=False),
    Case("sort", [_distinct(3, 4)], lambda x: np.sort(x, axis=-1)),
    Case("sort", [_distinct(3, 4)], lambda x, axis, is_ascend: -np.sort(-x, axis=0),
         attrs={"axis": 0, "is_ascend": False}, name="sort_descending"),
    Case("sort", [_distinct(2, 3)], lambda x, axis: np.sort(x.reshape(-1)), attrs={"axis": None},
         name="sort_flat"),
    Case("argsort", [_distinct(3, 4)], lambda x: np.argsort(x, axis=-1).astype(np.float32), grad=False),
    Case("argsort", [_distinct(3, 4)],
         lambda x, axis, is_ascend, dtype: np.argsort(-x, axis=0).astype(np.int32),
         attrs={"axis": 0, "is_ascend": False, "dtype": "int32"}, grad=False, name="argsort_int32"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


# --- behaviour checked against MXNet 1.9.1 --------------------------------------------------------
def test_take_and_pick_index_modes():
    a = nd.arange(5)
    idx = nd.array([-1, 7, 2.7])
    assert nd.take(a, idx).asnumpy().tolist() == [0, 4, 2]
    assert nd.take(a, idx, mode="wrap").asnumpy().tolist() == [4, 2, 2]
    with pytest.raises(mx.MXNetError, match="take"):
        nd.take(a, nd.array([7]), mode="raise").wait_to_read()   # async engines raise at the wait
    x = nd.arange(24).reshape((6, 4))
    index = nd.array([0, 1, 2, 3, 5, -1])
    assert nd.pick(x, index, axis=1).asnumpy().tolist() == [0, 5, 10, 15, 19, 20]
    assert nd.pick(x, index, axis=1, mode="wrap").asnumpy().tolist() == [0, 5, 10, 15, 17, 23]


def test_pick_of_a_strided_array_matches_the_contiguous_one():
    # the flat-buffer fast path applies to C-contiguous data only; other layouts take the
    # general path and must give the same values
    from mxnb.ops import registry
    data = R.uniform(-1, 1, (5, 4)).astype(np.float32).T            # (4, 5), not contiguous
    index = np.array([4.0, 0.0, 7.0, -3.0], dtype=np.float32)
    og = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
    for name, inputs in (("pick", [data, index]), ("_backward_pick", [og, index, data])):
        op = registry.get(name)
        attrs = op.parse_attrs({"axis": -1})
        strided = op.compute(np, inputs, attrs)
        contiguous = op.compute(np, [np.ascontiguousarray(x) for x in inputs], attrs)
        assert strided.shape == contiguous.shape
        np.testing.assert_array_equal(strided, contiguous)


def test_output_dtypes():
    x = nd.array(_distinct(2, 3))
    assert nd.topk(x).dtype == np.float32
    assert nd.topk(x, dtype="int64").dtype == np.int64
    assert nd.argsort(x, dtype="int32").dtype == np.int32
    assert nd.one_hot(nd.array([1, 0]), 3, dtype="int32").dtype == np.int32
    values, indices = nd.topk(nd.array(_distinct(2, 3), dtype="float64"), ret_typ="both")
    assert values.dtype == np.float64 and indices.dtype == np.float32


def test_index_errors_name_the_operator():
    with pytest.raises(ShapeError, match="pick.*index of shape \\(3,\\)"):
        nd.pick(nd.zeros((4, 5)), nd.zeros((3,)))
    with pytest.raises(ShapeError, match="where.*condition"):
        nd.where(nd.zeros((3,)), nd.zeros((2, 3)), nd.zeros((2, 3)))
    with pytest.raises(ShapeError, match="slice_axis"):
        nd.slice_axis(nd.zeros((2, 3)), axis=2, begin=0, end=1)
    with pytest.raises(ShapeError, match="topk.*k=7"):
        nd.topk(nd.zeros((2, 3)), k=7)


def test_slice_is_a_view():
    x = nd.zeros((4, 3))
    y = nd.slice(x, begin=(1,), end=(3,))
    y[:] = 2
    assert x.asnumpy()[:, 0].tolist() == [0, 2, 2, 0]


def test_clip_gradient_passes_at_the_bounds():
    x = nd.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    x.attach_grad()
    with autograd.record():
        y = nd.clip(x, a_min=-0.5, a_max=0.5)
    y.backward()
    assert x.grad.asnumpy().tolist() == [0, 1, 1, 1, 0]


def test_second_order_through_take():
    """The gradient of _backward_take takes again, so gradients of gradients are defined."""
    a = nd.array(_u(4, 2))
    og = nd.array(_u(3, 2))
    og.attach_grad()
    idx = nd.array([1, 1, 3])
    with autograd.record():
        g = nd._backward_take(og, idx, a)
    head = nd.array(_u(4, 2))
    g.backward(head)
    np.testing.assert_allclose(og.grad.asnumpy(), head.asnumpy()[[1, 1, 3]], rtol=1e-6)


# --- NDArray [] -------------------------------------------------------------------------------
def test_basic_slices_are_views():
    x = nd.array(np.arange(12).reshape(3, 4))
    y = x[1:3]
    y[:] = -1
    assert x.asnumpy()[1:].tolist() == [[-1] * 4, [-1] * 4]
    assert x[1].shape == (4,)
    z = x[:, 1]
    z[:] = 7
    assert x.asnumpy()[:, 1].tolist() == [7, 7, 7]


def test_setitem_forms():
    x = nd.zeros((4, 3))
    x[1:3] = 5
    assert x.asnumpy().sum() == 30
    x[:] = np.arange(12).reshape(4, 3)
    assert x.asnumpy().tolist() == np.arange(12).reshape(4, 3).tolist()
    x[0] = nd.ones((3,))
    assert x.asnumpy()[0].tolist() == [1, 1, 1]
    x[:, 2] = nd.array([9, 9, 9, 9])
    assert x.asnumpy()[:, 2].tolist() == [9, 9, 9, 9]
    with pytest.raises(mx.MXNetError, match="shape"):
        x[1:3] = np.zeros((5, 3))


def test_integer_index_on_1d_gives_shape_1():
    x = nd.array([1.0, 2.0, 3.0])
    assert x[1].shape == (1,)
    assert x[-1].asscalar() == 3.0


def test_gradient_through_slice_under_record():
    data = _u(4, 3)
    x = nd.array(data)
    x.attach_grad()
    with autograd.record():
        y = x[1:3] * 2
    y.backward()
    expected = np.zeros((4, 3))
    expected[1:3] = 2
    np.testing.assert_allclose(x.grad.asnumpy(), expected)


def test_gradient_through_integer_index_and_step_under_record():
    x = nd.array(_u(4, 5))
    x.attach_grad()
    with autograd.record():
        y = x[2]          # slice + Reshape to (5,)
        z = x[:, ::-2]    # negative step
    assert y.shape == (5,) and z.shape == (4, 3)
    autograd.backward([y, z], [nd.ones((5,)), nd.ones((4, 3)) * 3])
    expected = np.zeros((4, 5))
    expected[2] += 1
    expected[:, ::-2] += 3
    np.testing.assert_allclose(x.grad.asnumpy(), expected)


def test_gradient_through_fancy_index_under_record():
    x = nd.array(_u(4, 3))
    x.attach_grad()
    with autograd.record():
        y = x[nd.array([0, 2, 2])]
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy()[:, 0], [1, 0, 2, 0])


# --- where's shape inference with partly known shapes (0: unknown), as MXNet's ---------------------
@pytest.mark.parametrize("given, expected", [
    ({"c": (10, 100), "x": (10, 100), "y": (0, 100)}, (10, 100)),   # an RNN cell's begin state
    ({"c": (10, 100), "x": (10, 100), "y": (0, 0)}, (10, 100)),
    ({"c": (0, 7), "x": (5, 0)}, (5, 7)),
    ({"c": (5,), "x": (5, 3)}, (5, 3)),
    ({"c": (0,), "y": (4, 2)}, (4, 2)),
])
def test_where_completes_partly_known_shapes(given, expected):
    node = mx.sym.where(mx.sym.var("c"), mx.sym.var("x"), mx.sym.var("y"))
    args, outs, _ = node.infer_shape_partial(**given)
    assert outs == [expected]
    assert args[1] == args[2] == expected


@pytest.mark.parametrize("given, message", [
    ({"x": (2, 4), "y": (3, 4)}, "x and y must have the same shape"),
    ({"c": (2,), "x": (3, 4)}, "1-D of length 3"),
    ({"c": (3, 5), "x": (3, 4)}, "condition of shape"),
])
def test_where_shape_errors_name_the_operator(given, message):
    node = mx.sym.where(mx.sym.var("c"), mx.sym.var("x"), mx.sym.var("y"))
    with pytest.raises(MXNetError, match=message):
        node.infer_shape(**given)
