"""Fused recurrent layers `RNN`, `LSTM`, `GRU` (MXNet 1.9.1 `gluon.rnn.rnn_layer`).

Each layer keeps one Parameter per weight and bias, named as MXNet names them (`l0_i2h_weight`,
`r1_h2h_bias`, `l0_h2r_weight` with a projection), packs them into the fused `RNN` operator's
parameter vector on every call (`_rnn_param_concat`), and saves them under MXNet 1.9.1's
structural names (`_unfused.0.l_cell.i2h_weight`), so `.params` files move across both ways.
"""
import re

from ... import ndarray
from ...base import ShapeError
from ...ndarray.ndarray import NDArray
from ..block import HybridBlock

__all__ = ["RNN", "LSTM", "GRU"]

_KEY = re.compile(r"(l|r)(\d+)_(i2h|h2h|h2r)_(weight|bias)\Z")


def _is_symbol(x):
    from ...symbol.symbol import Symbol
    return isinstance(x, Symbol)


class _RNNLayer(HybridBlock):
    """The machinery shared by RNN, LSTM and GRU."""

    def __init__(self, hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                 i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                 h2h_bias_initializer, mode, projection_size, h2r_weight_initializer,
                 lstm_state_clip_min, lstm_state_clip_max, lstm_state_clip_nan, dtype,
                 use_sequence_length=False, **kwargs):
        super().__init__(**kwargs)
        if layout not in ("TNC", "NTC"):
            raise ValueError("Invalid layout %s; must be one of ['TNC' or 'NTC']" % layout)
        self._hidden_size = hidden_size
        self._projection_size = projection_size if projection_size else None
        self._num_layers = num_layers
        self._mode = mode
        self._layout = layout
        self._dropout = dropout
        self._dir = 2 if bidirectional else 1
        self._input_size = input_size
        self._i2h_weight_initializer = i2h_weight_initializer
        self._h2h_weight_initializer = h2h_weight_initializer
        self._i2h_bias_initializer = i2h_bias_initializer
        self._h2h_bias_initializer = h2h_bias_initializer
        self._h2r_weight_initializer = h2r_weight_initializer
        self._lstm_state_clip_min = lstm_state_clip_min
        self._lstm_state_clip_max = lstm_state_clip_max
        self._lstm_state_clip_nan = lstm_state_clip_nan
        self._dtype = dtype
        self._use_sequence_length = use_sequence_length
        self.skip_states = None
        self._gates = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}[mode]

        ng, ni, nh = self._gates, input_size, hidden_size
        nr = self._projection_size or nh
        for i in range(num_layers):
            for j in "lr"[:self._dir]:
                self._register_param("%s%d_i2h_weight" % (j, i), (ng * nh, ni),
                                     i2h_weight_initializer, dtype)
                self._register_param("%s%d_h2h_weight" % (j, i), (ng * nh, nr),
                                     h2h_weight_initializer, dtype)
                self._register_param("%s%d_i2h_bias" % (j, i), (ng * nh,),
                                     i2h_bias_initializer, dtype)
                self._register_param("%s%d_h2h_bias" % (j, i), (ng * nh,),
                                     h2h_bias_initializer, dtype)
                if self._projection_size:
                    self._register_param("%s%d_h2r_weight" % (j, i), (nr, nh),
                                         h2r_weight_initializer, dtype)
            ni = nr * self._dir

    def _register_param(self, name, shape, init, dtype):
        p = self.params.get(name, shape=shape, init=init, allow_deferred_init=True, dtype=dtype)
        setattr(self, name, p)
        return p

    def __repr__(self):
        s = "{name}({mapping}, {_layout}"
        if self._num_layers != 1:
            s += ", num_layers={_num_layers}"
        if self._dropout != 0:
            s += ", dropout={_dropout}"
        if self._dir == 2:
            s += ", bidirectional"
        s += ")"
        shape = self.l0_i2h_weight.shape
        mapping = "{0} -> {1}".format(shape[1] if shape[1] else None, shape[0] // self._gates)
        return s.format(name=type(self).__name__, mapping=mapping, **self.__dict__)

    def _collect_params_with_prefix(self, prefix=""):
        # MXNet 1.9.1 saves fused layers under the names of the equivalent stack of cells.
        if prefix:
            prefix += "."
        bidirectional = any(_KEY.match(k).group(1) == "r" for k in self._reg_params)

        def convert(key):
            d, l, g, t = _KEY.match(key).groups()
            if bidirectional:
                return "_unfused.%s.%s_cell.%s_%s" % (l, d, g, t)
            return "_unfused.%s.%s_%s" % (l, g, t)
        ret = {prefix + convert(key): val for key, val in self._reg_params.items()}
        for name, child in self._children.items():
            ret.update(child._collect_params_with_prefix(prefix + name))
        return ret

    def state_info(self, batch_size=0):
        raise NotImplementedError

    def cast(self, dtype):
        super().cast(dtype)
        self._dtype = dtype

    def begin_state(self, batch_size=0, func=ndarray.zeros, **kwargs):
        """Initial states for this layer.

        Parameters
        ----------
        batch_size : int
            Only required for the NDArray API: the batch size ('N' in the layout).
        func : callable, default `ndarray.zeros`
            Creates each state: `nd.zeros`, `nd.ones`, ... for NDArrays; `sym.zeros`,
            `sym.var` for symbols.
        **kwargs
            More arguments for `func` (`ctx`, `dtype`, ...).

        Returns
        -------
        list of NDArray or Symbol
            The states, each of shape (num_layers * directions, batch_size, state size).

        Example
        -------
        >>> layer = gluon.rnn.LSTM(10, num_layers=2)
        >>> [s.shape for s in layer.begin_state(batch_size=4)]
        [(2, 4, 10), (2, 4, 10)]
        """
        states = []
        for i, info in enumerate(self.state_info(batch_size)):
            info = dict(info) if info is not None else {}
            info.pop("__layout__", None)
            info.update(kwargs)
            states.append(func(name="%sh0_%d" % (self.prefix, i), **info))
        return states

    def __call__(self, inputs, states=None, sequence_length=None, **kwargs):
        self.skip_states = states is None
        if states is None:
            if isinstance(inputs, NDArray):
                batch_size = inputs.shape[self._layout.find("N")]
                states = self.begin_state(batch_size, ctx=inputs.context, dtype=inputs.dtype)
            else:
                from ... import symbol
                states = self.begin_state(0, func=symbol.zeros)
        if isinstance(states, NDArray) or _is_symbol(states):
            states = [states]
        if self._use_sequence_length:
            return super().__call__(inputs, states, sequence_length, **kwargs)
        return super().__call__(inputs, states, **kwargs)

    def infer_shape(self, inputs, *args):
        """Fills in the input-size dimension of the first layer's weights (deferred init)."""
        if len(inputs.shape) != 3:
            raise ShapeError("%s %s: input should be 3-dimensional (layout %s), found shape %s"
                             % (type(self).__name__, self.name, self._layout, inputs.shape))
        step = self._projection_size or self._hidden_size
        ni = inputs.shape[2]
        for i in range(self._num_layers):
            for j in "lr"[:self._dir]:
                weight = getattr(self, "%s%d_i2h_weight" % (j, i))
                weight.shape = (self._gates * self._hidden_size, ni)
            ni = step * self._dir

    def hybrid_forward(self, F, inputs, states, sequence_length=None, **kwargs):
        if F is ndarray:
            self._check_shapes(inputs, states, kwargs)
        out = self._forward_kernel(F, inputs, states, sequence_length, **kwargs)
        return out[0] if self.skip_states else out

    def _check_shapes(self, inputs, states, params):
        name = "%s %s" % (type(self).__name__, self.name)
        if inputs.ndim != 3:
            raise ShapeError("%s: input should be 3-dimensional (layout %s), found shape %s"
                             % (name, self._layout, inputs.shape))
        expected = params["l0_i2h_weight"].shape[1]
        if inputs.shape[2] != expected:
            raise ShapeError("%s: input size (axis 2 of layout %s) should be %d, found %d "
                             "(input shape %s)" % (name, self._layout, expected, inputs.shape[2],
                                                   inputs.shape))
        batch_size = inputs.shape[self._layout.find("N")]
        infos = self.state_info(batch_size)
        if len(states) != len(infos):
            raise ShapeError("%s: expected %d begin state(s), found %d"
                             % (name, len(infos), len(states)))
        for i, (state, info) in enumerate(zip(states, infos)):
            if state.shape != info["shape"]:
                raise ShapeError("%s: invalid recurrent state %d shape: expected %s, found %s"
                                 % (name, i, info["shape"], state.shape))

    def _forward_kernel(self, F, inputs, states, sequence_length, **kwargs):
        if self._layout == "NTC":
            inputs = F.swapaxes(inputs, dim1=0, dim2=1)
        gates = ("i2h", "h2h", "h2r") if self._projection_size else ("i2h", "h2h")
        params = [kwargs["%s%d_%s_%s" % (d, l, g, t)].reshape(-1)
                  for t in ("weight", "bias")
                  for l in range(self._num_layers)
                  for d in "lr"[:self._dir]
                  for g in gates
                  if g != "h2r" or t != "bias"]
        params = F._rnn_param_concat(*params, dim=0)
        rnn_args = list(states)
        if self._use_sequence_length:
            rnn_args.append(sequence_length)
        rnn = F.RNN(inputs, params, *rnn_args, use_sequence_length=self._use_sequence_length,
                    state_size=self._hidden_size, projection_size=self._projection_size,
                    num_layers=self._num_layers, bidirectional=self._dir == 2, p=self._dropout,
                    state_outputs=True, mode=self._mode,
                    lstm_state_clip_min=self._lstm_state_clip_min,
                    lstm_state_clip_max=self._lstm_state_clip_max,
                    lstm_state_clip_nan=self._lstm_state_clip_nan)
        if self._mode == "lstm":
            outputs, states = rnn[0], [rnn[1], rnn[2]]
        else:
            outputs, states = rnn[0], [rnn[1]]
        if self._layout == "NTC":
            outputs = F.swapaxes(outputs, dim1=0, dim2=1)
        return outputs, states


class RNN(_RNNLayer):
    r"""A multi-layer Elman RNN with `tanh` or `ReLU` non-linearity, on the fused RNN operator.

    Each layer computes :math:`h_t = act(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})`.

    Parameters
    ----------
    hidden_size : int
        The number of features in the hidden state h.
    num_layers : int, default 1
        Number of recurrent layers.
    activation : {'relu', 'tanh'}, default 'relu'
        The activation function to use.
    layout : str, default 'TNC'
        The format of input and output tensors: T, N and C stand for sequence length, batch
        size and feature dimensions.
    dropout : float, default 0
        If non-zero, dropout on the outputs of each layer but the last, while training.
    bidirectional : bool, default False
        If True, becomes a bidirectional RNN.
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
        Initializers of the input and recurrent weights.
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
        Initializers of the biases.
    input_size : int, default 0
        The number of expected input features; 0 infers it from the first input.
    dtype : str, default 'float32'
        Type of the parameters.
    use_sequence_length : bool, default False
        If True, the layer takes a third input `sequence_length` (batch_size,).

    Inputs: `data` (sequence_length, batch_size, input_size) with layout 'TNC'; `states`, a
    list of one array (num_layers * num_directions, batch_size, hidden_size), default zeros.
    Outputs: `out` (sequence_length, batch_size, num_directions * hidden_size); `out_states`
    when states were given.

    Example
    -------
    >>> layer = gluon.rnn.RNN(100, 3)
    >>> layer.initialize()
    >>> output, hn = layer(mx.nd.random.uniform(shape=(5, 3, 10)), mx.nd.zeros((3, 3, 100)))
    >>> output.shape
    (5, 3, 100)
    """

    def __init__(self, hidden_size, num_layers=1, activation="relu", layout="TNC", dropout=0,
                 bidirectional=False, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", input_size=0,
                 dtype="float32", use_sequence_length=False, **kwargs):
        if activation not in ("relu", "tanh"):
            raise ValueError("RNN activation should be 'relu' or 'tanh', found %r" % (activation,))
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                         h2h_bias_initializer, "rnn_" + activation, None, None, None, None, False,
                         dtype, use_sequence_length, **kwargs)

    def state_info(self, batch_size=0):
        return [{"shape": (self._num_layers * self._dir, batch_size, self._hidden_size),
                 "__layout__": "LNC", "dtype": self._dtype}]


