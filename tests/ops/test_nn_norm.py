"""BatchNorm (training and global statistics), Dropout and Embedding."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from .harness import Case, run_case

R = np.random.RandomState(5)


def _bn_ref(x, gamma, beta, mean, var, eps=1e-3, fix_gamma=True, use_global_stats=False, axis=1,
            training=False, **_):
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    shape = [1] * x.ndim
    shape[axis % x.ndim] = -1
    if training and not use_global_stats:
        mean, var = x.mean(axis=axes), x.var(axis=axes)
    g = np.ones_like(gamma) if fix_gamma else gamma
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * g.reshape(shape) \
        + beta.reshape(shape)


def _bn_inputs(*shape, axis=1):
    c = shape[axis]
    return [R.randn(*shape), R.uniform(0.5, 1.5, c), R.randn(c), R.randn(c) * 0.1,
            R.uniform(0.5, 1.5, c)]


def _check_bn_training(case, ctx):
    """Batch statistics in training; biased moving-variance update in place; gradients of the
    training formula against central differences in training mode."""
    x, gamma, beta, mm, mv = [a.astype(np.float64) for a in case.inputs]
    attrs = case.attrs
    arrays = [nd.array(a, ctx=ctx, dtype=np.float64) for a in (x, gamma, beta, mm, mv)]
    for a in arrays[:3]:
        a.attach_grad()
    with autograd.record():
        outs = nd.BatchNorm(*arrays, output_mean_var=True, **attrs)
    axis = attrs.get("axis", 1)
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    np.testing.assert_allclose(outs[0].asnumpy(), _bn_ref(x, gamma, beta, mm, mv, training=True,
                                                          **attrs), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(outs[1].asnumpy(), x.mean(axis=axes), rtol=1e-6)
    np.testing.assert_allclose(outs[2].asnumpy(), 1 / np.sqrt(x.var(axis=axes) + 1e-3), rtol=1e-6)
    np.testing.assert_allclose(arrays[3].asnumpy(), 0.9 * mm + 0.1 * x.mean(axis=axes), rtol=1e-6)
    np.testing.assert_allclose(arrays[4].asnumpy(), 0.9 * mv + 0.1 * x.var(axis=axes), rtol=1e-6)
    head = R.uniform(-1, 1, x.shape)
    outs[0].backward(nd.array(head, ctx=ctx, dtype=np.float64))
    base = [x, gamma, beta]
    for i in range(3):
        numeric = np.zeros(base[i].size)
        for j in range(base[i].size):
            vals = []
            for sign in (1, -1):
                moved = [b.copy() for b in base]
                moved[i].reshape(-1)[j] += sign * 1e-5
                vals.append((_bn_ref(*moved, mm, mv, training=True, **attrs) * head).sum())
            numeric[j] = (vals[0] - vals[1]) / 2e-5
        if i == 1 and attrs.get("fix_gamma", True):
            numeric[:] = 0
        np.testing.assert_allclose(arrays[i].grad.asnumpy().reshape(-1), numeric, rtol=1e-4,
                                   atol=1e-6, err_msg="BatchNorm training gradient of input %d" % i)


def _check_dropout(case, ctx):
    p = case.attrs.get("p", 0.5)
    x = nd.ones((200, 50), ctx=ctx)
    assert (nd.Dropout(x, **case.attrs).asnumpy() == 1).all()     # identity outside training
    x.attach_grad()
    mx.random.seed(1)
    with autograd.record():
        y = nd.Dropout(x, **case.attrs)
    head = np.random.RandomState(0).uniform(-1, 1, x.shape)
    y.backward(nd.array(head, ctx=ctx))
    out = y.asnumpy()
    assert set(np.unique(out)) <= {0.0, np.float32(1 / (1 - p))}
    assert abs((out == 0).mean() - p) < 0.03
    np.testing.assert_allclose(x.grad.asnumpy(), head * out, rtol=1e-6)   # og * mask
    mx.random.seed(1)
    with autograd.record():
        again = nd.Dropout(x, **case.attrs)
    assert (again.asnumpy() == out).all()                                  # seeded: reproducible


def _check_dropout_axes(case, ctx):
    x = nd.ones((4, 6, 5), ctx=ctx)
    with autograd.train_mode():
        out = nd.Dropout(x, **case.attrs).asnumpy()
    assert (out == out[:, :1, :]).all()     # one draw shared along axis 1
    with autograd.predict_mode():
        always = nd.Dropout(x, p=0.5, mode="always").asnumpy()
    assert (always == 0).any() and (always == 2).any()


def _embedding_ref(data, weight, input_dim, output_dim):
    return weight[data.astype(int)]


CASES = [
    Case("BatchNorm", _bn_inputs(3, 2, 2, 2), _bn_ref, attrs={"use_global_stats": True, "fix_gamma": False},
         aux=[3, 4], name="BatchNorm_global_stats"),
    # Forward outside training uses the moving statistics (the training path is checked below).
    Case("BatchNorm", _bn_inputs(3, 2, 2), _bn_ref, aux=[3, 4], grad=False,
         name="BatchNorm_inference_fix_gamma"),
    Case("BatchNorm", _bn_inputs(4, 3, 2), attrs={"fix_gamma": False}, check=_check_bn_training,
         name="BatchNorm_training"),
    Case("BatchNorm", _bn_inputs(4, 3, axis=-1), attrs={"axis": -1}, check=_check_bn_training,
         name="BatchNorm_training_last_axis"),
    Case("_backward_BatchNorm", [R.randn(3, 2), R.randn(3, 2), R.rand(2), R.randn(2), R.rand(2) + 0.5],
         lambda og, x, g, m, s, **a: [og * (s * g), (og * (x - m) * s).sum(0), og.sum(0)],
         attrs={"training": False, "fix_gamma": False}, grad=False),
    # BatchNormWithReLU's: relu's gradient (output > 0) * og first, then BatchNorm's
    Case("_backward_BatchNormWithReLU",
         [R.randn(3, 2), R.randn(3, 2), R.rand(2), R.randn(2), R.rand(2) + 0.5,
          np.array([[0.5, -0.4], [1.0, 2.0], [-0.2, 0.3]])],
         lambda og, x, g, m, s, out, **a: [(og * (out > 0)) * (s * g),
                                           ((og * (out > 0)) * (x - m) * s).sum(0),
                                           (og * (out > 0)).sum(0)],
         attrs={"training": False, "fix_gamma": False}, grad=False),
    Case("Dropout", [np.ones((2, 2))], attrs={"p": 0.3}, check=_check_dropout),
    Case("Dropout", [np.ones((2, 2))], attrs={"p": 0.5, "axes": (1,)}, check=_check_dropout_axes,
         name="Dropout_axes"),
    Case("Embedding", [np.array([[0, 2], [3, 3]]), R.randn(4, 3)], _embedding_ref,
         attrs={"input_dim": 4, "output_dim": 3}, grad_inputs=[1]),
    Case("_backward_Embedding", [R.randn(2, 2, 3), np.array([[0, 2], [3, 3]])],
         lambda og, d, input_dim, output_dim: np.stack([og.reshape(-1, 3)[d.reshape(-1) == i].sum(0)
                                                        for i in range(input_dim)]),
         attrs={"input_dim": 4, "output_dim": 3}, grad_inputs=[0]),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


def test_batchnorm_shapes_from_data():
    from mxnb.ops import registry
    op = registry.get("BatchNorm")
    ins, outs = op.infer_shape(op.parse_attrs({}), [(8, 16, 5, 5), None, None, None, None])
    assert ins[1:] == [(16,)] * 4 and outs[0] == (8, 16, 5, 5)


def test_embedding_weight_shape_checked():
    from mxnb.ops import registry
    op = registry.get("Embedding")
    with pytest.raises(mx.MXNetError, match=r"Embedding.*\(10, 4\).*\(10, 5\)"):
        op.infer_shape(op.parse_attrs({"input_dim": 10, "output_dim": 4}), [(3,), (10, 5)])
