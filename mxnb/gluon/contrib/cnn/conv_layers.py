"""Deformable convolution layers (MXNet 1.x `gluon.contrib.cnn.conv_layers`).

Each layer holds two convolutions: a plain one computing, from the input, the sampling offsets
(and, for the modulated version, the masks) of every kernel tap at every output position, and
the deformable one sampling the input at those offsets. The offset convolution starts at zero,
so a fresh layer computes a plain convolution.
"""
from ....base import FailedCheckError, MXNetError
from ...block import HybridBlock
from ...nn.basic_layers import Activation
from ...nn.conv_layers import _conv_repr, _tuple

__all__ = ["DeformableConvolution", "ModulatedDeformableConvolution"]


class _DeformableConv(HybridBlock):
    """What both layers share: arguments, the offset convolution and the parameters."""
    _op_name = None          # the contrib operator
    _offsets_per_tap = None  # 2 (dy, dx), or 3 with the modulated version's mask

    def __init__(self, channels, kernel_size=(1, 1), strides=(1, 1), padding=(0, 0),
                 dilation=(1, 1), groups=1, num_deformable_group=1, layout="NCHW", use_bias=True,
                 in_channels=0, activation=None, weight_initializer=None, bias_initializer="zeros",
                 offset_weight_initializer="zeros", offset_bias_initializer="zeros",
                 offset_use_bias=True, op_name=None, adj=None, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        layer = type(self).__name__
        if layout != "NCHW":
            raise FailedCheckError("%s: only the 'NCHW' layout is supported, found %r"
                                   % (layer, layout))
        if adj is not None:
            raise MXNetError("%s: adj (output padding) is for transposed convolutions, found %r"
                             % (layer, adj))
        kernel = _tuple(kernel_size, 2, "%s: kernel_size" % layer)
        geometry = {"kernel": kernel, "stride": _tuple(strides, 2, "%s: strides" % layer),
                    "dilate": _tuple(dilation, 2, "%s: dilation" % layer),
                    "pad": _tuple(padding, 2, "%s: padding" % layer),
                    "num_group": groups, "layout": layout}
        taps = kernel[0] * kernel[1] * num_deformable_group
        self._channels = channels
        self._in_channels = in_channels
        self._offset_split_index = 2 * taps   # offsets first, then the modulated version's masks
        self._kwargs_offset = dict(geometry, num_filter=self._offsets_per_tap * taps,
                                   no_bias=not offset_use_bias)
        self._kwargs_deformable_conv = dict(geometry, num_filter=channels,
                                            num_deformable_group=num_deformable_group,
                                            no_bias=not use_bias)
        in_per_group = in_channels // groups if in_channels else 0   # 0: inferred on first call
        self._shapes = {
            "offset_weight": (self._kwargs_offset["num_filter"], in_per_group) + kernel,
            "offset_bias": (self._kwargs_offset["num_filter"],),
            "deformable_conv_weight": (channels, in_per_group) + kernel,
            "deformable_conv_bias": (channels,)}
        self._inits = {"offset_weight": offset_weight_initializer,
                       "offset_bias": offset_bias_initializer,
                       "deformable_conv_weight": weight_initializer,
                       "deformable_conv_bias": bias_initializer}
        self._uses = {"offset_bias": offset_use_bias, "deformable_conv_bias": use_bias}

    def _add_params(self, names):
        """Registers `names` in MXNet's order for this layer (None for a disabled bias)."""
        with self.name_scope():
            for name in names:
                param = None
                if self._uses.get(name, True):
                    param = self.params.get(name, shape=self._shapes[name], init=self._inits[name],
                                            allow_deferred_init=True)
                setattr(self, name, param)

    def _add_activation(self, activation):
        with self.name_scope():
            self.act = Activation(activation, prefix=activation + "_") if activation else None

    def _offsets(self, F, x, offset_weight, offset_bias):
        args = (x, offset_weight) if offset_bias is None else (x, offset_weight, offset_bias)
        return F.Convolution(*args, cudnn_off=True, **self._kwargs_offset)

    def _deform(self, F, x, weight, bias, **sampling):
        if bias is not None:
            sampling["bias"] = bias
        op = getattr(F.contrib, self._op_name)
        out = op(data=x, weight=weight, name="fwd", **sampling, **self._kwargs_deformable_conv)
        return self.act(out) if self.act is not None else out


class DeformableConvolution(_DeformableConv):
    """2-D deformable convolution v1 (Dai et al., 2017): each kernel tap samples the input at its
    regular position plus an offset that a plain convolution of the input learns.

    Parameters
    ----------
    channels : int
        Number of output channels.
    kernel_size : int or tuple of 2 ints, default (1, 1)
    strides : int or tuple of 2 ints, default (1, 1)
    padding : int or tuple of 2 ints, default (0, 0)
    dilation : int or tuple of 2 ints, default (1, 1)
    groups : int, default 1
        Convolution groups (of both the offset and the deformable convolutions).
    num_deformable_group : int, default 1
        Channel groups sharing one set of offsets.
    layout : str, default 'NCHW'
        Only 'NCHW'.
    use_bias : bool, default True
    in_channels : int, default 0
        Input channels; 0 infers them on the first call.
    activation : str, optional
        An `Activation` applied to the output.
    weight_initializer, bias_initializer : str or Initializer
        Of the deformable convolution (bias: 'zeros').
    offset_weight_initializer, offset_bias_initializer : str or Initializer, default 'zeros'
        Of the offset convolution: zeros start the layer as a plain convolution.
    offset_use_bias : bool, default True
    op_name : str, default 'DeformableConvolution'
        Kept for MXNet's signature.
    adj : None
        Kept for MXNet's signature; must be None.

    Returns
    -------
    NDArray or Symbol
        ``(N, channels, out_height, out_width)`` from an ``(N, C, H, W)`` input, with
        ``out = floor((H + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1``.

    Examples
    --------
    >>> layer = mx.gluon.contrib.cnn.DeformableConvolution(4, kernel_size=3, padding=1)
    >>> layer.initialize()
    >>> layer(mx.nd.ones((1, 2, 5, 5))).shape
    (1, 4, 5, 5)
    """
    _op_name = "DeformableConvolution"
    _offsets_per_tap = 2

    def __init__(self, channels, kernel_size=(1, 1), strides=(1, 1), padding=(0, 0),
                 dilation=(1, 1), groups=1, num_deformable_group=1, layout="NCHW", use_bias=True,
                 in_channels=0, activation=None, weight_initializer=None, bias_initializer="zeros",
                 offset_weight_initializer="zeros", offset_bias_initializer="zeros",
                 offset_use_bias=True, op_name="DeformableConvolution", adj=None, prefix=None,
                 params=None):
        super().__init__(channels, kernel_size, strides, padding, dilation, groups,
                         num_deformable_group, layout, use_bias, in_channels, activation,
                         weight_initializer, bias_initializer, offset_weight_initializer,
                         offset_bias_initializer, offset_use_bias, op_name, adj, prefix, params)
        self._add_params(["offset_weight", "offset_bias", "deformable_conv_weight",
                          "deformable_conv_bias"])
        self._add_activation(activation)

    def hybrid_forward(self, F, x, offset_weight, deformable_conv_weight, offset_bias=None,
                       deformable_conv_bias=None):
        offset = self._offsets(F, x, offset_weight, offset_bias)
        return self._deform(F, x, deformable_conv_weight, deformable_conv_bias, offset=offset)

    def _alias(self):
        return "deformable_conv"

    def __repr__(self):
        kw = self._kwargs_deformable_conv
        in_c = self.deformable_conv_weight.shape[1]
        mapping = "%s -> %s" % (in_c * kw["num_group"] if in_c else None, self._channels)
        return _conv_repr(self, mapping, kw, self.deformable_conv_bias, self.act)


class ModulatedDeformableConvolution(_DeformableConv):
    """2-D modulated deformable convolution v2 (Zhu et al., 2018): as `DeformableConvolution`,
    with every sample also scaled by a learned mask, ``2 * sigmoid`` of a third share of the
    offset convolution's output (so 1 while the offset convolution is zero).

    Parameters
    ----------
    channels : int
        Number of output channels.
    kernel_size : int or tuple of 2 ints, default (1, 1)
    strides : int or tuple of 2 ints, default (1, 1)
    padding : int or tuple of 2 ints, default (0, 0)
    dilation : int or tuple of 2 ints, default (1, 1)
    groups : int, default 1
    num_deformable_group : int, default 1
    layout : str, default 'NCHW'
        Only 'NCHW'.
    use_bias : bool, default True
    in_channels : int, default 0
        Input channels; 0 infers them on the first call.
    activation : str, optional
    weight_initializer, bias_initializer : str or Initializer
    offset_weight_initializer, offset_bias_initializer : str or Initializer, default 'zeros'
    offset_use_bias : bool, default True
    op_name : str, default 'ModulatedDeformableConvolution'
        Kept for MXNet's signature.
    adj : None
        Kept for MXNet's signature; must be None.

    Returns
    -------
    NDArray or Symbol
        ``(N, channels, out_height, out_width)`` from an ``(N, C, H, W)`` input.

    Examples
    --------
    >>> layer = mx.gluon.contrib.cnn.ModulatedDeformableConvolution(4, kernel_size=3)
    >>> layer.initialize()
    >>> layer(mx.nd.ones((1, 2, 5, 5))).shape
    (1, 4, 3, 3)
    """
    _op_name = "ModulatedDeformableConvolution"
    _offsets_per_tap = 3

    def __init__(self, channels, kernel_size=(1, 1), strides=(1, 1), padding=(0, 0),
                 dilation=(1, 1), groups=1, num_deformable_group=1, layout="NCHW", use_bias=True,
                 in_channels=0, activation=None, weight_initializer=None, bias_initializer="zeros",
                 offset_weight_initializer="zeros", offset_bias_initializer="zeros",
                 offset_use_bias=True, op_name="ModulatedDeformableConvolution", adj=None,
                 prefix=None, params=None):
        super().__init__(channels, kernel_size, strides, padding, dilation, groups,
                         num_deformable_group, layout, use_bias, in_channels, activation,
                         weight_initializer, bias_initializer, offset_weight_initializer,
                         offset_bias_initializer, offset_use_bias, op_name, adj, prefix, params)
        self._add_params(["deformable_conv_weight", "deformable_conv_bias", "offset_weight",
                          "offset_bias"])
        self._add_activation(activation)

    def hybrid_forward(self, F, x, offset_weight, deformable_conv_weight, offset_bias=None,
                       deformable_conv_bias=None):
        both = self._offsets(F, x, offset_weight, offset_bias)
        split = self._offset_split_index
        offset = F.slice_axis(both, axis=1, begin=0, end=split)
        mask = F.sigmoid(F.slice_axis(both, axis=1, begin=split, end=None)) * 2
        return self._deform(F, x, deformable_conv_weight, deformable_conv_bias, offset=offset,
                            mask=mask)

    def _alias(self):
        return "modulated_deformable_conv"
