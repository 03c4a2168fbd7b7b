"""`gluon.model_zoo`: predefined networks with MXNet 1.9.1's structure and parameter names, and
the store of their pretrained weights (`model_store`)."""
from . import model_store
from . import vision
from .vision import get_model
