"""Live NDArray memory attributed to layers and operators, now and at the peak: the core counts
each new array under the layer running and the operator that made it, only while asked to."""
import gc

import pytest

import mxnb as mx
from mxnb import autograd, instrument, nd
from mxnb.gluon import nn
from mxnb.notebook.attribution import breakdown, watch_layers
from mxnb.notebook.dashboard import Dashboard


@pytest.fixture
def dash():
    gc.collect()
    d = Dashboard(start=False, attribution=True)
    yield d
    d.close()


def _net():
    net = nn.Sequential()
    net.add(nn.Dense(64, activation="relu"), nn.Dense(3))
    net.initialize()
    return net


def test_arrays_are_counted_under_their_layer_and_operator(dash):
    net = _net()
    watch = watch_layers(net)
    x = nd.ones((128, 10))
    kept = []
    for _ in range(3):
        with autograd.record():
            kept.append(net(x))
    dense, relu = net[0].name, net[0].act.name        # dense<k>, dense<k>_relu
    now = dict(breakdown()["layers"])
    # three (128, 64) float32 outputs of the first layer's relu live (relu's gradient reads them);
    # its FullyConnected's outputs were given back (its gradient reads only its inputs)
    assert now[relu] >= 3 * 128 * 64 * 4
    assert now.get(dense, 0) < 128 * 64 * 4
    ops = dict(dash.refresh()["attribution"]["operators"])
    assert ops["Activation"] >= 3 * 128 * 64 * 4 and ops["_ones"] == 128 * 10 * 4
    del kept
    gc.collect()
    snap = dash.refresh()["attribution"]
    assert dict(snap["layers"]).get(relu, 0) == 0                 # given back
    peak = dict(snap["peak"]["layers"])
    assert peak[relu] >= 3 * 128 * 64 * 4                         # remembered at the peak
    dash.reset_peaks()
    assert dash.refresh()["attribution"]["peak"]["bytes"] == snap["bytes"]
    watch.detach()
    y = nd.ones((5,))
    assert instrument.set_layer("") == ""                          # no layer after detach
    del y


def test_attribution_is_off_unless_a_dashboard_asks():
    gc.collect()
    plain = Dashboard(start=False)
    try:
        assert not instrument.attributing
        assert "attribution" not in plain.refresh()
    finally:
        plain.close()
    with_it = Dashboard(start=False, attribution=True)
    assert instrument.attributing
    with_it.close()
    assert not instrument.attributing and not instrument.tracking
