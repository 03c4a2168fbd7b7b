"""Control-flow symbols (foreach / while_loop / cond) in MXNet 1.x's JSON: written with their
bodies as "subgraphs", read back (also MXNet 1.9.1's own files, tests/data/
mxnet191_control_flow_*-symbol.json from make_control_flow_json.py), the names MXNet gives
them, and shape inference with an unknown loop length. Expected values are NumPy loops."""
import collections
import json
import os

import numpy as np
import pytest

import mxnb as mx
from mxnb import gluon, nd, sym
from mxnb.base import MXNetError

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
RNG = np.random.RandomState(7)


def _fixture(name):
    return sym.load(os.path.join(DATA, "mxnet191_control_flow_%s-symbol.json" % name))


def _run(symbol, **arrays):
    outs = symbol.eval(ctx=mx.cpu(), **{k: nd.array(v) for k, v in arrays.items()})
    return [o.asnumpy() for o in outs]


def _round_trip(symbol):
    """The symbol read back from its JSON, checking the JSON is stable."""
    text = symbol.tojson()
    again = sym.load_json(text)
    assert again.tojson() == text
    return again


# --- NumPy references ---------------------------------------------------------------------------
def _np_foreach(x, h, w):
    """out_t = 2 x_t + h;  h <- h + x_t * w."""
    outs = []
    for t in range(x.shape[0]):
        outs.append(2 * x[t] + h)
        h = h + x[t] * w
    return np.stack(outs), h


def _np_foreach_nested(x, h):
    """Outer over x_t: inner over the rows r of x_t (o = 2 r + s; s <- o, from s = h); the
    outer output is the inner outputs + h, the new h the inner loop's last state."""
    outs = []
    for t in range(x.shape[0]):
        s, inner = h, []
        for row in x[t]:
            s = 2 * row + s
            inner.append(s)
        outs.append(np.stack(inner) + h)
        h = s
    return np.stack(outs), h


def _np_while_loop(i, s, n, c, cap=6):
    """While i < n (at most cap steps): output s * c; (i, s) <- (i + 1, s + i); outputs padded
    with zeros to cap steps."""
    outs = []
    while len(outs) < cap and i[0] < n[0]:
        outs.append(s * c)
        i, s = i + 1, s + i
    padded = np.zeros((cap,) + s.shape)
    if outs:
        padded[:len(outs)] = outs
    return padded, i, s


def _np_cond(a, b, c):
    return a + b if a.sum() > b.sum() else a * c - b


# --- tests --------------------------------------------------------------------------------------
def _foreach_group():
    x, h, w = sym.var("x"), sym.var("h"), sym.var("w")
    out, states = sym.contrib.foreach(lambda d, s: (d * 2 + s[0], [s[0] + d * w]), x, [h])
    return sym.Group([out] + states)


def test_foreach_json_has_mxnet_subgraphs_and_round_trips():
    with mx.name.NameManager():
        group = _foreach_group()
    node = json.loads(group.tojson())["nodes"][-1]
    assert node["op"] == "_foreach"
    assert [key for key in ("in_data_locs", "in_state_locs", "remain_locs", "num_out_data",
                            "num_outputs") if key in node["attrs"]] == [
        "in_data_locs", "in_state_locs", "remain_locs", "num_out_data", "num_outputs"]
    body = node["subgraphs"][0]
    assert set(body) >= {"nodes", "arg_nodes", "heads"} and len(body["heads"]) == 2
    assert group.list_outputs() == ["_foreach0_output0", "_foreach0_output1"]
    x, h, w = RNG.uniform(-1, 1, (4, 3)), RNG.uniform(-1, 1, 3), RNG.uniform(-1, 1, 3)
    want = _np_foreach(x, h, w)
    for symbol in (group, _round_trip(group)):
        for got, ref in zip(_run(symbol, x=x, h=h, w=w), want):
            np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


def test_reloaded_foreach_gradient_matches_numpy():
    group = _round_trip(_foreach_group())
    steps = 4
    x, h, w = RNG.uniform(-1, 1, (steps, 3)), RNG.uniform(-1, 1, 3), RNG.uniform(-1, 1, 3)
    args = {"x": nd.array(x), "h": nd.array(h), "w": nd.array(w)}
    grads = {k: nd.zeros(v.shape) for k, v in args.items()}
    exe = group.bind(mx.cpu(), args, args_grad=grads)
    outs = exe.forward(is_train=True)
    exe.backward([nd.ones(o.shape) for o in outs])
    # L = sum(outputs) + sum(h_final): x_t reaches 2 (its output) and w once per later output
    # and the final state; h every output and the final state; w through x_t (T - t) times
    later = (steps - np.arange(steps))[:, None]
    np.testing.assert_allclose(grads["x"].asnumpy(), 2 + w * later, rtol=1e-5)
    np.testing.assert_allclose(grads["h"].asnumpy(), np.full(3, steps + 1.0), rtol=1e-5)
    np.testing.assert_allclose(grads["w"].asnumpy(), (x * later).sum(0), rtol=1e-5)


