"""MXNet 1.x's legacy symbolic RNN cells (`mx.rnn.LSTMCell`, ...): each step is built from
registered operators (FullyConnected, SliceChannel, Activation), so `unroll` gives an ordinary
symbol that Module, BucketingModule and the executor run."""
import warnings

from ..base import FailedCheckError, MXNetError, ShapeError
from .. import symbol
from ..ops import registry as _registry
from ..ops.nn._rnn_layout import param_shapes, param_size

__all__ = ["RNNParams", "BaseRNNCell", "RNNCell", "LSTMCell", "GRUCell", "FusedRNNCell",
           "SequentialRNNCell", "BidirectionalCell", "DropoutCell", "ModifierCell", "ZoneoutCell",
           "ResidualCell"]


class RNNParams:
    """The variables of a cell, created on first use and shared by name.

    Parameters
    ----------
    prefix : str
        Prefix of the variable names.
    """

    def __init__(self, prefix=""):
        self._prefix = prefix
        self._params = {}

    def get(self, name, **kwargs):
        """The variable `prefix + name` (created with `kwargs` the first time)."""
        name = self._prefix + name
        if name not in self._params:
            self._params[name] = symbol.Variable(name, **kwargs)
        return self._params[name]


def _normalize_sequence(length, inputs, layout, merge, in_layout=None):
    """`inputs` as a list of per-step symbols (merge False) or one symbol (merge True)."""
    if inputs is None:
        raise MXNetError("unroll: no inputs given")
    axis = layout.find("T")
    in_axis = in_layout.find("T") if in_layout is not None else axis
    if isinstance(inputs, symbol.Symbol):
        if merge is False:
            if len(inputs.list_outputs()) != 1:
                raise MXNetError("unroll only accepts 1 input symbol (or a list of them)")
            inputs = list(symbol.SliceChannel(inputs, axis=in_axis, num_outputs=length,
                                              squeeze_axis=1))
    else:
        if length is not None and len(inputs) != length:
            raise MXNetError("unroll: %d inputs for length %d" % (len(inputs), length))
        if merge is True:
            inputs = [symbol.expand_dims(i, axis=axis) for i in inputs]
            inputs = symbol.Concat(*inputs, dim=axis)
            in_axis = axis
    if isinstance(inputs, symbol.Symbol) and axis != in_axis:
        inputs = symbol.swapaxes(inputs, dim1=axis, dim2=in_axis)
    return inputs, axis