class LSTM(_RNNLayer):
    r"""A multi-layer long short-term memory (LSTM) RNN, on the fused RNN operator.

    Each layer computes the input, forget, cell and output gates (in that order)
    :math:`i, f, g, o` from :math:`W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}`,
    :math:`c_t = f c_{t-1} + i g`, :math:`h_t = o \tanh(c_t)`, and with a projection
    :math:`r_t = W_{hr} h_t` is the state carried on.

    Parameters
    ----------
    hidden_size : int
        The number of features in the hidden state h.
    num_layers : int, default 1
        Number of recurrent layers.
    layout : str, default 'TNC'
        The format of input and output tensors ('TNC' or 'NTC').
    dropout : float, default 0
        If non-zero, dropout on the outputs of each layer but the last, while training.
    bidirectional : bool, default False
        If True, becomes a bidirectional RNN.
    input_size : int, default 0
        The number of expected input features; 0 infers it from the first input.
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
        Initializers of the input and recurrent weights.
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
        Initializers of the biases.
    projection_size : int, default None
        The number of features after projecting h (LSTMP).
    h2r_weight_initializer : str or Initializer
        Initializer of the projection weights.
    state_clip_min, state_clip_max : float, default None
        Bounds of the cell state (both or neither).
    state_clip_nan : bool, default False
        Clip NaN cell states to the bounds instead of propagating them.
    dtype : str, default 'float32'
        Type of the parameters.
    use_sequence_length : bool, default False
        If True, the layer takes a third input `sequence_length` (batch_size,).

    Inputs: `data` (sequence_length, batch_size, input_size) with layout 'TNC'; `states`, a
    list of two arrays h (num_layers * num_directions, batch_size, projection or hidden size)
    and c (num_layers * num_directions, batch_size, hidden_size), default zeros.
    Outputs: `out` (sequence_length, batch_size, num_directions * (projection or hidden size));
    `out_states` (h, c) when states were given.

    Example
    -------
    >>> layer = gluon.rnn.LSTM(100, 3)
    >>> layer.initialize()
    >>> x = mx.nd.random.uniform(shape=(5, 3, 10))
    >>> output, (hn, cn) = layer(x, layer.begin_state(batch_size=3))
    >>> hn.shape
    (3, 3, 100)
    """

    def __init__(self, hidden_size, num_layers=1, layout="TNC", dropout=0, bidirectional=False,
                 input_size=0, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros",
                 projection_size=None, h2r_weight_initializer=None, state_clip_min=None,
                 state_clip_max=None, state_clip_nan=False, dtype="float32",
                 use_sequence_length=False, **kwargs):
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                         h2h_bias_initializer, "lstm", projection_size, h2r_weight_initializer,
                         state_clip_min, state_clip_max, state_clip_nan, dtype,
                         use_sequence_length, **kwargs)

    def state_info(self, batch_size=0):
        h = self._projection_size or self._hidden_size
        return [{"shape": (self._num_layers * self._dir, batch_size, h), "__layout__": "LNC",
                 "dtype": self._dtype},
                {"shape": (self._num_layers * self._dir, batch_size, self._hidden_size),
                 "__layout__": "LNC", "dtype": self._dtype}]


