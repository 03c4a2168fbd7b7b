"""Writes the RecordIO/image fixtures with real MXNet 1.9.1, and what MXNet reads back from them.

Run with the MXNet venv from the repository root:
    /work/peers/mxnet/bin/python tests/data/make_recordio.py
Outputs (tests/data/): mxnet191_images.rec/.idx (PNG images packed with mx.recordio.pack),
mxnet191_raw.rec (raw records, some containing RecordIO's magic number), and
mxnet191_image_expected.npz (MXNet's decodes, resizes, crops, iterator batches, transforms).
PNGs are encoded here with zlib, so neither OpenCV's nor Pillow's Python module is needed.
"""
import os
import struct
import zlib

import numpy as np
import mxnet as mx
from mxnet.gluon.data.vision import transforms as T

HERE = os.path.dirname(os.path.abspath(__file__))
MAGIC = struct.pack("<I", 0xCED7230A)


def png(img):
    """A minimal PNG (8-bit RGB or grey, no filtering) of an (H, W[, 3]) uint8 array."""
    h, w = img.shape[:2]
    color = 2 if img.ndim == 3 else 0
    raw = b"".join(b"\0" + img[y].tobytes() for y in range(h))

    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, color, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def images():
    rng = np.random.RandomState(7)
    sizes = [(10, 14), (12, 9), (16, 16), (9, 11), (13, 20), (11, 12)]
    out = []
    for i, (h, w) in enumerate(sizes):
        yy, xx = np.mgrid[0:h, 0:w]
        base = np.stack([(xx * 255 // max(w - 1, 1)), (yy * 255 // max(h - 1, 1)),
                         ((xx + yy) * 20 + 40 * i) % 256], axis=2)
        noise = rng.randint(0, 40, size=base.shape)
        out.append(np.clip(base + noise, 0, 255).astype(np.uint8))
    return out


def main():
    imgs = images()
    rec = os.path.join(HERE, "mxnet191_images.rec")
    idx = os.path.join(HERE, "mxnet191_images.idx")
    writer = mx.recordio.MXIndexedRecordIO(idx, rec, "w")
    for i, img in enumerate(imgs):
        writer.write_idx(i, mx.recordio.pack(mx.recordio.IRHeader(0, float(i % 3), i, 0),
                                             png(img)))
    writer.close()

    raw_payloads = [b"", b"abc", MAGIC, b"abcd" + MAGIC + b"efgh" + MAGIC,
                    b"xy" + MAGIC + b"zw", MAGIC + MAGIC + b"tail1", bytes(range(256)) * 3,
                    mx.recordio.pack(mx.recordio.IRHeader(0, [1.5, 2.5, 3.5], 9, 1), b"multi")]
    raw = mx.recordio.MXRecordIO(os.path.join(HERE, "mxnet191_raw.rec"), "w")
    for payload in raw_payloads:
        raw.write(payload)
    raw.close()

    expected = {}
    for i, img in enumerate(imgs):
        expected["source_%d" % i] = img
        expected["imdecode_%d" % i] = mx.image.imdecode(png(img)).asnumpy()
        expected["imdecode_gray_%d" % i] = mx.image.imdecode(png(img), flag=0).asnumpy()
        expected["imdecode_bgr_%d" % i] = mx.image.imdecode(png(img), to_rgb=False).asnumpy()
    src = mx.nd.array(imgs[4], dtype="uint8")  # 13 x 20
    for interp in range(5):
        for w, h in ((7, 5), (26, 17), (20, 6), (10, 13)):
            expected["imresize_%d_%dx%d" % (interp, w, h)] = \
                mx.image.imresize(src, w, h, interp=interp).asnumpy()
    expected["resize_short_8"] = mx.image.resize_short(src, 8).asnumpy()
    out, box = mx.image.center_crop(src, (6, 5))
    expected["center_crop_6x5"] = out.asnumpy()
    expected["center_crop_6x5_box"] = np.array(box)
    expected["center_crop_30x30"] = mx.image.center_crop(src, (30, 30))[0].asnumpy()
    expected["fixed_crop"] = mx.image.fixed_crop(src, 2, 3, 8, 6, size=(4, 3)).asnumpy()
    expected["color_normalize"] = mx.image.color_normalize(
        src.astype("float32"), mx.nd.array([10, 20, 30]), mx.nd.array([2, 4, 8])).asnumpy()

    it = mx.io.ImageRecordIter(path_imgrec=rec, data_shape=(3, 8, 8), batch_size=4, resize=9,
                               mean_r=10, mean_g=20, mean_b=30, std_r=2, std_g=4, std_b=8,
                               scale=0.5, preprocess_threads=1, verbose=False)
    for epoch in range(2):
        for b, batch in enumerate(it):
            expected["recorditer_%d_%d_data0" % (epoch, b)] = batch.data[0].asnumpy()
            expected["recorditer_%d_%d_label0" % (epoch, b)] = batch.label[0].asnumpy()
            expected["recorditer_%d_%d_pad" % (epoch, b)] = np.array(batch.pad)
        it.reset()
    it = mx.image.ImageIter(batch_size=4, data_shape=(3, 8, 8), path_imgrec=rec, path_imgidx=idx,
                            resize=9)
    for b, batch in enumerate(it):
        expected["imageiter_0_%d_data0" % b] = batch.data[0].asnumpy()
        expected["imageiter_0_%d_label0" % b] = batch.label[0].asnumpy()
        expected["imageiter_0_%d_pad" % b] = np.array(batch.pad)

    ds = mx.gluon.data.vision.ImageRecordDataset(rec)
    image, label = ds[2]
    expected["dataset_2_image"] = image.asnumpy()
    expected["dataset_2_label"] = np.array(label)
    img = mx.nd.array(imgs[4], dtype="uint8")
    expected["T_resize_7x5"] = T.Resize((7, 5))(img).asnumpy()
    expected["T_resize_8_keep"] = T.Resize(8, keep_ratio=True)(img).asnumpy()
    expected["T_center_crop_6x4"] = T.CenterCrop((6, 4))(img).asnumpy()
    expected["T_crop_resize"] = T.CropResize(3, 2, 9, 7, size=(5, 4), interpolation=1)(img).asnumpy()
    expected["T_to_tensor"] = T.ToTensor()(img).asnumpy()
    expected["T_normalize"] = T.Normalize((0.1, 0.2, 0.3), (0.5, 0.6, 0.7))(
        T.ToTensor()(img)).asnumpy()
    expected["T_flip_lr"] = mx.nd.image.flip_left_right(img).asnumpy()
    expected["T_flip_tb"] = mx.nd.image.flip_top_bottom(img).asnumpy()
    chw = mx.nd.array(imgs[3].transpose(2, 0, 1).astype("float32"))
    expected["imrotate_30"] = mx.image.imrotate(chw, 30).asnumpy()
    expected["imrotate_-50_zoom_in"] = mx.image.imrotate(chw, -50, zoom_in=True).asnumpy()
    expected["imrotate_70_zoom_out"] = mx.image.imrotate(chw, 70, zoom_out=True).asnumpy()
    np.savez_compressed(os.path.join(HERE, "mxnet191_image_expected.npz"), **expected)


if __name__ == "__main__":
    main()
