"""mx.image against MXNet 1.9.1's results on the same images (tests/data/make_recordio.py)."""
import json
import os
import random

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError

DATA = os.path.join(os.path.dirname(__file__), "data")
E = np.load(os.path.join(DATA, "mxnet191_image_expected.npz"))
REC, IDX = (os.path.join(DATA, "mxnet191_images." + ext) for ext in ("rec", "idx"))


def records():
    reader = mx.recordio.MXIndexedRecordIO(IDX, REC, "r")
    return [mx.recordio.unpack(reader.read_idx(k))[1] for k in reader.keys]


def close(out, key, atol=1):
    """Equal to MXNet's result up to OpenCV's fixed-point rounding (one grey level)."""
    expected = E[key]
    assert out.shape == expected.shape, key
    np.testing.assert_allclose(out.asnumpy().astype(np.float64), expected, atol=atol, rtol=0,
                               err_msg=key)


def test_imdecode_matches_mxnet_exactly():
    for i, buf in enumerate(records()):
        img = mx.image.imdecode(buf)
        assert img.dtype == np.uint8
        np.testing.assert_array_equal(img.asnumpy(), E["imdecode_%d" % i])
        np.testing.assert_array_equal(mx.image.imdecode(buf, to_rgb=False).asnumpy(),
                                      E["imdecode_bgr_%d" % i])
        close(mx.image.imdecode(buf, flag=0), "imdecode_gray_%d" % i)
    nd_buf = mx.nd.array(np.frombuffer(records()[0], dtype=np.uint8), dtype="uint8")
    np.testing.assert_array_equal(mx.image.imdecode(nd_buf).asnumpy(), E["imdecode_0"])


def test_imread_and_undecodable_images(tmp_path):
    path = tmp_path / "img.png"
    path.write_bytes(records()[1])
    np.testing.assert_array_equal(mx.image.imread(str(path)).asnumpy(), E["imdecode_1"])
    assert mx.image.imread(str(path), flag=0).shape == (12, 9, 1)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 this is not really a jpeg")
    with pytest.raises(MXNetError, match="broken.jpg: expected an encoded image"):
        mx.image.imread(str(broken))
    with pytest.raises(MXNetError, match="cannot read image file"):
        mx.image.imread(str(tmp_path / "missing.png"))
    with pytest.raises(MXNetError, match="must be bytes"):
        mx.image.imdecode("a string")


@pytest.mark.parametrize("interp", range(5))
def test_imresize_matches_opencv_in_mxnet(interp):
    src = mx.nd.array(E["source_4"], dtype="uint8")
    for w, h in ((7, 5), (26, 17), (20, 6), (10, 13)):
        out = mx.image.imresize(src, w, h, interp=interp)
        assert out.dtype == np.uint8
        close(out, "imresize_%d_%dx%d" % (interp, w, h))


def test_resize_short_crops_and_normalize():
    src = mx.nd.array(E["source_4"], dtype="uint8")
    close(mx.image.resize_short(src, 8), "resize_short_8")
    out, box = mx.image.center_crop(src, (6, 5))
    assert box == tuple(E["center_crop_6x5_box"])
    close(out, "center_crop_6x5", atol=0)
    close(mx.image.center_crop(src, (30, 30))[0], "center_crop_30x30")
    close(mx.image.fixed_crop(src, 2, 3, 8, 6, size=(4, 3)), "fixed_crop")
    normed = mx.image.color_normalize(src.astype("float32"), mx.nd.array([10, 20, 30]),
                                      mx.nd.array([2, 4, 8]))
    close(normed, "color_normalize", atol=1e-5)
    assert mx.image.scale_down((640, 480), (720, 120)) == (640, 106)
    random.seed(0)
    crop, (x0, y0, w, h) = mx.image.random_crop(src, (5, 4))
    np.testing.assert_array_equal(crop.asnumpy(), E["source_4"][y0:y0 + 4, x0:x0 + 5])
    sized, (x0, y0, w, h) = mx.image.random_size_crop(src, (6, 6), 0.3, (0.75, 1.33))
    assert sized.shape == (6, 6, 3) and w * h >= 0.25 * 13 * 20


def test_copy_make_border_modes():
    src = mx.nd.array(np.arange(12).reshape(2, 2, 3), dtype="uint8")
    const = mx.image.copyMakeBorder(src, 1, 0, 0, 1, value=7).asnumpy()
    assert const.shape == (3, 3, 3) and (const[0] == 7).all()
    rep = mx.image.copyMakeBorder(src, 0, 0, 2, 0, type=3).asnumpy()
    np.testing.assert_array_equal(rep[:, 0], src.asnumpy()[:, 0])


