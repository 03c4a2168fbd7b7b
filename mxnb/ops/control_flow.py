"""Control-flow operators `_foreach`, `_while_loop`, `_cond` and their backward kernels.

They are what `sym.contrib.foreach / while_loop / cond` (and so hybridized blocks calling
`F.contrib.*`) build: one node whose attributes hold compiled subgraphs (the loop body, the
condition, the branches; see `mxnb.symbol._subgraph`). `compute` runs a subgraph per step with
the same operator records as everywhere else; the backward kernels run each step's subgraph and
its registered gradients in reverse order (BPTT), from the per-step loop states the forward pass
kept as hidden outputs. The backward kernels have no gradient of their own: differentiating
through a loop twice is an error. The eager `nd.contrib` versions are Python loops recorded by
autograd like any other code, as in MXNet.

Inputs: `_foreach` takes data (sliced on axis 0), initial states, then the body's free inputs;
`_while_loop` the loop variables then the free inputs of condition and body (or, with
`var_locs`, the loop variables at those positions: MXNet's order, for loops read from JSON),
both subgraphs taking all of them; `_cond` the
predicate then the free inputs of both branches.
"""
from ..base import MXNetError, AttributeParseError
from .params import Int, OptShape
from .registry import Param, operator
from ..util import is_np_shape

__all__ = []


def _parse_subgraph(value):
    if not hasattr(value, "run") or not hasattr(value, "vjp"):
        raise AttributeParseError("expected a compiled subgraph, made by sym.contrib.foreach / "
                                  "while_loop / cond (a control-flow node read from "
                                  "JSON gets them from its \"subgraphs\"), found %r" % (value,))
    return value


def Subgraph(doc=""):
    return Param(_parse_subgraph, None, doc)


def _out_name(prefix):
    return lambda attrs: ["%s%d" % (prefix, i) for i in range(attrs["num_args"])]


def _first_type(attrs, in_types, n_out):
    known = next((t for t in in_types if t is not None), None)
    return [known if t is None else t for t in in_types], [known] * n_out


def _stack(xp, arrays, like_shape=None, dtype=None, length=None):
    if arrays:
        out = xp.stack(arrays)
        if length is not None and length > len(arrays):
            pad = xp.zeros((length - len(arrays),) + out.shape[1:], dtype=out.dtype)
            out = xp.concatenate([out, pad])
        return out
    return xp.zeros((length or 0,) + tuple(like_shape), dtype=dtype)


def _loop_length(data_shapes):
    """The loop length from the data shapes: the first known (non-zero) axis-0 size; 0 (MXNet's
    unknown) when the data shapes are known but their length is not; None without data shapes."""
    known = [s for s in data_shapes if s is not None and len(s)]
    return next((s[0] for s in known if s[0]), 0 if known else None)


def _step(data, t):
    """Step t of foreach's data: its slice on axis 0. A 1-D sequence gives (1,) slices, as
    MXNet 1.x's shapes have no scalars (unless NumPy shape semantics are on)."""
    if data.ndim == 1 and not is_np_shape():
        return data[t:t + 1]
    return data[t]


def _step_shape(shape):
    if len(shape) == 1 and not is_np_shape():
        return (1,)
    return tuple(shape[1:])


# --- foreach ------------------------------------------------------------------------------------
_FOREACH = {"num_args": Int(low=1), "num_data": Int(low=1), "num_states": Int(0, low=0),
            "num_out_data": Int(0, low=0), "body": Subgraph()}


def _foreach_outputs(attrs):
    ns = attrs["num_states"]
    # the visible outputs are all "output<i>" (the states after the data), as MXNet names them
    return (["output%d" % i for i in range(attrs["num_out_data"] + ns)]
            + ["step_state%d" % i for i in range(ns)])


def _foreach_split(inputs, attrs):
    nd_, ns = attrs["num_data"], attrs["num_states"]
    return inputs[:nd_], inputs[nd_:nd_ + ns], inputs[nd_ + ns:]


@operator("_foreach", params=_FOREACH, variadic="num_args", outputs=_foreach_outputs,
          num_visible=lambda a: a["num_out_data"] + a["num_states"], needs_train=True,
          hint="_foreach")
