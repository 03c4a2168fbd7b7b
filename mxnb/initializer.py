"""Weight initializers (`mx.init`), as MXNet 1.x.

An initializer is called as `init(InitDesc(name, attrs), arr)` and fills the NDArray `arr` in place,
choosing what to do from the name's suffix (weight, bias, gamma, beta, moving_mean, ...) or from an
explicit `__init__` attribute. Random draws go through `mx.nd.random` so `mx.random.seed` applies.
"""
import json
import logging
import re
import warnings

import numpy as np

from .base import MXNetError
from .named_registry import NamedRegistry
from .ndarray import NDArray
from .ndarray.ndarray import bump_version
from .ndarray import random as _random

__all__ = ["InitDesc", "Initializer", "register", "alias", "create", "Load", "Mixed", "Zero", "One",
           "Constant", "Uniform", "Normal", "Orthogonal", "Xavier", "MSRAPrelu", "Bilinear",
           "LSTMBias", "FusedRNN"]


class InitError(MXNetError, ValueError):
    """An initializer that cannot fill the array it was given (a ValueError too, as in MXNet).

    Parameters
    ----------
    *args
        The error message (and any further arguments), as for any exception.

    Examples
    --------
    >>> try:
    ...     mx.init.Xavier()(mx.init.InitDesc('fc_weight'), mx.nd.zeros((3,)))
    ... except mx.init.InitError as err:
    ...     print(isinstance(err, ValueError))
    True
    """


class InitDesc(str):
    """The name of the array to initialize, with its attributes and the global initializer.

    Parameters
    ----------
    name : str
        Name of the array to initialize (e.g. 'fc1_weight').
    attrs : dict of str to str, default None
        Attributes of the array, such as an ``__init__`` entry naming its own initializer.
    global_init : Initializer, default None
        The initializer to fall back on for this array.

    Examples
    --------
    >>> desc = mx.init.InitDesc('fc1_weight', attrs={'lr_mult': '1.0'})
    >>> desc, desc.attrs
    ('fc1_weight', {'lr_mult': '1.0'})
    """

    def __new__(cls, name, attrs=None, global_init=None):
        ret = super().__new__(cls, name)
        ret.attrs = attrs or {}
        ret.global_init = global_init
        return ret


_REGISTRY = NamedRegistry("initializer")   # base class set below, once defined


def register(klass):
    """Registers an Initializer class under its lower-cased name (a decorator)."""
    return _REGISTRY.register(klass)


def alias(*aliases):
    """Registers extra names for an Initializer class (a decorator)."""
    return _REGISTRY.alias(*aliases)


def create(initializer, *args, **kwargs):
    """An Initializer from an instance, a registered name, a config dict, or a JSON string
    (`dumps()`'s '["name", {kwargs}]' or '{"initializer": "name", ...}'), as MXNet's.

    Parameters
    ----------
    initializer : Initializer, str or dict
        What to create.
    *args, **kwargs
        The initializer's constructor arguments (with a name only).

    Returns
    -------
    Initializer

    Example
    -------
    >>> mx.init.create(mx.init.Uniform(0.5).dumps()).scale
    0.5
    """
    return _REGISTRY.create(initializer, *args, **kwargs)


def _fill(arr, value):
    if arr._sparse:         # a row_sparse weight: every row stored with the value, as MXNet's
        arr[:] = value      # arr[:] = value
        return
    arr._data[...] = value
    bump_version(arr)


