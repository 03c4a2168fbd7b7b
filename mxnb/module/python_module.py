"""PythonModule and PythonLossModule: modules computed by Python code instead of a symbol
(MXNet's `mx.mod.PythonModule`, e.g. a custom loss at the end of a SequentialModule)."""
import logging

from ..base import MXNetError
from ..initializer import Uniform
from .. import ndarray as nd
from .base_module import BaseModule, parse_data_desc

__all__ = ["PythonModule", "PythonLossModule"]


class PythonModule(BaseModule):
    """A module without parameters whose forward/backward are written in Python.

    Parameters
    ----------
    data_names, label_names, output_names : list of str
    logger : Logger
    """

    def __init__(self, data_names, label_names, output_names, logger=logging):
        super().__init__(logger=logger)
        self._data_names = list(data_names)
        self._label_names = list(label_names) if label_names is not None else []
        self._output_names = list(output_names)
        self._data_shapes = None
        self._label_shapes = None
        self._output_shapes = None

    @property
    def data_names(self):
        """As `Module.data_names`, for Python-computed modules."""
        return self._data_names

    @property
    def output_names(self):
        """As `Module.output_names`, for Python-computed modules."""
        return self._output_names

    @property
    def data_shapes(self):
        """As `Module.data_shapes`, for Python-computed modules."""
        return self._data_shapes

    @property
    def label_shapes(self):
        """As `Module.label_shapes`, for Python-computed modules."""
        return self._label_shapes

    @property
    def output_shapes(self):
        """As `Module.output_shapes`, for Python-computed modules."""
        return self._output_shapes

    def get_params(self):
        """No parameters: ({}, {})."""
        return (dict(), dict())

    def init_params(self, initializer=Uniform(0.01), arg_params=None, aux_params=None,
                    allow_missing=False, force_init=False, allow_extra=False):
        """Nothing to initialize."""

    def update(self):
        """Nothing to update."""

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        """Evaluates on the outputs when the module takes labels."""
        if self._label_shapes is None:
            return
        if pre_sliced:
            raise MXNetError("PythonModule does not support pre-sliced labels")
        eval_metric.update(labels, self.get_outputs())

    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req="write"):
        """As `Module.bind`, for Python-computed modules."""
        if self.binded and not force_rebind:
            self.logger.warning("Already bound, ignoring bind()")
            return
        if grad_req != "write":
            raise MXNetError("PythonModule supports only grad_req='write', found %r" % grad_req)
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        if len(data_shapes) != len(self._data_names):
            raise MXNetError("bind: %d data shapes for data names %s" % (len(data_shapes), self._data_names))
        self._data_shapes, self._label_shapes = parse_data_desc(
            self._data_names, self._label_names, data_shapes, label_shapes)
        self._output_shapes = self._compute_output_shapes()
        self.binded = True
        self.params_initialized = True

    def _compute_output_shapes(self):
        """[(name, shape)] of the outputs, from `self._data_shapes` / `self._label_shapes`."""
        raise NotImplementedError()

    def init_optimizer(self, kvstore="local", optimizer="sgd",
                       optimizer_params=(("learning_rate", 0.01),), force_init=False):
        """No parameters: nothing to optimize."""
        self.optimizer_initialized = True

    def install_monitor(self, mon):
        """Nothing to monitor."""


class PythonLossModule(PythonModule):
    """A loss computed in Python: forward passes the scores through; backward calls
    `grad_func(scores, labels)` for the gradient of the scores.

    Parameters
    ----------
    name : str, default 'pyloss'
    data_names : list of str, default ('data',)
    label_names : list of str, default ('softmax_label',)
    grad_func : callable, optional
        `grad_func(scores, labels) -> NDArray or numpy array`.

    Example
    -------
    >>> loss = mx.mod.PythonLossModule(grad_func=lambda s, l: s - l)   # doctest: +SKIP
    """

    def __init__(self, name="pyloss", data_names=("data",), label_names=("softmax_label",),
                 logger=logging, grad_func=None):
        super().__init__(data_names, label_names, [name + "_output"], logger=logger)
        self._name = name
        if len(self._data_names) != 1 or len(self._label_names) != 1:
            raise MXNetError("PythonLossModule takes one data and one label name")
        self._scores = None
        self._labels = None
        self._scores_grad = None
        if grad_func is not None and not callable(grad_func):
            raise MXNetError("grad_func must be callable")
        self._grad_func = grad_func

    def _compute_output_shapes(self):
        return [(self._name + "_output", self._data_shapes[0][1])]

    def forward(self, data_batch, is_train=None):
        """As `Module.forward`, for Python-computed modules."""
        self._scores = data_batch.data[0]
        if is_train is None:
            is_train = self.for_training
        if is_train:
            self._labels = data_batch.label[0]

    def get_outputs(self, merge_multi_context=True):
        """As `Module.get_outputs`, for Python-computed modules."""
        if not merge_multi_context:
            raise MXNetError("PythonLossModule has one context: merge_multi_context must be True")
        return [self._scores]

    def backward(self, out_grads=None):
        """As `Module.backward`, for Python-computed modules."""
        if out_grads is not None:
            raise MXNetError("For a loss module, out_grads should be None")
        if not self.for_training:
            raise MXNetError("backward: bound with for_training=False")
        self._backward_impl()

    def _backward_impl(self):
        if self._grad_func is None:
            raise NotImplementedError("PythonLossModule without grad_func: subclass it and "
                                      "implement _backward_impl")
        grad = self._grad_func(self._scores, self._labels)
        if not isinstance(grad, nd.NDArray):
            grad = nd.array(grad)
        self._scores_grad = grad

    def get_input_grads(self, merge_multi_context=True):
        """As `Module.get_input_grads`, for Python-computed modules."""
        if not merge_multi_context:
            raise MXNetError("PythonLossModule has one context: merge_multi_context must be True")
        return [self._scores_grad]

    def install_monitor(self, mon):
        """As `Module.install_monitor`, for Python-computed modules."""
        raise NotImplementedError()
