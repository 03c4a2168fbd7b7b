"""Spatial transformer networks: GridGenerator (affine or warp sampling grids), BilinearSampler
(bilinear sampling of data at grid points, zero outside) and SpatialTransformer (the two in one).

Grids hold normalised coordinates: x in channel 0 and y in channel 1, -1 and 1 being the centres
of the first and last pixels.
"""
from ...base import ShapeError
from ..params import Shape, Enum, Bool
from ..registry import operator

# --- GridGenerator ------------------------------------------------------------------------------
_GRID = {"transform_type": Enum(("affine", "warp")), "target_shape": Shape((0, 0), low=0)}


def _base_grid(xp, h, w, dtype):
    """(3, h*w): normalised x, y and ones for every target pixel, row-major."""
    xs = xp.linspace(-1.0, 1.0, w) if w > 1 else xp.zeros(1)
    ys = xp.linspace(-1.0, 1.0, h) if h > 1 else xp.zeros(1)
    gx = xp.tile(xs, h)
    gy = xp.repeat(ys, w)
    return xp.stack([gx, gy, xp.ones(h * w)]).astype(dtype)


def _warp_scale(xp, h, w, dtype):
    """What a flow in pixels is multiplied by to become normalised: 2 / (size - 1) per axis."""
    return xp.asarray([2.0 / max(w - 1, 1), 2.0 / max(h - 1, 1)], dtype=dtype).reshape(1, 2, 1, 1)


def _affine_grid(xp, theta, h, w):
    n = theta.shape[0]
    grid = xp.matmul(theta.reshape(n, 2, 3), _base_grid(xp, h, w, theta.dtype))
    return grid.reshape(n, 2, h, w)


@operator("GridGenerator", params=_GRID, hint="gridgenerator")
class GridGenerator:
    """affine: data (N, 6) are 2x3 matrices applied to the target grid of target_shape (H, W);
    warp: data (N, 2, H, W) is an optical flow in pixels added to the identity grid."""
    def compute(xp, inputs, attrs):
        data = inputs[0]
        GridGenerator.infer_shape(attrs, [data.shape])
        if attrs["transform_type"] == "affine":
            h, w = attrs["target_shape"]
            return _affine_grid(xp, data, h, w)
        h, w = data.shape[2:]
        base = _base_grid(xp, h, w, data.dtype)[:2].reshape(1, 2, h, w)
        return data * _warp_scale(xp, h, w, data.dtype) + base

    def infer_shape(attrs, in_shapes):
        data = in_shapes[0]
        if data is None:
            return in_shapes, [None]
        if attrs["transform_type"] == "affine":
            if len(data) != 2 or data[1] not in (0, 6):
                raise ShapeError("GridGenerator: affine takes (N, 6) data, found %s" % (tuple(data),))
            return in_shapes, [(data[0], 2) + tuple(attrs["target_shape"])]
        if len(data) != 4 or data[1] not in (0, 2):
            raise ShapeError("GridGenerator: warp takes a flow (N, 2, H, W), found %s" % (tuple(data),))
        return in_shapes, [tuple(data)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_GridGenerator(out_grads[0], **attrs)]


