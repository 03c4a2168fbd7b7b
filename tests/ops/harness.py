"""Checks one operator case three ways: the forward pass against a NumPy reference, the gradient
(autograd) against central finite differences, and the symbolic path (sym + bind) against both.

Every case with `grad=True` also has its second order checked (`check_second_order`): the
gradient of <first-order gradient, v> through autograd(create_graph=True) against central
differences of the first-order gradient, or, where the operator has none, the clear MXNetError
saying so. No case asks for it: operators added later are checked too.

A test module lists `CASES = [Case(...), ...]`; `test_registry_coverage.py` fails the suite for any
registered operator that no case covers, and for any differentiable one whose second order no
case checked.
"""
import numpy as np

import mxnb as mx
from mxnb import nd, autograd
from mxnb.base import MXNetError
from mxnb.graph.node import topo_sort
from mxnb.ops import registry

# Operator names whose second order a case has checked (or whose clear error it has seen), and
# how: "checked" or "error". Read by test_registry_coverage.py.
SECOND_ORDER = {}
# The message every "no second order here" error carries (mxnb.graph.gradient.no_gradient_error).
NOT_AVAILABLE = "is not available through operator"
_RAN = set()    # operators whose own case had its second order checked


class Case:
    """One operator call to check.

    inputs: NumPy arrays (values are used as given; cast to `dtype` for the forward check).
    reference(*inputs, **attrs) -> array or list of arrays: what the operator must return.
    grad: check gradients numerically; `grad_inputs` picks which inputs (default: all float ones).
    check(case, ctx): a custom check instead of the three above (random operators).
    """

    def __init__(self, op, inputs, reference=None, attrs=None, grad=True, grad_inputs=None,
                 rtol=1e-4, atol=1e-5, grad_rtol=1e-2, grad_atol=1e-4, eps=1e-4, dtype=np.float32,
                 symbolic=True, check=None, name=None, aux=None, second_order=None):
        self.op = op
        self.inputs = [np.asarray(a) for a in inputs]
        self.reference = reference
        self.attrs = dict(attrs or {})
        self.grad = grad
        self.grad_inputs = grad_inputs
        self.rtol, self.atol = rtol, atol
        self.grad_rtol, self.grad_atol, self.eps = grad_rtol, grad_atol, eps
        self.dtype = dtype
        self.symbolic = symbolic
        self.check = check
        self.name = name or op
        self.aux = aux or []   # indices of inputs that are auxiliary states (no gradient)
        # second_order(case, ctx) -> 'checked' or 'error': for cases with a custom `check`
        # (operators that a generic call cannot build), the case's own second-order check
        self.second_order = second_order

    def __repr__(self):
        return self.name


def _cast(a, dtype):
    return a.astype(dtype) if np.issubdtype(a.dtype, np.floating) else a


def _call(case, arrays):
    return getattr(nd, case.op)(*arrays, **case.attrs)


def _as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


def run_case(case, ctx):
    if case.check is not None:
        case.check(case, ctx)
        if case.grad:
            check_second_order(case, ctx)
        return
    check_forward(case, ctx)
    if case.grad:
        check_gradient(case, ctx)
        check_second_order(case, ctx)
    if case.symbolic:
        check_symbolic(case, ctx)


def check_forward(case, ctx):
    arrays = [nd.array(_cast(a, case.dtype), ctx=ctx, dtype=_cast(a, case.dtype).dtype) for a in case.inputs]
    outs = _as_list(_call(case, arrays))
    expected = _as_list(case.reference(*[_cast(a, case.dtype) for a in case.inputs], **case.attrs))
    assert len(outs) == len(expected), "%s: %d outputs, expected %d" % (case.name, len(outs), len(expected))
    for out, exp in zip(outs, expected):
        exp = np.asarray(exp)
        assert isinstance(out, nd.NDArray)
        assert out.context == ctx
        assert out.shape == exp.shape, "%s: shape %s, expected %s" % (case.name, out.shape, exp.shape)
        np.testing.assert_allclose(out.asnumpy().astype(np.float64), exp.astype(np.float64),
                                   rtol=case.rtol, atol=case.atol, err_msg=case.name)


