"""Writes tests/data/mxnet191_sparse_dict.nd with MXNet 1.9.1 (run with the MXNet venv):
named sparse arrays of several dtypes, shapes and densities, including empty ones, read and
rewritten byte for byte by tests/test_sparse_io.py, which rebuilds the same values."""
import pathlib

import mxnet as mx
import numpy as np


def reference_values():
    """name -> (stype, dense NumPy values); test_sparse_io.py has the same formulas."""
    a = np.arange(12, dtype=np.float32).reshape(4, 3)
    a[a % 4 != 1] = 0                      # csr, a few values
    b = np.zeros((5, 2), dtype=np.float64)
    b[[1, 4]] = [[1.5, -2.0], [0.25, 3.0]]  # row_sparse, two rows
    c = np.zeros((3, 4), dtype=np.float32)   # csr with no values
    d = np.zeros((6, 2, 2), dtype=np.float32)
    d[2] = 7.0                             # 3-D row_sparse
    return {"csr_f32": ("csr", a), "rsp_f64": ("row_sparse", b), "csr_empty": ("csr", c),
            "rsp_3d": ("row_sparse", d), "dense": ("default", np.ones((2, 2), np.float32))}


if __name__ == "__main__":
    arrays = {k: mx.nd.array(v, dtype=v.dtype).tostype(s) for k, (s, v) in reference_values().items()}
    mx.nd.save(str(pathlib.Path(__file__).parent / "mxnet191_sparse_dict.nd"), arrays)
