"""`mx.sym.contrib`: control flow (`foreach`, `while_loop`, `cond`) and the registered
`_contrib_*` operators under their short names.

Design: each control-flow call traces the user's function once on placeholder variables, cuts
the traced graph from the enclosing one (`_subgraph.build_subgraph`: what the function reads
from outside becomes an input of the node) and makes one `_foreach` / `_while_loop` / `_cond`
node that holds the compiled subgraphs as attributes. The loop length is therefore not needed
when the graph is built (a hybridized block's inputs have no shapes yet); the node runs its body
per step when the graph runs, and its gradient is a registered backward kernel (see
`mxnb.ops.control_flow`). Graphs holding these nodes run, infer shapes and differentiate like
any other, and are written to and read from MXNet's JSON with their bodies as "subgraphs"
(`mxnb.symbol._control_flow_json`).
"""
from ..base import FailedCheckError, InvalidArgumentError, MXNetError
from ..nesting import flatten, regroup as _regroup
from ..graph.node import Node, topo_sort
from ..ops import registry as _registry
from ._subgraph import build_subgraph, call_in_scope, Subgraph, unique_subgraph_name
from .register import make_node, make_sym_function
from .symbol import Symbol, var

__all__ = ["foreach", "while_loop", "cond", "rand_zipfian"]


def _symbol_leaf(x):
    if not isinstance(x, Symbol):
        return None
    n = len(x._outputs)
    return (list(x), n) if n != 1 else ([x], 0)


def _flatten(args, what):
    return flatten(args, _symbol_leaf, what, "a (nested) list of Symbols")


def _node(op_name, inputs, attrs):
    # named as MXNet names them (_foreach0, ...): the `name` arguments name the subgraphs
    op = _registry.get(op_name)
    parsed = op.parse_attrs(attrs)
    return make_node(op, inputs, parsed, hint=op.hint, given=list(attrs))


def _align(sub, outer, union):
    """`sub` with its free inputs re-ordered to the positions of `union` (outer Symbols shared
    by several subgraphs); inputs it does not read become unused variables."""
    keys = [s._outputs[0] for s in union]
    own = dict(zip([s._outputs[0] for s in outer], sub.inputs[len(sub.inputs) - len(outer):]))
    head = sub.inputs[:len(sub.inputs) - len(outer)]
    free = [own.get(k) or Node(None, "%s_unused%d" % (sub.name, i)) for i, k in enumerate(keys)]
    return Subgraph(sub.name, head + free, sub.outputs)


def _union(*outers):
    seen, union = set(), []
    for outer in outers:
        for s in outer:
            key = (id(s._outputs[0][0]), s._outputs[0][1])
            if key not in seen:
                seen.add(key)
                union.append(s)
    return union


def foreach(body, data, init_states, name="foreach"):
    """Runs `body` over the slices of `data` along axis 0, carrying states (a symbolic loop).

    Parameters
    ----------
    body : callable
        `body(data_slice, states) -> (outputs, new_states)`, on Symbols; `outputs` and
        `new_states` are Symbols or (nested) lists of them, `new_states` shaped as `states`.
    data : Symbol or list of Symbol
        Sequences sliced on axis 0 (all of one length).
    init_states : Symbol or list of Symbol
        The states for the first step.
    name : str, default "foreach"
        Name of the body subgraph, made unique with a count ("foreach0", ...); the node is
        named `_foreach0`, ... as in MXNet.

    Returns
    -------
    outputs : Symbol or list of Symbol
        The body's outputs of every step, stacked on axis 0.
    states : Symbol or list of Symbol
        The states after the last step.

    Example
    -------
    >>> step = lambda x, states: (x + states[0], [x + states[0]])
    >>> outs, states = mx.sym.contrib.foreach(step, mx.sym.var("data"), [mx.sym.var("s")])
    >>> outs.evaluate(data=mx.nd.ones((3, 2)), s=mx.nd.zeros(2))[0].asnumpy()[:, 0]
    array([1., 2., 3.], dtype=float32)
    """
    flat_data, data_fmt = _flatten(data, "foreach data")
    flat_states, state_fmt = _flatten(init_states, "foreach init_states")
    if not flat_data:
        raise MXNetError("foreach needs at least one data Symbol")
    name = unique_subgraph_name(name)
    holders = ([var("%s_data%d" % (name, i)) for i in range(len(flat_data))]
               + [var("%s_state%d" % (name, i)) for i in range(len(flat_states))])
    step_data = _regroup(holders[:len(flat_data)], data_fmt)[0]
    step_states = _regroup(holders[len(flat_data):], state_fmt)[0]
    outs, states = call_in_scope(name, body, step_data, step_states)
    flat_outs, out_fmt = _flatten(outs, "foreach body outputs")
    flat_new, _ = _flatten(states, "foreach body states")
    if len(flat_new) != len(flat_states):
        raise MXNetError("foreach: the body returned %d states for %d initial states"
                         % (len(flat_new), len(flat_states)))
    sub, outer = build_subgraph(name, holders, flat_outs + flat_new)
    _require_used(sub, holders, len(flat_data))
    inputs = flat_data + flat_states + outer
    node = _node("_foreach", inputs, {"num_args": len(inputs), "num_data": len(flat_data),
                                       "num_states": len(flat_states),
                                       "num_out_data": len(flat_outs), "body": sub})
    results = list(node)
    out_syms = _regroup(results[:len(flat_outs)], out_fmt)[0] if flat_outs else []
    state_syms = _regroup(results[len(flat_outs):], state_fmt)[0]
    return out_syms, state_syms