class Initializer:
    """The base class of all initializers.

    Parameters
    ----------
    **kwargs
        The initializer's settings, kept for `dumps` (its JSON description).

    Examples
    --------
    >>> class Fives(mx.init.Initializer):
    ...     def _init_weight(self, name, arr):
    ...         arr[:] = 5
    >>> net = mx.gluon.nn.Dense(2, in_units=3)
    >>> net.initialize(Fives())
    >>> float(net.weight.data()[0, 0].asscalar())
    5.0
    """

    def __init__(self, **kwargs):
        self._kwargs = kwargs
        self._verbose = False
        self._print_func = None

    def set_verbosity(self, verbose=False, print_func=None):
        """Logs a statistic of each initialized array (default: its norm / sqrt(size))."""
        self._verbose = verbose
        if print_func is None:
            def print_func(x):
                data = x.asnumpy().astype(np.float64)
                return str(np.sqrt((data * data).sum()) / np.sqrt(max(data.size, 1)))
        self._print_func = print_func
        return self

    def _verbose_print(self, desc, init, arr):
        if self._verbose and self._print_func:
            logging.info("Initialized %s as %s: %s", desc, init, self._print_func(arr))

    def dumps(self):
        """The initializer as JSON, e.g. '["normal", {"sigma": 0.5}]'."""
        return json.dumps([type(self).__name__.lower(), self._kwargs])

    def __call__(self, desc, arr):
        if not isinstance(arr, NDArray):
            raise MXNetError("an initializer fills an NDArray, found %s" % type(arr).__name__)
        if not isinstance(desc, InitDesc):
            self._legacy_init(desc, arr)
            return
        if desc.global_init is None:
            desc.global_init = self
        init = desc.attrs.get("__init__", "")
        if init:
            create(init)._init_weight(desc, arr)
            self._verbose_print(desc, init, arr)
            return
        self._init_by_suffix(desc, arr)

    def _init_by_suffix(self, name, arr):
        for suffix, method in _SUFFIX_RULES:
            if name.endswith(suffix):
                getattr(self, method)(name, arr)
                self._verbose_print(name, suffix, arr)
                return
        self._init_default(name, arr)

    def _legacy_init(self, name, arr):
        warnings.warn("Calling initializer with init(str, NDArray) has been deprecated. please use "
                      "init(mx.init.InitDesc(...), NDArray) instead.", DeprecationWarning,
                      stacklevel=3)
        if not isinstance(name, str):
            raise TypeError("name must be string, found %s" % type(name).__name__)
        if name.startswith("upsampling"):
            self._init_bilinear(name, arr)
        elif name.startswith("stn_loc") and name.endswith("weight"):
            self._init_zero(name, arr)
        elif name.startswith("stn_loc") and name.endswith("bias"):
            self._init_loc_bias(name, arr)
        else:
            self._init_by_suffix(name, arr)

    def _init_bilinear(self, _, arr):
        _fill(arr, _bilinear_kernel(arr.shape))

    def _init_loc_bias(self, _, arr):
        if arr.shape[0] != 6:
            raise InitError("stn_loc bias needs 6 values, found shape %s" % (arr.shape,))
        _fill(arr, np.array([1.0, 0, 0, 0, 1.0, 0]))

    def _init_zero(self, _, arr):
        _fill(arr, 0.0)

    def _init_one(self, _, arr):
        _fill(arr, 1.0)

    def _init_bias(self, _, arr):
        _fill(arr, 0.0)

    def _init_gamma(self, _, arr):
        _fill(arr, 1.0)

    def _init_beta(self, _, arr):
        _fill(arr, 0.0)

    def _init_weight(self, name, arr):
        raise NotImplementedError("Must override it")

    def _init_default(self, name, _):
        raise InitError(
            "Unknown initialization pattern for %s. Default initialization is now limited to "
            '"weight", "bias", "gamma" (1.0), and "beta" (0.0). Please use '
            "mx.sym.Variable(init=mx.init.*) to set initialization pattern" % name)

    def __eq__(self, other):
        if not isinstance(other, Initializer):
            return NotImplemented
        return type(self) is type(other) and self._kwargs == other._kwargs

    __hash__ = object.__hash__


_REGISTRY.base = Initializer

# Name suffix -> method, first match wins (so "weight_quantize" is not needed: no int8 here).
_SUFFIX_RULES = [("weight", "_init_weight"), ("bias", "_init_bias"), ("gamma", "_init_gamma"),
                 ("beta", "_init_beta"), ("moving_mean", "_init_zero"),
                 ("moving_var", "_init_one"), ("moving_inv_var", "_init_zero"),
                 ("moving_avg", "_init_zero"), ("min", "_init_zero"), ("max", "_init_one")]


