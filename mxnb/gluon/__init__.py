"""`mx.gluon`: the imperative/hybrid high-level API of MXNet 1.x."""
from .parameter import Parameter, Constant, ParameterDict, DeferredInitializationError
from .block import Block, HybridBlock, SymbolBlock
from . import nn
from .trainer import Trainer
from . import loss, utils


def __getattr__(name):
    # Subpackages written elsewhere (data, model_zoo, rnn, contrib) load on first use.
    if name in ("data", "model_zoo", "rnn", "contrib"):
        import importlib
        module = importlib.import_module("." + name, __name__)
        globals()[name] = module
        return module
    raise AttributeError("module 'mxnb.gluon' has no attribute %r" % name)
