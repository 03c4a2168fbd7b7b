"""Convolution and pooling layers (MXNet 1.x `gluon.nn.conv_layers`)."""
import numbers

from ...base import MXNetError
from ..block import HybridBlock
from .basic_layers import Activation
from ._checks import check_layer_args

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
           "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D",
           "AvgPool2D", "AvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
           "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D"]


def _conv_repr(block, mapping, kw, bias, act):
    """A convolution layer's repr: its channel `mapping`, the geometry of its operator
    arguments `kw` that differs from the defaults, no bias, and its activation block."""
    n = len(kw["kernel"])
    s = "%s(%s, kernel_size=%s, stride=%s" % (type(block).__name__, mapping, kw["kernel"],
                                              kw["stride"])
    if kw["pad"] != (0,) * n:
        s += ", padding=%s" % (kw["pad"],)
    if kw["dilate"] != (1,) * n:
        s += ", dilation=%s" % (kw["dilate"],)
    if kw["num_group"] != 1:
        s += ", groups=%s" % kw["num_group"]
    if bias is None:
        s += ", bias=False"
    if act is not None:
        s += ", %s" % act
    return s + ")"


def _tuple(value, n, what):
    if isinstance(value, numbers.Integral):
        return (int(value),) * n
    value = tuple(value)
    if len(value) != n:
        raise MXNetError("%s must be a number or a list of %d ints, found %s" % (what, n, value))
    return value