def _bilinear_kernel(shape):
    """The upsampling kernel MXNet's Bilinear fills (separable triangle filter)."""
    f = np.ceil(shape[3] / 2.)
    c = (2 * f - 1 - f % 2) / (2. * f)
    x = np.arange(shape[3])
    y = np.arange(shape[2])
    plane = np.outer(1 - np.abs(y / f - c), 1 - np.abs(x / f - c)).astype(np.float32)
    return np.broadcast_to(plane, shape)


class Load:
    """Initializes from a dict of arrays (or a file saved by `mx.nd.save`), else `default_init`.

    Parameters
    ----------
    param : str or dict of str to NDArray
        The arrays by name, or the name of a file saved with `mx.nd.save`; an ``arg:`` or ``aux:``
        prefix on the names is dropped.
    default_init : Initializer, default None
        Used for arrays not found in `param`; an error is raised for them when None.
    verbose : bool, default False
        If True, log each array that is loaded.

    Examples
    --------
    >>> init = mx.init.Load({'fc_weight': mx.nd.ones((2, 3))}, default_init=mx.init.Zero())
    >>> w = mx.nd.zeros((2, 3))
    >>> init('fc_weight', w)
    >>> float(w.sum().asscalar())
    6.0
    """

    def __init__(self, param, default_init=None, verbose=False):
        if isinstance(param, str):
            from .ndarray import load
            param = load(param)
        if not isinstance(param, dict):
            raise MXNetError("Load expects a dict of name -> NDArray, found %s"
                             % type(param).__name__)
        self.param = {}
        for name, arr in param.items():
            key = name[4:] if name.startswith(("arg:", "aux:")) else name
            self.param[key] = arr
        self.default_init = default_init
        self.verbose = verbose

    def __call__(self, name, arr):
        if name in self.param:
            source = self.param[name]
            if tuple(arr.shape) != tuple(source.shape):
                raise MXNetError("Parameter %s cannot be initialized from loading. Shape "
                                 "mismatch, target %s vs loaded %s"
                                 % (name, arr.shape, tuple(source.shape)))
            _fill(arr, source.asnumpy() if isinstance(source, NDArray) else source)
            if self.verbose:
                logging.info("Initialized %s by loading", name)
        else:
            if self.default_init is None:
                raise MXNetError("Cannot Initialize %s. Not found in loaded param and no default "
                                 "Initializer is provided." % name)
            self.default_init(name, arr)
            if self.verbose:
                logging.info("Initialized %s by default", name)


class Mixed:
    """Initializes each array with the first initializer whose regex pattern matches its name.

    Parameters
    ----------
    patterns : list of str
        Regular expressions matched against array names, in order.
    initializers : list of Initializer
        The initializer to use for each pattern; same length as `patterns`.

    Examples
    --------
    >>> init = mx.init.Mixed(['bias', '.*'], [mx.init.Zero(), mx.init.Uniform(0.1)])
    >>> b = mx.nd.ones((2,))
    >>> init(mx.init.InitDesc('fc_bias'), b)    # 'bias' matches first: Zero
    >>> b.asnumpy().tolist()
    [0.0, 0.0]
    """

    def __init__(self, patterns, initializers):
        if len(patterns) != len(initializers):
            raise MXNetError("Mixed: %d patterns but %d initializers"
                             % (len(patterns), len(initializers)))
        self.map = list(zip([re.compile(p) for p in patterns], initializers))

    def __call__(self, name, arr):
        for prog, init in self.map:
            if prog.match(name):
                init(name, arr)
                return
        raise InitError("Parameter name %s did not match any pattern. Consider add a \".*\" "
                        "pattern at the and with default Initializer." % name)