class Foreach:
    """Runs the body subgraph on each slice (axis 0) of the data, carrying states; outputs the
    body's outputs stacked on axis 0 and the last states."""

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        data, states, free = _foreach_split(inputs, attrs)
        body, n_out = attrs["body"], attrs["num_out_data"]
        length = data[0].shape[0]
        for d in data[1:]:
            if d.shape[0] != length:
                raise MXNetError("_foreach: every data input needs the same length on axis 0, "
                                 "found %s" % [tuple(x.shape) for x in data])
        outs = [[] for _ in range(n_out)]
        kept = [[] for _ in states]
        states = list(states)
        for t in range(length):
            for k, s in enumerate(states):
                kept[k].append(s)
            result = body.run(xp, [_step(d, t) for d in data] + states + list(free), is_train,
                              rng)
            for k in range(n_out):
                outs[k].append(result[k])
            states = list(result[n_out:])
        initial = inputs[len(data):len(data) + len(kept)]
        return ([_stack(xp, o) for o in outs] + states
                + [_stack(xp, k, s.shape, s.dtype, length) for k, s in zip(kept, initial)])

    def infer_shape(attrs, in_shapes):
        n_data, ns, n_out = attrs["num_data"], attrs["num_states"], attrs["num_out_data"]
        data = in_shapes[:n_data]
        length = _loop_length(data)
        step = [None if s is None else _step_shape(s) for s in data]
        states = list(in_shapes[n_data:n_data + ns])
        free = list(in_shapes[n_data + ns:])
        body = attrs["body"]
        ins, outs = body.infer_shapes(step + states + free)
        # A state's shape is also the shape of the state the body returns.
        for k in range(ns):
            if ins[n_data + k] is None and outs[n_out + k] is not None:
                ins[n_data + k] = outs[n_out + k]
        if any(ins[n_data + k] is None for k in range(ns)):
            ins, outs = body.infer_shapes(step + ins[n_data:n_data + ns] + free)
        new_data = [None if d is None else d for d in data]
        for k, s in enumerate(ins[:n_data]):
            if new_data[k] is None and s is not None and length:
                new_data[k] = (length,) + tuple(s)
        state_shapes = ins[n_data:n_data + ns]
        out_shapes = [None if o is None or length is None else (length,) + tuple(o)
                      for o in outs[:n_out]]
        kept = [None if s is None or length is None else (length,) + tuple(s) for s in state_shapes]
        return new_data + state_shapes + ins[n_data + ns:], out_shapes + state_shapes + kept

    def infer_type(attrs, in_types):
        return _first_type(attrs, in_types, len(_foreach_outputs(attrs)))

    def gradient(F, attrs, inputs, outputs, out_grads):
        nvis = attrs["num_out_data"] + attrs["num_states"]
        grads = [g if g is not None else F.zeros_like(o) for g, o in zip(out_grads[:nvis], outputs)]
        kept = outputs[nvis:]
        result = F._backward_foreach(*(grads + list(inputs) + list(kept)),
                                     num_args=len(grads) + len(inputs) + len(kept),
                                     **_forward_attrs(attrs))
        return _as_list(result, len(inputs))


def _as_list(result, count):
    """A backward operator's outputs as a list (an NDArray list, or a Symbol group)."""
    return [result] if count == 1 else list(result)


def _forward_attrs(attrs):
    return {k: v for k, v in attrs.items() if not k.startswith("_") and k != "num_args"}


def _backward_foreach_outputs(attrs):
    n_in = attrs["num_args"] - (attrs["num_out_data"] + 2 * attrs["num_states"])
    return ["grad%d" % i for i in range(n_in)]


@operator("_backward_foreach", params=_FOREACH, variadic="num_args",
          outputs=_backward_foreach_outputs, needs_train=True)
class BackwardForeach:
    """_foreach's input gradients by backpropagation through the steps, from (output
    gradients, final-state gradients, the forward inputs, the per-step states)."""

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        n_out, ns = attrs["num_out_data"], attrs["num_states"]
        n_in = attrs["num_args"] - (n_out + 2 * ns)
        dout, dstates = inputs[:n_out], list(inputs[n_out:n_out + ns])
        fwd = inputs[n_out + ns:n_out + ns + n_in]
        kept = inputs[n_out + ns + n_in:]
        data, states, free = _foreach_split(fwd, attrs)
        body = attrs["body"]
        length = data[0].shape[0]
        ddata = [xp.zeros_like(d) for d in data]
        dfree = [xp.zeros_like(f) for f in free]
        for t in range(length - 1, -1, -1):
            arrays = [_step(d, t) for d in data] + [k[t] for k in kept] + list(free)
            _, grads = body.vjp(xp, arrays, [g[t] for g in dout] + dstates, True, rng)
            for k in range(len(data)):
                ddata[k][t] = grads[k].reshape(ddata[k][t].shape)
            dstates = grads[len(data):len(data) + ns]
            for k, g in enumerate(grads[len(data) + ns:]):
                dfree[k] += g
        return ddata + list(dstates) + dfree

    def infer_shape(attrs, in_shapes):
        n_out, ns = attrs["num_out_data"], attrs["num_states"]
        n_in = attrs["num_args"] - (n_out + 2 * ns)
        return in_shapes, list(in_shapes[n_out + ns:n_out + ns + n_in])

    def infer_type(attrs, in_types):
        return _first_type(attrs, in_types, len(_backward_foreach_outputs(attrs)))