class BaseRNNCell:
    """The base class of RNN cells: one step is `cell(inputs, states) -> (output, states)`;
    `unroll` applies it over a sequence.

    Parameters
    ----------
    prefix : str
        Prefix of the cell's variable and node names.
    params : RNNParams, optional
        Variables to share with another cell.
    """

    def __init__(self, prefix="", params=None):
        if params is None:
            params = RNNParams(prefix)
            self._own_params = True
        else:
            self._own_params = False
        self._prefix = prefix
        self._params = params
        self._modified = False
        self.reset()

    def reset(self):
        """Resets the step counters (before a new unroll)."""
        self._init_counter = -1
        self._counter = -1
        for cell in getattr(self, "_cells", []):
            cell.reset()

    def __call__(self, inputs, states):
        raise NotImplementedError()

    @property
    def params(self):
        """The cell's RNNParams."""
        self._own_params = False
        return self._params

    @property
    def state_info(self):
        """Shape and layout of each state ((0, num_hidden): the batch is inferred)."""
        raise NotImplementedError()

    @property
    def state_shape(self):
        return [ele["shape"] for ele in self.state_info]

    @property
    def _gate_names(self):
        return ()

    def begin_state(self, func=None, **kwargs):
        """The initial states, made by `func` (default `sym.zeros` with state_info's shapes).

        Example
        -------
        >>> states = mx.rnn.LSTMCell(10).begin_state()
        """
        if self._modified:
            raise MXNetError("After applying modifier cells (e.g. DropoutCell) the base cell "
                             "cannot be called directly. Call the modifier cell instead.")
        func = symbol.zeros if func is None else func
        states = []
        for info in self.state_info:
            self._init_counter += 1
            name = "%sbegin_state_%d" % (self._prefix, self._init_counter)
            if info is None:
                state = func(name=name, **kwargs)
            else:
                args = dict(kwargs)
                args.update({k: v for k, v in info.items() if not k.startswith("__")})
                attr = {k: v for k, v in info.items() if k.startswith("__")}
                if func is symbol.zeros:
                    state = func(name=name, attr=attr or None, **args)
                else:
                    args.update(attr)
                    state = func(name=name, **args)
            states.append(state)
        return states

    def unpack_weights(self, args):
        """Weights with each gate's slice under its own name (`lstm_i2h_i_weight`, ...)."""
        args = args.copy()
        if not self._gate_names:
            return args
        h = self._num_hidden
        for group in ("i2h", "h2h"):
            weight = args.pop("%s%s_weight" % (self._prefix, group))
            bias = args.pop("%s%s_bias" % (self._prefix, group))
            for j, gate in enumerate(self._gate_names):
                args["%s%s%s_weight" % (self._prefix, group, gate)] = weight[j * h:(j + 1) * h].copy()
                args["%s%s%s_bias" % (self._prefix, group, gate)] = bias[j * h:(j + 1) * h].copy()
        return args

    def pack_weights(self, args):
        """The inverse of `unpack_weights`."""
        from .. import ndarray
        args = args.copy()
        if not self._gate_names:
            return args
        for group in ("i2h", "h2h"):
            weights = [args.pop("%s%s%s_weight" % (self._prefix, group, gate)) for gate in self._gate_names]
            biases = [args.pop("%s%s%s_bias" % (self._prefix, group, gate)) for gate in self._gate_names]
            args["%s%s_weight" % (self._prefix, group)] = ndarray.concat(*weights, dim=0)
            args["%s%s_bias" % (self._prefix, group)] = ndarray.concat(*biases, dim=0)
        return args

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        """Applies the cell `length` times.

        Parameters
        ----------
        length : int
        inputs : Symbol or list of Symbol
            One symbol with a time axis per `layout`, or one symbol per step.
        begin_state : list of Symbol, optional
            Default `begin_state()`.
        layout : str, default 'NTC'
        merge_outputs : bool, optional
            True: one symbol; False: a list; None: as the inputs came.

        Returns
        -------
        (outputs, states)

        Example
        -------
        >>> cell = mx.rnn.LSTMCell(8, prefix='lstm_')
        >>> outputs, states = cell.unroll(5, mx.sym.var('data'), merge_outputs=True)
        """
        self.reset()
        inputs, _ = _normalize_sequence(length, inputs, layout, False)
        if begin_state is None:
            begin_state = self.begin_state()
        states = begin_state
        outputs = []
        for i in range(length):
            output, states = self(inputs[i], states)
            outputs.append(output)
        outputs, _ = _normalize_sequence(length, outputs, layout, merge_outputs)
        return outputs, states

    def _get_activation(self, inputs, activation, **kwargs):
        if isinstance(activation, str):
            return symbol.Activation(inputs, act_type=activation, **kwargs)
        return activation(inputs, **kwargs)


class RNNCell(BaseRNNCell):
    """A simple (Elman) recurrent cell: h' = activation(W x + b + U h + c).

    Parameters
    ----------
    num_hidden : int
    activation : str or callable, default 'tanh'
    prefix : str, default 'rnn_'
    params : RNNParams, optional
    """

    def __init__(self, num_hidden, activation="tanh", prefix="rnn_", params=None):
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._activation = activation
        self._iW = self.params.get("i2h_weight")
        self._iB = self.params.get("i2h_bias")
        self._hW = self.params.get("h2h_weight")
        self._hB = self.params.get("h2h_bias")

    @property
    def state_info(self):
        return [{"shape": (0, self._num_hidden), "__layout__": "NC"}]

    @property
    def _gate_names(self):
        return ("",)

    def __call__(self, inputs, states):
        self._counter += 1
        name = "%st%d_" % (self._prefix, self._counter)
        i2h = symbol.FullyConnected(data=inputs, weight=self._iW, bias=self._iB,
                                    num_hidden=self._num_hidden, name="%si2h" % name)
        h2h = symbol.FullyConnected(data=states[0], weight=self._hW, bias=self._hB,
                                    num_hidden=self._num_hidden, name="%sh2h" % name)
        output = self._get_activation(i2h + h2h, self._activation, name="%sout" % name)
        return output, [output]


