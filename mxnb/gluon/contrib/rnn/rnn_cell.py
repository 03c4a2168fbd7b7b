"""Contributed recurrent cells (MXNet 1.9.1 `gluon.contrib.rnn.rnn_cell`): variational dropout,
the projected LSTM, and `dynamic_unroll` (an unroll through the `foreach` operator)."""
from .... import ndarray
from ....base import ArgumentTypeError, FailedCheckError, ShapeError
from ....ndarray.ndarray import NDArray
from ...rnn.rnn_cell import (BidirectionalCell, HybridRecurrentCell, HybridSequentialRNNCell,
                             ModifierCell, SequentialRNNCell, _format_sequence, _get_begin_state,
                             _is_tensor, _mask_sequence_variable_length)

# dynamic_unroll lives at rnn_cell.dynamic_unroll only, as in MXNet.
__all__ = ["VariationalDropoutCell", "LSTMPCell"]


def _has_bidirectional(cell):
    """Whether `cell` is, or stacks, a BidirectionalCell."""
    if isinstance(cell, BidirectionalCell):
        return True
    if isinstance(cell, (SequentialRNNCell, HybridSequentialRNNCell)):
        return any(_has_bidirectional(c) for c in cell._children.values())
    return False


class VariationalDropoutCell(ModifierCell):
    """Applies variational dropout (Gal & Ghahramani, https://arxiv.org/abs/1512.05287) on a
    base cell: one dropout mask for the inputs, one for the first state and one for the
    outputs, each kept for every time step of a sequence.

    A mask is drawn at the first step and kept until `reset()` (which `unroll` calls), so a
    cell stepped by hand should be `reset()` between sequences. When the cell is hybridized
    and stepped, the masks are part of the cached graph and are drawn at each call (as in
    MXNet); `unroll` without state dropout shares the masks over time either way.

    Parameters
    ----------
    base_cell : RecurrentCell
        The cell to wrap.
    drop_inputs : float, default 0.
        Dropout rate of the inputs; 0 applies none.
    drop_states : float, default 0.
        Dropout rate of the first state (e.g. h of an LSTM); 0 applies none. Not for a
        bidirectional base cell (wrap the cells underneath instead).
    drop_outputs : float, default 0.
        Dropout rate of the outputs; 0 applies none.

    Examples
    --------
    >>> cell = mx.gluon.contrib.rnn.VariationalDropoutCell(mx.gluon.rnn.LSTMCell(4),
    ...                                                    drop_inputs=0.5, drop_states=0.5)
    >>> cell.initialize()
    >>> with mx.autograd.record():
    ...     out, states = cell.unroll(3, mx.nd.ones((2, 3, 5)), merge_outputs=True)
    >>> out.shape
    (2, 3, 4)
    """

    def __init__(self, base_cell, drop_inputs=0., drop_states=0., drop_outputs=0.):
        if drop_states and _has_bidirectional(base_cell):
            raise FailedCheckError(
                "VariationalDropoutCell: a BidirectionalCell (or a stack holding one) doesn't "
                "support variational state dropout, found %s. Please add VariationalDropoutCell "
                "to the cells underneath instead." % type(base_cell).__name__)
        super().__init__(base_cell)
        self.drop_inputs = drop_inputs
        self.drop_states = drop_states
        self.drop_outputs = drop_outputs
        self.drop_inputs_mask = None
        self.drop_states_mask = None
        self.drop_outputs_mask = None

    def _alias(self):
        return "vardrop"

    def reset(self):
        """Resets the step counters and forgets the dropout masks (new ones are drawn at the
        next step)."""
        super().reset()
        self.drop_inputs_mask = None
        self.drop_states_mask = None
        self.drop_outputs_mask = None

    @staticmethod
    def _mask(F, kept, rate, like):
        """The kept mask when it is of the kind of `like` (NDArray, or Symbol while a graph is
        built), else a new one: dropout of ones."""
        if kept is not None and isinstance(kept, NDArray) == isinstance(like, NDArray):
            return kept
        return F.Dropout(F.ones_like(like), p=rate)

    def hybrid_forward(self, F, inputs, states):
        if self.drop_states:
            self.drop_states_mask = self._mask(F, self.drop_states_mask, self.drop_states,
                                               states[0])
            states = [F.elemwise_mul(states[0], self.drop_states_mask)] + list(states[1:])
        if self.drop_inputs:
            self.drop_inputs_mask = self._mask(F, self.drop_inputs_mask, self.drop_inputs,
                                               inputs)
            inputs = F.elemwise_mul(inputs, self.drop_inputs_mask)
        output, next_states = self.base_cell(inputs, states)
        if self.drop_outputs:
            self.drop_outputs_mask = self._mask(F, self.drop_outputs_mask, self.drop_outputs,
                                                output)
            output = F.elemwise_mul(output, self.drop_outputs_mask)
        return output, next_states

    def __repr__(self):
        return "%s(p_out = %s, p_state = %s)" % (type(self).__name__, self.drop_outputs,
                                                 self.drop_states)

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None,
               valid_length=None):
        """Unrolls the cell over `length` time steps, with one dropout mask per sequence.

        Without state dropout, the input and output dropouts apply to the whole sequence at
        once (one mask shared along the time axis) around the base cell's own unroll.

        Parameters
        ----------
        length : int
            Number of steps to unroll.
        inputs : NDArray, Symbol, or list of them
            (batch_size, length, ...) for layout 'NTC', (length, batch_size, ...) for 'TNC', or
            a list of `length` steps (batch_size, ...).
        begin_state : list of NDArray or Symbol, optional
            Starting states; zeros from `begin_state()` when None.
        layout : str, default 'NTC'
            Layout of `inputs` when it is one array.
        merge_outputs : bool, optional
            True: one array of all the outputs; False: a list; None: whatever is faster.
        valid_length : NDArray or Symbol, optional
            (batch_size,) lengths: outputs past them are zeros and the states returned are
            those of each sequence's last valid step.

        Returns
        -------
        outputs : NDArray, Symbol, or list of them
        states : list of NDArray or Symbol

        Examples
        --------
        >>> cell = mx.gluon.contrib.rnn.VariationalDropoutCell(mx.gluon.rnn.GRUCell(4), 0.5)
        >>> cell.initialize()
        >>> out, states = cell.unroll(3, mx.nd.ones((2, 3, 5)), merge_outputs=True)
        >>> out.shape
        (2, 3, 4)
        """
        if self.drop_states:
            return super().unroll(length, inputs, begin_state, layout, merge_outputs,
                                  valid_length=valid_length)
        self.reset()
        inputs, axis, F, batch_size = _format_sequence(length, inputs, layout, True)
        states = _get_begin_state(self, F, begin_state, inputs, batch_size)
        if self.drop_inputs:
            inputs = F.Dropout(inputs, p=self.drop_inputs, axes=(axis,))
        outputs, states = self.base_cell.unroll(length, inputs, states, layout,
                                                merge_outputs=True, valid_length=valid_length)
        if self.drop_outputs:
            outputs = F.Dropout(outputs, p=self.drop_outputs, axes=(axis,))
        if merge_outputs is None:
            merge_outputs = _is_tensor(outputs)
        outputs, _, _, _ = _format_sequence(length, outputs, layout, merge_outputs)
        if valid_length is not None:
            outputs = _mask_sequence_variable_length(F, outputs, length, valid_length, axis,
                                                     merge_outputs)
        return outputs, states


