"""Signal operators of MXNet's contrib: fft, ifft (1-D transforms over the last axis, complex
numbers interleaved as [re0, im0, re1, im1, ...]) and count_sketch. MXNet runs them on GPUs
only; here they run on both. Each transform's gradient is the other one."""
import numpy as np

from ..base import ShapeError
from .params import Int
from .registry import operator


@operator("_contrib_fft", params={"compute_size": Int(128, doc="Maximum size of sub-batch to "
                                                               "be forwarded at one time")},
          hint="fft")
class FFT:
    """Apply 1D FFT to input: real data (..., d) gives (..., 2 * d), the complex results
    interleaved as [real0, imag0, real1, imag1, ...]."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        spectrum = xp.fft.fft(x, axis=-1)
        out = xp.stack([spectrum.real, spectrum.imag], axis=-1)
        return out.reshape(x.shape[:-1] + (2 * x.shape[-1],)).astype(x.dtype)

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        return in_shapes, [None if x is None else tuple(x[:-1]) + (2 * x[-1],)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._contrib_ifft(out_grads[0], compute_size=attrs["compute_size"])]


@operator("_contrib_ifft", params={"compute_size": Int(128, doc="Maximum size of sub-batch to "
                                                                "be forwarded at one time")},
          hint="ifft")
class IFFT:
    """Apply 1D inverse FFT to input: interleaved complex data (..., 2 * d) gives the real part
    (..., d) of the unnormalized inverse transform (d times NumPy's ifft)."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        if x.shape[-1] % 2:
            raise ShapeError("ifft: the last axis holds (real, imag) pairs and must be even, "
                             "found %d" % x.shape[-1])
        pairs = x.reshape(x.shape[:-1] + (x.shape[-1] // 2, 2))
        values = pairs[..., 0] + 1j * pairs[..., 1]
        out = xp.fft.ifft(values, axis=-1).real * (x.shape[-1] // 2)
        return out.astype(x.dtype)

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        if x is not None and x[-1] % 2:
            raise ShapeError("ifft: the last axis holds (real, imag) pairs and must be even, "
                             "found %d" % x[-1])
        return in_shapes, [None if x is None else tuple(x[:-1]) + (x[-1] // 2,)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._contrib_fft(out_grads[0], compute_size=attrs["compute_size"])]


@operator("_contrib_count_sketch",
          params={"out_dim": Int(doc="The output dimension.", low=1),
                  "processing_batch_size": Int(32, doc="How many sketch vectors to process at "
                                                       "one time.")},
          inputs=("data", "h", "s"), hint="count_sketch")
class CountSketch:
    """Apply CountSketch to input: map (N, d) data to (N, out_dim) with
    out[n, h[i]] += data[n, i] * s[i] (h: indices in [0, out_dim), s: signs +-1)."""
    def compute(xp, inputs, attrs):
        data, h, s = inputs
        out = xp.zeros((data.shape[0], attrs["out_dim"]), dtype=data.dtype)
        cols = h.reshape(-1).astype(np.int64)
        xp.add.at(out, (slice(None), cols), data * s.reshape(1, -1))
        return out

    def infer_shape(attrs, in_shapes):
        data = in_shapes[0]
        return in_shapes, [None if data is None else (data[0], attrs["out_dim"])]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        h, s = inputs[1], inputs[2]
        picked = F.take(out_grads[0], F.reshape(h, shape=(-1,)), axis=1)
        return [F.broadcast_mul(picked, F.reshape(s, shape=(1, -1))), F.zeros_like(h),
                F.zeros_like(s)]
