"""The C API names MXNet code imports from mxnet.base: SymbolHandle, c_handle_array, _LIB."""
import ctypes
import doctest

import numpy as np
import pytest

import mxnb as mx
from mxnb import base
from mxnb.base import MXNetError


def test_names_import_as_mxnet_tests_import_them():
    from mxnb.base import (py_str, _as_list, SymbolHandle, check_call, _LIB,  # noqa: F401
                           c_handle_array, mx_uint)
    assert SymbolHandle is ctypes.c_void_p
    assert base.NDArrayHandle is ctypes.c_void_p


def test_c_handle_array_collects_each_handle_in_order():
    arrays = [mx.nd.array(np.arange(3) + k) for k in range(3)]
    handles = base.c_handle_array(arrays)
    assert len(handles) == 3
    for arr, handle in zip(arrays, handles):
        assert handle is arr.handle
        np.testing.assert_array_equal(np.asarray(handle), arr.asnumpy())
    assert base.c_handle_array([]) == []


def test_c_handle_array_rejects_objects_without_handle():
    with pytest.raises(MXNetError, match="object 1 .*int.* has no handle"):
        base.c_handle_array([mx.nd.ones((1,)), 3])
    with pytest.raises(AttributeError):   # MXNet's `o.handle` raises AttributeError
        base.c_handle_array([object()])


@pytest.mark.parametrize("function", ["MXGetVersion", "MXSymbolCreateFromJSON", "MXNDArrayFree"])
def test_lib_refuses_every_c_function_by_name(function):
    with pytest.raises(MXNetError, match="no MXNet C library: _LIB.%s" % function):
        getattr(base._LIB, function)
    with pytest.raises(AttributeError):
        getattr(base._LIB, function)(ctypes.byref(ctypes.c_int()))
    assert not hasattr(base._LIB, function)


def test_check_call_passes_zero_and_raises_otherwise():
    assert base.check_call(0) is None
    with pytest.raises(MXNetError, match="-1"):
        base.check_call(-1)


def test_new_names_docstring_examples_run():
    for obj in (base._NoCLibrary, base.c_handle_array):
        parser = doctest.DocTestParser()
        test = parser.get_doctest(obj.__doc__, {"mx": mx}, obj.__name__, None, 0)
        runner = doctest.DocTestRunner()
        runner.run(test)
        assert runner.failures == 0, obj.__name__
