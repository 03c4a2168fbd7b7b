"""Parameter, Constant and ParameterDict (MXNet 1.x `gluon.parameter`).

A Parameter holds one NDArray per context, each with its gradient attached through
`autograd.mark_variables`. Unknown dimensions are 0; initialising such a parameter is deferred
until the first forward pass fills in its shape.
"""
import os
import warnings
from collections import OrderedDict

import numpy as np

from .. import autograd
from .. import ndarray as nd
from ..base import ArgumentTypeError, FailedCheckError, MXNetError, dtype_np
from ..context import Context, cpu, current_context
from ..ndarray.ndarray import NDArray, bump_version

__all__ = ["Parameter", "Constant", "ParameterDict", "DeferredInitializationError",
           "tensor_types"]

tensor_types = (NDArray,)
_GRAD_REQS = ("write", "add", "null")
_STYPES = ("default", "row_sparse", "csr")


class DeferredInitializationError(MXNetError):
    """A parameter's data was asked for before its deferred initialisation could finish."""


class UninitializedParameterError(MXNetError, RuntimeError):
    """A parameter's data was asked for before `initialize()` was called."""


def shape_is_known(shape):
    return shape is not None and all(d > 0 for d in shape)


def _dtype_type(dtype):
    return dtype_np(dtype).type


def _brief(names, limit=3):
    names = list(names)
    if len(names) > 2 * limit:
        return str(names[:limit])[:-1] + ", ..., " + str(names[-limit:])[1:]
    return str(names)


