"""Convolutional recurrent cells (MXNet 1.9.1 `gluon.contrib.rnn.conv_rnn_cell`): RNN, LSTM and
GRU cells whose input-to-hidden and hidden-to-hidden maps are convolutions, in 1, 2 or 3
spatial dimensions.

The parameters are MXNet's (`conv_lstm0_i2h_weight`, ...), with MXNet's shapes, so parameters
saved from MXNet load: `i2h_weight` is (gates * hidden_channels, in_channels, *i2h_kernel) for
channel-first layouts and (gates * hidden_channels, *i2h_kernel, in_channels) for channel-last
ones; `h2h_weight` likewise with hidden_channels and h2h_kernel; the biases are
(gates * hidden_channels,). The hidden-to-hidden convolution is padded so that the state keeps
its shape (hence odd h2h kernels only).
"""
from .... import ndarray
from ....base import FailedCheckError, InvalidArgumentError, ShapeError, numeric_types
from ...rnn.rnn_cell import HybridRecurrentCell

__all__ = ["Conv1DRNNCell", "Conv2DRNNCell", "Conv3DRNNCell",
           "Conv1DLSTMCell", "Conv2DLSTMCell", "Conv3DLSTMCell",
           "Conv1DGRUCell", "Conv2DGRUCell", "Conv3DGRUCell"]


def _conv_out_size(dimensions, kernels, pads, dilates):
    """Spatial size after a stride-1 convolution; an unknown size (0) stays unknown."""
    return tuple(x + 2 * p - d * (k - 1) if x else 0
                 for x, k, p, d in zip(dimensions, kernels, pads, dilates))


def _per_dim(cell_name, dims, setting, value):
    """A convolution setting as a tuple of `dims` ints: an int applies to every dimension."""
    if isinstance(value, numeric_types):
        return (int(value),) * dims
    if not isinstance(value, (list, tuple)) or len(value) != dims:
        raise FailedCheckError(
            "%s: for %dD convolution, the convolution settings can only be either int or "
            "list/tuple of length %d; %s is %r" % (cell_name, dims, dims, setting, value))
    return tuple(value)


def _init_settings(frame_locals):
    """A public cell's constructor arguments, to pass on to the shared base class."""
    return {k: v for k, v in frame_locals.items() if k not in ("self", "__class__")}


