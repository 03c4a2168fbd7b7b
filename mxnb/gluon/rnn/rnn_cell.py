"""Recurrent cells (MXNet 1.9.1 `gluon.rnn.rnn_cell`): one time step per call, `unroll` over a
sequence, `begin_state`; the hybrid cells run on NDArrays, symbols, or hybridized.

Parameter names are MXNet's (`lstm0_i2h_weight`), so cells built in MXNet and their `.params`
carry over.
"""
from ... import ndarray
from ...base import MXNetError
from ...ndarray.ndarray import NDArray
from ..block import Block, HybridBlock
from ..parameter import _indent

__all__ = ["RecurrentCell", "HybridRecurrentCell", "RNNCell", "LSTMCell", "GRUCell",
           "SequentialRNNCell", "HybridSequentialRNNCell", "DropoutCell", "ModifierCell",
           "ZoneoutCell", "ResidualCell", "BidirectionalCell"]


def _symbol():
    from ... import symbol
    return symbol


def _is_symbol(x):
    from ...symbol.symbol import Symbol
    return isinstance(x, Symbol)


def _is_tensor(x):
    return isinstance(x, NDArray) or _is_symbol(x)


def _as_list(x):
    """A list of arrays/symbols; a Symbol group becomes its outputs."""
    if isinstance(x, (list, tuple)):
        return list(x)
    if _is_symbol(x):
        return list(x)
    return [x]


def _cells_state_info(cells, batch_size):
    return sum([c.state_info(batch_size) for c in cells], [])


def _cells_begin_state(cells, **kwargs):
    return sum([c.begin_state(**kwargs) for c in cells], [])


def _get_begin_state(cell, F, begin_state, inputs, batch_size):
    if begin_state is None:
        if F is ndarray:
            ctx = inputs.context if isinstance(inputs, NDArray) else inputs[0].context
            with ctx:
                begin_state = cell.begin_state(func=F.zeros, batch_size=batch_size)
        else:
            step = inputs if _is_symbol(inputs) and len(inputs.list_outputs()) == 1 else inputs[0]
            begin_state = cell.begin_state(func=_zeros_batch_of(F, step), batch_size=batch_size)
    return begin_state


def _zeros_batch_of(F, step):
    """A `func` for begin_state that makes zero states whose batch size is that of the symbol
    `step` (batch, ...): the batch is unknown until the graph is bound, and shape inference
    carries it from the data to the states (sym.zeros((0, H)) could not learn it)."""
    column = F.zeros_like(F.sum(F.reshape(step, shape=(0, -1)), axis=1, keepdims=True))

    def zeros(name=None, shape=None, dtype=None, **kwargs):
        shape = tuple(shape)
        base = column
        if len(shape) != 2:
            base = F.reshape(column, shape=(0,) + (1,) * (len(shape) - 1))
        out = F.broadcast_to(base, shape=(0,) + shape[1:], name=name)
        return out if dtype is None else F.cast(out, dtype=dtype)
    return zeros


def _format_sequence(length, inputs, layout, merge, in_layout=None):
    """(inputs as a list of steps or one merged array, time axis, F, batch size)."""
    if inputs is None:
        raise MXNetError("unroll needs inputs, found None")
    axis = layout.find("T")
    batch_axis = layout.find("N")
    batch_size = 0
    in_axis = in_layout.find("T") if in_layout is not None else axis
    if _is_symbol(inputs):
        F = _symbol()
        if merge is False:
            if len(inputs.list_outputs()) != 1:
                raise MXNetError("unroll expects a single symbol as its inputs, found a group "
                                 "of %d" % len(inputs.list_outputs()))
            if length is None:
                raise MXNetError("unroll of a symbol needs its length")
            inputs = _as_list(F.split(inputs, axis=in_axis, num_outputs=length, squeeze_axis=1))
    elif isinstance(inputs, NDArray):
        F = ndarray
        batch_size = inputs.shape[batch_axis]
        if merge is False:
            if length is not None and length != inputs.shape[in_axis]:
                raise MXNetError("unroll: length %d does not match the inputs' time axis (%d "
                                 "steps in shape %s)"
                                 % (length, inputs.shape[in_axis], inputs.shape))
            inputs = _as_list(ndarray.split(inputs, axis=in_axis, num_outputs=inputs.shape[in_axis],
                                            squeeze_axis=1))
    else:
        if not isinstance(inputs, (list, tuple)):
            raise MXNetError("unroll: inputs should be an NDArray, a Symbol or a list of them, "
                             "found %s" % type(inputs).__name__)
        if length is not None and len(inputs) != length:
            raise MXNetError("unroll: length %d does not match the %d inputs given"
                             % (length, len(inputs)))
        if _is_symbol(inputs[0]):
            F = _symbol()
        else:
            F = ndarray
            batch_size = inputs[0].shape[0]   # each step is (batch, ...)
        if merge is True:
            inputs = F.stack(*inputs, axis=axis)
            in_axis = axis
    if _is_tensor(inputs) and axis != in_axis:
        inputs = F.swapaxes(inputs, dim1=axis, dim2=in_axis)
    return inputs, axis, F, batch_size


