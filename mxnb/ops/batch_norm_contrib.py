"""Contrib variants of BatchNorm: SyncBatchNorm (statistics across devices; on one device, and
in this single-process build, it is BatchNorm over the batch it is given) and
BatchNormWithReLU (BatchNorm followed by relu, MXNet's fused operator). Both delegate the
normalisation to the registered BatchNorm, so they follow it exactly."""
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
    ndev = 1 the results are MXNet's)."""
    def compute(xp, inputs, attrs, is_train=False, rng=None):
        return get("BatchNorm").compute(xp, inputs, _bn_attrs(attrs), is_train=is_train, rng=rng)

    infer_shape = _bn_infer
    infer_type = _bn_infer_type

    def gradient(F, attrs, inputs, outputs, out_grads):
        bn_attrs = dict(_bn_attrs(attrs), **{k: v for k, v in attrs.items() if k == "_is_train"})
        return get("BatchNorm").gradient(F, bn_attrs, inputs, outputs, out_grads)


@operator("_contrib_BatchNormWithReLU", params=_BN_RELU, inputs=("data", "gamma", "beta"),
          aux=("moving_mean", "moving_var"), outputs=("output", "mean", "var"),
          num_visible=lambda attrs: 3 if attrs["output_mean_var"] else 1, needs_train=True,
          hint="batchnormwithrelu")
class BatchNormWithReLU:
    """Batch normalization followed by relu (MXNet's fused BatchNorm + ReLU)."""
    def compute(xp, inputs, attrs, is_train=False, rng=None):
        out = get("BatchNorm").compute(xp, inputs, _bn_attrs(attrs), is_train=is_train, rng=rng)
        return [xp.maximum(out[0], 0)] + list(out[1:])

    infer_shape = _bn_infer
    infer_type = _bn_infer_type

    def gradient(F, attrs, inputs, outputs, out_grads):
        og = F.elemwise_mul(out_grads[0], F._greater_scalar(outputs[0], scalar=0.0))
        bn_attrs = dict(_bn_attrs(attrs), **{k: v for k, v in attrs.items() if k == "_is_train"})
        return get("BatchNorm").gradient(F, bn_attrs, inputs, outputs, [og] + list(out_grads[1:]))
