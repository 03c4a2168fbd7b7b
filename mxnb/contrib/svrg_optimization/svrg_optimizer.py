"""The optimizers behind `SVRGModule` (MXNet 1.x's `mx.contrib.svrg_optimization.svrg_optimizer`).

`_SVRGOptimizer` routes each update by parameter name: a full-gradient key (`<param>_full`, which
`SVRGModule` adds to a kvstore to sum full gradients over devices and workers) goes to
`_AssignmentOptimizer`, which stores the pushed value as is; every other parameter goes to the
optimizer the user asked for (`default_opt`). Both are meant for `SVRGModule` only.
"""
from ...base import MXNetError, ArgumentTypeError
from ... import optimizer as opt

__all__ = ["_AssignmentOptimizer", "_SVRGOptimizer"]

# The Optimizer constructor's own arguments: `_SVRGOptimizer` keeps these for itself and hands
# every argument (these and the default optimizer's own, e.g. momentum) to the default optimizer.
_BASE_PARAMS = ("rescale_grad", "param_idx2name", "wd", "clip_gradient", "learning_rate",
                "lr_scheduler", "sym", "begin_num_update", "multi_precision", "param_dict")

# The suffix SVRGModule gives the kvstore keys that accumulate full gradients.
FULL_SUFFIX = "_full"


class UnknownParameterIndexError(MXNetError, KeyError):
    """An optimizer index that names no parameter (a KeyError, as MXNet raises)."""

    def __str__(self):      # KeyError would quote the message
        return MXNetError.__str__(self)


@opt.register
class _AssignmentOptimizer(opt.Optimizer):
    """Stores the pushed value into the weight: ``weight[:] = grad``.

    `SVRGModule` sets it (through `_SVRGOptimizer`) on a kvstore's full-gradient keys, so that
    pushing the per-device full gradients leaves their sum in the store.

    Parameters
    ----------
    **kwargs
        The `Optimizer` arguments (accepted, unused: nothing is scaled or decayed).

    Returns
    -------
    _AssignmentOptimizer

    Examples
    --------
    >>> assign = mx.optimizer.create('_AssignmentOptimizer')
    >>> weight = mx.nd.zeros((2,))
    >>> assign.update(0, weight, mx.nd.array([3, 4]), None)
    >>> weight.asnumpy().tolist()
    [3.0, 4.0]
    """

    def update(self, index, weight, grad, state):
        """Assigns `grad` to `weight`, in place.

        Parameters
        ----------
        index : int or str
            The parameter's index (unused: the assignment is the same for every parameter).
        weight : NDArray
            The array to overwrite.
        grad : NDArray
            The value to store (the summed full gradients).
        state : any
            Unused (`create_state` gives None).

        Returns
        -------
        None
        """
        weight[:] = grad


@opt.register
class _SVRGOptimizer(opt.Optimizer):
    """Updates full-gradient keys by assignment and every other parameter with `default_opt`.

    A parameter is a full-gradient key when its name (from `param_idx2name`) ends in ``_full``.

    Parameters
    ----------
    default_optimizer : str or Optimizer
        The optimizer for the model's parameters; a name is created with all the other keyword
        arguments (e.g. ``learning_rate``, ``momentum``).
    **kwargs
        The `Optimizer` arguments (``learning_rate``, ``rescale_grad``, ``param_idx2name``,
        ``wd`` ...) and the default optimizer's own.

    Returns
    -------
    _SVRGOptimizer

    Examples
    --------
    >>> svrg = mx.optimizer.create('_SVRGOptimizer', default_optimizer='sgd', learning_rate=1.0,
    ...                            param_idx2name={0: 'w', 1: 'w_full'})
    >>> w, w_full = mx.nd.zeros((2,)), mx.nd.zeros((2,))
    >>> svrg.update(0, w, mx.nd.ones((2,)), svrg.create_state(0, w))   # SGD step
    >>> svrg.update(1, w_full, mx.nd.ones((2,)) * 5, None)              # assignment
    >>> w.asnumpy().tolist(), w_full.asnumpy().tolist()
    ([-1.0, -1.0], [5.0, 5.0])
    """

    def __init__(self, default_optimizer, **kwargs):
        super().__init__(**self._check_params(**kwargs))
        if isinstance(default_optimizer, str):
            self.default_opt = opt.create(default_optimizer, **kwargs)
        elif isinstance(default_optimizer, opt.Optimizer):
            self.default_opt = default_optimizer
        else:
            raise ArgumentTypeError(
                "_SVRGOptimizer: default_optimizer must be an optimizer name or an Optimizer, "
                "found %s" % type(default_optimizer).__name__)
        self.aux_opt = opt.create(_AssignmentOptimizer.__name__)

    @staticmethod
    def _check_params(**kwargs):
        """The arguments of `kwargs` that the `Optimizer` constructor takes.

        Parameters
        ----------
        **kwargs
            All the optimizer arguments.

        Returns
        -------
        dict
            Those of `kwargs` named in the `Optimizer` constructor.
        """
        return {key: value for key, value in kwargs.items() if key in _BASE_PARAMS}

    def _routed(self, index):
        """The optimizer for `index`: the assignment one for a full-gradient key."""
        if self._check_index(index).endswith(FULL_SUFFIX):
            return self.aux_opt
        return self.default_opt

    def update(self, index, weight, grad, state):
        """Updates `weight` with `default_opt`, or assigns `grad` to a full-gradient key.

        Parameters
        ----------
        index : int or str
            The parameter's index in `idx2name`, or its name (a kvstore with string keys).
        weight : NDArray
            The parameter to update.
        grad : NDArray
            Its gradient (for a full-gradient key: the summed full gradients).
        state : any
            What `create_state` gave for this index.

        Returns
        -------
        None
        """
        self._routed(index).update(index, weight, grad, state)

    def create_state(self, index, weight):
        """The state of `index`'s optimizer for `weight` (None for a full-gradient key).

        Parameters
        ----------
        index : int or str
            The parameter's index in `idx2name`, or its name.
        weight : NDArray
            The parameter.

        Returns
        -------
        any
            The routed optimizer's state (e.g. SGD's momentum, or None).
        """
        return self._routed(index).create_state(index, weight)

    def _check_index(self, index):
        """The parameter name of `index` (an index of `idx2name`, or a name already).

        Parameters
        ----------
        index : int or str

        Returns
        -------
        str
        """
        if index in self.idx2name.values():
            return index
        try:
            return self.idx2name[index]
        except (KeyError, TypeError):
            raise UnknownParameterIndexError(
                "_SVRGOptimizer: index %r is neither a key nor a name of param_idx2name %s"
                % (index, self.idx2name)) from None
