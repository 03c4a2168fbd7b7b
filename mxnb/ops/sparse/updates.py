"""Optimizer update operators with row_sparse gradients: MXNet's lazy updates.

With a row_sparse gradient and `lazy_update=True`, sgd_update, sgd_mom_update and adam_update
update only the rows the gradient holds (weight decay and momentum included), and
`_sparse_adagrad_update` (nd.sparse.adagrad_update) likewise. A dense gradient, or
lazy_update=False, is the standard update of every row. The states (mom, mean, var, history)
are updated in place, as MXNet's mutable inputs; the new weight is the output, written into the
weight itself when out=weight (only the gradient's rows are touched, as MXNet's in-place write).

A row_sparse weight that holds every row (MXNet's rule for sparse weights) is updated the same
way, through its stored rows, and stays row_sparse; so is ftrl_update's (MXNet's lazy FTRL).
"""
from ...base import MXNetError
from ..params import Float, Bool
from ..registry import get, operator_or_storage, storage
from .storage import RowSparse, densify, put_rows

_ALL = slice(None)
_COMMON = {"lr": Float(), "wd": Float(0.0), "rescale_grad": Float(1.0),
           "clip_gradient": Float(-1.0)}
_LAZY = {"lazy_update": Bool(True)}


def _rescaled(xp, g, rescale, clip):
    g = g * g.dtype.type(rescale)
    if clip is not None and clip > 0:
        xp.clip(g, -clip, clip, out=g)
    return g


def _gather(xp, array, rows):
    """array[rows] (take is much faster than fancy indexing for many rows in NumPy)."""
    return array[rows] if isinstance(rows, slice) else xp.take(array, rows, axis=0)


def _put(xp, array, rows, values):
    if isinstance(rows, slice):
        array[rows] = values
    else:
        put_rows(xp, array, rows, values)


def sgd_rows(xp, w, rows, g, lr, wd, rescale, clip, mom=None, momentum=0.0):
    """w[rows] -= lr * (clip(rescale * g) + wd * w[rows]), through momentum when `mom` is given."""
    wr = _gather(xp, w, rows)
    step = _rescaled(xp, g, rescale, clip)
    if wd:
        step += wr * wd
    step *= lr
    if mom is None:
        _put(xp, w, rows, wr - step)
    else:
        m = _gather(xp, mom, rows) * momentum - step
        _put(xp, mom, rows, m)
        _put(xp, w, rows, wr + m)


def adam_rows(xp, w, rows, g, mean, var, lr, beta1, beta2, epsilon, wd, rescale, clip):
    """MXNet's adam_update on `rows` (the bias correction is folded into lr by the optimizer)."""
    wr = _gather(xp, w, rows)
    g = g * g.dtype.type(rescale)
    if wd:
        g += wr * wd
    if clip is not None and clip > 0:
        xp.clip(g, -clip, clip, out=g)
    m = _gather(xp, mean, rows) * beta1 + g * (1.0 - beta1)
    v = _gather(xp, var, rows) * beta2 + (g * g) * (1.0 - beta2)
    _put(xp, mean, rows, m)
    _put(xp, var, rows, v)
    _put(xp, w, rows, wr - lr * m / (xp.sqrt(v) + epsilon))


def adagrad_rows(xp, w, rows, g, history, lr, epsilon, wd, rescale, clip):
    """history[rows] += g**2; w[rows] -= lr * (g / (sqrt(history) + epsilon) + wd * w)."""
    g = _rescaled(xp, g, rescale, clip)
    h = _gather(xp, history, rows) + g * g
    _put(xp, history, rows, h)
    wr = _gather(xp, w, rows)
    step = g / (xp.sqrt(h) + epsilon)
    if wd:
        step += wr * wd
    _put(xp, w, rows, wr - lr * step)


def _target(weight, out):
    """The array the new weight is written to: the weight itself when out= is the weight."""
    return weight if out is weight else weight.copy()


def _weight_rows(op_name, weight, out):
    """(dense array the new weight is written to, how to return it): a row_sparse weight is
    updated through its stored rows, which must be every row (MXNet's rule for row_sparse
    weights), and comes back row_sparse with the same rows."""
    if not isinstance(weight, RowSparse):
        return _target(weight, out), lambda w: w
    if weight.indices.shape[0] != weight.shape[0]:
        raise MXNetError("%s: a row_sparse weight must hold every one of its %d rows, found %d"
                         % (op_name, weight.shape[0], weight.indices.shape[0]))
    data = weight.data if out is weight else weight.data.copy()
    return data, lambda w: RowSparse(w, weight.indices, weight.shape)


def _rows_of(xp, grad, lazy=True):
    """(rows, values) of a gradient: a row_sparse one's own rows when lazy, else every row."""
    if isinstance(grad, RowSparse) and lazy:
        return grad.indices, grad.data
    return _ALL, densify(xp, grad)


def _grad_stypes(attrs, in_stypes):
    """A row_sparse gradient, dense states: the weight dense, or row_sparse holding every row
    (the output keeps the weight's storage)."""
    if in_stypes[0] in ("default", "row_sparse") and in_stypes[1] == "row_sparse" and \
            all(s == "default" for s in in_stypes[2:]):
        return [in_stypes[0]]
    return None


def _dense_weight_stypes(attrs, in_stypes):
    """_grad_stypes for a dense weight only: _sparse_adagrad_update's (MXNet's takes a
    row_sparse weight only with a row_sparse history; here that falls back to dense)."""
    return _grad_stypes(attrs, in_stypes) if in_stypes[0] == "default" else None


def _lazy(attrs):
    return attrs.get("lazy_update", True)


