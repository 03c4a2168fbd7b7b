"""mx.image's detection augmenters and ImageDetIter (MXNet 1.9.1's mx.image.detection), on
generated images whose boxes and pixels are known, checked against NumPy computations."""
import io
import random

import numpy as np
import pytest
from PIL import Image

import mxnb as mx
from mxnb.base import MXNetError


def encoded(pixels, fmt="PNG"):
    buf = io.BytesIO()
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(buf, format=fmt)
    return buf.getvalue()


def coordinate_image(height, width):
    """Channel 0 holds the row, channel 1 the column: a crop tells where it came from."""
    rows, cols = np.mgrid[0:height, 0:width]
    return np.stack([rows, cols, np.full_like(rows, 7)], axis=2).astype(np.uint8)


def box_area(boxes):
    return np.maximum(0, boxes[:, 2] - boxes[:, 0]) * np.maximum(0, boxes[:, 3] - boxes[:, 1])


# ---------------------------------------------------------------- augmenters

def test_flip_mirrors_image_and_boxes():
    pixels = np.random.RandomState(0).randint(0, 255, (6, 9, 3)).astype(np.uint8)
    label = np.array([[3, 0.1, 0.2, 0.4, 0.6], [1, 0.5, 0.0, 1.0, 0.3]])
    expected = label.copy()
    expected[:, 1], expected[:, 3] = 1 - label[:, 3], 1 - label[:, 1]
    img, out = mx.image.DetHorizontalFlipAug(1)(mx.nd.array(pixels, dtype="uint8"), label)
    np.testing.assert_array_equal(img.asnumpy(), pixels[:, ::-1])
    np.testing.assert_allclose(out, expected)
    # twice is the identity; p=0 never flips
    img2, out2 = mx.image.DetHorizontalFlipAug(1)(img, out.copy())
    np.testing.assert_array_equal(img2.asnumpy(), pixels)
    np.testing.assert_allclose(out2, np.array([[3, 0.1, 0.2, 0.4, 0.6], [1, 0.5, 0.0, 1.0, 0.3]]))
    img3, out3 = mx.image.DetHorizontalFlipAug(0)(mx.nd.array(pixels), expected.copy())
    np.testing.assert_array_equal(img3.asnumpy(), pixels)
    np.testing.assert_allclose(out3, expected)


def test_pad_moves_boxes_into_the_canvas():
    height, width = 10, 16
    pixels = np.full((height, width, 3), 200, dtype=np.uint8)
    label = np.array([[2, 0.25, 0.1, 0.75, 0.9, 0.5]])
    # aspect 1 and 4x the area: a 25 x 25 canvas (round(sqrt(4 * 160)) = 25, already at
    # least the image's height and width); the image's place in it is random
    aug = mx.image.DetRandomPadAug(aspect_ratio_range=1.0, area_range=(4.0, 4.0),
                                   pad_val=(11, 22, 33))
    for seed in range(5):
        random.seed(seed)
        img, out = aug(mx.nd.array(pixels, dtype="uint8"), label.copy())
        canvas = img.asnumpy()
        assert canvas.shape == (25, 25, 3) and canvas.dtype == np.uint8
        rows, cols = np.where(canvas[:, :, 0] == 200)
        y, x = rows.min(), cols.min()
        assert (rows.max() - y + 1, cols.max() - x + 1) == (height, width)
        outside = np.ones(canvas.shape[:2], bool)
        outside[y:y + height, x:x + width] = False
        np.testing.assert_array_equal(canvas[outside], np.tile([11, 22, 33], (outside.sum(), 1)))
        # a box corner at u (of the image) lands at (u * width + x) / 25 of the canvas
        expected = label.copy()
        expected[:, (1, 3)] = (label[:, (1, 3)] * width + x) / 25.0
        expected[:, (2, 4)] = (label[:, (2, 4)] * height + y) / 25.0
        np.testing.assert_allclose(out, expected)


def test_pad_with_a_single_value_fills_the_first_channel_only():
    aug = mx.image.DetRandomPadAug(aspect_ratio_range=1.0, area_range=(4.0, 4.0), pad_val=9)
    img, _ = aug(mx.nd.full((10, 10, 3), 200, dtype="uint8"), np.array([[0, 0, 0, 1, 1.0]]))
    corner = img.asnumpy()[0, 0] if img.asnumpy()[0, 0, 0] != 200 else img.asnumpy()[-1, -1]
    np.testing.assert_array_equal(corner, [9, 0, 0])
    assert img.shape == (20, 20, 3)


