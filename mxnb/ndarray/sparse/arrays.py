"""CSRNDArray and RowSparseNDArray: NDArrays whose `_data` is a sparse payload.

A sparse NDArray is an NDArray (same context, autograd slot and operator methods) holding a
`CSR` or `RowSparse` payload (mxnb/ops/sparse/storage.py) instead of a dense array. Operators
reach it through the registry's storage-type dispatch; `data`, `indices` and `indptr` are dense
NDArrays sharing the payload's parts.
"""
import numbers

import numpy as np

from ... import backend
from ...base import MXNetError, ShapeError, dtype_np
from ...context import Context
from ...ops import registry
from ...ops.sparse import storage
from ..ndarray import NDArray, _wrap, invoke, take_result_entry

__all__ = ["BaseSparseNDArray", "CSRNDArray", "RowSparseNDArray", "wrap_payload", "assign"]

_CAST_STORAGE = registry.get("cast_storage")


def _cast(array, stype):
    return invoke(_CAST_STORAGE, [array], {"stype": stype})


class BaseSparseNDArray(NDArray):
    """The base of sparse NDArrays (MXNet's `mx.nd.sparse.BaseSparseNDArray`).

    Sparse arrays keep their values in `data` and the positions in auxiliary index arrays; most
    operators without a sparse kernel accept them by computing on a dense copy (with MXNet's
    storage fallback warning).
    """
    __slots__ = ()
    _sparse = True

    @property
    def stype(self):
        return self._data.stype

    @property
    def dtype(self):
        return self._data.dtype.type

    @property
    def size(self):
        raise NotImplementedError("size is not defined for a sparse NDArray (%s); use "
                                  "data.size for the number of stored values" % self.stype)

    @property
    def ndim(self):
        return len(self._data.shape)

    def __repr__(self):
        shape_info = "x".join("%d" % d for d in self.shape)
        return "\n<%s %s @%s>" % (type(self).__name__, shape_info, self._ctx)

    def __iter__(self):
        raise NotImplementedError("iterating over a sparse NDArray (%s) is not supported" % self.stype)

    def __bool__(self):
        raise ValueError("The truth value of a sparse NDArray is ambiguous.")

    def __getstate__(self):
        """Pickles the storage type, shape, context and host copies of the parts."""
        return {"stype": self.stype, "shape": self.shape,
                "parts": [np.array(backend.to_host(p)) for p in self._data.parts()],
                "ctx": (self._ctx.device_type, self._ctx.device_id)}

    def __setstate__(self, state):
        ctx = Context(*state["ctx"])
        with backend.device_scope(ctx):
            parts = [backend.to_context(p, ctx) for p in state["parts"]]
        self._restore(_payload(state["stype"], parts[0], parts[1:], state["shape"]), ctx)

    # --- values ---------------------------------------------------------------------------------
    def asnumpy(self):
        """A dense NumPy copy of the values."""
        xp = backend.xp_of(self._ctx)
        return np.array(backend.to_host(storage.densify(xp, self._data)), copy=True)

    def __array__(self, dtype=None, copy=None):
        out = self.asnumpy()
        return out.astype(dtype) if dtype is not None else out

    @property
    def data(self):
        """The stored values, a dense NDArray."""
        return _wrap(self._data.data, self._ctx)

    @property
    def indices(self):
        """The column (csr) or row (row_sparse) indices of the stored values, an int64 NDArray."""
        return _wrap(self._data.indices, self._ctx)

    # --- auxiliary (index) arrays, by MXNet's numbering: csr 0 indptr, 1 indices; row_sparse
    # 0 indices ------------------------------------------------------------------------------------
    def _aux_parts(self):
        p = self._data
        return (p.indptr, p.indices) if self.stype == "csr" else (p.indices,)

    @property
    def _num_aux(self):
        """How many auxiliary (index) arrays this storage type keeps: 2 for csr, 1 for
        row_sparse."""
        return 2 if self.stype == "csr" else 1

    def _aux_type(self, i):
        """The NumPy type of auxiliary array `i` (int64 for both storage types)."""
        return self._aux_parts()[i].dtype.type

    @property
    def _aux_types(self):
        """The NumPy types of the auxiliary arrays, in order."""
        return [part.dtype.type for part in self._aux_parts()]

    def _aux_data(self, i):
        """A copy of auxiliary array `i` (csr: 0 indptr, 1 indices; row_sparse: 0 indices), a
        dense NDArray."""
        return _wrap(self._aux_parts()[i].copy(), self._ctx)

    def astype(self, dtype, copy=True):
        """A copy with values cast to `dtype`, in the same storage type."""
        dt = dtype_np(dtype)
        if not copy and self._data.dtype == dt:
            return self
        parts = self._data.parts()
        return _rebuild(self._data, parts[0].astype(dt), parts[1:], self._ctx)

    def check_format(self, full_check=True):
        """Raises MXNetError if the indices are not a valid layout of this storage type.

        Parameters
        ----------
        full_check : bool, default True
            Also check the index values (monotone indptr, indices in range and ascending);
            otherwise only the lengths of the parts.
        """
        xp = backend.xp_of(self._ctx)
        if self.stype == "csr":
            storage.check_csr(xp, self._data, full_check)
        else:
            storage.check_rsp(xp, self._data, full_check)

    # --- copies -----------------------------------------------------------------------------------
    def copyto(self, other):
        """Copies to the Context `other` (a new array of this storage type) or into the NDArray
        `other` (cast to its storage type)."""
        if isinstance(other, Context):
            with backend.device_scope(other):
                parts = [backend.to_context(p, other) for p in self._data.parts()]
                parts = [p.copy() if p is q else p for p, q in zip(parts, self._data.parts())]
            return _rebuild(self._data, parts[0], parts[1:], other)
        if isinstance(other, NDArray):
            if other is self:
                return other
            if tuple(other.shape) != self.shape:
                raise ShapeError("copyto: target shape %s differs from source shape %s"
                                 % (other.shape, self.shape))
            assign(other, self.copyto(other._ctx), "copyto")
            return other
        raise TypeError("copyto takes an NDArray or a Context, found %s" % type(other).__name__)

    def copy(self):
        return self.copyto(self._ctx)

    def as_in_context(self, context):
        if context == self._ctx:
            return self
        return self.copyto(context)

    as_in_ctx = as_in_context

    def tostype(self, stype):
        """This array in storage type `stype` ('default', or its own storage type)."""
        return _cast(self, stype)

    def __setitem__(self, key, value):
        """x[:] = value: replaces every value (value cast to this storage type)."""
        if not (isinstance(key, slice) and key == slice(None)):
            raise MXNetError("%s supports only [:] assignment, found key %r"
                             % (type(self).__name__, key))
        if isinstance(value, NDArray):
            if tuple(value.shape) != self.shape:
                raise ShapeError("cannot assign an array of shape %s to a %s of shape %s"
                                 % (value.shape, type(self).__name__, self.shape))
            # a copy of a sparse value, as MXNet's: the arrays must not share their values
            value = value.copyto(self._ctx) if value._sparse else value.as_in_context(self._ctx)
            assign(self, value, "__setitem__")
        elif isinstance(value, numbers.Number) or isinstance(value, np.ndarray):
            xp = backend.xp_of(self._ctx)
            dense = xp.broadcast_to(xp.asarray(value, dtype=self._data.dtype), self.shape)
            assign(self, _wrap(xp.ascontiguousarray(dense), self._ctx), "__setitem__")
        else:
            raise TypeError("type %s not supported for sparse assignment" % type(value).__name__)


