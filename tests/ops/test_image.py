"""Image operators (`_image_*`, `nd.image` / `sym.image`): NumPy-referenced cases, the random
ones checked with fixed factors and in distribution, and their shape and argument errors."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, sym
from mxnb.base import MXNetError
from .harness import Case, run_case

RS = np.random.RandomState(11)
HWC = RS.uniform(0, 2, (4, 5, 3))            # small values: finite differences stay accurate
NHWC = RS.uniform(0, 2, (2, 3, 4, 3))
U8 = RS.randint(0, 256, (5, 7, 3)).astype(np.uint8)
GRAY_U8 = RS.randint(0, 256, (5, 7, 1)).astype(np.uint8)
CHW = RS.uniform(-1, 1, (3, 4, 5))
NCHW = RS.uniform(-1, 1, (2, 1, 3, 4))
LUMA = np.array([0.299, 0.587, 0.114])
EIGVAL = np.array([55.46, 4.794, 1.148])
EIGVEC = np.array([[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.8140],
                   [-0.5836, -0.6948, 0.4203]])


# --- NumPy references ---------------------------------------------------------------------------

def _to_tensor(x):
    return np.moveaxis(x.astype(np.float32), -1, -3) / np.float32(255)


def _normalize(x, mean, std):
    c = x.shape[-3]
    m = np.broadcast_to(np.asarray(mean, dtype=np.float64), (c,)).reshape(c, 1, 1)
    s = np.broadcast_to(np.asarray(std, dtype=np.float64), (c,)).reshape(c, 1, 1)
    return (x - m) / s


def _crop(img, x, y, width, height):
    return img[..., y:y + height, x:x + width, :]


def _uncrop(grad, data, x, y, width, height):
    out = np.zeros(data.shape, dtype=grad.dtype)
    out[..., y:y + height, x:x + width, :] = grad
    return out


def _linear_taps(n_in, n_out):
    """OpenCV's bilinear taps along one axis: half-pixel centres, borders replicated."""
    src = np.maximum((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0)
    i0 = np.minimum(np.floor(src).astype(int), n_in - 1)
    frac = np.where(i0 >= n_in - 1, 0.0, src - i0)
    return i0, np.minimum(i0 + 1, n_in - 1), frac


def _bilinear(img, w, h):
    r0, r1, fr = _linear_taps(img.shape[-3], h)
    c0, c1, fc = _linear_taps(img.shape[-2], w)
    rows = img[..., r0, :, :] * (1 - fr)[:, None, None] + img[..., r1, :, :] * fr[:, None, None]
    return rows[..., c0, :] * (1 - fc)[:, None] + rows[..., c1, :] * fc[:, None]


def _nearest(img, w, h):
    rows = np.minimum(np.floor(np.arange(h) * img.shape[-3] / h).astype(int), img.shape[-3] - 1)
    cols = np.minimum(np.floor(np.arange(w) * img.shape[-2] / w).astype(int), img.shape[-2] - 1)
    return img[..., rows, :, :][..., cols, :]


def _resize(x, size, keep_ratio=False, interp=1):
    h, w = x.shape[-3], x.shape[-2]
    if len(size) == 2:
        nw, nh = size
    elif keep_ratio:
        nw, nh = (size[0], int(h * size[0] / w)) if h > w else (int(w * size[0] / h), size[0])
    else:
        nw = nh = size[0]
    return (_nearest if interp == 0 else _bilinear)(x, nw, nh)


def _lighting(x, alpha):
    return x + EIGVEC @ (np.asarray(alpha) * EIGVAL)


def _saturate_u8(values):
    return np.clip(values, 0, 255).astype(np.uint8)      # clip, then truncate


def _brightness(x, a):
    return x * a


def _contrast(x, a):
    gray = (x @ LUMA).mean() if x.shape[-1] == 3 else x.mean()
    return x * a + (1 - a) * gray


def _saturation(x, a):
    if x.shape[-1] == 1:
        return x
    return x * a + (1 - a) * (x @ LUMA)[..., None]


def _hue(x, a):
    """Through HLS with the standard library's colorsys: hue + a turns, L and S kept."""
    import colorsys
    flat = x.reshape(-1, 3).astype(np.float64) / 255
    out = []
    for r, g, b in flat:
        h, l, s = colorsys.rgb_to_hls(r, g, b)
        out.append(colorsys.hls_to_rgb((h + a) % 1.0, l, s))
    return np.array(out).reshape(x.shape) * 255


# --- random operators: fixed factors against the references, draws in distribution -----------

def _fixed_factor(reference):
    def check(case, ctx):
        for img in (U8, U8.astype(np.float32)):
            for alpha in (0.0, 0.4, 1.0, 1.7):
                out = getattr(nd.image, case.op[len("_image_"):])(
                    nd.array(img, ctx=ctx, dtype=img.dtype), min_factor=alpha, max_factor=alpha)
                assert out.dtype == img.dtype and out.shape == img.shape and out.context == ctx
                expected = reference(img.astype(np.float64), alpha)
                if img.dtype == np.uint8:
                    expected = _saturate_u8(expected + 1e-4)   # truncation, float noise aside
                np.testing.assert_allclose(out.asnumpy().astype(np.float64), expected,
                                           atol=1.0 if case.op.endswith("hue") else 1e-3,
                                           rtol=1e-5, err_msg="%s alpha=%s" % (case.op, alpha))
        # the factor is drawn from [min_factor, max_factor]: reproducible under a seed
        x = nd.array(U8.astype(np.float32) + 1, ctx=ctx)
        mx.random.seed(4)
        first = getattr(nd.image, case.op[len("_image_"):])(x, 0.5, 1.5).asnumpy()
        mx.random.seed(4)
        again = getattr(nd.image, case.op[len("_image_"):])(x, 0.5, 1.5).asnumpy()
        np.testing.assert_array_equal(first, again)
    return check


def _check_brightness_draws(case, ctx):
    _fixed_factor(_brightness)(case, ctx)
    x = nd.array(np.full((2, 2, 3), 100.0), ctx=ctx)
    mx.random.seed(1)
    factors = np.array([nd.image.random_brightness(x, 0.5, 1.5).asnumpy()[0, 0, 0] / 100
                        for _ in range(300)])
    assert factors.min() >= 0.5 and factors.max() < 1.5
    assert abs(factors.mean() - 1.0) < 0.05 and abs(factors.var() - 1 / 12) < 0.02


def _check_flip(axis):
    def check(case, ctx):
        x = nd.array(U8, ctx=ctx, dtype="uint8")
        mx.random.seed(0)
        flipped = 0
        for _ in range(200):
            out = getattr(nd.image, case.op[len("_image_"):])(x).asnumpy()
            assert out.dtype == np.uint8
            if np.array_equal(out, np.flip(U8, axis)):
                flipped += 1
            else:
                np.testing.assert_array_equal(out, U8)
        assert 70 < flipped < 130, "flips with probability 0.5, found %d of 200" % flipped
    return check


def _check_color_jitter(case, ctx):
    x = nd.array(U8.astype(np.float32), ctx=ctx)
    # one effect at a time: brightness alone scales every pixel by one factor in [0.8, 1.2]
    mx.random.seed(2)
    factors = []
    for _ in range(100):
        out = nd.image.random_color_jitter(x, brightness=0.2, contrast=0, saturation=0, hue=0)
        ratio = out.asnumpy()[U8 > 0] / U8[U8 > 0]
        np.testing.assert_allclose(ratio, ratio[0], rtol=1e-5)
        factors.append(ratio[0])
    assert 0.8 <= min(factors) and max(factors) <= 1.2 and np.std(factors) > 0.05
    # contrast alone keeps the mean grey level
    out = nd.image.random_color_jitter(x, brightness=0, contrast=0.5, saturation=0, hue=0)
    np.testing.assert_allclose((out.asnumpy() @ LUMA).mean(), (U8 @ LUMA).mean(), rtol=1e-4)
    # no amounts: the image itself
    same = nd.image.random_color_jitter(x, brightness=0, contrast=0, saturation=0, hue=0)
    np.testing.assert_array_equal(same.asnumpy(), U8.astype(np.float32))
    u8 = nd.image.random_color_jitter(nd.array(U8, ctx=ctx, dtype="uint8"), 0.3, 0.3, 0.3, 0.1)
    assert u8.dtype == np.uint8 and u8.shape == U8.shape


def _check_random_lighting(case, ctx):
    x = nd.array(np.full((2, 3, 3), 100.0), ctx=ctx)
    mx.random.seed(3)
    alphas = []
    for _ in range(300):
        shift = nd.image.random_lighting(x, alpha_std=0.2).asnumpy()[0, 0] - 100
        alphas.append(np.linalg.solve(EIGVEC * EIGVAL, shift))   # the drawn alphas
    alphas = np.array(alphas)
    assert np.all(np.abs(alphas.mean(axis=0)) < 0.04)
    np.testing.assert_allclose(alphas.std(axis=0), 0.2, rtol=0.15)
    out = nd.image.random_lighting(nd.array(U8, ctx=ctx, dtype="uint8"))
    assert out.dtype == np.uint8 and out.shape == U8.shape


CASES = [
    Case("_image_to_tensor", [HWC], _to_tensor, eps=1e-2, name="to_tensor-hwc"),
    Case("_image_to_tensor", [NHWC], _to_tensor, eps=1e-2, name="to_tensor-nhwc"),
    Case("_image_to_tensor", [U8], _to_tensor, grad=False, name="to_tensor-uint8"),
    Case("_image_normalize", [CHW], lambda x, mean, std: _normalize(x, mean, std),
         attrs={"mean": (0.1, -0.2, 0.3), "std": (0.5, 2.0, 0.25)}, name="normalize-chw"),
    Case("_image_normalize", [NCHW], lambda x, mean, std: _normalize(x, mean, std),
         attrs={"mean": 0.5, "std": 0.2}, name="normalize-nchw-scalar"),
    Case("_image_flip_left_right", [HWC], lambda x: x[:, ::-1]),
    Case("_image_flip_top_bottom", [RS.uniform(size=(5, 2, 1))], lambda x: x[::-1]),
    Case("_image_crop", [HWC], lambda img, **a: _crop(img, **a),
         attrs={"x": 1, "y": 2, "width": 3, "height": 2}, name="crop-hwc"),
    Case("_image_crop", [NHWC], lambda img, **a: _crop(img, **a),
         attrs={"x": 0, "y": 1, "width": 4, "height": 2}, name="crop-nhwc"),
    Case("_backward_image_crop", [RS.uniform(size=(2, 3, 3)), HWC],
         lambda g, d, **a: _uncrop(g, d, **a), grad_inputs=[0],
         attrs={"x": 1, "y": 2, "width": 3, "height": 2}),
    Case("_image_resize", [RS.uniform(0, 255, (5, 7, 3))], lambda x, **a: _resize(x, **a),
         attrs={"size": (4, 9)}, grad=False, rtol=1e-4, atol=1e-3, name="resize-bilinear"),
    Case("_image_resize", [RS.uniform(0, 255, (2, 6, 4, 1))], lambda x, **a: _resize(x, **a),
         attrs={"size": (3,), "keep_ratio": True, "interp": 0}, grad=False,
         name="resize-nearest-keep-ratio"),
    Case("_image_adjust_lighting", [HWC], lambda x, alpha: _lighting(x, alpha),
         attrs={"alpha": (0.01, -0.02, 0.03)}),
    Case("_image_random_brightness", [HWC], check=_check_brightness_draws, grad=False),
    Case("_image_random_contrast", [HWC], check=_fixed_factor(_contrast), grad=False),
    Case("_image_random_saturation", [HWC], check=_fixed_factor(_saturation), grad=False),
    Case("_image_random_hue", [HWC], check=_fixed_factor(_hue), grad=False),
    Case("_image_random_flip_left_right", [HWC], check=_check_flip(1), grad=False),
    Case("_image_random_flip_top_bottom", [HWC], check=_check_flip(0), grad=False),
    Case("_image_random_color_jitter", [HWC], check=_check_color_jitter, grad=False),
    Case("_image_random_lighting", [HWC], check=_check_random_lighting, grad=False),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_image_case(case, ctx):
    run_case(case, ctx)


# --- namespaces, dtypes, layouts ----------------------------------------------------------------

def test_namespaces_hold_mxnets_image_operators():
    names = {"adjust_lighting", "crop", "flip_left_right", "flip_top_bottom", "normalize",
             "random_brightness", "random_color_jitter", "random_contrast",
             "random_flip_left_right", "random_flip_top_bottom", "random_hue", "random_lighting",
             "random_saturation", "resize", "to_tensor"}
    assert names <= set(dir(nd.image)) and names <= set(dir(sym.image))


def test_to_tensor_then_normalize_symbolically():
    data = sym.var("data")
    out = sym.image.normalize(sym.image.to_tensor(data), mean=(0.5, 0.4, 0.3), std=(0.2, 0.2, 0.2))
    _, out_shapes, _ = out.infer_shape(data=(2, 5, 7, 3))
    assert out_shapes == [(2, 3, 5, 7)]
    _, out_types, _ = out.infer_type(data=np.uint8)
    assert out_types == [np.float32]
    batch = np.stack([U8, U8[::-1]])
    exe = out.bind(mx.cpu(), {"data": nd.array(batch, dtype="uint8")})
    expected = _normalize(_to_tensor(batch), (0.5, 0.4, 0.3), (0.2, 0.2, 0.2))
    np.testing.assert_allclose(exe.forward()[0].asnumpy(), expected, rtol=1e-5, atol=1e-6)


def test_image_operators_keep_integer_images_integer():
    x = nd.array(U8, dtype="uint8")
    for out in (nd.image.flip_left_right(x), nd.image.crop(x, 0, 0, 2, 2),
                nd.image.resize(x, size=(3, 3)), nd.image.adjust_lighting(x, alpha=(1, 2, 3))):
        assert out.dtype == np.uint8
    lit = nd.image.adjust_lighting(x, alpha=(1.0, 2.0, 3.0)).asnumpy()
    np.testing.assert_array_equal(lit, _saturate_u8(_lighting(U8.astype(np.float64), (1, 2, 3))))
    # one channel: grey images pass through the colour operators
    g = nd.array(GRAY_U8, dtype="uint8")
    np.testing.assert_array_equal(nd.image.random_hue(g, 0.3, 0.3).asnumpy(), GRAY_U8)
    np.testing.assert_array_equal(nd.image.random_saturation(g, 0.3, 0.3).asnumpy(), GRAY_U8)
    contrast = nd.image.random_contrast(g, 0.5, 0.5).asnumpy()
    np.testing.assert_array_equal(contrast, _saturate_u8(GRAY_U8 * 0.5 + 0.5 * GRAY_U8.mean()
                                                         + 1e-4))


def test_resize_uint8_rounds_like_opencv():
    out = nd.image.resize(nd.array(U8, dtype="uint8"), size=(4, 9)).asnumpy()
    expected = np.clip(np.rint(_resize(U8.astype(np.float64), (4, 9))), 0, 255)
    assert np.abs(out.astype(np.float64) - expected).max() <= 1


def test_flip_gradient_is_flipped():
    x = nd.array(HWC)
    x.attach_grad()
    head = RS.uniform(size=HWC.shape)
    with mx.autograd.record():
        y = nd.image.flip_left_right(x)
    y.backward(nd.array(head))
    np.testing.assert_allclose(x.grad.asnumpy(), head[:, ::-1], rtol=1e-6)


def test_random_operators_are_not_differentiable():
    x = nd.array(HWC)
    x.attach_grad()
    with mx.autograd.record():
        y = nd.image.random_brightness(x, 0.5, 1.5) + nd.image.resize(x, size=(5, 4))
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), 0)


