"""Arguments outside their domain raise an MXNetError naming the operator (or layer), the
argument, its value and what is allowed, where they are given: never garbage, a NumPy error, or
a failure blamed on deferred initialisation (issue 6)."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd, gluon
from mxnb.base import MXNetError
from mxnb.gluon import nn
from mxnb.ops import registry


def _x(*shape):
    return nd.array(np.arange(np.prod(shape), dtype=np.float32).reshape(shape))


@pytest.mark.parametrize("call, words", [
    (lambda: nd.Convolution(_x(1, 1, 5, 5), nd.ones((2, 1, 3, 3)), nd.zeros(2), kernel=(3, 3),
                            num_filter=2, dilate=(0, 0)), ["Convolution", "dilate", ">= 1"]),
    (lambda: nd.Convolution(_x(1, 1, 5, 5), nd.ones((2, 1, 3, 3)), nd.zeros(2), kernel=(3, 3),
                            num_filter=2, stride=(0, 1)), ["Convolution", "stride", ">= 1"]),
    (lambda: nd.Convolution(_x(1, 1, 5, 5), nd.ones((2, 1, 3, 3)), nd.zeros(2), kernel=(3, 3),
                            num_filter=2, pad=(-1, 0)), ["Convolution", "pad", ">= 0"]),
    (lambda: nd.Convolution(_x(1, 1, 5, 5), nd.ones((2, 1, 3, 3)), nd.zeros(2), kernel=(3, 3),
                            num_filter=2, stride=(1, 1, 1)), ["Convolution", "stride", "kernel"]),
    (lambda: nd.Convolution(_x(1, 1, 2, 2), nd.ones((2, 1, 3, 3)), nd.zeros(2), kernel=(3, 3),
                            num_filter=2), ["Convolution", "larger than the padded input"]),
    (lambda: nd.Pooling(_x(1, 1, 4, 4), kernel=(2, 2), pad=(2, 2)), ["Pooling", "pad", "smaller"]),
    (lambda: nd.Pooling(_x(1, 1, 4, 4), kernel=(2, 2), stride=(0, 0)), ["Pooling", "stride"]),
    (lambda: nd.Pooling(_x(1, 1, 2, 2), kernel=(3, 3)), ["Pooling", "larger than the padded input"]),
    (lambda: nd.Dropout(_x(2, 2), p=1.5), ["Dropout", "p=1.5", "<= 1"]),
    (lambda: nd.Dropout(_x(2, 2), p=-0.5), ["Dropout", "p=-0.5", ">= 0"]),
    (lambda: nd.one_hot(nd.array([0, 1]), depth=-1), ["one_hot", "depth=-1", ">= 0"]),
    (lambda: nd.FullyConnected(_x(2, 3), nd.ones((1, 3)), nd.zeros(1), num_hidden=0),
     ["FullyConnected", "num_hidden=0", ">= 1"]),
    (lambda: nd.zeros((2, -1)), ["_zeros", "shape", ">= 0"]),
    (lambda: nd.tile(_x(2), reps=(0,)), ["tile", "reps"]),
    (lambda: nd.norm(_x(2), ord=3), ["norm", "ord=3"]),
    (lambda: nd.slice(_x(4), begin=(0,), end=(4,), step=(0,)), ["slice", "step"]),
    (lambda: nd.arange(0, 5, 0), ["arange", "step"]),
])
def test_operator_argument_outside_its_domain_raises(call, words):
    with pytest.raises(MXNetError) as info:
        call()
    for word in words:
        assert word in str(info.value), (word, str(info.value))


@pytest.mark.parametrize("make, words", [
    (lambda: nn.Dense(0), ["Dense(0)", "num_hidden=0"]),
    (lambda: nn.Dense(-3), ["Dense(-3)", "num_hidden=-3"]),
    (lambda: nn.Conv2D(4, kernel_size=0), ["Conv2D", "kernel=(0, 0)"]),
    (lambda: nn.Conv2D(4, kernel_size=3, dilation=0), ["Conv2D", "dilate"]),
    (lambda: nn.MaxPool2D(pool_size=2, padding=2), ["MaxPool2D", "pad"]),
    (lambda: nn.Dropout(1.5), ["Dropout", "p=1.5"]),
    (lambda: nn.Embedding(0, 4), ["Embedding", "input_dim=0"]),
])
def test_layer_with_bad_arguments_fails_at_construction_naming_the_layer(make, words):
    with pytest.raises(MXNetError) as info:
        make()
    assert "deferred" not in str(info.value)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_simple_bind_refuses_an_unknown_grad_req():
    s = mx.sym.var("x") * 2
    with pytest.raises(MXNetError, match="grad_req.*'bogus'"):
        s.simple_bind(mx.cpu(), grad_req="bogus", x=(2,))
    with pytest.raises(MXNetError, match="grad_req.*'bogus'"):
        s.simple_bind(mx.cpu(), grad_req={"x": "bogus"}, x=(2,))


def test_mark_variables_refuses_lists_of_different_lengths():
    with pytest.raises(MXNetError, match="2 variables, 1 gradients"):
        autograd.mark_variables([nd.ones(2), nd.ones(2)], [nd.zeros(2)])


@pytest.mark.parametrize("batch_size", [0, -2])
def test_trainer_step_refuses_a_batch_size_that_is_not_positive(batch_size):
    net = nn.Dense(2, in_units=2)
    net.initialize()
    trainer = gluon.Trainer(net.collect_params(), "sgd")
    with pytest.raises(MXNetError, match="batch_size must be a positive number"):
        trainer.step(batch_size)


def test_values_inside_the_domain_still_work():
    y = nd.Pooling(_x(1, 1, 4, 4), kernel=(2, 2), pad=(1, 1), pool_type="avg")
    assert y.shape == (1, 1, 5, 5)
    assert nd.Dropout(_x(2, 2), p=1.0).shape == (2, 2)
    assert nd.one_hot(nd.array([0, 1]), depth=0).shape == (2, 0)
    net = nn.Dense(3)
    net.initialize()
    assert net(_x(2, 5)).shape == (2, 3)


def count_declared_domains():
    """(numeric parameters with a declared range, all parameters with a declared domain of any
    kind: range, choice list, bool, dtype), over every registered operator."""
    ranged = typed = 0
    for op in registry.all_operators().values():
        for param in op.params.values():
            ranged += param.check is not None
            typed += param.check is not None or bool(param.domain)
    return ranged, typed


def test_every_declared_domain_says_what_it_allows():
    ranged, typed = count_declared_domains()
    assert ranged >= 60
    for op in registry.all_operators().values():
        for key, param in op.params.items():
            if param.check is not None:
                assert param.domain, (op.name, key)


if __name__ == "__main__":
    print("parameters with a declared range: %d; with any declared domain: %d; "
          "operators with check_attrs: %d" % (count_declared_domains() + (
              sum(op.check_attrs is not None for op in registry.all_operators().values()),)))


def test_errors_are_runtime_errors_as_mxnets():
    # MXNet 1.9.1's MXNetError is a RuntimeError: code that catches RuntimeError catches ours
    with pytest.raises(RuntimeError) as info:
        nd.ones((2, 3)) + nd.ones((4,))
    assert isinstance(info.value, MXNetError) and isinstance(info.value, ValueError)
