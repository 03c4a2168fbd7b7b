"""`mx.test_utils`: tolerances, comparisons, random inputs and symbol checks, as MXNet 1.9.1's.

Comparisons accept NDArrays and NumPy arrays alike. The symbol checks bind a Symbol with
`bind` and compare its forward outputs, backward gradients, or gradients against finite
differences (`check_numeric_gradient`).
"""
import bz2  # noqa: F401  (exported, as MXNet's)
import errno  # noqa: F401  (exported, as MXNet's)
import gzip  # noqa: F401  (exported, as MXNet's)
import json
import logging  # noqa: F401  (exported, as MXNet's)
import numbers
import os
import platform
import re
import struct  # noqa: F401  (exported, as MXNet's)
import sys
import threading
import time
import traceback  # noqa: F401  (exported, as MXNet's)
import zipfile  # noqa: F401  (exported, as MXNet's)
from contextlib import contextmanager

import numpy as np
import numpy.random as rnd  # noqa: F401  (exported, as MXNet's)
import numpy.testing as npt

import mxnb as mx

from .base import MXNetError
from .context import Context, current_context, set_base_context
from .ndarray import NDArray, array as _nd_array
from .ndarray import empty as _nd_empty

# No __all__: `from mxnet.test_utils import *` exports every public name, the modules MXNet's
# test_utils imports included (`mx`, `np`, `rnd`, `os`, `gzip`, ...); MXNet's own tests use
# them after a star import.
try:
    import requests  # noqa: F401  (MXNet's test_utils has it when it is installed)
except ImportError:
    pass

# --- contexts ------------------------------------------------------------------------------------
_thread_default = threading.local()   # .is_set: set_default_context was called in this thread
_DEVICE_PATTERN = re.compile(r"^\s*(cpu|gpu)\s*(?:[(:]\s*(\d+)\s*\)?)?\s*$")


def _context_from_env(value):
    match = _DEVICE_PATTERN.match(value)
    if not match:
        raise MXNetError("MXNET_TEST_DEVICE must look like 'cpu', 'gpu', 'gpu(1)' or 'gpu:1', "
                         "found %r" % value)
    return Context(match.group(1), int(match.group(2) or 0))


def default_context():
    """The context tests run on: the calling thread's current context once `set_default_context`
    was called in it (as in MXNet), else $MXNET_TEST_DEVICE, else the current context.

    Returns
    -------
    Context
        Where test arrays are made.

    Examples
    --------
    >>> with mx.cpu(1):
    ...     mx.test_utils.default_context()
    cpu(1)
    """
    if not getattr(_thread_default, "is_set", False):
        env = os.environ.get("MXNET_TEST_DEVICE")
        if env:
            return _context_from_env(env)
    return current_context()


def set_default_context(ctx):
    """Makes `ctx` the calling thread's context outside `with ctx:` blocks (what
    `current_context()` and `Context.default_ctx` return there); other threads keep theirs.

    Parameters
    ----------
    ctx : Context or None
        The context; None gives the thread back cpu(0) and `default_context()` back to
        $MXNET_TEST_DEVICE.

    Examples
    --------
    >>> mx.test_utils.set_default_context(mx.cpu(2))
    >>> mx.current_context()
    cpu(2)
    >>> mx.test_utils.set_default_context(None)
    """
    from .base import ArgumentTypeError
    if ctx is not None and not isinstance(ctx, Context):
        raise ArgumentTypeError("set_default_context takes a Context or None, found %s"
                                % type(ctx).__name__)
    set_base_context(ctx if ctx is not None else Context("cpu", 0))
    _thread_default.is_set = ctx is not None


def list_gpus():
    from .context import num_gpus
    return list(range(num_gpus()))


# --- tolerances ----------------------------------------------------------------------------------
def default_dtype():
    return np.float32


_EXACT = (np.bool_, np.int8, np.uint8, np.int32, np.uint32, np.int64, np.uint64)


def default_rtols():
    """Relative tolerance per dtype."""
    tols = {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-5}
    tols.update({np.dtype(t): 0 for t in _EXACT})
    return tols


def default_atols():
    """Absolute tolerance per dtype."""
    tols = {np.dtype(np.float16): 1e-1, np.dtype(np.float32): 1e-3, np.dtype(np.float64): 1e-20}
    tols.update({np.dtype(t): 0 for t in _EXACT})
    return tols


def default_numeric_eps():
    """Finite-difference step per dtype (powers of two: no bits lost when added)."""
    return {np.dtype(np.float16): 1.0 / 2 ** 6, np.dtype(np.float32): 1.0 / 2 ** 9,
            np.dtype(np.float64): 1.0 / 2 ** 14}


def _dtype_of(dat):
    return np.dtype(dat.dtype)


def get_tolerance(dat, tol, default_tol):
    """`tol` if it is a number, else its (or the default's) entry for dat's dtype."""
    if isinstance(tol, numbers.Number):
        return tol
    dtype = _dtype_of(dat)
    tol = {} if tol is None else tol
    if dtype not in tol and dtype not in default_tol:
        raise MXNetError("no default tolerance for dtype %s; give rtol/atol explicitly" % dtype)
    return tol.get(dtype, default_tol.get(dtype))


def get_tols(x, y, rtol, atol):
    """(rtol, atol) for comparing x and y: the larger of the two dtypes' tolerances."""
    x = np.array(x) if isinstance(x, numbers.Number) else x
    y = np.array(y) if isinstance(y, numbers.Number) else y
    rtol = max(get_tolerance(x, rtol, default_rtols()), get_tolerance(y, rtol, default_rtols()))
    atol = max(get_tolerance(x, atol, default_atols()), get_tolerance(y, atol, default_atols()))
    return rtol, atol


def get_atol(atol=None, dtype=np.dtype(np.float64)):
    return default_atols()[np.dtype(dtype)] if atol is None else atol


def get_rtol(rtol=None, dtype=np.dtype(np.float64)):
    return default_rtols()[np.dtype(dtype)] if rtol is None else rtol