def _first_unused(sub, holders):
    """The position of the first of `holders` (variable Symbols) that subgraph `sub` does not
    read, or None when it reads them all."""
    reached = {id(n) for n in topo_sort(sub.outputs)}
    return next((k for k, holder in enumerate(holders)
                 if id(holder._outputs[0][0]) not in reached), None)


def _require_used(sub, holders, num_data):
    """MXNet's foreach needs every data and state read by the body (its JSON has no place for
    an unused one): an AssertionError otherwise, as MXNet raises."""
    k = _first_unused(sub, holders)
    if k is not None:
        what, index = ("data", k) if k < num_data else ("state", k - num_data)
        raise FailedCheckError("foreach: the %s arrays have to be used in the loop body "
                               "(%s %d is not)" % (what, what, index))


def _require_loop_vars_used(func_sub, holders):
    """MXNet's while_loop needs every loop variable read by `func` (a ValueError otherwise)."""
    k = _first_unused(func_sub, holders)
    if k is not None:
        raise InvalidArgumentError("while_loop: the %d-th loop_var doesn't involve into the "
                                   "computation of func" % (k + 1))


def while_loop(cond, func, loop_vars, max_iterations=None, name="while_loop"):
    """A symbolic while loop: while `cond(*loop_vars)` is true and fewer than `max_iterations`
    steps ran, `(step_output, loop_vars) = func(*loop_vars)`.

    Parameters
    ----------
    cond : callable
        `cond(*loop_vars)` -> a Symbol of one boolean value.
    func : callable
        `func(*loop_vars)` -> (step_output, new_loop_vars), each a Symbol or list of Symbols.
    loop_vars : Symbol or list of Symbol
        The loop variables' initial values.
    max_iterations : int
        The most steps to run (required).
    name : str, default "while_loop"
        Base name of the subgraphs ("while_loop_cond0", "while_loop_func0"); the node is
        named `_while_loop0`, ... as in MXNet.

    Returns
    -------
    outputs : Symbol or list of Symbol
        The step outputs stacked on axis 0 and padded (with zeros) to max_iterations.
    loop_vars : Symbol or list of Symbol
        The final loop variables.

    Example
    -------
    >>> cond = lambda i, s: i <= 5
    >>> func = lambda i, s: ([i + s], [i + 1, s + i])
    >>> outs, (i, s) = mx.sym.contrib.while_loop(cond, func, [mx.sym.var("i"), mx.sym.var("s")],
    ...                                          max_iterations=10)
    """
    if max_iterations is None:
        raise ValueError("max_iterations should be specified")
    single = isinstance(loop_vars, Symbol)
    flat_vars, var_fmt = _flatten(loop_vars if not single else [loop_vars], "while_loop loop_vars")
    if not flat_vars:
        raise ValueError("loop_vars should contain at least one element")
    cond_name = unique_subgraph_name(name + "_cond")
    func_name = unique_subgraph_name(name + "_func")
    holders = [var("%s_var%d" % (func_name, i)) for i in range(len(flat_vars))]
    grouped = _regroup(holders, var_fmt)[0]
    pred = call_in_scope(cond_name, cond, *grouped)
    cond_sub, cond_outer = build_subgraph(cond_name, holders, [pred])
    step_output, new_vars = call_in_scope(func_name, func, *grouped)
    flat_outs, out_fmt = _flatten([] if step_output is None else step_output, "while_loop outputs")
    flat_new, _ = _flatten([] if new_vars is None else new_vars, "while_loop new loop_vars")
    if len(flat_new) != len(flat_vars):
        raise ValueError("The length of loop_vars should be consistent during the loop")
    func_sub, func_outer = build_subgraph(func_name, holders, flat_outs + flat_new)
    _require_loop_vars_used(func_sub, holders)
    union = _union(cond_outer, func_outer)
    cond_sub = _align(cond_sub, cond_outer, union)
    func_sub = _align(func_sub, func_outer, union)
    inputs = flat_vars + union
    node = _node("_while_loop", inputs, {
        "num_args": len(inputs), "num_vars": len(flat_vars), "num_out_data": len(flat_outs),
        "max_iterations": int(max_iterations), "cond": cond_sub, "func": func_sub})
    results = list(node)
    outs = _regroup(results[:len(flat_outs)], out_fmt)[0] if flat_outs else []
    final = _regroup(results[len(flat_outs):], var_fmt)[0]
    return outs, (final[0] if single else final)