class LSTMPCell(HybridRecurrentCell):
    r"""Long short-term memory cell with a projection of its output (LSTMP,
    https://arxiv.org/abs/1402.1128): gates i, f, g, o (in that order) from
    :math:`W_{ih} x_t + b_{ih} + W_{rh} r_{t-1} + b_{rh}`; :math:`c_t = f c_{t-1} + i g`,
    :math:`h_t = o \tanh(c_t)` and the output :math:`r_t = W_{hr} h_t`.

    Parameters
    ----------
    hidden_size : int
        Number of units of the cell state.
    projection_size : int
        Number of units of the output (the projection).
    i2h_weight_initializer, h2h_weight_initializer : str or Initializer, optional
        Initializers of the input and recurrent weights.
    h2r_weight_initializer : str or Initializer, optional
        Initializer of the projection weight.
    i2h_bias_initializer, h2h_bias_initializer : str or Initializer, default 'zeros'
        Initializers of the biases.
    input_size : int, default 0
        Input features; 0 infers them from the first input.
    prefix : str, default 'lstmp_'
        Prefix of the parameters' names.
    params : ParameterDict, optional
        Parameters to share.

    Inputs: `data` (batch_size, input_size); `states` [r (batch_size, projection_size),
    c (batch_size, hidden_size)]. Outputs: `out` (batch_size, projection_size) and [r, c].

    Examples
    --------
    >>> cell = mx.gluon.contrib.rnn.LSTMPCell(8, 3)
    >>> cell.initialize()
    >>> out, (r, c) = cell(mx.nd.ones((2, 5)), cell.begin_state(batch_size=2))
    >>> out.shape, c.shape
    ((2, 3), (2, 8))
    """

    def __init__(self, hidden_size, projection_size, i2h_weight_initializer=None,
                 h2h_weight_initializer=None, h2r_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", input_size=0,
                 prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._hidden_size = hidden_size
        self._input_size = input_size
        self._projection_size = projection_size
        gates = 4 * hidden_size
        self.i2h_weight = self.params.get("i2h_weight", shape=(gates, input_size),
                                          init=i2h_weight_initializer, allow_deferred_init=True)
        self.h2h_weight = self.params.get("h2h_weight", shape=(gates, projection_size),
                                          init=h2h_weight_initializer, allow_deferred_init=True)
        self.h2r_weight = self.params.get("h2r_weight", shape=(projection_size, hidden_size),
                                          init=h2r_weight_initializer, allow_deferred_init=True)
        self.i2h_bias = self.params.get("i2h_bias", shape=(gates,), init=i2h_bias_initializer,
                                        allow_deferred_init=True)
        self.h2h_bias = self.params.get("h2h_bias", shape=(gates,), init=h2h_bias_initializer,
                                        allow_deferred_init=True)

    def _alias(self):
        return "lstmp"

    def state_info(self, batch_size=0):
        return [{"shape": (batch_size, self._projection_size), "__layout__": "NC"},
                {"shape": (batch_size, self._hidden_size), "__layout__": "NC"}]

    def __repr__(self):
        shape = self.i2h_weight.shape
        return "%s(%s -> %s -> %s)" % (type(self).__name__, shape[1] or None, shape[0],
                                       self.h2r_weight.shape[0])

    def infer_shape(self, inputs, *args):
        """Fills in the input size of `i2h_weight` from the first step's inputs."""
        self.i2h_weight.shape = (4 * self._hidden_size, inputs.shape[-1])

    def _check_step(self, inputs, states):
        name = "LSTMPCell %s" % self.name
        expected = self.i2h_weight.shape[1]
        if inputs.ndim != 2 or (expected and inputs.shape[1] != expected):
            raise ShapeError("%s: a step's input should have shape (batch_size, %s), found %s"
                             % (name, expected or "input_size", inputs.shape))
        infos = self.state_info(inputs.shape[0])
        if len(states) != len(infos):
            raise ShapeError("%s: expected 2 states [r, c], found %d" % (name, len(states)))
        for i, (state, info) in enumerate(zip(states, infos)):
            if state.shape != info["shape"]:
                raise ShapeError("%s: state %d should have shape %s, found %s"
                                 % (name, i, info["shape"], state.shape))

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, h2r_weight, i2h_bias,
                       h2h_bias):
        if F is ndarray:
            self._check_step(inputs, states)
        prefix = "t%d_" % self._counter
        gates = 4 * self._hidden_size
        i2h = F.FullyConnected(data=inputs, weight=i2h_weight, bias=i2h_bias, num_hidden=gates,
                               name=prefix + "i2h")
        h2h = F.FullyConnected(data=states[0], weight=h2h_weight, bias=h2h_bias,
                               num_hidden=gates, name=prefix + "h2h")
        slices = F.SliceChannel(F.elemwise_add(i2h, h2h, name=prefix + "plus0"), num_outputs=4,
                                name=prefix + "slice")
        in_gate = F.Activation(slices[0], act_type="sigmoid", name=prefix + "i")
        forget_gate = F.Activation(slices[1], act_type="sigmoid", name=prefix + "f")
        in_transform = F.Activation(slices[2], act_type="tanh", name=prefix + "c")
        out_gate = F.Activation(slices[3], act_type="sigmoid", name=prefix + "o")
        next_c = F.elemwise_add(F.elemwise_mul(forget_gate, states[1], name=prefix + "mul0"),
                                F.elemwise_mul(in_gate, in_transform, name=prefix + "mul1"),
                                name=prefix + "state")
        hidden = F.elemwise_mul(out_gate, F.Activation(next_c, act_type="tanh"),
                                name=prefix + "hidden")
        next_r = F.FullyConnected(data=hidden, weight=h2r_weight, num_hidden=self._projection_size,
                                  no_bias=True, name=prefix + "out")
        return next_r, [next_r, next_c]


