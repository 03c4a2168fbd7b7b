"""SoftmaxOutput and the regression outputs: forward predictions, and the loss gradients their
backward kernels produce (the incoming gradient is ignored, the label gets none)."""
import numpy as np
import pytest

from mxnb import nd, autograd
from .harness import Case, run_case, check_forward

R = np.random.RandomState(3)


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _softmax_output_ref(data, label, multi_output=False, preserve_shape=False, **attrs):
    if multi_output:
        return _softmax(data, 1)
    if preserve_shape:
        return _softmax(data, -1)
    return _softmax(data.reshape(data.shape[0], -1), 1).reshape(data.shape)


def _softmax_output_grad(data, label, grad_scale=1.0, ignore_label=-1.0, multi_output=False,
                         use_ignore=False, normalization="null", **attrs):
    """MXNet 1.9.1's gradient, checked against it: (p - one_hot) * grad_scale / normaliser."""
    if multi_output:
        p = _softmax(data, 1)
        onehot = np.moveaxis(np.eye(data.shape[1])[label.astype(int)], -1, 1)
        positions = label.size // label.shape[0]
    else:
        p = _softmax(data, -1)
        onehot = np.eye(data.shape[-1])[label.astype(int)]
        positions = 1
    grad = p - onehot
    valid = label.size
    if use_ignore:
        keep = label != ignore_label
        grad = grad * (np.expand_dims(keep, 1) if multi_output else keep[..., None])
        valid = keep.sum()
    norm = {"null": positions, "batch": label.size, "valid": max(valid, 1)}[normalization]
    return grad * grad_scale / norm


def _regression_grad(kind):
    def grad(data, label, grad_scale=1.0):
        out = 1 / (1 + np.exp(-data)) if kind == "logistic" else data
        diff = out - label.reshape(out.shape)
        if kind == "mae":
            diff = np.sign(diff)
        return diff * grad_scale / (label.size // label.shape[0])
    return grad


def _check_loss_gradient(expected):
    """A check: the forward against the reference, then data's gradient against `expected`
    whatever head gradient is given, and no gradient for the label."""
    def check(case, ctx):
        check_forward(case, ctx)
        data = nd.array(case.inputs[0], ctx=ctx)
        label = nd.array(case.inputs[1], ctx=ctx)
        data.attach_grad()
        label.attach_grad()
        with autograd.record():
            out = getattr(nd, case.op)(data, label, **case.attrs)
        out.backward(nd.ones_like(out) * 3)  # ignored by loss layers
        want = expected(case.inputs[0].astype(np.float32), case.inputs[1], **case.attrs)
        np.testing.assert_allclose(data.grad.asnumpy(), want, rtol=1e-4, atol=1e-6)
        assert not label.grad.asnumpy().any()
    return check


def _labels(high, *shape):
    return R.randint(0, high, shape).astype(np.float64)


CASES = []
for attrs, shape, label in [
        ({}, (4, 5), _labels(5, 4)),
        ({"grad_scale": 2.0, "normalization": "batch"}, (4, 5), _labels(5, 4)),
        ({"use_ignore": True, "ignore_label": 1, "normalization": "valid"}, (6, 3),
         np.array([0, 1, 2, 1, 0, 2.0])),
        ({"multi_output": True}, (2, 3, 4), _labels(3, 2, 4)),
        ({"multi_output": True, "normalization": "batch"}, (2, 3, 2, 2), _labels(3, 2, 2, 2)),
        ({"preserve_shape": True}, (2, 3, 4), _labels(4, 2, 3))]:
    CASES.append(Case("SoftmaxOutput", [R.randn(*shape), label], _softmax_output_ref, attrs=attrs,
                      check=_check_loss_gradient(_softmax_output_grad),
                      name="SoftmaxOutput_%s" % "_".join(map(str, attrs.values())) if attrs else None))

for op, kind, forward in [("LinearRegressionOutput", "linear", lambda d: d),
                          ("LogisticRegressionOutput", "logistic", lambda d: 1 / (1 + np.exp(-d))),
                          ("MAERegressionOutput", "mae", lambda d: d)]:
    ref = (lambda f: lambda data, label, grad_scale=1.0: f(data))(forward)
    CASES.append(Case(op, [R.randn(3, 4), R.randn(3, 4)], ref, attrs={"grad_scale": 1.5},
                      check=_check_loss_gradient(_regression_grad(kind))))
    CASES.append(Case(op, [R.randn(3, 1), R.randn(3)], ref, check=_check_loss_gradient(
        _regression_grad(kind)), name=op + "_label_1d"))

_P = _softmax(R.randn(4, 5), 1)
CASES += [
    Case("_backward_SoftmaxOutput", [R.randn(4, 5), _P, _labels(5, 4)],
         lambda og, p, label, **a: _softmax_output_grad(np.log(p), label, **a),
         attrs={"grad_scale": 0.5}, grad=False),
    Case("_backward_linear_reg_out", [R.randn(3, 4), R.randn(3, 4)],
         lambda out, label, grad_scale: (out - label) * grad_scale / 4, attrs={"grad_scale": 2.0},
         grad=False),
    Case("_backward_logistic_reg_out", [R.rand(3, 2), R.rand(3, 2)],
         lambda out, label: (out - label) / 2, grad=False),
    Case("_backward_mae_reg_out", [R.randn(3, 2), R.randn(3, 2)],
         lambda out, label: np.sign(out - label) / 2, grad=False),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


def test_softmax_output_alias_and_label_inference():
    from mxnb.ops import registry
    op = registry.get("Softmax")
    assert op.name == "SoftmaxOutput"
    attrs = op.parse_attrs({})
    assert op.infer_shape(attrs, [(8, 10), None]) == ([(8, 10), (8,)], [(8, 10)])
    attrs = op.parse_attrs({"multi_output": True})
    assert op.infer_shape(attrs, [(8, 10, 3, 3), None])[0][1] == (8, 3, 3)
