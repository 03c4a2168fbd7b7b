"""The fast paths of Convolution and Pooling against the same loop references as
test_nn_conv.py: convolutions with 8 or more channels per group (im2col in the channels-last
"rows" layout), their hidden columns, and pooling whose windows do not overlap (written, not
added; tiled or with gaps), with ties going to a window's first maximum."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from mxnb.ops import registry
from mxnb.ops.nn._conv_columns import uses_rows
from .harness import Case, run_case
from .test_nn_conv import conv_ref, pool_ref, _conv_data_grad_ref, _conv_weight_grad_ref, \
    _conv_weight_grad_from_columns_ref, _pool_grad_ref, _distinct

R = np.random.RandomState(17)


def _u(*shape):
    return R.uniform(-1, 1, shape)


def _rows_columns_ref(x, kernel, num_group=1, stride=None, pad=None, dilate=None, no_bias=False,
                      **_):
    """The "rows" columns by loops: (N * prod(out), groups, prod(kernel) * C/g [+ 1]), each row
    one output position's window, kernel positions outer and channels inner, then a 1 for the
    bias unless no_bias."""
    nd_ = len(kernel)
    stride, pad, dilate = stride or (1,) * nd_, pad or (0,) * nd_, dilate or (1,) * nd_
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pad])
    out = [(xp.shape[2 + i] - dilate[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(nd_)]
    n, c = x.shape[:2]
    cg = c // num_group
    rows = []
    for b in range(n):
        for o in np.ndindex(*out):
            row = np.zeros((num_group,) + tuple(kernel) + (cg,))
            for k in np.ndindex(*kernel):
                src = tuple(oi * si + ki * di for oi, si, ki, di in zip(o, stride, k, dilate))
                values = xp[(b, slice(None)) + src]
                row[(slice(None),) + k + (slice(None),)] = values.reshape(num_group, cg)
            rows.append(row.reshape(num_group, -1))
    rows = np.array(rows)
    if no_bias:
        return rows
    return np.concatenate([rows, np.ones(rows.shape[:2] + (1,))], axis=2)


# Data of 8 channels per group: the "rows" layout.
ROWS = [
    ({"kernel": (3, 3), "num_filter": 3}, (2, 8, 4, 4), (3, 8, 3, 3)),
    ({"kernel": (3, 2), "num_filter": 4, "num_group": 2, "stride": (2, 1), "pad": (1, 1),
      "dilate": (1, 2)}, (1, 16, 4, 5), (4, 8, 3, 2)),
    ({"kernel": (3,), "num_filter": 2, "stride": (2,), "pad": (1,)}, (2, 8, 6), (2, 8, 3)),
    ({"kernel": (2, 2, 2), "num_filter": 2, "pad": (1, 0, 0)}, (1, 8, 2, 3, 3), (2, 8, 2, 2, 2)),
]
CASES = []
for _attrs, _dshape, _wshape in ROWS:
    assert uses_rows(_dshape[1] // _attrs.get("num_group", 1))
    _name = "Convolution_rows_%dd%s" % (len(_attrs["kernel"]), "_group" if "num_group" in _attrs else "")
    CASES.append(Case("Convolution", [_u(*_dshape), _u(*_wshape), _u(_wshape[0])], conv_ref,
                      attrs=_attrs, name=_name))

# Size-keeping stride-1 convolutions with 16 channels per group: the data gradient is the
# convolution of ograd with the flipped weight.
_SAME = {"kernel": (3, 3), "num_filter": 4, "pad": (1, 1)}
_DILATED = {"kernel": (3, 3), "num_filter": 4, "num_group": 2, "pad": (2, 2), "dilate": (2, 2)}
CASES += [
    Case("_backward_Convolution_data", [_u(1, 4, 3, 3), _u(1, 16, 3, 3), _u(4, 16, 3, 3)],
         _conv_data_grad_ref, attrs=_SAME, grad_inputs=[0, 2], name="_backward_Conv_data_full"),
    Case("_backward_Convolution_data", [_u(1, 4, 3, 4), _u(1, 32, 3, 4), _u(4, 16, 3, 3)],
         _conv_data_grad_ref, attrs=_DILATED, grad_inputs=[0, 2],
         name="_backward_Conv_data_full_dilated_group"),
    Case("_backward_Convolution_data", [_u(1, 2, 3), _u(1, 16, 3), _u(2, 16, 3)],
         _conv_data_grad_ref, attrs={"kernel": (3,), "num_filter": 2, "pad": (1,)},
         grad_inputs=[0, 2], name="_backward_Conv_data_full_1d"),
]

_A = {"kernel": (2, 3), "num_filter": 4, "num_group": 2, "stride": (1, 2), "pad": (1, 0)}
_X = _u(1, 16, 2, 4)
CASES += [
    Case("_backward_Convolution_data", [_u(1, 4, 3, 1), _X, _u(4, 8, 2, 3)],
         _conv_data_grad_ref, attrs=_A, grad_inputs=[0, 2], name="_backward_Conv_data_rows"),
    Case("_backward_Convolution_weight", [_u(1, 4, 3, 1), _X], _conv_weight_grad_ref, attrs=_A,
         name="_backward_Conv_weight_rows"),
    Case("_backward_Convolution_weight_columns", [_u(1, 4, 3, 1), _X, _rows_columns_ref(_X, **_A)],
         _conv_weight_grad_from_columns_ref, attrs=_A, grad_inputs=[0],
         name="_backward_Conv_weight_columns_rows"),
]

# Pooling windows that do not overlap: tiling the input (written in place of zeros), with gaps
# between them, and cut by the input's edge.
for _attrs, _shape in (({"kernel": (2, 2), "stride": (2, 2)}, (1, 2, 4, 4)),
                       ({"kernel": (2, 2), "stride": (3, 2), "pool_type": "avg"}, (1, 2, 5, 4)),
                       ({"kernel": (2, 1), "stride": (3, 1)}, (1, 2, 5, 3)),
                       ({"kernel": (2, 2), "stride": (2, 2), "pool_type": "sum", "pad": (1, 1)},
                        (1, 2, 3, 3))):
    _x = _distinct(*_shape)
    _out = pool_ref(_x, **_attrs)
    CASES.append(Case("_backward_Pooling", [_u(*_out.shape), _x, _out], _pool_grad_ref,
                      attrs=_attrs, grad=False, rtol=1e-3,
                      name="_backward_Pooling_disjoint_" + "_".join(map(str, _attrs.values()))))
    CASES.append(Case("Pooling", [_x], pool_ref, attrs=_attrs,
                      name="Pooling_disjoint_" + "_".join(map(str, _attrs.values()))))


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


def test_rows_columns_shape_is_what_shape_inference_says():
    op = registry.get("Convolution")
    attrs = op.parse_attrs({"kernel": (5, 5), "num_filter": 50})
    _, outs = op.infer_shape(attrs, [(64, 20, 12, 12), None, None])
    assert outs == [(64, 50, 8, 8), (64 * 8 * 8, 1, 25 * 20 + 1)]   # + the bias's ones
    y, cols = op.compute(np, [np.ones((2, 20, 6, 6), "f4"), np.ones((50, 20, 5, 5), "f4"),
                              np.zeros(50, "f4")], attrs)
    assert cols.shape == (2 * 2 * 2, 1, 501) and y.shape == (2, 50, 2, 2)
    np.testing.assert_array_equal(y, 500.0)


@pytest.mark.parametrize("kernel, stride", [((2, 2), (2, 2)), ((2, 2), (3, 3)), ((3, 3), (3, 3))])
def test_max_pooling_ties_in_disjoint_windows_go_to_the_first_maximum(ctx, kernel, stride):
    """Every window of a constant input is a tie: the gradient goes to each window's first
    element only, and the elements between windows get none."""
    x = nd.ones((1, 2, 6, 6), ctx=ctx)
    x.attach_grad()
    with autograd.record():
        y = nd.Pooling(x, kernel=kernel, stride=stride, pool_type="max")
    head = np.arange(1, 1 + y.size, dtype=np.float32).reshape(y.shape)
    y.backward(nd.array(head, ctx=ctx))
    expected = np.zeros((1, 2, 6, 6), np.float32)
    expected[:, :, ::stride[0], ::stride[1]][:, :, :y.shape[2], :y.shape[3]] = head
    np.testing.assert_array_equal(x.grad.asnumpy(), expected)


def test_a_large_convolution_matches_the_reference_in_float32(ctx):
    """LeNet's second layer shape (halved batch): the rows layout's products and col2im at
    float32 against the float64 loop reference."""
    x, w, b = _u(4, 20, 12, 12), _u(50, 20, 5, 5), _u(50)
    attrs = {"kernel": (5, 5), "num_filter": 50}
    data, weight, bias = (nd.array(a, ctx=ctx, dtype="float32") for a in (x, w, b))
    for a in (data, weight, bias):
        a.attach_grad()
    head = _u(4, 50, 8, 8)
    with autograd.record():
        y = nd.Convolution(data, weight, bias, **attrs)
    y.backward(nd.array(head, ctx=ctx, dtype="float32"))
    np.testing.assert_allclose(y.asnumpy(), conv_ref(x, w, b, **attrs), rtol=1e-4, atol=1e-4)
    # the gradients kernel offset by kernel offset: each offset (i, j) pairs ograd with the
    # data shifted by it
    grad_x, grad_w = np.zeros_like(x), np.zeros_like(w)
    for i in range(5):
        for j in range(5):
            grad_x[:, :, i:i + 8, j:j + 8] += np.einsum("nfhw,fc->nchw", head, w[:, :, i, j])
            grad_w[:, :, i, j] = np.einsum("nfhw,nchw->fc", head, x[:, :, i:i + 8, j:j + 8])
    np.testing.assert_allclose(weight.grad.asnumpy(), grad_w, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(data.grad.asnumpy(), grad_x, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(bias.grad.asnumpy(), head.sum(axis=(0, 2, 3)), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("channels, groups", [(1, 1), (4, 2), (16, 1)])
def test_cached_plans_follow_the_data_strides(channels, groups):
    """A layer's plan (layout, window strides) is cached by shapes: the same shapes arriving as
    a strided slice, then contiguous again, still read the right windows."""
    op = registry.get("Convolution")
    attrs = op.parse_attrs({"kernel": (3, 2), "num_filter": 4, "num_group": groups,
                            "stride": (1, 2)})
    wide = _u(2, channels, 5, 14).astype("f4")
    w, b = _u(4, channels // groups, 3, 2).astype("f4"), _u(4).astype("f4")
    sliced = wide[:, :, :, ::2]                      # (2, C, 5, 7), not contiguous
    contiguous = np.ascontiguousarray(sliced)
    expected = conv_ref(contiguous.astype("f8"), w, b, **attrs)
    for data in (contiguous, sliced, contiguous, sliced):
        y, cols = op.compute(np, [data, w, b], attrs)
        np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def _count_splits(monkeypatch, target):
    """Replaces parallel_batches at `target` (a dotted name) with one that records the size of
    each batch it splits; returns that list."""
    from mxnb.ops.nn import _conv_parallel as _parallel
    calls = []
    real = _parallel.parallel_batches

    def counting(xp, work, n, elements, *slices):
        calls.append(n)
        return real(xp, work, n, elements, *slices)
    monkeypatch.setattr(target, counting)
    return calls


def test_threaded_copies_give_the_same_results(monkeypatch):
    """im2col and col2im split over threads by batch (forced here for small arrays) give
    exactly the single-threaded results."""
    from mxnb.ops.nn import _conv_parallel as _parallel
    op, data_grad = registry.get("Convolution"), registry.get("_backward_Convolution_data")
    attrs = op.parse_attrs({"kernel": (3, 3), "num_filter": 8, "pad": (1, 1), "stride": (2, 1)})
    x, w, b = (R.uniform(-1, 1, s).astype("f4") for s in ((5, 16, 6, 7), (8, 16, 3, 3), (8,)))
    og = R.uniform(-1, 1, (5, 8, 3, 7)).astype("f4")

    def run():
        y, cols = op.compute(np, [x, w, b], attrs)
        return y, cols, data_grad.compute(np, [og, x, w], attrs)
    single = run()
    monkeypatch.setattr(_parallel, "_threads", 3)
    monkeypatch.setattr(_parallel, "_MIN_ELEMENTS", 0)
    calls = _count_splits(monkeypatch, "mxnb.ops.nn._conv_columns.parallel_batches")
    threaded = run()
    assert calls and _parallel._pool is not None
    for a, b_ in zip(single, threaded):
        np.testing.assert_array_equal(a, b_)


@pytest.mark.parametrize("filters, groups, dilate", [(4, 1, 1), (16, 1, 1), (32, 2, 2)])
def test_full_convolution_data_gradient_matches_col2im(filters, groups, dilate):
    """The data gradient as a forward convolution with the flipped weight (in the channel-first
    or rows order, by filters per group) equals the per-position col2im."""
    from mxnb.ops.nn import _conv_columns as cc
    x_shape = (2, 16 * groups, 5, 6)
    w = R.uniform(-1, 1, (filters, 16, 3, 3))
    og = R.uniform(-1, 1, (2, filters, 5, 6))
    geometry = ((3, 3), (1, 1), (dilate, dilate), (dilate, dilate), (5, 6))
    assert cc._as_full_convolution(geometry, x_shape, groups) is not None
    full = cc.data_gradient(np, og, w, x_shape, geometry, groups)
    by_positions = cc._col2im_gradient(np, og, w, x_shape, geometry, groups)
    np.testing.assert_allclose(full, by_positions, rtol=1e-10, atol=1e-10)


def test_threaded_copies_work_in_a_forked_child():
    """A fork copies the thread pool but not its threads: the child makes its own pool rather
    than waiting forever on one whose workers do not exist (forked data-loader workers)."""
    import os
    import subprocess
    import sys
    script = (
        "import os, numpy as np\n"
        "from mxnb.ops.nn import _conv_parallel as P\n"
        "P._threads = 2; P._MIN_ELEMENTS = 0\n"
        "out = np.zeros(8)\n"
        "def work(lo, hi): out[lo:hi] += 1\n"
        "P.parallel_batches(np, work, 8, 8)\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    P.parallel_batches(np, work, 8, 8)\n"
        "    os._exit(0 if out.sum() == 16 else 3)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "print('child exit', os.waitstatus_to_exitcode(status))\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "child exit 0" in done.stdout


def test_a_data_gradient_in_pieces_equals_the_whole_one(monkeypatch):
    # the full-convolution data gradient of a size-keeping layer, a few images at a time with
    # one reused buffer (what ResNet's 64-channel layers take): the values of one piece, up to
    # the products' rounding (BLAS blocks rows of different counts differently)
    from mxnb.ops.nn import _conv_columns
    x, w, og = _u(5, 16, 4, 4), _u(8, 16, 3, 3), _u(5, 8, 4, 4)
    geometry = ((3, 3), (1, 1), (1, 1), (1, 1), (4, 4))
    whole = _conv_columns.data_gradient(np, og, w, x.shape, geometry, 1)
    monkeypatch.setattr(_conv_columns, "_PIECES_FROM_ELEMENTS", 1)
    monkeypatch.setattr(_conv_columns, "_PIECE_ELEMENTS", 2 * 16 * 8 * 9)   # 2 + 2 + 1 images
    pieces = _conv_columns.data_gradient(np, og, w, x.shape, geometry, 1)
    np.testing.assert_allclose(pieces, whole, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pieces, _conv_data_grad_ref(og, x, w, kernel=(3, 3), pad=(1, 1),
                                                           num_filter=8), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("a_shape, b_shape", [
    ((20, 26), (6, 26, 30)),            # one filter matrix, a stack of columns (im2col's)
    ((6, 2, 5, 30), (6, 2, 30, 13)),    # two stacks as long (the weight gradient's, 2 groups)
    ((2, 5, 26), (6, 2, 26, 30)),       # groups broadcast over images: goes whole to each part
    ((36, 8, 40), (36, 40, 8)),         # Winograd's 36 products
])
def test_split_products_equal_one_matmul(monkeypatch, a_shape, b_shape):
    """parallel_matmul, split over threads (forced here for small stacks), gives matmul's
    results for every broadcast form, and leaves OpenBLAS's thread count as it was."""
    from mxnb import blas_threads
    from mxnb.ops.nn import _conv_parallel as _parallel
    a, b = R.uniform(-1, 1, a_shape).astype("f4"), R.uniform(-1, 1, b_shape).astype("f4")
    expected = np.matmul(a, b)
    monkeypatch.setattr(_parallel, "_threads", 3)
    monkeypatch.setattr(_parallel, "_MATMUL_SPLIT_FROM", 0)
    calls = _count_splits(monkeypatch, "mxnb.ops.nn._conv_parallel.parallel_batches")
    set_threads = blas_threads.blas_thread_setter()
    before = set_threads(set_threads(2)) if set_threads else None
    got = _parallel.parallel_matmul(np, a, b)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    if set_threads is None:
        assert not calls        # no way to give each part one BLAS thread: one plain matmul
    else:
        assert calls == [expected.shape[0]]
        assert set_threads(before) == before


