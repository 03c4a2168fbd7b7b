"""NDArray `[]`: basic indexing gives views (as MXNet does); under autograd it records
`slice`/`Reshape`/`take` so gradients flow through the selection."""
import numpy as np

from .. import backend, engine
from ..base import MXNetError, ShapeError
from ..graph.recording import STATE
from ..ops import registry
from ..graph.tape import version_of
from .ndarray import NDArray, _wrap, invoke, bump_version


_TAKE, _SLICE, _RESHAPE = registry.get("take"), registry.get("slice"), registry.get("Reshape")
_TAKE_AXIS0 = _TAKE.parse_attrs({"axis": 0})


def _key_data(key, ctx):
    """The key with NDArrays replaced by arrays on `ctx`."""
    if isinstance(key, NDArray):
        return key._data.astype(np.int64)
    if isinstance(key, tuple):
        return tuple(_key_data(k, ctx) for k in key)
    if isinstance(key, list):
        return backend.to_context(np.asarray(key, dtype=np.int64), ctx)
    return key


def _is_basic(key):
    parts = key if isinstance(key, tuple) else (key,)
    return all(isinstance(k, (int, np.integer, slice)) or k is None or k is Ellipsis for k in parts)


def getitem(self, key):
    if STATE.recording and self._entry is not None:
        return _recorded_getitem(self, key)
    data = self._data[_key_data(key, self._ctx)]
    if data.ndim == 0:
        data = data.reshape(1)
    out = _wrap(data, self._ctx)
    if data.base is not None and _is_basic(key):    # a view: writes through it change self
        out._version = version_of(self)
        out._var = engine.var_of(self)              # and the engine orders them as one buffer
    return out


def _recorded_getitem(self, key):
    if isinstance(key, (NDArray, list)) or (isinstance(key, np.ndarray)):
        indices = key if isinstance(key, NDArray) else NDArray(np.asarray(key), ctx=self._ctx)
        return invoke(_TAKE, [self, indices], _TAKE_AXIS0)
    if not _is_basic(key):
        raise MXNetError("indexing with %r is not supported while recording for autograd; "
                         "use take/pick/slice operators" % (key,))
    parts = list(key) if isinstance(key, tuple) else [key]
    if Ellipsis in parts:
        i = parts.index(Ellipsis)
        fill = self.ndim - (len(parts) - 1 - parts.count(None))
        parts[i:i + 1] = [slice(None)] * fill
    begin, end, step, out_shape = [], [], [], []
    axis = 0
    for k in parts:
        if k is None:
            out_shape.append(1)
            continue
        n = self.shape[axis]
        if isinstance(k, slice):
            start, stop, stride = k.indices(n)
            begin.append(start)
            end.append(stop if stop >= 0 else None)
            step.append(stride)
            out_shape.append(len(range(start, stop, stride)))
        else:
            idx = int(k) + (n if k < 0 else 0)
            if not 0 <= idx < n:
                raise IndexError("index %d is out of bounds for axis %d with size %d" % (k, axis, n))
            begin.append(idx)
            end.append(idx + 1)
            step.append(1)
        axis += 1
    out_shape += list(self.shape[axis:])
    result = invoke(_SLICE, [self], _SLICE.parse_attrs({"begin": tuple(begin), "end": tuple(end),
                                                        "step": tuple(step)}))
    if not out_shape:
        out_shape = [1]
    if tuple(out_shape) != result.shape:
        result = invoke(_RESHAPE, [result], _RESHAPE.parse_attrs({"shape": tuple(out_shape)}))
    return result


def _broadcasting_key(key):
    """`key` with a trailing Ellipsis where that keeps its meaning, so that NumPy selects a view
    even for a single element and broadcasts the value to it by its full rule: leading size-1
    axes of the value are dropped, as MXNet does (`b[0] = np.array([47.8])`)."""
    if not _is_basic(key):
        return key
    parts = key if isinstance(key, tuple) else (key,)
    if any(k is Ellipsis for k in parts):
        return key
    if parts == (slice(None),):
        return Ellipsis             # x[:] = v, also on a 0-d array (MXNet's whole-array write)
    return parts + (Ellipsis,)


def setitem(self, key, value):
    """Writes `value` (an NDArray, NumPy array or number) into the selected part of the array."""
    if engine.asynchronous and _is_basic(key) and not self._sparse and (
            isinstance(value, (int, float, np.number, bool))
            or isinstance(value, NDArray) and not value._sparse):
        return _push_setitem(self, key, value)
    if isinstance(value, NDArray):
        data = backend.to_context(value._data, self._ctx)
    elif isinstance(value, (int, float, np.number, bool)):
        data = value
    else:
        data = backend.to_context(np.asarray(value, dtype=self._data.dtype), self._ctx)
    index = _key_data(_broadcasting_key(key), self._ctx)
    try:
        self._data[index] = data        # NumPy checks that the value broadcasts to the selection
        bump_version(self)
    except ValueError:
        raise ShapeError("cannot assign an array of shape %s to a selection of shape %s"
                         % (tuple(np.shape(data)), tuple(self._data[index].shape))) from None


def _push_setitem(self, key, value):
    """`setitem` under a threaded engine: checked now, written by pushed work."""
    key = _broadcasting_key(key)
    selection = np.broadcast_to(np.empty((), np.int8), self.shape)[key].shape
    is_array = isinstance(value, NDArray)
    shape = value.shape if is_array else ()
    try:        # NumPy's own rule on stand-ins without data: does the value fit the selection?
        np.empty(selection, np.int8)[...] = np.broadcast_to(np.empty((), np.int8), shape)
    except ValueError:
        raise ShapeError("cannot assign an array of shape %s to a selection of shape %s"
                         % (tuple(shape), tuple(selection))) from None
    ctx = self._ctx

    def run():
        self._raw[key] = backend.to_context(value._raw, ctx) if is_array else value

    engine.get().push(run, [engine.var_of(value)] if is_array else [], [engine.var_of(self)],
                      ctx, "__setitem__")
    bump_version(self)


NDArray.__getitem__ = getitem
NDArray.__setitem__ = setitem