def _conv_weight_shape(layout, channels, in_channels, groups, kernel, op_name="Convolution"):
    """The weight is (out, in/groups, *kernel) for channel-first layouts, (out, *kernel, in/groups)
    for channel-last ones; a Deconvolution's is (in, out/groups, *kernel). 0 marks the unknown
    input channels."""
    if op_name == "Deconvolution":
        first, second = in_channels, channels // groups
    else:
        first, second = channels, (in_channels // groups if in_channels else 0)
    if layout.index("C") == 1:
        return (first, second) + tuple(kernel)
    return (first,) + tuple(kernel) + (second,)


class _Conv(HybridBlock):
    """N-d convolution over the spatial axes of `layout`."""

    def __init__(self, channels, kernel_size, strides, padding, dilation, groups, layout,
                 in_channels=0, activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer="zeros", op_name="Convolution", adj=None, **kwargs):
        super().__init__(**kwargs)
        n = len(kernel_size)
        with self.name_scope():
            self._channels = channels
            self._in_channels = in_channels
            self._op_name = op_name
            self._kwargs = {
                "kernel": tuple(kernel_size), "stride": _tuple(strides, n, "strides"),
                "dilate": _tuple(dilation, n, "dilation"), "pad": _tuple(padding, n, "padding"),
                "num_filter": channels, "num_group": groups, "no_bias": not use_bias,
                "layout": layout}
            if adj is not None:
                self._kwargs["adj"] = _tuple(adj, n, "output_padding")
            check_layer_args("%s(%r, kernel_size=%s)" % (type(self).__name__, channels,
                                                          tuple(kernel_size)),
                             op_name, self._kwargs)
            wshape = _conv_weight_shape(layout, channels, in_channels, groups, kernel_size, op_name)
            self.weight = self.params.get("weight", shape=wshape, init=weight_initializer,
                                          allow_deferred_init=True)
            if use_bias:
                self.bias = self.params.get("bias", shape=(channels,), init=bias_initializer,
                                            allow_deferred_init=True)
            else:
                self.bias = None
            self.act = Activation(activation, prefix=activation + "_") if activation is not None else None

    def _alias(self):
        return "conv"

    def hybrid_forward(self, F, x, weight, bias=None):
        op = getattr(F, self._op_name)
        if bias is None:
            act = op(x, weight, name="fwd", **self._kwargs)
        else:
            act = op(x, weight, bias, name="fwd", **self._kwargs)
        if self.act is not None:
            act = self.act(act)
        return act

    def __repr__(self):
        return _conv_repr(self, self._mapping(), self._kwargs, self.bias, self.act)

    def _mapping(self):
        shape = self.weight.shape
        if self._op_name == "Deconvolution":
            return "%s -> %s" % (shape[0] if shape[0] else None, self._channels)
        in_c = shape[1] if self._kwargs["layout"].index("C") == 1 else shape[-1]
        return "%s -> %s" % (in_c * self._kwargs["num_group"] if in_c else None, shape[0])


class Conv1D(_Conv):
    """1D convolution layer: learned filters slid over the width axis of the input, plus
    an optional bias and activation.

    Parameters
    ----------
    channels : int
        Number of output channels (filters).
    kernel_size : int
        Size of the convolution window.
    strides : int, default 1
        Step of the window along each spatial axis.
    padding : int, default 0
        Zeros implicitly added on both sides of each spatial axis.
    dilation : int, default 1
        Spacing between the kernel's taps (dilated convolution).
    groups : int, default 1
        Number of groups the input and output channels are split into; each output group sees only
        its input group.
    layout : str, default 'NCW'
        Layout of the input and output: 'NCW' or 'NWC' (N: batch, C: channels).
    activation : str, default None
        Name of the activation applied to the output (see `Activation`); none when None.
    use_bias : bool, default True
        Whether the layer has a bias vector.
    weight_initializer : str or Initializer, default None
        Initializer of the `weight` (the global initializer when None).
    bias_initializer : str or Initializer, default 'zeros'
        Initializer of the `bias`.
    in_channels : int, default 0
        Number of input channels; 0 leaves it to be inferred from the first input.
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> layer = mx.gluon.nn.Conv1D(4, 3)
    >>> layer.initialize()
    >>> layer(mx.nd.ones((1, 2, 8))).shape
    (1, 4, 6)
    """

    def __init__(self, channels, kernel_size, strides=1, padding=0, dilation=1, groups=1,
                 layout="NCW", activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer="zeros", in_channels=0, **kwargs):
        if layout not in ("NCW", "NWC"):
            raise MXNetError("Conv1D supports layouts 'NCW' and 'NWC', found %r" % layout)
        super().__init__(channels, _tuple(kernel_size, 1, "kernel_size"), strides, padding,
                         dilation, groups, layout, in_channels, activation, use_bias,
                         weight_initializer, bias_initializer, **kwargs)


class Conv2D(_Conv):
    """2D convolution layer: learned filters slid over the height and width axes of the input, plus
    an optional bias and activation.

    Parameters
    ----------
    channels : int
        Number of output channels (filters).
    kernel_size : int or tuple of 2 ints
        Size of the convolution window.
    strides : int or tuple of 2 ints, default (1, 1)
        Step of the window along each spatial axis.
    padding : int or tuple of 2 ints, default (0, 0)
        Zeros implicitly added on both sides of each spatial axis.
    dilation : int or tuple of 2 ints, default (1, 1)
        Spacing between the kernel's taps (dilated convolution).
    groups : int, default 1
        Number of groups the input and output channels are split into; each output group sees only
        its input group.
    layout : str, default 'NCHW'
        Layout of the input and output: 'NCHW' or 'NHWC' (N: batch, C: channels).
    activation : str, default None
        Name of the activation applied to the output (see `Activation`); none when None.
    use_bias : bool, default True
        Whether the layer has a bias vector.
    weight_initializer : str or Initializer, default None
        Initializer of the `weight` (the global initializer when None).
    bias_initializer : str or Initializer, default 'zeros'
        Initializer of the `bias`.
    in_channels : int, default 0
        Number of input channels; 0 leaves it to be inferred from the first input.
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> layer = mx.gluon.nn.Conv2D(4, 3)
    >>> layer.initialize()
    >>> layer(mx.nd.ones((1, 2, 8, 8))).shape
    (1, 4, 6, 6)
    """

    def __init__(self, channels, kernel_size, strides=(1, 1), padding=(0, 0), dilation=(1, 1),
                 groups=1, layout="NCHW", activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer="zeros", in_channels=0, **kwargs):
        if layout not in ("NCHW", "NHWC"):
            raise MXNetError("Conv2D supports layouts 'NCHW' and 'NHWC', found %r" % layout)
        super().__init__(channels, _tuple(kernel_size, 2, "kernel_size"), strides, padding,
                         dilation, groups, layout, in_channels, activation, use_bias,
                         weight_initializer, bias_initializer, **kwargs)


class Conv3D(_Conv):
    """3D convolution layer: learned filters slid over the depth, height and width axes of the
    input, plus
    an optional bias and activation.

    Parameters
    ----------
    channels : int
        Number of output channels (filters).
    kernel_size : int or tuple of 3 ints
        Size of the convolution window.
    strides : int or tuple of 3 ints, default (1, 1, 1)
        Step of the window along each spatial axis.
    padding : int or tuple of 3 ints, default (0, 0, 0)
        Zeros implicitly added on both sides of each spatial axis.
    dilation : int or tuple of 3 ints, default (1, 1, 1)
        Spacing between the kernel's taps (dilated convolution).
    groups : int, default 1
        Number of groups the input and output channels are split into; each output group sees only
        its input group.
    layout : str, default 'NCDHW'
        Layout of the input and output: 'NCDHW' or 'NDHWC' (N: batch, C: channels).
    activation : str, default None
        Name of the activation applied to the output (see `Activation`); none when None.
    use_bias : bool, default True
        Whether the layer has a bias vector.
    weight_initializer : str or Initializer, default None
        Initializer of the `weight` (the global initializer when None).
    bias_initializer : str or Initializer, default 'zeros'
        Initializer of the `bias`.
    in_channels : int, default 0
        Number of input channels; 0 leaves it to be inferred from the first input.
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> layer = mx.gluon.nn.Conv3D(4, 3)
    >>> layer.initialize()
    >>> layer(mx.nd.ones((1, 2, 8, 8, 8))).shape
    (1, 4, 6, 6, 6)
    """

    def __init__(self, channels, kernel_size, strides=(1, 1, 1), padding=(0, 0, 0),
                 dilation=(1, 1, 1), groups=1, layout="NCDHW", activation=None, use_bias=True,
                 weight_initializer=None, bias_initializer="zeros", in_channels=0, **kwargs):
        if layout not in ("NCDHW", "NDHWC"):
            raise MXNetError("Conv3D supports layouts 'NCDHW' and 'NDHWC', found %r" % layout)
        super().__init__(channels, _tuple(kernel_size, 3, "kernel_size"), strides, padding,
                         dilation, groups, layout, in_channels, activation, use_bias,
                         weight_initializer, bias_initializer, **kwargs)


def _transpose_layer(name, n, default_layout, layouts):
    """Conv{n}DTranspose: the Deconvolution layer, with MXNet's signature and parameter names."""
    ones, zeros = (1,) * n if n > 1 else 1, (0,) * n if n > 1 else 0

    def __init__(self, channels, kernel_size, strides=ones, padding=zeros, output_padding=zeros,
                 dilation=ones, groups=1, layout=default_layout, activation=None, use_bias=True,
                 weight_initializer=None, bias_initializer="zeros", in_channels=0, **kwargs):
        if layout not in layouts:
            raise MXNetError("%s supports layouts %s, found %r" % (name, layouts, layout))
        _Conv.__init__(self, channels, _tuple(kernel_size, n, "kernel_size"), strides, padding,
                       dilation, groups, layout, in_channels, activation, use_bias,
                       weight_initializer, bias_initializer, op_name="Deconvolution",
                       adj=output_padding, **kwargs)
        self.outpad = _tuple(output_padding, n, "output_padding")

    doc = """%dD transposed convolution (deconvolution) layer.

    Parameters
    ----------
    channels : int
        The number of output channels.
    kernel_size : int or tuple of %d ints
    strides, padding, output_padding, dilation : int or tuple of %d ints
        output_padding adds rows/columns at the end of each spatial axis (the `adj` of
        Deconvolution).
    groups : int
    layout : str, default %r
    activation : str, optional
    use_bias : bool
    weight_initializer, bias_initializer : str or Initializer
    in_channels : int
        The number of input channels (0: inferred from the first input).

    Example
    -------
    >>> layer = mx.gluon.nn.Conv2DTranspose(4, 3, strides=2)
    >>> layer.initialize()
    >>> layer(mx.nd.ones((1, 2, 5, 5))).shape
    (1, 4, 11, 11)
    """ % (n, n, n, default_layout)
    return type(name, (_Conv,), {"__init__": __init__, "__doc__": doc})


Conv1DTranspose = _transpose_layer("Conv1DTranspose", 1, "NCW", ("NCW", "NWC"))
Conv2DTranspose = _transpose_layer("Conv2DTranspose", 2, "NCHW", ("NCHW", "NHWC"))
Conv3DTranspose = _transpose_layer("Conv3DTranspose", 3, "NCDHW", ("NCDHW", "NDHWC"))


class _Pooling(HybridBlock):
    """Max/average pooling over the spatial axes (or all of them, for global pooling)."""

    def __init__(self, pool_size, strides, padding, ceil_mode, global_pool, pool_type, layout,
                 count_include_pad=None, **kwargs):
        super().__init__(**kwargs)
        n = len(pool_size)
        if strides is None:
            strides = pool_size
        self._kwargs = {
            "kernel": tuple(pool_size), "stride": _tuple(strides, n, "strides"),
            "pad": _tuple(padding, n, "padding"), "global_pool": global_pool,
            "pool_type": pool_type, "layout": layout,
            "pooling_convention": "full" if ceil_mode else "valid"}
        if count_include_pad is not None:
            self._kwargs["count_include_pad"] = count_include_pad
        check_layer_args("%s(pool_size=%s)" % (type(self).__name__, tuple(pool_size)), "Pooling",
                         self._kwargs)

    def _alias(self):
        return "pool"

    def hybrid_forward(self, F, x):
        return F.Pooling(x, name="fwd", **self._kwargs)

    def __repr__(self):
        kw = self._kwargs
        return ("%s(size=%s, stride=%s, padding=%s, ceil_mode=%s, global_pool=%s, pool_type=%s, "
                "layout=%s)" % (type(self).__name__, kw["kernel"], kw["stride"], kw["pad"],
                                kw["pooling_convention"] == "full", kw["global_pool"],
                                kw["pool_type"], kw["layout"]))


def _check_layout(name, layout, layouts):
    if layout not in layouts:
        raise MXNetError("%s supports layouts %s, found %r" % (name, layouts, layout))


# Positional orders differ between classes in MXNet (layout before or after ceil_mode); kept here.
class MaxPool1D(_Pooling):
    """1D maximum pooling over the width axis of the input.

    Parameters
    ----------
    pool_size : int, default 2
        Size of the pooling window.
    strides : int, default None
        Step of the window along each spatial axis; None makes it equal to `pool_size`.
    padding : int, default 0
        Padding implicitly added on both sides of each spatial axis.
    layout : str, default 'NCW'
        Layout of the input and output: 'NCW' or 'NWC'.
    ceil_mode : bool, default False
        If True, the output size is computed with ceil instead of floor, so a partial window at the
        end is kept.
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> pool = mx.gluon.nn.MaxPool1D()
    >>> pool(mx.nd.ones((1, 2, 8))).shape
    (1, 2, 4)
    """

    def __init__(self, pool_size=2, strides=None, padding=0, layout="NCW", ceil_mode=False, **kwargs):
        _check_layout("MaxPool1D", layout, ("NCW", "NWC"))
        super().__init__(_tuple(pool_size, 1, "pool_size"), strides, padding, ceil_mode, False,
                         "max", layout, **kwargs)


class MaxPool2D(_Pooling):
    """2D maximum pooling over the height and width axes of the input.

    Parameters
    ----------
    pool_size : int or tuple of 2 ints, default (2, 2)
        Size of the pooling window.
    strides : int or tuple of 2 ints, default None
        Step of the window along each spatial axis; None makes it equal to `pool_size`.
    padding : int or tuple of 2 ints, default 0
        Padding implicitly added on both sides of each spatial axis.
    layout : str, default 'NCHW'
        Layout of the input and output: 'NCHW' or 'NHWC'.
    ceil_mode : bool, default False
        If True, the output size is computed with ceil instead of floor, so a partial window at the
        end is kept.
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> pool = mx.gluon.nn.MaxPool2D()
    >>> pool(mx.nd.ones((1, 2, 8, 8))).shape
    (1, 2, 4, 4)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding=0, layout="NCHW", ceil_mode=False,
                 **kwargs):
        _check_layout("MaxPool2D", layout, ("NCHW", "NHWC"))
        super().__init__(_tuple(pool_size, 2, "pool_size"), strides, padding, ceil_mode, False,
                         "max", layout, **kwargs)


class MaxPool3D(_Pooling):
    """3D maximum pooling over the depth, height and width axes of the input.

    Parameters
    ----------
    pool_size : int or tuple of 3 ints, default (2, 2, 2)
        Size of the pooling window.
    strides : int or tuple of 3 ints, default None
        Step of the window along each spatial axis; None makes it equal to `pool_size`.
    padding : int or tuple of 3 ints, default 0
        Padding implicitly added on both sides of each spatial axis.
    layout : str, default 'NCDHW'
        Layout of the input and output: 'NCDHW' or 'NDHWC'.
    ceil_mode : bool, default False
        If True, the output size is computed with ceil instead of floor, so a partial window at the
        end is kept.
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> pool = mx.gluon.nn.MaxPool3D()
    >>> pool(mx.nd.ones((1, 2, 8, 8, 8))).shape
    (1, 2, 4, 4, 4)
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding=0, ceil_mode=False,
                 layout="NCDHW", **kwargs):
        _check_layout("MaxPool3D", layout, ("NCDHW", "NDHWC"))
        super().__init__(_tuple(pool_size, 3, "pool_size"), strides, padding, ceil_mode, False,
                         "max", layout, **kwargs)