@register
@alias("zeros")
class Zero(Initializer):
    """Fills with 0.

    Parameters
    ----------
    (none)
        This initializer takes no arguments.

    Examples
    --------
    >>> w = mx.nd.zeros((2, 3))
    >>> mx.init.Zero()(mx.init.InitDesc('fc_weight'), w)
    """

    def __init__(self):
        super().__init__()

    def _init_weight(self, _, arr):
        _fill(arr, 0)


@register
@alias("ones")
class One(Initializer):
    """Fills with 1.

    Parameters
    ----------
    (none)
        This initializer takes no arguments.

    Examples
    --------
    >>> w = mx.nd.zeros((2, 3))
    >>> mx.init.One()(mx.init.InitDesc('fc_weight'), w)
    """

    def __init__(self):
        super().__init__()

    def _init_weight(self, _, arr):
        _fill(arr, 1)


@register
class Constant(Initializer):
    """Fills with `value` (a scalar, or an array broadcast to the shape).

    Parameters
    ----------
    value : float or NDArray
        The value to fill with; an array is broadcast to the shape being initialized.

    Examples
    --------
    >>> w = mx.nd.zeros((2, 3))
    >>> mx.init.Constant(0.5)(mx.init.InitDesc('fc_weight'), w)
    """

    def __init__(self, value):
        super().__init__(value=value)
        self.value = value

    def _init_weight(self, _, arr):
        value = self.value
        _fill(arr, value.asnumpy() if isinstance(value, NDArray) else value)

    def dumps(self):
        val = self._kwargs["value"]
        if not np.isscalar(val):
            self._kwargs["value"] = (val.tolist() if isinstance(val, np.ndarray)
                                     else val.asnumpy().tolist())
        return json.dumps([type(self).__name__.lower(), self._kwargs])


@register
class Uniform(Initializer):
    """Draws from U(-scale, scale).

    Parameters
    ----------
    scale : float, default 0.07
        Half-width of the interval the values are drawn from.

    Examples
    --------
    >>> w = mx.nd.zeros((2, 3))
    >>> mx.init.Uniform(scale=0.1)(mx.init.InitDesc('fc_weight'), w)
    """

    def __init__(self, scale=0.07):
        super().__init__(scale=scale)
        self.scale = scale

    def _init_weight(self, _, arr):
        _random.uniform(-self.scale, self.scale, arr.shape, out=arr)


@register
class Normal(Initializer):
    """Draws from N(0, sigma^2).

    Parameters
    ----------
    sigma : float, default 0.01
        Standard deviation of the normal distribution.

    Examples
    --------
    >>> w = mx.nd.zeros((2, 3))
    >>> mx.init.Normal(sigma=0.1)(mx.init.InitDesc('fc_weight'), w)
    """

    def __init__(self, sigma=0.01):
        super().__init__(sigma=sigma)
        self.sigma = sigma

    def _init_weight(self, _, arr):
        _random.normal(0, self.sigma, arr.shape, out=arr)


@register
class Orthogonal(Initializer):
    """An orthogonal matrix (from the SVD of a random one) times `scale`.

    Parameters
    ----------
    scale : float, default 1.414
        Factor the orthogonal matrix is multiplied by.
    rand_type : str, default 'uniform'
        Distribution of the random matrix that is decomposed: 'uniform' or 'normal'.

    Examples
    --------
    >>> w = mx.nd.zeros((2, 3))
    >>> mx.init.Orthogonal()(mx.init.InitDesc('fc_weight'), w)
    """

    def __init__(self, scale=1.414, rand_type="uniform"):
        super().__init__(scale=scale, rand_type=rand_type)
        self.scale = scale
        self.rand_type = rand_type

    def _init_weight(self, _, arr):
        nout = arr.shape[0]
        nin = int(np.prod(arr.shape[1:]))
        if self.rand_type == "uniform":
            tmp = _random.uniform(-1.0, 1.0, shape=(nout, nin)).asnumpy()
        elif self.rand_type == "normal":
            tmp = _random.normal(0.0, 1.0, shape=(nout, nin)).asnumpy()
        else:
            raise InitError("Orthogonal: rand_type must be 'uniform' or 'normal', found %r"
                            % (self.rand_type,))
        u, _, v = np.linalg.svd(tmp, full_matrices=False)
        res = u if u.shape == tmp.shape else v
        _fill(arr, self.scale * res.reshape(arr.shape))


