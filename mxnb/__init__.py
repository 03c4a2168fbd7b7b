"""mxnb: MXNet 1.x's programming model in Python, on NumPy (cpu) and CuPy (gpu), for Jupyter.

    import mxnb as mx
    from mxnb import nd, sym, autograd, gluon
"""
__version__ = "0.1.0"

from .base import MXNetError
from .context import Context, cpu, gpu, cpu_pinned, current_context, num_gpus
from . import base, engine, ops
from . import ndarray
from . import ndarray as nd
from . import autograd
from . import random
from .ndarray import NDArray
from . import blas_threads as _blas_threads

_blas_threads.shorten_openblas_spin()   # NumPy's OpenBLAS workers: see blas_threads.py

import sys as _sys
if "IPython" in _sys.modules:   # inside Jupyter/IPython: rich displays, without importing IPython
    from .notebook import formatters as _formatters
    _formatters.register()


_UTIL_NAMES = ("is_np_shape", "set_np_shape", "np_shape", "use_np_shape", "is_np_array", "np_array",
               "use_np_array", "use_np")


def __getattr__(name):
    # Layers above the core load on first use, so `import mxnb` stays light.
    import importlib
    lazy = {"sym": "symbol", "symbol": "symbol", "gluon": "gluon", "optimizer": "optimizer",
            "init": "initializer", "initializer": "initializer", "lr_scheduler": "lr_scheduler",
            "metric": "metric", "kv": "kvstore", "kvstore": "kvstore", "profiler": "profiler",
            "test_utils": "test_utils", "viz": "viz", "visualization": "viz", "mon": "monitor",
            "monitor": "monitor", "name": "name", "attribute": "attribute", "io": "io",
            "callback": "callback", "executor": "executor", "model": "model", "notebook": "notebook",
            "onnx": "onnx", "contrib": "contrib"}
    lazy.update({"mod": "module", "module": "module", "operator": "operator", "util": "util",
                 "runtime": "runtime", "library": "library", "rnn": "rnn"})
    lazy.update({"image": "image", "img": "image", "recordio": "recordio", "registry": "registry"})
    if name in lazy:
        module = importlib.import_module("." + lazy[name], __name__)
        globals()[name] = module
        return module
    if name in _UTIL_NAMES:        # MXNet 1.9.1 exposes these mx.util names at the top level
        from . import util
        return getattr(util, name)
    if name == "AttrScope":
        from .attribute import AttrScope
        return AttrScope
    raise AttributeError("module 'mxnb' has no attribute %r" % name)