def test_augmenters_follow_mxnet_formulas():
    img = mx.nd.array(E["source_2"], dtype="uint8")
    augs = mx.image.CreateAugmenter((3, 8, 8), resize=10, rand_mirror=True, mean=True, std=True,
                                    brightness=0.1, contrast=0.1, saturation=0.1, hue=0.1,
                                    pca_noise=0.1, rand_gray=0.1)
    names = [type(a).__name__ for a in augs]
    assert names == ["ResizeAug", "CenterCropAug", "HorizontalFlipAug", "CastAug",
                     "ColorJitterAug", "HueJitterAug", "LightingAug", "RandomGrayAug",
                     "ColorNormalizeAug"]
    out = img
    for aug in augs:
        out = aug(out)
    assert out.shape == (8, 8, 3) and out.dtype == np.float32
    assert json.loads(augs[0].dumps()) == ["resizeaug", {"size": 10, "interp": 2}]
    x = img.astype("float32")
    random.seed(3)
    alpha = 1.0 + random.uniform(-0.5, 0.5)
    random.seed(3)
    np.testing.assert_allclose(mx.image.BrightnessJitterAug(0.5)(x.copy()).asnumpy(),
                               x.asnumpy() * alpha, rtol=1e-5)
    random.seed(3)
    sat = mx.image.SaturationJitterAug(0.5)(x.copy()).asnumpy()
    gray = (x.asnumpy() * np.array([0.299, 0.587, 0.114])).sum(axis=2, keepdims=True)
    np.testing.assert_allclose(sat, x.asnumpy() * alpha + gray * (1 - alpha), rtol=1e-4,
                               atol=1e-3)
    random.seed(0)
    flipped = mx.image.HorizontalFlipAug(1.0)(img).asnumpy()
    np.testing.assert_array_equal(flipped, E["source_2"][:, ::-1])
    hue = mx.image.HueJitterAug(0.0)(x).asnumpy()
    np.testing.assert_allclose(hue, x.asnumpy(), atol=1.0)  # YIQ matrices are 3-digit


def test_image_iter_matches_mxnet_python_iterator():
    it = mx.image.ImageIter(batch_size=4, data_shape=(3, 8, 8), path_imgrec=REC,
                            path_imgidx=IDX, resize=9)
    batches = list(it)
    assert len(batches) == 2
    for b, batch in enumerate(batches):
        key = "imageiter_0_%d_" % b
        assert batch.pad == int(E[key + "pad"])
        np.testing.assert_allclose(batch.data[0].asnumpy(), E[key + "data0"], atol=1)
        np.testing.assert_array_equal(batch.label[0].asnumpy(), E[key + "label0"])


def test_image_iter_from_list_shuffle_parts_and_broken_image(tmp_path):
    bufs = records()
    for i, buf in enumerate(bufs):
        (tmp_path / ("%d.png" % i)).write_bytes(buf)
    imglist = [[float(i), "%d.png" % i] for i in range(6)]
    it = mx.image.ImageIter(2, (3, 8, 8), imglist=imglist, path_root=str(tmp_path), resize=9,
                            num_parts=2, part_index=1, last_batch_handle="discard")
    labels = [b.label[0].asnumpy().tolist() for b in it]
    assert labels == [[3.0, 4.0]]  # part 1 is samples 3-5; the short last batch is dropped
    (tmp_path / "1.png").write_bytes(b"garbage")
    it = mx.image.ImageIter(2, (3, 8, 8), imglist=imglist, path_root=str(tmp_path), resize=9)
    with pytest.raises(MXNetError, match="broken image file 1.png"):
        it.next()


def test_imrotate_matches_mxnet():
    chw = mx.nd.array(E["source_3"].transpose(2, 0, 1).astype("float32"))
    for key, kwargs in (("imrotate_30", {}), ("imrotate_-50_zoom_in", {"zoom_in": True}),
                        ("imrotate_70_zoom_out", {"zoom_out": True})):
        angle = float(key.split("_")[1])
        close(mx.image.imrotate(chw, angle, **kwargs), key, atol=1e-3)
    batch = mx.image.imrotate(mx.nd.stack(chw, chw), mx.nd.array([30, 0]))
    np.testing.assert_allclose(batch[1].asnumpy(), chw.asnumpy(), atol=1e-4)
    with pytest.raises(MXNetError, match="float32"):
        mx.image.imrotate(chw.astype("uint8"), 10)