def test_nested_foreach_round_trips_and_evaluates():
    def inner(row, states):
        o = row * 2 + states[0]
        return o, [o]

    def outer(d, states):
        outs, last = sym.contrib.foreach(inner, d, states)
        return sym.broadcast_add(outs, states[0]), last

    out, states = sym.contrib.foreach(outer, sym.var("x"), [sym.var("h")])
    group = sym.Group([out] + states)
    inner_node = json.loads(group.tojson())["nodes"][-1]["subgraphs"][0]["nodes"]
    assert any(n["op"] == "_foreach" and "subgraphs" in n for n in inner_node)
    x, h = RNG.uniform(-1, 1, (3, 2, 4)), RNG.uniform(-1, 1, 4)
    for got, ref in zip(_run(_round_trip(group), x=x, h=h), _np_foreach_nested(x, h)):
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


def _while_group():
    i, s, n, c = sym.var("i"), sym.var("s"), sym.var("n"), sym.var("c")
    outs, final = sym.contrib.while_loop(lambda i, s: i < n,
                                         lambda i, s: ([s * c], [i + 1, s + i]),
                                         [i, s], max_iterations=6)
    return sym.Group(outs + final)


@pytest.mark.parametrize("n", [0.0, 3.0, 10.0])
def test_while_loop_round_trips_and_evaluates(n):
    group = _while_group()
    node = json.loads(group.tojson())["nodes"][-1]
    assert node["op"] == "_while_loop" and len(node["subgraphs"]) == 2
    arrays = {"i": np.array([0.0]), "s": np.array([1.5]), "n": np.array([n]),
              "c": np.array([2.0])}
    want = _np_while_loop(**arrays)
    for symbol in (group, _round_trip(group)):
        for got, ref in zip(_run(symbol, **arrays), want):
            np.testing.assert_allclose(got, ref, rtol=1e-6)


def _cond_symbol():
    a, b, c = sym.var("a"), sym.var("b"), sym.var("c")
    return sym.contrib.cond(sym.sum(a) > sym.sum(b), lambda: a + b, lambda: a * c - b)


def test_cond_round_trips_and_evaluates_both_branches():
    out = _cond_symbol()
    node = json.loads(out.tojson())["nodes"][-1]
    assert node["op"] == "_cond" and len(node["subgraphs"]) == 3
    reloaded = _round_trip(out)
    for shift in (2.0, -2.0):
        a, b, c = RNG.uniform(-1, 1, 3) + shift, RNG.uniform(-1, 1, 3), RNG.uniform(-1, 1, 3)
        for symbol in (out, reloaded):
            np.testing.assert_allclose(_run(symbol, a=a, b=b, c=c)[0], _np_cond(a, b, c),
                                       rtol=1e-5, atol=1e-6)


def test_mxnet_foreach_file_loads_and_runs():
    group = _fixture("foreach")
    assert group.list_arguments() == ["x", "h", "w"]
    x, h, w = RNG.uniform(-1, 1, (5, 2)), RNG.uniform(-1, 1, 2), RNG.uniform(-1, 1, 2)
    for got, ref in zip(_run(_round_trip(group), x=x, h=h, w=w), _np_foreach(x, h, w)):
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)
    _, out_shapes, _ = group.infer_shape(x=(5, 2), h=(2,), w=(2,))
    assert out_shapes == [(5, 2), (2,)]


def test_mxnet_nested_foreach_file_loads_and_runs():
    x, h = RNG.uniform(-1, 1, (2, 3, 2)), RNG.uniform(-1, 1, 2)
    for got, ref in zip(_run(_round_trip(_fixture("foreach_nested")), x=x, h=h),
                        _np_foreach_nested(x, h)):
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n", [2.0, 9.0])
def test_mxnet_while_loop_file_loads_and_runs(n):
    arrays = {"i": np.array([1.0]), "s": np.array([0.5]), "n": np.array([n]),
              "c": np.array([3.0])}
    group = _round_trip(_fixture("while_loop"))
    for got, ref in zip(_run(group, **arrays), _np_while_loop(**arrays)):
        np.testing.assert_allclose(got, ref, rtol=1e-6)


