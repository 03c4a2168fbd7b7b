"""MXNet 1.x's `mx.contrib`: `mx.contrib.onnx` (import and export of ONNX models)."""
from . import onnx  # noqa: F401
