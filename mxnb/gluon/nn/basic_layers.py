"""Basic layers (MXNet 1.x `gluon.nn.basic_layers`): containers, Dense, Dropout, BatchNorm, ..."""
import numpy as np

from ...base import MXNetError
from ..block import Block, HybridBlock
from ..parameter import _indent
from ._checks import check_layer_args

__all__ = ["Sequential", "HybridSequential", "Dense", "Dropout", "Embedding", "BatchNorm",
           "Flatten", "Lambda", "HybridLambda", "Activation", "LeakyReLU"]


class _SequentialMixin:
    """add / __getitem__ / __len__ / __repr__ and the chaining of children, shared by Sequential
    and HybridSequential."""

    def add(self, *blocks):
        for block in blocks:
            self.register_child(block)

    def __repr__(self):
        modstr = "\n".join("  (%s): %s" % (key, _indent(repr(block), 2))
                           for key, block in self._children.items())
        return "%s(\n%s\n)" % (type(self).__name__, modstr)

    def __getitem__(self, key):
        layers = list(self._children.values())[key]
        if not isinstance(layers, list):
            return layers
        net = type(self)(prefix=self._prefix)
        with net.name_scope():
            net.add(*layers)
        return net

    def __len__(self):
        return len(self._children)

    def _chain(self, x, *args):
        """Each child's output feeds the next; extra outputs travel on as extra inputs."""
        for block in self._children.values():
            x = block(x, *args)
            args = []
            if isinstance(x, (tuple, list)):
                args = x[1:]
                x = x[0]
        if args:
            x = tuple([x] + list(args))
        return x


class Sequential(_SequentialMixin, Block):
    """Stacks Blocks sequentially.

    Parameters
    ----------
    prefix : str, default None
        Prefix of this block's name and of its parameters' names; chosen automatically when None.
    params : ParameterDict, default None
        A ParameterDict whose parameters this block shares; a fresh one is made when None.

    Examples
    --------
    >>> net = mx.gluon.nn.Sequential()
    >>> with net.name_scope():
    ...     net.add(mx.gluon.nn.Dense(8, activation='relu'))
    ...     net.add(mx.gluon.nn.Dense(2))
    >>> net.initialize()
    >>> net(mx.nd.ones((4, 3))).shape
    (4, 2)
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)

    def forward(self, x, *args):
        return self._chain(x, *args)

    def hybridize(self, active=True, **kwargs):
        if self._children and all(isinstance(c, HybridBlock) for c in self._children.values()):
            import warnings
            warnings.warn("All children of this Sequential layer '%s' are HybridBlocks. Consider "
                          "using HybridSequential for the best performance." % self.prefix,
                          stacklevel=2)
        super().hybridize(active, **kwargs)


class HybridSequential(_SequentialMixin, HybridBlock):
    """Stacks HybridBlocks sequentially.

    Parameters
    ----------
    prefix : str, default None
        Prefix of this block's name and of its parameters' names; chosen automatically when None.
    params : ParameterDict, default None
        A ParameterDict whose parameters this block shares; a fresh one is made when None.

    Examples
    --------
    >>> net = mx.gluon.nn.HybridSequential()
    >>> with net.name_scope():
    ...     net.add(mx.gluon.nn.Dense(8, activation='relu'), mx.gluon.nn.Dense(2))
    >>> net.initialize()
    >>> net.hybridize()
    >>> net(mx.nd.ones((4, 3))).shape
    (4, 2)
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)

    def hybrid_forward(self, F, x, *args):
        return self._chain(x, *args)