class Parameter:
    """A weight of a Block: data on one or more contexts, its gradient, and how to train it."""

    def __init__(self, name, grad_req="write", shape=None, dtype=np.float32, lr_mult=1.0,
                 wd_mult=1.0, init=None, allow_deferred_init=False, differentiable=True,
                 stype="default", grad_stype="default"):
        self._var = None
        self._data = None          # list of NDArrays, one per context
        self._grad = None
        self._ctx_list = None
        self._ctx_map = None       # Context -> index in _data
        self._fast_ctx = None      # the single context, for the hot path of data()
        self._fast_data = None
        self._trainer = None
        self._deferred_init = ()
        self._differentiable = differentiable
        self._allow_deferred_init = allow_deferred_init
        self._grad_req = None
        if isinstance(shape, (int, np.integer)):
            shape = (int(shape),)
        self._shape = tuple(shape) if shape is not None else None
        self.name = name
        self._dtype = dtype
        self.lr_mult = lr_mult
        self.wd_mult = wd_mult
        self.grad_req = grad_req
        self.init = init
        self._stype = _checked_stype(name, "stype", stype)
        self._grad_stype = _checked_stype(name, "grad_stype", grad_stype)

    def __repr__(self):
        # As MXNet: the dtype as given ('float32' or <class 'numpy.float32'>).
        return "Parameter %s (shape=%s, dtype=%s)" % (self.name, self.shape, self.dtype)

    # --- attributes --------------------------------------------------------------------------
    @property
    def grad_req(self):
        return self._grad_req

    @grad_req.setter
    def grad_req(self, req):
        if req not in _GRAD_REQS:
            raise MXNetError("Parameter %s: grad_req must be one of %s, found %r"
                             % (self.name, _GRAD_REQS, req))
        if not self._differentiable:
            req = "null"
        if self._grad_req == req:
            return
        self._grad_req = req
        if req == "null" and self._grad is not None:
            self._grad = None
            self._set_data_list([d.detach() for d in self._data])
        elif self._data is not None:
            self._init_grad()

    @property
    def dtype(self):
        return self._dtype

    @dtype.setter
    def dtype(self, dtype):
        self._dtype = dtype

    @property
    def shape(self):
        return self._shape

    @shape.setter
    def shape(self, new_shape):
        new_shape = tuple(new_shape) if new_shape is not None else None
        if self._shape is None:
            self._shape = new_shape
            return
        if new_shape is None or len(self._shape) != len(new_shape) or not all(
                old in (0, -1, new) for new, old in zip(new_shape, self._shape)):
            raise MXNetError("Parameter %s: expected a shape compatible with %s, found %s"
                             % (self.name, self._shape, new_shape))
        self._shape = new_shape

    @property
    def stype(self):
        return self._stype

    def _set_trainer(self, trainer):
        """Links the Trainer that updates this parameter (None unlinks it). A sparse parameter
        reads its rows through its trainer's kvstore, so it can belong to one Trainer only."""
        if (self._stype != "default" and trainer is not None and self._trainer is not None
                and self._trainer is not trainer):
            raise MXNetError("Failed to set the trainer for Parameter '%s' because it was already "
                             "set: a %s Parameter can belong to one Trainer only"
                             % (self.name, self._stype))
        self._trainer = trainer

    def _invalidate_trainer_copy(self):
        """New values were written here: a kvstore that runs the optimizer holds its own copy of
        the weight, so the trainer builds its kvstore again from these values (else its next
        step would write the stale copy back over them)."""
        trainer = self._trainer
        if (trainer is not None and trainer._kv_initialized and trainer._update_on_kvstore
                and self not in trainer._params_to_init):
            trainer._reset_kvstore()

    # --- initialisation ----------------------------------------------------------------------
    def initialize(self, init=None, ctx=None, default_init=None, force_reinit=False):
        """Allocates and initialises the data on `ctx` (deferred while the shape is unknown)."""
        if self._data is not None and not force_reinit:
            warnings.warn("Parameter '%s' is already initialized, ignoring. Set force_reinit=True "
                          "to re-initialize." % self.name, stacklevel=2)
            return
        self._set_data_list(None)
        self._grad = None
        ctx = _ctx_list(ctx)
        if default_init is None:
            from .. import initializer
            default_init = initializer.Uniform()
        if init is None:
            init = default_init if self.init is None else self.init
        if not shape_is_known(self.shape):
            if self._allow_deferred_init:
                self._deferred_init = (init, ctx, default_init, None)
                return
            raise MXNetError("Cannot initialize Parameter '%s' because it has invalid shape: %s"
                             % (self.name, self.shape))
        self._deferred_init = (init, ctx, default_init, None)
        self._finish_deferred_init()

    def _finish_deferred_init(self):
        if not self._deferred_init:
            return
        init, ctx, default_init, data = self._deferred_init
        if not shape_is_known(self.shape):
            raise DeferredInitializationError(
                "Parameter '%s' has unknown shape %s after shape inference; give the layer its "
                "input size or pass one batch of data through it" % (self.name, self.shape))
        self._deferred_init = ()
        with autograd.pause():
            if data is None:
                data = self._initial_value(init, default_init)
            self._init_impl(data, ctx)

    def _initial_value(self, init, default_init):
        from .. import initializer
        data = nd.zeros(self.shape, dtype=self.dtype, ctx=cpu())
        creator = initializer.create(default_init) if hasattr(initializer, "create") else default_init
        creator(initializer.InitDesc(self.name, {"__init__": init}), data)
        return data    # dense: _init_impl makes the sparse storage of a sparse parameter

    def _init_impl(self, data, ctx_list):
        self._ctx_list = list(ctx_list)
        self._ctx_map = {c: i for i, c in enumerate(self._ctx_list)}
        data = self._in_own_stype(data)
        datas = []
        for c in self._ctx_list:
            arr = data.copyto(c) if isinstance(data, NDArray) else nd.array(data, ctx=c, dtype=self.dtype)
            if arr is data:
                arr = data.copy()
            datas.append(arr)
        self._set_data_list(datas)
        self._init_grad()

    def _in_own_stype(self, data):
        """`data` in this parameter's storage type (initializers and files give dense arrays)."""
        if self._stype == "default" and not isinstance(data, NDArray):
            return data
        if not isinstance(data, NDArray):
            data = nd.array(data, dtype=self.dtype)
        if self._stype == "row_sparse":
            return _all_rows(data)
        return data if data.stype == self._stype else data.tostype(self._stype)

    def _set_data_list(self, datas):
        self._data = datas
        # the fast path of data() serves dense parameters only (a sparse one raises there)
        if datas is not None and len(datas) == 1 and self._stype == "default":
            self._fast_ctx, self._fast_data = self._ctx_list[0], datas[0]
        else:
            self._fast_ctx = self._fast_data = None

    def _init_grad(self):
        if self.grad_req == "null":
            self._grad = None
            return
        if self._grad_stype != "default":   # row_sparse gradients (sparse Embedding)
            self._grad = [nd.sparse.zeros(self._grad_stype, d.shape, ctx=d.context, dtype=d.dtype)
                          for d in self._data]
        else:
            self._grad = [nd.zeros(d.shape, ctx=d.context, dtype=d.dtype) for d in self._data]
        autograd.mark_variables(self._data, self._grad, self.grad_req)

    # --- data and gradients -------------------------------------------------------------------
    def _check_and_get(self, arr_list, ctx):
        if arr_list is not None:
            if ctx is list:
                return arr_list
            if ctx is None:
                if len(arr_list) == 1:
                    return arr_list[0]
                ctx = current_context()
            idx = self._ctx_map.get(ctx)
            if idx is not None:
                return arr_list[idx]
            raise MXNetError("Parameter '%s' was not initialized on context %s. It was only "
                             "initialized on %s." % (self.name, ctx, self._ctx_list))
        if self._deferred_init:
            raise DeferredInitializationError(
                "Parameter '%s' has not been initialized yet because initialization was deferred. "
                "Actual initialization happens during the first forward pass. Please pass one "
                "batch of data through the network before accessing Parameters." % self.name)
        raise UninitializedParameterError(
            "Parameter '%s' has not been initialized. Note that you should initialize parameters "
            "and create Trainer with Block.collect_params() instead of Block.params because the "
            "later does not include Parameters of nested child Blocks" % self.name)

    def data(self, ctx=None):
        """This parameter's NDArray on `ctx` (the only one, or the current context's).

        Parameters
        ----------
        ctx : Context, optional
            The context; by default the only one, or the current context.

        Returns
        -------
        NDArray

        Raises
        ------
        MXNetError
            For a sparse parameter (use `row_sparse_data`), or one not initialized on `ctx`.

        Examples
        --------
        >>> p = mx.gluon.Parameter('w', shape=(2, 3))
        >>> p.initialize(init='ones')
        >>> p.data().shape
        (2, 3)
        """
        if ctx is self._fast_ctx or ctx is None:
            if self._fast_data is not None:
                return self._fast_data
        if self._stype != "default":
            raise MXNetError("Cannot return a copy of Parameter '%s' on ctx %s via data() because "
                             "its storage type is %s. Please use row_sparse_data() instead."
                             % (self.name, ctx, self._stype))
        return self._check_and_get(self._data, ctx)

    def list_data(self):
        """This parameter's NDArrays on every context, in the order of `list_ctx()`.

        Returns
        -------
        list of NDArray

        Raises
        ------
        MXNetError
            For a sparse parameter (use `list_row_sparse_data`), or an uninitialized one.

        Examples
        --------
        >>> p = mx.gluon.Parameter('w', shape=(2,))
        >>> p.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
        >>> len(p.list_data())
        2
        """
        if self._stype != "default":
            raise MXNetError("Cannot return copies of Parameter '%s' on all contexts via "
                             "list_data() because its storage type is %s. Please use "
                             "list_row_sparse_data() instead." % (self.name, self._stype))
        return self._check_and_get(self._data, list)

    def row_sparse_data(self, row_id):
        """The copy of this row_sparse parameter on `row_id`'s context, holding the rows
        `row_id` (pulled from the Trainer's kvstore, which holds the whole weight).

        Parameters
        ----------
        row_id : NDArray
            Indices of the rows wanted (repeats allowed).

        Returns
        -------
        RowSparseNDArray
            The parameter's own array on that context (the one its gradient is attached to),
            now holding those rows only.

        Raises
        ------
        MXNetError
            When the parameter is not row_sparse, or no Trainer was created with it.

        Examples
        --------
        >>> p = mx.gluon.Parameter('w', shape=(4, 2), stype='row_sparse')
        >>> p.initialize(init='ones')
        >>> trainer = mx.gluon.Trainer([p], 'sgd')
        >>> p.row_sparse_data(mx.nd.array([0, 2])).indices.asnumpy().tolist()
        [0, 2]
        """
        self._check_row_sparse("row_sparse_data()", "data()")
        return self._pull_rows(self._checked_row_id(row_id).context, row_id)

    def list_row_sparse_data(self, row_id):
        """The copies of this row_sparse parameter on every context, each holding the rows
        `row_id` (pulled from the Trainer's kvstore).

        Parameters
        ----------
        row_id : NDArray
            Indices of the rows wanted.

        Returns
        -------
        list of RowSparseNDArray
            The parameter's own arrays, in the order of `list_ctx()`.

        Raises
        ------
        MXNetError
            When the parameter is not row_sparse, or no Trainer was created with it.

        Examples
        --------
        >>> p = mx.gluon.Parameter('w', shape=(4, 2), stype='row_sparse')
        >>> p.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
        >>> trainer = mx.gluon.Trainer([p], 'sgd')
        >>> len(p.list_row_sparse_data(mx.nd.array([1])))
        2
        """
        self._check_row_sparse("list_row_sparse_data()", "list_data()")
        return self._pull_rows(list, row_id)

    def _check_row_sparse(self, method, dense_method):
        if self._stype != "row_sparse":
            raise MXNetError("Cannot return data of Parameter '%s' via %s because its storage "
                             "type is %s. Please use %s instead."
                             % (self.name, method, self._stype, dense_method))

    def _checked_row_id(self, row_id):
        if not isinstance(row_id, NDArray):
            raise ArgumentTypeError("Parameter '%s': row_id must be an NDArray, found %s"
                                    % (self.name, type(row_id).__name__))
        return row_id

    def _pull_rows(self, ctx, row_id):
        """The copies on `ctx` (a Context, or `list` for all) with the rows `row_id` pulled."""
        self._checked_row_id(row_id)
        if self._trainer is None:
            raise MXNetError("Cannot get row_sparse data for Parameter '%s' when no Trainer is "
                             "created with it: its values live in the Trainer's kvstore"
                             % self.name)
        results = self._check_and_get(self._data, ctx)
        with autograd.pause():
            self._trainer._row_sparse_pull(self, results, row_id)
        return results

    def grad(self, ctx=None):
        if self._data is not None and self._grad is None:
            raise MXNetError("Cannot get gradient array for Parameter '%s' because grad_req='null'"
                             % self.name)
        return self._check_and_get(self._grad, ctx)

    def list_grad(self):
        if self._data is not None and self._grad is None:
            raise MXNetError("Cannot get gradient array for Parameter '%s' because grad_req='null'"
                             % self.name)
        return self._check_and_get(self._grad, list)

    def list_ctx(self):
        if self._data is None:
            if self._deferred_init:
                return self._deferred_init[1]
            raise UninitializedParameterError("Parameter '%s' has not been initialized" % self.name)
        return self._ctx_list

    def set_data(self, data):
        """Writes `data` into every copy (before deferred init completes, keeps it for then)."""
        self.shape = data.shape
        if self._data is None:
            if not self._deferred_init:
                raise UninitializedParameterError(
                    "Parameter '%s' has not been initialized" % self.name)
            self._deferred_init = self._deferred_init[:3] + (data,)
            return
        self._invalidate_trainer_copy()
        for arr in self._data:
            _copy_into(data, arr)

    def zero_grad(self):
        if self._grad is None:
            return
        for g in self._grad:
            if g._sparse:
                g[:] = nd.sparse.zeros(g.stype, g.shape, ctx=g.context, dtype=g.dtype)
            else:
                g._data[...] = 0
                bump_version(g)

    def reset_ctx(self, ctx):
        """Moves the data (averaged over its current copies) to the contexts `ctx`."""
        ctx = _ctx_list(ctx)
        if self._data is not None:
            data = self._reduce()
            with autograd.pause():
                self._init_impl(data, ctx)
        elif self._deferred_init:
            init, _, default_init, data = self._deferred_init
            self._deferred_init = (init, ctx, default_init, data)
        else:
            raise MXNetError("Cannot reset context for Parameter '%s' because it has not been "
                             "initialized." % self.name)

    def _reduce(self):
        """The data on cpu, averaged over contexts (what gets saved)."""
        if self._stype != "default":
            return self._reduce_sparse()
        datas = self.list_data()
        if len(datas) == 1:
            return datas[0].copyto(cpu())
        total = datas[0].copyto(cpu())
        for d in datas[1:]:
            total = total + d.copyto(cpu())
        return total / len(datas)

    def _reduce_sparse(self):
        """The whole sparse value on cpu: every row pulled from the trainer's kvstore (the
        contexts' copies hold the rows pulled last), or the first copy before any trainer."""
        if self._trainer is None:
            return self._check_and_get(self._data, list)[0].copyto(cpu())
        all_rows = nd.arange(0, self.shape[0], dtype="int64", ctx=cpu())
        out = nd.sparse.zeros(self._stype, self.shape, ctx=cpu(), dtype=self.dtype)
        self._trainer._row_sparse_pull(self, out, all_rows, full_idx=True)
        return out

    def var(self):
        """A symbol variable standing for this parameter (cached)."""
        if self._var is None:
            from .. import symbol
            kwargs = {"shape": self.shape, "dtype": self.dtype, "lr_mult": self.lr_mult,
                      "wd_mult": self.wd_mult, "stype": self._stype}
            init = self.init
            if isinstance(init, str):
                kwargs["init"] = init
            elif init is not None and hasattr(init, "dumps"):
                kwargs["init"] = init.dumps()
            self._var = symbol.var(self.name, **kwargs)
        return self._var

    def cast(self, dtype):
        """Casts data and gradient to `dtype` (keeping them attached to each other)."""
        self._dtype = dtype
        self._var = None
        if self._data is None:
            return
        with autograd.pause():
            self._set_data_list([d.astype(dtype) for d in self._data])
            if self._grad is not None:
                self._init_grad()

    # --- loading ---------------------------------------------------------------------------
    def _check_loadable(self, data, cast_dtype, dtype_source, where):
        """Raises MXNetError if `data` cannot be loaded into this parameter (changes nothing)."""
        if not isinstance(data, NDArray):
            raise MXNetError("%s: Parameter '%s' expected an NDArray, found %s"
                             % (where, self.name, type(data).__name__))
        if self.shape:
            if len(self.shape) != len(data.shape) or not all(
                    s in (0, -1, d) for s, d in zip(self.shape, data.shape)):
                raise MXNetError("%s: Failed loading Parameter '%s' from saved params: shape "
                                 "incompatible expected %s vs saved %s"
                                 % (where, self.name, self.shape, data.shape))
        if self.dtype is not None and not cast_dtype and _dtype_type(self.dtype) != data.dtype:
            raise MXNetError("%s: Failed loading Parameter '%s' from saved params: dtype "
                             "incompatible expected %s vs saved %s. Set cast_dtype=True to cast "
                             "the dtype of saved params." % (where, self.name,
                                                             _dtype_name(self.dtype),
                                                             _dtype_name(data.dtype)))

    def _load_init(self, data, ctx, cast_dtype=False, dtype_source="current"):
        """Loads `data` (already checked by `_check_loadable`) into this parameter."""
        if self.shape:
            self._shape = tuple(s if s > 0 else d for s, d in zip(self.shape, data.shape))
        else:
            self._shape = tuple(data.shape)
        retype = False
        if cast_dtype and _dtype_type(self.dtype) != data.dtype:
            if dtype_source == "saved":
                self._dtype = data.dtype
                self._var = None
                retype = self._data is not None   # the arrays themselves change dtype
            else:
                data = data.astype(self.dtype)
        if isinstance(ctx, Context):
            ctx = [ctx]
        with autograd.pause():
            if self._data is None:
                if self._deferred_init:
                    ctx = self._deferred_init[1]
                elif ctx is None:
                    ctx = [cpu()]
                self._init_impl(data, ctx)
            elif ctx is not None and set(ctx) != set(self.list_ctx()):
                self._init_impl(data, ctx)
            elif retype:
                self._init_impl(data, self.list_ctx())
            else:
                self._invalidate_trainer_copy()
                for arr in self._data:
                    _copy_into(data, arr)
        self._deferred_init = ()