class LSTMCell(BaseRNNCell):
    """A long short-term memory cell (gates in MXNet's order: input, forget, cell, output).

    Parameters
    ----------
    num_hidden : int
    prefix : str, default 'lstm_'
    params : RNNParams, optional
    forget_bias : float, default 1.0
        Initial bias of the forget gate (through the LSTMBias initializer).
    """

    def __init__(self, num_hidden, prefix="lstm_", params=None, forget_bias=1.0):
        super().__init__(prefix=prefix, params=params)
        from ..initializer import LSTMBias
        self._num_hidden = num_hidden
        self._iW = self.params.get("i2h_weight")
        self._hW = self.params.get("h2h_weight")
        self._iB = self.params.get("i2h_bias", init=LSTMBias(forget_bias=forget_bias))
        self._hB = self.params.get("h2h_bias")

    @property
    def state_info(self):
        return [{"shape": (0, self._num_hidden), "__layout__": "NC"},
                {"shape": (0, self._num_hidden), "__layout__": "NC"}]

    @property
    def _gate_names(self):
        return ("_i", "_f", "_c", "_o")

    def __call__(self, inputs, states):
        self._counter += 1
        name = "%st%d_" % (self._prefix, self._counter)
        i2h = symbol.FullyConnected(data=inputs, weight=self._iW, bias=self._iB,
                                    num_hidden=self._num_hidden * 4, name="%si2h" % name)
        h2h = symbol.FullyConnected(data=states[0], weight=self._hW, bias=self._hB,
                                    num_hidden=self._num_hidden * 4, name="%sh2h" % name)
        gates = i2h + h2h
        slices = symbol.SliceChannel(gates, num_outputs=4, name="%sslice" % name)
        in_gate = symbol.Activation(slices[0], act_type="sigmoid", name="%si" % name)
        forget_gate = symbol.Activation(slices[1], act_type="sigmoid", name="%sf" % name)
        in_transform = symbol.Activation(slices[2], act_type="tanh", name="%sc" % name)
        out_gate = symbol.Activation(slices[3], act_type="sigmoid", name="%so" % name)
        next_c = symbol._Plus(forget_gate * states[1], in_gate * in_transform,
                              name="%sstate" % name)
        next_h = symbol._Mul(out_gate, symbol.Activation(next_c, act_type="tanh"),
                             name="%sout" % name)
        return next_h, [next_h, next_c]


class GRUCell(BaseRNNCell):
    """A gated recurrent unit (gates: reset, update, then the candidate).

    Parameters
    ----------
    num_hidden : int
    prefix : str, default 'gru_'
    params : RNNParams, optional
    """

    def __init__(self, num_hidden, prefix="gru_", params=None):
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._iW = self.params.get("i2h_weight")
        self._iB = self.params.get("i2h_bias")
        self._hW = self.params.get("h2h_weight")
        self._hB = self.params.get("h2h_bias")

    @property
    def state_info(self):
        return [{"shape": (0, self._num_hidden), "__layout__": "NC"}]

    @property
    def _gate_names(self):
        return ("_r", "_z", "_o")

    def __call__(self, inputs, states):
        self._counter += 1
        seq_idx = self._counter
        name = "%st%d_" % (self._prefix, seq_idx)
        prev_h = states[0]
        i2h = symbol.FullyConnected(data=inputs, weight=self._iW, bias=self._iB,
                                    num_hidden=self._num_hidden * 3, name="%s_i2h" % name)
        h2h = symbol.FullyConnected(data=prev_h, weight=self._hW, bias=self._hB,
                                    num_hidden=self._num_hidden * 3, name="%s_h2h" % name)
        i2h_r, i2h_z, i2h = symbol.SliceChannel(i2h, num_outputs=3, name="%s_i2h_slice" % name)
        h2h_r, h2h_z, h2h = symbol.SliceChannel(h2h, num_outputs=3, name="%s_h2h_slice" % name)
        reset_gate = symbol.Activation(i2h_r + h2h_r, act_type="sigmoid", name="%s_r_act" % name)
        update_gate = symbol.Activation(i2h_z + h2h_z, act_type="sigmoid", name="%s_z_act" % name)
        next_h_tmp = symbol.Activation(i2h + reset_gate * h2h, act_type="tanh",
                                       name="%s_h_act" % name)
        next_h = symbol._Plus((1. - update_gate) * next_h_tmp, update_gate * prev_h,
                              name="%sout" % name)
        return next_h, [next_h]