# --- random inputs -------------------------------------------------------------------------------
def random_arrays(*shapes):
    """Standard-normal float32 NumPy arrays, one per shape (one array if one shape)."""
    arrays = [np.array(np.random.randn(), dtype=default_dtype()) if len(s) == 0
              else np.random.randn(*s).astype(default_dtype()) for s in shapes]
    return arrays[0] if len(arrays) == 1 else arrays


def random_uniform_arrays(*shapes, **kwargs):
    low = kwargs.pop("low", 0.0)
    high = kwargs.pop("high", 1.0)
    dtype = kwargs.pop("dtype", default_dtype())
    if kwargs:
        raise TypeError("Got unexpected argument/s : " + str(list(kwargs)))
    return [np.random.uniform(low, high, size=s).astype(dtype) for s in shapes]


def rand_ndarray(shape, stype="default", density=None, dtype=None, modifier_func=None,
                 shuffle_csr_indices=False, distribution=None, ctx=None):
    """A random NDArray of `shape` on ctx (or default_context()).

    Parameters
    ----------
    shape : tuple of int
    stype : {'default', 'csr', 'row_sparse'}
        'default': standard-normal values; the sparse types come from `rand_sparse_ndarray`,
        which takes the other arguments.
    density, modifier_func, shuffle_csr_indices, distribution
        For sparse types, as `rand_sparse_ndarray` takes them.
    dtype : numpy dtype, optional
        float32 when None.
    ctx : Context, optional

    Returns
    -------
    NDArray, CSRNDArray or RowSparseNDArray

    Examples
    --------
    >>> mx.test_utils.rand_ndarray((4, 3), 'csr', density=0.5).stype
    'csr'
    """
    ctx = ctx if ctx else default_context()
    if stype == "default":
        return _nd_array(random_arrays(shape), ctx=ctx,
                         dtype=dtype if dtype is not None else np.float32)
    arr, _ = rand_sparse_ndarray(shape, stype, density=density, modifier_func=modifier_func,
                                 dtype=dtype, shuffle_csr_indices=shuffle_csr_indices,
                                 distribution=distribution, ctx=ctx)
    return arr


def rand_shape_2d(dim0=10, dim1=10, allow_zero_size=False):
    """A random 2-D shape, each dimension in [1, dimK] ([0, dimK] with allow_zero_size)."""
    low = 0 if allow_zero_size else 1
    return np.random.randint(low, dim0 + 1), np.random.randint(low, dim1 + 1)


def rand_shape_3d(dim0=10, dim1=10, dim2=10, allow_zero_size=False):
    """A random 3-D shape, each dimension in [1, dimK] ([0, dimK] with allow_zero_size)."""
    low = 0 if allow_zero_size else 1
    return (np.random.randint(low, dim0 + 1), np.random.randint(low, dim1 + 1),
            np.random.randint(low, dim2 + 1))


def rand_shape_nd(num_dim, dim=10, allow_zero_size=False):
    """A random `num_dim`-D shape, each dimension in [1, dim] ([0, dim] with allow_zero_size)."""
    low = 0 if allow_zero_size else 1
    return tuple(np.random.randint(low, dim + 1, size=num_dim))


# --- comparisons ---------------------------------------------------------------------------------
def _host(value):
    return value.asnumpy() if isinstance(value, NDArray) else value


def same(a, b):
    """Whether a and b have the same shape and elements."""
    return np.array_equal(_host(a), _host(b))


def _check_shapes(a, b):
    if a.shape != b.shape:
        raise AssertionError(npt.build_err_msg(
            [a, b], err_msg="a.shape = {} and b.shape = {} are not equal".format(a.shape, b.shape)))


def almost_equal(a, b, rtol=None, atol=None, equal_nan=False, use_broadcast=True):
    """Whether |a - b| <= atol + rtol * |b| everywhere (defaults: float64's tolerances)."""
    a, b = _host(a), _host(b)
    if not use_broadcast:
        _check_shapes(np.asarray(a), np.asarray(b))
    return np.allclose(a, b, rtol=get_rtol(rtol), atol=get_atol(atol), equal_nan=equal_nan)


def _find_max_violation(a, b, rtol, atol):
    """Index and size of the largest violation, counting equal infinities as equal."""
    absdiff = np.where(np.equal(a, b), 0, np.abs(a - b))
    violation = absdiff / (atol + rtol * np.abs(b) + 1e-20)
    loc = np.argmax(violation)
    return tuple(int(i) for i in np.unravel_index(loc, violation.shape)), np.max(violation)


def _location_error(a, b, index, names, max_error=False):
    return "Location of %serror: %s, %s=%.8f, %s=%.8f" % (
        "maximum " if max_error else "", str(index), names[0], a[index], names[1], b[index])


def assert_almost_equal(a, b, rtol=None, atol=None, names=("a", "b"), equal_nan=False,
                        use_broadcast=True, mismatches=(10, 10)):
    """Raises AssertionError naming the worst mismatches unless a and b are almost equal.

    rtol/atol: a number, a dict dtype -> tolerance, or None for the dtypes' defaults.
    """
    rtol, atol = get_tols(a, b, rtol, atol)
    a = np.asarray(_host(a))
    b = np.asarray(_host(b))
    if not use_broadcast:
        _check_shapes(a, b)
    if a.dtype == np.bool_ and b.dtype == np.bool_:
        np.testing.assert_equal(a, b)
        return
    if np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan):
        return
    a, b = np.broadcast_arrays(a, b)
    index, rel = _find_max_violation(a, b, rtol, atol)
    if index != ():
        lines = []
        a_left, b_left = a.astype(np.float64), b.astype(np.float64)
        count, worst_index, worst = 1, index, rel
        while count <= a.size:  # peel off violations, worst first, to count and show them
            if count <= mismatches[0]:
                lines.append("%3d: Error %f  %s" % (count, rel, _location_error(a, b, index, names)))
            a_left[index] = b_left[index] = 0
            if np.allclose(a_left, b_left, rtol=rtol, atol=atol, equal_nan=equal_nan):
                break
            count += 1
            if count <= mismatches[1] or mismatches[1] <= 0:
                index, rel = _find_max_violation(a_left, b_left, rtol, atol)
            else:
                break
        degree = "at least " if mismatches[1] > 0 and count > mismatches[1] else ""
        message = "Error %f exceeds tolerance rtol=%e, atol=%e (mismatch %s%f%%).\n%s\n%s" % (
            worst, rtol, atol, degree, 100 * count / a.size,
            _location_error(a, b, worst_index, names, max_error=True), "\n".join(lines))
    else:
        message = "Error %f exceeds tolerance rtol=%e, atol=%e.\n" % (rel, rtol, atol)
    with np.printoptions(threshold=4, suppress=True):
        raise AssertionError(npt.build_err_msg([a, b], err_msg=message, names=names))