def test_crop_moves_and_clips_boxes():
    size = 40
    pixels = coordinate_image(size, size)
    label = np.array([[0, 0.25, 0.25, 0.75, 0.75],      # pixels 10..30
                      [4, 0.0, 0.0, 0.2, 0.2]])         # pixels 0..8
    # area 1/4 with aspect 1: a 20 x 20 window at a random place
    aug = mx.image.DetRandomCropAug(min_object_covered=0.0, aspect_ratio_range=1.0,
                                    area_range=(0.25, 0.25), min_eject_coverage=0.3)
    cropped = ejected = 0
    for seed in range(100):
        random.seed(seed)
        img, out = aug(mx.nd.array(pixels, dtype="uint8"), label.copy())
        crop = img.asnumpy()
        if crop.shape[:2] == (size, size):
            continue  # no window met the constraints
        assert crop.shape == (20, 20, 3)
        y, x = int(crop[0, 0, 0]), int(crop[0, 0, 1])
        np.testing.assert_array_equal(crop, pixels[y:y + 20, x:x + 20])
        boxes = label[:, 1:] * size
        moved = np.clip((boxes - [x, y, x, y]) / 20.0, 0, 1)
        kept = box_area(moved) * 400 / box_area(boxes)
        keep = kept > 0.3
        ejected += np.sum((kept > 0) & ~keep)
        np.testing.assert_allclose(out[:, 1:], moved[keep])
        np.testing.assert_array_equal(out[:, 0], label[keep, 0])
        cropped += 1
    assert cropped > 20 and ejected > 0


def test_crop_respects_min_object_covered():
    size = 50
    pixels = coordinate_image(size, size)
    label = np.array([[1, 0.1, 0.1, 0.6, 0.6], [2, 0.5, 0.3, 0.9, 0.9]])
    aug = mx.image.DetRandomCropAug(min_object_covered=0.5, aspect_ratio_range=(0.5, 2.0),
                                    area_range=(0.1, 1.0), min_eject_coverage=0.0)
    cropped = 0
    for seed in range(60):
        random.seed(seed)
        img, out = aug(mx.nd.array(pixels, dtype="uint8"), label.copy())
        crop = img.asnumpy()
        h, w = crop.shape[:2]
        y, x = int(crop[0, 0, 0]), int(crop[0, 0, 1])
        window = np.array([x, y, x + w, y + h]) / size
        boxes = label[:, 1:]
        inter = np.concatenate([np.maximum(boxes[:, :2], window[:2]),
                                np.minimum(boxes[:, 2:], window[2:])], axis=1)
        covered = box_area(inter) / box_area(boxes)
        # every box the window overlaps keeps more than min_object_covered of its area
        assert np.all(covered[covered > 0] > 0.5) and np.any(covered > 0)
        assert 0.1 * size * size <= w * h <= size * size
        assert 0.5 - 1.0 / h <= w / h <= 2.0 + 1.0 / h  # the width is rounded
        cropped += (h, w) != (size, size)
    assert cropped > 20


def test_crop_that_cannot_be_satisfied_returns_the_input():
    pixels = coordinate_image(30, 30)
    label = np.array([[1, 0.0, 0.0, 1.0, 1.0]])
    # a window of at most half the image cannot hold 90% of a box as large as the image
    aug = mx.image.DetRandomCropAug(min_object_covered=0.9, area_range=(0.1, 0.5))
    img, out = aug(mx.nd.array(pixels, dtype="uint8"), label)
    np.testing.assert_array_equal(img.asnumpy(), pixels)
    assert out is label


def test_invalid_ranges_warn_and_disable():
    with pytest.warns(UserWarning, match="invalid area_range"):
        crop = mx.image.DetRandomCropAug(area_range=(0.5, 0.1))
    with pytest.warns(UserWarning, match="invalid parameters"):
        pad = mx.image.DetRandomPadAug(area_range=(0.5, 1.0))
    with pytest.warns(UserWarning, match="invalid aspect_ratio_range"):
        mx.image.DetRandomCropAug(aspect_ratio_range=(2.0, 1.0))
    src = mx.nd.zeros((8, 8, 3))
    label = np.array([[0, 0.1, 0.1, 0.9, 0.9]])
    for aug in (crop, pad):
        assert not aug.enabled
        img, out = aug(src, label)
        assert img.shape == (8, 8, 3) and out is label
    with pytest.raises(AssertionError):
        mx.image.DetRandomCropAug(area_range="big")