class FusedRNNCell(BaseRNNCell):
    """Several layers of one RNN kind run by MXNet's fused `RNN` operator, all weights in one
    packed `<prefix>parameters` vector (initialized through `mx.init.FusedRNN`).
    `unpack_weights`/`pack_weights` convert it to and from one array per layer, direction and
    gate, the names `unfuse()`'s equivalent stack of LSTMCell/GRUCell/RNNCell packs.

    Parameters
    ----------
    num_hidden : int
    num_layers : int, default 1
    mode : str, default 'lstm'
        'rnn_relu', 'rnn_tanh', 'lstm' or 'gru'.
    bidirectional : bool, default False
    dropout : float, default 0
    get_next_state : bool, default False
    forget_bias : float, default 1.0
    prefix : str, optional
        Default '<mode>_'.
    params : RNNParams, optional

    Examples
    --------
    >>> cell = mx.rnn.FusedRNNCell(8, num_layers=2, mode='gru', prefix='gru_')
    >>> outputs, states = cell.unroll(5, mx.sym.var('data'), layout='TNC', merge_outputs=True)
    >>> stack = cell.unfuse()     # the same network as separate GRUCells
    """

    _MODES = ("rnn_relu", "rnn_tanh", "lstm", "gru")

    def __init__(self, num_hidden, num_layers=1, mode="lstm", bidirectional=False, dropout=0.,
                 get_next_state=False, forget_bias=1.0, prefix=None, params=None):
        if mode not in self._MODES:
            raise MXNetError("FusedRNNCell: mode must be one of %s, found %r" % (self._MODES, mode))
        if prefix is None:
            prefix = "%s_" % mode
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._num_layers = num_layers
        self._mode = mode
        self._bidirectional = bidirectional
        self._dropout = dropout
        self._get_next_state = get_next_state
        self._directions = ["l", "r"] if bidirectional else ["l"]
        from ..initializer import FusedRNN
        init = FusedRNN(None, num_hidden, num_layers, mode, bidirectional, forget_bias)
        self._parameter = self.params.get("parameters", init=init)

    @property
    def state_info(self):
        b = self._bidirectional + 1
        n = (self._mode == "lstm") + 1
        return [{"shape": (b * self._num_layers, 0, self._num_hidden), "__layout__": "LNC"}
                for _ in range(n)]

    @property
    def _gate_names(self):
        return {"rnn_relu": [""], "rnn_tanh": [""], "lstm": ["_i", "_f", "_c", "_o"],
                "gru": ["_r", "_z", "_o"]}[self._mode]

    def _layout_attrs(self):
        """The `RNN` operator's attributes that fix where the packed vector keeps each piece."""
        return {"state_size": self._num_hidden, "projection_size": None, "mode": self._mode,
                "num_layers": self._num_layers, "bidirectional": self._bidirectional}

    def _piece_shapes(self, num_input):
        """[(name, shape)] of the per-gate pieces, in the order the `RNN` operator packs them
        (ops/nn/_rnn_layout.py): a gate's piece of a (G*H, ...) matrix is contiguous, so the
        fused layout cut gate by gate gives exactly these pieces."""
        pieces = []
        for name, shape in param_shapes(self._layout_attrs(), num_input):
            stem, group, kind = name.split("_")         # l0, i2h, weight
            for gate in self._gate_names:
                pieces.append(("%s%s_%s%s_%s" % (self._prefix, stem, group, gate, kind),
                               (self._num_hidden,) + shape[1:]))
        return pieces

    def _input_size(self, size):
        """The input size a packed vector of `size` values fits (MXNetError when none does)."""
        per_gate = len(self._directions) * self._num_hidden * len(self._gate_names)
        upper = param_size(self._layout_attrs(), 0) // per_gate
        num_input = size // per_gate - upper if size % per_gate == 0 else -1
        if num_input < 1:
            raise ShapeError("FusedRNNCell(%s, num_hidden=%d, num_layers=%d, bidirectional=%s): "
                             "%d packed parameters fit no input size (expected %d * (input size "
                             "+ %d))" % (self._mode, self._num_hidden, self._num_layers,
                                         self._bidirectional, size, per_gate, upper))
        return num_input

    def unpack_weights(self, args):
        """Splits the packed `parameters` into one array per layer, direction, group and gate.

        Parameters
        ----------
        args : dict of str to NDArray
            Must hold the packed vector under the cell's parameter name (`<prefix>parameters`);
            other entries are passed through.

        Returns
        -------
        dict of str to NDArray
            `args` without the packed vector, with copies of its pieces named
            `<prefix><l|r><layer>_<i2h|h2h><gate>_<weight|bias>` (e.g. `lstm_l0_i2h_f_weight`,
            `gru_r1_h2h_z_bias`; no gate suffix for rnn_relu/rnn_tanh).

        Examples
        --------
        >>> cell = mx.rnn.FusedRNNCell(2, mode='gru', prefix='gru_')
        >>> args = cell.unpack_weights({'gru_parameters': mx.nd.zeros((3 * 2 * (3 + 2 + 2),))})
        >>> args['gru_l0_i2h_z_weight'].shape
        (2, 3)
        """
        args = args.copy()
        arr = args.pop(self._parameter.name)
        flat = arr.reshape((-1,))
        offset = 0
        for name, shape in self._piece_shapes(self._input_size(flat.size)):
            count = shape[0] * (shape[1] if len(shape) > 1 else 1)
            args[name] = flat[offset:offset + count].reshape(shape).copy()
            offset += count
        return args

    def pack_weights(self, args):
        """The inverse of `unpack_weights`: the per-gate pieces concatenated into `parameters`.

        Parameters
        ----------
        args : dict of str to NDArray
            The pieces `unpack_weights` names (the input size is read from
            `<prefix>l0_i2h<first gate>_weight`); other entries are passed through.

        Returns
        -------
        dict of str to NDArray
            `args` without the pieces, with the packed vector under `<prefix>parameters`.

        Examples
        --------
        >>> cell = mx.rnn.FusedRNNCell(2, mode='gru', prefix='gru_')
        >>> packed = {'gru_parameters': mx.nd.arange(42)}
        >>> cell.pack_weights(cell.unpack_weights(packed))['gru_parameters'].shape
        (42,)
        """
        from .. import ndarray
        args = args.copy()
        first = "%sl0_i2h%s_weight" % (self._prefix, self._gate_names[0])
        if first not in args:
            raise MXNetError("FusedRNNCell.pack_weights: expected the unpacked weight %r (and "
                             "its sibling pieces), found only %s" % (first, sorted(args)))
        pieces = []
        for name, shape in self._piece_shapes(args[first].shape[1]):
            piece = args.pop(name)
            if tuple(piece.shape) != shape:
                raise ShapeError("FusedRNNCell.pack_weights: %s should have shape %s, found %s"
                                 % (name, shape, tuple(piece.shape)))
            pieces.append(piece.reshape((-1,)))
        args[self._parameter.name] = ndarray.concat(*pieces, dim=0)
        return args

    def __call__(self, inputs, states):
        raise NotImplementedError("FusedRNNCell cannot be stepped. Please use unroll")

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        if _registry.find("RNN") is None:
            raise MXNetError("FusedRNNCell.unroll needs the fused RNN operator, which this mxnb "
                             "does not have yet; call cell.unfuse() for the equivalent stack of "
                             "%s cells" % self._mode)
        self.reset()
        inputs, axis = _normalize_sequence(length, inputs, layout, True)
        if axis == 1:
            warnings.warn("NTC layout detected. Consider using TNC for FusedRNNCell for faster "
                          "speed")
            inputs = symbol.swapaxes(inputs, dim1=0, dim2=1)
        elif axis != 0:
            raise FailedCheckError("FusedRNNCell.unroll: layout must be 'TNC' or 'NTC', found %r"
                                   % (layout,))
        if begin_state is None:
            begin_state = self.begin_state()
        states = begin_state
        kwargs = {"state": states[0]}
        if self._mode == "lstm":
            kwargs["state_cell"] = states[1]
        rnn = symbol.RNN(data=inputs, parameters=self._parameter, state_size=self._num_hidden,
                         num_layers=self._num_layers, bidirectional=self._bidirectional,
                         p=self._dropout, state_outputs=self._get_next_state, mode=self._mode,
                         name=self._prefix + "rnn", **kwargs)
        if not self._get_next_state:
            outputs, states = rnn, []
        else:
            states = [rnn[i] for i in range(1, 3 if self._mode == "lstm" else 2)]
            for state in states:
                state._set_attr(__layout__="LNC")
            outputs = rnn[0]
        if axis == 1:
            outputs = symbol.swapaxes(outputs, dim1=0, dim2=1)
        outputs, _ = _normalize_sequence(length, outputs, layout, merge_outputs)
        return outputs, states

    def unfuse(self):
        """The equivalent SequentialRNNCell of unfused cells (same parameter names per layer)."""
        stack = SequentialRNNCell()
        get_cell = {
            "rnn_relu": lambda p: RNNCell(self._num_hidden, activation="relu", prefix=p),
            "rnn_tanh": lambda p: RNNCell(self._num_hidden, activation="tanh", prefix=p),
            "lstm": lambda p: LSTMCell(self._num_hidden, prefix=p),
            "gru": lambda p: GRUCell(self._num_hidden, prefix=p)}[self._mode]
        for i in range(self._num_layers):
            if self._bidirectional:
                stack.add(BidirectionalCell(get_cell("%sl%d_" % (self._prefix, i)),
                                            get_cell("%sr%d_" % (self._prefix, i)),
                                            output_prefix="%sbi_l%d_" % (self._prefix, i)))
            else:
                stack.add(get_cell("%sl%d_" % (self._prefix, i)))
            if self._dropout > 0 and i != self._num_layers - 1:
                stack.add(DropoutCell(self._dropout, prefix="%s_dropout%d_" % (self._prefix, i)))
        return stack


