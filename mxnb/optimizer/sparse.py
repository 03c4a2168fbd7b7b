"""Optimizer steps with row_sparse gradients (Embedding(sparse_grad=True), SparseEmbedding).

SGD (with or without momentum) and Adam with `lazy_update=True`, and AdaGrad, update only the
rows the gradient holds, in place, with the row kernels of the registered update operators
(mxnb/ops/sparse/updates.py: sgd_update, sgd_mom_update, adam_update,
_sparse_adagrad_update). Every other case is MXNet's standard update: the gradient made dense.
"""
import math
import warnings

from .. import backend
from ..ops.sparse import updates
from ..ops.sparse.storage import densify

__all__ = ["sparse_step"]

_LAZY_WARNING = ("Optimizer with lazy_update = True detected. Be aware that lazy update with "
                 "row_sparse gradient is different from standard update, and may lead to "
                 "different empirical results. See "
                 "https://mxnet.apache.org/api/python/optimization/optimization.html for more "
                 "details.")
_warned = []


def _warn_lazy():
    if not _warned:
        _warned.append(True)
        warnings.warn(_LAZY_WARNING, UserWarning, stacklevel=4)


def sparse_step(opt, index, weight, grad, state, lr, wd):
    """One update of `weight` from a sparse `grad` (a BaseSparseNDArray)."""
    from .sgd import SGD
    from .adam import Adam
    from .adagrad import AdaGrad
    w = weight._data
    xp = backend.array_module(w)
    payload = grad._data
    lazy = getattr(opt, "lazy_update", False) and grad.stype == "row_sparse"
    clip = opt.clip_gradient if opt.clip_gradient is not None else -1.0
    if lazy and isinstance(opt, SGD):
        _warn_lazy()
        updates.sgd_rows(xp, w, payload.indices, payload.data, lr, wd, opt.rescale_grad, clip,
                         None if state is None else state._data, opt.momentum)
        return
    if lazy and isinstance(opt, Adam):
        _warn_lazy()
        t = opt._index_update_count[index]
        lr *= math.sqrt(1. - opt.beta2 ** t) / (1. - opt.beta1 ** t)
        updates.adam_rows(xp, w, payload.indices, payload.data, state[0]._data, state[1]._data,
                          lr, opt.beta1, opt.beta2, opt.epsilon, wd, opt.rescale_grad, clip)
        return
    if type(opt) is AdaGrad and grad.stype == "row_sparse":
        updates.adagrad_rows(xp, w, payload.indices, payload.data, state._data, lr,
                             opt.float_stable_eps, wd, opt.rescale_grad, clip)
        return
    from ..ndarray.ndarray import _wrap
    opt._step(index, weight, _wrap(densify(xp, payload), grad.context), state, lr, wd)
