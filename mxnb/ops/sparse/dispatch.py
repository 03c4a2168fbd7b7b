"""Storage-type dispatch: which kernel of an operator runs for the storage types of its inputs.

As MXNet's FInferStorageType decides between FCompute, FComputeEx and the dense fallback, the
registry record's `infer_storage(attrs, in_stypes)` gives the output storage types when the
operator's sparse kernel (`compute_sparse`) takes those inputs, and None when it does not; then
sparse inputs are made dense, the dense kernel runs, and MXNet's fallback warning is issued once
per operator and storage-type combination (MXNET_STORAGE_FALLBACK_LOG_VERBOSE=0 silences it).
"""
import os
import sys
import warnings

from .storage import stype_of, densify

__all__ = ["compute", "infer_storage", "fallback_message"]

_DEFAULT = "default"


def infer_storage(op, attrs, in_stypes):
    """(output storage types, dispatch) with dispatch 'dense', 'sparse' or 'fallback'."""
    infer = op.infer_storage
    out_stypes = infer(attrs, in_stypes) if infer is not None else None
    if out_stypes is None:
        count = op.num_outputs(attrs)
        if all(s == _DEFAULT for s in in_stypes):
            return [_DEFAULT] * count, "dense"
        return [_DEFAULT] * count, "fallback"
    if all(s == _DEFAULT for s in in_stypes) and all(s == _DEFAULT for s in out_stypes):
        return out_stypes, "dense"
    return out_stypes, "sparse"


def compute(op, xp, inputs, attrs, extras=None, dev_mask="cpu", out=None):
    """Runs `op` on raw inputs (dense arrays or sparse payloads) with the kernel their storage
    types call for; returns what `op.compute` returns (payloads where outputs are sparse).
    `out`: the raw array of the caller's out= target, for sparse kernels that write in place."""
    in_stypes = [stype_of(x) for x in inputs]
    out_stypes, dispatch = infer_storage(op, attrs, in_stypes)
    if dispatch == "sparse":
        kwargs = dict(extras) if extras else {}     # is_train=, rng= of a needs_rng operator
        if op.compute_sparse_takes_out:
            kwargs["out"] = out
        return op.compute_sparse(xp, inputs, attrs, out_stypes, **kwargs)
    if dispatch == "fallback":
        warn_fallback(op, attrs, in_stypes, out_stypes, dev_mask)
        inputs = [densify(xp, x) for x in inputs]
    if extras:
        return op.compute(xp, inputs, attrs, **extras)
    return op.compute(xp, inputs, attrs)


def fallback_message(op, attrs, in_stypes, out_stypes, dev_mask):
    """MXNet 1.9.1's text for a dense fallback (common/utils.h, LogStorageFallback)."""
    params = "".join('"%s" : %s, ' % kv for kv in op.format_attrs(attrs).items())
    return ("\nStorage type fallback detected:\noperator = %s\ninput storage types = [%s]\n"
            "output storage types = [%s]\nparams = {%s}\ncontext.dev_mask = %s\n"
            "The operator with default storage type will be dispatched for execution. You're "
            "seeing this warning message because the operator above is unable to process the "
            "given ndarrays with specified storage types, context and parameter. Temporary dense "
            "ndarrays are generated in order to execute the operator. This does not affect the "
            "correctness of the programme. You can set environment variable "
            "MXNET_STORAGE_FALLBACK_LOG_VERBOSE to 0 to suppress this warning."
            % (op.name, "".join(s + ", " for s in in_stypes),
               "".join(s + ", " for s in out_stypes), params, dev_mask))


_logged = set()


def warn_fallback(op, attrs, in_stypes, out_stypes, dev_mask):
    if os.environ.get("MXNET_STORAGE_FALLBACK_LOG_VERBOSE", "1") == "0":
        return
    message = fallback_message(op, attrs, in_stypes, out_stypes, dev_mask)
    if message in _logged:        # MXNet logs each distinct message once
        return
    _logged.add(message)
    # Attributed to the first frame outside mxnb: the user's line.
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        warnings.warn(message, UserWarning)
        return
    warnings.warn_explicit(message, UserWarning, frame.f_code.co_filename, frame.f_lineno,
                           module=frame.f_globals.get("__name__"),
                           registry=frame.f_globals.setdefault("__warningregistry__", {}))


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