def test_select_and_borrow_augmenters():
    src = mx.nd.zeros((4, 6, 3), dtype="uint8")
    label = np.array([[0, 0.1, 0.2, 0.3, 0.4]])
    img, out = mx.image.DetBorrowAug(mx.image.CastAug())(src, label)
    assert img.dtype == np.float32 and out is label
    flip = mx.image.DetHorizontalFlipAug(1)
    _, out = mx.image.DetRandomSelectAug(flip, skip_prob=0)(src, label.copy())
    np.testing.assert_allclose(out[0, (1, 3)], [0.7, 0.9])
    _, out = mx.image.DetRandomSelectAug([flip], skip_prob=1)(src, label)
    assert out is label
    assert mx.image.DetRandomSelectAug([]).skip_prob == 1
    with pytest.raises(TypeError, match="Borrowing from invalid Augmenter"):
        mx.image.DetBorrowAug(flip)
    with pytest.raises(ValueError, match="Allow DetAugmenter in list only"):
        mx.image.DetRandomSelectAug([mx.image.CastAug()])


def test_dumps_and_created_augmenter_lists():
    assert mx.image.DetHorizontalFlipAug(0.5).dumps() == '["dethorizontalflipaug", {"p": 0.5}]'
    assert mx.image.DetBorrowAug(mx.image.CastAug()).dumps() == [
        "detborrowaug", '["castaug", {"type": "float32"}]']
    crop = mx.image.DetRandomCropAug()
    assert (crop.min_object_covered, crop.aspect_ratio_range, crop.area_range,
            crop.min_eject_coverage, crop.max_attempts) == (0.1, (0.75, 1.33), (0.05, 1.0), 0.3,
                                                            50)
    assert mx.image.DetRandomPadAug().pad_val == (128, 128, 128)
    multi = mx.image.CreateMultiRandCropAugmenter(min_object_covered=[0.1, 0.5, 0.9],
                                                  area_range=[(0.2, 1.0)], max_attempts=7,
                                                  skip_prob=0.25)
    assert multi.skip_prob == 0.25
    assert [a.min_object_covered for a in multi.aug_list] == [0.1, 0.5, 0.9]
    assert [a.area_range for a in multi.aug_list] == [(0.2, 1.0)] * 3
    assert [a.max_attempts for a in multi.aug_list] == [7] * 3
    with pytest.raises(AssertionError):
        mx.image.CreateMultiRandCropAugmenter(min_object_covered=[0.1, 0.5],
                                              max_attempts=[1, 2, 3])
    augs = mx.image.CreateDetAugmenter((3, 30, 20), resize=10, rand_crop=0.5, rand_pad=0.25,
                                       rand_mirror=True, mean=True, std=True, brightness=0.1,
                                       hue=0.1, pca_noise=0.1, rand_gray=0.1,
                                       area_range=(0.1, 2.5), pad_val=5)
    assert [type(a).__name__ for a in augs[:4]] == ["DetBorrowAug", "DetRandomSelectAug",
                                                    "DetHorizontalFlipAug", "DetRandomSelectAug"]
    assert augs[0].augmenter.size == 10
    assert augs[1].skip_prob == 0.5 and augs[3].skip_prob == 0.75
    pad = augs[3].aug_list[0]
    assert pad.area_range == (1.0, 2.5) and pad.pad_val == 5
    assert augs[4].augmenter.size == (20, 30)
    assert [type(a.augmenter).__name__ for a in augs[4:]] == [
        "ForceResizeAug", "CastAug", "ColorJitterAug", "HueJitterAug", "LightingAug",
        "RandomGrayAug", "ColorNormalizeAug"]
    np.testing.assert_allclose(augs[-1].augmenter.mean.asnumpy(), [123.68, 116.28, 103.53])
    with pytest.raises(AssertionError):
        mx.image.CreateDetAugmenter((3, 8, 8), mean=[1, 2, 3])


# ---------------------------------------------------------------- ImageDetIter