class SequentialRNNCell(BaseRNNCell):
    """Cells stacked: each one's output is the next one's input.

    Example
    -------
    >>> stack = mx.rnn.SequentialRNNCell()
    >>> stack.add(mx.rnn.LSTMCell(8, prefix='l0_'))
    >>> stack.add(mx.rnn.LSTMCell(8, prefix='l1_'))
    """

    def __init__(self, params=None):
        super().__init__(prefix="", params=params)
        self._override_cell_params = params is not None
        self._cells = []

    def add(self, cell):
        """Appends a cell."""
        self._cells.append(cell)
        if self._override_cell_params:
            if not cell._own_params:
                raise MXNetError("Either specify params for SequentialRNNCell or child cells, "
                                 "not both.")
            cell.params._params.update(self.params._params)
        self.params._params.update(cell.params._params)

    @property
    def state_info(self):
        return [info for cell in self._cells for info in cell.state_info]

    def begin_state(self, **kwargs):
        if self._modified:
            raise MXNetError("After applying modifier cells the base cell cannot be called "
                             "directly. Call the modifier cell instead.")
        return [s for cell in self._cells for s in cell.begin_state(**kwargs)]

    def unpack_weights(self, args):
        for cell in self._cells:
            args = cell.unpack_weights(args)
        return args

    def pack_weights(self, args):
        for cell in self._cells:
            args = cell.pack_weights(args)
        return args

    def __call__(self, inputs, states):
        self._counter += 1
        next_states = []
        p = 0
        for cell in self._cells:
            if isinstance(cell, BidirectionalCell):
                raise MXNetError("BidirectionalCell cannot be stepped; use unroll")
            n = len(cell.state_info)
            inputs, state = cell(inputs, states[p:p + n])
            p += n
            next_states.append(state)
        return inputs, sum(next_states, [])

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        self.reset()
        num_cells = len(self._cells)
        if begin_state is None:
            begin_state = self.begin_state()
        p = 0
        next_states = []
        for i, cell in enumerate(self._cells):
            n = len(cell.state_info)
            states = begin_state[p:p + n]
            p += n
            inputs, states = cell.unroll(length, inputs=inputs, begin_state=states, layout=layout,
                                         merge_outputs=None if i < num_cells - 1 else merge_outputs)
            next_states.extend(states)
        return inputs, next_states


