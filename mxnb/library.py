"""`mx.library`: MXNet loads compiled C++ extension libraries (custom operators, partitioners);
mxnb has no C++ runtime to load them into, so `load` says so."""
import os

from .base import MXNetError

__all__ = ["load"]


def load(path, verbose=True):
    """Raises: compiled MXNet extension libraries cannot be loaded into mxnb.

    Parameters
    ----------
    path : str
        Path to the library (.so / .dll).
    verbose : bool, default True
        Unused.

    Example
    -------
    >>> mx.library.load('libcustom_op.so')   # doctest: +SKIP
    MXNetError: ...
    """
    if not os.path.exists(path):
        raise MXNetError("load path %s does NOT exist" % path)
    raise MXNetError("mx.library.load(%r): mxnb cannot load compiled MXNet extension libraries "
                     "(it has no C++ runtime); write the operator in Python with "
                     "mx.operator.CustomOp or register it in mxnb.ops" % path)