def _mask_sequence_variable_length(F, data, length, valid_length, time_axis, merge):
    if not _is_tensor(data):
        data = F.stack(*data, axis=time_axis)
    outputs = F.SequenceMask(data, sequence_length=valid_length, use_sequence_length=True,
                             axis=time_axis)
    if not merge:
        outputs = _as_list(F.split(outputs, num_outputs=length, axis=time_axis, squeeze_axis=True))
    return outputs


def _reverse_sequences(sequences, unroll_step, valid_length=None):
    F = _symbol() if _is_symbol(sequences[0]) else ndarray
    if valid_length is None:
        return list(reversed(sequences))
    reversed_sequences = F.SequenceReverse(F.stack(*sequences, axis=0),
                                           sequence_length=valid_length, use_sequence_length=True)
    if unroll_step > 1 or F is not ndarray:
        return _as_list(F.split(reversed_sequences, axis=0, num_outputs=unroll_step,
                                squeeze_axis=True))
    return [reversed_sequences[0]]


class RecurrentCell(Block):
    """Abstract base class for RNN cells.

    Parameters
    ----------
    prefix : str, optional
        Prefix for names of the Block's parameters (and the symbols it creates).
    params : ParameterDict, optional
        Parameters to share with this cell.

    Examples
    --------
    >>> cell = mx.gluon.rnn.LSTMCell(4)     # a RecurrentCell
    >>> cell.initialize()
    >>> outputs, states = cell.unroll(3, mx.nd.ones((2, 3, 5)), merge_outputs=True)
    >>> outputs.shape
    (2, 3, 4)
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._modified = False
        self.reset()

    def reset(self):
        """Resets the step counters before the cell is used for another sequence or graph."""
        self._init_counter = -1
        self._counter = -1
        for cell in self._children.values():
            cell.reset()

    def state_info(self, batch_size=0):
        """Shape and layout of each state: a list of dicts."""
        raise NotImplementedError()

    def begin_state(self, batch_size=0, func=ndarray.zeros, **kwargs):
        """Initial states for this cell.

        Parameters
        ----------
        batch_size : int, default 0
            Only required for the NDArray API: the batch size.
        func : callable, default `ndarray.zeros`
            Creates each state: `nd.zeros`, `nd.ones`, ...; `sym.zeros`, `sym.var` for symbols.
        **kwargs
            More arguments for `func` (`ctx`, `dtype`, ...).

        Returns
        -------
        list of NDArray or Symbol
            The starting states for the first step.

        Example
        -------
        >>> cell = gluon.rnn.LSTMCell(10)
        >>> [s.shape for s in cell.begin_state(batch_size=2)]
        [(2, 10), (2, 10)]
        """
        if self._modified:
            raise MXNetError("After applying modifier cells (e.g. ZoneoutCell) the base cell "
                             "cannot be called directly. Call the modifier cell instead.")
        states = []
        for info in self.state_info(batch_size):
            self._init_counter += 1
            info = dict(info) if info is not None else {}
            info.pop("__layout__", None)
            info.update(kwargs)
            name = "%sbegin_state_%d" % (self._prefix, self._init_counter)
            states.append(func(name=name, **info))
        return states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None,
               valid_length=None):
        """Unrolls the cell over `length` time steps.

        Parameters
        ----------
        length : int
            Number of steps to unroll.
        inputs : NDArray, Symbol, or list of them
            One array (batch_size, length, ...) for layout 'NTC' or (length, batch_size, ...)
            for 'TNC'; or a list of `length` arrays (batch_size, ...).
        begin_state : list of NDArray or Symbol, optional
            Starting states; `begin_state()` zeros when None.
        layout : str, default 'NTC'
            Layout of `inputs` when it is one array.
        merge_outputs : bool, optional
            True: one array of all the outputs; False: a list; None: whatever is faster.
        valid_length : NDArray or Symbol, optional
            (batch_size,) lengths: the states returned are those at each sequence's last valid
            step, and outputs past it are zeros.

        Returns
        -------
        outputs : NDArray, Symbol, or list of them
        states : list of NDArray or Symbol
            The states after the last (valid) step.

        Example
        -------
        >>> cell = gluon.rnn.GRUCell(8)
        >>> cell.initialize()
        >>> out, states = cell.unroll(5, mx.nd.ones((2, 5, 4)), merge_outputs=True)
        >>> out.shape
        (2, 5, 8)
        """
        self.reset()
        inputs, axis, F, batch_size = _format_sequence(length, inputs, layout, False)
        begin_state = _get_begin_state(self, F, begin_state, inputs, batch_size)
        states = begin_state
        outputs = []
        all_states = []
        for i in range(length):
            output, states = self(inputs[i], states)
            outputs.append(output)
            if valid_length is not None:
                all_states.append(states)
        if valid_length is not None:
            states = [F.SequenceLast(F.stack(*ele_list, axis=0), sequence_length=valid_length,
                                     use_sequence_length=True, axis=0)
                      for ele_list in zip(*all_states)]
            outputs = _mask_sequence_variable_length(F, outputs, length, valid_length, axis, True)
        outputs, _, _, _ = _format_sequence(length, outputs, layout, merge_outputs)
        return outputs, states

    def _get_activation(self, F, inputs, activation, **kwargs):
        """The activation named by a string, or a callable/Block applied to the inputs."""
        func = {"tanh": F.tanh, "relu": F.relu, "sigmoid": F.sigmoid,
                "softsign": F.softsign}.get(activation)
        if func is not None:
            return func(inputs, **kwargs)
        if isinstance(activation, str):
            return F.Activation(inputs, act_type=activation, **kwargs)
        if type(activation).__name__ == "LeakyReLU" and hasattr(activation, "_alpha"):
            return F.LeakyReLU(inputs, act_type="leaky", slope=activation._alpha, **kwargs)
        return activation(inputs)

    def forward(self, inputs, states):
        """One time step: (output, new states) from the inputs (batch_size, ...) and states."""
        self._counter += 1
        return super().forward(inputs, states)


class HybridRecurrentCell(RecurrentCell, HybridBlock):
    """A recurrent cell that can be hybridized.

    Parameters
    ----------
    prefix : str, default None
        Prefix of the cell's name and of its parameters' names; chosen automatically when None.
    params : ParameterDict, default None
        A ParameterDict whose parameters the cell shares; a fresh one is made when None.

    Examples
    --------
    >>> cell = mx.gluon.rnn.GRUCell(4)   # a HybridRecurrentCell
    >>> cell.initialize()
    >>> cell.hybridize()
    >>> out, states = cell(mx.nd.ones((2, 3)), cell.begin_state(batch_size=2))
    >>> out.shape
    (2, 4)
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError


def _fc(F, x, weight, bias, num_hidden, name):
    return F.FullyConnected(data=x, weight=weight, bias=bias, num_hidden=num_hidden, name=name)


class _GatedCell(HybridRecurrentCell):
    """The parameters and repr shared by RNNCell, LSTMCell and GRUCell."""
    _gates = 1

    def __init__(self, hidden_size, i2h_weight_initializer, h2h_weight_initializer,
                 i2h_bias_initializer, h2h_bias_initializer, input_size, prefix, params):
        super().__init__(prefix=prefix, params=params)
        self._hidden_size = hidden_size
        self._input_size = input_size
        n = self._gates * hidden_size
        self.i2h_weight = self.params.get("i2h_weight", shape=(n, input_size),
                                          init=i2h_weight_initializer, allow_deferred_init=True)
        self.h2h_weight = self.params.get("h2h_weight", shape=(n, hidden_size),
                                          init=h2h_weight_initializer, allow_deferred_init=True)
        self.i2h_bias = self.params.get("i2h_bias", shape=(n,), init=i2h_bias_initializer,
                                        allow_deferred_init=True)
        self.h2h_bias = self.params.get("h2h_bias", shape=(n,), init=h2h_bias_initializer,
                                        allow_deferred_init=True)

    def state_info(self, batch_size=0):
        return [{"shape": (batch_size, self._hidden_size), "__layout__": "NC"}] * self._states

    _states = 1

    def __repr__(self):
        shape = self.i2h_weight.shape
        mapping = "{0} -> {1}".format(shape[1] if shape[1] else None, shape[0])
        return "%s(%s)" % (type(self).__name__, mapping)

    def infer_shape(self, inputs, *args):
        self.i2h_weight.shape = (self._gates * self._hidden_size, inputs.shape[-1])

    def _check_inputs(self, inputs, states):
        if not isinstance(inputs, NDArray):
            return
        expected = self.i2h_weight.shape[1]
        if inputs.ndim != 2 or (expected and inputs.shape[1] != expected):
            raise MXNetError("%s %s: a step's input should have shape (batch_size, %s), found %s"
                             % (type(self).__name__, self.name, expected or "input_size",
                                inputs.shape))
        for i, (state, info) in enumerate(zip(states, self.state_info(inputs.shape[0]))):
            if state.shape != info["shape"]:
                raise MXNetError("%s %s: state %d should have shape %s, found %s"
                                 % (type(self).__name__, self.name, i, info["shape"], state.shape))