class DropoutCell(BaseRNNCell):
    """Dropout on the inputs (no states).

    Parameters
    ----------
    dropout : float
    prefix : str, default 'dropout_'
    """

    def __init__(self, dropout, prefix="dropout_", params=None):
        super().__init__(prefix, params)
        self.dropout = dropout

    @property
    def state_info(self):
        return []

    def __call__(self, inputs, states):
        if self.dropout > 0:
            inputs = symbol.Dropout(data=inputs, p=self.dropout)
        return inputs, states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        self.reset()
        inputs, _ = _normalize_sequence(length, inputs, layout, merge_outputs)
        if isinstance(inputs, symbol.Symbol):
            return self(inputs, [])
        return super().unroll(length, inputs, begin_state=begin_state, layout=layout,
                              merge_outputs=merge_outputs)


class ModifierCell(BaseRNNCell):
    """The base class of cells that wrap another cell and change its behaviour."""

    def __init__(self, base_cell):
        super().__init__()
        base_cell._modified = True
        self.base_cell = base_cell

    @property
    def params(self):
        self._own_params = False
        return self.base_cell.params

    @property
    def state_info(self):
        return self.base_cell.state_info

    def begin_state(self, init_sym=None, **kwargs):
        if self._modified:
            raise MXNetError("After applying modifier cells the base cell cannot be called "
                             "directly. Call the modifier cell instead.")
        self.base_cell._modified = False
        begin = self.base_cell.begin_state(**kwargs) if init_sym is None else \
            self.base_cell.begin_state(init_sym, **kwargs)
        self.base_cell._modified = True
        return begin

    def unpack_weights(self, args):
        return self.base_cell.unpack_weights(args)

    def pack_weights(self, args):
        return self.base_cell.pack_weights(args)

    def __call__(self, inputs, states):
        raise NotImplementedError