@operator("_backward_GridGenerator", params=_GRID, inputs=("ograd",))
class BackwardGridGenerator:
    """GridGenerator's data gradient (it is linear in data apart from the warp's fixed offset)."""
    def compute(xp, inputs, attrs):
        og = inputs[0]
        n, _, h, w = og.shape
        if attrs["transform_type"] == "affine":
            base = _base_grid(xp, h, w, og.dtype)                         # (3, HW)
            return xp.matmul(og.reshape(n, 2, h * w), base.T).reshape(n, 6)
        return og * _warp_scale(xp, h, w, og.dtype)

    def infer_shape(attrs, in_shapes):
        og = in_shapes[0]
        if og is None:
            return in_shapes, [None]
        return in_shapes, [(og[0], 6) if attrs["transform_type"] == "affine" else tuple(og)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        g = out_grads[0]
        if attrs["transform_type"] == "affine":
            return [F.GridGenerator(g, **attrs)]
        return [F._backward_GridGenerator(g, **attrs)]   # a per-axis scaling: its own transpose


# --- BilinearSampler ----------------------------------------------------------------------------
def _corners(xp, data, grid):
    """The four neighbours of every sampling point: [(flat index (N, P), weight (N, P), inside)],
    plus the source coordinates and their floors."""
    n, c, h, w = data.shape
    gx = grid[:, 0].reshape(n, -1).astype("float64")
    gy = grid[:, 1].reshape(n, -1).astype("float64")
    sx = (gx + 1) * (w - 1) / 2
    sy = (gy + 1) * (h - 1) / 2
    x0 = xp.floor(sx)
    y0 = xp.floor(sy)
    fx, fy = sx - x0, sy - y0
    x0 = x0.astype("int64")
    y0 = y0.astype("int64")
    out = []
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            xi, yi = x0 + dx, y0 + dy
            inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            flat = xp.clip(yi, 0, h - 1) * w + xp.clip(xi, 0, w - 1)
            out.append((flat, wx * wy, inside, dx, dy))
    return out, fx, fy


def _gather(xp, data, flat):
    n, c = data.shape[:2]
    src = data.reshape(n, c, -1)
    return xp.take_along_axis(src, xp.broadcast_to(flat[:, None, :], (n, c, flat.shape[1])), axis=2)


@operator("BilinearSampler", params={"cudnn_off": Bool(False)}, inputs=("data", "grid"),
          hint="bilinearsampler")
class BilinearSampler:
    """Samples data (N, C, H, W) at grid (N, 2, Ho, Wo) bilinearly; points outside read 0."""
    def compute(xp, inputs, attrs):
        data, grid = inputs
        BilinearSampler.infer_shape(attrs, [data.shape, grid.shape])
        n, c = data.shape[:2]
        total = 0
        for flat, weight, inside, _, _ in _corners(xp, data, grid)[0]:
            total = total + _gather(xp, data, flat) * (weight * inside)[:, None, :]
        return total.reshape((n, c) + grid.shape[2:]).astype(data.dtype)

    def infer_shape(attrs, in_shapes):
        data, grid = in_shapes
        if data is not None and len(data) != 4:
            raise ShapeError("BilinearSampler: needs (N, C, H, W) data, found %s" % (tuple(data),))
        if grid is not None and (len(grid) != 4 or grid[1] not in (0, 2)):
            raise ShapeError("BilinearSampler: needs a grid (N, 2, H, W), found %s" % (tuple(grid),))
        if data is None or grid is None:
            return in_shapes, [None]
        return in_shapes, [(data[0], data[1]) + tuple(grid[2:])]

    def gradient(F, attrs, inputs, outputs, out_grads):
        grads = F._backward_BilinearSampler(out_grads[0], inputs[0], inputs[1])
        return [grads[0], grads[1]]


def _sampler_backward(xp, og, data, grid):
    n, c, h, w = data.shape
    og = og.reshape(n, c, -1).astype("float64")
    corners, fx, fy = _corners(xp, data, grid)
    grad_data = xp.zeros(n * c * h * w, dtype="float64")
    offsets = (xp.arange(n)[:, None, None] * c + xp.arange(c)[None, :, None]) * (h * w)
    d_sx = 0
    d_sy = 0
    for flat, weight, inside, dx, dy in corners:
        index = offsets + flat[:, None, :]
        contribution = og * (weight * inside)[:, None, :]
        grad_data += xp.bincount(index.reshape(-1), weights=contribution.reshape(-1),
                                 minlength=grad_data.size)
        value = (_gather(xp, data, flat) * inside[:, None, :]).astype("float64")
        along = (og * value).sum(axis=1)                              # (N, P)
        wy = fy if dy else 1 - fy
        wx = fx if dx else 1 - fx
        d_sx = d_sx + along * wy * (1 if dx else -1)
        d_sy = d_sy + along * wx * (1 if dy else -1)
    grad_grid = xp.stack([d_sx * (w - 1) / 2, d_sy * (h - 1) / 2], axis=1)
    return [grad_data.reshape(data.shape).astype(data.dtype),
            grad_grid.reshape(grid.shape).astype(grid.dtype)]


@operator("_backward_BilinearSampler", inputs=("ograd", "data", "grid"),
          outputs=("data_grad", "grid_grad"))
class BackwardBilinearSampler:
    """BilinearSampler's gradients: data by scattering ograd with the bilinear weights, grid by
    the weights' derivatives with respect to the sampling coordinates."""
    def compute(xp, inputs, attrs):
        return _sampler_backward(xp, *inputs)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1], in_shapes[2]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[1], in_types[2]]


# --- SpatialTransformer ------------------------------------------------------------------------
_ST = {"target_shape": Shape((0, 0), low=0), "transform_type": Enum(("affine",), "affine"),
       "sampler_type": Enum(("bilinear",), "bilinear"), "cudnn_off": Bool(False)}


@operator("SpatialTransformer", params=_ST, inputs=("data", "loc"), hint="spatialtransformer")
class SpatialTransformer:
    """BilinearSampler(data, GridGenerator(loc, 'affine', target_shape)): data warped by the
    affine transforms loc (N, 6) onto a target_shape grid."""
    def compute(xp, inputs, attrs):
        data, loc = inputs
        SpatialTransformer.infer_shape(attrs, [data.shape, loc.shape])
        h, w = attrs["target_shape"]
        return BilinearSampler.compute(xp, [data, _affine_grid(xp, loc, h, w)], {})

    def infer_shape(attrs, in_shapes):
        data, loc = in_shapes
        if loc is not None and (len(loc) != 2 or loc[1] not in (0, 6)):
            raise ShapeError("SpatialTransformer: loc must be (N, 6) affine parameters, found %s"
                             % (tuple(loc),))
        if data is None:
            return in_shapes, [None]
        return [data, (data[0], 6)], [tuple(data[:2]) + tuple(attrs["target_shape"])]

    def gradient(F, attrs, inputs, outputs, out_grads):
        data, loc = inputs
        grid = F.GridGenerator(loc, transform_type="affine", target_shape=attrs["target_shape"])
        grads = F._backward_BilinearSampler(out_grads[0], data, grid)
        return [grads[0], F._backward_GridGenerator(grads[1], transform_type="affine",
                                                    target_shape=attrs["target_shape"])]
