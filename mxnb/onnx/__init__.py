"""ONNX export and import (MXNet 1.9.1's `mx.onnx`, and `mx.contrib.onnx`'s import functions).

Needs the optional `onnx` package (`pip install 'mxnb[onnx]'`), imported only when used.
"""
from .mx2onnx import export_model, get_operator_support
from .onnx2mx import import_model, import_to_gluon, get_model_metadata

__all__ = ["export_model", "get_operator_support", "import_model", "import_to_gluon",
           "get_model_metadata"]
