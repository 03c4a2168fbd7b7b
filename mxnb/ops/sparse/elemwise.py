"""Sparse kernels of the elementwise operators, with MXNet 1.9.1's storage types (CPU):

    elemwise_add / elemwise_sub          elemwise_mul
    csr + csr         -> csr             csr * csr, csr * dense, dense * csr     -> csr
    rsp + rsp         -> row_sparse      rsp * rsp, rsp * dense, dense * rsp     -> row_sparse
    dense + csr/rsp   -> default         (a product keeps only the sparse operand's positions)
    csr with rsp: the dense fallback

    _maximum / _minimum / _hypot (f(0, 0) = 0)
    csr, csr -> csr; rsp, rsp -> row_sparse, over the union of the stored positions (rows);
    with a dense operand, or csr with rsp: the dense fallback

    elemwise_div: a dense result; the fallback (with its warning) only for csr with rsp

Scalar products keep the storage type; adding a nonzero scalar gives a dense array; scalar
comparisons (and + 0) keep it when they map 0 to 0 for the scalar (`rsp > 0`, `csr == 1`). Unary
operators that map 0 to 0 (relu, abs, sqrt, square, ...) are applied to the stored values alone.
"""
from ..registry import storage, get
from .storage import CSR, RowSparse, stype_of, densify, put_rows, INDEX_DTYPE

_D, _C, _R = "default", "csr", "row_sparse"


# --- add / sub --------------------------------------------------------------------------------
def _add_stypes(attrs, in_stypes):
    lhs, rhs = in_stypes
    if lhs == rhs:
        return [lhs] if lhs != _D else None
    if _D in (lhs, rhs):
        return [_D]
    return None                      # csr with row_sparse


def _rows_on(xp, a, rows):
    """a's values on the (ascending) rows `rows`, a superset of its own: zeros elsewhere."""
    out = xp.zeros((rows.shape[0],) + tuple(a.shape[1:]), dtype=a.data.dtype)
    put_rows(xp, out, xp.searchsorted(rows, a.indices), a.data)
    return out


def _union_rows(xp, a, b, sign):
    """a + sign * b for two RowSparse payloads: the union of their rows."""
    rows = xp.union1d(a.indices, b.indices)
    data = _rows_on(xp, a, rows)
    if b.indices.shape[0]:
        at = xp.searchsorted(rows, b.indices)
        held = xp.take(data, at, axis=0)
        put_rows(xp, data, at, held + b.data if sign > 0 else held - b.data)
    return RowSparse(data, rows, a.shape)


def _add(xp, a, b, sign):
    if isinstance(a, CSR) and isinstance(b, CSR):
        m = a.matrix(xp) + b.matrix(xp) if sign > 0 else a.matrix(xp) - b.matrix(xp)
        return CSR.from_matrix(xp, m)
    if isinstance(a, RowSparse) and isinstance(b, RowSparse):
        return _union_rows(xp, a, b, sign)
    return densify(xp, a) + densify(xp, b) if sign > 0 else densify(xp, a) - densify(xp, b)


@storage("elemwise_add")
class ElemwiseAddStorage:
    infer_storage = _add_stypes

    def compute(xp, inputs, attrs, out_stypes):
        return _add(xp, inputs[0], inputs[1], 1)


@storage("elemwise_sub")
class ElemwiseSubStorage:
    infer_storage = _add_stypes

    def compute(xp, inputs, attrs, out_stypes):
        return _add(xp, inputs[0], inputs[1], -1)


# --- mul --------------------------------------------------------------------------------------
def _mul_stypes(attrs, in_stypes):
    lhs, rhs = in_stypes
    if lhs == rhs:
        return [lhs] if lhs != _D else None
    if lhs == _D:
        return [rhs]
    if rhs == _D:
        return [lhs]
    return None


def _mul_dense(xp, s, dense):
    """A sparse payload times a dense array: the sparse positions keep their structure."""
    if isinstance(s, CSR):
        return CSR(s.data * dense[s.rows(xp), s.indices], s.indices, s.indptr, s.shape)
    return RowSparse(s.data * dense[s.indices], s.indices, s.shape)


def _mul(xp, a, b):
    if isinstance(a, CSR) and isinstance(b, CSR):
        return CSR.from_matrix(xp, a.matrix(xp).multiply(b.matrix(xp)))
    if isinstance(a, RowSparse) and isinstance(b, RowSparse):
        rows = xp.intersect1d(a.indices, b.indices)
        data = a.data[xp.searchsorted(a.indices, rows)] * b.data[xp.searchsorted(b.indices, rows)]
        return RowSparse(data, rows, a.shape)
    if stype_of(a) == _D:
        return _mul_dense(xp, b, a)
    return _mul_dense(xp, a, b)


@storage("elemwise_mul")
class ElemwiseMulStorage:
    infer_storage = _mul_stypes

    def compute(xp, inputs, attrs, out_stypes):
        return _mul(xp, inputs[0], inputs[1])


# --- maximum / minimum / hypot: f(0, 0) = 0 on the union of the stored positions -------------
def _union_stypes(attrs, in_stypes):
    lhs, rhs = in_stypes
    return [lhs] if lhs == rhs and lhs != _D else None    # mixed: the dense fallback


def _csr_keys(xp, a):
    """Each stored value's flat position row * columns + column (ascending for canonical CSR)."""
    return a.rows(xp) * a.shape[1] + a.indices


