"""`mx.runtime`: which features this build has (MXNet's compile-time feature list).

mxnb is pure Python: CUDA (and cuDNN, NCCL, CUDA_RTC) count as enabled when CuPy imports and sees
a GPU; LAPACK and BLAS come from NumPy; MKLDNN, TensorRT, OpenCV and the rest are absent.
"""
import collections

__all__ = ["Feature", "Features", "feature_list"]

# MXNet 1.9.1's feature names, in its order.
_NAMES = ("CUDA", "CUDNN", "NCCL", "CUDA_RTC", "TENSORRT", "CPU_SSE", "CPU_SSE2", "CPU_SSE3",
          "CPU_SSE4_1", "CPU_SSE4_2", "CPU_SSE4A", "CPU_AVX", "CPU_AVX2", "OPENMP", "SSE", "F16C",
          "JEMALLOC", "BLAS_OPEN", "BLAS_ATLAS", "BLAS_MKL", "BLAS_APPLE", "LAPACK", "MKLDNN",
          "OPENCV", "CAFFE", "PROFILER", "DIST_KVSTORE", "CXX14", "INT64_TENSOR_SIZE",
          "SIGNAL_HANDLER", "DEBUG", "TVM_OP")


class Feature:
    """One feature: `name` and `enabled`."""
    __slots__ = ("name", "enabled")

    def __init__(self, name, enabled):
        self.name = name
        self.enabled = bool(enabled)

    def __repr__(self):
        return ("\u2714 %s" if self.enabled else "\u2716 %s") % self.name


def _cuda_works():
    from .context import num_gpus
    return num_gpus() > 0


def _enabled():
    cuda = _cuda_works()
    on = {"LAPACK", "BLAS_OPEN", "INT64_TENSOR_SIZE", "CXX14", "SIGNAL_HANDLER"}
    if cuda:
        on |= {"CUDA", "CUDNN", "NCCL", "CUDA_RTC"}
    try:
        import numpy as np
        cpu = np.__config__.CONFIG.get("SIMD Extensions", {}).get("found", [])  # NumPy >= 1.26
    except Exception:
        cpu = []
    names = {"SSE": "CPU_SSE", "SSE2": "CPU_SSE2", "SSE3": "CPU_SSE3", "SSE41": "CPU_SSE4_1",
             "SSE42": "CPU_SSE4_2", "AVX": "CPU_AVX", "AVX2": "CPU_AVX2", "F16C": "F16C"}
    on |= {names[f] for f in cpu if f in names}
    return on


def feature_list():
    """The features of this build, as a list of `Feature`.

    Returns
    -------
    list of Feature

    Example
    -------
    >>> [f.name for f in mx.runtime.feature_list()][:3]
    ['CUDA', 'CUDNN', 'NCCL']
    """
    on = _enabled()
    return [Feature(name, name in on) for name in _NAMES]


class Features(collections.OrderedDict):
    """Name -> Feature for this build (one instance, as MXNet's).

    Example
    -------
    >>> mx.runtime.Features().is_enabled('MKLDNN')
    False
    """
    instance = None

    def __new__(cls):
        if cls.instance is None:
            cls.instance = super().__new__(cls)
            collections.OrderedDict.__init__(cls.instance, [(f.name, f) for f in feature_list()])
        return cls.instance

    def __init__(self):   # filled once, in __new__
        pass

    def __repr__(self):
        return str(list(self.values()))

    def is_enabled(self, feature_name):
        """Whether `feature_name` (case-insensitive) is enabled; RuntimeError if unknown."""
        feature_name = feature_name.upper()
        if feature_name not in self:
            raise RuntimeError("Feature '%s' is unknown, known features are: %s"
                               % (feature_name, list(self.keys())))
        return self[feature_name].enabled
