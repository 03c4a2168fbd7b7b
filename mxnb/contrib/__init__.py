"""MXNet 1.x's `mx.contrib`: `mx.contrib.onnx` (import and export of ONNX models)."""
from . import onnx  # noqa: F401
from . import text  # noqa: F401