class RNNCell(_GatedCell):
    r"""Elman RNN recurrent cell: :math:`h_t = act(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})`.

    Parameters
    ----------
    hidden_size : int
        Number of units in the output symbol.
    activation : str or Block, default 'tanh'
        Type of activation function.
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
        Initializers of the input and recurrent weights.
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
        Initializers of the biases.
    input_size : int, default 0
        Input features; 0 infers them from the first input.
    prefix : str, default ``'rnn_'``
        Prefix for the parameters' names.
    params : ParameterDict, optional
        Parameters to share.

    Inputs: `data` (batch_size, input_size); `states`, a list of one (batch_size, hidden_size).
    Outputs: `out` (batch_size, hidden_size); `next_states`, the list [out].

    Example
    -------
    >>> cell = gluon.rnn.RNNCell(4)
    >>> cell.initialize()
    >>> out, states = cell(mx.nd.ones((2, 3)), cell.begin_state(batch_size=2))
    >>> out.shape
    (2, 4)
    """

    def __init__(self, hidden_size, activation="tanh", i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", input_size=0, prefix=None, params=None):
        super().__init__(hidden_size, i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, input_size, prefix, params)
        self._activation = activation

    def _alias(self):
        return "rnn"

    def __repr__(self):
        shape = self.i2h_weight.shape
        return "%s(%s -> %s, %s)" % (type(self).__name__, shape[1] if shape[1] else None,
                                     shape[0], self._activation)

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        if F is ndarray:
            self._check_inputs(inputs, states)
        prefix = "t%d_" % self._counter
        i2h = _fc(F, inputs, i2h_weight, i2h_bias, self._hidden_size, prefix + "i2h")
        h2h = _fc(F, states[0], h2h_weight, h2h_bias, self._hidden_size, prefix + "h2h")
        i2h_plus_h2h = F.elemwise_add(i2h, h2h, name=prefix + "plus0")
        output = self._get_activation(F, i2h_plus_h2h, self._activation, name=prefix + "out")
        return output, [output]


class LSTMCell(_GatedCell):
    r"""Long short-term memory (LSTM) cell: gates i, f, g, o (in that order) from
    :math:`W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}`; :math:`c_t = f c_{t-1} + i g`,
    :math:`h_t = o \tanh(c_t)`.

    Parameters
    ----------
    hidden_size : int
        Number of units in the output symbol.
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
        Initializers of the input and recurrent weights.
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
        Initializers of the biases.
    input_size : int, default 0
        Input features; 0 infers them from the first input.
    prefix : str, default ``'lstm_'``
        Prefix for the parameters' names.
    params : ParameterDict, optional
        Parameters to share.
    activation : str, default 'tanh'
        Activation of the cell candidate and of the output.
    recurrent_activation : str, default 'sigmoid'
        Activation of the gates.

    Inputs: `data` (batch_size, input_size); `states`, [h, c] each (batch_size, hidden_size).
    Outputs: `out` (batch_size, hidden_size); `next_states` [h, c].

    Example
    -------
    >>> cell = gluon.rnn.LSTMCell(4)
    >>> cell.initialize()
    >>> out, (h, c) = cell(mx.nd.ones((2, 3)), cell.begin_state(batch_size=2))
    >>> c.shape
    (2, 4)
    """
    _gates = 4
    _states = 2

    def __init__(self, hidden_size, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", input_size=0,
                 prefix=None, params=None, activation="tanh", recurrent_activation="sigmoid"):
        super().__init__(hidden_size, i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, input_size, prefix, params)
        self._activation = activation
        self._recurrent_activation = recurrent_activation

    def _alias(self):
        return "lstm"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        if F is ndarray:
            self._check_inputs(inputs, states)
        prefix = "t%d_" % self._counter
        n = 4 * self._hidden_size
        i2h = _fc(F, inputs, i2h_weight, i2h_bias, n, prefix + "i2h")
        h2h = _fc(F, states[0], h2h_weight, h2h_bias, n, prefix + "h2h")
        gates = F.elemwise_add(i2h, h2h, name=prefix + "plus0")
        slices = F.SliceChannel(gates, num_outputs=4, name=prefix + "slice")
        act, ract = self._activation, self._recurrent_activation
        in_gate = self._get_activation(F, slices[0], ract, name=prefix + "i")
        forget_gate = self._get_activation(F, slices[1], ract, name=prefix + "f")
        in_transform = self._get_activation(F, slices[2], act, name=prefix + "c")
        out_gate = self._get_activation(F, slices[3], ract, name=prefix + "o")
        next_c = F.elemwise_add(F.elemwise_mul(forget_gate, states[1], name=prefix + "mul0"),
                                F.elemwise_mul(in_gate, in_transform, name=prefix + "mul1"),
                                name=prefix + "state")
        next_h = F.elemwise_mul(out_gate,
                                self._get_activation(F, next_c, act, name=prefix + "activation0"),
                                name=prefix + "out")
        return next_h, [next_h, next_c]


class GRUCell(_GatedCell):
    r"""Gated recurrent unit (GRU) cell: reset and update gates and the candidate (in that
    order), :math:`n_t = \tanh(W_{in} x_t + b_{in} + r_t (W_{hn} h + b_{hn}))`,
    :math:`h_t = (1 - z_t) n_t + z_t h_{t-1}`.

    Parameters
    ----------
    hidden_size : int
        Number of units in the output symbol.
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer
        Initializers of the input and recurrent weights.
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
        Initializers of the biases.
    input_size : int, default 0
        Input features; 0 infers them from the first input.
    prefix : str, default ``'gru_'``
        Prefix for the parameters' names.
    params : ParameterDict, optional
        Parameters to share.

    Inputs: `data` (batch_size, input_size); `states`, [h] (batch_size, hidden_size).
    Outputs: `out` (batch_size, hidden_size); `next_states` [out].

    Example
    -------
    >>> cell = gluon.rnn.GRUCell(4)
    >>> cell.initialize()
    >>> out, states = cell(mx.nd.ones((2, 3)), cell.begin_state(batch_size=2))
    >>> out.shape
    (2, 4)
    """
    _gates = 3

    def __init__(self, hidden_size, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", input_size=0,
                 prefix=None, params=None):
        super().__init__(hidden_size, i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, input_size, prefix, params)

    def _alias(self):
        return "gru"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        if F is ndarray:
            self._check_inputs(inputs, states)
        prefix = "t%d_" % self._counter
        prev_state_h = states[0]
        n = 3 * self._hidden_size
        i2h = _fc(F, inputs, i2h_weight, i2h_bias, n, prefix + "i2h")
        h2h = _fc(F, prev_state_h, h2h_weight, h2h_bias, n, prefix + "h2h")
        i2h_r, i2h_z, i2h = F.SliceChannel(i2h, num_outputs=3, name=prefix + "i2h_slice")
        h2h_r, h2h_z, h2h = F.SliceChannel(h2h, num_outputs=3, name=prefix + "h2h_slice")
        reset_gate = F.sigmoid(F.elemwise_add(i2h_r, h2h_r, name=prefix + "plus0"),
                               name=prefix + "r_act")
        update_gate = F.sigmoid(F.elemwise_add(i2h_z, h2h_z, name=prefix + "plus1"),
                                name=prefix + "z_act")
        reset_h2h = F.elemwise_mul(reset_gate, h2h, name=prefix + "mul0")
        next_h_tmp = F.tanh(F.elemwise_add(i2h, reset_h2h, name=prefix + "plus2"),
                            name=prefix + "h_act")
        ones = F.ones_like(update_gate, name=prefix + "ones_like0")
        keep_new = F.elemwise_sub(ones, update_gate, name=prefix + "minus0")
        next_h = F.elemwise_add(F.elemwise_mul(keep_new, next_h_tmp, name=prefix + "mul1"),
                                F.elemwise_mul(update_gate, prev_state_h, name=prefix + "mul20"),
                                name=prefix + "out")
        return next_h, [next_h]


class SequentialRNNCell(RecurrentCell):
    """Sequentially stacks multiple RNN cells.

    Parameters
    ----------
    prefix : str, default None
        Prefix of the cell's name and of its parameters' names; chosen automatically when None.
    params : ParameterDict, default None
        A ParameterDict whose parameters the cell shares; a fresh one is made when None.

    Example
    -------
    >>> stack = gluon.rnn.SequentialRNNCell()
    >>> stack.add(gluon.rnn.LSTMCell(8))
    >>> stack.add(gluon.rnn.LSTMCell(8))
    >>> len(stack.state_info())
    4
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)

    def __repr__(self):
        return "%s(\n%s\n)" % (type(self).__name__, "\n".join(
            "(%s): %s" % (i, _indent(repr(m), 2)) for i, m in self._children.items()))

    def add(self, cell):
        """Appends a cell to the stack."""
        self.register_child(cell)

    def state_info(self, batch_size=0):
        return _cells_state_info(self._children.values(), batch_size)

    def begin_state(self, **kwargs):
        if self._modified:
            raise MXNetError("After applying modifier cells (e.g. ZoneoutCell) the base cell "
                             "cannot be called directly. Call the modifier cell instead.")
        return _cells_begin_state(self._children.values(), **kwargs)

    def _step(self, inputs, states):
        self._counter += 1
        next_states = []
        p = 0
        for cell in self._children.values():
            if isinstance(cell, BidirectionalCell):
                raise MXNetError("%s: a BidirectionalCell cannot be stepped; use unroll"
                                 % type(self).__name__)
            n = len(cell.state_info())
            state = states[p:p + n]
            p += n
            inputs, state = cell(inputs, state)
            next_states.append(state)
        return inputs, sum(next_states, [])

    def __call__(self, inputs, states):
        return self._step(inputs, states)

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None,
               valid_length=None):
        self.reset()
        inputs, _, F, batch_size = _format_sequence(length, inputs, layout, None)
        num_cells = len(self._children)
        begin_state = _get_begin_state(self, F, begin_state, inputs, batch_size)
        p = 0
        next_states = []
        for i, cell in enumerate(self._children.values()):
            n = len(cell.state_info())
            states = begin_state[p:p + n]
            p += n
            inputs, states = cell.unroll(length, inputs=inputs, begin_state=states, layout=layout,
                                         merge_outputs=None if i < num_cells - 1 else merge_outputs,
                                         valid_length=valid_length)
            next_states.extend(states)
        return inputs, next_states

    def __getitem__(self, i):
        return self._children[str(i)]

    def __len__(self):
        return len(self._children)

    def hybrid_forward(self, *args, **kwargs):
        raise NotImplementedError


class HybridSequentialRNNCell(HybridRecurrentCell):
    """Sequentially stacks multiple hybrid RNN cells; can be hybridized.

    Parameters
    ----------
    prefix : str, default None
        Prefix of the cell's name and of its parameters' names; chosen automatically when None.
    params : ParameterDict, default None
        A ParameterDict whose parameters the cell shares; a fresh one is made when None.

    Example
    -------
    >>> stack = gluon.rnn.HybridSequentialRNNCell()
    >>> stack.add(gluon.rnn.GRUCell(8))
    >>> stack.add(gluon.rnn.GRUCell(8))
    >>> stack.initialize()
    >>> out, states = stack(mx.nd.ones((2, 3)), stack.begin_state(batch_size=2))
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)

    __repr__ = SequentialRNNCell.__repr__
    add = SequentialRNNCell.add
    state_info = SequentialRNNCell.state_info
    begin_state = SequentialRNNCell.begin_state
    unroll = SequentialRNNCell.unroll
    __getitem__ = SequentialRNNCell.__getitem__
    __len__ = SequentialRNNCell.__len__

    def __call__(self, inputs, states):
        return Block.__call__(self, inputs, states)

    def hybrid_forward(self, F, inputs, states):
        # forward() counted this step already.
        next_states = []
        p = 0
        for cell in self._children.values():
            if isinstance(cell, BidirectionalCell):
                raise MXNetError("%s: a BidirectionalCell cannot be stepped; use unroll"
                                 % type(self).__name__)
            n = len(cell.state_info())
            state = states[p:p + n]
            p += n
            inputs, state = cell(inputs, state)
            next_states.append(state)
        return inputs, sum(next_states, [])


