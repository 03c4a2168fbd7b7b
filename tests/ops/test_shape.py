"""Reshaping, transposing, joining/splitting, broadcasting, tiling and shape-query operators."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from mxnb.base import ShapeError

from .harness import Case, run_case

R = np.random.RandomState(7)


def _u(*shape):
    return R.uniform(-1, 1, shape)


def _tile_back(og, data, reps):
    """Reference for _backward_tile: sum every tiled copy of og."""
    reps = (1,) * (og.ndim - len(reps)) + tuple(reps)
    dims = (1,) * (og.ndim - data.ndim) + data.shape
    out = np.zeros(dims)
    for idx in np.ndindex(*reps):
        out += og[tuple(slice(i * d, (i + 1) * d) for i, d in zip(idx, dims))]
    return out.reshape(data.shape)


def _repeat_back(og, data, repeats, axis=None):
    if axis is None:
        return np.add.reduceat(og, np.arange(0, og.size, repeats)).reshape(data.shape)
    return np.add.reduceat(og, np.arange(0, og.shape[axis], repeats), axis=axis)


CASES = [
    Case("Reshape", [_u(2, 3, 4)], lambda x, shape: x.reshape(4, 6), attrs={"shape": (4, -1)}),
    Case("Reshape", [_u(2, 3, 4)], lambda x, shape: x.reshape(2, 12), attrs={"shape": (0, -1)},
         name="Reshape_copy_infer"),
    Case("Reshape", [_u(2, 3, 4)], lambda x, shape: x.reshape(6, 4), attrs={"shape": (-3, -2)},
         name="Reshape_merge_rest"),
    Case("Reshape", [_u(2, 3, 4)], lambda x, shape: x.reshape(1, 2, 3, 4),
         attrs={"shape": (-4, 1, -1, -2)}, name="Reshape_split"),
    Case("reshape", [_u(2, 3, 4)], lambda x, shape, reverse: x.reshape(6, 4),
         attrs={"shape": (-1, 0), "reverse": True}, name="Reshape_reverse"),
    Case("Flatten", [_u(2, 3, 4)], lambda x: x.reshape(2, 12)),
    Case("flatten", [_u(5)], lambda x: x.reshape(5, 1), name="Flatten_1d"),
    Case("reshape_like", [_u(2, 3, 4), _u(6, 4)], lambda a, b: a.reshape(6, 4), grad_inputs=[0]),
    Case("reshape_like", [_u(2, 3, 4), _u(2, 2, 7)], lambda a, b, **k: a.reshape(2, 3, 2, 2),
         attrs={"lhs_begin": 2, "rhs_begin": 0, "rhs_end": 2, "lhs_end": None}, grad_inputs=[0],
         name="reshape_like_ranges"),
    Case("transpose", [_u(2, 3, 4)], lambda x: x.T),
    Case("transpose", [_u(2, 3, 4)], lambda x, axes: x.transpose(1, 2, 0), attrs={"axes": (1, -1, 0)},
         name="transpose_axes"),
    Case("expand_dims", [_u(2, 3)], lambda x, axis: x[:, :, None], attrs={"axis": -1}),
    Case("squeeze", [_u(2, 1, 3, 1)], lambda x: x.reshape(2, 3)),
    Case("squeeze", [_u(2, 1, 3, 1)], lambda x, axis: x.reshape(2, 3, 1), attrs={"axis": 1},
         name="squeeze_axis"),
    Case("squeeze", [_u(1, 1)], lambda x: x.reshape(1), name="squeeze_to_1d"),
    Case("SwapAxis", [_u(2, 3, 4)], lambda x, dim1, dim2: x.swapaxes(0, 2), attrs={"dim1": 0, "dim2": 2}),
    Case("swapaxes", [_u(2, 3, 4)], lambda x, dim1, dim2: x.swapaxes(1, 2),
         attrs={"dim1": -1, "dim2": 1}, name="swapaxes_negative"),
    Case("flip", [_u(2, 3, 4)], lambda x, axis: x[::-1, :, ::-1], attrs={"axis": (0, 2)}),
    Case("reverse", [_u(2, 3)], lambda x, axis: x[:, ::-1], attrs={"axis": 1}, name="reverse_alias"),
    Case("Concat", [_u(2, 3), _u(2, 1), _u(2, 2)], lambda *xs, dim=1: np.concatenate(xs, axis=1)),
    Case("concat", [_u(2, 3), _u(1, 3)], lambda *xs, dim: np.concatenate(xs, axis=0),
         attrs={"dim": 0}, name="concat_dim0"),
    Case("_backward_Concat", [_u(2, 5), _u(2, 3), _u(2, 2)],
         lambda og, a, b, dim: [og[:, :3], og[:, 3:]], attrs={"dim": 1}, grad_inputs=[0]),
    Case("stack", [_u(2, 3), _u(2, 3), _u(2, 3)], lambda *xs: np.stack(xs)),
    Case("stack", [_u(2, 3), _u(2, 3)], lambda *xs, axis: np.stack(xs, axis=-1), attrs={"axis": -1},
         name="stack_last"),
    Case("SliceChannel", [_u(2, 6)], lambda x, num_outputs: np.split(x, 3, axis=1),
         attrs={"num_outputs": 3}),
    Case("split", [_u(3, 2)], lambda x, num_outputs, axis, squeeze_axis: [x[i] for i in range(3)],
         attrs={"num_outputs": 3, "axis": 0, "squeeze_axis": True}, name="split_squeeze"),
    Case("broadcast_to", [_u(3, 1)], lambda x, shape: np.broadcast_to(x, (3, 4)), attrs={"shape": (0, 4)}),
    Case("broadcast_axis", [_u(1, 3, 1)], lambda x, axis, size: np.broadcast_to(x, (2, 3, 4)),
         attrs={"axis": (0, 2), "size": (2, 4)}),
    Case("broadcast_axes", [_u(3, 1)], lambda x, axis, size: np.broadcast_to(x, (3, 5)),
         attrs={"axis": 1, "size": 5}, name="broadcast_axes_alias"),
    Case("tile", [_u(2, 3)], lambda x, reps: np.tile(x, (2, 1, 2)), attrs={"reps": (2, 1, 2)}),
    Case("tile", [_u(2, 3)], lambda x, reps: np.tile(x, 2), attrs={"reps": (2,)}, name="tile_short_reps"),
    Case("_backward_tile", [_u(2, 2, 6), _u(2, 3)], lambda og, d, reps: _tile_back(og, d, reps),
         attrs={"reps": (2, 1, 2)}, grad_inputs=[0]),
    Case("repeat", [_u(2, 3)], lambda x, repeats, axis: np.repeat(x, 2, axis=1),
         attrs={"repeats": 2, "axis": 1}),
    Case("repeat", [_u(2, 3)], lambda x, repeats: np.repeat(x, 3), attrs={"repeats": 3},
         name="repeat_flat"),
    Case("_backward_repeat", [_u(2, 6), _u(2, 3)], lambda og, d, **k: _repeat_back(og, d, 2, 1),
         attrs={"repeats": 2, "axis": 1}, grad_inputs=[0]),
    Case("_backward_repeat", [_u(18), _u(2, 3)], lambda og, d, **k: _repeat_back(og, d, 3),
         attrs={"repeats": 3}, grad_inputs=[0], name="_backward_repeat_flat"),
    Case("shape_array", [_u(2, 3, 4)], lambda x: np.array([2, 3, 4], dtype=np.int64), grad=False),
    Case("size_array", [_u(2, 3, 4)], lambda x: np.array([24], dtype=np.int64), grad=False),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


def test_reshape_special_values_match_mxnet():
    x = nd.zeros((2, 3, 4))
    expected = {(0, -1): (2, 12), (-2,): (2, 3, 4), (-3, 4): (6, 4), (-4, 1, 2, -2): (1, 2, 3, 4),
                (-4, -1, 1, -3): (2, 1, 12), (2, -1, 0): (2, 3, 4), (-1,): (24,)}
    for shape, out in expected.items():
        assert x.reshape(shape).shape == out, shape
    assert x.reshape((-1, 0), reverse=True).shape == (6, 4)
    assert nd.Reshape(x, target_shape=(0, 12)).shape == (2, 12)


def test_reshape_is_a_view():
    x = nd.zeros((2, 3))
    y = x.reshape((3, 2))
    y[:] = 5
    assert x.asnumpy().sum() == 30


def test_reshape_wrong_size_names_shapes():
    with pytest.raises(mx.MXNetError, match=r"Reshape.*\(2, 3\).*\(4, 2\)"):
        nd.zeros((2, 3)).reshape((4, 2))


def test_shape_errors_say_what_was_expected():
    with pytest.raises(ShapeError, match="squeeze.*length 3, expected 1"):
        nd.squeeze(nd.zeros((2, 3)), axis=1)
    with pytest.raises(ShapeError, match="Concat"):
        nd.concat(nd.zeros((2, 3)), nd.zeros((3, 3)), dim=1)
    with pytest.raises(ShapeError, match="broadcast_to.*\\(3, 2\\).*\\(3, 4\\)"):
        nd.broadcast_to(nd.zeros((3, 2)), shape=(3, 4))
    with pytest.raises(ShapeError, match="SliceChannel"):
        nd.split(nd.zeros((2, 5)), num_outputs=2)


def test_partial_shape_inference():
    from mxnb.ops import registry
    concat = registry.get("Concat")
    ins, outs = concat.infer_shape({"num_args": 2, "dim": 1}, [(2, 3), None])
    assert ins == [(2, 3), (2, 0)] and outs == [(2, 0)]
    ins, outs = concat.infer_shape({"num_args": 2, "dim": 1}, [(2, 3), (0, 4)])
    assert ins == [(2, 3), (2, 4)] and outs == [(2, 7)]
    reshape = registry.get("Reshape")
    attrs = reshape.parse_attrs({"shape": (4, 5)})
    assert reshape.infer_shape(attrs, [None])[1] == [(4, 5)]
    assert reshape.infer_shape(attrs, [(0, 10)]) == ([(2, 10)], [(4, 5)])
    split = registry.get("SliceChannel")
    attrs = split.parse_attrs({"num_outputs": 2})
    assert split.infer_shape(attrs, [(3, 4)])[1] == [(3, 2), (3, 2)]


def test_string_attributes():
    x = nd.zeros((2, 3, 4))
    assert nd.transpose(x, axes="(2, 0, 1)").shape == (4, 2, 3)
    assert nd.Reshape(x, shape="(-1, 4)").shape == (6, 4)
    assert nd.squeeze(nd.zeros((1, 3, 1)), axis="(0, 2)").shape == (3,)


def test_split_gradient_through_some_outputs():
    x = nd.array(_u(2, 4))
    x.attach_grad()
    with autograd.record():
        a, b = nd.split(x, num_outputs=2, axis=1)
        loss = a * 2
    loss.backward()
    assert np.allclose(x.grad.asnumpy(), [[2, 2, 0, 0], [2, 2, 0, 0]])


def test_shape_array_dtype():
    assert nd.shape_array(nd.zeros((2, 5))).dtype == np.int64
    assert nd.size_array(nd.zeros((2, 5))).asnumpy().tolist() == [10]