class AvgPool1D(_Pooling):
    """1D average pooling over the width axis of the input.

    Parameters
    ----------
    pool_size : int, default 2
        Size of the pooling window.
    strides : int, default None
        Step of the window along each spatial axis; None makes it equal to `pool_size`.
    padding : int, default 0
        Padding implicitly added on both sides of each spatial axis.
    layout : str, default 'NCW'
        Layout of the input and output: 'NCW' or 'NWC'.
    ceil_mode : bool, default False
        If True, the output size is computed with ceil instead of floor, so a partial window at the
        end is kept.
    count_include_pad : bool, default True
        Whether padded zeros count in the averaging denominator.
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> pool = mx.gluon.nn.AvgPool1D()
    >>> pool(mx.nd.ones((1, 2, 8))).shape
    (1, 2, 4)
    """

    def __init__(self, pool_size=2, strides=None, padding=0, layout="NCW", ceil_mode=False,
                 count_include_pad=True, **kwargs):
        _check_layout("AvgPool1D", layout, ("NCW", "NWC"))
        super().__init__(_tuple(pool_size, 1, "pool_size"), strides, padding, ceil_mode, False,
                         "avg", layout, count_include_pad, **kwargs)


class AvgPool2D(_Pooling):
    """2D average pooling over the height and width axes of the input.

    Parameters
    ----------
    pool_size : int or tuple of 2 ints, default (2, 2)
        Size of the pooling window.
    strides : int or tuple of 2 ints, default None
        Step of the window along each spatial axis; None makes it equal to `pool_size`.
    padding : int or tuple of 2 ints, default 0
        Padding implicitly added on both sides of each spatial axis.
    layout : str, default 'NCHW'
        Layout of the input and output: 'NCHW' or 'NHWC'.
    ceil_mode : bool, default False
        If True, the output size is computed with ceil instead of floor, so a partial window at the
        end is kept.
    count_include_pad : bool, default True
        Whether padded zeros count in the averaging denominator.
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> pool = mx.gluon.nn.AvgPool2D()
    >>> pool(mx.nd.ones((1, 2, 8, 8))).shape
    (1, 2, 4, 4)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding=0, ceil_mode=False, layout="NCHW",
                 count_include_pad=True, **kwargs):
        _check_layout("AvgPool2D", layout, ("NCHW", "NHWC"))
        super().__init__(_tuple(pool_size, 2, "pool_size"), strides, padding, ceil_mode, False,
                         "avg", layout, count_include_pad, **kwargs)


class AvgPool3D(_Pooling):
    """3D average pooling over the depth, height and width axes of the input.

    Parameters
    ----------
    pool_size : int or tuple of 3 ints, default (2, 2, 2)
        Size of the pooling window.
    strides : int or tuple of 3 ints, default None
        Step of the window along each spatial axis; None makes it equal to `pool_size`.
    padding : int or tuple of 3 ints, default 0
        Padding implicitly added on both sides of each spatial axis.
    layout : str, default 'NCDHW'
        Layout of the input and output: 'NCDHW' or 'NDHWC'.
    ceil_mode : bool, default False
        If True, the output size is computed with ceil instead of floor, so a partial window at the
        end is kept.
    count_include_pad : bool, default True
        Whether padded zeros count in the averaging denominator.
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> pool = mx.gluon.nn.AvgPool3D()
    >>> pool(mx.nd.ones((1, 2, 8, 8, 8))).shape
    (1, 2, 4, 4, 4)
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding=0, ceil_mode=False,
                 layout="NCDHW", count_include_pad=True, **kwargs):
        _check_layout("AvgPool3D", layout, ("NCDHW", "NDHWC"))
        super().__init__(_tuple(pool_size, 3, "pool_size"), strides, padding, ceil_mode, False,
                         "avg", layout, count_include_pad, **kwargs)