def _grad_indices(case):
    if case.grad_inputs is not None:
        return list(case.grad_inputs)
    return [i for i, a in enumerate(case.inputs)
            if np.issubdtype(a.dtype, np.floating) and i not in case.aux]


def _loss(case, arrays, heads):
    outs = _as_list(_call(case, arrays))
    return sum(float((o.asnumpy().astype(np.float64) * h).sum()) for o, h in zip(outs, heads))


def check_gradient(case, ctx):
    """Autograd's gradient of sum(out * head) equals central differences, in float64."""
    rng = np.random.RandomState(0)
    base = [a.astype(np.float64) if np.issubdtype(a.dtype, np.floating) else a for a in case.inputs]
    arrays = [nd.array(a, ctx=ctx, dtype=a.dtype) for a in base]
    wanted = _grad_indices(case)
    for i in wanted:
        arrays[i].attach_grad()
    with autograd.record():
        outs = _as_list(_call(case, arrays))
    heads = [rng.uniform(-1, 1, o.shape) for o in outs]
    autograd.backward(outs, [nd.array(h, ctx=ctx, dtype=np.float64) for h in heads])
    for i in wanted:
        analytic = arrays[i].grad.asnumpy()
        numeric = np.zeros_like(base[i], dtype=np.float64)
        flat = base[i].reshape(-1)
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + case.eps
            plus = _loss(case, [nd.array(a, ctx=ctx, dtype=a.dtype) for a in base], heads)
            flat[j] = orig - case.eps
            minus = _loss(case, [nd.array(a, ctx=ctx, dtype=a.dtype) for a in base], heads)
            flat[j] = orig
            numeric.reshape(-1)[j] = (plus - minus) / (2 * case.eps)
        np.testing.assert_allclose(analytic, numeric, rtol=case.grad_rtol, atol=case.grad_atol,
                                   err_msg="%s: gradient of input %d" % (case.name, i))


def check_symbolic(case, ctx):
    """sym.<op> bound to the same inputs gives the eager outputs, and its executor's backward
    (a graph built from the registered gradients) gives autograd's gradients."""
    from mxnb import sym
    base = [_cast(a, case.dtype) for a in case.inputs]
    names = ["in%d" % i for i in range(len(base))]
    variables = [sym.var(n) for n in names]
    s = getattr(sym, case.op)(*variables, **case.attrs)
    eager_arrays = [nd.array(a, ctx=ctx, dtype=a.dtype) for a in base]
    wanted = _grad_indices(case) if case.grad else []
    for i in wanted:
        eager_arrays[i].attach_grad()
    with autograd.record():
        eager = _as_list(_call(case, eager_arrays))
    rng = np.random.RandomState(1)
    heads = [nd.array(rng.uniform(-1, 1, o.shape), ctx=ctx, dtype=o.dtype) for o in eager]
    if wanted:
        autograd.backward(eager, heads)
    args = {n: nd.array(a, ctx=ctx, dtype=a.dtype) for n, a in zip(names, base)}
    arg_names = s.list_arguments()
    aux_names = s.list_auxiliary_states()
    grads = {names[i]: nd.zeros(base[i].shape, ctx=ctx, dtype=base[i].dtype) for i in wanted
             if names[i] in arg_names}
    reqs = {n: ("write" if n in grads else "null") for n in arg_names}
    exe = s.bind(ctx, args={n: args[n] for n in arg_names}, args_grad=grads, grad_req=reqs,
                 aux_states={n: args[n] for n in aux_names})
    outs = exe.forward(is_train=True)
    assert len(outs) == len(eager)
    for o, e in zip(outs, eager):
        np.testing.assert_allclose(o.asnumpy(), e.asnumpy(), rtol=case.rtol, atol=case.atol,
                                   err_msg="%s: symbolic forward" % case.name)
    if wanted:
        exe.backward(heads)
        for i in wanted:
            if names[i] in grads:
                np.testing.assert_allclose(grads[names[i]].asnumpy(), eager_arrays[i].grad.asnumpy(),
                                           rtol=1e-4, atol=1e-5,
                                           err_msg="%s: symbolic gradient of input %d" % (case.name, i))