class DropoutCell(HybridRecurrentCell):
    """Applies dropout to the input (no state).

    Parameters
    ----------
    rate : float
        Fraction of the input units to drop, between 0 and 1.
    axes : tuple of int, default ()
        Axes along which one dropout mask is shared.

    Example
    -------
    >>> cell = gluon.rnn.DropoutCell(0.5)
    >>> out, states = cell(mx.nd.ones((2, 3)), [])
    """

    def __init__(self, rate, axes=(), prefix=None, params=None):
        super().__init__(prefix, params)
        if not isinstance(rate, (int, float)):
            raise MXNetError("DropoutCell: rate must be a number, found %r" % (rate,))
        self._rate = rate
        self._axes = axes

    def __repr__(self):
        return "%s(rate=%s, axes=%s)" % (type(self).__name__, self._rate, self._axes)

    def state_info(self, batch_size=0):
        return []

    def _alias(self):
        return "dropout"

    def hybrid_forward(self, F, inputs, states):
        if self._rate > 0:
            inputs = F.Dropout(data=inputs, p=self._rate, axes=self._axes,
                               name="t%d_fwd" % self._counter)
        return inputs, states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None,
               valid_length=None):
        self.reset()
        inputs, _, F, _ = _format_sequence(length, inputs, layout, merge_outputs)
        if _is_tensor(inputs):
            return self.hybrid_forward(F, inputs, begin_state if begin_state else [])
        return super().unroll(length, inputs, begin_state=begin_state, layout=layout,
                              merge_outputs=merge_outputs, valid_length=None)