class Dense(HybridBlock):
    """Fully connected layer: `activation(dot(x, weight.T) + bias)`.

    Parameters
    ----------
    units : int
        Dimensionality of the output space.
    activation : str, default None
        Name of the activation applied to the output (see `Activation`); no activation when None.
    use_bias : bool, default True
        Whether the layer has a bias vector.
    flatten : bool, default True
        If True, all input axes but the first are flattened before the product; otherwise the
        product is taken over the last axis only and the leading axes are kept.
    dtype : str or np.dtype, default 'float32'
        Data type of the output and of the parameters.
    weight_initializer : str or Initializer, default None
        Initializer of the `weight` matrix (the global initializer when None).
    bias_initializer : str or Initializer, default 'zeros'
        Initializer of the `bias` vector.
    in_units : int, default 0
        Size of the input; 0 leaves it to be inferred from the first input.
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> layer = mx.gluon.nn.Dense(5, activation='relu', in_units=3)
    >>> layer.initialize()
    >>> layer(mx.nd.ones((2, 3))).shape
    (2, 5)
    """

    def __init__(self, units, activation=None, use_bias=True, flatten=True, dtype="float32",
                 weight_initializer=None, bias_initializer="zeros", in_units=0, **kwargs):
        super().__init__(**kwargs)
        check_layer_args("Dense(%r)" % (units,), "FullyConnected",
                         {"num_hidden": units, "flatten": flatten})
        if in_units < 0:
            raise MXNetError("Dense(%r): in_units must be >= 0 (0: inferred), found %r"
                             % (units, in_units))
        self._flatten = flatten
        with self.name_scope():
            self._units = units
            self._in_units = in_units
            self.weight = self.params.get("weight", shape=(units, in_units),
                                          init=weight_initializer, dtype=dtype,
                                          allow_deferred_init=True)
            if use_bias:
                self.bias = self.params.get("bias", shape=(units,), init=bias_initializer,
                                            dtype=dtype, allow_deferred_init=True)
            else:
                self.bias = None
            self.act = Activation(activation, prefix=activation + "_") if activation is not None else None

    def hybrid_forward(self, F, x, weight, bias=None):
        if bias is None:
            act = F.FullyConnected(x, weight, no_bias=True, num_hidden=self._units,
                                   flatten=self._flatten, name="fwd")
        else:
            act = F.FullyConnected(x, weight, bias, num_hidden=self._units,
                                   flatten=self._flatten, name="fwd")
        if self.act is not None:
            act = self.act(act)
        return act

    def __repr__(self):
        shape = self.weight.shape
        layout = "%s -> %s" % (shape[1] if shape[1] else None, shape[0])
        act = self.act if self.act else "linear"
        return "%s(%s, %s)" % (type(self).__name__, layout, act)


class Activation(HybridBlock):
    """Applies an activation function ('relu', 'sigmoid', 'tanh', 'softrelu', 'softsign').

    Parameters
    ----------
    activation : str
        Name of the activation function: 'relu', 'sigmoid', 'tanh', 'softrelu' or 'softsign'.
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> act = mx.gluon.nn.Activation('relu')
    >>> act(mx.nd.array([-1., 2.]))   # [0., 2.]
    """

    def __init__(self, activation, **kwargs):
        self._act_type = activation
        super().__init__(**kwargs)

    def _alias(self):
        return self._act_type

    def hybrid_forward(self, F, x):
        return F.Activation(x, act_type=self._act_type, name="fwd")

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, self._act_type)


class Dropout(HybridBlock):
    """Zeroes a fraction `rate` of the inputs in training (scaling the rest by 1/(1-rate)).

    Parameters
    ----------
    rate : float
        Fraction of the input elements set to zero during training, in [0, 1).
    axes : tuple of int, default ()
        Axes along which the same dropout mask is shared (variational dropout).
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> drop = mx.gluon.nn.Dropout(0.5)
    >>> with mx.autograd.train_mode():
    ...     y = drop(mx.nd.ones((2, 4)))   # about half the entries are 0, the rest 2
    """

    def __init__(self, rate, axes=(), **kwargs):
        super().__init__(**kwargs)
        check_layer_args("Dropout(rate=%r)" % (rate,), "Dropout", {"p": rate, "axes": axes})
        self._rate = rate
        self._axes = axes

    def hybrid_forward(self, F, x):
        if self._rate > 0:
            return F.Dropout(x, p=self._rate, axes=self._axes, name="fwd")
        return F.identity(x)

    def __repr__(self):
        return "%s(p = %s, axes=%s)" % (type(self).__name__, self._rate, self._axes)


