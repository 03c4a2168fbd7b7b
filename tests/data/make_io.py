"""Writes what MXNet 1.9.1's mx.io iterators give on small inputs (tests/data/mxnet191_io.npz).

Run with the MXNet venv from the repository root:
    /work/peers/mxnet/bin/python tests/data/make_io.py
The inputs are made here from fixed formulas and saved too, so the tests rebuild the same files.
"""
import os
import struct
import tempfile

import numpy as np
import mxnet as mx

HERE = os.path.dirname(os.path.abspath(__file__))


def record(out, prefix, it, epochs=2):
    for epoch in range(epochs):
        for b, batch in enumerate(it):
            for k, d in enumerate(batch.data):
                out["%s_%d_%d_data%d" % (prefix, epoch, b, k)] = d.asnumpy()
            for k, l in enumerate(batch.label or []):
                out["%s_%d_%d_label%d" % (prefix, epoch, b, k)] = l.asnumpy()
            out["%s_%d_%d_pad" % (prefix, epoch, b)] = np.array(batch.pad)
        it.reset()


def main():
    out = {}
    tmp = tempfile.mkdtemp()
    csv_data = np.arange(15, dtype=np.float32).reshape(5, 3) * 0.5
    csv_label = np.arange(5, dtype=np.float32) * 10
    out["csv_data"], out["csv_label"] = csv_data, csv_label
    np.savetxt(os.path.join(tmp, "d.csv"), csv_data, delimiter=",", fmt="%g")
    np.savetxt(os.path.join(tmp, "l.csv"), csv_label, delimiter=",", fmt="%g")
    record(out, "csv_round", mx.io.CSVIter(data_csv=os.path.join(tmp, "d.csv"), data_shape=(3,),
                                          label_csv=os.path.join(tmp, "l.csv"), batch_size=2))
    record(out, "csv_noround", mx.io.CSVIter(data_csv=os.path.join(tmp, "d.csv"),
                                            data_shape=(3,), batch_size=2, round_batch=False),
           epochs=1)
    record(out, "csv_shape", mx.io.CSVIter(data_csv=os.path.join(tmp, "d.csv"),
                                          data_shape=(1, 3), batch_size=4), epochs=1)

    n = 7
    images = ((np.arange(n * 28 * 28) * 7) % 256).astype(np.uint8).reshape(n, 28, 28)
    labels = (np.arange(n) * 3 % 10).astype(np.uint8)
    out["mnist_images"], out["mnist_labels"] = images, labels
    img_path, lab_path = os.path.join(tmp, "img"), os.path.join(tmp, "lab")
    with open(img_path, "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + images.tobytes())
    with open(lab_path, "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + labels.tobytes())
    record(out, "mnist", mx.io.MNISTIter(image=img_path, label=lab_path, batch_size=3,
                                        shuffle=False, silent=True))
    record(out, "mnist_flat_part1", mx.io.MNISTIter(image=img_path, label=lab_path, batch_size=2,
                                                   shuffle=False, flat=True, num_parts=2,
                                                   part_index=1, silent=True), epochs=1)

    x = np.arange(20, dtype=np.float32).reshape(5, 2, 2)
    y = np.arange(5, dtype=np.float32)
    out["nd_x"], out["nd_y"] = x, y
    for handle in ("pad", "discard", "roll_over"):
        record(out, "nd_" + handle, mx.io.NDArrayIter({"b": x, "a": y}, y, batch_size=2,
                                                      last_batch_handle=handle), epochs=3)
    record(out, "nd_pad_big", mx.io.NDArrayIter(y[:2], batch_size=5), epochs=1)
    record(out, "nd_ntc", mx.io.NDArrayIter(np.arange(30, dtype=np.float32).reshape(2, 5, 3),
                                            batch_size=2, layout="TNC"), epochs=1)
    record(out, "resize", mx.io.ResizeIter(mx.io.NDArrayIter(y, batch_size=2), 4), epochs=1)
    np.savez_compressed(os.path.join(HERE, "mxnet191_io.npz"), **out)


if __name__ == "__main__":
    main()
