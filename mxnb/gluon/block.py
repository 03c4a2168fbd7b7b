"""Block, HybridBlock and SymbolBlock (MXNet 1.x `gluon.block`).

A HybridBlock runs eagerly (F = mx.nd) until `hybridize()`; then its first call builds a Symbol
graph (F = mx.sym on `data` placeholders) and every later call runs that graph through a CachedOp.
"""
import re
import threading
import warnings
from collections import OrderedDict
from contextlib import contextmanager

import numpy as np

from .. import ndarray as nd
from ..base import ArgumentTypeError, FailedCheckError, MXNetError, ShapeError
from ..ndarray.ndarray import NDArray
from .parameter import (Parameter, ParameterDict, DeferredInitializationError, load_file,
                        load_into, _indent)

__all__ = ["Block", "HybridBlock", "SymbolBlock"]


def _symbol_module():
    from .. import symbol
    return symbol


def _is_symbol(x):
    from ..symbol.symbol import Symbol
    return isinstance(x, Symbol)


# --- naming ---------------------------------------------------------------------------------
class _BlockScope:
    """The name scope of a Block: children created inside it get `parentprefix + hint + n_`."""
    _current = threading.local()

    def __init__(self, block):
        self._block = block
        self._counter = {}
        self._old_scope = None
        self._name_scope = None

    @staticmethod
    def create(prefix, params, hint):
        current = getattr(_BlockScope._current, "value", None)
        if current is None:
            if prefix is None:
                from .. import name as _name
                prefix = _name.current().get(None, hint) + "_"
            params = ParameterDict(prefix) if params is None else ParameterDict(params.prefix, params)
            return prefix, params
        if prefix is None:
            count = current._counter.get(hint, 0)
            prefix = "%s%d_" % (hint, count)
            current._counter[hint] = count + 1
        if params is None:
            parent = current._block.params
            params = ParameterDict(parent.prefix + prefix, parent._shared)
        else:
            params = ParameterDict(params.prefix, params)
        return current._block.prefix + prefix, params

    def __enter__(self):
        if self._block._empty_prefix:
            return self
        self._old_scope = getattr(_BlockScope._current, "value", None)
        _BlockScope._current.value = self
        from .. import name as _name
        self._name_scope = _name.Prefix(self._block.prefix)
        self._name_scope.__enter__()
        return self

    def __exit__(self, *exc):
        if self._block._empty_prefix:
            return
        self._name_scope.__exit__(*exc)
        self._name_scope = None
        _BlockScope._current.value = self._old_scope


class HookHandle:
    """Returned by register_forward_hook: `detach()` removes the hook."""
    _next_id = [0]

    def __init__(self):
        self._hooks = None
        self._id = None

    def attach(self, hooks, hook):
        self._id = HookHandle._next_id[0]
        HookHandle._next_id[0] += 1
        self._hooks = hooks
        hooks[self._id] = hook

    def detach(self):
        if self._hooks is not None and self._id in self._hooks:
            del self._hooks[self._id]
        self._hooks = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.detach()


# --- nested inputs and outputs ------------------------------------------------------------------
def _flatten(args, inout_str):
    if isinstance(args, NDArray):
        return [args], 0
    if _is_symbol(args):
        length = len(args.list_outputs())
        return [args], (length if length > 1 else 0)
    if args is None:
        return [None], -1
    if not isinstance(args, (list, tuple)):
        raise MXNetError("HybridBlock %s must be (nested) list of Symbol or NDArray, but got %s of "
                         "type %s" % (inout_str, args, type(args).__name__))
    flat, fmts = [], []
    for item in args:
        arg, fmt = _flatten(item, inout_str)
        flat.extend(arg)
        fmts.append(fmt)
    return flat, fmts


def _regroup(args, fmt):
    if isinstance(fmt, int):
        if fmt == 0:
            return args[0], args[1:]
        if fmt == -1:
            return None, args[1:]
        return args[:fmt], args[fmt:]
    ret = []
    for f in fmt:
        res, args = _regroup(args, f)
        ret.append(res)
    return ret, args


