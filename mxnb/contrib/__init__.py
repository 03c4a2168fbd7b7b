"""MXNet 1.x's `mx.contrib`: `mx.contrib.onnx` (import and export of ONNX models) and
`mx.contrib.autograd` (MXNet's first autograd interface)."""
from . import onnx  # noqa: F401
from . import autograd  # noqa: F401
from . import text  # noqa: F401
