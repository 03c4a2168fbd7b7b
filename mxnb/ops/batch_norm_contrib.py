"""Contrib variants of BatchNorm: SyncBatchNorm (statistics across devices; on one device, and
in this single-process build, it is BatchNorm over the batch it is given) and
BatchNormWithReLU (BatchNorm followed by relu, MXNet's fused operator). Both normalise through
BatchNorm's own code (SyncBatchNorm its operator, BatchNormWithReLU nn.batch_norm.normalize and
normalize_gradient with relu folded into their loops), so they follow it exactly."""
from .nn.batch_norm import (MOVING_STATS_INIT, BackwardBatchNorm, _per_channel, backward_attrs,
                            normalize, normalize_gradient)
from .params import Bool, Float, Int, OptFloat, Str
from .registry import get, operator

_SYNC = {"eps": Float(1e-3, doc="Epsilon to prevent div 0"),
         "momentum": Float(0.9, doc="Momentum for moving average"),
         "fix_gamma": Bool(True, doc="Fix gamma while training"),
         "use_global_stats": Bool(False, doc="Whether use global moving statistics instead of "
                                             "local batch-norm."),
         "output_mean_var": Bool(False, doc="Output All,normal mean and var"),
         "ndev": Int(1, doc="The count of GPU devices", low=1),
         "key": Str(doc="Hash key for synchronization, please set the same hash key for "
                            "same layer, Block.prefix is typically used as in "
                            ":class:`gluon.nn.contrib.SyncBatchNorm`.")}
_BN_RELU = {"eps": Float(1e-3, doc="Epsilon to prevent div 0."),
            "momentum": Float(0.9, doc="Momentum for moving average"),
            "fix_gamma": Bool(True, doc="Fix gamma while training"),
            "use_global_stats": Bool(False, doc="Whether use global moving statistics instead "
                                                "of local batch-norm."),
            "output_mean_var": Bool(False, doc="Output the mean and inverse std "),
            "axis": Int(1, doc="Specify which shape axis the channel is specified"),
            "cudnn_off": Bool(False, doc="Do not select CUDNN operator, if available"),
            "min_calib_range": OptFloat(None, doc="The minimum scalar value in the form of "
                                                  "float32 obtained through calibration."),
            "max_calib_range": OptFloat(None, doc="The maximum scalar value in the form of "
                                                  "float32 obtained through calibration.")}


def _bn_attrs(attrs):
    """Our attributes as BatchNorm's (its defaults for what we do not have)."""
    bn = get("BatchNorm")
    return {k: attrs.get(k, v) for k, v in bn.defaults.items()}


def _bn_infer(attrs, in_shapes):
    return get("BatchNorm").infer_shape(_bn_attrs(attrs), in_shapes)


def _bn_infer_type(attrs, in_types):
    return get("BatchNorm").infer_type(_bn_attrs(attrs), in_types)


@operator("_contrib_SyncBatchNorm", params=_SYNC, inputs=("data", "gamma", "beta"),
          aux=("moving_mean", "moving_var"), outputs=("output", "mean", "var"),
          num_visible=lambda attrs: 3 if attrs["output_mean_var"] else 1, needs_train=True,
          hint="syncbatchnorm")
class SyncBatchNorm:
    """Batch normalization with the statistics of the whole (multi-device) batch. A single
    process computes on one device at a time, so this is BatchNorm over the given batch (with
    ndev = 1 the results are MXNet's). With output_mean_var the outputs are (output, mean,
    variance), as MXNet's (BatchNorm's third is the inverse standard deviation): the batch mean
    and biased variance in training, the moving statistics used otherwise (where MXNet leaves
    these two outputs unwritten)."""
    input_init = MOVING_STATS_INIT

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        x, moving_var = inputs[0], inputs[4]
        stats_from_batch = is_train and not attrs["use_global_stats"]
        if not stats_from_batch:        # read before BatchNorm could touch it
            var = moving_var.astype(x.dtype)
        out, mean, _invstd = get("BatchNorm").compute(xp, inputs, _bn_attrs(attrs),
                                                       is_train=is_train, rng=rng)
        if stats_from_batch:
            var = _batch_variance(xp, x, mean)
        # Unlike BatchNorm (mean, inverse std), MXNet's SyncBatchNorm outputs (mean, variance).
        return [out, mean, var]

    infer_shape = _bn_infer
    infer_type = _bn_infer_type

    def gradient(F, attrs, inputs, outputs, out_grads):
        bn_attrs = dict(_bn_attrs(attrs), **{k: v for k, v in attrs.items() if k == "_is_train"})
        invstd = F.rsqrt(F._plus_scalar(outputs[2], scalar=attrs["eps"]))
        return get("BatchNorm").gradient(F, bn_attrs, inputs, [outputs[0], outputs[1], invstd],
                                         out_grads)


