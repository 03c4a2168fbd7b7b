"""`gluon.contrib`: contributed layers and the estimator fit API (MXNet 1.x)."""
from . import nn
from . import estimator