@pytest.mark.parametrize("call, match", [
    (lambda: nd.image.to_tensor(nd.zeros((4, 5))), "to_tensor expects"),
    (lambda: nd.image.normalize(nd.zeros((3, 2, 2)), mean=(0, 1), std=1), "mean must have 1 or 3"),
    (lambda: nd.image.normalize(nd.zeros((3, 2, 2)), mean=0), "std must have 1 or 3"),
    (lambda: nd.image.normalize(nd.zeros((2, 2, 2)), mean=0, std=1), "1 or 3 channels"),
    (lambda: nd.image.flip_left_right(nd.zeros((2, 4, 4, 3))), r"expects an \(H, W, C\)"),
    (lambda: nd.image.random_brightness(nd.zeros((4, 4, 2)), 0.5, 1.5), "1 or 3 channels"),
    (lambda: nd.image.crop(nd.zeros((4, 5, 3)), 2, 0, 4, 1), "does not fit"),
    (lambda: nd.image.crop(nd.zeros((4, 5, 3)), 0, 0, 0, 1), "must be positive"),
    (lambda: nd.image.resize(nd.zeros((4, 5, 3)), size=(1, 2, 3)), "size must be"),
    (lambda: nd.image.random_contrast(nd.zeros((4, 5, 3)), -0.5, 1.0), "min_factor"),
    (lambda: nd.image.adjust_lighting(nd.zeros((4, 5, 3)), alpha=(1, 2)), "3 values"),
])
def test_bad_arguments_raise_clear_errors(call, match):
    with pytest.raises(MXNetError, match=match):
        call().asnumpy()