class ModifierCell(HybridRecurrentCell):
    """Base class for modifier cells, which wrap a base cell and change its behaviour (the base
    cell is then no longer called directly).

    Parameters
    ----------
    base_cell : RecurrentCell
        The cell to wrap; it must not already be wrapped by another modifier cell.

    Examples
    --------
    >>> cell = mx.gluon.rnn.ResidualCell(mx.gluon.rnn.GRUCell(3))   # a ModifierCell
    >>> cell.initialize()
    >>> out, states = cell(mx.nd.ones((2, 3)), cell.begin_state(batch_size=2))
    >>> out.shape
    (2, 3)
    """

    def __init__(self, base_cell):
        if base_cell._modified:
            raise MXNetError("Cell %s is already modified. One cell cannot be modified twice"
                             % base_cell.name)
        base_cell._modified = True
        super().__init__(prefix=base_cell.prefix + self._alias(), params=None)
        self.base_cell = base_cell

    @property
    def params(self):
        return self.base_cell.params

    def state_info(self, batch_size=0):
        return self.base_cell.state_info(batch_size)

    def begin_state(self, func=ndarray.zeros, **kwargs):
        if self._modified:
            raise MXNetError("After applying modifier cells (e.g. DropoutCell) the base cell "
                             "cannot be called directly. Call the modifier cell instead.")
        self.base_cell._modified = False
        try:
            begin = self.base_cell.begin_state(func=func, **kwargs)
        finally:
            self.base_cell._modified = True
        return begin

    def hybrid_forward(self, F, inputs, states):
        raise NotImplementedError

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, self.base_cell)