@register
class Xavier(Initializer):
    """Uniform or gaussian draws scaled by sqrt(magnitude / fan), fan from 'avg', 'in' or 'out'.

    Parameters
    ----------
    rnd_type : str, default 'uniform'
        Distribution to draw from: 'uniform' or 'gaussian'.
    factor_type : str, default 'avg'
        Which fan scales the values: 'in', 'out' or 'avg' (their mean).
    magnitude : float, default 3
        Scale of the distribution: values are drawn with scale sqrt(magnitude / fan).

    Examples
    --------
    >>> net = mx.gluon.nn.Dense(4, in_units=3)
    >>> net.initialize(mx.init.Xavier(rnd_type='gaussian', factor_type='in', magnitude=2))
    """

    def __init__(self, rnd_type="uniform", factor_type="avg", magnitude=3):
        super().__init__(rnd_type=rnd_type, factor_type=factor_type, magnitude=magnitude)
        self.rnd_type = rnd_type
        self.factor_type = factor_type
        self.magnitude = float(magnitude)

    def _init_weight(self, name, arr):
        shape = arr.shape
        if len(shape) < 2:
            raise InitError("Xavier initializer cannot be applied to vector {0}. It requires at "
                            "least 2D, found shape {1}.".format(name, shape))
        hw_scale = float(np.prod(shape[2:])) if len(shape) > 2 else 1.
        fan_in, fan_out = shape[1] * hw_scale, shape[0] * hw_scale
        if self.factor_type == "avg":
            factor = (fan_in + fan_out) / 2.0
        elif self.factor_type == "in":
            factor = fan_in
        elif self.factor_type == "out":
            factor = fan_out
        else:
            raise InitError("Incorrect factor type %r; expected 'avg', 'in' or 'out'"
                            % (self.factor_type,))
        scale = float(np.sqrt(self.magnitude / factor))
        if self.rnd_type == "uniform":
            _random.uniform(-scale, scale, arr.shape, out=arr)
        elif self.rnd_type == "gaussian":
            _random.normal(0, scale, arr.shape, out=arr)
        else:
            raise InitError("Unknown random type %r; expected 'uniform' or 'gaussian'"
                            % (self.rnd_type,))


@register
class MSRAPrelu(Xavier):
    """He initialization: gaussian Xavier with magnitude 2 / (1 + slope^2).

    Parameters
    ----------
    factor_type : str, default 'avg'
        Which fan scales the values: 'in', 'out' or 'avg' (their mean).
    slope : float, default 0.25
        Negative slope of the (P)ReLU that follows; 0 gives the ReLU form of He initialization.

    Examples
    --------
    >>> net = mx.gluon.nn.Conv2D(8, 3, in_channels=3)
    >>> net.initialize(mx.init.MSRAPrelu(factor_type='in', slope=0))
    """

    def __init__(self, factor_type="avg", slope=0.25):
        magnitude = 2. / (1 + slope ** 2)
        super().__init__("gaussian", factor_type, magnitude)
        self._kwargs = {"factor_type": factor_type, "slope": slope}


@register
class Bilinear(Initializer):
    """The bilinear upsampling kernel (for Deconvolution weights).

    Parameters
    ----------
    (none)
        This initializer takes no arguments.

    Examples
    --------
    >>> w = mx.nd.zeros((1, 1, 4, 4))
    >>> mx.init.Bilinear()(mx.init.InitDesc('fc_weight'), w)
    """

    def __init__(self):
        super().__init__()

    def _init_weight(self, _, arr):
        _fill(arr, _bilinear_kernel(arr.shape))