def _batch_variance(xp, x, mean):
    """The biased per-channel variance of `x` around its batch `mean` (float16 accumulating in
    float32), in x's dtype: SyncBatchNorm's third output."""
    x3, _ = _per_channel(x, 1)
    acc = xp.float32 if x.dtype.itemsize < 4 else x.dtype
    centred = x3.astype(acc) - mean.astype(acc).reshape(1, -1, 1)
    count = x3.shape[0] * x3.shape[2]
    return (xp.einsum("ncm,ncm->c", centred, centred) / count).astype(x.dtype)


@operator("_contrib_BatchNormWithReLU", params=_BN_RELU, inputs=("data", "gamma", "beta"),
          aux=("moving_mean", "moving_var"), outputs=("output", "mean", "var"),
          num_visible=lambda attrs: 3 if attrs["output_mean_var"] else 1, needs_train=True,
          hint="batchnormwithrelu")
class BatchNormWithReLU:
    """Batch normalization followed by relu (MXNet's fused BatchNorm + ReLU): one compiled pass
    writes the normalized and rectified result, and the backward takes relu's gradient inside
    BatchNorm's (_backward_BatchNormWithReLU), where the two operators make two passes each."""
    input_init = MOVING_STATS_INIT

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        return normalize(xp, inputs, _bn_attrs(attrs), is_train, relu=True)

    infer_shape = _bn_infer
    infer_type = _bn_infer_type

    def gradient(F, attrs, inputs, outputs, out_grads):
        grads = F._backward_BatchNormWithReLU(
            out_grads[0], inputs[0], inputs[1], outputs[1], outputs[2], outputs[0],
            **backward_attrs(attrs))
        return [grads[0], grads[1], grads[2], None, None]


@operator("_backward_BatchNormWithReLU", params=get("_backward_BatchNorm").params,
          inputs=("ograd", "data", "gamma", "mean", "invstd", "output"),
          outputs=("data_grad", "gamma_grad", "beta_grad"))
class BackwardBatchNormWithReLU:
    """BatchNormWithReLU's gradients from (ograd, data, gamma, mean, invstd, output): those of
    BatchNorm for relu's gradient (output > 0) * ograd, which the compiled loop takes as it
    reads ograd (no pass of its own)."""
    def compute(xp, inputs, attrs):
        return normalize_gradient(xp, inputs[:5], attrs, relu_out=inputs[5])

    infer_shape = BackwardBatchNorm.infer_shape       # the extra input has ograd's shape
    infer_type = BackwardBatchNorm.infer_type

    def gradient(F, attrs, inputs, outputs, out_grads):
        """_backward_BatchNorm's second order (fixed statistics only) through relu's mask,
        which is constant where it is differentiable: d/d ograd is the mask times
        _backward_BatchNorm's, and the output (the mask's source) gets none."""
        if attrs["training"]:
            from ..graph.gradient import no_gradient_error
            raise no_gradient_error("_backward_BatchNormWithReLU",
                                    " in training mode (batch statistics)")
        og, x, gamma, mean, invstd, out = inputs
        masked = F._backward_Activation(og, out, out, act_type="relu")
        grads = get("_backward_BatchNorm").gradient(F, attrs, [masked, x, gamma, mean, invstd],
                                                    outputs, out_grads)
        if grads[0] is not None:
            grads[0] = F._backward_Activation(grads[0], out, out, act_type="relu")
        return grads + [None]