class ZoneoutCell(ModifierCell):
    """Applies Zoneout on the base cell: while training, each output/state unit keeps its
    previous value with probability `zoneout_outputs` / `zoneout_states`.

    Parameters
    ----------
    base_cell : RecurrentCell
        The cell to wrap; it must not already be wrapped by another modifier cell.
    zoneout_outputs : float, default 0.0
        Probability, in training, that each output unit keeps its previous value.
    zoneout_states : float, default 0.0
        Probability, in training, that each state unit keeps its previous value.

    Example
    -------
    >>> cell = gluon.rnn.ZoneoutCell(gluon.rnn.LSTMCell(8), zoneout_states=0.3)
    """

    def __init__(self, base_cell, zoneout_outputs=0., zoneout_states=0.):
        if isinstance(base_cell, BidirectionalCell):
            raise MXNetError("BidirectionalCell doesn't support zoneout since it doesn't support "
                             "step. Please add ZoneoutCell to the cells underneath instead.")
        super().__init__(base_cell)
        self.zoneout_outputs = zoneout_outputs
        self.zoneout_states = zoneout_states
        self._prev_output = None

    def __repr__(self):
        return "%s(p_out=%s, p_state=%s, %s)" % (type(self).__name__, self.zoneout_outputs,
                                                 self.zoneout_states, self.base_cell)

    def _alias(self):
        return "zoneout"

    def reset(self):
        super().reset()
        self._prev_output = None

    def hybrid_forward(self, F, inputs, states):
        cell, p_outputs, p_states = self.base_cell, self.zoneout_outputs, self.zoneout_states
        next_output, next_states = cell(inputs, states)

        def mask(p, like):
            return F.Dropout(F.ones_like(like), p=p)
        prev_output = self._prev_output
        if prev_output is None:
            prev_output = F.zeros_like(next_output)
        output = (F.where(mask(p_outputs, next_output), next_output, prev_output)
                  if p_outputs != 0. else next_output)
        states = ([F.where(mask(p_states, new_s), new_s, old_s)
                   for new_s, old_s in zip(next_states, states)]
                  if p_states != 0. else next_states)
        self._prev_output = output
        return output, states