class GRU(_RNNLayer):
    r"""A multi-layer gated recurrent unit (GRU) RNN, on the fused RNN operator.

    Each layer computes the reset and update gates and the candidate (in that order)
    :math:`r_t = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h + b_{hr})`, :math:`z_t` likewise,
    :math:`n_t = \tanh(W_{in} x_t + b_{in} + r_t (W_{hn} h + b_{hn}))` and
    :math:`h_t = (1 - z_t) n_t + z_t h_{t-1}`.

    Parameters
    ----------
    hidden_size : int
        The number of features in the hidden state h.
    num_layers : int, default 1
        Number of recurrent layers.
    layout : str, default 'TNC'
        The format of input and output tensors ('TNC' or 'NTC').
    dropout : float, default 0
        If non-zero, dropout on the outputs of each layer but the last, while training.
    bidirectional : bool, default False
        If True, becomes a bidirectional RNN.
    input_size : int, default 0
        The number of expected input features; 0 infers it from the first input.
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
        Initializers of the input and recurrent weights.
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
        Initializers of the biases.
    dtype : str, default 'float32'
        Type of the parameters.
    use_sequence_length : bool, default False
        If True, the layer takes a third input `sequence_length` (batch_size,).

    Inputs and outputs as for `RNN`.

    Example
    -------
    >>> layer = gluon.rnn.GRU(100, 3)
    >>> layer.initialize()
    >>> output, hn = layer(mx.nd.random.uniform(shape=(5, 3, 10)), mx.nd.zeros((3, 3, 100)))
    >>> output.shape
    (5, 3, 100)
    """

    def __init__(self, hidden_size, num_layers=1, layout="TNC", dropout=0, bidirectional=False,
                 input_size=0, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", dtype="float32",
                 use_sequence_length=False, **kwargs):
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                         h2h_bias_initializer, "gru", None, None, None, None, False, dtype,
                         use_sequence_length, **kwargs)

    def state_info(self, batch_size=0):
        return [{"shape": (self._num_layers * self._dir, batch_size, self._hidden_size),
                 "__layout__": "LNC", "dtype": self._dtype}]
