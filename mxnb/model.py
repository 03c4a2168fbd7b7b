"""`mx.model.save_checkpoint` / `load_checkpoint`: a symbol and its parameters as MXNet 1.x saves them
(`prefix-symbol.json`, `prefix-%04d.params` with `arg:`/`aux:` names)."""
from .base import MXNetError
from . import ndarray as nd

__all__ = ["save_checkpoint", "load_checkpoint", "load_params"]


def save_checkpoint(prefix, epoch, symbol, arg_params, aux_params, remove_amp_cast=True):
    if symbol is not None:
        symbol.save("%s-symbol.json" % prefix)
    save_dict = {"arg:%s" % k: v for k, v in arg_params.items()}
    save_dict.update({"aux:%s" % k: v for k, v in aux_params.items()})
    nd.save("%s-%04d.params" % (prefix, epoch), save_dict)


def load_params(prefix, epoch):
    fname = "%s-%04d.params" % (prefix, epoch)
    arg_params, aux_params = {}, {}
    for key, value in nd.load(fname).items():
        kind, sep, name = key.partition(":")
        if not sep or kind not in ("arg", "aux"):
            raise MXNetError("%s: parameter name %r has no arg:/aux: prefix" % (fname, key))
        (arg_params if kind == "arg" else aux_params)[name] = value
    return arg_params, aux_params


def load_checkpoint(prefix, epoch):
    from .symbol import load
    symbol = load("%s-symbol.json" % prefix)
    arg_params, aux_params = load_params(prefix, epoch)
    return symbol, arg_params, aux_params
