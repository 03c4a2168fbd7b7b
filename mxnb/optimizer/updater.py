"""Updater: applies an optimizer to indexed weights and keeps their states (MXNet's `Updater`)."""
from ..base import MXNetError
from ..ndarray import NDArray
from . import state_io
from .optimizer import Optimizer

__all__ = ["Updater", "get_updater"]


class Updater:
    """Calls `optimizer.update_multi_precision`, creating each index's state on first use.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose `update_multi_precision` applies each update.

    Examples
    --------
    >>> opt = mx.optimizer.SGD(learning_rate=0.1)
    >>> updater = mx.optimizer.Updater(opt)     # also: mx.optimizer.get_updater(opt)
    >>> weight, grad = mx.nd.ones((2,)), mx.nd.ones((2,))
    >>> updater(0, grad, weight)
    >>> weight
    <BLANKLINE>
    [0.9 0.9]
    <NDArray 2 @cpu(0)>
    """

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.states = {}
        self.states_synced = {}
        self.aggregate_updates = optimizer.aggregate_num > 0

    def __call__(self, index, grad, weight):
        """Updates weight(s) from grad(s): one index, or lists of each. With an optimizer that
        aggregates (`aggregate_num` > 0), weights of one dtype are updated `aggregate_num` at
        a time by one call of the optimizer (one multi_ operator call)."""
        if not isinstance(index, (list, tuple)):
            indices, grads, weights = [index], [grad], [weight]
        else:
            indices, grads, weights = list(index), list(grad), list(weight)
        if weights:
            self.optimizer._set_current_context(weights[0].context.device_id)
        states, synced = self.states, self.states_synced
        for i, idx in enumerate(indices):
            if synced.get(idx):         # the usual case after the first step: nothing to do
                continue
            if isinstance(idx, bytes):
                idx = indices[i] = idx.decode("utf-8")
            if idx not in states:
                states[idx] = self.optimizer.create_state_multi_precision(idx, weights[i])
                synced[idx] = True
            elif not synced[idx]:
                states[idx] = self.sync_state_context(states[idx], weights[i].context)
                synced[idx] = True
        size = self.optimizer.aggregate_num
        if self.aggregate_updates and size > 0:
            for group in _by_dtype(indices, weights, grads):
                idxs, ws, gs = group
                for start in range(0, len(idxs), size):
                    end = start + size
                    chunk = idxs[start:end]
                    self.optimizer.update_multi_precision(chunk, ws[start:end], gs[start:end],
                                                          [states[i] for i in chunk])
        else:
            for i, w, g in zip(indices, weights, grads):
                self.optimizer.update_multi_precision(i, w, g, states[i])

    def sync_state_context(self, state, context):
        """`state` with every NDArray in it moved to `context`."""
        if isinstance(state, NDArray):
            return state.as_in_context(context)
        if isinstance(state, (tuple, list)):
            synced = [self.sync_state_context(s, context) for s in state]
            return tuple(synced) if isinstance(state, tuple) else synced
        return state

    def get_states(self, dump_optimizer=False):
        """The states as bytes (no pickle); with the optimizer's settings if `dump_optimizer`."""
        payload = {"states": self.states}
        if dump_optimizer:
            payload["optimizer"] = _optimizer_settings(self.optimizer)
        return state_io.dumps(payload)

    def set_states(self, states):
        """Restores what `get_states` wrote (and the optimizer, if it was saved)."""
        payload = state_io.loads(states)
        if not isinstance(payload, dict) or "states" not in payload:
            raise MXNetError("set_states: expected bytes from Updater.get_states, found a %s"
                             % type(payload).__name__)
        self.states = payload["states"]
        if "optimizer" in payload:
            self.optimizer = _optimizer_from_settings(payload["optimizer"])
        self.states_synced = dict.fromkeys(self.states.keys(), False)


def _by_dtype(indices, weights, grads):
    """(indices, weights, grads) per weight dtype, in first-seen order (one group, the lists
    themselves, when every weight has the same dtype: the usual case)."""
    first = weights[0].dtype if weights else None
    for w in weights:
        if w.dtype != first:
            break
    else:
        return [(indices, weights, grads)] if weights else []
    groups = {}
    for i, w, g in zip(indices, weights, grads):
        group = groups.get(w.dtype)
        if group is None:
            group = groups[w.dtype] = ([], [], [])
        group[0].append(i)
        group[1].append(w)
        group[2].append(g)
    return list(groups.values())


_MISSING = object()
_PLAIN = (type(None), bool, int, float, str)


def _settings(obj):
    """An object's plain attributes (numbers, strings, and containers of them)."""
    out = {}
    for key, value in vars(obj).items():
        if key == "param_dict":  # gluon Parameters: the trainer sets them again
            continue
        if isinstance(value, _PLAIN) or (isinstance(value, (dict, list, tuple)) and _is_plain(value)):
            out[key] = value
    return out


def _is_plain(value):
    if isinstance(value, dict):
        return all(_is_plain(k) and _is_plain(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    return isinstance(value, _PLAIN)


def _optimizer_settings(optimizer):
    settings = {"class": type(optimizer).__name__.lower(), "attrs": _settings(optimizer)}
    scheduler = getattr(optimizer, "lr_scheduler", None)
    if scheduler is not None:
        settings["lr_scheduler"] = [type(scheduler).__name__, _settings(scheduler)]
    return settings


def _optimizer_from_settings(settings):
    klass = Optimizer.opt_registry.get(settings["class"])
    if klass is None:
        raise MXNetError("set_states: the saved optimizer %r is not registered; registered are %s"
                         % (settings["class"], sorted(Optimizer.opt_registry)))
    optimizer = klass.__new__(klass)
    optimizer.__dict__.update(settings["attrs"])
    optimizer.param_dict = {}
    optimizer._index_update_count = optimizer._all_index_update_counts.setdefault(0, {})
    optimizer.sym_info = ()
    optimizer.lr_scheduler = None
    if "lr_scheduler" in settings:
        from .. import lr_scheduler as schedulers
        name, attrs = settings["lr_scheduler"]
        sched_class = getattr(schedulers, name, None)
        if sched_class is None:
            raise MXNetError("set_states: unknown learning-rate scheduler %r" % name)
        scheduler = sched_class.__new__(sched_class)
        scheduler.__dict__.update(attrs)
        optimizer.lr_scheduler = scheduler
    return optimizer


def get_updater(optimizer):
    """An Updater closure for `optimizer` (what a kvstore or trainer calls per weight)."""
    return Updater(optimizer)