LABELS = [
    [2, 5, 1, 0.1, 0.2, 0.5, 0.6],
    [2, 5, 3, 0.0, 0.0, 1.0, 1.0, 4, 0.2, 0.3, 0.4, 0.9],
    # a longer header; the middle box (xmax < xmin) is invalid and dropped
    [4, 5, 7, 7, 1, 0.1, 0.2, 0.5, 0.6, 2, 0.5, 0.5, 0.4, 0.9, 6, 0.1, 0.1, 0.2, 0.2],
    [2, 5, 0, 0.3, 0.3, 0.6, 0.6],
    [2, 5, 9, 0.0, 0.5, 0.5, 1.0],
]


def parsed(raw):
    """The valid (objects, width) rows of a raw label, computed directly."""
    raw = np.asarray(raw, dtype=np.float32)
    objs = raw[int(raw[0]):].reshape(-1, int(raw[1]))
    return objs[(objs[:, 3] > objs[:, 1]) & (objs[:, 4] > objs[:, 2])]


def padded(raw, count):
    out = np.full((count, 5), -1, dtype=np.float32)
    rows = parsed(raw)
    out[:len(rows)] = rows
    return out


@pytest.fixture
def images(tmp_path):
    rs = np.random.RandomState(7)
    pixels = [rs.randint(0, 255, (6, 8, 3)).astype(np.uint8) for _ in LABELS]
    for i, img in enumerate(pixels):
        (tmp_path / ("%d.png" % i)).write_bytes(encoded(img))
    return tmp_path, pixels


def no_aug():
    return [mx.image.DetBorrowAug(mx.image.CastAug())]


def test_detiter_batch_layout_and_padded_labels(images):
    root, pixels = images
    imglist = [raw + ["%d.png" % i] for i, raw in enumerate(LABELS)]
    it = mx.image.ImageDetIter(2, (3, 6, 8), imglist=imglist, path_root=str(root),
                               aug_list=no_aug())
    count = max(len(parsed(raw)) for raw in LABELS)
    assert count == 2 and it.label_shape == (2, 5)
    assert it.provide_data == [("data", (2, 3, 6, 8))]
    assert it.provide_label == [("label", (2, 2, 5))]
    batches = list(it)
    assert [b.pad for b in batches] == [0, 0, 1]
    order = [0, 1, 2, 3, 4, 0]  # 'pad' completes the last batch from the start
    data = np.concatenate([b.data[0].asnumpy() for b in batches])
    labels = np.concatenate([b.label[0].asnumpy() for b in batches])
    assert data.dtype == np.float32 and labels.dtype == np.float32
    np.testing.assert_array_equal(data, np.stack([pixels[k].transpose(2, 0, 1) for k in order]))
    np.testing.assert_allclose(labels, np.stack([padded(LABELS[k], 2) for k in order]))
    # the default augmenters force-resize to data_shape
    it = mx.image.ImageDetIter(1, (3, 12, 4), imglist=imglist, path_root=str(root))
    batch = it.next()
    assert batch.data[0].shape == (1, 3, 12, 4)
    np.testing.assert_allclose(batch.label[0].asnumpy()[0], padded(LABELS[0], 2))


def test_detiter_reads_lst_and_recordio(images, tmp_path):
    root, pixels = images
    lst = tmp_path / "det.lst"
    lst.write_text("".join("%d\t%s\t%d.png\n" % (i, "\t".join(str(v) for v in raw), i)
                           for i, raw in enumerate(LABELS)))
    rec, idx = str(tmp_path / "det.rec"), str(tmp_path / "det.idx")
    writer = mx.recordio.MXIndexedRecordIO(idx, rec, "w")
    for i, raw in enumerate(LABELS):
        header = mx.recordio.IRHeader(0, np.array(raw, dtype=np.float32), i, 0)
        writer.write_idx(i, mx.recordio.pack(header, encoded(pixels[i])))
    writer.close()
    sources = [dict(path_imglist=str(lst), path_root=str(root)),
               dict(path_imgrec=rec, path_imgidx=idx), dict(path_imgrec=rec)]
    for source in sources:
        it = mx.image.ImageDetIter(5, (3, 6, 8), aug_list=no_aug(), **source)
        batch = it.next()
        assert it.label_shape == (2, 5) and batch.pad == 0
        np.testing.assert_array_equal(batch.data[0].asnumpy(),
                                      np.stack([p.transpose(2, 0, 1) for p in pixels]))
        np.testing.assert_allclose(batch.label[0].asnumpy(),
                                   np.stack([padded(raw, 2) for raw in LABELS]))
    # the second of two parts of the indexed file
    it = mx.image.ImageDetIter(2, (3, 6, 8), path_imgrec=rec, path_imgidx=idx, num_parts=2,
                               part_index=1, aug_list=no_aug())
    np.testing.assert_allclose(it.next().label[0].asnumpy(),
                               np.stack([padded(LABELS[k], 2) for k in (2, 3)]))


