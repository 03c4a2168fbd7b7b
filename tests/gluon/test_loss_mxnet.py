"""Every loss of gluon.loss against real MXNet 1.9.1 (tests/data/losses.npz, written by
tests/data/make_losses.py): values and the gradient with respect to pred, with weight,
sample_weight, batch_axis and each loss's options; imperative and hybridized."""
import json
import pathlib

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd

_DATA = np.load(pathlib.Path(__file__).parent.parent / "data" / "losses.npz")
_NAMES = sorted({k.split("/")[0] for k in _DATA.files})


def _inputs(name):
    arrays, i = [], 0
    while "%s/in%d" % (name, i) in _DATA.files:
        arrays.append(_DATA["%s/in%d" % (name, i)])
        i += 1
    return arrays


def _extras(name):
    """Optional inputs in positional order; None where the case leaves one out."""
    found = {}
    for key in _DATA.files:
        if key.startswith(name + "/extra"):
            index, _ = key[len(name) + 6:].split("_", 1)
            found[int(index)] = _DATA[key]
    return [found.get(i) for i in range(max(found) + 1)] if found else []


def _cls(name):
    return json.loads(str(_DATA["%s/spec" % name]))[0]


# SDMLLoss is imperative only, as in MXNet (test_sdml_refuses_hybridization)
_RUNS = [(n, h) for n in _NAMES for h in (False, True) if not (h and _cls(n) == "SDMLLoss")]


@pytest.mark.parametrize("name,hybridize", _RUNS)
def test_loss_matches_mxnet(name, hybridize):
    cls, kwargs = json.loads(str(_DATA["%s/spec" % name]))
    loss_fn = getattr(mx.gluon.loss, cls)(**kwargs)
    if hybridize:
        loss_fn.hybridize()
    arrays = [nd.array(a) for a in _inputs(name)]
    extras = [None if v is None else nd.array(v) for v in _extras(name)]
    arrays[0].attach_grad()
    with autograd.record():
        loss = loss_fn(*arrays, *extras)
    loss.backward()
    np.testing.assert_allclose(loss.asnumpy(), _DATA["%s/loss" % name], rtol=1e-4, atol=1e-5)
    if "%s/grad" % name in _DATA.files:
        np.testing.assert_allclose(arrays[0].grad.asnumpy(), _DATA["%s/grad" % name],
                                   rtol=1e-4, atol=1e-5)


def test_sdml_refuses_hybridization():
    loss = mx.gluon.loss.SDMLLoss()
    loss.hybridize()
    with pytest.raises(mx.MXNetError, match="imperatively"):
        loss(nd.ones((2, 3)), nd.ones((2, 3)))


def test_loss_argument_errors():
    with pytest.raises(mx.MXNetError, match="layout"):
        mx.gluon.loss.CTCLoss(layout="TCN")
    with pytest.raises(mx.MXNetError, match="label_format"):
        mx.gluon.loss.LogisticLoss(label_format="probability")
    with pytest.raises(mx.MXNetError, match="weight must be a number"):
        mx.gluon.loss.L1Loss(weight=nd.ones(1))(nd.ones((2, 2)), nd.ones((2, 2)))
