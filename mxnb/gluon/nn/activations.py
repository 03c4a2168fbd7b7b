"""Activation layers of MXNet 1.x `gluon.nn.activations` beyond Activation and LeakyReLU:
PReLU, ELU, SELU, Swish and GELU."""
from ... import initializer
from ..block import HybridBlock

__all__ = ["PReLU", "ELU", "SELU", "Swish", "GELU"]


class PReLU(HybridBlock):
    r"""Parametric leaky ReLU (He et al., 2015): `x if x > 0 else alpha * x`, alpha learned.

    Parameters
    ----------
    alpha_initializer : Initializer, default Constant(0.25)
    in_channels : int, default 1
        The number of slopes: 1 shares one slope, C gives one per channel (axis 1).

    Example
    -------
    >>> layer = mx.gluon.nn.PReLU()
    >>> layer.initialize()
    >>> layer(mx.nd.array([-4.0, 2.0]))
    [-1.  2.]
    """

    def __init__(self, alpha_initializer=initializer.Constant(0.25), in_channels=1, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.alpha = self.params.get("alpha", shape=(in_channels,), init=alpha_initializer)

    def hybrid_forward(self, F, x, alpha):
        return F.LeakyReLU(x, gamma=alpha, act_type="prelu", name="fwd")


class ELU(HybridBlock):
    r"""Exponential linear unit (Clevert et al., 2016): `x if x > 0 else alpha * (exp(x) - 1)`.

    Parameters
    ----------
    alpha : float, default 1.0

    Example
    -------
    >>> mx.gluon.nn.ELU()(mx.nd.array([-1.0, 1.0]))
    [-0.63212055  1.        ]
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self._alpha = alpha

    def hybrid_forward(self, F, x):
        return F.LeakyReLU(x, act_type="elu", slope=self._alpha)


class SELU(HybridBlock):
    """Scaled exponential linear unit (Klambauer et al., 2017).

    Parameters
    ----------
    prefix : str, default None
        Prefix of this block's name and of its parameters' names; chosen automatically when None.
    params : ParameterDict, default None
        A ParameterDict whose parameters this block shares; a fresh one is made when None.

    Example
    -------
    >>> mx.gluon.nn.SELU()(mx.nd.array([-1.0, 1.0]))
    [-1.1113307  1.050701 ]
    """

    def hybrid_forward(self, F, x):
        return F.LeakyReLU(x, act_type="selu", name="fwd")


class Swish(HybridBlock):
    r"""Swish (Ramachandran et al., 2017): `x * sigmoid(beta * x)`.

    Parameters
    ----------
    beta : float, default 1.0

    Example
    -------
    >>> mx.gluon.nn.Swish()(mx.nd.array([0.0, 1.0]))
    [0.         0.73105854]
    """

    def __init__(self, beta=1.0, **kwargs):
        super().__init__(**kwargs)
        self._beta = beta

    def hybrid_forward(self, F, x):
        return x * F.sigmoid(self._beta * x, name="fwd")


class GELU(HybridBlock):
    """Gaussian error linear unit (Hendrycks and Gimpel, 2016): `x * Phi(x)` (the erf form).

    Parameters
    ----------
    prefix : str, default None
        Prefix of this block's name and of its parameters' names; chosen automatically when None.
    params : ParameterDict, default None
        A ParameterDict whose parameters this block shares; a fresh one is made when None.

    Example
    -------
    >>> mx.gluon.nn.GELU()(mx.nd.array([-1.0, 1.0]))
    [-0.15865529  0.8413447 ]
    """

    def hybrid_forward(self, F, x):
        return F.LeakyReLU(x, act_type="gelu", name="fwd")
