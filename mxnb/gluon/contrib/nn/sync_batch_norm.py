"""SyncBatchNorm (MXNet 1.x `gluon.contrib.nn`): batch normalisation whose statistics MXNet
synchronises across devices. mxnb runs a block on one device at a time, so it is BatchNorm with
SyncBatchNorm's signature and parameter names."""
from ...nn.basic_layers import BatchNorm

__all__ = ["SyncBatchNorm"]


class SyncBatchNorm(BatchNorm):
    """Cross-device synchronised batch normalisation, as BatchNorm on one device.

    Parameters
    ----------
    in_channels : int, default 0
    num_devices : int, optional
        Accepted for compatibility (the statistics of one device are used).
    momentum : float, default 0.9
    epsilon : float, default 1e-5
    center, scale : bool, default True
    use_global_stats : bool, default False
    beta_initializer, gamma_initializer, running_mean_initializer,
    running_variance_initializer : str or Initializer

    Example
    -------
    >>> layer = mx.gluon.contrib.nn.SyncBatchNorm(in_channels=3)
    >>> layer.initialize()
    >>> layer(mx.nd.ones((2, 3, 4, 4))).shape
    (2, 3, 4, 4)
    """

    def __init__(self, in_channels=0, num_devices=None, momentum=0.9, epsilon=1e-5, center=True,
                 scale=True, use_global_stats=False, beta_initializer="zeros",
                 gamma_initializer="ones", running_mean_initializer="zeros",
                 running_variance_initializer="ones", **kwargs):
        super().__init__(axis=1, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
                         use_global_stats=use_global_stats, beta_initializer=beta_initializer,
                         gamma_initializer=gamma_initializer,
                         running_mean_initializer=running_mean_initializer,
                         running_variance_initializer=running_variance_initializer,
                         in_channels=in_channels, **kwargs)
        self._num_devices = num_devices
