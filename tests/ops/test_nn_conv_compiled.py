"""Convolution's compiled kernels (mxnb.ops.nn._conv_kernels) against their NumPy forms on the
same inputs: im2col in both layouts is a copy, so bit-equal, and so is the forward product on
those columns; the data gradient (one product per piece of images, then the compiled col2im)
against the NumPy per-kernel-position products, which add the same terms in the same order but
through other matrix products: equal within float32 rounding. Geometries cover 1-D, 2-D and
3-D data, groups, strides, dilation, padding wider than a stride, bias, and both layouts (few
and many channels per group); shapes are small (every kernel compiles once per dtype)."""
import numpy as np
import pytest

from mxnb import compiled, nd, autograd
from mxnb.ops.nn import _conv_columns, _conv_kernels
from mxnb.ops.nn.convolution import _geometry
from .compiled_forms import needs_numba, both_forms


R = np.random.RandomState(5)

# (data shape, filters, attrs)
GEOMETRIES = [
    ((2, 3, 7, 6), 4, {"kernel": (3, 2), "pad": (1, 0)}),                        # channels
    ((2, 16, 6, 7), 6, {"kernel": (3, 3), "stride": (2, 1), "pad": (2, 1)}),     # rows, strided
    ((3, 8, 5, 5), 4, {"kernel": (2, 3), "dilate": (2, 1), "pad": (1, 1)}),     # rows, dilated
    ((2, 4, 6, 6), 6, {"kernel": (3, 3), "num_group": 2, "stride": (2, 2), "pad": (1, 1)}),
    ((2, 16, 5, 6), 4, {"kernel": (3, 3), "num_group": 2, "dilate": (1, 2), "pad": (0, 2)}),
    ((2, 8, 9), 3, {"kernel": (4,), "stride": (3,), "pad": (2,)}),               # 1-D, rows
    ((2, 2, 9), 3, {"kernel": (3,), "stride": (2,), "dilate": (2,)}),            # 1-D, channels
    ((1, 8, 4, 3, 5), 2, {"kernel": (2, 2, 3), "pad": (1, 0, 1)}),               # 3-D, rows
    ((2, 2, 3, 4, 4), 3, {"kernel": (2, 3, 2), "stride": (1, 2, 2), "pad": (0, 1, 1)}),
    ((4, 20, 12, 12), 50, {"kernel": (5, 5)}),                                 # LeNet's conv2
    ((2, 16, 16, 16), 16, {"kernel": (3, 3), "pad": (1, 1)}),                  # ResNet-like
    ((2, 8, 3, 4), 3, {"kernel": (2, 2), "pad": (3, 2)}),          # windows wholly in padding
    ((2, 2, 3, 4), 3, {"kernel": (2, 2), "stride": (2, 3), "pad": (3, 2)}),
    ((0, 8, 5, 5), 2, {"kernel": (3, 3)}),                                      # empty batch
]


