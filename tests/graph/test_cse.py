"""Common-subexpression elimination."""
import mxnb as mx
from mxnb.graph.passes.cse import find_duplicates
from mxnb.graph.node import topo_sort
from mxnb.graph.program import Program


def test_a_repeated_expression_is_computed_once():
    x = mx.sym.var("x")
    y = mx.sym.exp(x * 2.0) + mx.sym.exp(x * 2.0)
    nodes = topo_sort(y._outputs)
    dups = find_duplicates(nodes)
    names = sorted(n.op.name for n in nodes if id(n) in dups)
    assert names == ["_mul_scalar", "exp"]
    program = Program(y._outputs, optimize=True)
    ops = [s.op.name for s in program.forward if id(s.node) not in program.duplicates]
    assert ops == ["_mul_scalar", "exp", "elemwise_add"]
    assert len(program.forward) == 5          # every node keeps a step (for hooks)


def test_different_attributes_or_inputs_are_not_merged():
    x, z = mx.sym.var("x"), mx.sym.var("z")
    y = (x * 2.0) + (x * 3.0) + (z * 2.0) + mx.sym.tanh(x * 4.0 + 1.0)
    assert find_duplicates(topo_sort(y._outputs)) == {}


def test_random_and_stateful_operators_are_never_merged():
    x = mx.sym.var("x")
    y = mx.sym.Dropout(x, p=0.5) + mx.sym.Dropout(x, p=0.5)
    y = y + mx.sym.random.uniform(shape=(2,)) + mx.sym.random.uniform(shape=(2,))
    assert find_duplicates(topo_sort(y._outputs)) == {}


def test_a_merged_node_runs_once_per_call():
    x = mx.sym.var("x")
    y = mx.sym.tanh(x) * mx.sym.tanh(x)
    op = mx.gluon.SymbolBlock(y, [x])
    op.hybridize()
    out = op(mx.nd.ones((2,)))
    optimizer = op._cached_op.optimizer
    assert [s.op.name for s in optimizer.forward_steps] == ["tanh", "elemwise_mul"]
    assert abs(out.asnumpy() - mx.nd.tanh(mx.nd.ones((2,))).asnumpy() ** 2).max() == 0