class Constant(Parameter):
    """A parameter that is never trained (grad_req='null'), holding `value`."""

    def __init__(self, name, value):
        if not isinstance(value, NDArray):
            value = nd.array(value)
        self.value = value
        super().__init__(name, grad_req="null", shape=value.shape, dtype=value.dtype, init="zeros")

    def __repr__(self):
        return "Constant %s (shape=%s, dtype=%s)" % (self.name, self.shape, self.dtype)

    @property
    def grad_req(self):
        return "null"

    @grad_req.setter
    def grad_req(self, req):
        if req != "null":
            warnings.warn("Constant parameter '%s' does not support grad_req other than 'null', "
                          "and new value '%s' is ignored." % (self.name, req))
        self._grad_req = "null"

    def _initial_value(self, init, default_init):
        return self.value


class ParameterDict:
    """An ordered dictionary of Parameters sharing a name prefix (and maybe another dict's)."""

    def __init__(self, prefix="", shared=None):
        self._prefix = prefix
        self._params = OrderedDict()
        self._shared = shared

    def __repr__(self):
        name = self._prefix + " " if self._prefix else ""
        content = "\n".join(_indent("  %s" % v, 2) for v in self.values())
        return "%s(\n%s\n)" % (name, content)

    def __getitem__(self, key):
        return self._params[key]

    def __iter__(self):
        return iter(self._params)

    def __len__(self):
        return len(self._params)

    def __contains__(self, key):
        return key in self._params

    def items(self):
        return self._params.items()

    def keys(self):
        return self._params.keys()

    def values(self):
        return self._params.values()

    @property
    def prefix(self):
        return self._prefix

    def _get_impl(self, name):
        if name in self._params:
            return self._params[name]
        if self._shared is not None and name in self._shared._params:
            self._params[name] = self._shared._params[name]
            return self._params[name]
        return None

    def get(self, name, **kwargs):
        """The Parameter `prefix + name`, created with `kwargs` if it does not exist yet."""
        name = self._prefix + name
        param = self._get_impl(name)
        if param is None:
            # A block's forward can always infer unknown dims, so block parameters may defer
            # (MXNet requires allow_deferred_init=True; custom blocks often omit it).
            kwargs.setdefault("allow_deferred_init", True)
            param = Parameter(name, **kwargs)
            self._params[name] = param
            return param
        for key, value in kwargs.items():
            existing = getattr(param, key, None)
            if existing is None:
                setattr(param, key, value)
                continue
            if key == "shape":
                merged = _merge_shapes(value, existing)
                if merged is not None:
                    param._shape = merged
                    continue
            elif key == "dtype" and dtype_np(value) == dtype_np(existing):
                continue
            if value is not None and value != existing:
                raise MXNetError("Cannot retrieve Parameter '%s' because desired attribute does not "
                                 "match with stored for attribute '%s': desired '%s' vs stored '%s'."
                                 % (name, key, value, existing))
        return param

    def get_constant(self, name, value=None):
        name = self._prefix + name
        param = self._get_impl(name)
        if param is None:
            if value is None:
                raise MXNetError("No constant named '%s'. Please specify value if you want to "
                                 "create a new constant." % name)
            param = Constant(name, value)
            self._params[name] = param
        elif value is not None:
            if not isinstance(param, Constant):
                raise MXNetError("Parameter '%s' already exists but it is not a constant." % name)
        return param

    def update(self, other):
        for key, value in other.items():
            if key in self._params and self._params[key] is not value:
                raise MXNetError("Cannot update self with other because they have different "
                                 "Parameters with the same name '%s'" % key)
        for key, value in other.items():
            self._params[key] = value

    def initialize(self, init=None, ctx=None, verbose=False, force_reinit=False):
        if init is None:
            from .. import initializer
            init = initializer.Uniform()
        if verbose and hasattr(init, "set_verbosity"):
            init.set_verbosity(verbose=verbose)
        for param in self.values():
            param.initialize(None, ctx, init, force_reinit=force_reinit)

    def zero_grad(self):
        for param in self.values():
            param.zero_grad()

    def reset_ctx(self, ctx):
        for param in self.values():
            param.reset_ctx(ctx)

    def list_ctx(self):
        seen = []
        for param in self.values():
            for c in param.list_ctx():
                if c not in seen:
                    seen.append(c)
        return seen

    def setattr(self, name, value):
        for param in self.values():
            setattr(param, name, value)

    def save(self, filename, strip_prefix=""):
        arg_dict = {}
        for param in self.values():
            if not param.name.startswith(strip_prefix):
                raise MXNetError("Prefix '%s' is to be striped before saving, but Parameter's name "
                                 "'%s' does not start with '%s'." % (strip_prefix, param.name,
                                                                    strip_prefix))
            arg_dict[param.name[len(strip_prefix):]] = param._reduce()
        nd.save(filename, arg_dict)   # atomic: a failed save leaves the old file

    def load(self, filename, ctx=None, allow_missing=False, ignore_extra=False, restore_prefix="",
             cast_dtype=False, dtype_source="current"):
        """Loads the file written by `save` (or `export`); all or nothing."""
        if restore_prefix:
            for name in self.keys():
                if not name.startswith(restore_prefix):
                    raise MXNetError("restore_prefix is '%s' but Parameters name '%s' does not start "
                                     "with '%s'" % (restore_prefix, name, restore_prefix))
        loaded = load_file(filename)
        arg_dict = {restore_prefix + _strip_arg_aux(k): v for k, v in loaded.items()}
        targets = {name: self[name] for name in self.keys()}
        load_into(targets, arg_dict, filename, ctx, allow_missing, ignore_extra, cast_dtype,
                  dtype_source, "ParameterDict")