def test_mxnet_while_loop_file_keeps_mxnets_input_order_and_differentiates():
    group = _fixture("while_loop")
    assert group.list_arguments() == ["i", "n", "s", "c"]     # MXNet 1.9.1's order
    values = {"i": 1.0, "n": 4.0, "s": 0.5, "c": 3.0}
    args = {k: nd.array([v]) for k, v in values.items()}
    grads = {k: nd.zeros((1,)) for k in values}
    exe = _round_trip(group).bind(mx.cpu(), args, args_grad=grads)
    outs = exe.forward(is_train=True)
    exe.backward([nd.ones(o.shape) for o in outs])
    # i = 1, 2, 3 run: s_1 = s + i, s_2 = s_1 + i + 1, s_3 = s_2 + i + 2;
    # L = c (s + s_1 + s_2) + (i + 3) + s_3
    s, c = values["s"], values["c"]
    s1, s2 = s + 1, s + 1 + 2
    want = {"i": 3 * c + 4, "n": 0.0, "s": 3 * c + 1, "c": s + s1 + s2}
    for name, value in want.items():
        np.testing.assert_allclose(grads[name].asnumpy(), [value], rtol=1e-6, err_msg=name)


def test_mxnet_cond_file_loads_and_runs():
    out = _round_trip(_fixture("cond"))
    for shift in (2.0, -2.0):
        a, b, c = RNG.uniform(-1, 1, 4) + shift, RNG.uniform(-1, 1, 4), RNG.uniform(-1, 1, 4)
        np.testing.assert_allclose(_run(out, a=a, b=b, c=c)[0], _np_cond(a, b, c),
                                   rtol=1e-5, atol=1e-6)


def test_cond_predicate_subgraph_computing_its_value_is_evaluated():
    # MXNet's own files compute the predicate outside (its subgraph is an identity); a file
    # whose predicate subgraph computes sum(a) > sum(b) from the node's inputs reads the same
    with open(os.path.join(DATA, "mxnet191_control_flow_cond-symbol.json")) as f:
        graph = json.load(f)
    node = graph["nodes"][-1]
    variable = {"op": "null", "inputs": []}
    node["subgraphs"][0] = {
        "nodes": [dict(variable, name="pa"), {"op": "sum", "name": "s0", "inputs": [[0, 0, 0]]},
                  dict(variable, name="pb"), {"op": "sum", "name": "s1", "inputs": [[2, 0, 0]]},
                  {"op": "_greater", "name": "g", "inputs": [[1, 0, 0], [3, 0, 0]]}],
        "arg_nodes": [0, 2], "node_row_ptr": [0, 1, 2, 3, 4, 5], "heads": [[4, 0, 0]]}
    node["attrs"]["cond_input_locs"] = "[1, 2]"
    out = _round_trip(sym.load_json(json.dumps(graph)))
    for shift in (2.0, -2.0):
        a, b, c = RNG.uniform(-1, 1, 4) + shift, RNG.uniform(-1, 1, 4), RNG.uniform(-1, 1, 4)
        np.testing.assert_allclose(_run(out, a=a, b=b, c=c)[0], _np_cond(a, b, c),
                                   rtol=1e-5, atol=1e-6)


def _broken(mutate):
    """The foreach group's JSON with its control-flow node changed by `mutate`."""
    graph = json.loads(_foreach_group().tojson())
    mutate(graph["nodes"][-1])
    return json.dumps(graph)


@pytest.mark.parametrize("mutate, message", [
    (lambda node: node.pop("subgraphs"), "subgraphs"),
    (lambda node: node["attrs"].update(in_data_locs="[7]"), "in_data_locs"),
    (lambda node: node["attrs"].pop("in_state_locs"), "in_state_locs"),
    (lambda node: node["attrs"].update(num_out_data="3"), "num_out_data"),
])
def test_malformed_control_flow_json_names_the_node(mutate, message):
    with pytest.raises(MXNetError, match=message) as info:
        sym.load_json(_broken(mutate))
    assert "_foreach" in str(info.value)


def test_foreach_with_unknown_length_keeps_the_output_shape():
    data = sym.var("data", shape=(0, 3, 8, 8))
    outs, _ = sym.contrib.foreach(lambda d, s: (d + s[0], [s[0] * 2]), data, [sym.var("state")])
    _, out_shapes, _ = outs.infer_shape_partial()
    assert out_shapes == [(0, 3, 8, 8)]


