"""Constant folding."""
import numpy as np

import mxnb as mx
from mxnb.graph.node import topo_sort
from mxnb.graph.passes.fold import constant_nodes
from mxnb.graph.program import Program
from mxnb.graph.optimize import Optimizer


def _names(sym, ids):
    return sorted(n.op.name for n in topo_sort(sym._outputs) if id(n) in ids)


def test_what_depends_on_no_input_is_constant():
    x = mx.sym.var("x")
    c = mx.sym.ones((3,)) * 2.0 + mx.sym.arange(3)
    y = mx.sym.broadcast_add(x, c)
    assert _names(y, constant_nodes(topo_sort(y._outputs))) == ["_arange", "_mul_scalar", "_ones",
                                                                 "elemwise_add"]


def test_samplers_and_unknown_shapes_are_not_constant():
    x = mx.sym.var("x")
    y = mx.sym.broadcast_add(x, mx.sym.random.uniform(shape=(3,))) + mx.sym.zeros((0, 3))
    assert constant_nodes(topo_sort(y._outputs)) == set()


def test_constants_are_computed_once_per_context_and_give_the_same_values():
    x = mx.sym.var("x")
    y = mx.sym.broadcast_mul(x, mx.sym.exp(mx.sym.ones((3,))))
    block = mx.gluon.SymbolBlock(y, [x])
    block.hybridize()
    data = mx.nd.array(np.arange(6).reshape(2, 3))
    first = block(data).asnumpy()
    optimizer = block._cached_op.optimizer
    assert [s.op.name for s in optimizer.constant_steps] == ["_ones", "exp"]
    assert [s.op.name for s in optimizer.forward_steps] == ["broadcast_mul"]
    second = block(data).asnumpy()
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, np.arange(6, dtype="f").reshape(2, 3) * np.exp(np.ones(3, "f")))


def test_a_constant_output_is_a_fresh_array_every_call():
    x = mx.sym.var("x")
    y = mx.sym.Group([x * 1.0, mx.sym.ones((2,)) * 3.0])
    block = mx.gluon.SymbolBlock(y, [x])
    block.hybridize()
    _, c1 = block(mx.nd.ones((2,)))
    c1[:] = 0
    _, c2 = block(mx.nd.ones((2,)))
    np.testing.assert_array_equal(c2.asnumpy(), [3.0, 3.0])


def test_optimizer_removes_constants_from_every_run():
    y = mx.sym.var("x") + mx.sym.ones((2,))
    optimizer = Optimizer(Program(y._outputs, optimize=True))
    assert optimizer.removed == {"duplicates": 0, "constants": 1}