def _setup(shape, filters, attrs, dtype, bias):
    groups = attrs.get("num_group", 1)
    attrs = dict({"stride": (), "dilate": (), "pad": ()}, **attrs)
    geometry = _geometry(attrs, shape[2:])
    x = R.uniform(-1, 1, shape).astype(dtype)
    w = R.uniform(-1, 1, (filters, shape[1] // groups) + tuple(attrs["kernel"])).astype(dtype)
    b = R.uniform(-1, 1, filters).astype(dtype) if bias else None
    og = R.uniform(-1, 1, (shape[0], filters) + geometry[4]).astype(dtype)
    return x, w, b, og, geometry, groups


@needs_numba
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape, filters, attrs", GEOMETRIES,
                         ids=["%dd-%s-%d" % (len(a["kernel"]), "x".join(map(str, s)), f)
                              for s, f, a in GEOMETRIES])
def test_compiled_kernels_equal_their_numpy_forms(shape, filters, attrs, dtype, monkeypatch):
    monkeypatch.setattr(_conv_columns, "_COMPILED_FROM_COPIES", 0)     # however small
    for bias in (True, False):
        x, w, b, og, geometry, groups = _setup(shape, filters, attrs, dtype, bias)
        fast, plain = both_forms(lambda: _conv_columns.im2col(np, x, geometry, groups, bias))
        np.testing.assert_array_equal(fast, plain)
        (y_fast, _), (y_plain, _) = both_forms(
            lambda: _conv_columns.conv_forward(np, x, w, b, geometry, groups))
        np.testing.assert_array_equal(y_fast, y_plain)
    with compiled.use_compiled(True):
        fast = _conv_columns._compiled_data_gradient(np, og, w, x.shape, geometry, groups)
    plain = _conv_columns._col2im_gradient(np, og, w, x.shape, geometry, groups)
    assert fast.dtype == plain.dtype == np.dtype(dtype)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(fast, plain, rtol=tol, atol=tol * np.abs(plain).max(initial=0))


@needs_numba
def test_compiled_col2im_adds_in_kernel_order_into_zeros():
    """col2im alone against a loop that adds each kernel position's columns in kernel order
    (what the NumPy per-position form does): bit-equal, strides and padding included."""
    x, w, _, og, geometry, groups = _setup((2, 3, 7, 6), 2, {"kernel": (3, 2), "stride": (2, 1),
                                                           "pad": (1, 1)}, "float32", False)
    kernel, stride, dilate, pad, out = geometry
    cols = R.uniform(-1, 1, (2, 1, 3 * 6, out[0] * out[1])).astype("float32")
    got = np.empty(x.shape, "float32")
    with compiled.use_compiled(True):
        _conv_kernels.col2im_channels(cols, _conv_kernels.geometry_array(geometry),
                                      _conv_kernels.as_3d(got), 0, 2, 0)
    padded = np.zeros((2, 3, 7 + 2, 6 + 2), "float32")
    blocks = cols.reshape(2, 3, 3, 2, out[0], out[1])
    for p in range(3):
        for q in range(2):
            padded[:, :, p:p + 2 * (out[0] - 1) + 1:2, q:q + out[1]] += blocks[:, :, p, q]
    np.testing.assert_array_equal(got, padded[:, :, 1:8, 1:7])


@needs_numba
@pytest.mark.parametrize("stride, dilate, pad", [((1, 1), (1, 1), (0, 0)), ((2, 1), (1, 2), (1, 2))])
def test_compiled_rows_col2im_adds_in_kernel_order_into_zeros(stride, dilate, pad):
    """col2im_rows (runs of kw * C, output positions visited last first) against a loop that
    adds each kernel position's columns in kernel order: bit-equal, with and without merged
    runs (dilation and padding split them)."""
    shape, kernel = (2, 9, 7, 6), (3, 2)
    geometry = _geometry({"kernel": kernel, "stride": stride, "dilate": dilate, "pad": pad},
                         shape[2:])
    out = geometry[4]
    cols = R.uniform(-1, 1, (2 * out[0] * out[1], 3 * 2 * 9)).astype("float32")
    got = np.empty(shape, "float32")
    with compiled.use_compiled(True):
        _conv_kernels.col2im_rows(cols, _conv_kernels.geometry_array(geometry),
                                  _conv_kernels.as_3d(got), 0, 2, 0)
    padded = np.zeros((2, 9, 7 + 2 * pad[0], 6 + 2 * pad[1]), "float32")
    blocks = cols.reshape(2, out[0], out[1], 3, 2, 9).transpose(0, 5, 3, 4, 1, 2)
    for p in range(3):
        for q in range(2):
            y, x = p * dilate[0], q * dilate[1]
            padded[:, :, y:y + stride[0] * (out[0] - 1) + 1:stride[0],
                   x:x + stride[1] * (out[1] - 1) + 1:stride[1]] += blocks[:, :, p, q]
    np.testing.assert_array_equal(got, padded[:, :, pad[0]:pad[0] + 7, pad[1]:pad[1] + 6])


@needs_numba
def test_narrow_one_group_data_gradients_take_the_rows_columns(monkeypatch):
    """LeNet's conv2 (8 wide, 20 channels) takes col2im_rows; a 16-wide output the channels
    columns: the choice is made by shape, and both give the NumPy form's gradient."""
    taken = []
    for name in ("col2im_rows", "col2im_channels"):
        kernel = getattr(_conv_kernels, name)
        monkeypatch.setattr(_conv_kernels, name,
                            lambda *a, _k=kernel, _n=name: (taken.append(_n), _k(*a))[1])
    for shape, expected in (((4, 20, 12, 12), "col2im_rows"), ((2, 16, 20, 20), "col2im_channels")):
        x, w, _, og, geometry, groups = _setup(shape, 6, {"kernel": (5, 5)}, "float32", False)
        del taken[:]
        with compiled.use_compiled(True):
            fast = _conv_columns.data_gradient(np, og, w, x.shape, geometry, groups)
        assert set(taken) == {expected}
        plain = _conv_columns._col2im_gradient(np, og, w, x.shape, geometry, groups)
        np.testing.assert_allclose(fast, plain, rtol=1e-5, atol=1e-5 * np.abs(plain).max())


@needs_numba
def test_compiled_gradients_through_autograd_match_the_numpy_path():
    """A strided convolution's gradients (data, weight, bias) taken through nd and autograd
    with the compiled kernels and without them."""
    x, w, b, og, _, _ = _setup((3, 8, 9, 9), 5, {"kernel": (3, 3), "stride": (2, 2),
                                                "pad": (1, 1)}, "float32", True)
    attrs = {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1), "num_filter": 5}

    def grads():
        arrays = [nd.array(a) for a in (x, w, b)]
        for a in arrays:
            a.attach_grad()
        with autograd.record():
            y = nd.Convolution(*arrays, **attrs)
        y.backward(nd.array(og))
        return [y.asnumpy()] + [a.grad.asnumpy() for a in arrays]
    for fast, plain in zip(*both_forms(grads)):
        np.testing.assert_allclose(fast, plain, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("use_compiled", [True, False])
@pytest.mark.parametrize("hybridize", [False, True])
def test_large_columns_are_not_kept_and_the_weight_gradient_recomputes_them(
        monkeypatch, use_compiled, hybridize):
    """With the thresholds lowered, a small layer takes the large-layer path: the forward goes
    a few images at a time, its hidden output holds the data (shape inference says so too),
    and the weight and bias gradients recompute the columns piece by piece: the same results as
    with kept columns, within float32 rounding, eagerly and hybridized."""
    import mxnb as mx
    from mxnb.ops import registry
    x = R.uniform(-1, 1, (5, 8, 6, 6)).astype("float32")
    head = R.uniform(-1, 1, (5, 4, 6, 6)).astype("float32")

    def run():
        net = mx.gluon.nn.Conv2D(4, kernel_size=3, padding=1, in_channels=8)
        net.initialize(mx.init.Constant(0.25))
        net.weight.set_data(nd.array(np.linspace(-1, 1, 4 * 8 * 9).reshape(4, 8, 3, 3)))
        if hybridize:
            net.hybridize()
        data = nd.array(x)
        data.attach_grad()
        with autograd.record():
            y = net(data)
        y.backward(nd.array(head))
        return [y.asnumpy(), data.grad.asnumpy(), net.weight.grad().asnumpy(),
                net.bias.grad().asnumpy()]

    with compiled.use_compiled(use_compiled):
        kept = run()
        op = registry.get("Convolution")
        attrs = op.parse_attrs({"kernel": (3, 3), "num_filter": 4, "pad": (1, 1)})
        assert op.infer_shape(attrs, [x.shape, None, None])[1][1] == (5 * 36, 1, 73)
        monkeypatch.setattr(_conv_columns, "_PIECES_FROM_ELEMENTS", 1 << 10)
        monkeypatch.setattr(_conv_columns, "_PIECE_ELEMENTS", 2 * 36 * 73)   # 2 images a piece
        # plans cached per shape decided with the old threshold (a constant outside tests)
        monkeypatch.setattr("mxnb.ops.nn.convolution._PLANS", {})
        assert not _conv_columns.keeps_columns(x.shape, 4, ((3, 3), (1, 1), (1, 1), (1, 1), (6, 6)), 1)
        assert op.infer_shape(attrs, [x.shape, None, None])[1][1] == x.shape
        y, hidden = op.compute(np, [x, np.ones((4, 8, 3, 3), "f4"), np.zeros(4, "f4")], attrs)
        assert hidden is x
        pieces = run()
    for a, b in zip(pieces, kept):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