def cond(pred, then_func, else_func, name="cond"):
    """Symbolic if-then-else: the outputs of `then_func()` if `pred` holds, else of
    `else_func()`; only the branch taken runs.

    Parameters
    ----------
    pred : Symbol
        One boolean value.
    then_func, else_func : callable
        Functions of no arguments returning Symbols (or lists of them), of the same number
        and shapes.
    name : str, default "cond"
        Base name of the subgraphs ("cond_pred0", "cond_then0", "cond_else0"); the node is
        named `_cond0`, ... as in MXNet.

    Returns
    -------
    Symbol or list of Symbol
        The outputs of the branch taken.

    Example
    -------
    >>> a, b = mx.sym.var("a"), mx.sym.var("b")
    >>> out = mx.sym.contrib.cond(a < b, lambda: a + b, lambda: a - b)
    """
    if not isinstance(pred, Symbol):
        raise MXNetError("cond: pred must be a Symbol, found %s" % type(pred).__name__)
    # the predicate is computed outside the node; its name is counted all the same, as MXNet
    # counts the predicate subgraph it makes
    unique_subgraph_name(name + "_pred")
    then_name = unique_subgraph_name(name + "_then")
    else_name = unique_subgraph_name(name + "_else")
    then_out = call_in_scope(then_name, then_func)
    else_out = call_in_scope(else_name, else_func)
    flat_then, then_fmt = _flatten(then_out, "cond then_func outputs")
    flat_else, _ = _flatten(else_out, "cond else_func outputs")
    if len(flat_then) != len(flat_else):
        raise MXNetError("cond: then_func returned %d outputs, else_func %d"
                         % (len(flat_then), len(flat_else)))
    then_sub, then_outer = build_subgraph(then_name, [], flat_then)
    else_sub, else_outer = build_subgraph(else_name, [], flat_else)
    union = _union(then_outer, else_outer)
    inputs = [pred] + union
    node = _node("_cond", inputs, {
        "num_args": len(inputs), "num_outputs": len(flat_then),
        "then_branch": _align(then_sub, then_outer, union),
        "else_branch": _align(else_sub, else_outer, union)})
    return _regroup(list(node), then_fmt)[0]


# The operators behind the two wrappers below (made once: a registry look-up and a generated
# function per call otherwise)
_ADAMW_UPDATE = make_sym_function(_registry.get("_adamw_update"), "adamw_update")
_MP_ADAMW_UPDATE = make_sym_function(_registry.get("_mp_adamw_update"), "mp_adamw_update")


def _rescale_symbol(rescale_grad):
    """rescale_grad as the operators' input: a Symbol, or a number made a (1,) constant."""
    if isinstance(rescale_grad, Symbol):
        return rescale_grad
    from . import full
    return full(shape=(1,), val=rescale_grad)


def adamw_update(weight, grad, mean, var, rescale_grad, lr, eta, beta1=0.9, beta2=0.999,
                 epsilon=1e-8, wd=0, clip_gradient=-1, out=None, name=None, **kwargs):
    """The AdamW update as a Symbol, with MXNet's argument order (lr, eta, then beta1, ...):
    weight - eta * (lr * mean / (sqrt(var) + epsilon) + wd * weight).

    Parameters
    ----------
    weight, grad, mean, var : Symbol
        The weight, its gradient and the first and second moments.
    rescale_grad : float or Symbol
        Rescale gradient to rescale_grad * grad (a non-finite value skips the update).
    lr, eta : float
        Learning rate and its schedule multiplier.
    beta1, beta2, epsilon, wd, clip_gradient : float
        As `adam_update`; clip_gradient < 0 turns clipping off.
    out : ignored
        As in MXNet's symbol functions.
    name : str, optional
        The node's name.

    Returns
    -------
    Symbol
        The updated weight.

    Examples
    --------
    >>> w, g, m, v = (mx.sym.var(k) for k in "wgmv")
    >>> mx.sym.contrib.adamw_update(w, g, m, v, 1.0, 0.1, 1.0).list_arguments()
    ['w', 'g', 'm', 'v']
    """
    return _ADAMW_UPDATE(
        weight, grad, mean, var, _rescale_symbol(rescale_grad), lr=lr, eta=eta, beta1=beta1,
        beta2=beta2, epsilon=epsilon, wd=wd, clip_gradient=clip_gradient, name=name, **kwargs)