def test_foreach_over_1d_data_steps_over_one_element_slices():
    out, states = sym.contrib.foreach(lambda d, s: ([d * s[0]], [s[0] * 2]), sym.var("x"),
                                      [sym.var("s")])
    group = sym.Group(out + states)
    x, s = np.arange(3.0), np.array([1.5])
    got = _run(group, x=x, s=s)
    np.testing.assert_allclose(got[0], (x * s * 2.0 ** np.arange(3))[:, None])
    np.testing.assert_allclose(got[1], s * 8)
    assert group.infer_shape(x=(3,), s=(1,))[1] == [(3, 1), (1,)]


def test_foreach_body_must_use_every_state():
    with pytest.raises(AssertionError, match="state"):
        sym.contrib.foreach(lambda d, s: (d, [d * 2]), sym.var("x"), [sym.var("h")])


def test_while_loop_func_must_use_every_loop_var():
    with pytest.raises(ValueError, match="2-th loop_var"):
        sym.contrib.while_loop(lambda i, s: i < 3, lambda i, s: ([i], [i + 1, i * 2]),
                               [sym.var("i"), sym.var("s")], max_iterations=4)


@pytest.fixture
def fresh_subgraph_names():
    saved = mx.attribute.AttrScope._subgraph_names
    mx.attribute.AttrScope._subgraph_names = collections.defaultdict(int)
    yield mx.attribute.AttrScope._subgraph_names
    mx.attribute.AttrScope._subgraph_names = saved


def _subgraph_names(symbol):
    names = set()

    def visit(graph):
        for node in graph["nodes"]:
            if "__subgraph_name__" in node.get("attrs", {}):
                names.add(node["attrs"]["__subgraph_name__"])
            for sub in node.get("subgraphs", []):
                visit(sub)
    visit(json.loads(symbol.tojson()))
    return names


def test_subgraph_names_are_counted_per_name(fresh_subgraph_names):
    a, b = sym.var("a"), sym.var("b")
    first = sym.contrib.cond(a > b, lambda: a + b, lambda: a - b, name="pick")
    second = sym.contrib.cond(a < b, lambda: a * b, lambda: a - b, name="pick")
    assert dict(fresh_subgraph_names) == {"pick_pred": 2, "pick_then": 2, "pick_else": 2}
    assert {"pick_then1", "pick_else1", "pick_pred1"} <= _subgraph_names(second)
    assert "pick_then0" in _subgraph_names(first)
    sym.contrib.while_loop(lambda i: i < 3, lambda i: ([i], [i + 1]), [a], max_iterations=3)
    assert fresh_subgraph_names["while_loop_cond"] == 1
    assert fresh_subgraph_names["while_loop_func"] == 1


def test_nested_subgraph_names_carry_the_enclosing_name(fresh_subgraph_names):
    def outer(d, states):
        outs, last = sym.contrib.foreach(lambda r, s: (r + s[0], [r + s[0]]), d, states)
        return outs, last

    out, states = sym.contrib.foreach(outer, sym.var("x"), [sym.var("h")])
    assert dict(fresh_subgraph_names) == {"foreach": 1, "foreach0$foreach": 1}
    assert {"foreach0", "foreach0$foreach0"} <= _subgraph_names(sym.Group([out] + states))


def test_hybridized_cond_counts_its_subgraph_names(fresh_subgraph_names):
    class Pick(gluon.HybridBlock):
        def hybrid_forward(self, F, data):
            return F.contrib.cond(data > 0.5, lambda: data * 2, lambda: data * 3,
                                  name="my_cond")

    data = nd.array([0.8])
    for _ in range(2):
        block = Pick()
        block.hybridize()
        np.testing.assert_allclose(block(data).asnumpy(), [1.6], rtol=1e-6)
    assert dict(fresh_subgraph_names) == {"my_cond_pred": 2, "my_cond_then": 2,
                                          "my_cond_else": 2}


def test_foreach_body_must_use_every_data_array():
    with pytest.raises(AssertionError, match="data 0 is not"):
        sym.contrib.foreach(lambda d, s: (s, s), sym.var("x"), [sym.var("h")])


def test_bad_while_loop_attribute_in_json_names_the_node():
    i, s = sym.var("i"), sym.var("s")
    outs, final = sym.contrib.while_loop(lambda i, s: i < 3, lambda i, s: ([i], [i + 1, s * 2]),
                                         [i, s], max_iterations=4)
    graph = json.loads(sym.Group(outs + final).tojson())
    node = next(n for n in graph["nodes"] if n["op"] == "_while_loop")
    node["attrs"]["max_iterations"] = "-1"
    with pytest.raises(MXNetError, match="max_iterations") as info:
        sym.load_json(json.dumps(graph))
    assert "symbol JSON node %r" % node["name"] in str(info.value)