# --- while_loop ---------------------------------------------------------------------------------
_WHILE = {"num_args": Int(low=1), "num_vars": Int(low=1), "num_out_data": Int(0, low=0),
          "max_iterations": Int(low=0), "cond": Subgraph(), "func": Subgraph(),
          "var_locs": OptShape(None, low=0)}


def _while_outputs(attrs):
    nv = attrs["num_vars"]
    return (["output%d" % i for i in range(attrs["num_out_data"] + nv)]
            + ["step_var%d" % i for i in range(nv)] + ["steps"])


def loop_var_positions(attrs):
    """Where the loop variables are among the node's inputs: the first num_vars unless
    var_locs says (a loop read from MXNet's JSON keeps MXNet's input order)."""
    locs = attrs.get("var_locs")
    return list(range(attrs["num_vars"])) if locs is None else list(locs)


def _truth(value):
    try:
        return bool(value.reshape(-1)[0]) if value.size == 1 else None
    except Exception:
        return None


@operator("_while_loop", params=_WHILE, variadic="num_args", outputs=_while_outputs,
          num_visible=lambda a: a["num_out_data"] + a["num_vars"], needs_train=True,
          hint="_while_loop")
class WhileLoop:
    """While cond(loop vars) holds (at most max_iterations times): (outputs, loop vars) =
    func(loop vars). Outputs are stacked on axis 0 and padded with zeros to max_iterations.
    Both subgraphs take all the node's inputs, the loop variables at `loop_var_positions`."""

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        n_out, cap = attrs["num_out_data"], attrs["max_iterations"]
        locs = loop_var_positions(attrs)
        args = list(inputs)
        cond, func = attrs["cond"], attrs["func"]
        outs = [[] for _ in range(n_out)]
        kept = [[] for _ in locs]
        steps = 0
        while steps < cap:
            flag = _truth(cond.run(xp, args, is_train, rng)[0])
            if flag is None:
                raise MXNetError("_while_loop: cond must return one boolean value (an array of "
                                 "one element)")
            if not flag:
                break
            for k, p in enumerate(locs):
                kept[k].append(args[p])
            result = func.run(xp, args, is_train, rng)
            for k in range(n_out):
                outs[k].append(result[k])
            for k, (p, new) in enumerate(zip(locs, result[n_out:])):
                if tuple(args[p].shape) != tuple(new.shape):
                    raise MXNetError("_while_loop: loop variable %d changed shape from %s to %s"
                                     % (k, tuple(args[p].shape), tuple(new.shape)))
                args[p] = new
            steps += 1
        stacked = []
        for k in range(n_out):
            if outs[k]:
                stacked.append(_stack(xp, outs[k], length=cap))
            else:
                out_shapes = func.infer_shapes([tuple(v.shape) for v in inputs])[1][:n_out]
                if out_shapes[k] is None:
                    raise MXNetError("_while_loop ran no step and cannot tell output %d's "
                                     "shape" % k)
                stacked.append(xp.zeros((cap,) + tuple(out_shapes[k]), dtype=inputs[0].dtype))
        kept = [_stack(xp, k, inputs[p].shape, inputs[p].dtype, max(cap, 1))
                for k, p in zip(kept, locs)]
        return (stacked + [args[p] for p in locs] + kept
                + [xp.asarray(steps, dtype="int64").reshape(1)])

    def infer_shape(attrs, in_shapes):
        n_out, cap = attrs["num_out_data"], attrs["max_iterations"]
        locs = loop_var_positions(attrs)
        ins, outs = attrs["func"].infer_shapes(list(in_shapes))
        ins = list(ins)
        # A loop variable's shape is also the shape of the one func returns.
        for k, p in enumerate(locs):
            if ins[p] is None and outs[n_out + k] is not None:
                ins[p] = outs[n_out + k]
        cond_ins, _ = attrs["cond"].infer_shapes(ins)
        ins = [a if a is not None else b for a, b in zip(ins, cond_ins)]
        var_shapes = [ins[p] for p in locs]
        out_shapes = [None if o is None else (cap,) + tuple(o) for o in outs[:n_out]]
        kept = [None if s is None else (max(cap, 1),) + tuple(s) for s in var_shapes]
        return ins, out_shapes + var_shapes + kept + [(1,)]

    def infer_type(attrs, in_types):
        types, outs = _first_type(attrs, in_types, len(_while_outputs(attrs)))
        return types, outs[:-1] + ["int64"]

    def gradient(F, attrs, inputs, outputs, out_grads):
        nvis = attrs["num_out_data"] + attrs["num_vars"]
        grads = [g if g is not None else F.zeros_like(o) for g, o in zip(out_grads[:nvis], outputs)]
        hidden = outputs[nvis:]
        result = F._backward_while_loop(*(grads + list(inputs) + list(hidden)),
                                        num_args=len(grads) + len(inputs) + len(hidden),
                                        **_forward_attrs(attrs))
        return _as_list(result, len(inputs))


