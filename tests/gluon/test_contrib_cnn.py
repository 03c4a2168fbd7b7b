"""gluon.contrib.cnn: DeformableConvolution and ModulatedDeformableConvolution, against a NumPy
convolution (zero offsets; whole-pixel shifts) and the contrib operators they wrap."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd
from mxnb.base import MXNetError
from mxnb.gluon.contrib.cnn import DeformableConvolution, ModulatedDeformableConvolution

LAYERS = [DeformableConvolution, ModulatedDeformableConvolution]


def _conv_reference(x, w, b, stride=(1, 1), pad=(0, 0), dilate=(1, 1), groups=1):
    """Direct NCHW convolution in float64."""
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    oh = (h - dilate[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd - dilate[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, f, oh, ow))
    per_group = f // groups
    for o in range(f):
        g = o // per_group
        for i in range(kh):
            for j in range(kw):
                rows = x[:, g * cg:(g + 1) * cg,
                         i * dilate[0]:i * dilate[0] + stride[0] * (oh - 1) + 1:stride[0],
                         j * dilate[1]:j * dilate[1] + stride[1] * (ow - 1) + 1:stride[1]]
                out[:, o] += np.einsum("nchw,c->nhw", rows, w[o, :, i, j])
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def _randomize(layer, seed=0, skip=("offset",)):
    rng = np.random.RandomState(seed)
    for name, param in layer.collect_params().items():
        if not any(part in name for part in skip):
            param.set_data(mx.nd.array(rng.uniform(-1, 1, param.shape)))


@pytest.mark.parametrize("layer_class", LAYERS)
@pytest.mark.parametrize("kwargs", [
    dict(kernel_size=3, padding=1),
    dict(kernel_size=(3, 2), strides=2, dilation=(1, 2)),
    dict(kernel_size=(2, 2), groups=2, num_deformable_group=2, use_bias=False),
])
def test_zero_offsets_compute_a_plain_convolution(layer_class, kwargs):
    layer = layer_class(6, in_channels=4, **kwargs)
    layer.initialize()
    _randomize(layer)                              # offset convolution stays at zero
    x = np.random.RandomState(1).uniform(-1, 1, (2, 4, 7, 8)).astype(np.float32)
    bias = layer.deformable_conv_bias.data().asnumpy() if layer.deformable_conv_bias else None
    norm = lambda v: (v,) * 2 if isinstance(v, int) else v   # noqa: E731
    want = _conv_reference(x, layer.deformable_conv_weight.data().asnumpy(), bias,
                           norm(kwargs.get("strides", 1)), norm(kwargs.get("padding", 0)),
                           norm(kwargs.get("dilation", 1)), kwargs.get("groups", 1))
    np.testing.assert_allclose(layer(mx.nd.array(x)).asnumpy(), want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("layer_class", LAYERS)
def test_whole_pixel_offsets_shift_the_input(layer_class):
    """An offset bias of dy=1, dx=0 at every tap samples each tap one row lower."""
    layer = layer_class(3, kernel_size=3, padding=1, in_channels=2)
    layer.initialize()
    _randomize(layer)
    bias = np.zeros(layer.offset_bias.shape, np.float32)
    bias[0:18:2] = 1.0                              # (dy, dx) pairs of the 9 taps
    if layer_class is ModulatedDeformableConvolution:
        bias[18:] = 0.0                             # masks: 2 * sigmoid(0) = 1
    layer.offset_bias.set_data(mx.nd.array(bias))
    x = np.random.RandomState(2).uniform(-1, 1, (1, 2, 6, 5)).astype(np.float32)
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    shifted = np.zeros_like(padded)                 # the padded map, one row up: a tap in
    shifted[:, :, :-1] = padded[:, :, 1:]           # the top padding reads row 0
    want = _conv_reference(shifted, layer.deformable_conv_weight.data().asnumpy(),
                           layer.deformable_conv_bias.data().asnumpy())
    np.testing.assert_allclose(layer(mx.nd.array(x)).asnumpy(), want, rtol=1e-4, atol=1e-4)


def test_deformable_layer_is_the_operator_over_its_offset_convolution():
    layer = DeformableConvolution(4, kernel_size=3, in_channels=3, num_deformable_group=3,
                                  activation="relu")
    layer.initialize()
    _randomize(layer, skip=())                      # offsets now depend on the input
    for name in ("offset_weight", "offset_bias"):
        param = getattr(layer, name)
        param.set_data(param.data() * 0.3)
    x = mx.nd.array(np.random.RandomState(3).uniform(-1, 1, (2, 3, 6, 6)))
    offset_np = _conv_reference(x.asnumpy(), layer.offset_weight.data().asnumpy(),
                                layer.offset_bias.data().asnumpy())
    assert offset_np.shape == (2, 2 * 9 * 3, 4, 4)
    want = mx.nd.contrib.DeformableConvolution(
        x, mx.nd.array(offset_np), layer.deformable_conv_weight.data(),
        layer.deformable_conv_bias.data(), kernel=(3, 3), num_filter=4, num_deformable_group=3)
    np.testing.assert_allclose(layer(x).asnumpy(), np.maximum(want.asnumpy(), 0), rtol=1e-4,
                               atol=1e-4)


def test_modulated_layer_splits_offsets_and_masks():
    layer = ModulatedDeformableConvolution(4, kernel_size=(2, 3), in_channels=2)
    layer.initialize()
    _randomize(layer, skip=())
    x = mx.nd.array(np.random.RandomState(4).uniform(-1, 1, (1, 2, 5, 6)))
    both = _conv_reference(x.asnumpy(), layer.offset_weight.data().asnumpy(),
                           layer.offset_bias.data().asnumpy())
    offset, mask = both[:, :12], 2 / (1 + np.exp(-both[:, 12:]))
    want = mx.nd.contrib.ModulatedDeformableConvolution(
        x, mx.nd.array(offset), mx.nd.array(mask), layer.deformable_conv_weight.data(),
        layer.deformable_conv_bias.data(), kernel=(2, 3), num_filter=4)
    np.testing.assert_allclose(layer(x).asnumpy(), want.asnumpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("layer_class, per_tap", [(DeformableConvolution, 2),
                                                  (ModulatedDeformableConvolution, 3)])
def test_parameters_as_mxnet(layer_class, per_tap):
    layer = layer_class(8, kernel_size=(3, 2), groups=2, num_deformable_group=2, in_channels=4,
                        offset_use_bias=False)
    params = {name[len(layer.prefix):]: p for name, p in layer.collect_params().items()}
    offsets = per_tap * 3 * 2 * 2
    assert {name: p.shape for name, p in params.items()} == {
        "offset_weight": (offsets, 2, 3, 2), "deformable_conv_weight": (8, 2, 3, 2),
        "deformable_conv_bias": (8,)}
    assert layer.offset_bias is None
    assert params["offset_weight"].init == "zeros"
    assert params["deformable_conv_bias"].init == "zeros"
    assert layer.prefix.startswith("deformable_conv" if per_tap == 2 else
                                   "modulated_deformable_conv")


def test_deformable_repr():
    layer = DeformableConvolution(4, kernel_size=3, padding=1, in_channels=2, use_bias=False,
                                  activation="relu")
    assert repr(layer) == ("DeformableConvolution(2 -> 4, kernel_size=(3, 3), stride=(1, 1), "
                           "padding=(1, 1), bias=False, Activation(relu))")


@pytest.mark.parametrize("layer_class", LAYERS)
def test_hybridized_equals_eager_and_gradients_reach_the_offsets(layer_class):
    x = mx.nd.array(np.random.RandomState(5).uniform(-1, 1, (2, 3, 6, 6)))
    outs, grads = [], []
    for hybrid in (False, True):
        layer = layer_class(4, kernel_size=3, in_channels=3, prefix="layer_")
        layer.initialize()
        _randomize(layer, skip=())
        if hybrid:
            layer.hybridize()
        with autograd.record():
            out = layer(x)
        out.backward()
        outs.append(out.asnumpy())
        grads.append(layer.offset_weight.grad().asnumpy())
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-4, atol=1e-4)
    assert np.abs(grads[0]).sum() > 0


@pytest.mark.parametrize("layer_class", LAYERS)
def test_in_channels_inferred_on_first_call(layer_class):
    net = mx.gluon.nn.HybridSequential()
    net.add(layer_class(6, kernel_size=3), layer_class(4, kernel_size=(3, 2), groups=2))
    net.initialize()
    net.hybridize()
    assert net(mx.nd.ones((2, 4, 9, 8))).shape == (2, 4, 5, 5)
    assert net[0].deformable_conv_weight.shape == (6, 4, 3, 3)


@pytest.mark.parametrize("layer_class", LAYERS)
def test_bad_arguments_are_clear_errors(layer_class):
    with pytest.raises(AssertionError, match="%s: only the 'NCHW' layout" % layer_class.__name__):
        layer_class(4, kernel_size=3, layout="NHWC")
    with pytest.raises(MXNetError, match="kernel_size"):
        layer_class(4, kernel_size=(3, 3, 3))
    with pytest.raises(MXNetError, match="adj"):
        layer_class(4, kernel_size=3, adj=(1, 1))
