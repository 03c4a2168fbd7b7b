"""mx.contrib.ndarray / mx.contrib.symbol (and nd / sym) are MXNet's contrib operator
namespaces: mx.nd.contrib and mx.sym.contrib."""
import numpy as np

import mxnb as mx


def test_contrib_ndarray_aliases():
    assert mx.contrib.ndarray is mx.nd.contrib
    assert mx.contrib.nd is mx.nd.contrib
    boxes = mx.nd.array([[[0, 0.9, 0, 0, 1, 1], [0, 0.8, 0, 0, 1, 1]]])
    out = mx.contrib.nd.box_nms(boxes, overlap_thresh=0.5)
    np.testing.assert_allclose(out.asnumpy()[0, 1], -1)       # the overlapping box suppressed
    assert callable(mx.contrib.ndarray.CTCLoss)


def test_contrib_symbol_aliases():
    assert mx.contrib.symbol is mx.sym.contrib
    assert mx.contrib.sym is mx.sym.contrib
    s = mx.contrib.symbol.CTCLoss(mx.sym.var("data"), mx.sym.var("label"))
    assert isinstance(s, mx.sym.Symbol)


def test_from_import_and_unknown_names():
    from mxnb.contrib import ndarray, symbol
    assert ndarray is mx.nd.contrib and symbol is mx.sym.contrib
    try:
        mx.contrib.no_such_namespace
    except AttributeError as exc:
        assert "no_such_namespace" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