def _global_pool_class(name, n, pool_type, default_layout, layouts):
    def __init__(self, layout=default_layout, **kwargs):
        _check_layout(name, layout, layouts)
        _Pooling.__init__(self, (1,) * n, None, 0, True, True, pool_type, layout, **kwargs)
    shape = (2, 3) + (4,) * n
    doc = """Global %dD %s pooling: each channel is reduced over all its spatial axes to size 1.

    Parameters
    ----------
    layout : str, default %r
        Layout of the input and output: one of %s.
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> pool = mx.gluon.nn.%s()
    >>> pool(mx.nd.ones(%s)).shape
    %s
    """ % (n, pool_type, default_layout, " or ".join(repr(lay) for lay in layouts), name, shape,
           (2, 3) + (1,) * n)
    return type(name, (_Pooling,), {"__init__": __init__, "__doc__": doc})


_LAYOUTS = {1: ("NCW", ("NCW", "NWC")), 2: ("NCHW", ("NCHW", "NHWC")),
            3: ("NCDHW", ("NCDHW", "NDHWC"))}
GlobalMaxPool1D = _global_pool_class("GlobalMaxPool1D", 1, "max", *_LAYOUTS[1])
GlobalMaxPool2D = _global_pool_class("GlobalMaxPool2D", 2, "max", *_LAYOUTS[2])
GlobalMaxPool3D = _global_pool_class("GlobalMaxPool3D", 3, "max", *_LAYOUTS[3])
GlobalAvgPool1D = _global_pool_class("GlobalAvgPool1D", 1, "avg", *_LAYOUTS[1])
GlobalAvgPool2D = _global_pool_class("GlobalAvgPool2D", 2, "avg", *_LAYOUTS[2])
GlobalAvgPool3D = _global_pool_class("GlobalAvgPool3D", 3, "avg", *_LAYOUTS[3])
