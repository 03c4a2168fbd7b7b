"""The normalisations' backward kernel (_backward_Norm) against a NumPy reference, its own
gradient (_backward_Norm_gradient) against central differences of that reference, and second
order through LayerNorm/GroupNorm end to end."""
import numpy as np
import pytest

from mxnb import nd, autograd
from .harness import Case, run_case

R = np.random.RandomState(8)


def _groups(x, kind, axis=-1, num_groups=1):
    """(grouped view of x, reduced axes, gamma broadcast shape in the grouped view)."""
    if kind == "layer":
        axis = axis % x.ndim
        return x, (axis,), tuple(d if i == axis else 1 for i, d in enumerate(x.shape))
    if kind == "instance":
        return x, tuple(range(2, x.ndim)), (1, x.shape[1]) + (1,) * (x.ndim - 2)
    g = x.reshape((x.shape[0], num_groups, -1) + x.shape[2:])
    return g, tuple(range(2, g.ndim)), (1, num_groups) + (1,) * (g.ndim - 2)


def norm_backward_ref(og, x, gamma, og_mean, og_std, kind="layer", axis=-1, eps=1e-5,
                      num_groups=1, **_):
    """The gradients of sum(og * out) + sum(og_mean * mean) + sum(og_std * std), by the chain
    rule written out in NumPy, in float64."""
    x, og = x.astype(np.float64), og.astype(np.float64)
    xg, axes, gview = _groups(x, kind, axis, num_groups)
    ogg = og.reshape(xg.shape)
    n = int(np.prod([xg.shape[a] for a in axes]))
    mean = xg.mean(axis=axes, keepdims=True)
    std = np.sqrt(((xg - mean) ** 2).mean(axis=axes, keepdims=True) + eps)
    xhat = (xg - mean) / std
    dxhat = ogg * gamma.reshape(gview)
    grad = (dxhat - dxhat.mean(axis=axes, keepdims=True)
            - xhat * (dxhat * xhat).mean(axis=axes, keepdims=True)) / std
    grad = grad + (og_mean.reshape(mean.shape) + og_std.reshape(std.shape) * xhat) / n
    param_axes = tuple(i for i, d in enumerate(gview) if d == 1)
    return [grad.reshape(x.shape), (ogg * xhat).sum(axis=param_axes).reshape(gamma.shape),
            ogg.sum(axis=param_axes).reshape(gamma.shape)]


def norm_backward_gradient_ref(og, x, gamma, og_mean, og_std, h_x, h_gamma, h_beta, **attrs):
    """Central differences of <heads, norm_backward_ref(...)> in each of its five inputs."""
    inputs = [a.astype(np.float64) for a in (og, x, gamma, og_mean, og_std)]
    heads = [h_x, h_gamma, h_beta]

    def value(args):
        return sum((o * h).sum() for o, h in zip(norm_backward_ref(*args, **attrs), heads))

    grads = []
    for i, a in enumerate(inputs):
        grad = np.zeros_like(a)
        for j in np.ndindex(*a.shape):
            plus = [b.copy() for b in inputs]
            minus = [b.copy() for b in inputs]
            plus[i][j] += 1e-6
            minus[i][j] -= 1e-6
            grad[j] = (value(plus) - value(minus)) / 2e-6
        grads.append(grad)
    return grads


def _u(*shape):
    return R.uniform(-1, 1, shape)


def _stats(kind, shape, num_groups=1, axis=-1):
    if kind == "layer":
        a = axis % len(shape)
        return tuple(1 if i == a else d for i, d in enumerate(shape))
    if kind == "instance":
        return tuple(shape[:2]) + (1,) * (len(shape) - 2)
    return (shape[0], num_groups)


_SETUPS = [("layer", (2, 3, 4), {"axis": -1}, (4,)), ("layer", (2, 3, 2), {"axis": 1}, (3,)),
           ("instance", (2, 3, 2, 2), {"eps": 1e-3}, (3,)),
           ("group", (2, 4, 3), {"num_groups": 2}, (2,))]
CASES = []
for kind, shape, extra, gshape in _SETUPS:
    attrs = dict(extra, kind=kind)
    stats = _stats(kind, shape, extra.get("num_groups", 1), extra.get("axis", -1))
    base = [_u(*shape), _u(*shape), _u(*gshape) + 1.5, _u(*stats), _u(*stats)]
    CASES.append(Case("_backward_Norm", base, norm_backward_ref, attrs=attrs,
                      name="_backward_Norm_%s_%s" % (kind, shape), atol=1e-4))
    CASES.append(Case("_backward_Norm_gradient", base + [_u(*shape), _u(*gshape), _u(*gshape)],
                      norm_backward_gradient_ref, attrs=attrs, grad=False, rtol=1e-3, atol=1e-4,
                      name="_backward_Norm_gradient_%s_%s" % (kind, shape)))


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


@pytest.mark.parametrize("op,attrs,gshape", [("LayerNorm", {"axis": 1}, (3,)),
                                              ("GroupNorm", {"num_groups": 3}, (3,))])
def test_second_order_through_normalisation(ctx, op, attrs, gshape):
    """d/dx of sum(head * dL/dx), L = sum(w * norm(x)^3), against central differences."""
    rng = np.random.RandomState(4)
    x0 = rng.uniform(-1, 1, (2, 3, 2))
    w, head = rng.uniform(-1, 1, (2, 3, 2)), rng.uniform(-1, 1, (2, 3, 2))
    gamma, beta = rng.uniform(0.5, 1.5, gshape), rng.uniform(-1, 1, gshape)

    def value(xv, record):
        x = nd.array(xv, ctx=ctx, dtype=np.float64)
        x.attach_grad()
        with autograd.record():
            y = getattr(nd, op)(x, nd.array(gamma, ctx=ctx, dtype=np.float64),
                                nd.array(beta, ctx=ctx, dtype=np.float64), **attrs)
            loss = (nd.array(w, ctx=ctx, dtype=np.float64) * y * y * y).sum()
            gx, = autograd.grad(loss, [x], create_graph=True)
            z = (gx * nd.array(head, ctx=ctx, dtype=np.float64)).sum()
        if record:
            z.backward()
        return x, z.asscalar()

    x, _ = value(x0, True)
    numeric = np.zeros_like(x0)
    for i in np.ndindex(*x0.shape):
        plus, minus = x0.copy(), x0.copy()
        plus[i] += 1e-5
        minus[i] -= 1e-5
        numeric[i] = (value(plus, False)[1] - value(minus, False)[1]) / 2e-5
    np.testing.assert_allclose(x.grad.asnumpy(), numeric, rtol=1e-4, atol=1e-6)