class ResidualCell(ModifierCell):
    """Adds the input to the base cell's output (residual connection).

    Parameters
    ----------
    base_cell : RecurrentCell
        The cell to wrap; it must not already be wrapped by another modifier cell.

    Example
    -------
    >>> cell = gluon.rnn.ResidualCell(gluon.rnn.GRUCell(3))
    """

    def __init__(self, base_cell):
        super().__init__(base_cell)

    def _alias(self):
        return "residual"

    def hybrid_forward(self, F, inputs, states):
        output, states = self.base_cell(inputs, states)
        output = F.elemwise_add(output, inputs, name="t%d_fwd" % self._counter)
        return output, states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None,
               valid_length=None):
        self.reset()
        self.base_cell._modified = False
        try:
            outputs, states = self.base_cell.unroll(length, inputs=inputs, begin_state=begin_state,
                                                    layout=layout, merge_outputs=merge_outputs,
                                                    valid_length=valid_length)
        finally:
            self.base_cell._modified = True
        merge_outputs = _is_tensor(outputs) if merge_outputs is None else merge_outputs
        inputs, axis, F, _ = _format_sequence(length, inputs, layout, merge_outputs)
        if valid_length is not None:
            inputs = _mask_sequence_variable_length(F, inputs, length, valid_length, axis,
                                                    merge_outputs)
        if merge_outputs:
            outputs = F.elemwise_add(outputs, inputs)
        else:
            outputs = [F.elemwise_add(i, j) for i, j in zip(outputs, inputs)]
        return outputs, states


class BidirectionalCell(HybridRecurrentCell):
    """Runs a left cell forward and a right cell backward over a sequence and concatenates
    their outputs; only `unroll` is defined.

    Parameters
    ----------
    l_cell : RecurrentCell
        Cell for the forward direction.
    r_cell : RecurrentCell
        Cell for the backward direction.
    output_prefix : str, default 'bi_'
        Prefix of the output symbols' names.

    Example
    -------
    >>> bi = gluon.rnn.BidirectionalCell(gluon.rnn.LSTMCell(4), gluon.rnn.LSTMCell(4))
    >>> bi.initialize()
    >>> out, states = bi.unroll(3, mx.nd.ones((2, 3, 5)), merge_outputs=True)
    >>> out.shape
    (2, 3, 8)
    """

    def __init__(self, l_cell, r_cell, output_prefix="bi_"):
        super().__init__(prefix="", params=None)
        self.register_child(l_cell, "l_cell")
        self.register_child(r_cell, "r_cell")
        self._output_prefix = output_prefix

    def __call__(self, inputs, states):
        raise NotImplementedError("Bidirectional cannot be stepped. Please use unroll")

    def __repr__(self):
        return "%s(forward=%s, backward=%s)" % (type(self).__name__, self._children["l_cell"],
                                                self._children["r_cell"])

    def state_info(self, batch_size=0):
        return _cells_state_info(self._children.values(), batch_size)

    def begin_state(self, **kwargs):
        if self._modified:
            raise MXNetError("After applying modifier cells (e.g. DropoutCell) the base cell "
                             "cannot be called directly. Call the modifier cell instead.")
        return _cells_begin_state(self._children.values(), **kwargs)

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None,
               valid_length=None):
        self.reset()
        inputs, axis, F, batch_size = _format_sequence(length, inputs, layout, False)
        reversed_inputs = list(_reverse_sequences(inputs, length, valid_length))
        begin_state = _get_begin_state(self, F, begin_state, inputs, batch_size)
        states = begin_state
        l_cell, r_cell = self._children.values()
        n_left = len(l_cell.state_info(batch_size))
        l_outputs, l_states = l_cell.unroll(length, inputs=inputs, begin_state=states[:n_left],
                                            layout=layout, merge_outputs=merge_outputs,
                                            valid_length=valid_length)
        r_outputs, r_states = r_cell.unroll(length, inputs=reversed_inputs,
                                            begin_state=states[n_left:], layout=layout,
                                            merge_outputs=False, valid_length=valid_length)
        reversed_r_outputs = _reverse_sequences(r_outputs, length, valid_length)
        if merge_outputs is None:
            merge_outputs = _is_tensor(l_outputs)
        l_outputs, _, _, _ = _format_sequence(None, l_outputs, layout, merge_outputs)
        reversed_r_outputs, _, _, _ = _format_sequence(None, reversed_r_outputs, layout,
                                                       merge_outputs)
        if merge_outputs:
            outputs = F.concat(l_outputs, reversed_r_outputs, dim=2,
                               name="%sout" % self._output_prefix)
        else:
            outputs = [F.concat(l_o, r_o, dim=1, name="%st%d" % (self._output_prefix, i))
                       for i, (l_o, r_o) in enumerate(zip(l_outputs, reversed_r_outputs))]
        if valid_length is not None:
            outputs = _mask_sequence_variable_length(F, outputs, length, valid_length, axis,
                                                     merge_outputs)
        return outputs, l_states + r_states