def _backward_while_outputs(attrs):
    n_in = attrs["num_args"] - (attrs["num_out_data"] + 2 * attrs["num_vars"] + 1)
    return ["grad%d" % i for i in range(n_in)]


@operator("_backward_while_loop", params=_WHILE, variadic="num_args",
          outputs=_backward_while_outputs, needs_train=True)
class BackwardWhileLoop:
    """_while_loop's input gradients, backpropagated through the steps that ran."""

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        nv, n_out = attrs["num_vars"], attrs["num_out_data"]
        n_in = attrs["num_args"] - (n_out + 2 * nv + 1)
        locs = loop_var_positions(attrs)
        dout, dvars = inputs[:n_out], list(inputs[n_out:n_out + nv])
        fwd = list(inputs[n_out + nv:n_out + nv + n_in])
        kept = inputs[n_out + nv + n_in:-1]
        steps = int(inputs[-1].reshape(-1)[0])
        # gradients of the inputs that are not loop variables add up over the steps
        total = [xp.zeros_like(f) for f in fwd]
        func = attrs["func"]
        for t in range(steps - 1, -1, -1):
            args = list(fwd)
            for k, p in enumerate(locs):
                args[p] = kept[k][t]
            _, grads = func.vjp(xp, args, [g[t] for g in dout] + dvars, True, rng)
            dvars = [grads[p] for p in locs]
            for q, g in enumerate(grads):
                if q not in locs:
                    total[q] += g
        for p, g in zip(locs, dvars):
            total[p] = g
        return total

    def infer_shape(attrs, in_shapes):
        nv, n_out = attrs["num_vars"], attrs["num_out_data"]
        n_in = attrs["num_args"] - (n_out + 2 * nv + 1)
        return in_shapes, list(in_shapes[n_out + nv:n_out + nv + n_in])

    def infer_type(attrs, in_types):
        return _first_type(attrs, in_types, len(_backward_while_outputs(attrs)))


# --- cond ---------------------------------------------------------------------------------------
_COND = {"num_args": Int(low=1), "num_outputs": Int(low=1), "then_branch": Subgraph(),
         "else_branch": Subgraph()}


def _pred(value):
    flag = _truth(value)
    if flag is None:
        raise MXNetError("_cond: the predicate must be one value, found shape %s"
                         % (tuple(value.shape),))
    return flag


@operator("_cond", params=_COND, variadic="num_args",
          outputs=lambda a: ["output%d" % i for i in range(a["num_outputs"])], needs_train=True,
          hint="_cond")
class Cond:
    """The outputs of then_branch when the predicate (the first input) is true, else of
    else_branch; both branches read the remaining inputs."""

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        branch = attrs["then_branch"] if _pred(inputs[0]) else attrs["else_branch"]
        return branch.run(xp, list(inputs[1:]), is_train, rng)

    def infer_shape(attrs, in_shapes):
        free = list(in_shapes[1:])
        ins_then, outs_then = attrs["then_branch"].infer_shapes(free)
        ins_else, outs_else = attrs["else_branch"].infer_shapes(free)
        ins = [a if a is not None else b for a, b in zip(ins_then, ins_else)]
        outs = [a if a is not None else b for a, b in zip(outs_then, outs_else)]
        return [in_shapes[0]] + ins, outs

    def infer_type(attrs, in_types):
        types, outs = _first_type(attrs, in_types[1:], attrs["num_outputs"])
        return [in_types[0]] + types, outs

    def gradient(F, attrs, inputs, outputs, out_grads):
        grads = [g if g is not None else F.zeros_like(o) for g, o in zip(out_grads, outputs)]
        result = F._backward_cond(*(grads + list(inputs)), num_args=len(grads) + len(inputs),
                                  **_forward_attrs(attrs))
        return [None] + _as_list(result, len(inputs) - 1)


@operator("_backward_cond", params=_COND, variadic="num_args",
          outputs=lambda a: ["grad%d" % i for i in range(a["num_args"] - a["num_outputs"] - 1)],
          needs_train=True)
class BackwardCond:
    """_cond's gradients for the inputs after the predicate, through the branch taken."""

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        n = attrs["num_outputs"]
        heads, pred, free = list(inputs[:n]), inputs[n], list(inputs[n + 1:])
        branch = attrs["then_branch"] if _pred(pred) else attrs["else_branch"]
        return branch.vjp(xp, free, heads, True, rng)[1]

    def infer_shape(attrs, in_shapes):
        return in_shapes, list(in_shapes[attrs["num_outputs"] + 1:])

    def infer_type(attrs, in_types):
        return _first_type(attrs, in_types, attrs["num_args"] - attrs["num_outputs"] - 1)
