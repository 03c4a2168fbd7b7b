"""ops.params.inserted: an attribute added to a shared set at MXNet's position (positional
attributes follow the declaration order)."""
import pytest

from mxnb.ops import registry
from mxnb.ops.params import Float, inserted


def test_the_attribute_goes_just_before_the_one_named_and_the_set_is_not_changed():
    base = {"lr": Float(0.1), "wd": Float(0.0)}
    got = inserted(base, "momentum", Float(0.0), before="wd")
    assert list(got) == ["lr", "momentum", "wd"]
    assert list(base) == ["lr", "wd"]
    with pytest.raises(KeyError, match="'beta' is not among the attributes"):
        inserted(base, "momentum", Float(0.0), before="beta")


@pytest.mark.parametrize("name, order", [
    ("sgd_mom_update", ["lr", "momentum", "wd"]),
    ("rmspropalex_update", ["gamma1", "gamma2", "epsilon"]),
    ("SequenceMask", ["use_sequence_length", "value", "axis"]),
    ("col2im", ["output_size", "kernel"]),
    ("_linalg_gemm", ["alpha", "beta", "axis"]),
    ("_contrib_ModulatedDeformableConvolution", ["im2col_step", "layout"]),
])
def test_operators_declare_the_added_attribute_in_mxnet_order(name, order):
    params = list(registry.get(name).params)
    at = params.index(order[0])
    assert params[at:at + len(order)] == order