class BatchNorm(HybridBlock):
    """Batch normalisation; running mean/var are grad_req='null' parameters updated in training.

    Parameters
    ----------
    axis : int, default 1
        The channel axis to normalise over (1 for 'NCHW' layouts; -1 or 3 for 'NHWC').
    momentum : float, default 0.9
        Momentum of the moving-average update of the running mean and variance.
    epsilon : float, default 1e-5
        Small constant added to the variance to avoid dividing by zero.
    center : bool, default True
        If True, a learned offset `beta` is added to the normalised tensor.
    scale : bool, default True
        If True, the normalised tensor is multiplied by a learned `gamma`.
    use_global_stats : bool, default False
        If True, the running statistics are used in training as well as in inference.
    beta_initializer : str or Initializer, default 'zeros'
        Initializer of `beta`.
    gamma_initializer : str or Initializer, default 'ones'
        Initializer of `gamma`.
    running_mean_initializer : str or Initializer, default 'zeros'
        Initializer of the running mean.
    running_variance_initializer : str or Initializer, default 'ones'
        Initializer of the running variance.
    in_channels : int, default 0
        Number of channels of the input; 0 leaves it to be inferred from the first input.
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> bn = mx.gluon.nn.BatchNorm()
    >>> bn.initialize()
    >>> bn(mx.nd.random.uniform(shape=(4, 3, 2, 2))).shape
    (4, 3, 2, 2)
    """

    def __init__(self, axis=1, momentum=0.9, epsilon=1e-5, center=True, scale=True,
                 use_global_stats=False, beta_initializer="zeros", gamma_initializer="ones",
                 running_mean_initializer="zeros", running_variance_initializer="ones",
                 in_channels=0, **kwargs):
        super().__init__(**kwargs)
        self._kwargs = {"axis": axis, "eps": epsilon, "momentum": momentum,
                        "fix_gamma": not scale, "use_global_stats": use_global_stats}
        check_layer_args("BatchNorm(momentum=%r, epsilon=%r)" % (momentum, epsilon), "BatchNorm",
                         self._kwargs)
        if in_channels != 0:
            self.in_channels = in_channels
        self.gamma = self.params.get("gamma", grad_req="write" if scale else "null",
                                     shape=(in_channels,), init=gamma_initializer,
                                     allow_deferred_init=True, differentiable=scale)
        self.beta = self.params.get("beta", grad_req="write" if center else "null",
                                    shape=(in_channels,), init=beta_initializer,
                                    allow_deferred_init=True, differentiable=center)
        self.running_mean = self.params.get("running_mean", grad_req="null", shape=(in_channels,),
                                            init=running_mean_initializer,
                                            allow_deferred_init=True, differentiable=False)
        self.running_var = self.params.get("running_var", grad_req="null", shape=(in_channels,),
                                           init=running_variance_initializer,
                                           allow_deferred_init=True, differentiable=False)

    def cast(self, dtype):
        if np.dtype(dtype).name == "float16":
            dtype = "float32"
        super().cast(dtype)

    def hybrid_forward(self, F, x, gamma, beta, running_mean, running_var):
        return F.BatchNorm(x, gamma, beta, running_mean, running_var, name="fwd", **self._kwargs)

    def __repr__(self):
        in_channels = self.gamma.shape[0]
        content = ", ".join("%s=%r" % (k, v) for k, v in self._kwargs.items())
        return "%s(%s, in_channels=%s)" % (type(self).__name__, content, in_channels or None)


class Embedding(HybridBlock):
    """Maps integer indices to dense vectors of size `output_dim`.

    Parameters
    ----------
    input_dim : int
        Size of the vocabulary: indices lie in [0, input_dim).
    output_dim : int
        Size of each embedding vector.
    dtype : str or np.dtype, default 'float32'
        Data type of the embedding weight and of the output.
    weight_initializer : str or Initializer, default None
        Initializer of the embedding matrix (the global initializer when None).
    sparse_grad : bool, default False
        If True, the gradient of the weight is a row-sparse array.
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> emb = mx.gluon.nn.Embedding(10, 4)
    >>> emb.initialize()
    >>> emb(mx.nd.array([[1, 2], [3, 9]])).shape
    (2, 2, 4)
    """

    def __init__(self, input_dim, output_dim, dtype="float32", weight_initializer=None,
                 sparse_grad=False, **kwargs):
        super().__init__(**kwargs)
        check_layer_args("Embedding(%r, %r)" % (input_dim, output_dim), "Embedding",
                         {"input_dim": input_dim, "output_dim": output_dim})
        self._kwargs = {"input_dim": input_dim, "output_dim": output_dim, "dtype": dtype,
                        "sparse_grad": sparse_grad}
        self.weight = self.params.get("weight", shape=(input_dim, output_dim),
                                      init=weight_initializer, dtype=dtype,
                                      allow_deferred_init=True,
                                      grad_stype="row_sparse" if sparse_grad else "default")

    def hybrid_forward(self, F, x, weight):
        return F.Embedding(x, weight, name="fwd", input_dim=self._kwargs["input_dim"],
                           output_dim=self._kwargs["output_dim"], dtype=self._kwargs["dtype"],
                           sparse_grad=self._kwargs["sparse_grad"])

    def __repr__(self):
        return "%s(%s -> %s, %s)" % (type(self).__name__, self._kwargs["input_dim"],
                                     self._kwargs["output_dim"], self._kwargs["dtype"])


