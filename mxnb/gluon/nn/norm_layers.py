"""Normalisation layers beyond BatchNorm (MXNet 1.x `gluon.nn`): LayerNorm, InstanceNorm,
GroupNorm, and BatchNormReLU (BatchNorm followed by relu)."""
from ..block import HybridBlock
from .basic_layers import BatchNorm

__all__ = ["LayerNorm", "InstanceNorm", "GroupNorm", "BatchNormReLU"]


class _Norm(HybridBlock):
    """gamma and beta parameters (learned unless scale/center is False) of `shape`."""

    def _make_params(self, shape, center, scale, beta_initializer, gamma_initializer):
        self.gamma = self.params.get("gamma", grad_req="write" if scale else "null", shape=shape,
                                     init=gamma_initializer, allow_deferred_init=True)
        self.beta = self.params.get("beta", grad_req="write" if center else "null", shape=shape,
                                    init=beta_initializer, allow_deferred_init=True)

    def __repr__(self):
        content = ", ".join("%s=%r" % (k, v) for k, v in self._kwargs.items())
        if isinstance(self, GroupNorm):
            return "%s(%s)" % (type(self).__name__, content)
        return "%s(%s, in_channels=%s)" % (type(self).__name__, content, self.gamma.shape[0])


class LayerNorm(_Norm):
    r"""Layer normalisation (Ba et al., 2016): each sample normalised over `axis`.

    .. math:: out = \frac{x - mean[x]}{\sqrt{Var[x] + \epsilon}} * gamma + beta

    Parameters
    ----------
    axis : int, default -1
        The axis to normalise over (gamma and beta have its length).
    epsilon : float, default 1e-5
    center : bool, default True
        Learn beta (otherwise beta stays at its initial value).
    scale : bool, default True
        Learn gamma.
    beta_initializer, gamma_initializer : str or Initializer
    in_channels : int, default 0
        Length of `axis`; 0 infers it from the first input.

    Example
    -------
    >>> layer = mx.gluon.nn.LayerNorm()
    >>> layer.initialize()
    >>> layer(mx.nd.array([[1, 2], [3, 5]]))        # each row to mean 0, variance 1
    """

    def __init__(self, axis=-1, epsilon=1e-5, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", in_channels=0, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._kwargs = {"eps": epsilon, "axis": axis, "center": center, "scale": scale}
        self._axis = axis
        self._epsilon = epsilon
        self._center = center
        self._scale = scale
        self._make_params((in_channels,), center, scale, beta_initializer, gamma_initializer)

    def hybrid_forward(self, F, data, gamma, beta):
        return F.LayerNorm(data, gamma=gamma, beta=beta, axis=self._axis, eps=self._epsilon)


class InstanceNorm(_Norm):
    r"""Instance normalisation (Ulyanov et al., 2016): each (sample, channel) normalised over its
    spatial axes, then scaled and shifted per channel.

    Parameters
    ----------
    axis : int, default 1
        The channel axis.
    epsilon : float, default 1e-5
    center : bool, default True
    scale : bool, default False
        Learn gamma (as MXNet, gamma is not learned by default).
    beta_initializer, gamma_initializer : str or Initializer
    in_channels : int, default 0

    Example
    -------
    >>> layer = mx.gluon.nn.InstanceNorm()
    >>> layer.initialize()
    >>> layer(mx.nd.array([[[1.1, 2.2], [3.3, 4.4]]])).shape
    (1, 2, 2)
    """

    def __init__(self, axis=1, epsilon=1e-5, center=True, scale=False, beta_initializer="zeros",
                 gamma_initializer="ones", in_channels=0, **kwargs):
        super().__init__(**kwargs)
        self._kwargs = {"eps": epsilon, "axis": axis, "center": center, "scale": scale}
        self._axis = axis
        self._epsilon = epsilon
        self._make_params((in_channels,), center, scale, beta_initializer, gamma_initializer)

    def hybrid_forward(self, F, x, gamma, beta):
        if self._axis == 1:
            return F.InstanceNorm(x, gamma, beta, name="fwd", eps=self._epsilon)
        x = F.swapaxes(x, 1, self._axis)
        return F.swapaxes(F.InstanceNorm(x, gamma, beta, name="fwd", eps=self._epsilon), 1, self._axis)


class GroupNorm(_Norm):
    r"""Group normalisation (Wu and He, 2018): the channels of each sample split into num_groups
    groups, each normalised over its channels and spatial axes; gamma and beta have one value
    per group, as in MXNet 1.x.

    Parameters
    ----------
    num_groups : int, default 1
    epsilon : float, default 1e-5
    center, scale : bool, default True
    beta_initializer, gamma_initializer : str or Initializer

    Example
    -------
    >>> layer = mx.gluon.nn.GroupNorm(num_groups=2)
    >>> layer.initialize()
    >>> layer(mx.nd.ones((2, 4, 3, 3))).shape
    (2, 4, 3, 3)
    """

    def __init__(self, num_groups=1, epsilon=1e-5, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._kwargs = {"eps": epsilon, "num_groups": num_groups, "center": center, "scale": scale}
        self._num_groups = num_groups
        self._epsilon = epsilon
        self._center = center
        self._scale = scale
        self._make_params((num_groups,), center, scale, beta_initializer, gamma_initializer)

    def hybrid_forward(self, F, data, gamma, beta):
        return F.GroupNorm(data, gamma=gamma, beta=beta, num_groups=self._num_groups,
                           eps=self._epsilon)


class BatchNormReLU(BatchNorm):
    """BatchNorm followed by relu (MXNet fuses the two; the parameters are BatchNorm's).

    Parameters are those of `BatchNorm`.

    Example
    -------
    >>> layer = mx.gluon.nn.BatchNormReLU()
    >>> layer.initialize()
    >>> layer(mx.nd.array([[-1.0], [1.0]])).asnumpy().min() >= 0
    True
    """

    def hybrid_forward(self, F, x, gamma, beta, running_mean, running_var):
        return F.relu(super().hybrid_forward(F, x, gamma, beta, running_mean, running_var))
