"""`mx.nd.CachedOp`: MXNet's NDArray-level CachedOp, a symbol compiled once and called with
NDArrays, on the graph layer's CachedOp (the one hybridized Gluon blocks run).

The graph layer sits above `ndarray`, so it is imported when the first CachedOp is made.
"""
from ..base import ArgumentTypeError, MXNetError
from .ndarray import NDArray, copy_into, take_result_entry

__all__ = ["CachedOp"]


class CachedOp:
    """A symbol compiled once, then called like a function of NDArrays.

    Calls run the compiled graph (through the graph passes and memory plan); under
    `autograd.record()` a call is recorded as one node, differentiable with respect to its
    inputs.

    Parameters
    ----------
    sym : Symbol
        The graph. A call takes one NDArray per `sym.list_inputs()` entry, in that order.
    flags : sequence of (str, value) pairs or dict, optional
        MXNet's CachedOp flags (`static_alloc`, `static_shape`, `inline_limit`, ...), and
        mxnb's `optimize` (False: run the graph without the graph passes).
    thread_safe : bool, optional
        Accepted for MXNet's signature; every mxnb CachedOp may be called from any thread.

    Examples
    --------
    >>> data = mx.sym.var('data')
    >>> op = mx.nd.CachedOp(mx.sym.relu(data) * 2)
    >>> op(mx.nd.array([-1, 3])).asnumpy()
    array([0., 6.], dtype=float32)
    """
    def __init__(self, sym, flags=(), thread_safe=False):
        from ..graph.cached_op import CachedOp as GraphCachedOp
        self._op = GraphCachedOp(sym, flags)
        self._input_names = sym.list_inputs()

    @property
    def symbol(self):
        """The symbol this CachedOp runs (read-only)."""
        return self._op.symbol

    def __call__(self, *args, out=None, default_ctx=None, **kwargs):
        """Runs the graph on `args`.

        Parameters
        ----------
        *args : NDArray
            One array per input of the symbol, in `sym.list_inputs()` order.
        out : NDArray or list of NDArray, optional
            Arrays of the outputs' shapes to write the outputs into; then returned.
        default_ctx : Context, optional
            Accepted for MXNet's signature (the inputs' context is used).

        Returns
        -------
        NDArray or list of NDArray
            The output, or a list when the symbol has several (or `out` when given).

        Raises
        ------
        TypeError
            (an MXNetError too) for an unknown keyword argument or an input that is not an
            NDArray.
        """
        if kwargs:
            raise ArgumentTypeError("CachedOp.__call__ got unexpected keyword argument(s): %s"
                                    % ", ".join(sorted(kwargs)))
        for position, arg in enumerate(args):
            if not isinstance(arg, NDArray):
                raise ArgumentTypeError("CachedOp: input %d (%s) must be an NDArray, found %s"
                                        % (position, self._name_of(position), type(arg).__name__))
        if not args:
            raise MXNetError("CachedOp: a call takes the symbol's inputs %s; a symbol without "
                             "inputs is not supported" % (self._input_names,))
        outputs = self._op(*args)
        if out is None:
            return outputs
        self._write(outputs if isinstance(outputs, list) else [outputs], out)
        return out

    def _name_of(self, position):
        names = self._input_names
        return names[position] if position < len(names) else "extra"

    @staticmethod
    def _write(outputs, out):
        """The outputs written into the `out` arrays (and standing for them on the tape)."""
        targets = list(out) if isinstance(out, (list, tuple)) else [out]
        if len(targets) != len(outputs):
            raise MXNetError("CachedOp: out= has %d arrays, the symbol has %d outputs"
                             % (len(targets), len(outputs)))
        for target, value in zip(targets, outputs):
            if tuple(target.shape) != tuple(value.shape):
                raise MXNetError("CachedOp: out= array of shape %s for an output of shape %s"
                                 % (tuple(target.shape), tuple(value.shape)))
            copy_into(target, value)
            take_result_entry(target, value)
