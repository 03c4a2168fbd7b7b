"""`mx.nd.contrib`: control flow (`foreach`, `while_loop`, `cond`) run eagerly, and the
registered `_contrib_*` operators under their short names.

The eager control flow is plain Python over NDArrays, as in MXNet: under `autograd.record()`
every operator the body runs is recorded, so gradients flow through loops and branches with no
operator of their own. (`sym.contrib` builds `_foreach` / `_while_loop` / `_cond` nodes instead;
see `mxnb.symbol.contrib`.)
"""
from ..base import MXNetError
from ..nesting import flatten, regroup as _regroup
from ..ops import registry as _registry
from .ndarray import NDArray
from .register import make_nd_function

__all__ = ["foreach", "while_loop", "cond"]


def _flatten(args, what):
    return flatten(args, lambda x: ([x], 0) if isinstance(x, NDArray) else None, what,
                   "an NDArray or a (nested) list of NDArrays")


def _stack(arrays):
    from . import stack
    return stack(*arrays, axis=0)


def _scalar(value, what):
    if isinstance(value, NDArray):
        if value.size != 1:
            raise ValueError("%s must be one value, found shape %s" % (what, value.shape))
        value = value.asscalar()
    try:
        return value.item() if hasattr(value, "item") else value
    except Exception:
        raise ValueError("Cannot convert %s to a Python scalar" % what) from None


def foreach(body, data, init_states):
    """Runs `body` over the slices of `data` along axis 0, carrying states.

    Parameters
    ----------
    body : callable
        `body(data_slice, states) -> (outputs, new_states)`; outputs an NDArray or a list of
        them, new_states shaped as states.
    data : NDArray or list of NDArray
        Sequences sliced on axis 0 (all of one length).
    init_states : NDArray or list of NDArray
        The states for the first step.

    Returns
    -------
    outputs : NDArray or list of NDArray
        The body's outputs of every step, stacked on axis 0.
    states : NDArray or list of NDArray
        The states after the last step.

    Example
    -------
    >>> step = lambda x, states: (x + states[0], [x + states[0]])
    >>> outs, states = mx.nd.contrib.foreach(step, mx.nd.ones((3, 2)), [mx.nd.zeros(2)])
    >>> outs.asnumpy()[:, 0]
    array([1., 2., 3.], dtype=float32)
    """
    flat_data, _ = _flatten(data, "foreach data")
    _flatten(init_states, "foreach init_states")
    if not flat_data:
        raise MXNetError("foreach needs at least one data NDArray")
    single = isinstance(data, NDArray)
    length = flat_data[0].shape[0]
    if any(d.shape[0] != length for d in flat_data):
        raise MXNetError("foreach: every data array needs the same length on axis 0, found "
                         "shapes %s" % [d.shape for d in flat_data])
    states = init_states
    outputs = []
    out_fmt = None
    for i in range(length):
        eles = data[i] if single else [d[i] for d in data]
        outs, states = body(eles, states)
        outs, out_fmt = _flatten(outs, "foreach output")
        outputs.append(outs)
    if out_fmt is None:
        return [], states
    stacked = [_stack(list(items)) for items in zip(*outputs)]
    return _regroup(stacked, out_fmt)[0], states