class _BaseConvRNNCell(HybridRecurrentCell):
    """What the convolutional cells share: settings, parameters, shapes and the two
    convolutions. Subclasses set `_gate_count`, `_state_count` and `_kind_alias` and define
    `hybrid_forward` over (i2h, h2h)."""
    _gate_count = 1
    _state_count = 1
    _kind_alias = "conv_rnn"

    def __init__(self, input_shape, hidden_channels, i2h_kernel, h2h_kernel, i2h_pad,
                 i2h_dilate, h2h_dilate, i2h_weight_initializer, h2h_weight_initializer,
                 i2h_bias_initializer, h2h_bias_initializer, dims, conv_layout, activation,
                 prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        name = type(self).__name__
        self._dims = dims
        self._hidden_channels = hidden_channels
        self._input_shape = tuple(input_shape)
        self._conv_layout = conv_layout
        self._activation = activation
        self._channel_axis = self._check_layout(name, dims, conv_layout)
        if len(self._input_shape) != dims + 1:
            raise InvalidArgumentError(
                "%s: input_shape should be the %d sizes of one step's sample in layout %s "
                "(no batch axis), found %r" % (name, dims + 1, conv_layout, input_shape))
        self._i2h_kernel = _per_dim(name, dims, "i2h_kernel", i2h_kernel)
        self._i2h_pad = _per_dim(name, dims, "i2h_pad", i2h_pad)
        self._i2h_dilate = _per_dim(name, dims, "i2h_dilate", i2h_dilate)
        self._h2h_kernel = _per_dim(name, dims, "h2h_kernel", h2h_kernel)
        self._h2h_dilate = _per_dim(name, dims, "h2h_dilate", h2h_dilate)
        if not all(k % 2 == 1 for k in self._h2h_kernel):
            raise FailedCheckError("%s: only odd h2h_kernel sizes are supported (the state "
                                   "keeps its shape), found h2h_kernel=%s" % (name, h2h_kernel))
        self._stride = (1,) * dims
        # "Same" padding for the recurrent convolution.
        self._h2h_pad = tuple(d * (k - 1) // 2 for d, k in zip(self._h2h_dilate, self._h2h_kernel))
        self._in_channels = self._input_shape[self._channel_axis - 1]
        self._state_shape = self._state_shape_for(self._spatial(self._input_shape))

        filters = hidden_channels * self._gate_count
        self.i2h_weight = self.params.get(
            "i2h_weight", shape=self._weight_shape(self._in_channels, self._i2h_kernel),
            init=i2h_weight_initializer, allow_deferred_init=True)
        self.h2h_weight = self.params.get(
            "h2h_weight", shape=self._weight_shape(hidden_channels, self._h2h_kernel),
            init=h2h_weight_initializer, allow_deferred_init=True)
        self.i2h_bias = self.params.get("i2h_bias", shape=(filters,), init=i2h_bias_initializer,
                                        allow_deferred_init=True)
        self.h2h_bias = self.params.get("h2h_bias", shape=(filters,), init=h2h_bias_initializer,
                                        allow_deferred_init=True)

    @staticmethod
    def _check_layout(name, dims, layout):
        """The channel axis of `layout` (1 or last), after checking it names N, C and `dims`
        spatial axes."""
        ok = (isinstance(layout, str) and len(layout) == dims + 2 and layout[0] == "N"
              and layout.find("C") in (1, dims + 1))
        if not ok:
            raise InvalidArgumentError(
                "%s: conv_layout should be a %dD layout with the channel axis second or last "
                "(e.g. %s), found %r" % (name, dims, "NC" + "DHW"[3 - dims:], layout))
        return layout.find("C")

    def _channels_first(self):
        return self._channel_axis == 1

    def _spatial(self, sample_shape):
        """The spatial sizes of a sample's shape (no batch axis)."""
        return sample_shape[1:] if self._channels_first() else sample_shape[:-1]

    def _state_shape_for(self, dimensions):
        out = _conv_out_size(dimensions, self._i2h_kernel, self._i2h_pad, self._i2h_dilate)
        hidden = (self._hidden_channels,)
        return hidden + out if self._channels_first() else out + hidden

    def _weight_shape(self, channels, kernel):
        filters = (self._hidden_channels * self._gate_count,)
        if self._channels_first():
            return filters + (channels,) + kernel
        return filters + kernel + (channels,)

    def _alias(self):
        return self._kind_alias

    def state_info(self, batch_size=0):
        info = {"shape": (batch_size,) + self._state_shape, "__layout__": self._conv_layout}
        return [dict(info) for _ in range(self._state_count)]

    def __repr__(self):
        shape = self.i2h_weight.shape
        in_channels = shape[1 if self._channels_first() else -1]
        return "%s(%s -> %s, %s, %s)" % (type(self).__name__, in_channels or None, shape[0],
                                         self._activation, self._conv_layout)

    def infer_shape(self, inputs, *args):
        """Fills in the input channels of `i2h_weight` from the first step's inputs."""
        self.i2h_weight.shape = self._weight_shape(inputs.shape[self._channel_axis],
                                                   self._i2h_kernel)

    def _check_step(self, inputs, states):
        """Clear errors for a step's inputs and states of the wrong shapes (eager calls)."""
        name = "%s %s" % (type(self).__name__, self.name)
        if inputs.ndim != self._dims + 2:
            raise ShapeError("%s: a step's input should be %dD, (batch_size, ...) in layout %s, "
                             "found shape %s" % (name, self._dims + 2, self._conv_layout,
                                                 inputs.shape))
        if len(states) != self._state_count:
            raise ShapeError("%s: expected %d states, found %d"
                             % (name, self._state_count, len(states)))
        expected = (inputs.shape[0],) + self._state_shape_for(self._spatial(inputs.shape[1:]))
        for i, state in enumerate(states):
            if state.shape != expected:
                raise ShapeError("%s: for inputs of shape %s, state %d should have shape %s, "
                                 "found %s" % (name, inputs.shape, i, expected, state.shape))

    def _conv_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        """(i2h, h2h): the input and recurrent convolutions of one step."""
        if F is ndarray:
            self._check_step(inputs, states)
        prefix = "t%d_" % self._counter
        filters = self._hidden_channels * self._gate_count
        i2h = F.Convolution(data=inputs, weight=i2h_weight, bias=i2h_bias, num_filter=filters,
                            kernel=self._i2h_kernel, stride=self._stride, pad=self._i2h_pad,
                            dilate=self._i2h_dilate, layout=self._conv_layout,
                            name=prefix + "i2h")
        h2h = F.Convolution(data=states[0], weight=h2h_weight, bias=h2h_bias, num_filter=filters,
                            kernel=self._h2h_kernel, stride=self._stride, pad=self._h2h_pad,
                            dilate=self._h2h_dilate, layout=self._conv_layout,
                            name=prefix + "h2h")
        return i2h, h2h, prefix

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        raise NotImplementedError("%s is abstract" % type(self).__name__)


class _ConvRNNCell(_BaseConvRNNCell):
    """h_t = act(W * x_t + R * h_{t-1} + b)."""
    _kind_alias = "conv_rnn"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        i2h, h2h, prefix = self._conv_forward(F, inputs, states, i2h_weight, h2h_weight,
                                              i2h_bias, h2h_bias)
        summed = F.elemwise_add(i2h, h2h, name=prefix + "plus0")
        output = self._get_activation(F, summed, self._activation, name=prefix + "out")
        return output, [output]


class _ConvLSTMCell(_BaseConvRNNCell):
    """LSTM with gates i, f, c, o (in that order, along the channel axis); sigmoid gates,
    `activation` for the candidate and the output."""
    _gate_count = 4
    _state_count = 2
    _kind_alias = "conv_lstm"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        i2h, h2h, prefix = self._conv_forward(F, inputs, states, i2h_weight, h2h_weight,
                                              i2h_bias, h2h_bias)
        gates = F.elemwise_add(i2h, h2h, name=prefix + "plus0")
        slices = F.SliceChannel(gates, num_outputs=4, axis=self._channel_axis,
                                name=prefix + "slice")
        in_gate = F.Activation(slices[0], act_type="sigmoid", name=prefix + "i")
        forget_gate = F.Activation(slices[1], act_type="sigmoid", name=prefix + "f")
        in_transform = self._get_activation(F, slices[2], self._activation, name=prefix + "c")
        out_gate = F.Activation(slices[3], act_type="sigmoid", name=prefix + "o")
        next_c = F.elemwise_add(F.elemwise_mul(forget_gate, states[1], name=prefix + "mul0"),
                                F.elemwise_mul(in_gate, in_transform, name=prefix + "mul1"),
                                name=prefix + "state")
        next_h = F.elemwise_mul(out_gate, self._get_activation(F, next_c, self._activation),
                                name=prefix + "out")
        return next_h, [next_h, next_c]


class _ConvGRUCell(_BaseConvRNNCell):
    """GRU with reset, update and candidate parts (in that order, along the channel axis);
    h_t = (1 - z) * act(i2h_n + r * h2h_n) + z * h_{t-1}."""
    _gate_count = 3
    _kind_alias = "conv_gru"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        i2h, h2h, prefix = self._conv_forward(F, inputs, states, i2h_weight, h2h_weight,
                                              i2h_bias, h2h_bias)
        axis = self._channel_axis
        i2h_r, i2h_z, i2h_n = F.SliceChannel(i2h, num_outputs=3, axis=axis,
                                             name=prefix + "i2h_slice")
        h2h_r, h2h_z, h2h_n = F.SliceChannel(h2h, num_outputs=3, axis=axis,
                                             name=prefix + "h2h_slice")
        reset_gate = F.Activation(F.elemwise_add(i2h_r, h2h_r, name=prefix + "plus0"),
                                  act_type="sigmoid", name=prefix + "r_act")
        update_gate = F.Activation(F.elemwise_add(i2h_z, h2h_z, name=prefix + "plus1"),
                                   act_type="sigmoid", name=prefix + "z_act")
        candidate = F.elemwise_add(i2h_n, F.elemwise_mul(reset_gate, h2h_n, name=prefix + "mul0"),
                                   name=prefix + "plus2")
        next_h_tmp = self._get_activation(F, candidate, self._activation, name=prefix + "h_act")
        keep_new = F.elemwise_sub(F.ones_like(update_gate), update_gate, name=prefix + "minus0")
        next_h = F.elemwise_add(F.elemwise_mul(keep_new, next_h_tmp, name=prefix + "mul1"),
                                F.elemwise_mul(update_gate, states[0], name=prefix + "mul2"),
                                name=prefix + "out")
        return next_h, [next_h]


_KIND_DOC = {
    "RNN": ("Convolutional RNN cell: :math:`h_t = act(W \\ast x_t + R \\ast h_{t-1} + b)`.",
            "conv_rnn", "`states`: [h]"),
    "LSTM": ("Convolutional LSTM cell (Shi et al., 2015): gates i, f, o (sigmoid) and the "
             "candidate (`activation`) from :math:`W \\ast x_t + R \\ast h_{t-1} + b`; "
             ":math:`c_t = f c_{t-1} + i g`, :math:`h_t = o \\cdot act(c_t)`.",
             "conv_lstm", "`states`: [h, c]"),
    "GRU": ("Convolutional GRU cell: reset and update gates (sigmoid) and the candidate "
            ":math:`n_t = act(W_n \\ast x_t + r_t (R_n \\ast h_{t-1}))`; "
            ":math:`h_t = (1 - z_t) n_t + z_t h_{t-1}`.",
            "conv_gru", "`states`: [h]"),
}
_DIMS_DOC = {1: ("NCW", "NWC", "(C, W)", "(5, 7)", "(2, 5, 7)", "(2, 4, 5)"),
             2: ("NCHW", "NHWC", "(C, H, W)", "(5, 7, 7)", "(2, 5, 7, 7)", "(2, 4, 5, 5)"),
             3: ("NCDHW", "NDHWC", "(C, D, H, W)", "(5, 7, 7, 7)", "(2, 5, 7, 7, 7)",
                 "(2, 4, 5, 5, 5)")}


def _conv_cell_doc(kind, dims):
    """The numpydoc docstring of the public `Conv{dims}D{kind}Cell`."""
    summary, alias, states = _KIND_DOC[kind]
    first, last, sample, in_shape, x_shape, out_shape = _DIMS_DOC[dims]
    zeros, ones = repr((0,) * dims), repr((1,) * dims)
    return """%dD %s

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one step's sample without the batch axis, in `conv_layout`: %s for '%s'.
        A 0 input channel count is inferred from the first input.
    hidden_channels : int
        Number of channels of the state and the output.
    i2h_kernel : int or tuple of int
        Kernel of the input convolution.
    h2h_kernel : int or tuple of int
        Kernel of the recurrent convolution; odd sizes only (its padding keeps the shape).
    i2h_pad : int or tuple of int, default %s
        Padding of the input convolution.
    i2h_dilate : int or tuple of int, default %s
        Dilation of the input convolution.
    h2h_dilate : int or tuple of int, default %s
        Dilation of the recurrent convolution.
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer, optional
        Initializers of the input and recurrent convolution weights.
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
        Initializers of the biases.
    conv_layout : str, default '%s'
        Layout of inputs, states and weights: '%s' or '%s'.
    activation : str or Block, default 'tanh'
        Activation (an `Activation` act_type, or a Block such as `nn.LeakyReLU`).
    prefix : str, default '%s_'
        Prefix of the parameters' names.
    params : ParameterDict, optional
        Parameters to share.

    Inputs: `data` (batch_size, ...) in `conv_layout`; %s, each of `state_info()`'s
    shape. Outputs: `out` (of the state's shape, hidden_channels channels) and the next states.

    Examples
    --------
    >>> cell = mx.gluon.contrib.rnn.Conv%dD%sCell(%s, 4, 3, 3)
    >>> cell.initialize()
    >>> out, states = cell(mx.nd.ones(%s), cell.begin_state(batch_size=2))
    >>> out.shape
    %s
    """ % (dims, summary, sample, first, zeros, ones, ones, first, first, last, alias, states,
           dims, kind, in_shape, x_shape, out_shape)


class Conv1DRNNCell(_ConvRNNCell):
    __doc__ = _conv_cell_doc("RNN", 1)

    def __init__(self, input_shape, hidden_channels, i2h_kernel, h2h_kernel, i2h_pad=(0,),
                 i2h_dilate=(1,), h2h_dilate=(1,), i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", conv_layout="NCW", activation="tanh",
                 prefix=None, params=None):
        super().__init__(dims=1, **_init_settings(locals()))


class Conv2DRNNCell(_ConvRNNCell):
    __doc__ = _conv_cell_doc("RNN", 2)

    def __init__(self, input_shape, hidden_channels, i2h_kernel, h2h_kernel, i2h_pad=(0, 0),
                 i2h_dilate=(1, 1), h2h_dilate=(1, 1), i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", conv_layout="NCHW", activation="tanh",
                 prefix=None, params=None):
        super().__init__(dims=2, **_init_settings(locals()))


class Conv3DRNNCell(_ConvRNNCell):
    __doc__ = _conv_cell_doc("RNN", 3)

    def __init__(self, input_shape, hidden_channels, i2h_kernel, h2h_kernel,
                 i2h_pad=(0, 0, 0), i2h_dilate=(1, 1, 1), h2h_dilate=(1, 1, 1),
                 i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros",
                 conv_layout="NCDHW", activation="tanh", prefix=None, params=None):
        super().__init__(dims=3, **_init_settings(locals()))


class Conv1DLSTMCell(_ConvLSTMCell):
    __doc__ = _conv_cell_doc("LSTM", 1)

    def __init__(self, input_shape, hidden_channels, i2h_kernel, h2h_kernel, i2h_pad=(0,),
                 i2h_dilate=(1,), h2h_dilate=(1,), i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", conv_layout="NCW", activation="tanh",
                 prefix=None, params=None):
        super().__init__(dims=1, **_init_settings(locals()))


class Conv2DLSTMCell(_ConvLSTMCell):
    __doc__ = _conv_cell_doc("LSTM", 2)

    def __init__(self, input_shape, hidden_channels, i2h_kernel, h2h_kernel, i2h_pad=(0, 0),
                 i2h_dilate=(1, 1), h2h_dilate=(1, 1), i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", conv_layout="NCHW", activation="tanh",
                 prefix=None, params=None):
        super().__init__(dims=2, **_init_settings(locals()))


class Conv3DLSTMCell(_ConvLSTMCell):
    __doc__ = _conv_cell_doc("LSTM", 3)

    def __init__(self, input_shape, hidden_channels, i2h_kernel, h2h_kernel,
                 i2h_pad=(0, 0, 0), i2h_dilate=(1, 1, 1), h2h_dilate=(1, 1, 1),
                 i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros",
                 conv_layout="NCDHW", activation="tanh", prefix=None, params=None):
        super().__init__(dims=3, **_init_settings(locals()))


class Conv1DGRUCell(_ConvGRUCell):
    __doc__ = _conv_cell_doc("GRU", 1)

    def __init__(self, input_shape, hidden_channels, i2h_kernel, h2h_kernel, i2h_pad=(0,),
                 i2h_dilate=(1,), h2h_dilate=(1,), i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", conv_layout="NCW", activation="tanh",
                 prefix=None, params=None):
        super().__init__(dims=1, **_init_settings(locals()))


class Conv2DGRUCell(_ConvGRUCell):
    __doc__ = _conv_cell_doc("GRU", 2)

    def __init__(self, input_shape, hidden_channels, i2h_kernel, h2h_kernel, i2h_pad=(0, 0),
                 i2h_dilate=(1, 1), h2h_dilate=(1, 1), i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", conv_layout="NCHW", activation="tanh",
                 prefix=None, params=None):
        super().__init__(dims=2, **_init_settings(locals()))


class Conv3DGRUCell(_ConvGRUCell):
    __doc__ = _conv_cell_doc("GRU", 3)

    def __init__(self, input_shape, hidden_channels, i2h_kernel, h2h_kernel,
                 i2h_pad=(0, 0, 0), i2h_dilate=(1, 1, 1), h2h_dilate=(1, 1, 1),
                 i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros",
                 conv_layout="NCDHW", activation="tanh", prefix=None, params=None):
        super().__init__(dims=3, **_init_settings(locals()))