class Block:
    """Base class of all layers and models (MXNet's `gluon.Block`).

    Parameters
    ----------
    prefix : str, default None
        Prefix of this block's name and of its parameters' names; chosen automatically when None.
    params : ParameterDict, default None
        A ParameterDict whose parameters this block shares; a fresh one is made when None.

    Examples
    --------
    >>> class Model(mx.gluon.Block):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...         with self.name_scope():
    ...             self.dense = mx.gluon.nn.Dense(4)
    ...     def forward(self, x):
    ...         return self.dense(x)
    >>> net = Model()
    >>> net.initialize()
    >>> net(mx.nd.ones((2, 3))).shape
    (2, 4)
    """

    def __init__(self, prefix=None, params=None):
        self._empty_prefix = prefix == ""
        self._prefix, self._params = _BlockScope.create(prefix, params, self._alias())
        self._name = self._prefix[:-1] if self._prefix.endswith("_") else self._prefix
        self._scope = _BlockScope(self)
        self._children = OrderedDict()
        self._reg_params = {}
        self._forward_hooks = OrderedDict()
        self._forward_pre_hooks = OrderedDict()

    def __repr__(self):
        modstr = "\n".join("  (%s): %s" % (key, _indent(repr(block), 2))
                           for key, block in self.__dict__.items() if isinstance(block, Block))
        return "%s(\n%s\n)" % (type(self).__name__, modstr)

    def __setattr__(self, name, value):
        """Registers Blocks and Parameters assigned as attributes."""
        existing = self.__dict__.get(name)
        if isinstance(existing, (Parameter, Block)) and not isinstance(value, type(existing)):
            raise ArgumentTypeError("Changing attribute type for %s from %s to %s is not allowed."
                                    % (name, type(existing).__name__, type(value).__name__))
        if isinstance(value, Block):
            self.register_child(value, name)
        elif isinstance(value, Parameter):
            if name in self._reg_params and self._reg_params[name] is not value:
                raise MXNetError("Overriding Parameter attribute %s is not allowed. If you want to "
                                 "share parameters between blocks, please set 'params' at Block "
                                 "construction instead." % name)
            self._reg_params[name] = value
        object.__setattr__(self, name, value)

    def _check_container_with_block(self):
        """Warns about list, tuple or dict attributes holding Blocks that are not children:
        their parameters are neither collected, initialized nor saved."""
        children = set(map(id, self._children.values()))
        for key, value in self.__dict__.items():
            if key == "_children" or key.startswith("__"):
                continue
            if isinstance(value, (list, tuple, dict)) and _holds_unregistered_block(value,
                                                                                     children):
                warnings.warn('"%s.%s" is an unregistered container with Blocks. Note that '
                              'Blocks inside the list, tuple or dict will not be registered '
                              'automatically. Make sure to register them using register_child() '
                              'or switching to nn.Sequential/nn.HybridSequential instead.'
                              % (type(self).__name__, key), UserWarning, stacklevel=3)

    def _alias(self):
        return type(self).__name__.lower()

    @property
    def prefix(self):
        return self._prefix

    @property
    def name(self):
        return self._name

    @property
    def params(self):
        """This Block's own ParameterDict (not its children's)."""
        return self._params

    def name_scope(self):
        return self._scope

    def collect_params(self, select=None):
        """A ParameterDict of this Block's and its children's Parameters (names matching `select`).

        Parameters
        ----------
        select : str, optional
            A regular expression: only the parameters whose full names match it.

        Returns
        -------
        ParameterDict

        Warns
        -----
        UserWarning
            When an attribute is a list, tuple or dict holding Blocks that are not registered
            children (their parameters are not collected).

        Examples
        --------
        >>> net = mx.gluon.nn.Dense(2, prefix='fc_')
        >>> list(net.collect_params('.*bias').keys())
        ['fc_bias']
        """
        self._check_container_with_block()
        ret = ParameterDict(self._params.prefix)
        if not select:
            ret.update(self.params)
        else:
            pattern = re.compile(select)
            ret.update({name: value for name, value in self.params.items() if pattern.match(name)})
        for child in self._children.values():
            ret.update(child.collect_params(select=select))
        return ret

    def _collect_params_with_prefix(self, prefix=""):
        if prefix:
            prefix += "."
        ret = {prefix + key: val for key, val in self._reg_params.items()}
        for name, child in self._children.items():
            ret.update(child._collect_params_with_prefix(prefix + name))
        return ret

    def share_parameters(self, shared):
        """Makes this Block use the Parameters of `shared` in place of its own (MXNet 2 API).

        Parameters
        ----------
        shared : dict or ParameterDict
            Parameters keyed by structural name (`'0.weight'`, as `save_parameters` writes them),
            or a ParameterDict from another block's `collect_params()` (full names: matched by
            the name after that dict's prefix against this block's names after its prefix).

        Returns
        -------
        Block
            This block.

        Raises
        ------
        MXNetError
            When a shared parameter's shape cannot be the replaced one's (nothing is changed).

        Example
        -------
        >>> net2.share_parameters(net1._collect_params_with_prefix())  # doctest: +SKIP
        """
        if shared is None:
            return self
        own = self._collect_params_with_prefix()
        if isinstance(shared, ParameterDict):
            by_full = {p.name[len(self.prefix):] if p.name.startswith(self.prefix) else p.name: key
                       for key, p in own.items()}
            prefix = shared.prefix
            mapping = {}
            for name, param in shared.items():
                rel = name[len(prefix):] if name.startswith(prefix) else name
                if rel in by_full:
                    mapping[by_full[rel]] = param
        else:
            mapping = {key: param for key, param in shared.items() if key in own}
        for key, param in mapping.items():
            old = own[key]
            if old.shape and param.shape and _merge_shape(old.shape, param.shape) is None:
                raise MXNetError("share_parameters: Parameter '%s' (%s) has shape %s, cannot share "
                                 "'%s' of shape %s" % (key, old.name, old.shape, param.name,
                                                       param.shape))
        for key, param in mapping.items():
            self._share_one(key.split("."), param)
        # Cached graphs look parameters up by name: rebuild them all.
        self.apply(lambda block: block._clear_cached_op() if isinstance(block, HybridBlock)
                   else None)
        return self

    def _share_one(self, path, param):
        if len(path) > 1:
            self._children[path[0]]._share_one(path[1:], param)
            return
        attr = path[0]
        old = self._reg_params[attr]
        if old is param:
            return
        self._reg_params[attr] = param
        object.__setattr__(self, attr, param)
        entries = self._params._params
        for name in [n for n, p in entries.items() if p is old]:
            del entries[name]
        entries[param.name] = param

    def register_child(self, block, name=None):
        if name is None:
            name = str(len(self._children))
        self._children[name] = block

    def named_children(self):
        """This block's direct children with the names they were registered under (an mxnb
        addition; MXNet keeps them in the private `_children`).

        Returns
        -------
        list of (str, Block)
            In registration order: the attribute name, or the position ('0', '1', ...) for
            children added with `Sequential.add`.

        Example
        -------
        >>> net = mx.gluon.nn.Sequential()
        >>> net.add(mx.gluon.nn.Dense(4), mx.gluon.nn.Dense(2))
        >>> [name for name, _ in net.named_children()]
        ['0', '1']
        """
        return list(self._children.items())

    @contextmanager
    def imperative(self):
        """Within the `with` block, this block and every block under it run without their
        cached graphs, calling each child (and its forward hooks) eagerly; hybridization and
        the graphs already built are back afterwards (an mxnb addition, for tools such as
        per-layer summaries).

        Returns
        -------
        context manager
            Yields this block.

        Example
        -------
        >>> net = mx.gluon.nn.HybridSequential()
        >>> net.add(mx.gluon.nn.Dense(4))
        >>> net.initialize()
        >>> net.hybridize()
        >>> with net.imperative():
        ...     y = net(mx.nd.ones((1, 3)))   # each Dense runs, with its hooks
        """
        switched = []

        def switch_off(block):
            if getattr(block, "_active", False):
                block._active = False
                switched.append(block)

        self.apply(switch_off)
        try:
            yield self
        finally:
            for block in switched:
                block._active = True

    def register_forward_pre_hook(self, hook):
        handle = HookHandle()
        handle.attach(self._forward_pre_hooks, hook)
        return handle

    def register_forward_hook(self, hook):
        handle = HookHandle()
        handle.attach(self._forward_hooks, hook)
        return handle

    def apply(self, fn):
        for child in self._children.values():
            child.apply(fn)
        fn(self)
        return self

    def initialize(self, init=None, ctx=None, verbose=False, force_reinit=False):
        self.collect_params().initialize(init, ctx, verbose, force_reinit)

    def hybridize(self, active=True, **kwargs):
        for child in self._children.values():
            child.hybridize(active, **kwargs)

    def cast(self, dtype):
        for child in self._children.values():
            child.cast(dtype)
        for param in self.params.values():
            param.cast(dtype)

    def zero_grad(self):
        self.collect_params().zero_grad()

    def reset_ctx(self, ctx):
        self.collect_params().reset_ctx(ctx)

    # --- saving and loading --------------------------------------------------------------------
    def save_parameters(self, filename, deduplicate=False):
        """Saves parameters under structural names (`0.weight`), as MXNet 1.x does."""
        params = self._collect_params_with_prefix()
        if deduplicate:
            reverse = OrderedDict()
            for name, param in params.items():
                reverse.setdefault(param, name)
            params = {name: param for param, name in reverse.items()}
        arg_dict = {key: val._reduce() for key, val in params.items()}
        nd.save(filename, arg_dict)   # atomic: a failed save leaves the old file

    def load_parameters(self, filename, ctx=None, allow_missing=False, ignore_extra=False,
                        cast_dtype=False, dtype_source="current"):
        """Loads what save_parameters wrote; all or nothing (MXNetError names file and parameter)."""
        loaded = load_file(filename)
        params = self._collect_params_with_prefix()
        if not loaded and not params:
            return
        if loaded and not any("." in key for key in loaded):
            # Files written by ParameterDict.save / export hold full names.
            self.collect_params().load(filename, ctx, allow_missing, ignore_extra, self.prefix,
                                       cast_dtype=cast_dtype, dtype_source=dtype_source)
            return
        load_into(params, loaded, filename, ctx, allow_missing, ignore_extra, cast_dtype,
                  dtype_source, "Block %s" % self.name)

    def save_params(self, filename):
        """[Deprecated] `save_parameters`, with MXNet's deprecation warning.

        Parameters
        ----------
        filename : str
            Path of the file to write.

        Returns
        -------
        None

        Examples
        --------
        >>> net = mx.gluon.nn.Dense(2, in_units=3); net.initialize()
        >>> net.save_params('/tmp/dense.params')        # doctest: +SKIP
        """
        warnings.warn("save_params is deprecated. Please use save_parameters. Note that if you "
                      "want load from SymbolBlock later, please use export instead. For "
                      "details, see https://mxnet.apache.org/tutorials/gluon/"
                      "save_load_params.html", stacklevel=2)
        self.save_parameters(filename)

    def load_params(self, filename, ctx=None, allow_missing=False, ignore_extra=False):
        """[Deprecated] `load_parameters`, with MXNet's deprecation warning.

        Parameters
        ----------
        filename : str
            Path of a file written by `save_parameters` (or `save_params`).
        ctx : Context or list of Context, optional
            Where to put the parameters (default: as initialized).
        allow_missing : bool, default False
            Leave the parameters the file lacks as they are.
        ignore_extra : bool, default False
            Ignore parameters of the file the block lacks.

        Returns
        -------
        None

        Examples
        --------
        >>> net.load_params('/tmp/dense.params')        # doctest: +SKIP
        """
        warnings.warn("load_params is deprecated. Please use load_parameters.", stacklevel=2)
        self.load_parameters(filename, ctx, allow_missing, ignore_extra)

    # --- running -----------------------------------------------------------------------------
    def __call__(self, *args):
        if self._forward_pre_hooks:
            for hook in list(self._forward_pre_hooks.values()):
                hook(self, args)
        out = self.forward(*args)
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                hook(self, args, out)
        return out

    def forward(self, *args):
        raise NotImplementedError

    def summary(self, *inputs):
        """Prints each layer's output shape and parameter count (MXNet 1.6+ table)."""
        summary = OrderedDict()
        seen = set()
        hooks = []

        def shape_str(args):
            def shapes(a):
                if isinstance(a, (list, tuple)):
                    return [shapes(i) for i in a]
                return a.shape if isinstance(a, NDArray) else a
            s = shapes(args)
            return str(s)[1:-1] if isinstance(s, list) else str(s)

        def register(block):
            if isinstance(block, HybridBlock) and block._active:
                raise FailedCheckError('"%s" must not be hybridized to print summary.'
                                       % block.name)

            def hook(block, _, outputs):
                key = "%s-%i" % (type(block).__name__, len(summary))
                entry = summary[key] = OrderedDict()
                entry["output_shape"] = shape_str(outputs)
                total = trainable = shared = 0
                for p in block.params.values():
                    size = p.data().size
                    total += size
                    trainable += 0 if p.grad_req == "null" else size
                    if p in seen:
                        shared += size
                    else:
                        seen.add(p)
                entry["n_params"], entry["trainable"], entry["shared"] = total, trainable, shared

            from .nn.basic_layers import Sequential, HybridSequential
            if not isinstance(block, (Sequential, HybridSequential)):
                hooks.append(block.register_forward_hook(hook))

        summary["Input"] = OrderedDict(output_shape=shape_str(inputs), n_params=0, trainable=0,
                                       shared=0)
        try:
            self.apply(register)
            self(*inputs)
            fmt = "{:>20}  {:>42} {:>15}"
            print("-" * 80)
            print(fmt.format("Layer (type)", "Output Shape", "Param #"))
            print("=" * 80)
            total = trainable = shared = 0
            for layer, entry in summary.items():
                print(fmt.format(layer, str(entry["output_shape"]), entry["n_params"]))
                total += entry["n_params"]
                trainable += entry["trainable"]
                shared += entry["shared"]
            print("=" * 80)
            print("Parameters in forward computation graph, duplicate included")
            print("   Total params: " + str(total))
            print("   Trainable params: " + str(trainable))
            print("   Non-trainable params: " + str(total - trainable))
            print("Shared params in forward computation graph: " + str(shared))
            print("Unique parameters in model: " + str(total - shared))
            print("-" * 80)
        finally:
            for h in hooks:
                h.detach()