# --- file helpers shared with Block.save_parameters / load_parameters --------------------------
def _strip_arg_aux(key):
    return key[4:] if key.startswith(("arg:", "aux:")) else key


def load_file(filename):
    """nd.load of a dict of arrays; any failure becomes an MXNetError naming the file."""
    if not os.path.isfile(filename):
        raise MXNetError("cannot load parameters: file '%s' does not exist" % filename)
    try:
        loaded = nd.load(filename)
    except Exception as exc:
        raise MXNetError("cannot load parameters from '%s': the file is corrupt or truncated (%s)"
                         % (filename, exc)) from None
    if isinstance(loaded, list):
        if loaded:
            raise MXNetError("cannot load parameters from '%s': expected a dict of named arrays, "
                             "found a list of %d unnamed arrays" % (filename, len(loaded)))
        loaded = {}
    return loaded


def load_into(targets, loaded, filename, ctx, allow_missing, ignore_extra, cast_dtype,
              dtype_source, owner):
    """Checks every (name -> Parameter) against `loaded`, then assigns; nothing on failure."""
    if cast_dtype and dtype_source not in ("current", "saved"):
        raise MXNetError("dtype_source must be 'current' or 'saved', found %r" % dtype_source)
    missing = extra = []
    if not allow_missing:
        by_param = OrderedDict()
        for name, param in targets.items():
            by_param.setdefault(param, []).append(name)
        missing = [names[0] for names in by_param.values() if not any(n in loaded for n in names)]
    if not ignore_extra:
        extra = [name for name in loaded if name not in targets]
    if missing and extra:
        # Most likely a file of another architecture: say everything that does not fit at once.
        raise MXNetError("File '%s' does not fit %s: parameters %s are missing in the file, and "
                         "the file's parameters %s are not present in %s (it holds %s). Set "
                         "allow_missing=True / ignore_extra=True to load the common part."
                         % (filename, owner, _brief(missing), _brief(extra), owner,
                            _brief(loaded.keys())))
    if missing:
        raise MXNetError("Parameter '%s' is missing in file '%s'%s, which contains parameters: "
                         "%s. Set allow_missing=True to ignore missing parameters."
                         % (missing[0], filename,
                            " (with %s)" % _brief(missing[1:]) if len(missing) > 1 else "",
                            _brief(loaded.keys())))
    if extra:
        raise MXNetError("Parameter '%s' loaded from file '%s' is not present in %s, which "
                         "contains parameters %s. Set ignore_extra=True to ignore."
                         % (extra[0], filename, owner, _brief(targets.keys())))
    where = "file '%s'" % filename
    chosen = [(targets[name], arr) for name, arr in loaded.items() if name in targets]
    problems = []
    for param, arr in chosen:
        try:
            param._check_loadable(arr, cast_dtype, dtype_source, where)
        except MXNetError as exc:
            problems.append((param.name, exc))
    if len(problems) == 1:
        raise problems[0][1]
    if problems:
        raise MXNetError("%s (and %d more parameters that do not fit: %s)"
                         % (problems[0][1], len(problems) - 1,
                            _brief(name for name, _ in problems[1:])))
    for param, arr in chosen:
        param._load_init(arr, ctx, cast_dtype=cast_dtype, dtype_source=dtype_source)


