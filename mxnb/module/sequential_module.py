"""SequentialModule: modules chained so that each one's outputs feed the next (MXNet's
`mx.mod.SequentialModule`)."""
import copy
import logging

from ..base import MXNetError
from ..initializer import Uniform
from ..io import DataBatch, DataDesc
from .base_module import BaseModule

__all__ = ["SequentialModule"]


class SequentialModule(BaseModule):
    """A chain of modules.

    `add(module, take_labels=True)` gives a module the labels (a loss module);
    `auto_wiring=True` renames the previous module's outputs to this one's data names.

    Example
    -------
    >>> seq = mx.mod.SequentialModule()                                   # doctest: +SKIP
    >>> seq.add(mod1).add(mod2, take_labels=True, auto_wiring=True)       # doctest: +SKIP
    """
    META_TAKE_LABELS = "take_labels"
    META_AUTO_WIRING = "auto_wiring"

    def __init__(self, logger=logging):
        super().__init__(logger=logger)
        self._modules = []
        self._metas = []
        self._label_shapes = None
        self._data_shapes = None
        self._meta_keys = {self.META_TAKE_LABELS, self.META_AUTO_WIRING}

    def add(self, module, **kwargs):
        """Appends a module; returns self so calls chain."""
        self._modules.append(module)
        for key in kwargs:
            if key not in self._meta_keys:
                raise MXNetError("SequentialModule.add: unknown meta %r; known are %s"
                                 % (key, sorted(self._meta_keys)))
        self._metas.append(kwargs)
        self.binded = False
        self.params_initialized = False
        self.optimizer_initialized = False
        return self

    @property
    def data_names(self):
        """As `Module.data_names`, through the chained modules in turn."""
        return self._modules[0].data_names if self._modules else []

    @property
    def output_names(self):
        """As `Module.output_names`, through the chained modules in turn."""
        return self._modules[-1].output_names if self._modules else []

    @property
    def data_shapes(self):
        """As `Module.data_shapes`, through the chained modules in turn."""
        if not self.binded:
            raise MXNetError("data_shapes: call bind first")
        return self._modules[0].data_shapes

    @property
    def label_shapes(self):
        """As `Module.label_shapes`, through the chained modules in turn."""
        if not self.binded:
            raise MXNetError("label_shapes: call bind first")
        return self._label_shapes

    @property
    def output_shapes(self):
        """As `Module.output_shapes`, through the chained modules in turn."""
        if not self.binded:
            raise MXNetError("output_shapes: call bind first")
        return self._modules[-1].output_shapes

    def get_params(self):
        """As `Module.get_params`, through the chained modules in turn."""
        self._check_ready("get_params")
        arg_params, aux_params = {}, {}
        for module in self._modules:
            arg, aux = module.get_params()
            arg_params.update(arg)
            aux_params.update(aux)
        return (arg_params, aux_params)

    def init_params(self, initializer=Uniform(0.01), arg_params=None, aux_params=None,
                    allow_missing=False, force_init=False, allow_extra=False):
        """As `Module.init_params`, through the chained modules in turn."""
        if self.params_initialized and not force_init:
            return
        if not self.binded:
            raise MXNetError("init_params: call bind first")
        for module in self._modules:
            module.init_params(initializer=initializer, arg_params=arg_params,
                               aux_params=aux_params, allow_missing=allow_missing,
                               force_init=force_init, allow_extra=allow_extra)
        # Parameter names must not repeat across modules.
        owners = {}
        for i, module in enumerate(self._modules):
            arg, aux = module.get_params()
            for name in list(arg) + list(aux):
                if name in owners:
                    raise MXNetError("Duplicated parameter names: name \"%s\" in layer %d (%s) is "
                                     "already used in layer %d (%s)."
                                     % (name, i, type(module).__name__, owners[name][0],
                                        type(self._modules[owners[name][0]]).__name__))
                owners[name] = (i, module)
        self.params_initialized = True

    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req="write"):
        """As `Module.bind`, through the chained modules in turn."""
        if self.binded and not force_rebind:
            self.logger.warning("Already bound, ignoring bind()")
            return
        if inputs_need_grad and not for_training:
            raise MXNetError("bind: inputs_need_grad=True needs for_training=True")
        if shared_module is not None:
            raise MXNetError("SequentialModule.bind: shared_module is not supported")
        if not self._modules:
            raise MXNetError("SequentialModule.bind: add modules first")
        self.binded = True
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self._label_shapes = label_shapes
        my_data_shapes = data_shapes
        anybody_ever_needs_label = False
        for i, (meta, module) in enumerate(zip(self._metas, self._modules)):
            if meta.get(self.META_TAKE_LABELS, False):
                my_label_shapes = label_shapes
                anybody_ever_needs_label = True
            else:
                my_label_shapes = None
            my_inputs_need_grad = bool(inputs_need_grad or (for_training and i > 0))
            if meta.get(self.META_AUTO_WIRING, False):
                data_names = module.data_names
                if len(data_names) != len(my_data_shapes):
                    raise MXNetError("auto_wiring: module %d takes %d inputs, the previous gives %d"
                                     % (i, len(data_names), len(my_data_shapes)))
                my_data_shapes = [(name, tuple(shape))
                                  for name, (_, shape) in zip(data_names, my_data_shapes)]
            module.bind(data_shapes=my_data_shapes, label_shapes=my_label_shapes,
                        for_training=for_training, inputs_need_grad=my_inputs_need_grad,
                        force_rebind=force_rebind, shared_module=None, grad_req=grad_req)
            my_data_shapes = module.output_shapes
        if not anybody_ever_needs_label:
            self._label_shapes = None

    def init_optimizer(self, kvstore="local", optimizer="sgd",
                       optimizer_params=(("learning_rate", 0.01),), force_init=False):
        """As `Module.init_optimizer`, through the chained modules in turn."""
        self._check_ready("init_optimizer")
        if self.optimizer_initialized and not force_init:
            self.logger.warning("optimizer already initialized, ignoring.")
            return
        for module in self._modules:
            module.init_optimizer(kvstore=kvstore, optimizer=optimizer,
                                  optimizer_params=optimizer_params, force_init=force_init)
        self.optimizer_initialized = True

    def forward(self, data_batch, is_train=None):
        """As `Module.forward`, through the chained modules in turn."""
        self._check_ready("forward")
        batch = copy.copy(data_batch)
        for i, module in enumerate(self._modules):
            module.forward(batch, is_train=is_train)
            if i + 1 == len(self._modules):
                break
            batch = DataBatch(module.get_outputs(), label=data_batch.label, pad=data_batch.pad)
            if hasattr(data_batch, "provide_label"):
                batch.provide_label = data_batch.provide_label
            names = self._modules[i + 1].data_names
            batch.provide_data = [DataDesc(name, out.shape) for name, out in zip(names, batch.data)]

    def backward(self, out_grads=None):
        """As `Module.backward`, through the chained modules in turn."""
        self._check_ready("backward")
        for i, module in reversed(list(enumerate(self._modules))):
            module.backward(out_grads=out_grads)
            if i == 0:
                break
            out_grads = module.get_input_grads()

    def update(self):
        """As `Module.update`, through the chained modules in turn."""
        self._check_ready("update")
        if not self.optimizer_initialized:
            raise MXNetError("update: call init_optimizer first")
        for module in self._modules:
            module.update()

    def get_outputs(self, merge_multi_context=True):
        """As `Module.get_outputs`, through the chained modules in turn."""
        self._check_ready("get_outputs")
        return self._modules[-1].get_outputs(merge_multi_context=merge_multi_context)

    def get_input_grads(self, merge_multi_context=True):
        """As `Module.get_input_grads`, through the chained modules in turn."""
        self._check_ready("get_input_grads")
        if not self.inputs_need_grad:
            raise MXNetError("get_input_grads: bind with inputs_need_grad=True first")
        return self._modules[0].get_input_grads(merge_multi_context=merge_multi_context)

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        """As `Module.update_metric`, through the chained modules in turn."""
        self._check_ready("update_metric")
        for meta, module in zip(self._metas, self._modules):
            if meta.get(self.META_TAKE_LABELS, False):
                module.update_metric(eval_metric, labels, pre_sliced)

    def install_monitor(self, mon):
        """As `Module.install_monitor`, through the chained modules in turn."""
        if not self.binded:
            raise MXNetError("install_monitor: call bind first")
        for module in self._modules:
            module.install_monitor(mon)