class Flatten(HybridBlock):
    """Flattens every axis but the first: (N, ...) -> (N, prod(...)).

    Parameters
    ----------
    prefix : str, default None
        Prefix of this block's name and of its parameters' names; chosen automatically when None.
    params : ParameterDict, default None
        A ParameterDict whose parameters this block shares; a fresh one is made when None.

    Examples
    --------
    >>> mx.gluon.nn.Flatten()(mx.nd.ones((2, 3, 4))).shape
    (2, 12)
    """

    def hybrid_forward(self, F, x):
        return F.Flatten(x)

    def __repr__(self):
        return type(self).__name__


class LeakyReLU(HybridBlock):
    """`x if x > 0 else alpha * x`.

    Parameters
    ----------
    alpha : float
        Slope applied to negative inputs; must be >= 0.
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> act = mx.gluon.nn.LeakyReLU(0.1)
    >>> act(mx.nd.array([-2., 3.]))   # [-0.2, 3.]
    """

    def __init__(self, alpha, **kwargs):
        if alpha < 0:
            raise MXNetError("LeakyReLU: slope coefficient alpha must be >= 0, found %s" % alpha)
        super().__init__(**kwargs)
        self._alpha = alpha

    def hybrid_forward(self, F, x):
        return F.LeakyReLU(x, act_type="leaky", slope=self._alpha, name="fwd")

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, self._alpha)


class Lambda(Block):
    """Wraps a function (or the name of an `nd` function) as a Block.

    Parameters
    ----------
    function : str or callable
        The function to wrap: the name of an `mx.nd` function, or a callable taking and returning
        NDArrays.
    prefix : str, default None
        Prefix of this block's name.

    Examples
    --------
    >>> block = mx.gluon.nn.Lambda('tanh')
    >>> block(mx.nd.zeros((2,)))   # [0., 0.]
    >>> block = mx.gluon.nn.Lambda(lambda x: x * 2)
    """

    def __init__(self, function, prefix=None):
        super().__init__(prefix=prefix)
        if isinstance(function, str):
            from ... import ndarray as nd
            if not hasattr(nd, function):
                raise MXNetError("Function name %s is not found in ndarray." % function)
            self._func_impl = getattr(nd, function)
        elif callable(function):
            self._func_impl = function
        else:
            raise MXNetError("Unrecognized function in lambda: %s of type %s"
                             % (function, type(function)))

    def forward(self, *args):
        return self._func_impl(*args)

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, getattr(self._func_impl, "__name__", self._func_impl))


class HybridLambda(HybridBlock):
    """Wraps `function(F, *args)` (or the name of an operator) as a HybridBlock.

    Parameters
    ----------
    function : str or callable
        The function to wrap: the name of an operator (found in both `mx.nd` and `mx.sym`), or a
        callable ``function(F, *args)``.
    prefix : str, default None
        Prefix of this block's name.

    Examples
    --------
    >>> block = mx.gluon.nn.HybridLambda('tanh')
    >>> block = mx.gluon.nn.HybridLambda(lambda F, x: F.LeakyReLU(x, slope=0.1))
    >>> block(mx.nd.array([-1., 1.]))   # [-0.1, 1.]
    """

    def __init__(self, function, prefix=None):
        super().__init__(prefix=prefix)
        if isinstance(function, str):
            from ... import ndarray as nd
            if not hasattr(nd, function):
                raise MXNetError("Function name %s is not found in symbol/ndarray." % function)
            self._func = lambda F, *args: getattr(F, function)(*args)
            self._func_name = function
        elif callable(function):
            self._func = function
            self._func_name = function.__name__
        else:
            raise MXNetError("Unrecognized function in lambda: %s of type %s"
                             % (function, type(function)))

    def hybrid_forward(self, F, x, *args):
        return self._func(F, x, *args)

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, self._func_name)