def _swap_time_first(F, data, axis):
    return data if axis == 0 else F.swapaxes(data, dim1=0, dim2=axis)


def dynamic_unroll(cell, inputs, begin_state, drop_inputs=0, drop_outputs=0, layout="TNC",
                   valid_length=None):
    """Unrolls a recurrent cell over a sequence with the `foreach` operator, so that a
    hybridized block holds one loop rather than one copy of the cell per step.

    Parameters
    ----------
    cell : RecurrentCell
        The cell to run over the sequence.
    inputs : NDArray or Symbol
        (length, batch_size, ...) for layout 'TNC', (batch_size, length, ...) for 'NTC'.
    begin_state : list of NDArray or Symbol
        The cell's starting states.
    drop_inputs : float, default 0
        Dropout rate of the inputs; 0 applies none.
    drop_outputs : float, default 0
        Dropout rate of the outputs; 0 applies none.
    layout : str, default 'TNC'
        Layout of `inputs` and of the outputs ('TNC' is the faster one).
    valid_length : NDArray or Symbol, optional
        (batch_size,) lengths: each sequence's states stop changing after its last valid step,
        and outputs past it are zeros.

    Returns
    -------
    outputs : NDArray or Symbol
        The outputs of every step, in `layout`.
    states : list of NDArray or Symbol
        The states after the last (valid) step.

    Notes
    -----
    As in MXNet, the dropouts share one mask along axis `layout.find('T')` of the time-major
    data: along time for 'TNC', along the batch for 'NTC'.

    Examples
    --------
    >>> cell = mx.gluon.rnn.LSTMCell(4)
    >>> cell.initialize()
    >>> x = mx.nd.ones((3, 2, 5))          # (time, batch, features)
    >>> out, states = mx.gluon.contrib.rnn.rnn_cell.dynamic_unroll(
    ...     cell, x, cell.begin_state(batch_size=2), valid_length=mx.nd.array([2, 3]))
    >>> out.shape
    (3, 2, 4)
    """
    if begin_state is None or not isinstance(begin_state, (list, tuple)) and \
            not _is_tensor(begin_state):
        raise ArgumentTypeError("dynamic_unroll: begin_state should be the cell's starting "
                                "states (a list of NDArray or Symbol), found %r"
                                % (begin_state,))
    inputs, axis, F, _ = _format_sequence(None, inputs, layout, True)
    inputs = _swap_time_first(F, inputs, axis)
    if drop_inputs:
        inputs = F.Dropout(inputs, p=drop_inputs, axes=(axis,))
    states = list(begin_state) if isinstance(begin_state, (list, tuple)) else [begin_state]

    if valid_length is None:
        def step(data, states):
            return cell(data, states)
    else:
        # The step count rides along as one more state; each sequence keeps its states once
        # the count reaches its length.
        on = {"ctx": inputs.context} if isinstance(inputs, NDArray) else {}
        states.append(F.zeros((1,), **on))

        def step(data, states):
            cell_states, count = states[:-1], states[-1]
            output, new_states = cell(data, cell_states)
            running = F.broadcast_greater(valid_length, count)
            new_states = [F.where(running, new, old) for new, old in zip(new_states, cell_states)]
            return output, new_states + [count + 1]

    outputs, states = F.contrib.foreach(step, inputs, states)
    if drop_outputs:
        outputs = F.Dropout(outputs, p=drop_outputs, axes=(axis,))
    outputs = _swap_time_first(F, outputs, axis)
    if valid_length is None:
        return outputs, states
    outputs = F.SequenceMask(outputs, sequence_length=valid_length, use_sequence_length=True,
                             axis=axis)
    return outputs, states[:-1]
