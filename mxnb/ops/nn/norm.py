"""LayerNorm, InstanceNorm and GroupNorm: normalise over some axes with the sample's own
statistics, then scale and shift by learned gamma and beta.

The three differ only in which axes they reduce and which axis gamma/beta run along, so they
share one forward and one backward (`_backward_Norm`): data is viewed as `groups` (the statistic
axes kept) and the moments are taken over the reduced axes. As MXNet, the statistics outputs are
the mean and the standard deviation sqrt(var + eps), with the reduced axes kept as size 1.
"""
from ...base import ShapeError
from ..params import Float, Int, Bool, Enum
from ..registry import operator
from ._shapes import merge


def _plan(kind, shape, attrs):
    """(grouped shape, reduced axes in it, gamma broadcast shape against data, stats shape)."""
    nd = len(shape)
    if kind == "layer":
        axis = attrs["axis"] % nd
        stats = tuple(1 if i == axis else d for i, d in enumerate(shape))
        gamma_view = tuple(d if i == axis else 1 for i, d in enumerate(shape))
        return tuple(shape), (axis,), gamma_view, stats
    if kind == "instance":
        stats = tuple(shape[:2]) + (1,) * (nd - 2)
        gamma_view = (1, shape[1]) + (1,) * (nd - 2)
        return tuple(shape), tuple(range(2, nd)), gamma_view, stats
    groups = attrs["num_groups"]
    if shape[1] % groups:
        raise ShapeError("GroupNorm: %d channels are not divisible by num_groups %d"
                         % (shape[1], groups))
    grouped = (shape[0], groups, shape[1] // groups) + tuple(shape[2:])
    gamma_view = (1, groups) + (1,) * (nd - 1)   # gamma is one value per group in MXNet 1.x
    return grouped, tuple(range(2, nd + 1)), gamma_view, (shape[0], groups)


def _forward(xp, kind, inputs, attrs):
    x, gamma, beta = inputs
    grouped, axes, gamma_view, stats = _plan(kind, x.shape, attrs)
    xg = x.reshape(grouped)
    mean = xg.mean(axis=axes, keepdims=True)
    centered = xg - mean
    var = (centered * centered).mean(axis=axes, keepdims=True)
    std = xp.sqrt(var + attrs["eps"])
    xhat = centered / std
    if kind == "group":
        out = xhat * gamma.reshape(gamma_view) + beta.reshape(gamma_view)
    else:
        out = xhat.reshape(x.shape) * gamma.reshape(gamma_view) + beta.reshape(gamma_view)
    dtype = x.dtype
    return [out.reshape(x.shape).astype(dtype, copy=False), mean.reshape(stats).astype(dtype),
            std.reshape(stats).astype(dtype)]


class _Grouped:
    """data in the grouped view: the normalised values, the std and the reductions both
    backward passes need, in array arithmetic on xp (float64 only where param_sum accumulates)."""

    def __init__(self, xp, kind, x, gamma, attrs):
        grouped, self.axes, gamma_view, _ = _plan(kind, x.shape, attrs)
        self.shape = x.shape
        self.grouped = grouped
        xg = x.reshape(grouped)
        centered = xg - xg.mean(axis=self.axes, keepdims=True)
        self.std = xp.sqrt((centered * centered).mean(axis=self.axes, keepdims=True) + attrs["eps"])
        self.xhat = centered / self.std
        self.count = 1
        for a in self.axes:
            self.count *= grouped[a]
        self.gamma = gamma.reshape(gamma_view)
        self.param_axes = tuple(i for i, d in enumerate(gamma_view) if d == 1)

    def view(self, a):
        return a.reshape(self.grouped)

    def stat(self, a):
        """A per-group statistic (mean/std shaped) broadcast in the grouped view."""
        keep = tuple(1 if i in self.axes else d for i, d in enumerate(self.grouped))
        return a.reshape(keep)

    def mean(self, a):
        return a.mean(axis=self.axes, keepdims=True)

    def project(self, v):
        """P(v) = v - mean(v) - xhat * mean(v * xhat): normalisation's (self-adjoint) Jacobian
        without the 1/std."""
        return v - self.mean(v) - self.xhat * self.mean(v * self.xhat)

    def through_x(self, g_xhat, g_std):
        """d/dx of a function of (xhat, std) from its gradients in xhat and (per group) std."""
        return self.project(g_xhat) / self.std + g_std * self.xhat / self.count

    def param_sum(self, a, like):
        """a summed to gamma's shape. These sums run over the batch (every row of a LayerNorm),
        which NumPy adds one row at a time, not pairwise: float16/32 accumulate in float64 so
        the error stays at the result's rounding (MXNet's own accuracy), whatever the count."""
        acc = "float64" if a.dtype.kind == "f" and a.dtype.itemsize <= 4 else None
        return a.sum(axis=self.param_axes, dtype=acc).reshape(like.shape)


def _backward(xp, kind, inputs, attrs):
    og, x, gamma, og_mean, og_std = inputs
    g = _Grouped(xp, kind, x, gamma, attrs)
    ogg = g.view(og)
    grad_x = g.project(ogg * g.gamma) / g.std
    # the statistics outputs, when used: d mean / dx = 1/M, d std / dx = xhat / M
    grad_x = grad_x + (g.stat(og_mean) + g.stat(og_std) * g.xhat) / g.count
    dtype = x.dtype
    return [grad_x.reshape(x.shape).astype(dtype, copy=False),
            g.param_sum(ogg * g.xhat, gamma).astype(dtype, copy=False),
            g.param_sum(ogg, gamma).astype(dtype, copy=False)]


def _backward_gradient(xp, kind, inputs, attrs):
    """The gradients of <head_x, grad_x> + <head_gamma, grad_gamma> + <head_beta, grad_beta>
    with respect to _backward_Norm's inputs (ograd, data, gamma, ograd_mean, ograd_std)."""
    og, x, gamma, og_mean, og_std, h_x, h_gamma, h_beta = inputs
    g = _Grouped(xp, kind, x, gamma, attrs)
    ogg, hx = g.view(og), g.view(h_x)
    hg = h_gamma.reshape(g.gamma.shape)
    hb = h_beta.reshape(g.gamma.shape)
    d = ogg * g.gamma
    p_hx = g.project(hx)
    # ograd enters grad_x through d, grad_gamma through og * xhat and grad_beta directly
    grad_og = g.gamma * p_hx / g.std + hg * g.xhat + hb
    grad_gamma = g.param_sum(ogg * p_hx / g.std, gamma)
    # data: grad_x = P(d)/std + (og_mean + og_std * xhat)/M and grad_gamma = sum(og * xhat),
    # as functions of (xhat, std)
    mean_d_xhat = g.mean(d * g.xhat)
    sum_hx = hx.sum(axis=g.axes, keepdims=True)
    hx_xhat = (hx * g.xhat).sum(axis=g.axes, keepdims=True)
    g_xhat = -(hx * mean_d_xhat + hx_xhat * d / g.count) / g.std \
        + hg * ogg + hx * g.stat(og_std) / g.count
    first = (hx * d).sum(axis=g.axes, keepdims=True) - sum_hx * g.mean(d) - hx_xhat * mean_d_xhat
    g_std = -first / (g.std * g.std)
    grad_x = g.through_x(g_xhat, g_std)
    grad_og_mean = (sum_hx / g.count).reshape(og_mean.shape)
    grad_og_std = (hx_xhat / g.count).reshape(og_std.shape)
    dtype = x.dtype
    return [grad_og.reshape(x.shape).astype(dtype, copy=False),
            grad_x.reshape(x.shape).astype(dtype, copy=False), grad_gamma.astype(dtype, copy=False),
            grad_og_mean.astype(dtype, copy=False), grad_og_std.astype(dtype, copy=False)]


def _param_shape(kind, data, attrs):
    if data is None:
        return None
    if kind == "layer":
        return (data[attrs["axis"] % len(data)],)
    if kind == "instance":
        return (data[1],)
    return (attrs["num_groups"],)


def _shapes(kind, name):
    def infer_shape(attrs, in_shapes):
        data = in_shapes[0]
        if data is not None and kind != "layer" and len(data) < 3:
            raise ShapeError("%s: needs data (N, C, *spatial), found shape %s" % (name, tuple(data)))
        param = _param_shape(kind, data, attrs)
        gamma = merge(in_shapes[1], param, name, "gamma")
        beta = merge(in_shapes[2], gamma, name, "beta")
        stats = _plan(kind, data, attrs)[3] if data is not None and 0 not in data else None
        return [data, gamma, beta], [data, stats, stats]
    return infer_shape


def _gradient(kind):
    def gradient(F, attrs, inputs, outputs, out_grads):
        stats = [g if g is not None else F.zeros_like(v) for g, v in zip(out_grads[1:], outputs[1:])]
        grads = F._backward_Norm(out_grads[0], inputs[0], inputs[1], *stats, kind=kind, **attrs)
        return [grads[0], grads[1], grads[2]]
    return gradient


@operator("LayerNorm", params={"axis": Int(-1), "eps": Float(1e-5, low=0.0),
                               "output_mean_var": Bool(False)},
          inputs=("data", "gamma", "beta"), outputs=("output", "mean", "std"),
          num_visible=lambda attrs: 3 if attrs["output_mean_var"] else 1, hint="layernorm")
class LayerNorm:
    """(data - mean) / sqrt(var + eps) * gamma + beta, with the moments over `axis` of each
    sample; gamma and beta have one value per element of that axis."""
    def compute(xp, inputs, attrs):
        LayerNorm.infer_shape(attrs, [x.shape for x in inputs])     # gamma and beta shapes
        return _forward(xp, "layer", inputs, attrs)
    infer_shape = _shapes("layer", "LayerNorm")
    gradient = _gradient("layer")


@operator("InstanceNorm", params={"eps": Float(1e-3, low=0.0)}, inputs=("data", "gamma", "beta"),
          outputs=("output", "mean", "std"), num_visible=1, hint="instancenorm")
class InstanceNorm:
    """Normalises each (sample, channel) over its spatial axes, then gamma * x + beta per channel."""
    def compute(xp, inputs, attrs):
        InstanceNorm.infer_shape(attrs, [x.shape for x in inputs])     # gamma and beta shapes
        return _forward(xp, "instance", inputs, attrs)
    infer_shape = _shapes("instance", "InstanceNorm")
    gradient = _gradient("instance")


@operator("GroupNorm", params={"num_groups": Int(1, low=1), "eps": Float(1e-5, low=0.0),
                               "output_mean_var": Bool(False)},
          inputs=("data", "gamma", "beta"), outputs=("output", "mean", "std"),
          num_visible=lambda attrs: 3 if attrs["output_mean_var"] else 1, hint="groupnorm")
class GroupNorm:
    """Splits the channels into num_groups groups and normalises each (sample, group) over its
    channels and spatial axes; gamma and beta have one value per group (as MXNet 1.x)."""
    def compute(xp, inputs, attrs):
        GroupNorm.infer_shape(attrs, [x.shape for x in inputs])     # gamma and beta shapes
        return _forward(xp, "group", inputs, attrs)
    infer_shape = _shapes("group", "GroupNorm")
    gradient = _gradient("group")


_BACKWARD_PARAMS = {"kind": Enum(("layer", "instance", "group")), "axis": Int(-1),
                    "eps": Float(1e-5), "num_groups": Int(1), "output_mean_var": Bool(False)}


@operator("_backward_Norm", params=_BACKWARD_PARAMS,
          inputs=("ograd", "data", "gamma", "ograd_mean", "ograd_std"),
          outputs=("data_grad", "gamma_grad", "beta_grad"))
class BackwardNorm:
    """LayerNorm/InstanceNorm/GroupNorm gradients from (ograd, data, gamma) and the gradients of
    the mean and std outputs (the statistics are recomputed from data, so this kernel is a
    function of its inputs alone and can be differentiated again)."""
    def compute(xp, inputs, attrs):
        return _backward(xp, attrs["kind"], inputs, attrs)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1], in_shapes[2], in_shapes[2]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[1]] * 3

    def gradient(F, attrs, inputs, outputs, out_grads):
        return list(F._backward_Norm_gradient(*inputs, *out_grads, **attrs))


@operator("_backward_Norm_gradient", params=_BACKWARD_PARAMS,
          inputs=("ograd", "data", "gamma", "ograd_mean", "ograd_std", "head_data", "head_gamma",
                  "head_beta"),
          outputs=("ograd_grad", "data_grad", "gamma_grad", "ograd_mean_grad", "ograd_std_grad"))
class BackwardNormGradient:
    """_backward_Norm's own input gradients (second order through the normalisations)."""
    def compute(xp, inputs, attrs):
        return _backward_gradient(xp, attrs["kind"], inputs, attrs)

    def infer_shape(attrs, in_shapes):
        return in_shapes, list(in_shapes[:5])

    def infer_type(attrs, in_types):
        return in_types, list(in_types[:5])