def assert_allclose(a, b, rtol=1e-07, atol=0, equal_nan=True):
    assert_almost_equal(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def assert_almost_equal_ignore_nan(a, b, rtol=None, atol=None, names=("a", "b")):
    """assert_almost_equal with positions that are NaN in either array left out."""
    a = np.copy(_host(a))
    b = np.copy(_host(b))
    nan_mask = np.logical_or(np.isnan(a), np.isnan(b))
    a[nan_mask] = 0
    b[nan_mask] = 0
    assert_almost_equal(a, b, rtol, atol, names)


def assert_exception(f, exception_type, *args, **kwargs):
    """Asserts that f(*args, **kwargs) raises exception_type."""
    try:
        f(*args, **kwargs)
    except exception_type:
        return
    raise AssertionError("%s did not raise %s" % (getattr(f, "__name__", f), exception_type.__name__))


def retry(n):
    """Decorator: reruns a stochastic test up to n times before letting its AssertionError out."""
    assert n > 0

    def decorate(f):
        def wrapper(*args, **kwargs):
            for i in range(n):
                try:
                    return f(*args, **kwargs)
                except AssertionError:
                    if i == n - 1:
                        raise
        wrapper.__name__ = f.__name__
        return wrapper
    return decorate


# --- symbol checks -------------------------------------------------------------------------------
_FLOAT_TYPES = (np.float16, np.float32, np.float64)


def _check_dtype(dtype, allow_asnumpy=True):
    if not ((allow_asnumpy and isinstance(dtype, str) and dtype == "asnumpy")
            or (not isinstance(dtype, str) and np.dtype(dtype) in [np.dtype(t) for t in _FLOAT_TYPES])):
        raise MXNetError("dtype must be %snp.float16, np.float32 or np.float64, found %r"
                         % ("'asnumpy', " if allow_asnumpy else "", dtype))


def _to_nd(value, ctx, dtype):
    if isinstance(value, NDArray):
        return value
    value = np.asarray(value)
    return _nd_array(value, ctx=ctx, dtype=value.dtype if isinstance(dtype, str) else dtype)


def _parse_location(sym, location, ctx, dtype=np.float32):
    """{argument name: NDArray} from a list (in list_arguments() order) or a dict of arrays."""
    arg_names = sym.list_arguments()
    if isinstance(location, dict):
        if set(location) != set(arg_names):
            raise ValueError("Symbol arguments and keys of the given location do not match. "
                             "symbol args:%s, location.keys():%s" % (set(arg_names), set(location)))
    elif isinstance(location, (list, tuple)):
        if len(location) != len(arg_names):
            raise ValueError("location has %d arrays, the symbol takes %d arguments: %s"
                             % (len(location), len(arg_names), arg_names))
        location = dict(zip(arg_names, location))
    else:
        raise TypeError("location must be a list, tuple or dict, found %s" % type(location).__name__)
    return {k: _to_nd(location[k], ctx, dtype) for k in sorted(location)}


def _parse_aux_states(sym, aux_states, ctx, dtype=np.float32):
    if aux_states is None:
        return None
    aux_names = sym.list_auxiliary_states()
    if isinstance(aux_states, dict):
        if set(aux_states) != set(aux_names):
            raise ValueError("Symbol aux_states names and given aux_states do not match. "
                             "symbol aux_names:%s, aux_states.keys:%s" % (set(aux_names), set(aux_states)))
    else:
        aux_states = dict(zip(aux_names, aux_states))
    return {k: _to_nd(v, ctx, dtype) for k, v in aux_states.items()}


def simple_forward(sym, ctx=None, is_train=False, **inputs):
    """Outputs (NumPy) of `sym` bound to the NumPy `inputs`; one array if one output."""
    ctx = ctx or default_context()
    inputs = {k: _nd_array(v, ctx=ctx) for k, v in inputs.items()}
    exe = sym.bind(ctx, args=inputs)
    exe.forward(is_train=is_train)
    outputs = [x.asnumpy() for x in exe.outputs]
    return outputs[0] if len(outputs) == 1 else outputs


def _single_output(executor):
    if len(executor.outputs) != 1:
        raise MXNetError("check_numeric_gradient needs a symbol with one output, found %d"
                         % len(executor.outputs))
    return executor.outputs[0].asnumpy().astype(np.float64)


def numeric_grad(executor, location, aux_states=None, eps=1e-4, use_forward_train=True,
                 dtype=np.float32, projection=None, grad_nodes=None):
    """Central finite differences of sum(output * projection) for each float argument in location.

    location / aux_states: dicts name -> NumPy array. Each evaluation restores the aux states,
    so layers that update them in training mode (BatchNorm) see the same state every time.
    """
    def evaluate():
        if aux_states is not None:
            for key, val in aux_states.items():
                executor.aux_dict[key][:] = val
        executor.forward(is_train=use_forward_train)
        out = _single_output(executor)
        return (out * projection).sum() if projection is not None else out.sum()

    names = list(location) if grad_nodes is None else list(grad_nodes)
    approx_grads = {k: np.zeros(location[k].shape, dtype=dtype) for k in names}
    for k in names:
        v = np.array(location[k], order="C", copy=True)
        if v.dtype.kind != "f":
            continue
        flat = v.reshape(-1)
        target = executor.arg_dict[k]
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps / 2.0
            target[:] = v.astype(dtype)
            f_peps = evaluate()
            flat[i] = old - eps / 2.0
            target[:] = v.astype(dtype)
            f_neps = evaluate()
            approx_grads[k].reshape(-1)[i] = (f_peps - f_neps) / eps
            flat[i] = old
        target[:] = v.astype(dtype)
    return approx_grads


def _grad_reqs(grad_nodes, arg_names):
    if grad_nodes is None:
        return {k: "write" for k in arg_names}
    if isinstance(grad_nodes, (list, tuple)):
        return {k: "write" for k in grad_nodes}
    if isinstance(grad_nodes, dict):
        return dict(grad_nodes)
    raise ValueError("grad_nodes must be None, a list of names or a dict name -> grad_req, "
                     "found %s" % type(grad_nodes).__name__)


def _compare_grad(name, req, reference, computed, initial, rtol, atol, names, equal_nan=False):
    """Checks one argument's gradient buffer according to its grad_req."""
    computed = _host(computed)
    if req == "write":
        assert_almost_equal(reference, computed, rtol, atol, names, equal_nan=equal_nan)
    elif req == "add":
        assert_almost_equal(reference, computed - initial, rtol, atol, names, equal_nan=equal_nan)
    elif req == "null":
        assert_almost_equal(initial, computed, rtol, atol, names, equal_nan=equal_nan)
    else:
        raise ValueError("Invalid grad_req %s for argument %s" % (req, name))


def _sparse_grad_buffers(args_grad, initial, stypes, ctx):
    """Replaces the gradient buffers `stypes` names with empty sparse arrays of that storage
    type (as MXNet), whose starting value, for 'add' and 'null' checks, is then zero."""
    for name, stype in (stypes or {}).items():
        if name in args_grad and stype not in (None, "default"):
            dense = args_grad[name]
            args_grad[name] = mx.nd.sparse.zeros(stype, dense.shape, ctx=ctx, dtype=dense.dtype)
            initial[name] = np.zeros(dense.shape)


def check_numeric_gradient(sym, location, aux_states=None, numeric_eps=None, rtol=None,
                           atol=None, grad_nodes=None, use_forward_train=True, ctx=None,
                           grad_stype_dict=None, dtype=np.float32):
    """Checks backward's gradients of sum(sym * random projection) against finite differences.

    location: the argument values (a list in list_arguments() order, or a dict).
    grad_nodes: the arguments to check (default all), or a dict name -> grad_req.
    numeric_eps / rtol / atol: None picks the per-dtype defaults of MXNet 1.9.1.
    """
    _check_dtype(dtype, allow_asnumpy=False)
    ctx = ctx or default_context()
    if grad_stype_dict is not None and not isinstance(grad_stype_dict, dict):
        raise MXNetError("check_numeric_gradient: grad_stype_dict must be a dict name -> stype, "
                         "found %s" % type(grad_stype_dict).__name__)
    location = _parse_location(sym, location, ctx, dtype)
    location_npy = {k: v.asnumpy() for k, v in location.items()}
    aux_states = _parse_aux_states(sym, aux_states, ctx, dtype)
    aux_states_npy = {k: v.asnumpy() for k, v in aux_states.items()} if aux_states else None
    grad_req = _grad_reqs(grad_nodes, sym.list_arguments())

    _, out_shapes, _ = sym.infer_shape(**{k: v.shape for k, v in location.items()})
    if len(out_shapes) != 1:
        raise MXNetError("check_numeric_gradient needs a symbol with one output, found %d"
                         % len(out_shapes))
    # Not too small, or finite differences lose too much precision.
    projection = (np.random.rand(*out_shapes[0]) + 0.1).astype(dtype)
    initial_grads = {k: np.random.normal(0, 0.01, size=location[k].shape) for k in grad_req}
    args_grad = {k: _nd_array(v, ctx=ctx, dtype=dtype) for k, v in initial_grads.items()}
    _sparse_grad_buffers(args_grad, initial_grads, grad_stype_dict, ctx)
    executor = sym.bind(ctx, args=location, args_grad=args_grad, grad_req=grad_req,
                        aux_states=aux_states)
    executor.forward(is_train=True)
    # The gradient of sum(out * projection) is backward with `projection` as the head gradient.
    executor.backward([_nd_array(projection, ctx=ctx, dtype=dtype)])
    symbolic_grads = {k: executor.grad_dict[k].asnumpy() for k in grad_req}

    eps = get_tolerance(np.zeros(1, dtype=dtype), numeric_eps, default_numeric_eps())
    if np.dtype(dtype) in (np.dtype(np.float32), np.dtype(np.float16)) and eps < 1e-5:
        raise MXNetError("numeric_eps %g is too small for %s finite differences (at least 1e-5)"
                         % (eps, np.dtype(dtype).name))
    numeric = numeric_grad(executor, location_npy, aux_states_npy, eps=eps,
                           use_forward_train=use_forward_train, dtype=dtype, projection=projection,
                           grad_nodes=[k for k in grad_req if grad_req[k] != "null"])
    for name, req in grad_req.items():
        _compare_grad(name, req, numeric.get(name), symbolic_grads[name], initial_grads[name],
                      rtol, atol, ("NUMERICAL_%s" % name, "BACKWARD_%s" % name))


def check_symbolic_forward(sym, location, expected, rtol=None, atol=None, aux_states=None,
                           ctx=None, equal_nan=False, dtype=np.float32):
    """Checks the forward outputs of `sym` at `location` against `expected` (list or dict by
    output name); returns the executor's outputs."""
    _check_dtype(dtype)
    ctx = ctx or default_context()
    location = _parse_location(sym, location, ctx, dtype)
    aux_states = _parse_aux_states(sym, aux_states, ctx, dtype)
    if isinstance(expected, dict):
        expected = [expected[k] for k in sym.list_outputs()]
    args_grad = {k: _nd_empty(v.shape, ctx=ctx, dtype=v.dtype) for k, v in location.items()}
    for g in args_grad.values():
        g[:] = 0
    executor = sym.bind(ctx=ctx, args=location, args_grad=args_grad, aux_states=aux_states)
    executor.forward(is_train=False)
    outputs = executor.outputs
    if len(expected) != len(outputs):
        raise MXNetError("check_symbolic_forward: expected %d outputs, the symbol has %d (%s)"
                         % (len(expected), len(outputs), sym.list_outputs()))
    for output_name, expect, output in zip(sym.list_outputs(), expected, outputs):
        assert_almost_equal(expect, output, rtol, atol,
                            ("EXPECTED_%s" % output_name, "FORWARD_%s" % output_name),
                            equal_nan=equal_nan)
    return executor.outputs


def check_symbolic_backward(sym, location, out_grads, expected, rtol=None, atol=None,
                            aux_states=None, grad_req="write", ctx=None, grad_stypes=None,
                            equal_nan=False, dtype=np.float32):
    """Checks the gradients backward writes for head gradients `out_grads` against `expected`
    (list in list_arguments() order or dict by name); returns the gradient arrays by name.

    Gradient buffers start from random values, so 'add' and 'null' requests are checked too.
    """
    _check_dtype(dtype)
    ctx = ctx or default_context()
    location = _parse_location(sym, location, ctx, dtype)
    aux_states = _parse_aux_states(sym, aux_states, ctx, dtype)
    arg_names = sym.list_arguments()
    if isinstance(expected, (list, tuple)):
        expected = dict(zip(arg_names, expected))
    expected = {k: _host(v) for k, v in expected.items()}
    # Dirty the gradient buffers deterministically (sorted names), as MXNet does.
    initial = {k: np.random.normal(size=np.shape(expected[k])) for k in sorted(expected)}
    args_grad = {k: _nd_array(v, ctx=ctx, dtype=np.asarray(expected[k]).dtype
                             if isinstance(dtype, str) else dtype) for k, v in initial.items()}
    _sparse_grad_buffers(args_grad, initial, grad_stypes, ctx)
    if isinstance(grad_req, str):
        grad_req = {k: grad_req for k in arg_names}
    elif isinstance(grad_req, (list, tuple)):
        grad_req = dict(zip(arg_names, grad_req))
    executor = sym.bind(ctx=ctx, args=location, args_grad=args_grad, aux_states=aux_states,
                        grad_req=grad_req)
    executor.forward(is_train=True)
    if isinstance(out_grads, (list, tuple)):
        out_grads = [_to_nd(g, ctx, dtype) for g in out_grads]
    elif isinstance(out_grads, dict):
        out_grads = {k: _to_nd(g, ctx, dtype) for k, g in out_grads.items()}
    elif out_grads is not None:
        raise TypeError("out_grads must be None, a list or a dict, found %s" % type(out_grads).__name__)
    executor.backward(out_grads)
    for name in expected:
        _compare_grad(name, grad_req[name], expected[name], args_grad[name], initial[name], rtol,
                      atol, ("EXPECTED_%s" % name, "BACKWARD_%s" % name), equal_nan=equal_nan)
    return args_grad


# --- the rest of MXNet 1.9.1's helpers ----------------------------------------------------------
from ._testing_stats import (gen_buckets_probs_with_ppf, chi_square_check,  # noqa: E402,F401
                             verify_generator, mean_check, var_check)
from ._testing_data import (download, get_mnist, get_mnist_ubyte, get_mnist_pkl,  # noqa: E402,F401
                            get_mnist_iterator, get_cifar10, get_zip_data, get_bz2_data,
                            download_model, get_im2rec_path, DummyIter)
from ._testing_sparse import (rand_sparse_ndarray, create_sparse_array,  # noqa: E402,F401
                              create_sparse_array_zd, shuffle_csr_column_indices)
from .symbol import Symbol  # noqa: E402,F401
from .context import Context  # noqa: E402,F401,F811
from .ndarray import array  # noqa: E402,F401
from .util import getenv, setenv, use_np, get_cuda_compute_capability  # noqa: E402,F401
from .runtime import Features  # noqa: E402,F401
from collections import OrderedDict  # noqa: E402,F401

class _NumpySymbol(Symbol):
    """MXNet's NumPy-frontend Symbol class (`mx.sym.np._Symbol`): mxnb builds no such
    symbols, so nothing is an instance of it."""


np_symbol = _NumpySymbol


class _LazyModule:
    """A module imported on its first attribute use: scipy.stats takes a second to import."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        if attr.startswith("__"):       # copy, pickle and friends probing: not the module's
            raise AttributeError(attr)
        import importlib
        return getattr(importlib.import_module(self.__dict__["_name"]), attr)

    def __repr__(self):
        return "<module %r, imported on first use>" % self._name


def _scipy_stats():
    from importlib.util import find_spec
    return _LazyModule("scipy.stats") if find_spec("scipy") is not None else None


ss = _scipy_stats()   # MXNet's `import scipy.stats as ss` (None without SciPy)

checkShapes = _check_shapes          # MXNet's names for these two
locationError = _location_error


def get_etol(etol=None):
    """The tolerated fraction of mismatching elements (0 by default)."""
    return 0 if etol is None else etol


def effective_dtype(dat):
    """The dtype whose tolerances apply to `dat`: its own (CuPy computes float32 matmuls in
    float32 unless TF32 is turned on with CUPY_TF32=1, when it is treated as float16)."""
    dtype = np.dtype(dat.dtype)
    if (dtype == np.float32 and getattr(dat, "context", None) is not None
            and dat.context.device_type == "gpu" and os.environ.get("CUPY_TF32") == "1"):
        return np.dtype(np.float16)
    return dtype


def assert_almost_equal_with_err(a, b, rtol=None, atol=None, etol=None, names=("a", "b"),
                                 equal_nan=False, mismatches=(10, 10)):
    """assert_almost_equal that tolerates a fraction `etol` of mismatching elements."""
    etol = get_etol(etol)
    if etol <= 0:
        assert_almost_equal(a, b, rtol, atol, names, equal_nan, mismatches=mismatches)
        return
    rtol, atol = get_tols(a, b, rtol, atol)
    a, b = np.asarray(_host(a)), np.asarray(_host(b))
    close = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    fraction = 1.0 - close.sum() / float(close.size or 1)
    if fraction > etol:
        raise AssertionError("%f%% of the elements of %s and %s differ beyond rtol=%g, atol=%g; "
                             "at most %f%% may (etol)" % (100 * fraction, names[0], names[1], rtol,
                                                          atol, 100 * etol))


def np_reduce(dat, axis, keepdims, numpy_reduce_func):
    """Reduces NumPy array `dat` over `axis` (int, tuple or None) with a one-axis reducer."""
    if isinstance(axis, int):
        axis = [axis]
    else:
        axis = list(axis) if axis is not None else list(range(len(dat.shape)))
    ret = dat
    for i in reversed(sorted(axis)):
        ret = numpy_reduce_func(ret, axis=i)
    if keepdims:
        shape = list(dat.shape)
        for i in axis:
            shape[i] = 1
        ret = ret.reshape(tuple(shape))
    return ret


def same_array(array1, array2):
    """Whether two NDArrays share their memory (writing one changes the other)."""
    array1[:] += 1
    if not same(array1.asnumpy(), array2.asnumpy()):
        array1[:] -= 1
        return False
    array1[:] -= 1
    return same(array1.asnumpy(), array2.asnumpy())


def same_symbol_structure(sym1, sym2):
    """Whether two symbols apply the same operators in the same order."""
    nodes1 = json.loads(sym1.tojson())["nodes"]
    nodes2 = json.loads(sym2.tojson())["nodes"]
    return all(n1["op"] == n2["op"] for n1, n2 in zip(nodes1, nodes2))


def assign_each(the_input, function):
    """`function` applied to every element of a NumPy array."""
    return np.vectorize(function)(the_input) if function is not None else np.copy(the_input)


def assign_each2(input1, input2, function):
    """`function` applied to every pair of elements of two same-shaped NumPy arrays."""
    if input1.shape != input2.shape:
        raise AssertionError("assign_each2: shapes %s and %s differ" % (input1.shape, input2.shape))
    return np.vectorize(function)(input1, input2) if function is not None else np.copy(input1)


def collapse_sum_like(a, shape):
    """`a` summed over the axes it was broadcast along to reach its shape from `shape`."""
    extra = len(a.shape) - len(shape)
    a = a.sum(axis=tuple(range(extra))) if extra > 0 else a
    axes = tuple(i for i, (da, ds) in enumerate(zip(a.shape, shape)) if ds == 1 and da != 1)
    return a.sum(axis=axes, keepdims=True).reshape(shape) if axes else a.reshape(shape)


def compare_ndarray_tuple(t1, t2, rtol=None, atol=None):
    """Asserts two (nested) tuples of NDArrays are almost equal; None entries are skipped."""
    if t1 is None or t2 is None:
        return
    if isinstance(t1, tuple):
        for s1, s2 in zip(t1, t2):
            compare_ndarray_tuple(s1, s2, rtol, atol)
    else:
        assert_almost_equal(t1, t2, rtol=rtol, atol=atol)


def _optimizer_pair(shape, stype, dtype, density):
    """(dense, same values in `stype`): uniform [0, 1) values for 'default', as MXNet's."""
    if stype == "default":
        second = mx.nd.random.uniform(shape=shape, ctx=default_context(), dtype=dtype)
        return second.copyto(default_context()), second
    if stype in ("row_sparse", "csr"):
        second = rand_ndarray(shape, stype, density=density, dtype=dtype)
        return second.copyto(default_context()).tostype("default"), second
    raise MXNetError("compare_optimizer: storage type %r is not supported; expected 'default', "
                     "'row_sparse' or 'csr'" % (stype,))


def compare_optimizer(opt1, opt2, shape, dtype, w_stype="default", g_stype="default",
                      rtol=1e-4, atol=1e-5, compare_states=True, ntensors=1):
    """Runs one update of two optimizers on the same random weights and gradients and
    compares the weights (and states).

    Parameters
    ----------
    opt1, opt2 : Optimizer
        opt1 updates dense arrays; opt2 the `w_stype` weight with the `g_stype` gradient (a
        sparse weight is fully stored, a sparse gradient has random density).
    shape : tuple, or list of tuples
        A list: a multi-tensor check, opt2 updating all `ntensors` arrays in one call and opt1
        one at a time.
    dtype : numpy dtype
    w_stype, g_stype : {'default', 'row_sparse', 'csr'}
    rtol, atol : float
    compare_states : bool
    ntensors : int

    Examples
    --------
    >>> mx.test_utils.compare_optimizer(mx.optimizer.SGD(learning_rate=0.1),
    ...                                 mx.optimizer.SGD(learning_rate=0.1), (3, 4), np.float32)
    """
    if isinstance(shape, list):
        _compare_multi_tensor(opt1, opt2, shape, dtype, rtol, atol, compare_states, ntensors)
        return
    if ntensors != 1:
        raise MXNetError("compare_optimizer: ntensors=%d needs a list of shapes, found %r"
                         % (ntensors, shape))
    w1, w2 = _optimizer_pair(shape, w_stype, dtype, density=1)
    g1, g2 = _optimizer_pair(shape, g_stype, dtype, density=None)
    state1 = opt1.create_state_multi_precision(0, w1)
    state2 = opt2.create_state_multi_precision(0, w2)
    if compare_states:
        compare_ndarray_tuple(state1, state2)
    opt1.update_multi_precision(0, w1, g1, state1)
    opt2.update_multi_precision(0, w2, g2, state2)
    if compare_states:
        compare_ndarray_tuple(state1, state2, rtol=rtol, atol=atol)
    assert_almost_equal(w1, w2, rtol=rtol, atol=atol)


def _compare_multi_tensor(opt1, opt2, shapes, dtype, rtol, atol, compare_states, ntensors):
    """opt2 updates the `ntensors` weights in one call; opt1, the reference, one by one."""
    def uniform(s):
        return mx.nd.random.uniform(shape=s, ctx=default_context(), dtype=dtype)
    w1 = [uniform(s) for s in shapes]
    g1 = [uniform(s) for s in shapes]
    w2 = tuple(w.copy() for w in w1)
    g2 = tuple(g.copy() for g in g1)
    state2 = [opt2.create_state_multi_precision(0, w2[i]) for i in range(ntensors)]
    opt2.update_multi_precision(list(range(ntensors)), w2, g2, state2)
    for i in range(ntensors):
        state1 = opt1.create_state_multi_precision(i, w1[i])
        opt1.update_multi_precision(i, w1[i], g1[i], state1)
        if compare_states:
            compare_ndarray_tuple(state1, state2[i], rtol, atol)
        compare_ndarray_tuple(w1[i], w2[i], rtol, atol)


def create_2d_tensor(rows, columns, dtype=np.int64):
    """An NDArray whose row i is filled with i."""
    a = np.arange(0, rows).reshape(rows, 1)
    return mx.nd.array(np.broadcast_to(a, (rows, columns)), dtype=dtype)


def create_vector(size, dtype=np.int64):
    """nd.arange(size)."""
    return mx.nd.arange(0, size, dtype=dtype)


def get_identity_mat(size):
    """The size x size identity as an NDArray."""
    return mx.nd.array(np.eye(size))


def get_identity_mat_batch(size):
    """Two size x size identities stacked: shape (2, size, size)."""
    eye = np.eye(size)
    return mx.nd.array([eye, eye])


def rand_coord_2d(x_low, x_high, y_low, y_high):
    """A random integer point (x, y) in [x_low, x_high) x [y_low, y_high)."""
    return (np.random.randint(x_low, x_high, dtype=np.int64),
            np.random.randint(y_low, y_high, dtype=np.int64))


def random_sample(population, k):
    """k elements of a list, without replacement."""
    if not 0 <= k <= len(population):
        raise AssertionError("random_sample: k=%d out of [0, %d]" % (k, len(population)))
    copy = population[:]
    np.random.shuffle(copy)
    return copy[0:k]


def new_orthonormal_matrix_2d(n):
    """A random n x n orthonormal matrix."""
    x = np.random.randn(n, n)
    return np.linalg.qr(np.matmul(x.T, x))[0]


def new_sym_matrix_with_real_eigvals_2d(n):
    """A random symmetric n x n matrix with eigenvalues in [-10, 10]."""
    q = new_orthonormal_matrix_2d(n)
    return np.matmul(np.matmul(q.T, np.diag(np.random.uniform(-10.0, 10.0, n))), q)


def new_sym_matrix_with_real_eigvals_nd(shape):
    """A batch (shape[:-2]) of new_sym_matrix_with_real_eigvals_2d."""
    n = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return np.array([new_sym_matrix_with_real_eigvals_2d(shape[-1]) for _ in range(n)]).reshape(shape)


def new_matrix_with_real_eigvals_2d(n):
    """A random (non-symmetric) n x n matrix with real eigenvalues in [-10, 10], well
    conditioned."""
    while True:
        d = np.diag(np.random.uniform(-1.0, 1.0, n))
        v = np.random.uniform(-1.0, 1.0, (n, 1))
        v /= np.linalg.norm(v)
        q = np.matmul(np.eye(n) - 2 * np.matmul(v, v.T), d)
        if np.linalg.cond(q, 2) < 3:
            break
    return np.matmul(np.matmul(np.linalg.inv(q), np.diag(np.random.uniform(-10.0, 10.0, n))), q)


def new_matrix_with_real_eigvals_nd(shape):
    """A batch (shape[:-2]) of new_matrix_with_real_eigvals_2d."""
    n = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return np.array([new_matrix_with_real_eigvals_2d(shape[-1]) for _ in range(n)]).reshape(shape)


@contextmanager
def environment(*args):
    """Sets environment variables inside a `with` block and restores them after.

    `environment('MXNET_X', '1')` or `environment({'MXNET_X': '1', 'MXNET_Y': None})`
    (None unsets).
    """
    if len(args) == 2:
        changes = {args[0]: args[1]}
    elif len(args) == 1 and isinstance(args[0], dict):
        changes = dict(args[0])
    else:
        raise ValueError("environment takes (name, value) or a dict, found %r" % (args,))
    saved = {k: os.environ.get(k) for k in changes}
    try:
        for key, value in changes.items():
            setenv(key, value)
        yield
    finally:
        for key, value in saved.items():
            setenv(key, value)


@contextmanager
def discard_stderr():
    """Silences the process's stderr (file descriptor 2) inside a `with` block."""
    with open(os.devnull, "w") as devnull:
        try:
            fileno = sys.stderr.fileno()
        except (AttributeError, OSError, ValueError):
            yield
            return
        saved = os.dup(fileno)
        try:
            os.dup2(devnull.fileno(), fileno)
            yield
        finally:
            os.dup2(saved, fileno)
            os.close(saved)


def is_cd_run():
    """Whether this is a continuous-delivery run ($CD_JOB == '1')."""
    return os.environ.get("CD_JOB", "0") == "1"


def is_aarch64_run():
    return platform.machine() == "aarch64"


def has_tvm_ops():
    """False: mxnb has no TVM operators."""
    return False


def is_op_runnable():
    """True: every registered operator runs on the default context."""
    return True


def check_speed(sym, location=None, ctx=None, N=20, grad_req=None, typ="whole", **kwargs):
    """Seconds per forward ('forward') or forward + backward ('whole') of `sym`.

    Example
    -------
    >>> t = check_speed(mx.sym.relu(mx.sym.var('x')), x=(64, 64), N=5)   # doctest: +SKIP
    """
    ctx = ctx or default_context()
    grad_req = grad_req or "write"
    if location is None:
        exe = sym.simple_bind(ctx, grad_req=grad_req, **kwargs)
        location = {k: np.random.normal(size=arr.shape, scale=1.0) for k, arr in exe.arg_dict.items()}
    else:
        if not isinstance(location, dict):
            raise AssertionError('Expect dict, get "location"=%s' % str(location))
        exe = sym.simple_bind(ctx, grad_req=grad_req, **{k: v.shape for k, v in location.items()})
    for name, value in location.items():
        exe.arg_dict[name][:] = np.asarray(value).astype(exe.arg_dict[name].dtype)
    if typ == "whole":
        exe.forward(is_train=True)
        exe.backward(out_grads=exe.outputs)
        mx.nd.waitall()
        tic = time.time()
        for _ in range(N):
            exe.forward(is_train=True)
            exe.backward(out_grads=exe.outputs)
        mx.nd.waitall()
        return (time.time() - tic) / N
    if typ == "forward":
        exe.forward(is_train=False)
        mx.nd.waitall()
        tic = time.time()
        for _ in range(N):
            exe.forward(is_train=False)
        mx.nd.waitall()
        return (time.time() - tic) / N
    raise ValueError('typ can only be "whole" or "forward".')


def check_consistency(sym, ctx_list, scale=1.0, grad_req="write", arg_params=None,
                      aux_params=None, rtol=None, atol=None, raise_on_err=True, ground_truth=None,
                      equal_nan=False, use_uniform=False, rand_type=np.float64):
    """Runs `sym` (or one symbol per entry) on every entry of `ctx_list` — dicts of
    simple_bind arguments such as {'ctx': mx.cpu(), 'data': (2, 3), 'type_dict': {'data':
    np.float16}} — with the same random inputs, and compares outputs and gradients against the
    most precise run. Returns that ground truth {name: NDArray}.
    """
    if len(ctx_list) <= 1:
        raise AssertionError("check_consistency needs at least two contexts")
    syms = [sym] * len(ctx_list) if isinstance(sym, Symbol) else list(sym)
    output_names = syms[0].list_outputs()
    arg_names = syms[0].list_arguments()
    exes = []
    for s, spec in zip(syms, ctx_list):
        if s.list_arguments() != arg_names or s.list_outputs() != output_names:
            raise AssertionError("check_consistency: the symbols differ in arguments or outputs")
        spec = dict(spec)
        ctx = spec.pop("ctx", default_context())
        type_dict = spec.pop("type_dict", None)
        exes.append(s.simple_bind(ctx, grad_req=grad_req, type_dict=type_dict, **spec))
    arg_params = {} if arg_params is None else arg_params
    aux_params = {} if aux_params is None else aux_params
    for name, arr in sorted(exes[0].arg_dict.items()):
        if name not in arg_params:
            if use_uniform:
                arg_params[name] = np.random.uniform(-0.92 * scale, 0.92 * scale,
                                                     size=arr.shape).astype(rand_type)
            else:
                arg_params[name] = np.random.normal(size=arr.shape, scale=scale).astype(rand_type)
    for name in exes[0].aux_dict:
        aux_params.setdefault(name, 0)
    for exe in exes:
        for name, arr in exe.arg_dict.items():
            arr[:] = np.asarray(_host(arg_params[name])).astype(arr.dtype)
        for name, arr in exe.aux_dict.items():
            arr[:] = aux_params[name] if np.isscalar(aux_params[name]) else _host(aux_params[name])
        if grad_req == "add":
            for arr in exe.grad_arrays:
                if arr is not None:
                    arr[:] = 0
    for exe in exes:
        exe.forward(is_train=False)
    dtypes = [np.dtype(exe.outputs[0].dtype) for exe in exes]
    gt_idx = int(np.argmax([d.itemsize for d in dtypes]))
    gt = ground_truth
    if gt is None:
        gt = dict(exes[gt_idx].output_dict)
    for i, exe in enumerate(exes):
        if i == gt_idx and ground_truth is None:
            continue
        for name, arr in zip(output_names, exe.outputs):
            _consistent(gt[name], arr, rtol, atol, name, i, gt_idx, raise_on_err, equal_nan)
    if grad_req != "null":
        for exe in exes:
            exe.forward(is_train=True)
            exe.backward([o.copy() for o in exe.outputs])   # its outputs as head gradients
        if ground_truth is None:
            gt = dict(exes[gt_idx].output_dict)
            gt.update(exes[gt_idx].grad_dict)
        for i, exe in enumerate(exes):
            if i == gt_idx and ground_truth is None:
                continue
            for name, arr in exe.grad_dict.items():
                if name in gt:
                    _consistent(gt[name], arr, rtol, atol, name, i, gt_idx, raise_on_err, equal_nan)
    return gt


def _consistent(expected, actual, rtol, atol, name, i, gt_idx, raise_on_err, equal_nan):
    try:
        assert_almost_equal(_host(expected), _host(actual), rtol=rtol, atol=atol,
                            names=("%s[%d]" % (name, gt_idx), "%s[%d]" % (name, i)),
                            equal_nan=equal_nan)
    except AssertionError as exc:
        if raise_on_err:
            raise
        print("check_consistency: %s" % exc)


def check_gluon_hybridize_consistency(net_builder, data_l, numpy_func=None, test_grad=True,
                                      rtol=1e-4, atol=1e-4):
    """The block `net_builder()` gives the same outputs (and input gradients) eagerly and
    hybridized, and matches `numpy_func` when given."""
    saved = None
    outputs, grads = [], []
    for hybridize in (False, True):
        net = net_builder()
        if saved is None:
            net.initialize()
            net(*[mx.nd.array(_host(d)) for d in data_l])
            saved = {k: v.data().copy() for k, v in net.collect_params().items()}
        else:
            net.initialize()
            net(*[mx.nd.array(_host(d)) for d in data_l])
            for (k, v), value in zip(net.collect_params().items(), saved.values()):
                v.set_data(value)
        if hybridize:
            net.hybridize()
        inputs = [mx.nd.array(_host(d)) for d in data_l]
        for x in inputs:
            x.attach_grad()
        with mx.autograd.record():
            out = net(*inputs)
        if test_grad:
            out.backward()
        outputs.append(out.asnumpy())
        grads.append([x.grad.asnumpy() for x in inputs] if test_grad else [])
    assert_almost_equal(outputs[0], outputs[1], rtol=rtol, atol=atol)
    for g0, g1 in zip(grads[0], grads[1]):
        assert_almost_equal(g0, g1, rtol=rtol, atol=atol)
    if numpy_func is not None:
        assert_almost_equal(outputs[0], numpy_func(*[_host(d) for d in data_l]), rtol=rtol, atol=atol)