class CSRNDArray(BaseSparseNDArray):
    """A 2-D sparse matrix in compressed sparse row format (MXNet's `CSRNDArray`)."""
    __slots__ = ()

    @property
    def indptr(self):
        """Where each row's values start in `data` (an int64 NDArray of rows + 1 entries)."""
        return _wrap(self._data.indptr, self._ctx)

    def __getitem__(self, key):
        """Rows: `x[i]` or `x[start:stop]` (step 1) gives a CSRNDArray."""
        rows = self.shape[0]
        if isinstance(key, (int, np.integer)):
            index = int(key) + rows if key < 0 else int(key)
            if not 0 <= index < rows:
                raise IndexError("index %d is out of bounds for a CSRNDArray with %d rows"
                                 % (key, rows))
            begin, end = index, index + 1
        elif isinstance(key, slice):
            if key.step not in (None, 1):
                raise ValueError("CSRNDArray only supports continuous slicing on axis 0, "
                                 "found step %r" % key.step)
            begin, end, _ = key.indices(rows)
            end = max(begin, end)
        else:
            raise ValueError("Multi-dimension indexing is not supported: CSRNDArray takes an "
                             "integer or a slice of rows, found %r" % (key,))
        return invoke(registry.get("slice"), [self], {**registry.get("slice").defaults,
                                                      "begin": (begin,), "end": (end,)})

    def asscipy(self):
        """The values as a `scipy.sparse.csr_matrix` on the host."""
        sp = backend.sparse_module(np)
        p = self._data
        return sp.csr_matrix((backend.to_host(p.data), backend.to_host(p.indices),
                              backend.to_host(p.indptr)), shape=p.shape)