class ZoneoutCell(ModifierCell):
    """Zoneout: randomly keeps the previous output/states instead of the new ones in training.

    Parameters
    ----------
    base_cell : BaseRNNCell
    zoneout_outputs, zoneout_states : float, default 0
    """

    def __init__(self, base_cell, zoneout_outputs=0., zoneout_states=0.):
        if isinstance(base_cell, (FusedRNNCell, BidirectionalCell)):
            raise MXNetError("%s doesn't support zoneout. Please unfuse first."
                             % type(base_cell).__name__)
        super().__init__(base_cell)
        self.zoneout_outputs = zoneout_outputs
        self.zoneout_states = zoneout_states
        self.prev_output = None

    def reset(self):
        super().reset()
        self.prev_output = None

    def __call__(self, inputs, states):
        cell, p_outputs, p_states = self.base_cell, self.zoneout_outputs, self.zoneout_states
        next_output, next_states = cell(inputs, states)

        def mask(p, like):
            return symbol.Dropout(symbol.ones_like(like), p=p)
        prev_output = self.prev_output if self.prev_output is not None else symbol.zeros_like(next_output)
        output = (symbol.where(mask(p_outputs, next_output), next_output, prev_output)
                  if p_outputs != 0. else next_output)
        states = ([symbol.where(mask(p_states, new_s), new_s, old_s)
                   for new_s, old_s in zip(next_states, states)] if p_states != 0. else next_states)
        self.prev_output = output
        return output, states


