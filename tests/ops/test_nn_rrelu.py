"""LeakyReLU's rrelu (randomised leaky ReLU): the mean slope outside training, random slopes
within the bounds in training (returned as the mask) and the gradient through those slopes."""
import numpy as np

import mxnb as mx
from mxnb import nd, autograd
from .harness import Case, run_case

_X = np.array([[-1.0, 2.0, -3.0, 0.5], [-0.2, -4.0, 1.5, -0.7]])
_ATTRS = {"act_type": "rrelu", "lower_bound": 0.1, "upper_bound": 0.3}


def _check_rrelu(case, ctx):
    x = nd.array(_X, ctx=ctx)
    out, mask = nd.LeakyReLU(x, **_ATTRS)                    # predict mode: the mean slope
    np.testing.assert_allclose(out.asnumpy(), np.where(_X > 0, _X, 0.2 * _X), rtol=1e-6)
    assert (mask.asnumpy() == 0).all()
    x.attach_grad()
    mx.random.seed(9)
    with autograd.record():
        out, mask = nd.LeakyReLU(x, **_ATTRS)
    head = np.arange(1.0, 9.0).reshape(2, 4)
    out.backward(nd.array(head, ctx=ctx))
    slopes = mask.asnumpy()
    assert ((slopes >= 0.1) & (slopes < 0.3)).all() and len(np.unique(slopes)) == slopes.size
    np.testing.assert_allclose(out.asnumpy(), np.where(_X > 0, _X, slopes * _X), rtol=1e-6)
    np.testing.assert_allclose(x.grad.asnumpy(), head * np.where(_X > 0, 1, slopes), rtol=1e-6)
    s = mx.sym.LeakyReLU(mx.sym.var("x"), name="r", **_ATTRS)
    assert s.list_outputs() == ["r_output", "r_mask"]                 # as MXNet 1.9.1


CASES = [Case("LeakyReLU", [_X], attrs=_ATTRS, check=_check_rrelu, name="LeakyReLU_rrelu")]


def test_rrelu(ctx):
    run_case(CASES[0], ctx)