def test_detiter_last_batch_handle_and_shuffle(images):
    root, _ = images
    imglist = [raw + ["%d.png" % i] for i, raw in enumerate(LABELS)]
    first_class = [parsed(raw)[0, 0] for raw in LABELS]

    def classes(it):
        return [b.label[0].asnumpy()[:, 0, 0].tolist() for b in it]

    it = mx.image.ImageDetIter(2, (3, 6, 8), imglist=imglist, path_root=str(root),
                               aug_list=no_aug(), last_batch_handle="discard")
    for _ in range(2):
        assert classes(it) == [first_class[0:2], first_class[2:4]]
        it.reset()
    it = mx.image.ImageDetIter(2, (3, 6, 8), imglist=imglist, path_root=str(root),
                               aug_list=no_aug(), last_batch_handle="roll_over")
    assert classes(it) == [first_class[0:2], first_class[2:4]]
    it.reset()
    # the left-over sample starts the next epoch
    assert classes(it) == [[first_class[4], first_class[0]], first_class[1:3],
                           first_class[3:5]]
    random.seed(3)
    it = mx.image.ImageDetIter(5, (3, 6, 8), imglist=imglist, path_root=str(root),
                               aug_list=no_aug(), shuffle=True)
    epochs = []
    for _ in range(3):
        labels = it.next().label[0].asnumpy()
        epochs.append([int(np.flatnonzero([np.allclose(row, padded(raw, 2))
                                           for raw in LABELS])[0]) for row in labels])
        it.reset()
    assert all(sorted(e) == list(range(5)) for e in epochs)
    assert len({tuple(e) for e in epochs}) > 1


def test_detiter_skips_samples_without_valid_boxes(images):
    root, _ = images
    # sample 1's only box is empty after parsing; sample 2's class id is negative
    imglist = [LABELS[0] + ["0.png"], [2, 5, 1, 0.5, 0.5, 0.5, 0.9, "1.png"],
               [2, 5, -1, 0.1, 0.1, 0.9, 0.9, "2.png"], LABELS[3] + ["3.png"]]
    with pytest.raises(RuntimeError, match="no valid label"):
        mx.image.ImageDetIter(2, (3, 6, 8), imglist=imglist, path_root=str(root))
    imglist.pop(1)
    it = mx.image.ImageDetIter(3, (3, 6, 8), imglist=imglist, path_root=str(root),
                               aug_list=no_aug())
    batch = it.next()
    np.testing.assert_allclose(batch.label[0].asnumpy()[:2],
                               np.stack([padded(LABELS[0], 1), padded(LABELS[3], 1)]))
    with pytest.raises(MXNetError, match="Label shape is invalid"):
        mx.image.ImageDetIter(1, (3, 6, 8), imglist=[[2, 5, 1, 0.1, 0.1, "0.png"]],
                              path_root=str(root))
    with pytest.raises(MXNetError, match="inconsistent with header width 2 and annotation "
                                         "width 5"):
        mx.image.ImageDetIter(1, (3, 6, 8), imglist=[[2, 5, 1, 0.1, 0.1, 0.3, 0.3, 1, "0.png"]],
                              path_root=str(root))