def while_loop(cond, func, loop_vars, max_iterations=None):
    """While `cond(*loop_vars)` is true and fewer than `max_iterations` steps ran,
    `(step_output, loop_vars) = func(*loop_vars)`.

    Parameters
    ----------
    cond : callable
        `cond(*loop_vars)` -> a boolean or an NDArray of one value.
    func : callable
        `func(*loop_vars)` -> (step_output, new_loop_vars).
    loop_vars : NDArray or list of NDArray
        The loop variables' initial values.
    max_iterations : int
        The most steps to run (required).

    Returns
    -------
    outputs : list of NDArray
        The step outputs stacked on axis 0, padded with zeros to max_iterations.
    loop_vars : NDArray or list of NDArray
        The final loop variables.

    Example
    -------
    >>> cond = lambda i, s: i <= 5
    >>> func = lambda i, s: ([i + s], [i + 1, s + i])
    >>> outs, (i, s) = mx.nd.contrib.while_loop(cond, func, [mx.nd.array([0]), mx.nd.array([1])],
    ...                                         max_iterations=10)
    >>> outs[0].shape
    (10, 1)
    """
    from . import zeros, concat
    if max_iterations is None:
        raise ValueError("max_iterations should be specified")
    max_iterations = int(_scalar(max_iterations, "max_iterations"))
    single = isinstance(loop_vars, NDArray)
    loop_vars = [loop_vars] if single else list(loop_vars)
    if not loop_vars:
        raise ValueError("loop_vars should contain at least one element")
    steps = 0
    outputs = []
    out_fmt = None
    while steps < max_iterations and bool(_scalar(cond(*loop_vars), "Return value of cond")):
        step_output, new_vars = func(*loop_vars)
        step_output = [] if step_output is None else step_output
        new_vars = [] if new_vars is None else new_vars
        new_vars = [new_vars] if isinstance(new_vars, NDArray) else list(new_vars)
        if len(new_vars) != len(loop_vars):
            raise ValueError("The length of loop_vars should be consistent during the loop")
        loop_vars = new_vars
        flat, out_fmt = _flatten(list(step_output) if isinstance(step_output, tuple)
                                 else step_output, "while output")
        if outputs and len(flat) != len(outputs[0]):
            raise ValueError("Number of elements in step_output should be the same in each step")
        outputs.append(flat)
        steps += 1
    stacked = []
    for i, items in enumerate(zip(*outputs)):
        items = [x.expand_dims(0) for x in items]
        if steps != max_iterations:
            items.append(zeros((max_iterations - steps,) + items[0].shape[1:],
                               ctx=items[0].context, dtype=items[0].dtype))
        shapes = {x.shape[1:] for x in items}
        if len(shapes) != 1:
            raise ValueError("Shapes of the %d-th elements in step_outputs are inconsistent: %s"
                             % (i + 1, [x.shape for x in items]))
        stacked.append(concat(*items, dim=0))
    if out_fmt is not None:
        stacked = _regroup(stacked, out_fmt)[0]
    return stacked, (loop_vars[0] if single else loop_vars)


def cond(pred, then_func, else_func):
    """Runs `then_func()` if `pred` holds, else `else_func()`, and returns its outputs.

    Parameters
    ----------
    pred : NDArray or bool
        One value.
    then_func, else_func : callable
        Functions of no arguments.

    Returns
    -------
    The outputs of the function that ran.

    Example
    -------
    >>> a, b = mx.nd.array([1]), mx.nd.array([2])
    >>> mx.nd.contrib.cond(a < b, lambda: a + b, lambda: a - b).asnumpy()
    array([3.], dtype=float32)
    """
    branch = bool(_scalar(pred, "pred"))
    return then_func() if branch else else_func()


def __getattr__(name):
    # Registered `_contrib_X` operators appear here as `X`, as in MXNet.
    op = _registry.find("_contrib_" + name)
    if op is None:
        raise AttributeError("module 'mxnb.ndarray.contrib' has no attribute %r" % name)
    fn = make_nd_function(op, name)     # nodes named after the short name (box_nms0), as MXNet
    globals()[name] = fn
    return fn


# Every operator registered so far is listed at once (dir(), tab completion); later ones are
# found by __getattr__.
for _full_name in list(_registry.all_names()):
    if _full_name.startswith("_contrib_") and _full_name[len("_contrib_"):] not in globals():
        globals()[_full_name[len("_contrib_"):]] = make_nd_function(_registry.get(_full_name),
                                                       _full_name[len("_contrib_"):])

from .contrib_helpers import (adamw_update, mp_adamw_update, multi_adamw_update,  # noqa: E402,F401
                              multi_mp_adamw_update, multi_lamb_update, multi_mp_lamb_update,
                              isinf, isfinite, isnan, rand_zipfian)