class HybridBlock(Block):
    """A Block whose `hybrid_forward(F, x, ...)` runs with F = mx.nd or, hybridized, mx.sym.

    Parameters
    ----------
    prefix : str, default None
        Prefix of this block's name and of its parameters' names; chosen automatically when None.
    params : ParameterDict, default None
        A ParameterDict whose parameters this block shares; a fresh one is made when None.

    Examples
    --------
    >>> class Model(mx.gluon.HybridBlock):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(**kwargs)
    ...         with self.name_scope():
    ...             self.dense = mx.gluon.nn.Dense(4)
    ...     def hybrid_forward(self, F, x):
    ...         return F.relu(self.dense(x))
    >>> net = Model()
    >>> net.initialize()
    >>> net.hybridize()
    >>> net(mx.nd.ones((2, 3))).shape
    (2, 4)
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._cached_graph = ()
        self._cached_op = None
        self._cached_op_args = None
        self._in_format = None
        self._out_format = None
        self._active = False
        self._flags = []

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if isinstance(value, HybridBlock):
            self._clear_cached_op()

    def register_child(self, block, name=None):
        if not isinstance(block, HybridBlock):
            raise MXNetError("Children of HybridBlock must also be HybridBlock, but %s has type %s. "
                             "If you are using Sequential, please try HybridSequential instead."
                             % (block, type(block).__name__))
        super().register_child(block, name)
        self._clear_cached_op()

    def _clear_cached_op(self):
        self._cached_graph = ()
        self._cached_op = None
        self._cached_op_args = None

    def hybridize(self, active=True, backend=None, clear=True, static_alloc=False,
                  static_shape=False, inline_limit=2, forward_bulk_size=None,
                  backward_bulk_size=None, **kwargs):
        """Runs this block (and its children) as a cached graph from the next call on.

        Parameters
        ----------
        active : bool, default True
            Whether to turn hybridisation on or off.
        backend : str, default None
            A subgraph backend name (accepted for MXNet compatibility; mxnb has one backend).
        clear : bool, default True
            Drop the graph built so far.
        static_alloc, static_shape : bool, default False
            MXNet's memory-planning hints; accepted and recorded as CachedOp flags.
        inline_limit : int, default 2
            Accepted for MXNet compatibility.
        forward_bulk_size, backward_bulk_size : int, optional
            Accepted for MXNet compatibility.
        **kwargs
            mxnb's own flags: ``optimize=False`` runs the graph without the graph passes;
            ``recompute=False`` keeps every Convolution's im2col columns for the backward pass
            (by default the backward recomputes those whose keeping would lift a training
            step's memory peak above the budget of mxnb/graph/passes/recompute.py).

        Example
        -------
        >>> net.hybridize(static_alloc=True, static_shape=True)  # doctest: +SKIP
        """
        self._active = active
        self._backend = backend
        self._flags = [("static_alloc", static_alloc), ("static_shape", static_shape),
                       ("inline_limit", inline_limit)]
        if forward_bulk_size is not None:
            self._flags.append(("forward_bulk_size", forward_bulk_size))
        if backward_bulk_size is not None:
            self._flags.append(("backward_bulk_size", backward_bulk_size))
        self._flags.extend(kwargs.items())
        if clear or not active:
            self._clear_cached_op()
        if active and (self._forward_hooks or self._forward_pre_hooks):
            warnings.warn('"%s" is being hybridized while still having forward hook/pre-hook. If '
                          '"%s" is a child of HybridBlock, the hooks will not take effect.'
                          % (self, self))
        Block.hybridize(self, active, backend=backend, clear=clear, static_alloc=static_alloc,
                        static_shape=static_shape, inline_limit=inline_limit,
                        forward_bulk_size=forward_bulk_size,
                        backward_bulk_size=backward_bulk_size, **kwargs)

    def cast(self, dtype):
        self._clear_cached_op()
        super().cast(dtype)

    def optimize_for(self, x, *args, backend=None, clear=False, partition_if_dynamic=True,
                     static_alloc=False, static_shape=False, inline_limit=2,
                     forward_bulk_size=None, backward_bulk_size=None, **kwargs):
        """Hybridizes and builds the cached graph for inputs like `x` without running it (MXNet
        1.9.1's entry point for partitioning backends; mxnb has a single backend).

        Parameters
        ----------
        x : NDArray
            An input like those the block will run on (deferred shapes are resolved from it).
        *args : NDArray
            Further inputs.
        backend : str, optional
            Accepted for MXNet compatibility.
        clear : bool, default False
            Drop a graph built before.
        static_alloc, static_shape, inline_limit, forward_bulk_size, backward_bulk_size
            As in `hybridize`.

        Example
        -------
        >>> net.optimize_for(mx.nd.ones((1, 3, 32, 32)), backend='MKLDNN')  # doctest: +SKIP
        >>> net.export('model')  # doctest: +SKIP
        """
        self.hybridize(True, backend=backend, clear=clear, static_alloc=static_alloc,
                       static_shape=static_shape, inline_limit=inline_limit,
                       forward_bulk_size=forward_bulk_size, backward_bulk_size=backward_bulk_size,
                       **kwargs)
        if self._cached_op is None:
            self._build_cache(x, *args)
        if any(p._deferred_init for p in self.collect_params().values()):
            self._finish_deferred(x, *args)

    def register_op_hook(self, callback, monitor_all=False):
        """Calls `callback(name, op_name, NDArray)` for every operator output of the hybridized
        graph (and every input too with `monitor_all`), as MXNet 1.x's op hooks.

        Parameters
        ----------
        callback : callable
            Called with the output's name (`<node>_output`, `<node>_<input>`), the operator's
            name and the array.
        monitor_all : bool, default False
            Also report each operator's inputs.

        Example
        -------
        >>> net.register_op_hook(lambda name, op, arr: print(name, op, arr.shape))  # doctest: +SKIP
        """
        self._op_hook = (callback, monitor_all)
        self._clear_cached_op()
        for child in self._children.values():
            if isinstance(child, HybridBlock):
                child.register_op_hook(callback, monitor_all)

    def _install_op_hook(self, cached_op):
        from ..ndarray.ndarray import _wrap
        callback, monitor_all = self._op_hook

        def hook(phase, node, inputs, outputs):
            if phase != "forward":
                return
            ctx = self._hook_ctx
            if monitor_all:
                for name, value in zip(node.op.input_names(node.attrs), inputs):
                    callback("%s_%s" % (node.name, name), node.op.name, _wrap(value, ctx))
            names = node.op.output_names(node.attrs)
            for i in range(node.op.num_visible_outputs(node.attrs)):
                callback("%s_%s" % (node.name, names[i]), node.op.name, _wrap(outputs[i], ctx))
        cached_op.add_node_hook(hook)

    # --- graph ---------------------------------------------------------------------------------
    @property
    def active(self):
        """Whether the block runs through its cached graph: `hybridize()` turned it on
        (read-only; an mxnb addition).

        Example
        -------
        >>> net = mx.gluon.nn.Dense(2)
        >>> net.hybridize()
        >>> net.active
        True
        """
        return self._active

    @property
    def cached_op(self):
        """The CachedOp a hybridized call runs, or None before the first call (read-only; an
        mxnb addition). Its `add_node_hook` watches every node of the graph as it runs.

        Example
        -------
        >>> net = mx.gluon.nn.Dense(2)
        >>> net.initialize()
        >>> net.hybridize()
        >>> _ = net(mx.nd.ones((1, 3)))
        >>> [v.name for v in net.cached_op.program.variables]
        ['data', 'dense0_weight', 'dense0_bias']
        """
        return self._cached_op

    def get_cached_op(self, *args):
        """The CachedOp a hybridized call on inputs like `args` runs, built now when there is
        none yet (an mxnb addition: tools add node hooks to it before the call).

        Parameters
        ----------
        *args : NDArray
            Inputs as the block will be called with (only how they nest and their shapes are
            read).

        Returns
        -------
        CachedOp

        Example
        -------
        >>> net = mx.gluon.nn.Dense(2, in_units=3)
        >>> net.initialize()
        >>> net.hybridize()
        >>> op = net.get_cached_op(mx.nd.ones((1, 3)))
        >>> op is net.cached_op
        True
        """
        if self._cached_op is None:
            self._build_cache(*args)
        return self._cached_op

    @property
    def cached_graph(self):
        """`(input variables, output Symbol)` of the graph built by the latest hybridized call
        or `get_graph`, or None when none was built (read-only; an mxnb addition).

        Example
        -------
        >>> net = mx.gluon.nn.Dense(2)
        >>> net.cached_graph is None
        True
        """
        return self._cached_graph or None

    def get_graph(self, *args):
        """`(input variables, output Symbol)`: this block's `hybrid_forward` run with F = sym on
        variables standing for `args` (built once, then cached; an mxnb addition).

        Parameters
        ----------
        *args : NDArray or Symbol
            Inputs as the block will be called with (only how they nest is read).

        Returns
        -------
        tuple of (list of Symbol, Symbol)

        Example
        -------
        >>> net = mx.gluon.nn.Dense(2)
        >>> inputs, out = net.get_graph(mx.nd.ones((1, 3)))
        >>> [i.name for i in inputs], out.list_outputs()
        (['data'], ['dense0_fwd_output'])
        """
        return self._get_graph(*args)

    def _get_graph(self, *args):
        if not self._cached_graph:
            sym = _symbol_module()
            flat, self._in_format = _flatten(args, "input")
            if len(flat) > 1:
                inputs = [sym.var("data%d" % i) if a is not None else None for i, a in enumerate(flat)]
            else:
                inputs = [sym.var("data")]
            grouped = _regroup(inputs, self._in_format)[0]
            params = {k: p.var() for k, p in self._reg_params.items()}
            with self.name_scope():
                out = self.hybrid_forward(sym, *grouped, **params)
            out, self._out_format = _flatten(out, "output")
            self._cached_graph = [i for i in inputs if i is not None], sym.Group(out)
        return self._cached_graph

    def _infer_attrs(self, infer_fn, attr, *args):
        inputs, out = self._get_graph(*args)
        flat = [a for a in _flatten(args, "input")[0] if a is not None]
        given = {i.name: getattr(a, attr) for i, a in zip(inputs, flat)}
        if attr == "dtype":
            given = {k: np.dtype(v) for k, v in given.items()}
        arg_attrs, _, aux_attrs = getattr(out, infer_fn)(**given)
        if arg_attrs is None:
            raise MXNetError("%s of block %s failed: could not infer %s from inputs %s"
                             % (infer_fn, self.name, attr, given))
        found = dict(zip(out.list_arguments(), arg_attrs))
        found.update(zip(out.list_auxiliary_states(), aux_attrs))
        for param in self.collect_params().values():
            if param.name in found and found[param.name] is not None:
                setattr(param, attr, found[param.name])

    @property
    def last_input_shapes(self):
        """{input name: shape} of every input (data and parameters) of the latest hybridized
        call, None before one (read-only; an mxnb addition for drawing tools)."""
        return self._cached_op.last_input_shapes if self._cached_op is not None else None

    def infer_shape(self, *args):
        """Fills in unknown parameter shapes from the inputs' shapes."""
        self._infer_attrs("infer_shape", "shape", *args)

    def infer_type(self, *args):
        self._infer_attrs("infer_type", "dtype", *args)

    def _deferred_infer_shape(self, *args):
        try:
            self.infer_shape(*args)
        except MXNetError as exc:      # a ValueError as well, as MXNet raises
            raise ShapeError("Deferred initialization failed because shape cannot be inferred "
                             "for block %s: %s" % (self.name, exc)) from None

    def _finish_deferred(self, *args):
        self._deferred_infer_shape(*args)
        for param in self.collect_params().values():
            param._finish_deferred_init()

    def _build_cache(self, *args):
        from ..graph.cached_op import CachedOp
        data, out = self._get_graph(*args)
        data_index = {d.name: i for i, d in enumerate(data)}
        params = self.collect_params()
        input_names = out.list_inputs()
        unused = [n for n in data_index if n not in input_names]
        if unused:
            warnings.warn("The %s input to HybridBlock is not used by any computation. Is this "
                          "intended?" % ", ".join("%d-th" % data_index[n] for n in unused),
                          stacklevel=4)
        unused = [n for n in params.keys() if n not in input_names]
        if unused:
            warnings.warn("Parameter %s is not used by any computation. Is this intended?"
                          % ", ".join(unused), stacklevel=4)
        op_args = []
        for name in input_names:
            if name in data_index:
                op_args.append((True, data_index[name]))
            elif name in params:
                op_args.append((False, params[name]))
            else:
                raise MXNetError("Unknown input to HybridBlock %s: %s" % (self.name, name))
        _refuse_sparse_parameters(self.name, [p for is_arg, p in op_args if not is_arg])
        self._cached_op_args = op_args
        self._cached_op = CachedOp(out, self._flags)
        if getattr(self, "_op_hook", None) is not None:
            self._install_op_hook(self._cached_op)

    def _call_cached_op(self, *args):
        if self._cached_op is None:
            self._build_cache(*args)
        if len(args) == 1 and self._in_format == [0] and isinstance(args[0], NDArray):
            flat = args
        else:
            flat, fmt = _flatten(args, "input")
            if fmt != self._in_format:
                raise MXNetError("HybridBlock %s: invalid input format: expected %s, found %s"
                                 % (self.name, self._in_format, fmt))
            flat = [a for a in flat if a is not None]
        ctx = flat[0].context
        self._hook_ctx = ctx
        try:
            cargs = [flat[i] if is_arg else i.data(ctx) for is_arg, i in self._cached_op_args]
        except DeferredInitializationError:
            self._finish_deferred(*args)
            cargs = [flat[i] if is_arg else i.data(ctx) for is_arg, i in self._cached_op_args]
        out = self._cached_op(*cargs)
        if isinstance(out, NDArray):
            if self._out_format == 0:
                return out
            out = [out]
        return _regroup(out, self._out_format)[0]

    def forward(self, x, *args):
        """Runs eagerly (F = nd), through the cached graph when hybridized, or symbolically."""
        if isinstance(x, NDArray):
            if self._active:
                return self._call_cached_op(x, *args)
            ctx = x._ctx
            try:
                params = {k: p.data(ctx) for k, p in self._reg_params.items()}
            except DeferredInitializationError:
                self._finish_deferred(x, *args)
                params = {k: p.data(ctx) for k, p in self._reg_params.items()}
            return self.hybrid_forward(nd, x, *args, **params)
        if not _is_symbol(x):
            raise MXNetError("HybridBlock %s expected an NDArray or a Symbol as its first input, "
                             "found %s" % (self.name, type(x).__name__))
        params = {k: p.var() for k, p in self._reg_params.items()}
        with self.name_scope():
            return self.hybrid_forward(_symbol_module(), x, *args, **params)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError

    def export(self, path, epoch=0, remove_amp_cast=True):
        """Writes the graph and the parameters in MXNet's model format.

        Parameters
        ----------
        path : str
            Path prefix: `path-symbol.json` and `path-xxxx.params` are written.
        epoch : int, default 0
            The epoch number in the parameter file's name (4 digits).
        remove_amp_cast : bool, default True
            Accepted for MXNet compatibility (mxnb inserts no AMP casts).

        Returns
        -------
        tuple of str
            The symbol file and the parameter file (MXNet returns None).

        Raises
        ------
        MXNetError
            When the block has not been hybridized and run once.

        Example
        -------
        >>> net.hybridize(); net(x); net.export('model', epoch=3)  # doctest: +SKIP
        ('model-symbol.json', 'model-0003.params')
        """
        if not self._cached_graph:
            raise MXNetError("Please first call block.hybridize() and then run forward with this "
                             "block at least once before calling export.")
        sym = self._cached_graph[1]
        sym_filename = "%s-symbol.json" % path
        arg_names = set(sym.list_arguments())
        aux_names = set(sym.list_auxiliary_states())
        arg_dict = {}
        for name, param in self.collect_params().items():
            if name in arg_names:
                arg_dict["arg:%s" % name] = param._reduce()
            elif name in aux_names:
                arg_dict["aux:%s" % name] = param._reduce()
            else:
                warnings.warn('Parameter "%s" is not found in the graph. ' % name, stacklevel=2)
        params_filename = "%s-%04d.params" % (path, epoch)
        sym.save(sym_filename)
        nd.save(params_filename, arg_dict)
        return sym_filename, params_filename


class SymbolBlock(HybridBlock):
    """A HybridBlock made from a Symbol graph (e.g. one loaded from an exported model).

    Parameters
    ----------
    outputs : Symbol or list of Symbol
        The output(s) of the graph.
    inputs : Symbol or list of Symbol
        The input variable(s) of the graph; every other free variable becomes a parameter.
    params : ParameterDict, default None
        Parameters to share with the graph's free variables.

    Examples
    --------
    >>> data = mx.sym.var('data')
    >>> out = mx.sym.FullyConnected(data, num_hidden=4, name='fc')
    >>> net = mx.gluon.SymbolBlock(out, data)
    >>> net.initialize()
    >>> net(mx.nd.ones((2, 3))).shape
    (2, 4)
    """

    @staticmethod
    def imports(symbol_file, input_names, param_file=None, ctx=None, allow_missing=False,
                ignore_extra=False):
        sym = _symbol_module()
        outputs = sym.load(symbol_file)
        if isinstance(input_names, str):
            input_names = [input_names]
        if param_file is None:
            inputs = [sym.var(i, dtype=np.float32) for i in input_names]
        else:
            inputs = [sym.var(i) for i in input_names]
        ret = SymbolBlock(outputs, inputs)
        if param_file is not None:
            ret.collect_params().load(param_file, ctx, allow_missing, ignore_extra, cast_dtype=True,
                                      dtype_source="saved")
        return ret

    def __repr__(self):
        outs = self._cached_graph[1].list_outputs()
        return "%s(\n  inputs=%s\n  outputs=%s\n)" % (
            type(self).__name__, [i.name for i in self._cached_graph[0]], outs)

    def __init__(self, outputs, inputs, params=None):
        super().__init__(prefix=None, params=None)
        self._prefix = ""
        self._params = ParameterDict("", params)
        sym = _symbol_module()
        if _is_symbol(inputs) and len(inputs.list_outputs()) == 1:
            inputs = [inputs]
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            outputs = outputs[0]
        syms, self._in_format = _flatten(inputs, "input")
        out, self._out_format = _flatten(outputs, "output")
        out = sym.Group(out)
        input_names = set()
        for s in syms:
            if len(s.get_internals().list_outputs()) != 1:
                raise MXNetError("Input symbols must be variables, but %s is an output of operators"
                                 % s.name)
            input_names.add(s.name)
        _refuse_row_sparse_variables(out)
        for name in out.list_arguments():
            if name not in input_names:
                self.params.get(name, allow_deferred_init=True)
        for name in out.list_auxiliary_states():
            if name not in input_names:
                self.params.get(name, grad_req="null", allow_deferred_init=True)
        self._cached_graph = syms, out
        prefix_len = len(_common_prefix(list(self._params.keys())))
        self._reg_params = {key[prefix_len:]: val for key, val in self._params.items()}

    def forward(self, x, *args):
        if isinstance(x, NDArray):
            return self._call_cached_op(x, *args)
        if not _is_symbol(x):
            raise MXNetError("SymbolBlock expected NDArray or Symbol inputs, found %s"
                             % type(x).__name__)
        flat, fmt = _flatten([x] + list(args), "input")
        if fmt != self._in_format:
            raise MXNetError("SymbolBlock: invalid input format: expected %s, found %s"
                             % (self._in_format, fmt))
        ret = self._cached_graph[1](**{k.name: v for k, v in zip(self._cached_graph[0], flat)})
        return _regroup(list(ret), self._out_format)[0]

    def _clear_cached_op(self):
        # The graph is the block itself: keep it, drop only the compiled op.
        graph = getattr(self, "_cached_graph", ())
        super()._clear_cached_op()
        self._cached_graph = graph

    def cast(self, dtype):
        self._clear_cached_op()
        super().cast(dtype)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError


def _holds_unregistered_block(data, children):
    """Whether a (nested) list, tuple or dict holds a Block whose id is not in `children`."""
    if isinstance(data, Block):
        return id(data) not in children
    if isinstance(data, dict):
        data = data.values()
    elif not isinstance(data, (list, tuple)):
        return False
    return any(_holds_unregistered_block(item, children) for item in data)


def _refuse_sparse_parameters(block_name, params):
    """A hybridized graph takes dense parameters only (a sparse one is read through
    `row_sparse_data`, which a graph cannot call)."""
    for param in params:
        if param._stype != "default":
            raise MXNetError("HybridBlock %s cannot run hybridized: Parameter '%s' has storage "
                             "type %s, and a hybridized graph takes dense parameters only (call "
                             "hybridize(False) and use row_sparse_data())"
                             % (block_name, param.name, param._stype))


def _refuse_row_sparse_variables(out):
    """SymbolBlock feeds its parameters with data(): a row_sparse variable cannot be one."""
    from ..graph.node import topo_sort
    from ..ndarray.ndarray import _STORAGE_TYPE_STR_TO_ID
    row_sparse = str(_STORAGE_TYPE_STR_TO_ID["row_sparse"])
    for node in topo_sort(out._outputs):
        if node.op is None and node.user_attrs.get("__storage_type__") == row_sparse:
            raise FailedCheckError("SymbolBlock doesn't support Parameter '%s' because its "
                                   "storage type is 'row_sparse'." % node.name)


def _merge_shape(a, b):
    """The shape both describe (0 unknown), or None when they disagree."""
    if len(a) != len(b):
        return None
    merged = []
    for x, y in zip(a, b):
        if x > 0 and y > 0 and x != y:
            return None
        merged.append(x if x > 0 else y)
    return tuple(merged)


def _common_prefix(names):
    if not names:
        return ""
    prefix = names[0]
    for name in names:
        i = 0
        while i < len(prefix) and i < len(name) and prefix[i] == name[i]:
            i += 1
        prefix = prefix[:i]
    return prefix
