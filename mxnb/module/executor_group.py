"""DataParallelExecutorGroup: one executor per context, each taking a slice of the batch
(MXNet's `mx.module.executor_group`).

Parameters live on every context; `get_params` averages them back, and the module sums the
contexts' gradients before an update (a 'local' kvstore's reduction).
"""
import logging

import numpy as np

from ..base import MXNetError, ShapeError
from .. import ndarray as nd
from ..io.data_desc import DataDesc

__all__ = ["DataParallelExecutorGroup", "split_input_slice"]


def split_input_slice(batch_size, work_load_list):
    """Slices of a batch proportional to `work_load_list` (one per context)."""
    total = float(sum(work_load_list))
    sizes = [int(round(w * batch_size / total)) for w in work_load_list]
    sizes[-1] = batch_size - sum(sizes[:-1])
    slices, begin = [], 0
    for size in sizes:
        end = min(begin + size, batch_size)
        if begin >= end:
            raise MXNetError("batch of %d samples is too small to split over %d contexts "
                             "(work loads %s)" % (batch_size, len(work_load_list), work_load_list))
        slices.append(slice(begin, end))
        begin = end
    return slices


def _as_descs(shapes):
    """DataDescs from DataDescs or plain (name, shape) tuples, as MXNet wraps them."""
    if shapes is None:
        return None
    return [s if isinstance(s, DataDesc) else DataDesc(*s) for s in shapes]


def batch_axis(layout):
    """The position of N in a layout string ('NCHW' -> 0); 0 when there is no layout."""
    if not layout:
        return 0
    return layout.find("N")


def _slice_along(array, axis, islice):
    if axis == 0:
        return array[islice]
    return nd.slice_axis(array, axis=axis, begin=islice.start, end=islice.stop)


def _merge(arrays, axis):
    """One array from per-context pieces (concatenated along the batch axis)."""
    if len(arrays) == 1:
        return arrays[0]
    if axis < 0:   # no batch axis: every context holds the same thing
        return arrays[0]
    ctx = arrays[0].context
    return nd.concat(*[a.as_in_context(ctx) for a in arrays], dim=axis)