def _same_as_weight(attrs, in_shapes):
    known = next((s for s in in_shapes if s is not None), None)
    return [known] * len(in_shapes), [known]


@operator_or_storage("sgd_update", params=dict(_COMMON, **_LAZY), inputs=("weight", "grad"),
          differentiable=False)
class SGDUpdate:
    """weight - lr * (clip(rescale_grad * grad) + wd * weight); with a row_sparse grad and
    lazy_update, only the grad's rows."""
    infer_shape = _same_as_weight
    infer_storage = _grad_stypes

    def compute(xp, inputs, attrs):
        return SGDUpdate.compute_sparse(xp, inputs, attrs, ["default"])

    def compute_sparse(xp, inputs, attrs, out_stypes, out=None):
        weight, grad = inputs
        w, result = _weight_rows("sgd_update", weight, out)
        rows, g = _rows_of(xp, grad, _lazy(attrs))
        sgd_rows(xp, w, rows, g, attrs["lr"], attrs["wd"], attrs["rescale_grad"],
                 attrs["clip_gradient"])
        return result(w)


@operator_or_storage("sgd_mom_update", params=dict(_COMMON, momentum=Float(0.0), **_LAZY),
          inputs=("weight", "grad", "mom"), differentiable=False)
class SGDMomUpdate:
    """SGD with momentum: mom = momentum * mom - lr * (clip(rescale_grad * grad) + wd * weight);
    weight + mom. `mom` is updated in place."""
    infer_shape = _same_as_weight
    infer_storage = _grad_stypes

    def compute(xp, inputs, attrs):
        return SGDMomUpdate.compute_sparse(xp, inputs, attrs, ["default"])

    def compute_sparse(xp, inputs, attrs, out_stypes, out=None):
        weight, grad, mom = inputs
        w, result = _weight_rows("sgd_mom_update", weight, out)
        rows, g = _rows_of(xp, grad, _lazy(attrs))
        sgd_rows(xp, w, rows, g, attrs["lr"], attrs["wd"], attrs["rescale_grad"],
                 attrs["clip_gradient"], mom, attrs["momentum"])
        return result(w)


@operator_or_storage("adam_update", params=dict(_COMMON, beta1=Float(0.9), beta2=Float(0.999),
                                     epsilon=Float(1e-8), **_LAZY),
          inputs=("weight", "grad", "mean", "var"), differentiable=False)
class AdamUpdate:
    """Adam's step (bias correction folded into lr by the caller); mean and var are updated in
    place; a row_sparse grad with lazy_update updates only its rows."""
    infer_shape = _same_as_weight
    infer_storage = _grad_stypes

    def compute(xp, inputs, attrs):
        return AdamUpdate.compute_sparse(xp, inputs, attrs, ["default"])

    def compute_sparse(xp, inputs, attrs, out_stypes, out=None):
        weight, grad, mean, var = inputs
        w, result = _weight_rows("adam_update", weight, out)
        rows, g = _rows_of(xp, grad, _lazy(attrs))
        adam_rows(xp, w, rows, g, mean, var, attrs["lr"], attrs["beta1"], attrs["beta2"],
                  attrs["epsilon"], attrs["wd"], attrs["rescale_grad"], attrs["clip_gradient"])
        return result(w)


@operator_or_storage("_sparse_adagrad_update", params=dict(_COMMON, epsilon=Float(1e-7)),
          inputs=("weight", "grad", "history"), differentiable=False)
class SparseAdagradUpdate:
    """AdaGrad for row_sparse gradients (nd.sparse.adagrad_update): history += grad**2 and
    weight -= lr * grad / (sqrt(history) + epsilon) on the gradient's rows only."""
    infer_shape = _same_as_weight
    infer_storage = _dense_weight_stypes

    def check_attrs(attrs):
        if attrs["wd"] != 0:
            return "sparse adagrad_update does not support wd, found wd=%s" % attrs["wd"]
        return None

    def compute(xp, inputs, attrs):
        return SparseAdagradUpdate.compute_sparse(xp, inputs, attrs, ["default"])

    def compute_sparse(xp, inputs, attrs, out_stypes, out=None):
        weight, grad, history = inputs
        w = _target(weight, out)
        rows, g = _rows_of(xp, grad)
        adagrad_rows(xp, w, rows, g, history, attrs["lr"], attrs["epsilon"], 0.0,
                     attrs["rescale_grad"], attrs["clip_gradient"])
        return w


def _ftrl_stypes(attrs, in_stypes):
    """MXNet's lazy FTRL: a row_sparse weight (every row stored) and gradient; z and n dense.
    A dense weight takes the standard update (the gradient made dense), as MXNet's does."""
    if in_stypes[:2] == ["row_sparse", "row_sparse"] and in_stypes[2:] == ["default", "default"]:
        return ["row_sparse"]
    return None


@storage("ftrl_update")
class FtrlUpdateRows:
    """ftrl_update on the gradient's rows only: those rows of the weight, z and n go through
    the dense operator's own step, and every other row keeps its value (FTRL is elementwise,
    so the rows' values are those the dense step gives them)."""
    infer_storage = _ftrl_stypes

    def compute(xp, inputs, attrs, out_stypes, out=None):
        weight, grad, z, n = inputs
        w, result = _weight_rows("ftrl_update", weight, out)
        rows = grad.indices
        states = [_gather(xp, z, rows), _gather(xp, n, rows)]
        dense_step = get("ftrl_update").compute
        new_rows = dense_step(xp, [_gather(xp, w, rows), grad.data] + states, attrs)
        _put(xp, z, rows, states[0])
        _put(xp, n, rows, states[1])
        _put(xp, w, rows, new_rows)
        return result(w)
