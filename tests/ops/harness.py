"""Checks one operator case three ways: the forward pass against a NumPy reference, the gradient
(autograd) against central finite differences, and the symbolic path (sym + bind) against both.

A test module lists `CASES = [Case(...), ...]`; `test_registry_coverage.py` fails the suite for any
registered operator that no case covers.
"""
import numpy as np

from mxnb import nd, autograd


class Case:
    """One operator call to check.

    inputs: NumPy arrays (values are used as given; cast to `dtype` for the forward check).
    reference(*inputs, **attrs) -> array or list of arrays: what the operator must return.
    grad: check gradients numerically; `grad_inputs` picks which inputs (default: all float ones).
    check(case, ctx): a custom check instead of the three above (random operators).
    """

    def __init__(self, op, inputs, reference=None, attrs=None, grad=True, grad_inputs=None,
                 rtol=1e-4, atol=1e-5, grad_rtol=1e-2, grad_atol=1e-4, eps=1e-4, dtype=np.float32,
                 symbolic=True, check=None, name=None, aux=None):
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
        return
    check_forward(case, ctx)
    if case.grad:
        check_gradient(case, ctx)
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