def _first_order(case, ctx, base, wanted, heads, create_graph):
    """(input arrays, gradients of sum(out * head) with respect to the wanted inputs)."""
    arrays = [nd.array(a, ctx=ctx, dtype=a.dtype) for a in base]
    for i in wanted:
        arrays[i].attach_grad()
    mx.random.seed(0)       # random operators (Dropout) draw the same mask every time
    with autograd.record():
        outs = _as_list(_call(case, arrays))
        grads = autograd.grad(outs, [arrays[i] for i in wanted],
                              [nd.array(h, ctx=ctx, dtype=np.float64) for h in heads],
                              create_graph=create_graph, retain_graph=create_graph)
    return arrays, grads


def check_second_order(case, ctx):
    """d/dx <grad(x), v> through autograd (create_graph=True, then backward) equals central
    differences of the first-order gradient, in float64; or the operator says clearly that
    its second order is not available. Once per operator (the first case) keeps it quick."""
    op = registry.get(case.op)
    name = op.name
    if case.second_order is not None:
        # The operator cannot be called generically (it holds compiled subgraphs, say): its
        # case says how its second order behaves.
        if op.differentiable and name not in _RAN:
            _RAN.add(name)
            SECOND_ORDER[name] = case.second_order(case, ctx)
        return
    wanted = _grad_indices(case)
    # differentiable=False: no gradient passes through at all, so there is no first-order
    # gradient to differentiate (and finite differences over a sampler's large input would
    # only cost minutes)
    if name in _RAN or not wanted or not op.differentiable:
        return
    _RAN.add(name)
    rng = np.random.RandomState(2)
    base = [a.astype(np.float64) if np.issubdtype(a.dtype, np.floating) else a for a in case.inputs]
    mx.random.seed(0)
    with autograd.record():
        outs = _as_list(_call(case, [nd.array(a, ctx=ctx, dtype=a.dtype) for a in base]))
    heads = [rng.uniform(-1, 1, o.shape) for o in outs]
    probes = [rng.uniform(-1, 1, base[i].shape) for i in wanted]

    def inner(values):
        _, grads = _first_order(case, ctx, values, wanted, heads, False)
        return sum(float((g.asnumpy() * v).sum()) for g, v in zip(grads, probes))

    try:
        arrays, grads = _first_order(case, ctx, base, wanted, heads, True)
        with autograd.record():
            total = None
            for g, v in zip(grads, probes):
                term = (g * nd.array(v, ctx=ctx, dtype=np.float64)).sum()
                total = term if total is None else total + term
        if total._entry is None:      # the gradient does not depend on the inputs at all
            analytic = [np.zeros_like(base[i]) for i in wanted]
            through = set()
        else:
            # every operator of the first-order gradient's graph is differentiated here
            through = {n.op.name for n in topo_sort([total._entry])
                       if n.op is not None and isinstance(n.op, registry.Operator)}
            second = autograd.grad(total, [arrays[i] for i in wanted])
            analytic = [g.asnumpy() for g in second]
    except MXNetError as exc:
        message = str(exc)
        assert NOT_AVAILABLE in message, "%s: second order failed unclearly: %s" % (case.name, exc)
        SECOND_ORDER[name] = "error"
        for word in message.replace("(", " ").replace(")", " ").split():
            if registry.find(word) is not None:     # the operator(s) the error names
                SECOND_ORDER.setdefault(registry.get(word).name, "error")
        return
    for k, i in enumerate(wanted):
        numeric = np.zeros_like(base[i], dtype=np.float64)
        flat = base[i].reshape(-1)
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + case.eps
            plus = inner(base)
            flat[j] = orig - case.eps
            minus = inner(base)
            flat[j] = orig
            numeric.reshape(-1)[j] = (plus - minus) / (2 * case.eps)
        np.testing.assert_allclose(analytic[k], numeric, rtol=max(case.grad_rtol, 1e-3),
                                   atol=max(case.grad_atol, 1e-3),
                                   err_msg="%s: second-order gradient of input %d" % (case.name, i))
    SECOND_ORDER[name] = "checked"
    for op_name in through:
        SECOND_ORDER.setdefault(op_name, "checked")