def test_detiter_reshape_and_sync_label_shape(images):
    root, _ = images
    imglist = [raw + ["%d.png" % i] for i, raw in enumerate(LABELS)]
    big = mx.image.ImageDetIter(2, (3, 6, 8), imglist=imglist, path_root=str(root),
                                aug_list=no_aug())
    small = mx.image.ImageDetIter(2, (3, 6, 8), imglist=imglist[:1] + imglist[3:],
                                  path_root=str(root), aug_list=no_aug())
    assert small.label_shape == (1, 5)
    assert big.sync_label_shape(small) is small
    assert small.label_shape == (2, 5) and small.provide_label == [("label", (2, 2, 5))]
    assert small.next().label[0].shape == (2, 2, 5)
    big.reshape(label_shape=(4, 5))
    assert big.provide_label == [("label", (2, 4, 5))]
    np.testing.assert_allclose(big.next().label[0].asnumpy(),
                               np.stack([padded(LABELS[0], 4), padded(LABELS[1], 4)]))
    with pytest.raises(ValueError, match="reduce label count from 4 to 3"):
        big.reshape(label_shape=(3, 5))
    with pytest.raises(ValueError, match="object width inconsistent: 5 vs 6"):
        big.reshape(label_shape=(4, 6))
    with pytest.raises(ValueError, match="length 2"):
        big.reshape(label_shape=(4,))
    big.reshape(data_shape=(3, 2, 2))
    assert big.provide_data == [("data", (2, 3, 2, 2))] and big.data_shape == (3, 2, 2)
    with pytest.raises(AssertionError, match="invalid iterator"):
        big.sync_label_shape(mx.image.ImageIter(1, (3, 6, 8), imglist=imglist,
                                                path_root=str(root)))


def test_detiter_with_augmenters_keeps_boxes_valid(images):
    root, _ = images
    imglist = [raw + ["%d.png" % i] for i, raw in enumerate(LABELS)]
    random.seed(0)
    it = mx.image.ImageDetIter(2, (3, 16, 16), imglist=imglist, path_root=str(root),
                               rand_crop=1, rand_pad=1, rand_mirror=True, mean=True,
                               min_object_covered=[0.1, 0.5], area_range=(0.3, 3.0))
    for _ in range(3):
        for batch in it:
            assert batch.data[0].shape == (2, 3, 16, 16)
            for rows in batch.label[0].asnumpy():
                real = rows[rows[:, 0] >= 0]
                assert len(real) >= 1 and np.all(rows[len(real):] == -1)
                assert np.all((real[:, 1:] >= 0) & (real[:, 1:] <= 1))
                assert np.all(real[:, 3] > real[:, 1]) and np.all(real[:, 4] > real[:, 2])
        it.reset()


def test_draw_next_draws_boxes_in_bgr(images):
    root, pixels = images
    black = np.zeros((20, 20, 3), dtype=np.uint8)
    (root / "black.png").write_bytes(encoded(black))
    it = mx.image.ImageDetIter(1, (3, 20, 20), path_root=str(root),
                               imglist=[[2, 5, 0, 0.25, 0.5, 0.75, 0.9, "black.png"]],
                               aug_list=no_aug())
    images_out = list(it.draw_next(color=(255, 0, 10), thickness=1))
    assert len(images_out) == 1
    drawn = images_out[0]
    assert drawn.dtype == np.uint8 and drawn.shape == (20, 20, 3)
    expected = np.zeros_like(black)
    x1, y1, x2, y2 = 5, 10, 15, 18  # int(corner * size)
    for sl in [(y1, slice(x1, x2 + 1)), (y2, slice(x1, x2 + 1)), (slice(y1, y2 + 1), x1),
               (slice(y1, y2 + 1), x2)]:
        expected[sl] = (10, 0, 255)  # BGR
    np.testing.assert_array_equal(drawn, expected)
    # class names are written in white (anti-aliased: grey levels) inside the box's corner
    it.reset()
    named = next(it.draw_next(color=(255, 0, 10), thickness=1, id2labels={0: "car"}))
    text = (named != expected).any(axis=2)
    assert text.any() and not text[:y1 + 1].any() and not text[:, :x1 + 1].any()
    assert np.all(named[text] == named[text][:, :1])
    # undoing the normalization restores the pixels (then swapped to BGR)
    it = mx.image.ImageDetIter(1, (3, 6, 8), imglist=[LABELS[0] + ["0.png"]],
                               path_root=str(root), mean=True, std=True)
    drawn = next(it.draw_next(color=(1, 2, 3), thickness=-1, mean=True, std=True))
    unboxed = np.ones(drawn.shape[:2], bool)
    unboxed[1:4, 0:5] = False  # rows int(0.2*6)..int(0.6*6), columns int(0.1*8)..int(0.5*8)
    np.testing.assert_allclose(drawn[unboxed].astype(float),
                               pixels[0][:, :, ::-1][unboxed].astype(float), atol=1)
    np.testing.assert_array_equal(drawn[1:4, 0:5], np.tile([3, 2, 1], (3, 5, 1)))
