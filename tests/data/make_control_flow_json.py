"""Writes mxnet191_control_flow_{foreach,foreach_nested,while_loop,cond}-symbol.json: symbols with
MXNet 1.9.1's control-flow nodes (`_foreach`, `_while_loop`, `_cond`, their bodies as
"subgraphs"), saved with `sym.save`. tests/test_control_flow_json.py loads them in mxnb and
checks their results against NumPy loops written there.

Run with the MXNet venv:  /work/peers/mxnet/bin/python tests/data/make_control_flow_json.py
"""
import os

import mxnet as mx

HERE = os.path.dirname(os.path.abspath(__file__))
S = mx.sym


def foreach_symbol():
    # out_t = 2 x_t + h;  h <- h + x_t * w   (w read from outside the body)
    x, h, w = S.var("x"), S.var("h"), S.var("w")
    out, states = S.contrib.foreach(lambda d, s: (d * 2 + s[0], [s[0] + d * w]), x, [h])
    return S.Group([out] + states)


def foreach_nested_symbol():
    # inner: o_j = 2 r_j + s; s <- o_j over the rows r_j of x_t; outer: out_t = inner outputs + h,
    # h <- the inner loop's last state
    def inner(row, states):
        o = row * 2 + states[0]
        return o, [o]

    def outer(d, states):
        outs, last = S.contrib.foreach(inner, d, states)
        return S.broadcast_add(outs, states[0]), last

    out, states = S.contrib.foreach(outer, S.var("x"), [S.var("h")])
    return S.Group([out] + states)


def while_loop_symbol():
    # while i < n (at most 6 steps): output s * c; (i, s) <- (i + 1, s + i)
    i, s, n, c = S.var("i"), S.var("s"), S.var("n"), S.var("c")
    outs, final = S.contrib.while_loop(lambda i, s: i < n,
                                       lambda i, s: ([s * c], [i + 1, s + i]),
                                       [i, s], max_iterations=6)
    return S.Group(outs + final)


def cond_symbol():
    # sum(a) > sum(b) ? a + b : a * c - b
    a, b, c = S.var("a"), S.var("b"), S.var("c")
    out = S.contrib.cond(S.sum(a) > S.sum(b), lambda: a + b, lambda: a * c - b)
    return out[0] if isinstance(out, list) else out


if __name__ == "__main__":
    for name, make in [("foreach", foreach_symbol), ("foreach_nested", foreach_nested_symbol),
                       ("while_loop", while_loop_symbol), ("cond", cond_symbol)]:
        make().save(os.path.join(HERE, "mxnet191_control_flow_%s-symbol.json" % name))