@register
class LSTMBias(Initializer):
    """Zeros, except the forget gate's quarter (the second of four gates) set to `forget_bias`.

    Parameters
    ----------
    forget_bias : float, default 1.0
        Value given to the forget gate's biases.

    Examples
    --------
    >>> b = mx.gluon.Parameter('b', shape=(8,), init=mx.init.LSTMBias(forget_bias=1.0))
    >>> b.initialize()      # 4 gates of hidden size 2
    >>> b.data().asnumpy().tolist()
    [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    """

    def __init__(self, forget_bias=1.0):
        super().__init__(forget_bias=forget_bias)
        self.forget_bias = forget_bias

    def _init_weight(self, name, arr):
        num_hidden = int(arr.shape[0] / 4)
        _fill(arr, 0.0)
        arr._data[num_hidden:2 * num_hidden] = self.forget_bias
        bump_version(arr)


@register
class FusedRNN(Initializer):
    """Initializes the packed `parameters` of a `mx.rnn.FusedRNNCell` piece by piece: each
    per-gate weight and bias (as `FusedRNNCell.unpack_weights` names them) gets `init`, or the
    global initializer when `init` is None; an LSTM's forget-gate biases get `forget_bias`.

    Parameters
    ----------
    init : Initializer, str or None
        Applied to each unpacked piece (a str is a JSON description, as `dumps()` writes).
        None falls back to the global initializer (the one `init_params` was given).
    num_hidden : int
        The cell's `num_hidden`.
    num_layers : int
        The cell's `num_layers`.
    mode : str
        The cell's `mode`: 'rnn_relu', 'rnn_tanh', 'lstm' or 'gru'.
    bidirectional : bool, default False
        The cell's `bidirectional`.
    forget_bias : float, default 1.0
        Value of an LSTM's forget-gate biases.

    Examples
    --------
    >>> init = mx.init.FusedRNN(None, num_hidden=2, num_layers=1, mode='lstm')
    >>> arr = mx.nd.zeros((4 * 2 * (3 + 2 + 2),))    # input size 3
    >>> desc = mx.init.InitDesc('parameters', attrs={'__init__': init.dumps()})
    >>> mx.init.Uniform(0.1)(desc, arr)     # the global initializer fills the other pieces
    >>> mx.rnn.FusedRNNCell(2, prefix='').unpack_weights({'parameters': arr})[
    ...     'l0_i2h_f_bias'].asnumpy().tolist()
    [1.0, 1.0]
    """

    def __init__(self, init, num_hidden, num_layers, mode, bidirectional=False, forget_bias=1.0):
        if isinstance(init, str):
            init = create(init)
        super().__init__(init=init.dumps() if init is not None else None, num_hidden=num_hidden,
                         num_layers=num_layers, mode=mode, bidirectional=bidirectional,
                         forget_bias=forget_bias)
        self._init = init
        self._num_hidden = num_hidden
        self._num_layers = num_layers
        self._mode = mode
        self._bidirectional = bidirectional
        self._forget_bias = forget_bias

    def _init_weight(self, desc, arr):
        from .rnn.rnn_cell import FusedRNNCell    # rnn sits beside us and imports this module
        cell = FusedRNNCell(self._num_hidden, self._num_layers, self._mode, self._bidirectional,
                            forget_bias=self._forget_bias, prefix="")
        pieces = cell.unpack_weights({"parameters": arr})
        global_init = getattr(desc, "global_init", None)
        for name, piece in pieces.items():
            piece_desc = InitDesc(name, global_init=global_init)
            if self._mode == "lstm" and name.endswith("_f_bias"):
                _fill(piece, self._forget_bias)
            elif self._init is not None:
                self._init(piece_desc, piece)
            elif global_init is not None:
                global_init(piece_desc, piece)
            else:
                raise InitError("FusedRNN: no initializer for %s: give FusedRNN an `init` or "
                                "call it through a global initializer" % name)
        packed = cell.pack_weights(pieces)["parameters"]
        _fill(arr, packed.asnumpy().reshape(arr.shape))
