"""`mx.contrib.onnx` as MXNet 1.x had it: import_model, import_to_gluon, get_model_metadata and
export_model, the same functions as `mx.onnx`."""
from ..onnx import export_model, get_model_metadata, import_model, import_to_gluon

__all__ = ["export_model", "import_model", "import_to_gluon", "get_model_metadata"]
