"""mx.base names that MXNet code imports, mx.util (no mx.np interface: clear errors),
mx.runtime.Features, mx.context.cpu_pinned and mx.library."""
import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError


def test_base_names():
    from mxnb.base import (MXNetError, py_str, string_types, numeric_types, integer_types,
                           NotImplementedForSymbol, NotSupportedForSparseNDArray, classproperty,
                           _as_list, mx_real_t, data_dir)
    assert py_str(b"abc") == "abc" and string_types == (str,)
    assert isinstance(np.float32(1), numeric_types) and isinstance(3, numeric_types)
    assert isinstance(np.int64(1), integer_types)
    assert _as_list(3) == [3] and _as_list((1, 2)) == (1, 2) and mx_real_t is np.float32
    err = NotImplementedForSymbol(test_base_names, "sin", 1, "a")
    assert isinstance(err, MXNetError)
    assert str(err) == ("Function test_base_names (namely operator \"sin\") with arguments "
                        "(<class 'int'>, <class 'str'>) is not implemented for Symbol and only "
                        "available in NDArray.")
    assert "SparseNDArray" in str(NotSupportedForSparseNDArray(test_base_names, None))

    class Thing:
        @classproperty
        def kind(cls):
            return cls.__name__.lower()
    assert Thing.kind == "thing"
    assert data_dir().endswith(".mxnet") or data_dir()


def test_util_np_interface_is_off_and_says_so():
    assert mx.util.is_np_array() is False and mx.util.is_np_shape() is False
    with pytest.raises(MXNetError, match="mx.np interface is not supported"):
        mx.util.set_np()
    mx.util.set_np(shape=False, array=False)
    mx.util.reset_np()

    @mx.util.use_np
    def f():
        return 1
    with pytest.raises(MXNetError, match="mx.np interface is not supported.*use_np"):
        f()
    with pytest.raises(MXNetError):
        with mx.util.np_array():
            pass
    mx.util.setenv("MXNB_HELPER_TEST", "on")
    assert mx.util.getenv("MXNB_HELPER_TEST") == "on"
    mx.util.setenv("MXNB_HELPER_TEST", None)
    assert mx.util.getenv("MXNB_HELPER_TEST") is None


def test_runtime_features_report_this_build():
    features = mx.runtime.Features()
    assert features is mx.runtime.Features()
    names = [f.name for f in mx.runtime.feature_list()]
    assert names[:3] == ["CUDA", "CUDNN", "NCCL"] and "MKLDNN" in names
    assert features.is_enabled("mkldnn") is False
    assert features.is_enabled("CUDA") == (mx.num_gpus() > 0)
    assert features.is_enabled("LAPACK")
    assert repr(features["MKLDNN"]) == "\u2716 MKLDNN"
    with pytest.raises(RuntimeError, match="unknown"):
        features.is_enabled("WARP_DRIVE")


def test_cpu_pinned_and_library(tmp_path):
    ctx = mx.context.cpu_pinned()
    assert ctx.device_type == "cpu_pinned"
    lib = tmp_path / "libcustom.so"
    lib.write_bytes(b"\x7fELF")
    with pytest.raises(MXNetError, match="cannot load compiled MXNet extension"):
        mx.library.load(str(lib))
    with pytest.raises(MXNetError, match="does NOT exist"):
        mx.library.load(str(tmp_path / "missing.so"))
