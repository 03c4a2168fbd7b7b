"""MXNet 1.x's `mx.contrib.svrg_optimization`: `SVRGModule`, a Module trained with stochastic
variance-reduced gradients, and the optimizers behind it (`svrg_optimizer`)."""
from . import svrg_module  # noqa: F401
from . import svrg_optimizer  # noqa: F401
