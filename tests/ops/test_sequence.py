"""SequenceMask, SequenceLast, SequenceReverse against NumPy loops (values checked against
MXNet 1.9.1 by hand: lengths in range, both axes where MXNet supports them)."""
import numpy as np
import pytest

from mxnb import nd
from mxnb.base import MXNetError

from .harness import Case, run_case

RNG = np.random.RandomState(0)
X = RNG.uniform(-1, 1, (4, 3, 2))          # (T, N, C)
XB = RNG.uniform(-1, 1, (3, 4, 2))         # (N, T, C)
LENS = np.array([2.0, 4.0, 1.0])


def mask_ref(data, lengths=None, use_sequence_length=False, value=0.0, axis=0):
    out = data.copy()
    if use_sequence_length:
        for n, length in enumerate(lengths):
            if axis == 0:
                out[int(length):, n] = value
            else:
                out[n, int(length):] = value
    return out


def last_ref(data, lengths=None, use_sequence_length=False, axis=0):
    if not use_sequence_length:
        return data[-1] if axis == 0 else data[:, -1]
    return np.stack([data[int(l) - 1, n] if axis == 0 else data[n, int(l) - 1]
                     for n, l in enumerate(lengths)])


def reverse_ref(data, lengths=None, use_sequence_length=False, axis=0):
    if not use_sequence_length:
        return data[::-1]
    out = data.copy()
    for n, length in enumerate(lengths):
        out[:int(length), n] = data[:int(length), n][::-1]
    return out


CASES = [
    Case("SequenceMask", [X], mask_ref, name="SequenceMask-no-lengths"),
    Case("SequenceMask", [X, LENS], mask_ref, {"use_sequence_length": True, "value": -1.0},
         grad_inputs=[0], name="SequenceMask-value"),
    Case("SequenceMask", [XB, LENS], mask_ref, {"use_sequence_length": True, "axis": 1},
         grad_inputs=[0], name="SequenceMask-axis1"),
    Case("SequenceLast", [X], last_ref, name="SequenceLast-no-lengths"),
    Case("SequenceLast", [X, LENS], last_ref, {"use_sequence_length": True}, grad_inputs=[0],
         name="SequenceLast-lengths"),
    Case("SequenceLast", [XB, LENS], last_ref, {"use_sequence_length": True, "axis": 1},
         grad_inputs=[0], name="SequenceLast-axis1"),
    Case("_backward_SequenceLast", [X[0], X, LENS],
         lambda og, data, lengths, **a: _scatter_last(og, data, lengths),
         {"use_sequence_length": True}, grad_inputs=[0], name="_backward_SequenceLast"),
    Case("SequenceReverse", [X], reverse_ref, name="SequenceReverse-no-lengths"),
    Case("SequenceReverse", [X, LENS], reverse_ref, {"use_sequence_length": True},
         grad_inputs=[0], name="SequenceReverse-lengths"),
]


def _scatter_last(og, data, lengths):
    out = np.zeros_like(data)
    for n, l in enumerate(lengths):
        out[int(l) - 1, n] = og[n]
    return out


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_sequence_case(case, ctx):
    run_case(case, ctx)


def test_empty_sequence_last_is_zeros_and_mask_masks_all():
    x = nd.array(X)
    lengths = nd.array([0, 2, 9])
    last = nd.SequenceLast(x, lengths, use_sequence_length=True).asnumpy()
    np.testing.assert_allclose(last[0], 0)
    np.testing.assert_allclose(last[2], X[-1, 2])
    masked = nd.SequenceMask(x, lengths, use_sequence_length=True).asnumpy()
    np.testing.assert_allclose(masked[:, 0], 0)
    np.testing.assert_allclose(masked[:, 2], X[:, 2])


def test_wrong_lengths_shape_and_axis():
    with pytest.raises(MXNetError, match=r"SequenceMask.*sequence_length should have shape \(3,\)"):
        nd.SequenceMask(nd.array(X), nd.array([1, 2]), use_sequence_length=True)
    with pytest.raises(MXNetError, match="axis"):
        nd.SequenceReverse(nd.array(X), axis=1)