def test_overlapping_splits_leave_the_blas_thread_count_as_it_was(monkeypatch):
    """Splits from several threads at once (the threaded engine's workers): each gives
    matmul's results, and OpenBLAS's thread count is what it was before any of them."""
    import threading
    from mxnb import blas_threads
    from mxnb.ops.nn import _conv_parallel as _parallel
    set_threads = blas_threads.blas_thread_setter()
    if set_threads is None:
        pytest.skip("NumPy's OpenBLAS here has no openblas_set_num_threads_local")
    monkeypatch.setattr(_parallel, "_threads", 2)
    monkeypatch.setattr(_parallel, "_MATMUL_SPLIT_FROM", 0)
    a, b = R.uniform(-1, 1, (36, 24, 40)).astype("f4"), R.uniform(-1, 1, (36, 40, 24)).astype("f4")
    expected = np.matmul(a, b)
    before = set_threads(set_threads(2))
    failures = []

    def run():
        for _ in range(50):
            if not np.allclose(_parallel.parallel_matmul(np, a, b), expected, rtol=1e-6, atol=1e-6):
                failures.append(1)
    workers = [threading.Thread(target=run) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not failures
    assert set_threads(before) == before


@pytest.mark.parametrize("channels, images", [(8, 1), (8, 2), (8, 3), (3, 4)],
                         ids=["rows-image", "rows-2", "rows-3", "channels"])
@pytest.mark.parametrize("bias, keep", [(True, True), (False, True), (True, False)])
def test_products_by_images_equal_the_one_wide_product(monkeypatch, bias, keep, channels, images):
    """A one-group forward over threads: "rows" layout image by image (what ResNet's stride-2
    layers take) or a few images per product (LeNet's second layer; 3 leaves a short last
    piece), "channels" layout each thread's share in one product (LeNet's first layer): the
    one wide product's output, NCHW, and the same kept columns, with and without a bias; the
    threads split the batch and leave OpenBLAS's count as it was."""
    from mxnb import blas_threads, compiled
    from mxnb.ops.nn import _conv_columns, _conv_parallel as _parallel
    if not compiled.enabled():
        pytest.skip("the per-image forward makes its columns with the compiled loops")
    x, w, b = _u(7, channels, 9, 8), _u(6, channels, 3, 3), (_u(6) if bias else None)
    geometry = ((3, 3), (2, 2), (1, 1), (1, 1), (5, 4))
    wide_y, wide_cols = _conv_columns.conv_forward(np, x, w, b, geometry, 1)
    monkeypatch.setattr(_conv_columns, "_PER_IMAGE_FROM_POSITIONS", 1 if images == 1 else 10**9)
    monkeypatch.setattr(_conv_columns, "_PER_IMAGE_FROM_COPIES", 0)
    monkeypatch.setattr(_conv_columns, "_PIECE_POSITIONS", images * 20)     # 20 positions each
    monkeypatch.setattr(_parallel, "_threads", 2)
    monkeypatch.setattr(_parallel, "_MIN_ELEMENTS", 0)
    assert _conv_columns.ColumnsPlan(x.shape, 6, geometry, 1, bias).piece_images == images
    calls = _count_splits(monkeypatch, "mxnb.ops.nn._conv_parallel.parallel_batches")
    set_threads = blas_threads.blas_thread_setter()
    before = set_threads(set_threads(2)) if set_threads else None
    y, cols = _conv_columns.conv_forward(np, x, w, b, geometry, 1, keep_columns=keep)
    assert y.shape == wide_y.shape and y.flags.c_contiguous
    np.testing.assert_allclose(y, wide_y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y, conv_ref(x, w, b, kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                                           num_filter=6, no_bias=not bias), rtol=1e-10, atol=1e-10)
    if keep or channels < 8:        # the "channels" layout's forward always gives its columns
        np.testing.assert_array_equal(cols, wide_cols)
    else:
        assert cols is None
    if set_threads is not None:
        assert calls == [7] and set_threads(before) == before


def test_rows_data_gradient_over_threads_is_bit_equal_to_one_thread(monkeypatch):
    """The narrow "rows" data gradient (LeNet's second layer: each piece's product and col2im
    in one of our threads, the product on one BLAS thread) gives one thread's bits, in pieces
    of 2 images over 7 (a short last one), and the definition's values."""
    from mxnb import compiled
    from mxnb.ops.nn import _conv_columns, _conv_parallel as _parallel
    if not compiled.enabled():
        pytest.skip("the data gradient's col2im is a compiled loop")
    x, w = _u(7, 8, 9, 8), _u(6, 8, 3, 3)
    og = _u(7, 6, 7, 6)
    geometry = ((3, 3), (1, 1), (1, 1), (0, 0), (7, 6))
    monkeypatch.setattr(_conv_columns, "_ROWS_PIECE", 2 * 42 * 72)         # 2 images a piece
    monkeypatch.setattr(_conv_columns, "_PIECE_POSITIONS", 1)
    monkeypatch.setattr(_parallel, "_threads", 1)
    one = _conv_columns._compiled_data_gradient(np, og, w, x.shape, geometry, 1)
    monkeypatch.setattr(_parallel, "_threads", 2)
    monkeypatch.setattr(_parallel, "_MIN_ELEMENTS", 0)
    calls = _count_splits(monkeypatch, "mxnb.ops.nn._conv_parallel.parallel_batches")
    two = _conv_columns._compiled_data_gradient(np, og, w, x.shape, geometry, 1)
    np.testing.assert_array_equal(two, one)
    np.testing.assert_allclose(two, _conv_data_grad_ref(og, x, w, kernel=(3, 3), num_filter=6),
                               rtol=1e-10, atol=1e-10)
    from mxnb import blas_threads
    if blas_threads.blas_thread_setter() is not None:
        assert calls == [7]


@pytest.mark.parametrize("bias", [True, False])
def test_rows_weight_gradient_in_pieces(monkeypatch, bias):
    """The narrow "rows" weight gradient as pieces of images over threads, summed in piece
    order: the one product's values (and the definition's), the same bits on one thread and
    on two."""
    from mxnb.ops.nn import _conv_columns, _conv_parallel as _parallel
    x, w = _u(7, 8, 9, 8), _u(6, 8, 3, 3)
    og = _u(7, 6, 7, 6)
    geometry = ((3, 3), (1, 1), (1, 1), (0, 0), (7, 6))
    cols = _conv_columns.im2col(np, x, geometry, 1, bias)
    whole = _conv_columns.weight_gradient(np, og, cols, 8, (3, 3), 1, bias)
    monkeypatch.setattr(_conv_columns, "_PER_IMAGE_FROM_COPIES", 0)
    monkeypatch.setattr(_conv_columns, "_PIECE_POSITIONS", 2 * 42)          # 2 images a piece
    monkeypatch.setattr(_parallel, "_MIN_ELEMENTS", 0)
    pieces = []
    real = _conv_columns._rows_weight_gradient_by_pieces
    monkeypatch.setattr(_conv_columns, "_rows_weight_gradient_by_pieces",
                        lambda *a: pieces.append(a[-1]) or real(*a))
    results = []
    for threads in (1, 2):
        monkeypatch.setattr(_parallel, "_threads", threads)
        results.append(_conv_columns.weight_gradient(np, og, cols, 8, (3, 3), 1, bias))
    assert pieces == [2, 2]         # pieces of 2 images, on one thread and on two
    for got, expected in zip(results[1], whole):
        if expected is None:
            assert got is None
        else:
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    expected = _conv_weight_grad_ref(og, x, kernel=(3, 3), num_filter=6, no_bias=not bias)
    for got, reference in zip(results[1], expected):
        np.testing.assert_allclose(got, reference, rtol=1e-10, atol=1e-10)
    for one, two in zip(*results):
        if one is not None:
            np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize("bias", [True, False])
def test_few_channel_weight_gradient_from_data_equals_kept_columns(monkeypatch, bias):
    """A few-channel layer's weight gradient recomputed from the data (a hybridized program
    frees the columns between the passes) over two threads, each making its images' columns:
    the bits of the weight gradient from the columns the forward kept."""
    from mxnb import compiled
    from mxnb.ops.nn import _conv_columns, _conv_parallel as _parallel
    if not compiled.enabled():
        pytest.skip("the columns are made by the compiled loops")
    monkeypatch.setattr(_conv_columns, "_PER_IMAGE_FROM_COPIES", 0)
    monkeypatch.setattr(_parallel, "_threads", 2)
    monkeypatch.setattr(_parallel, "_MIN_ELEMENTS", 0)
    x, w = _u(7, 3, 9, 8), _u(6, 3, 3, 3)
    og = _u(7, 6, 7, 6)
    geometry = ((3, 3), (1, 1), (1, 1), (0, 0), (7, 6))
    plan = _conv_columns.ColumnsPlan(x.shape, 6, geometry, 1, bias)
    assert not plan.rows and plan.piece_images == 4
    made = []
    real = _conv_columns._compiled_im2col
    monkeypatch.setattr(_conv_columns, "_compiled_im2col",
                        lambda xp, data, plan, cols, lo, hi: made.append(hi - lo) or
                        real(xp, data, plan, cols, lo, hi))
    kept = _conv_columns.weight_gradient(np, og, _conv_columns.im2col(np, x, geometry, 1, bias),
                                         3, (3, 3), 1, bias)
    del made[:]
    recomputed = _conv_columns.weight_gradient_from_data(np, og, x, geometry, 1, bias, plan)
    assert sorted(made) == [1] * 7          # slices of one image, none whole
    for a, b in zip(recomputed, kept):
        if b is None:
            assert a is None
        else:
            np.testing.assert_array_equal(a, b)
    expected = _conv_weight_grad_ref(og, x, kernel=(3, 3), num_filter=6, no_bias=not bias)
    for got, reference in zip(recomputed, expected):
        np.testing.assert_allclose(got, reference, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("slices", [1, 4])
def test_parallel_batches_runs_every_item_once(monkeypatch, slices):
    """One slice per thread: the halves, as they always were. Finer slices, taken by
    whichever thread is free, cover the batch exactly once, and when one thread is held up the
    other takes the remaining slices rather than waiting for it."""
    import threading
    import time
    from mxnb.ops.nn import _conv_parallel as _parallel
    monkeypatch.setattr(_parallel, "_threads", 2)
    monkeypatch.setattr(_parallel, "_MIN_ELEMENTS", 0)
    done, by_thread = [], {}
    main = threading.get_ident()

    def work(lo, hi):
        if threading.get_ident() != main:
            time.sleep(0.05)            # the pool's thread is slow
        done.extend(range(lo, hi))
        by_thread.setdefault(threading.get_ident() == main, []).append((lo, hi))
    _parallel.parallel_batches(np, work, 23, 23, slices)
    assert sorted(done) == list(range(23))
    if slices == 1:                     # the halves, this thread the first
        assert by_thread == {True: [(0, 11)], False: [(11, 23)]}
    else:
        assert len(by_thread[True]) + len(by_thread.get(False, [])) == 2 * slices
        assert len(by_thread[True]) > len(by_thread.get(False, []))


@pytest.mark.parametrize("stride, kernel, pad", [(2, 3, 1), (2, 1, 0), (1, 3, 0)])
def test_per_image_data_gradient_equals_the_pieces(monkeypatch, stride, kernel, pad):
    """The data gradient image by image over threads (ResNet's stride-2 layers and their 1x1
    shortcuts; outputs wider than _ROWS_GRADIENT_WIDTH): the values of the pieces' form, and
    of the definition."""
    from mxnb import compiled
    from mxnb.ops.nn import _conv_columns, _conv_parallel as _parallel
    if not compiled.enabled():
        pytest.skip("the data gradient's col2im is a compiled loop")
    x, w = _u(5, 8, 9, 20), _u(6, 8, kernel, kernel)
    out = tuple((s + 2 * pad - kernel) // stride + 1 for s in x.shape[2:])
    og = _u(5, 6, *out)
    geometry = ((kernel,) * 2, (stride,) * 2, (1, 1), (pad,) * 2, out)
    pieces = _conv_columns._compiled_data_gradient(np, og, w, x.shape, geometry, 1)
    monkeypatch.setattr(_conv_columns, "_PER_IMAGE_FROM_POSITIONS", 1)
    monkeypatch.setattr(_conv_columns, "_PER_IMAGE_FROM_COPIES", 0)
    monkeypatch.setattr(_parallel, "_threads", 2)
    monkeypatch.setattr(_parallel, "_MIN_ELEMENTS", 0)
    calls = _count_splits(monkeypatch, "mxnb.ops.nn._conv_parallel.parallel_batches")
    per_image = _conv_columns._compiled_data_gradient(np, og, w, x.shape, geometry, 1)
    np.testing.assert_allclose(per_image, pieces, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(per_image, _conv_data_grad_ref(
        og, x, w, kernel=(kernel, kernel), stride=(stride, stride), pad=(pad, pad),
        num_filter=6), rtol=1e-10, atol=1e-10)
    from mxnb import blas_threads
    if blas_threads.blas_thread_setter() is not None:
        assert calls == [5]