class ResidualCell(ModifierCell):
    """Adds the cell's input to its output (a residual connection)."""

    def __call__(self, inputs, states):
        output, states = self.base_cell(inputs, states)
        output = symbol.elemwise_add(output, inputs, name="%s_plus_residual" % output.name)
        return output, states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        self.reset()
        self.base_cell._modified = False
        outputs, states = self.base_cell.unroll(length, inputs=inputs, begin_state=begin_state,
                                                layout=layout, merge_outputs=merge_outputs)
        self.base_cell._modified = True
        merge_outputs = isinstance(outputs, symbol.Symbol) if merge_outputs is None else merge_outputs
        inputs, _ = _normalize_sequence(length, inputs, layout, merge_outputs)
        if merge_outputs:
            outputs = symbol.elemwise_add(outputs, inputs, name="%s_plus_residual" % outputs.name)
        else:
            outputs = [symbol.elemwise_add(o, i, name="%s_plus_residual" % o.name)
                       for o, i in zip(outputs, inputs)]
        return outputs, states


class BidirectionalCell(BaseRNNCell):
    """Runs one cell forwards and one backwards over the sequence and concatenates their
    outputs.

    Parameters
    ----------
    l_cell, r_cell : BaseRNNCell
    params : RNNParams, optional
    output_prefix : str, default 'bi_'
    """

    def __init__(self, l_cell, r_cell, params=None, output_prefix="bi_"):
        super().__init__("", params=params)
        self._output_prefix = output_prefix
        self._override_cell_params = params is not None
        if self._override_cell_params:
            if not (l_cell._own_params and r_cell._own_params):
                raise MXNetError("Either specify params for BidirectionalCell or child cells, "
                                 "not both.")
            l_cell.params._params.update(self.params._params)
            r_cell.params._params.update(self.params._params)
        self.params._params.update(l_cell.params._params)
        self.params._params.update(r_cell.params._params)
        self._cells = [l_cell, r_cell]

    def unpack_weights(self, args):
        for cell in self._cells:
            args = cell.unpack_weights(args)
        return args

    def pack_weights(self, args):
        for cell in self._cells:
            args = cell.pack_weights(args)
        return args

    def __call__(self, inputs, states):
        raise NotImplementedError("Bidirectional cannot be stepped. Please use unroll")

    @property
    def state_info(self):
        return [info for cell in self._cells for info in cell.state_info]

    def begin_state(self, **kwargs):
        if self._modified:
            raise MXNetError("After applying modifier cells the base cell cannot be called "
                             "directly. Call the modifier cell instead.")
        return [s for cell in self._cells for s in cell.begin_state(**kwargs)]

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        self.reset()
        inputs, axis = _normalize_sequence(length, inputs, layout, False)
        if begin_state is None:
            begin_state = self.begin_state()
        states = begin_state
        l_cell, r_cell = self._cells
        n_l = len(l_cell.state_info)
        l_outputs, l_states = l_cell.unroll(length, inputs=inputs, begin_state=states[:n_l],
                                            layout=layout, merge_outputs=False)
        r_outputs, r_states = r_cell.unroll(length, inputs=list(reversed(inputs)),
                                            begin_state=states[n_l:], layout=layout,
                                            merge_outputs=False)
        if merge_outputs is None:
            merge_outputs = False
        outputs = [symbol.Concat(l_o, r_o, dim=1, name="%st%d" % (self._output_prefix, i))
                   for i, (l_o, r_o) in enumerate(zip(l_outputs, reversed(r_outputs)))]
        if merge_outputs:
            outputs = [symbol.expand_dims(o, axis=axis) for o in outputs]
            outputs = symbol.Concat(*outputs, dim=axis)
        return outputs, l_states + r_states