class RowSparseNDArray(BaseSparseNDArray):
    """An N-D array of which only some rows are stored (MXNet's `RowSparseNDArray`): the
    storage of sparse gradients (Embedding with sparse_grad) and of the weights a kvstore
    row_sparse_pull fills, row by row."""
    __slots__ = ()

    def __getitem__(self, key):
        if isinstance(key, slice) and key == slice(None):
            return self
        raise ValueError("RowSparseNDArray only supports [:] for __getitem__, found %r" % (key,))

    def retain(self, indices):
        """The rows `indices` of this array (see `nd.sparse.retain`)."""
        return invoke(registry.get("_sparse_retain"), [self, indices], {})


_CLASSES = {"csr": CSRNDArray, "row_sparse": RowSparseNDArray}


def _payload(stype, data, aux, shape):
    if stype == "csr":
        return storage.CSR(data, aux[0], aux[1], shape)
    return storage.RowSparse(data, aux[0], shape)


def _rebuild(payload, data, aux, ctx):
    return wrap_payload(_payload(payload.stype, data, aux, payload.shape), ctx)


def wrap_payload(value, ctx):
    """The NDArray for an operator's raw result: dense, CSRNDArray or RowSparseNDArray."""
    if not isinstance(value, storage.Sparse):
        return _wrap(value, ctx)
    arr = _CLASSES[value.stype].__new__(_CLASSES[value.stype])
    arr._raw = value
    arr._var = None
    arr._ctx = ctx
    arr._entry = None
    arr._grad = None
    arr._version = None     # the in-place write counter, as every NDArray (version counters)
    return arr


def assign(target, value, what):
    """Writes NDArray `value` into `target` in `target`'s storage type (out=, copyto, x[:]=)."""
    if tuple(target.shape) != tuple(value.shape):
        raise ShapeError("%s: out= has shape %s, the result has shape %s"
                         % (what, tuple(target.shape), tuple(value.shape)))
    if value._data is target._data:         # a kernel wrote into out= itself
        take_result_entry(target, value)
        return target
    if value.stype != target.stype:
        value = _cast(value, target.stype)
    if value._ctx != target._ctx:
        value = value.copyto(target._ctx)
    if target._sparse:
        parts = value._data.parts()
        if value._data.dtype != target._data.dtype:
            parts = (parts[0].astype(target._data.dtype),) + tuple(parts[1:])
        target._data = _rebuild(value._data, parts[0], parts[1:], target._ctx)._data
    else:
        target._data[...] = value._data
    take_result_entry(target, value)
    return target


def _install_inplace_operators():
    """x += y on a sparse array replaces its payload with the result in its own storage type
    (a dense array's in-place operators write into its buffer, which a payload is not)."""
    from .. import operators  # noqa: F401 (installs NDArray's operator methods)

    def make(name):
        method = getattr(NDArray, "__%s__" % name)

        def inplace(self, other):
            result = method(self, other)
            if result is NotImplemented:
                return result
            return assign(self, result, "__i%s__" % name)
        return inplace
    for name in ("add", "sub", "mul", "truediv", "div"):
        setattr(BaseSparseNDArray, "__i%s__" % name, make(name))


_install_inplace_operators()


def accumulate_grad(target, value, grad_req):
    """Writes (grad_req 'write') or adds ('add') a gradient into a variable's gradient buffer,
    in the buffer's storage type (a row_sparse buffer keeps only the rows it is given)."""
    if grad_req == "add":
        value = value + target if value.stype == target.stype else \
            _cast(value, "default") + _cast(target, "default")
    if value.dtype != target.dtype:
        value = value.astype(target.dtype)
    assign(target, value, "backward")