def _csr_union(xp, a, b, fn):
    """fn over the union of two CSR payloads' stored positions; zero results are left out."""
    ka, kb = _csr_keys(xp, a), _csr_keys(xp, b)
    keys = xp.union1d(ka, kb)
    va = xp.zeros(keys.shape, dtype=a.dtype)
    vb = xp.zeros(keys.shape, dtype=b.dtype)
    va[xp.searchsorted(keys, ka)] = a.data
    vb[xp.searchsorted(keys, kb)] = b.data
    values = fn(va, vb)
    keep = values != 0               # NaN is kept, as a stored value
    keys, values = keys[keep], values[keep]
    rows = keys // a.shape[1]
    indptr = xp.searchsorted(rows, xp.arange(a.shape[0] + 1, dtype=INDEX_DTYPE))
    return CSR(values, (keys % a.shape[1]).astype(INDEX_DTYPE), indptr.astype(INDEX_DTYPE),
               a.shape)


def _rsp_union(xp, a, b, fn):
    """fn over the union of two RowSparse payloads' rows (every such row kept, as MXNet)."""
    rows = xp.union1d(a.indices, b.indices).astype(INDEX_DTYPE)
    return RowSparse(fn(_rows_on(xp, a, rows), _rows_on(xp, b, rows)), rows, a.shape)


def _union_storage(name):
    op = get(name)

    def compute(xp, inputs, attrs, out_stypes):
        a, b = inputs

        def fn(x, y):
            return op.compute(xp, [x, y], attrs)
        if isinstance(a, CSR):
            return _csr_union(xp, a, b, fn)
        return _rsp_union(xp, a, b, fn)

    storage(name)(type(name + "Storage", (), {"infer_storage": _union_stypes,
                                              "compute": compute}))


for _name in ("_maximum", "_minimum", "_hypot"):
    _union_storage(_name)


# --- div: MXNet's dense kernel reads sparse operands of one storage type (or with a dense one)
# without a fallback warning; csr with row_sparse falls back.
def _div_stypes(attrs, in_stypes):
    if _C in in_stypes and _R in in_stypes:
        return None
    return [_D]


@storage("elemwise_div")
class ElemwiseDivStorage:
    infer_storage = _div_stypes

    def compute(xp, inputs, attrs, out_stypes):
        return get("elemwise_div").compute(xp, [densify(xp, x) for x in inputs], attrs)


# --- values-only operators ----------------------------------------------------------------------
def with_data(payload, data):
    """The payload's structure with new values."""
    if isinstance(payload, CSR):
        return CSR(data, payload.indices, payload.indptr, payload.shape)
    return RowSparse(data, payload.indices, payload.shape)


def _values_only(name):
    op = get(name)

    def infer_storage(attrs, in_stypes):
        return [in_stypes[0]] if in_stypes[0] != _D else None

    def compute(xp, inputs, attrs, out_stypes):
        x = inputs[0]
        return with_data(x, op.compute(xp, [x.data], attrs))

    storage(name)(type(name + "Storage", (), {"infer_storage": infer_storage,
                                              "compute": compute}))


# MXNet's sparse-preserving unary operators (f(0) = 0) and scalar products.
_ZERO_PRESERVING = ("relu", "abs", "sign", "sqrt", "cbrt", "square", "negative", "round", "rint",
                    "ceil", "floor", "trunc", "fix", "expm1", "log1p", "sin", "tan", "arcsin",
                    "arctan", "sinh", "tanh", "arcsinh", "arctanh", "degrees", "radians",
                    "_mul_scalar", "_div_scalar")
for _name in _ZERO_PRESERVING:
    _values_only(_name)


# Scalar operators whose sparse kernel runs while op(0, scalar) is 0 (MXNet's: `rsp > 0`,
# `csr == 1`, `rsp + 0`): the stored values are mapped and the structure kept. For other scalars
# (`rsp == 0`, `csr <= 1`) a comparison falls back to dense, with the warning, as in MXNet, while
# + and - give a dense result without it.
_KEEPS_ZERO = {
    "_equal_scalar": lambda s: s != 0,             # 0 == s is false
    "_not_equal_scalar": lambda s: s == 0,
    "_greater_scalar": lambda s: s >= 0,           # 0 > s is false
    "_greater_equal_scalar": lambda s: s > 0,
    "_lesser_scalar": lambda s: s <= 0,            # 0 < s is false
    "_lesser_equal_scalar": lambda s: s < 0,
    "_plus_scalar": lambda s: s == 0,
    "_minus_scalar": lambda s: s == 0,
}
_DENSE_OTHERWISE = ("_plus_scalar", "_minus_scalar")


def _scalar_storage(name, keeps_zero, dense_otherwise):
    op = get(name)

    def infer_storage(attrs, in_stypes):
        if in_stypes[0] == _D:
            return None
        if keeps_zero(attrs["scalar"]):
            return [in_stypes[0]]
        return [_D] if dense_otherwise else None

    def compute(xp, inputs, attrs, out_stypes):
        x = inputs[0]
        if out_stypes[0] == _D:
            return op.compute(xp, [densify(xp, x)], attrs)
        return with_data(x, op.compute(xp, [x.data], attrs))

    storage(name)(type(name + "Storage", (), {"infer_storage": infer_storage,
                                              "compute": compute}))


for _name, _keeps in _KEEPS_ZERO.items():
    _scalar_storage(_name, _keeps, _name in _DENSE_OTHERWISE)