class DataParallelExecutorGroup:
    """Executors of one symbol on several contexts, each bound to a slice of the batch.

    Parameters
    ----------
    symbol : Symbol
    contexts : list of Context
    workload : list of float
        Share of the batch each context takes.
    data_shapes, label_shapes : list of DataDesc or of (name, shape) tuples
    param_names : list of str
    for_training, inputs_need_grad : bool
    shared_group : DataParallelExecutorGroup, optional
        A group whose parameter arrays are reused (bucketing). The groups then keep one
        `shared_data_arrays` table: per context, every argument that is not a parameter
        (inputs, and arguments outside `param_names`), by name.
    fixed_param_names : list of str, optional
        Parameters that get no gradient.
    grad_req : str, list or dict, default 'write'
    state_names : list of str, optional
    """

    def __init__(self, symbol, contexts, workload, data_shapes, label_shapes, param_names,
                 for_training, inputs_need_grad, shared_group=None, logger=logging,
                 fixed_param_names=None, grad_req="write", state_names=None, group2ctxs=None):
        self.param_names = list(param_names)
        self.arg_names = symbol.list_arguments()
        self.aux_names = symbol.list_auxiliary_states()
        self.symbol = symbol
        self.contexts = list(contexts)
        self.workload = list(workload)
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self.logger = logger
        self.fixed_param_names = list(fixed_param_names or [])
        self.state_names = list(state_names or [])
        self.shared_group = shared_group
        # One table for a group and every group sharing it, as MXNet's shared buffer.
        self.shared_data_arrays = (shared_group.shared_data_arrays if shared_group is not None
                                   else [{} for _ in self.contexts])
        self.execs = []
        self.batch_size = None
        self.slices = None
        data_shapes, label_shapes = _as_descs(data_shapes), _as_descs(label_shapes)
        self.grad_req = self._grad_reqs(grad_req, [d.name for d in data_shapes])
        self.bind_exec(data_shapes, label_shapes, shared_group)

    def _grad_reqs(self, grad_req, data_names):
        if not self.for_training:
            return {name: "null" for name in self.arg_names}
        if isinstance(grad_req, str):
            return self._default_grad_reqs(grad_req, data_names)
        if isinstance(grad_req, (list, tuple)):
            if len(grad_req) != len(self.arg_names):
                raise MXNetError("grad_req has %d entries for %d arguments %s"
                                 % (len(grad_req), len(self.arg_names), self.arg_names))
            return dict(zip(self.arg_names, grad_req))
        if isinstance(grad_req, dict):
            # MXNet: the names not in the dict get what grad_req='write' gives them.
            reqs = self._default_grad_reqs("write", data_names)
            reqs.update(grad_req)
            return reqs
        raise MXNetError("grad_req must be a str, list or dict, found %s" % type(grad_req).__name__)

    def _default_grad_reqs(self, grad_req, data_names):
        """`grad_req` for the parameters not fixed, and for the data if inputs need grad."""
        reqs = {}
        for name in self.arg_names:
            if name in self.param_names:
                reqs[name] = "null" if name in self.fixed_param_names else grad_req
            elif name in data_names:
                reqs[name] = grad_req if self.inputs_need_grad else "null"
            else:
                reqs[name] = "null"
        return reqs

    # --- binding -----------------------------------------------------------------------------
    def decide_slices(self, data_shapes):
        axes = [batch_axis(getattr(d, "layout", "NCHW")) for d in data_shapes]
        sizes = {d.shape[axis] for d, axis in zip(data_shapes, axes) if axis >= 0}
        if len(sizes) != 1:
            raise ShapeError("all data must have the same batch size; found batch sizes %s in %s"
                             % (sorted(sizes), [(d.name, d.shape) for d in data_shapes]))
        self.batch_size = sizes.pop()
        self.slices = split_input_slice(self.batch_size, self.workload)
        return axes

    def _sliced_shapes(self, shapes, islice, axes):
        out = {}
        for desc, axis in zip(shapes, axes):
            shape = list(desc.shape)
            if axis >= 0:
                shape[axis] = islice.stop - islice.start
            out[desc.name] = tuple(shape)
        return out

    def bind_exec(self, data_shapes, label_shapes, shared_group=None, reshape=False):
        """Binds (or, with reshape, re-binds) one executor per context."""
        data_shapes, label_shapes = _as_descs(data_shapes), _as_descs(label_shapes)
        label_shapes = list(label_shapes or [])
        self.data_shapes = list(data_shapes)
        self.label_shapes = label_shapes
        self.data_names = [d.name for d in data_shapes]
        self.label_names = [d.name for d in label_shapes]
        self.data_layouts = self.decide_slices(self.data_shapes)
        self.label_layouts = [batch_axis(getattr(d, "layout", "NCHW")) for d in label_shapes]
        all_shapes = self.data_shapes + label_shapes
        all_axes = self.data_layouts + self.label_layouts
        inputs = set(self.symbol.list_inputs())
        type_dict = {d.name: getattr(d, "dtype", np.float32) for d in all_shapes if d.name in inputs}
        execs = []
        for i, ctx in enumerate(self.contexts):
            shapes = self._sliced_shapes(all_shapes, self.slices[i], all_axes)
            shapes = {k: v for k, v in shapes.items() if k in inputs}
            if reshape:
                execs.append(self.execs[i].reshape(allow_up_sizing=True,
                                                   **shapes))
                continue
            shared = shared_group.execs[i] if shared_group is not None else None
            try:
                exe = self.symbol.simple_bind(ctx, grad_req=self.grad_req, type_dict=type_dict,
                                              shared_exec=shared, **shapes)
            except MXNetError as exc:
                raise ShapeError("cannot bind the symbol with input shapes %s: %s" % (shapes, exc)) from None
            execs.append(exe)
        old = self.execs
        self.execs = execs
        if not reshape:
            self._share_non_params()
        self._collect_arrays()
        monitor = getattr(self, "_monitor", None)
        if reshape and monitor is not None:
            # The new executors replace the old ones in the monitor.
            monitor.exes = [e for e in monitor.exes if all(e is not o for o in old)]
            for exe in execs:
                monitor.install(exe)

    def _share_non_params(self):
        """Records every non-parameter argument of the executors in `shared_data_arrays`, as
        MXNet's shared buffer does: a name is added once, and replaced only by a larger array."""
        for table, exe in zip(self.shared_data_arrays, self.execs):
            for name, arr in exe.arg_dict.items():
                if name in self.param_names:
                    continue
                known = table.get(name)
                if known is None or known.size < arr.size:
                    table[name] = arr

    def _collect_arrays(self):
        execs = self.execs
        self.data_arrays = [[(self.slices[i], e.arg_dict[name]) for i, e in enumerate(execs)]
                            for name in self.data_names]
        self.label_arrays = [[(self.slices[i], e.arg_dict[name]) for i, e in enumerate(execs)]
                             for name in self.label_names if name in execs[0].arg_dict]
        self.state_arrays = [[e.arg_dict[name] for e in execs] for name in self.state_names]
        self.param_arrays = [[e.arg_arrays[i] for e in execs]
                             for i, name in enumerate(self.arg_names) if name in self.param_names]
        if self.for_training:
            self.grad_arrays = [[e.grad_arrays[i] for e in execs]
                                for i, name in enumerate(self.arg_names) if name in self.param_names]
        else:
            self.grad_arrays = None
        data_idx = [self.arg_names.index(name) for name in self.data_names if name in self.arg_names]
        if self.inputs_need_grad:
            self.input_grad_arrays = [[e.grad_arrays[i] for e in execs] for i in data_idx]
        else:
            self.input_grad_arrays = None
        self.aux_arrays = [[e.aux_arrays[i] for e in execs] for i in range(len(self.aux_names))]
        # An output's batch axis comes from its __layout__ attribute ('TNC' -> 1), as in MXNet.
        self.output_layouts = [batch_axis(self.symbol[i].attr("__layout__"))
                               for i in range(len(self.symbol.list_outputs()))]

    def reshape(self, data_shapes, label_shapes):
        """Re-binds for new input shapes, keeping the parameters."""
        if list(data_shapes) == self.data_shapes and list(label_shapes or []) == self.label_shapes:
            return
        self.bind_exec(data_shapes, label_shapes, reshape=True)

    # --- parameters --------------------------------------------------------------------------
    def set_params(self, arg_params, aux_params, allow_extra=False):
        for exe in self.execs:
            exe.copy_params_from(arg_params, aux_params, allow_extra_params=allow_extra)

    def get_params(self, arg_params, aux_params):
        """Copies the parameters, averaged over contexts, into `arg_params` / `aux_params`."""
        for names, blocks, target in ((self.param_names, self.param_arrays, arg_params),
                                      (self.aux_names, self.aux_arrays, aux_params)):
            for name, block in zip(names, blocks):
                if len(block) == 1:
                    weight = block[0].copyto(target[name].context)
                else:
                    weight = sum(w.copyto(target[name].context) for w in block) / len(block)
                weight.astype(target[name].dtype).copyto(target[name])

    # --- running -----------------------------------------------------------------------------
    def _load(self, sources, targets, axes, kind):
        for name, src, dst, axis in zip(self.data_names if kind == "data" else self.label_names,
                                        sources, targets, axes):
            for islice, target in dst:
                piece = _slice_along(src, axis, islice) if len(dst) > 1 else src
                if tuple(piece.shape) != tuple(target.shape):
                    raise ShapeError("%s %r: the batch has shape %s, the module was bound for %s"
                                     % (kind, name, tuple(src.shape), tuple(target.shape)))
                if not isinstance(piece, nd.NDArray):
                    piece = nd.array(piece, dtype=target.dtype)
                piece.copyto(target)

    def forward(self, data_batch, is_train=None):
        data = data_batch.data
        if len(data) != len(self.data_arrays):
            raise MXNetError("the batch has %d data arrays, the module takes %d: %s"
                             % (len(data), len(self.data_arrays), self.data_names))
        self._load(data, self.data_arrays, self.data_layouts, "data")
        if is_train is None:
            is_train = self.for_training
        labels = getattr(data_batch, "label", None)
        if self.label_arrays and labels:
            self._load(labels, self.label_arrays, self.label_layouts, "label")
        for exe in self.execs:
            exe.forward(is_train=is_train)

    def get_output_shapes(self):
        exe = self.execs[0]
        known = {n: a.shape for n, a in list(exe.arg_dict.items()) + list(exe.aux_dict.items())}
        _, out_shapes, _ = self.symbol.infer_shape(**known)
        shapes = []
        for name, out, axis in zip(self.symbol.list_outputs(), out_shapes, self.output_layouts):
            shape = list(out)
            if axis >= 0 and shape:
                shape[axis] = self.batch_size
            shapes.append((name, tuple(shape)))
        return shapes

    def get_outputs(self, merge_multi_context=True, begin=0, end=None):
        if end is None:
            end = len(self.execs[0].outputs)
        outputs = [[e.outputs[i] for e in self.execs] for i in range(begin, end)]
        if merge_multi_context:
            return [_merge(o, axis) for o, axis in zip(outputs, self.output_layouts[begin:end])]
        return outputs

    def get_states(self, merge_multi_context=True):
        if merge_multi_context:
            return [_merge(s, 0) for s in self.state_arrays]
        return self.state_arrays

    def set_states(self, states=None, value=None):
        if states is not None:
            for src_block, dst_block in zip(states, self.state_arrays):
                for src, dst in zip(src_block, dst_block):
                    src.copyto(dst)
        else:
            for block in self.state_arrays:
                for dst in block:
                    dst[:] = value

    def get_input_grads(self, merge_multi_context=True):
        if not self.inputs_need_grad:
            raise MXNetError("get_input_grads: the module was bound with inputs_need_grad=False")
        if merge_multi_context:
            return [_merge(g, axis) for g, axis in zip(self.input_grad_arrays, self.data_layouts)]
        return self.input_grad_arrays

    def backward(self, out_grads=None):
        if not self.for_training:
            raise MXNetError("backward: the module was bound with for_training=False")
        for i, exe in enumerate(self.execs):
            if out_grads is None:
                exe.backward()
                continue
            pieces = []
            for grad, axis in zip(out_grads, self.output_layouts):
                piece = _slice_along(grad, axis, self.slices[i]) if len(self.execs) > 1 else grad
                pieces.append(piece.as_in_context(self.contexts[i]))
            exe.backward(out_grads=pieces)

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        for i, exe in enumerate(self.execs):
            if pre_sliced:
                labels_slice = labels[i]
            elif len(self.execs) == 1:
                labels_slice = labels
            else:
                labels_slice = [_slice_along(label, axis, self.slices[i])
                                for label, axis in zip(labels, self.label_layouts or [0] * len(labels))]
            preds = dict(zip(self.symbol.list_outputs(), exe.outputs))
            if isinstance(labels_slice, dict):
                labels_ = labels_slice
            else:
                labels_ = dict(zip(self.label_names, labels_slice))
            eval_metric.update_dict(labels_, preds)

    def install_monitor(self, mon):
        self._monitor = mon
        for exe in self.execs:
            mon.install(exe)