def mp_adamw_update(weight, grad, mean, var, weight32, rescale_grad, lr, eta, beta1=0.9,
                    beta2=0.999, epsilon=1e-8, wd=0, clip_gradient=-1, out=None, name=None,
                    **kwargs):
    """Multi-precision `adamw_update` as a Symbol: float32 moments and master copy `weight32`.

    Parameters
    ----------
    weight, grad, mean, var, weight32 : Symbol
        The weight, its gradient, the moments and the float32 master weight.
    rescale_grad, lr, eta, beta1, beta2, epsilon, wd, clip_gradient, out, name
        As `adamw_update`.

    Returns
    -------
    Symbol
        The updated weight, in its own dtype (weight32 is updated in float32 beside it).

    Examples
    --------
    >>> w, g, m, v, w32 = (mx.sym.var(k) for k in ("w", "g", "m", "v", "w32"))
    >>> len(mx.sym.contrib.mp_adamw_update(w, g, m, v, w32, 1.0, 0.1, 1.0).list_arguments())
    5
    """
    return _MP_ADAMW_UPDATE(
        weight, grad, mean, var, weight32, _rescale_symbol(rescale_grad), lr=lr, eta=eta,
        beta1=beta1, beta2=beta2, epsilon=epsilon, wd=wd, clip_gradient=clip_gradient, name=name,
        **kwargs)


def rand_zipfian(true_classes, num_sampled, range_max):
    """Symbols drawing `num_sampled` classes from the approximately log-uniform (Zipfian)
    distribution P(c) = (log(c + 2) - log(c + 1)) / log(range_max + 1), with the expected
    counts of the true and the sampled classes (mx.nd.contrib.rand_zipfian's graph).

    Parameters
    ----------
    true_classes : Symbol
        The target classes (1-D).
    num_sampled : int
        The number of classes to draw (with replacement).
    range_max : int
        The number of possible classes.

    Returns
    -------
    tuple of Symbol
        (sampled classes, int64; expected count of each true class, float64; expected count of
        each sampled class, float64).

    Example
    -------
    >>> samples, count_true, count_sampled = mx.sym.contrib.rand_zipfian(mx.sym.var('t'), 4, 5)
    """
    import math
    from . import random
    if not isinstance(true_classes, Symbol):
        raise MXNetError("rand_zipfian: true_classes must be a Symbol, found %s"
                         % type(true_classes).__name__)
    log_range = math.log(range_max + 1)
    rand = random.uniform(0, log_range, shape=(num_sampled,), dtype="float64")
    # exp(u) - 1 for u uniform in [0, log(range_max + 1)) is the Zipfian draw; the modulo keeps
    # rounding at the top inside [0, range_max)
    sampled = (rand.exp() - 1).astype("int64") % range_max
    true_fp64 = true_classes.astype("float64")
    count_true = ((true_fp64 + 2.0) / (true_fp64 + 1.0)).log() / log_range * num_sampled
    sampled_fp64 = sampled.astype("float64")
    count_sampled = ((sampled_fp64 + 2.0) / (sampled_fp64 + 1.0)).log() / log_range * num_sampled
    return sampled, count_true, count_sampled


def __getattr__(name):
    # Registered `_contrib_X` operators appear here as `X`, as in MXNet.
    op = _registry.find("_contrib_" + name)
    if op is None:
        raise AttributeError("module 'mxnb.symbol.contrib' has no attribute %r" % name)
    fn = make_sym_function(op, name)     # nodes named after the short name (box_nms0), as MXNet
    globals()[name] = fn
    return fn


# Every operator registered so far is listed at once (dir(), tab completion); later ones are
# found by __getattr__.
for _full_name in list(_registry.all_names()):
    if _full_name.startswith("_contrib_") and _full_name[len("_contrib_"):] not in globals():
        globals()[_full_name[len("_contrib_"):]] = make_sym_function(_registry.get(_full_name),
                                                       _full_name[len("_contrib_"):])
