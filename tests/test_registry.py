"""mx.registry (MXNet's register/alias/create functions by base class), sharing the registries of
the optimizers, initializers and metrics; mx.init.create reads every config form MXNet's does."""
import json

import pytest

import mxnb as mx
from mxnb.base import MXNetError


class _Shape:
    def __init__(self, side=1.0):
        self.side = side


def test_register_alias_create_for_a_new_base_class():
    register = mx.registry.get_register_func(_Shape, "shape")
    alias = mx.registry.get_alias_func(_Shape, "shape")
    create = mx.registry.get_create_func(_Shape, "shape")

    @alias("box", "hexahedron")
    @register
    class Cube(_Shape):
        pass

    register(_Shape, name="Plain")
    table = mx.registry.get_registry(_Shape)
    assert table["cube"] is Cube and table["box"] is Cube and table["plain"] is _Shape
    assert create("HEXAHEDRON", side=2.0).side == 2.0
    assert create('{"shape": "cube", "side": 3.0}').side == 3.0
    made = Cube()
    assert create(made) is made
    with pytest.raises(MXNetError):
        register(int)                   # not a _Shape
    with pytest.raises(AssertionError):   # MXNet asserts a registered name
        create("sphere")


def test_the_registries_of_optimizers_initializers_and_metrics_are_shared():
    assert mx.registry.get_registry(mx.optimizer.Optimizer)["sgd"] is mx.optimizer.SGD
    create = mx.registry.get_create_func(mx.initializer.Initializer, "initializer")
    assert isinstance(create("xavier"), mx.init.Xavier)
    assert "acc" in mx.registry.get_registry(mx.metric.EvalMetric)
    assert mx.registry.get_registry(float) == {}


@pytest.mark.parametrize("config", [
    lambda: mx.init.Normal(0.3).dumps(),
    lambda: json.dumps({"initializer": "normal", "sigma": 0.3}),
    lambda: {"initializer": "normal", "sigma": 0.3},
])
def test_init_create_reads_every_config_form(config):
    made = mx.init.create(config())
    assert isinstance(made, mx.init.Normal) and made.sigma == 0.3
