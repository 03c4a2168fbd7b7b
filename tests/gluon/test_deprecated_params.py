"""Block.save_params / load_params: deprecated, with MXNet 1.9.1's warnings."""
import numpy as np
import pytest

import mxnb as mx


def test_save_params_warns_with_mxnets_link_and_round_trips(tmp_path):
    net = mx.gluon.nn.Dense(2, in_units=3)
    net.initialize()
    fname = str(tmp_path / "dense.params")
    with pytest.warns(UserWarning,
                      match=r"https://mxnet\.apache\.org/tutorials/gluon/save_load_params\.html"):
        net.save_params(fname)
    other = mx.gluon.nn.Dense(2, in_units=3)
    other.initialize()
    with pytest.warns(UserWarning, match="load_params is deprecated. Please use load_parameters"):
        other.load_params(fname)
    np.testing.assert_array_equal(other.weight.data().asnumpy(), net.weight.data().asnumpy())