# --- small helpers ------------------------------------------------------------------------------
def _copy_into(src, dst):
    if dst._sparse or (isinstance(src, NDArray) and src._sparse):
        if not isinstance(src, NDArray):
            src = nd.array(src, dtype=dst.dtype)
        src = src.as_in_context(dst.context)
        dst[:] = src if src.stype == dst.stype else src.tostype(dst.stype)
        return
    if isinstance(src, NDArray):
        host = src.as_in_context(dst.context)._data
    else:
        host = nd.array(src, ctx=dst.context, dtype=dst.dtype)._data
    dst._data[...] = host
    bump_version(dst)


def _all_rows(data):
    """A row_sparse copy of `data` storing every row, zero rows too, as MXNet's initialized
    row_sparse parameters do (sparse optimizer updates want a weight holding all its rows)."""
    if data.stype == "row_sparse" and data.indices.shape[0] == data.shape[0]:
        return data
    dense = data.tostype("default") if data._sparse else data
    rows = nd.arange(0, dense.shape[0], dtype="int64", ctx=dense.context)
    return nd.sparse.row_sparse_array((dense, rows), shape=dense.shape, ctx=dense.context,
                                      dtype=dense.dtype)


def _checked_stype(name, what, stype):
    if stype not in _STYPES:
        raise FailedCheckError("%s for Parameter '%s' must be one of 'default', 'row_sparse', or "
                               "'csr', but got %r" % (what, name, stype))
    return stype


def _ctx_list(ctx):
    if ctx is None:
        return [current_context()]
    if isinstance(ctx, Context):
        return [ctx]
    return list(ctx)


def _merge_shapes(wanted, stored):
    """The shape both describe (0 is unknown), or None when they disagree."""
    wanted = (wanted,) if isinstance(wanted, int) else tuple(wanted)
    if len(wanted) != len(stored):
        return None
    merged = []
    for a, b in zip(wanted, stored):
        if a != b and a > 0 and b > 0:
            return None
        merged.append(b if a in (0, -1) else a)
    return tuple(merged)


def _dtype_name(dtype):
    try:
        return np.dtype(dtype).name
    except TypeError:
        return str(dtype)


def _indent(text, num_spaces):
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    first = lines.pop(0)
    return first + "\n" + "\n".join(num_spaces * " " + line for line in lines)
