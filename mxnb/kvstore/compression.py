"""2-bit gradient compression (MXNet's `set_gradient_compression({'type': '2bit'})`).

Each value pushed is quantised to {-threshold, 0, +threshold} before it is reduced; what the
quantisation left out (the residual) is kept per key and pushing slot and added to the next push,
so no gradient is lost, only delayed.
"""
from ..base import MXNetError

__all__ = ["TwoBitCompression", "make_compression"]


class TwoBitCompression:
    """Quantises with error feedback; `residuals[(key, slot)]` is what is still owed."""

    def __init__(self, threshold):
        if not threshold > 0:
            raise MXNetError("2bit gradient compression needs threshold > 0, found %r" % (threshold,))
        self.threshold = float(threshold)
        self.residuals = {}

    def compress(self, key, slot, data):
        """The quantised value of `data` (a NumPy/CuPy array) pushed from `slot` for `key`."""
        residual = self.residuals.get((key, slot))
        if residual is None:
            residual = self.residuals[(key, slot)] = data * 0
        residual += data
        t = residual.dtype.type(self.threshold)
        quantised = (residual >= t) * t - (residual <= -t) * t
        residual -= quantised
        return quantised


def make_compression(params):
    """A compression object from MXNet's compression_params dict ({'type': '2bit', ...})."""
    if not isinstance(params, dict) or "type" not in params:
        raise MXNetError("compression_params must be a dict with a 'type' key such as "
                         "{'type': '2bit', 'threshold': 0.5}, found %r" % (params,))
    kind = params["type"]
    if kind == "none":
        return None
    if kind != "2bit":
        raise MXNetError("unknown gradient compression type %r; expected '2bit' or 'none'" % (kind,))
    unknown = set(params) - {"type", "threshold"}
    if unknown:
        raise MXNetError("unknown gradient compression parameter(s) %s" % sorted(unknown))
    return TwoBitCompression(float(params.get("threshold", 0.5)))

